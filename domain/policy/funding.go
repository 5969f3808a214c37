package policy

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

// FundingRules are conference funding's parameters (seed 002, R-FUND-01,
// R-FUND-02, R-FUND-03, R-FUND-04, R-POL-01), and the calls the bureaus
// have published: a call is policy data, so a decision's recorded policy
// version names the call it applied.
type FundingRules struct {
	// Publish is when in the year a bureau publishes its call (原则上每年
	// 5-6月份发布征集通知), both days included (R-FUND-03).
	Publish Window `json:"publish"`
	// Close is the call's last day for submissions (9月中旬截止申报),
	// included; later ones are invalid (R-FUND-03).
	Close MonthDay `json:"close"`
	// Categories are the three categories' foreign-guest ranges and caps,
	// index 0 for category 1 (R-FUND-01, R-FUND-04).
	Categories [3]FundingCategory `json:"categories"`
	// StateCouncil: reaching either count needs the State Council's
	// approval (第六条, R-FUND-02).
	StateCouncil MajorThreshold `json:"stateCouncil"`
	// SummaryMonths: a funded conference's summary report is due this many
	// months after it ends (会议结束后1个月内, R-FUND-06).
	SummaryMonths int `json:"summaryMonths"`
	// Calls are the published calls, one per bureau and year.
	Calls []FundingCall `json:"calls,omitempty"`
}

// FundingCategory is one category's range of foreign guests, both ends
// included (R-CLS-00), MaxForeign 0 for no upper end, and its cap in fen.
type FundingCategory struct {
	MinForeign int   `json:"minForeign"`
	MaxForeign int   `json:"maxForeign,omitempty"`
	CapFen     int64 `json:"capFen"`
}

// FundingCall is one bureau's yearly call (征集通知) for conferences
// opening in Year (以会议开幕日期为准), open for submissions from Opens to
// Closes, both days included, with the call's total budget in fen.
type FundingCall struct {
	Bureau    uuid.UUID   `json:"bureau"`
	Year      int         `json:"year"`
	Opens     domain.Date `json:"opens"`
	Closes    domain.Date `json:"closes"`
	BudgetFen int64       `json:"budgetFen"`
}

// DefaultFundingRules are the seed's values: published May–June, closing
// 15 September, categories 1: ≥ 150 foreign guests up to 300,000 yuan, 2:
// 50–150 up to 120,000, 3: ≤ 50 up to 60,000; the State Council from 800
// attendees or 300 foreign guests.
func DefaultFundingRules() FundingRules {
	return FundingRules{
		Publish: Window{Open: MonthDay{Month: time.May, Day: 1}, Close: MonthDay{Month: time.June, Day: 30}},
		Close:   MonthDay{Month: time.September, Day: 15},
		Categories: [3]FundingCategory{
			{MinForeign: 150, CapFen: 300_000_00},
			{MinForeign: 50, MaxForeign: 150, CapFen: 120_000_00},
			{MinForeign: 0, MaxForeign: 50, CapFen: 60_000_00},
		},
		StateCouncil:  MajorThreshold{Foreign: 300, Total: 800},
		SummaryMonths: 1,
	}
}

// SummaryDue is the last day of a funded conference's summary report, the
// conference ending on closing (R-FUND-06): that day included.
func (r FundingRules) SummaryDue(closing domain.Date) domain.Date {
	return closing.AddMonths(max(r.SummaryMonths, 1))
}

// PlanDue is the last day the bureau decides the funding plan of the call
// for year (R-FUND-05: before the year end, 31 December of the year
// before the conferences open).
func PlanDue(year int) domain.Date { return domain.Date{Year: year - 1, Month: time.December, Day: 31} }

// Category is category n (1–3); ok is false for another number.
func (r FundingRules) Category(n int) (c FundingCategory, ok bool) {
	if n < 1 || n > len(r.Categories) {
		return FundingCategory{}, false
	}
	return r.Categories[n-1], true
}

// Admits reports whether foreign guests fall in the category's range,
// both ends included (R-CLS-00).
func (c FundingCategory) Admits(foreign int) bool {
	return foreign >= c.MinForeign && (c.MaxForeign == 0 || foreign <= c.MaxForeign)
}

// Range is the category's range for messages: "≥ 150", "50–150".
func (c FundingCategory) Range() string {
	if c.MaxForeign == 0 {
		return fmt.Sprintf("≥ %d", c.MinForeign)
	}
	return fmt.Sprintf("%d–%d", c.MinForeign, c.MaxForeign)
}

// Call is the bureau's call for conferences opening in year; ok is false
// when it published none.
func (r FundingRules) Call(bureau uuid.UUID, year int) (FundingCall, bool) {
	for _, c := range r.Calls {
		if c.Bureau == bureau && c.Year == year {
			return c, true
		}
	}
	return FundingCall{}, false
}

