package declaration

import (
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/policy"
)

// Filing is how the university's international office files its request
// with the authority (R-DECL-05): online (在线提交请示文) or on paper
// (纸质请示文).
type Filing string

const (
	FilingOnline Filing = "online"
	FilingPaper  Filing = "paper"
)

// Valid reports whether f is a known filing mode.
func (f Filing) Valid() bool { return f == FilingOnline || f == FilingPaper }

// Zh is the Chinese label.
func (f Filing) Zh() string {
	switch f {
	case FilingOnline:
		return "在线提交请示文"
	case FilingPaper:
		return "提交纸质请示文"
	}
	return string(f)
}

// LeadTime is one tier of R-DECL-05: how long before the start the applicant
// submits and the university files, and how it files.
type LeadTime struct {
	SubmitMonths int    `json:"submitMonths"`
	FileMonths   int    `json:"fileMonths"`
	Filing       Filing `json:"filing"`
}

// Rules are the declaration's parameters that policy.Policy does not hold
// yet; they are meant to be folded into it (R-POL-01), hence the JSON names.
// Count thresholds are not here: the lead-time tiers reuse the
// classification thresholds of policy.Classification.
type Rules struct {
	// MaxDays is the longest conference, both days counted (R-DECL-04).
	MaxDays int `json:"maxDays"`
	// MinLeadMonths: the start is at least this many months after the
	// submission, whatever the tier (R-DECL-04).
	MinLeadMonths int `json:"minLeadMonths"`
	// Major applies to a conference computed major (R-DECL-05: social
	// science with foreign ≥ 100 or total ≥ 400, natural science with
	// foreign ≥ 300 or total ≥ 800, or sensitive); Regular to the rest.
	Major   LeadTime `json:"major"`
	Regular LeadTime `json:"regular"`
	// NGOFilingDays: an overseas NGO's temporary activity is filed with the
	// provincial public security bureau this many days before the start
	// (R-DECL-11).
	NGOFilingDays int `json:"ngoFilingDays"`
}

// DefaultRules are the seed's values (000 §三).
func DefaultRules() Rules {
	return Rules{
		MaxDays:       5,
		MinLeadMonths: 3,
		Major:         LeadTime{SubmitMonths: 5, FileMonths: 4, Filing: FilingPaper},
		Regular:       LeadTime{SubmitMonths: 4, FileMonths: 3, Filing: FilingOnline},
		NGOFilingDays: 15,
	}
}

// Validate checks that the rules can be applied; every problem is reported
// at once as a *domain.ValidationError.
func (r Rules) Validate() error {
	var pr domain.Problems
	atLeast := func(path string, v, min int) bool {
		if v < min {
			pr.Add(path, "R-POL-01", fmt.Sprintf("must be at least %d", min), fmt.Sprintf("不得小于%d", min))
			return false
		}
		return true
	}
	atLeast("maxDays", r.MaxDays, 1)
	atLeast("minLeadMonths", r.MinLeadMonths, 0)
	atLeast("ngoFilingDays", r.NGOFilingDays, 1)
	for _, t := range []struct {
		path string
		lead LeadTime
	}{{"major", r.Major}, {"regular", r.Regular}} {
		okSubmit := atLeast(t.path+".submitMonths", t.lead.SubmitMonths, 1)
		okFile := atLeast(t.path+".fileMonths", t.lead.FileMonths, 1)
		if okSubmit && okFile && t.lead.FileMonths > t.lead.SubmitMonths {
			pr.Add(t.path+".fileMonths", "R-POL-01",
				"must not exceed submitMonths: the university files after the applicant submits",
				"不得大于submitMonths：学校须在申报人提交之后报送")
		}
		if !t.lead.Filing.Valid() {
			pr.Add(t.path+".filing", "R-POL-01", "must be online or paper", "须为online或paper")
		}
	}
	if r.Major.SubmitMonths < r.Regular.SubmitMonths {
		pr.Add("major.submitMonths", "R-POL-01",
			"must not be below regular.submitMonths", "不得小于regular.submitMonths")
	}
	return pr.Err()
}

