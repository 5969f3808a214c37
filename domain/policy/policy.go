// Package policy owns the versioned rule parameters (R-POL-01): forecast
// windows, classification thresholds, name rules and text limits, as data a
// platform admin edits and the event store keeps, plus the clock every
// decision reads "now" from (R-POL-02).
//
// Where a seed is ambiguous the chosen default lives here, never as a literal
// in the aggregates.
package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/workday"
	"github.com/google/uuid"
)

// Policy is one version of the rule parameters. It is stored as JSON in
// events, so field names are part of the event schema.
type Policy struct {
	Version string `json:"version"`
	// DefaultWindow is the forecast collection window (R-FC-01) in the
	// calendar year before the plan year. Its JSON name is forecastWindow;
	// the method ForecastWindow applies it with the overrides.
	DefaultWindow Window `json:"forecastWindow"`
	// WindowOverrides replace the default for one university and plan year.
	WindowOverrides []WindowOverride `json:"windowOverrides,omitempty"`
	Classification  Classification   `json:"classification"`
	Names           NameRules        `json:"names"`
	Text            TextLimits       `json:"text"`
	// Declaration holds the declaration's lead times and limits (R-DECL-04,
	// R-DECL-05, R-DECL-11).
	Declaration DeclarationRules `json:"declaration"`
	// Change, Summary and Deadlines hold R-CHG-*, R-SUM-* and the deadline
	// engine's reminders.
	Change    ChangeRules   `json:"change"`
	Summary   SummaryRules  `json:"summary"`
	Deadlines DeadlineRules `json:"deadlines"`
	// Funding holds conference funding's parameters and published calls
	// (seed 002, R-FUND-*).
	Funding FundingRules `json:"funding"`
	// WorkCalendar is China's working-day calendar (holidays and 调休
	// make-up working days per year) that periods counted in working days
	// read (R-NOM-04). The admin edits it one year at a time
	// (SetWorkCalendarYear); a whole-policy publication keeps it.
	WorkCalendar workday.Calendar `json:"workCalendar"`
	// Nomination holds important-conference nominations' quotas and limits
	// (seed 003, R-NOM-*).
	Nomination NominationRules `json:"nomination"`
	// Retention says how long personal data nobody needs is kept (PIPL).
	Retention RetentionRules `json:"retention"`
}

// MonthDay is a day of the year without the year.
type MonthDay struct {
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
}

// In is the date of m in year y.
func (m MonthDay) In(y int) domain.Date { return domain.Date{Year: y, Month: m.Month, Day: m.Day} }

func (m MonthDay) String() string { return fmt.Sprintf("%02d-%02d", int(m.Month), m.Day) }

// Window is a yearly period, both days included.
type Window struct {
	Open  MonthDay `json:"open"`
	Close MonthDay `json:"close"`
}

// WindowOverride is the forecast window of one university for one plan year;
// both dates are included and fall in the year before PlanYear.
type WindowOverride struct {
	UniversityID uuid.UUID   `json:"universityId"`
	PlanYear     int         `json:"planYear"`
	Open         domain.Date `json:"open"`
	Close        domain.Date `json:"close"`
}

// Classification holds the thresholds of R-CLS-02..04. Every bound is
// inclusive (R-CLS-00): 30 foreign guests is still small, 100 is already
// major for social science.
type Classification struct {
	// SmallMaxForeign is the most foreign guests a small natural-science
	// conference may have (R-CLS-02).
	SmallMaxForeign int `json:"smallMaxForeign"`
	// SocialMajor and NaturalMajor make a conference major when either count
	// reaches them (R-CLS-04); below both it is general (R-CLS-03).
	SocialMajor  MajorThreshold `json:"socialMajor"`
	NaturalMajor MajorThreshold `json:"naturalMajor"`
}

// MajorThreshold: reaching Foreign foreign guests or Total attendees makes a
// conference major.
type MajorThreshold struct {
	Foreign int `json:"foreign"`
	Total   int `json:"total"`
}

// TextLimits bound the length, in characters, of fields without a rule of
// their own.
type TextLimits struct {
	Short int `json:"short"` // names of people and organisations, addresses, phone numbers
	Long  int `json:"long"`  // justifications, remarks, reasons, comments
}