// NewCall checks a bureau's call published on today for conferences
// opening next year with budgetFen (R-FUND-03): inside the publication
// window, once a year, a positive budget; it returns the call, closing
// on the policy's day. It records nothing.
func (r FundingRules) NewCall(bureau uuid.UUID, today domain.Date, budgetFen int64) (FundingCall, error) {
	call := FundingCall{Bureau: bureau, Year: today.Year + 1, Opens: today, Closes: r.Close.In(today.Year), BudgetFen: budgetFen}
	var pr domain.Problems
	if open, closes := r.Publish.Open.In(today.Year), r.Publish.Close.In(today.Year); today.Before(open) || today.After(closes) {
		pr.Add("publishedOn", "R-FUND-03",
			fmt.Sprintf("a call is published between %s and %s (today is %s)", open, closes, today),
			fmt.Sprintf("征集通知应于%s至%s期间发布（今天是%s）", open, closes, today))
	}
	if budgetFen <= 0 {
		pr.Add("budgetFen", "R-FUND-03", "the call's total budget must be more than 0 fen", "征集通知的资助总额须大于0")
	}
	if err := pr.Err(); err != nil {
		return FundingCall{}, err
	}
	if _, dup := r.Call(bureau, call.Year); dup {
		return FundingCall{}, &domain.StateError{Rule: "R-FUND-03", Status: "published", Action: "publish the call",
			Message: fmt.Sprintf("the call for conferences opening in %d was published already: one call a year", call.Year),
			Zh:      fmt.Sprintf("%d年度会议的资助征集通知已发布，每年集中受理一次", call.Year)}
	}
	return call, nil
}

// Accepts checks an application handed in on today for a conference
// opening on opening (R-FUND-03): the call is open (late is invalid,
// 逾期提交视为无效) and the conference opens in the call's year.
func (c FundingCall) Accepts(today, opening domain.Date) error {
	var pr domain.Problems
	switch {
	case today.Before(c.Opens):
		pr.Add("submittedOn", "R-FUND-03", fmt.Sprintf("the call opens on %s", c.Opens), fmt.Sprintf("征集自%s开始", c.Opens))
	case today.After(c.Closes):
		pr.Add("submittedOn", "R-FUND-03",
			fmt.Sprintf("the call closed on %s: late applications are invalid", c.Closes),
			fmt.Sprintf("申报已于%s截止，逾期提交视为无效", c.Closes))
	}
	if opening.Year != c.Year {
		pr.Add("conference.openingDate", "R-FUND-03",
			fmt.Sprintf("the call is for conferences opening in %d", c.Year),
			fmt.Sprintf("本次征集受理%d年开幕的会议", c.Year))
	}
	return pr.Err()
}

// Validate checks that the rules can be applied; every problem at once.
func (r FundingRules) Validate() error {
	var pr domain.Problems
	const rule = "R-POL-01"
	okOpen := validMonthDay(&pr, "publish.open", r.Publish.Open)
	okClose := validMonthDay(&pr, "publish.close", r.Publish.Close)
	okDue := validMonthDay(&pr, "close", r.Close)
	if okOpen && okClose && r.Publish.Close.In(2001).Before(r.Publish.Open.In(2001)) {
		pr.Add("publish.close", rule, "must not be before publish.open", "不得早于publish.open")
	}
	if okClose && okDue && r.Close.In(2001).Before(r.Publish.Close.In(2001)) {
		pr.Add("close", rule, "must not be before publish.close: a call published on its last day must be open", "不得早于publish.close")
	}
	for i, c := range r.Categories {
		path := fmt.Sprintf("categories[%d]", i)
		positive(&pr, path+".minForeign", c.MinForeign, 0)
		if c.MaxForeign != 0 && c.MaxForeign < c.MinForeign {
			pr.Add(path+".maxForeign", rule, "must be 0 (no upper end) or not below minForeign", "须为0（不设上限）或不小于minForeign")
		}
		if c.CapFen < 1 {
			pr.Add(path+".capFen", rule, "must be at least 1", "不得小于1")
		}
	}
	positive(&pr, "stateCouncil.foreign", r.StateCouncil.Foreign, 1)
	positive(&pr, "stateCouncil.total", r.StateCouncil.Total, 1)
	positive(&pr, "summaryMonths", r.SummaryMonths, 1)
	seen := map[string]int{}
	for i, c := range r.Calls {
		path := fmt.Sprintf("calls[%d]", i)
		if c.Bureau == uuid.Nil {
			pr.Add(path+".bureau", rule, "required", "必填")
		}
		if c.Opens.IsZero() || c.Closes.IsZero() || c.Closes.Before(c.Opens) {
			pr.Add(path+".closes", rule, "opens and closes are required, closes not before opens", "须填写起止日期，截止不得早于开始")
		}
		if c.BudgetFen < 1 {
			pr.Add(path+".budgetFen", rule, "must be at least 1", "不得小于1")
		}
		key := fmt.Sprintf("%s/%d", c.Bureau, c.Year)
		if j, dup := seen[key]; dup {
			pr.Add(path, rule, fmt.Sprintf("duplicates calls[%d] (same bureau and year)", j), fmt.Sprintf("与calls[%d]重复（同一国际合作局同一年度）", j))
		} else {
			seen[key] = i
		}
	}
	return pr.Err()
}
