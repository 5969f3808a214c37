package declaration

import (
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/policy"
)

// Filing is how the university files its request (R-DECL-05); the
// parameters live in the versioned policy (policy.DeclarationRules).
type Filing = policy.Filing

// The filing modes.
const (
	FilingOnline = policy.FilingOnline
	FilingPaper  = policy.FilingPaper
)

// LeadTime is one tier of R-DECL-05.
type LeadTime = policy.LeadTime

// Rules are the declaration's parameters, part of the versioned policy.
type Rules = policy.DeclarationRules

// DefaultRules are the seed's values.
func DefaultRules() Rules { return policy.DefaultDeclarationRules() }

// Lead is what R-DECL-04, R-DECL-05 and R-DECL-11 make of one conference:
// its computed category and the dates that follow from its start date.
// A draft that cannot compute it yet has the zero Lead, left out of views.
type Lead struct {
	// Category is the scale computed from type, counts and flags (R-CLS-05).
	Category classify.Scale `json:"category,omitzero"`
	// SubmitBy is the last day (Asia/Shanghai) the applicant may submit.
	SubmitBy domain.Date `json:"submitBy,omitzero"`
	// Filing and FileBy: how and by when the university files its request.
	Filing Filing      `json:"filing,omitzero"`
	FileBy domain.Date `json:"fileBy,omitzero"`
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
	tier := r.Tier(category == classify.Major)
	l := Lead{
		Category: category,
		SubmitBy: b.StartDate.AddMonths(-r.SubmitMonths(category == classify.Major)),
		Filing:   tier.Filing,
		FileBy:   b.StartDate.AddMonths(-tier.FileMonths),
	}
	if f.Statements.OverseasNGO {
		l.NGOFileBy = b.StartDate.AddDays(-r.NGOFilingDays)
	}
	return l, true
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
		months := c.r.SubmitMonths(l.Category == classify.Major)
		c.pr.Add("basic.startDate", "R-DECL-05",
			fmt.Sprintf("a %s %s conference is submitted at least %d months before it starts: for a start on %s, by %s; today is %s (Asia/Shanghai)",
				l.Category, f.Basic.Type, months, start, l.SubmitBy, today),
			fmt.Sprintf("%s类%s须至少在开会前%d个月在平台中填写会议申报表：开会日期为%s，最迟应于%s提交，今天是%s",
				f.Basic.Type.Zh(), l.Category.Zh(), months, start, l.SubmitBy, today))
	}
}