// Default is the policy in force when no admin has edited it: the seeds'
// values and the defaults rules.md names.
func Default() Policy {
	return Policy{
		Version: "2026.1",
		DefaultWindow: Window{
			Open:  MonthDay{Month: time.September, Day: 1},
			Close: MonthDay{Month: time.September, Day: 30},
		},
		Classification: Classification{
			SmallMaxForeign: 30,
			SocialMajor:     MajorThreshold{Foreign: 100, Total: 400},
			NaturalMajor:    MajorThreshold{Foreign: 300, Total: 800},
		},
		Names: NameRules{
			MaxZh: 50,
			MaxEn: 100,
			// 000 §二 and 001 list these; 第1届 is 第一届 written with a digit.
			ForbiddenZh:   []string{"第一届", "第1届", "首届", "高峰论坛", "国际论坛", "全球大会", "峰会", "世界大会", "高层会议"},
			DiscouragedZh: []string{"双边会议"},
			// English equivalents (R-FC-03); Inaugural is 首届.
			DiscouragedEn: []string{"First", "1st", "Inaugural", "Summit", "International Forum", "Global Congress", "World Congress", "High-level"},
		},
		Text:         TextLimits{Short: 200, Long: 2000},
		Declaration:  DefaultDeclarationRules(),
		Change:       DefaultChangeRules(),
		Summary:      DefaultSummaryRules(),
		Deadlines:    DefaultDeadlineRules(),
		Funding:      DefaultFundingRules(),
		WorkCalendar: workday.Shipped(),
		Nomination:   DefaultNominationRules(),
	}
}

// ForecastWindow is the first and last day (Asia/Shanghai, both included) on
// which a university's forecasts for planYear are accepted (R-FC-01).
func (p Policy) ForecastWindow(university uuid.UUID, planYear int) (open, close domain.Date) {
	for _, o := range p.WindowOverrides {
		if o.UniversityID == university && o.PlanYear == planYear {
			return o.Open, o.Close
		}
	}
	return p.DefaultWindow.Open.In(planYear - 1), p.DefaultWindow.Close.In(planYear - 1)
}

// Upcast fills what policies published before a field existed lack, with
// the defaults that applied then: a policy event is never rewritten.
func (p Policy) Upcast() Policy {
	if p.Declaration == (DeclarationRules{}) {
		p.Declaration = DefaultDeclarationRules()
	}
	if p.Declaration.Similar == (SimilarCheck{}) {
		p.Declaration.Similar = DefaultDeclarationRules().Similar
	}
	if p.Change == (ChangeRules{}) {
		p.Change = DefaultChangeRules()
	}
	if p.Summary == (SummaryRules{}) {
		p.Summary = DefaultSummaryRules()
	}
	if p.Deadlines.ReminderDays == nil {
		p.Deadlines = DefaultDeadlineRules()
	}
	if p.Funding.Categories[0].CapFen == 0 {
		calls := p.Funding.Calls
		p.Funding = DefaultFundingRules()
		p.Funding.Calls = calls
	}
	if p.WorkCalendar.Years == nil {
		p.WorkCalendar = workday.Shipped()
	}
	if p.Nomination.Rounding == "" {
		p.Nomination = DefaultNominationRules()
	}
	if p.Nomination.UpdateLeadDays == 0 {
		p.Nomination.UpdateLeadDays = DefaultNominationRules().UpdateLeadDays
	}
	if p.Funding.SummaryMonths == 0 {
		p.Funding.SummaryMonths = DefaultFundingRules().SummaryMonths
	}
	return p
}