// Lead is what R-DECL-04, R-DECL-05 and R-DECL-11 make of one conference:
// its computed category and the dates that follow from its start date.
type Lead struct {
	// Category is the scale computed from type, counts and flags (R-CLS-05).
	Category classify.Scale `json:"category"`
	// SubmitBy is the last day (Asia/Shanghai) the applicant may submit.
	SubmitBy domain.Date `json:"submitBy"`
	// Filing and FileBy: how and by when the university files its request.
	Filing Filing      `json:"filing"`
	FileBy domain.Date `json:"fileBy"`
	// NGOFileBy is the last day to file an overseas NGO's temporary
	// activity; zero unless the declaration says there is one.
	NGOFileBy domain.Date `json:"ngoFileBy,omitzero"`
}

// LeadFor computes the lead of a form. It reports false when the form lacks
// what the computation needs: a valid type, a start date and non-negative
// counts. Every "N months before" is the start date minus N calendar months
// (R-POL-02), clamped at month ends.
func LeadFor(p policy.Policy, r Rules, f Form) (Lead, bool) {
	b, att := f.Basic, f.Attendance
	if !b.Type.Valid() || b.StartDate.IsZero() || att.Foreign < 0 || att.Mainland < 0 || att.HKMacaoTaiwan < 0 {
		return Lead{}, false
	}
	category := classify.Classify(p, b.Type, att.Foreign, att.Total(), f.Statements.Flags).Scale
	tier := r.tier(category)
	l := Lead{
		Category: category,
		SubmitBy: b.StartDate.AddMonths(-r.submitMonths(category)),
		Filing:   tier.Filing,
		FileBy:   b.StartDate.AddMonths(-tier.FileMonths),
	}
	if f.Statements.OverseasNGO {
		l.NGOFileBy = b.StartDate.AddDays(-r.NGOFilingDays)
	}
	return l, true
}

// tier is the lead time of a conference of category c: major conferences
// take the longer one.
func (r Rules) tier(c classify.Scale) LeadTime {
	if c == classify.Major {
		return r.Major
	}
	return r.Regular
}

// submitMonths is how many months before the start a conference of
// category c is submitted: its tier, never less than the floor.
func (r Rules) submitMonths(c classify.Scale) int {
	return max(r.MinLeadMonths, r.tier(c).SubmitMonths)
}

// checkLead adds the R-DECL-04 and R-DECL-05 errors of submitting f on
// today: the three-month floor first, then the tier's lead time.
func checkLead(c *checker, f Form, today domain.Date) {
	l, ok := LeadFor(c.p, c.r, f)
	if !ok {
		return
	}
	start := f.Basic.StartDate
	if floor := start.AddMonths(-c.r.MinLeadMonths); today.After(floor) {
		c.pr.Add("basic.startDate", "R-DECL-04",
			fmt.Sprintf("a declaration is submitted at least %d months before the conference starts: for a start on %s, by %s; today is %s (Asia/Shanghai)",
				c.r.MinLeadMonths, start, floor, today),
			fmt.Sprintf("须至少提前%d个月申报：开会日期为%s，最迟应于%s提交，今天是%s",
				c.r.MinLeadMonths, start, floor, today))
		return
	}
	if today.After(l.SubmitBy) {
		months := c.r.submitMonths(l.Category)
		c.pr.Add("basic.startDate", "R-DECL-05",
			fmt.Sprintf("a %s %s conference is submitted at least %d months before it starts: for a start on %s, by %s; today is %s (Asia/Shanghai)",
				l.Category, f.Basic.Type, months, start, l.SubmitBy, today),
			fmt.Sprintf("%s类%s须至少在开会前%d个月在平台中填写会议申报表：开会日期为%s，最迟应于%s提交，今天是%s",
				f.Basic.Type.Zh(), l.Category.Zh(), months, start, l.SubmitBy, today))
	}
}