// Validate checks that the policy can be applied; every problem is reported
// at once as a *domain.ValidationError.
func (p Policy) Validate() error {
	var pr domain.Problems
	const rule = "R-POL-01"
	p.Retention.validate(&pr)
	if pr.Required("version", rule, p.Version) {
		pr.MaxChars("version", rule, p.Version, 50)
	}

	// The default window must exist in every year (no February 29) and must
	// not wrap into the plan year, which is derived from the submission date.
	okOpen := validMonthDay(&pr, "forecastWindow.open", p.DefaultWindow.Open)
	okClose := validMonthDay(&pr, "forecastWindow.close", p.DefaultWindow.Close)
	if okOpen && okClose && p.DefaultWindow.Close.In(2001).Before(p.DefaultWindow.Open.In(2001)) {
		pr.Add("forecastWindow.close", rule, "must not be before the opening day", "截止日期不得早于开始日期")
	}

	seen := make(map[string]int)
	for i, o := range p.WindowOverrides {
		path := fmt.Sprintf("windowOverrides[%d]", i)
		if o.UniversityID == uuid.Nil {
			pr.Add(path+".universityId", rule, "required", "必填")
		}
		if o.PlanYear < 2000 || o.PlanYear > 9999 {
			pr.Add(path+".planYear", rule, "must be a year between 2000 and 9999", "须为2000至9999之间的年份")
		}
		for _, d := range []struct {
			name string
			date domain.Date
		}{{"open", o.Open}, {"close", o.Close}} {
			switch {
			case d.date.IsZero():
				pr.Add(path+"."+d.name, rule, "required", "必填")
			case d.date.Year != o.PlanYear-1:
				pr.Add(path+"."+d.name, rule,
					fmt.Sprintf("must fall in %d, the year before the plan year", o.PlanYear-1),
					fmt.Sprintf("须在计划年度的前一年（%d年）内", o.PlanYear-1))
			}
		}
		if !o.Open.IsZero() && !o.Close.IsZero() && o.Close.Before(o.Open) {
			pr.Add(path+".close", rule, "must not be before the opening day", "截止日期不得早于开始日期")
		}
		key := fmt.Sprintf("%s/%d", o.UniversityID, o.PlanYear)
		if j, dup := seen[key]; dup {
			pr.Add(path, rule,
				fmt.Sprintf("duplicates windowOverrides[%d] (same university and plan year)", j),
				fmt.Sprintf("与windowOverrides[%d]重复（同一高校同一年度）", j))
		} else {
			seen[key] = i
		}
	}

	c := p.Classification
	positive(&pr, "classification.smallMaxForeign", c.SmallMaxForeign, 0)
	positive(&pr, "classification.socialMajor.foreign", c.SocialMajor.Foreign, 1)
	positive(&pr, "classification.socialMajor.total", c.SocialMajor.Total, 1)
	positive(&pr, "classification.naturalMajor.foreign", c.NaturalMajor.Foreign, 1)
	positive(&pr, "classification.naturalMajor.total", c.NaturalMajor.Total, 1)
	if c.SmallMaxForeign >= c.NaturalMajor.Foreign && c.NaturalMajor.Foreign > 0 {
		pr.Add("classification.smallMaxForeign", rule,
			"must be below classification.naturalMajor.foreign, or a small conference would be major",
			"须小于classification.naturalMajor.foreign，否则小型会议将同时属于重大会议")
	}

	positive(&pr, "names.maxZh", p.Names.MaxZh, 1)
	positive(&pr, "names.maxEn", p.Names.MaxEn, 1)
	terms(&pr, "names.forbiddenZh", p.Names.ForbiddenZh, false)
	terms(&pr, "names.discouragedZh", p.Names.DiscouragedZh, false)
	terms(&pr, "names.discouragedEn", p.Names.DiscouragedEn, true)

	positive(&pr, "text.short", p.Text.Short, 1)
	positive(&pr, "text.long", p.Text.Long, 1)
	pr.Merge("declaration", p.Declaration.Validate())
	pr.Merge("change", p.Change.Validate())
	pr.Merge("summary", p.Summary.Validate())
	pr.Merge("deadlines", p.Deadlines.Validate())
	pr.Merge("funding", p.Funding.Validate())
	pr.Merge("workCalendar", p.WorkCalendar.Validate())
	pr.Merge("nomination", p.Nomination.Validate())
	if p.Text.Long < p.Text.Short {
		pr.Add("text.long", rule, "must not be below text.short", "不得小于text.short")
	}
	return pr.Err()
}

func validMonthDay(pr *domain.Problems, path string, m MonthDay) bool {
	// 2001 is not a leap year: a day valid there is valid every year.
	if m.Month < time.January || m.Month > time.December || m.Day < 1 ||
		m.Day > time.Date(2001, m.Month+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		pr.Add(path, "R-POL-01",
			"must be a day that exists every year (month 1-12, no February 29)",
			"须为每年都存在的日期（1至12月，不含2月29日）")
		return false
	}
	return true
}

func positive(pr *domain.Problems, path string, v, min int) {
	if v < min {
		pr.Add(path, "R-POL-01", fmt.Sprintf("must be at least %d", min), fmt.Sprintf("不得小于%d", min))
	}
}

// terms checks a term list; words says the terms are matched as Latin words,
// so each needs at least one letter or digit.
func terms(pr *domain.Problems, path string, list []string, words bool) {
	for i, t := range list {
		if strings.TrimSpace(t) == "" || words && len(tokens(t)) == 0 {
			pr.Add(fmt.Sprintf("%s[%d]", path, i), "R-POL-01",
				"must contain a word to match", "须包含可匹配的文字")
		}
	}
}
