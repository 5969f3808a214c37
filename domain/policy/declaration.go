package policy

import (
	"fmt"

	"github.com/econf/econf/domain"
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

// DeclarationRules are the declaration's parameters (R-POL-01).
// Count thresholds are not here: the lead-time tiers reuse the
// classification thresholds of policy.Classification.
type DeclarationRules struct {
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
	// Similar tunes the warning about conferences on the same or a similar
	// theme at the same time (R-DECL-19).
	Similar SimilarCheck `json:"similar"`
}

// SimilarCheck: another declaration starting within WindowDays of this
// one's start, whose theme or name is at least Threshold similar (pg_trgm
// similarity, 0 to 1), is reported to reviewers.
type SimilarCheck struct {
	WindowDays int     `json:"windowDays"`
	Threshold  float64 `json:"threshold"`
}

// DefaultDeclarationRules are the seed's values (000 §三).
func DefaultDeclarationRules() DeclarationRules {
	return DeclarationRules{
		MaxDays:       5,
		MinLeadMonths: 3,
		Major:         LeadTime{SubmitMonths: 5, FileMonths: 4, Filing: FilingPaper},
		Regular:       LeadTime{SubmitMonths: 4, FileMonths: 3, Filing: FilingOnline},
		NGOFilingDays: 15,
		Similar:       SimilarCheck{WindowDays: 30, Threshold: 0.3},
	}
}

// Validate checks that the rules can be applied; every problem is reported
// at once as a *domain.ValidationError.
func (r DeclarationRules) Validate() error {
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
	atLeast("similar.windowDays", r.Similar.WindowDays, 0)
	if r.Similar.Threshold <= 0 || r.Similar.Threshold > 1 {
		pr.Add("similar.threshold", "R-POL-01", "must be above 0 and at most 1", "须大于0且不大于1")
	}
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

// Tier is the lead time of a conference: major conferences take the
// longer one.
func (r DeclarationRules) Tier(major bool) LeadTime {
	if major {
		return r.Major
	}
	return r.Regular
}

// SubmitMonths is how many months before the start a conference is
// submitted: its tier, never less than the floor.
func (r DeclarationRules) SubmitMonths(major bool) int {
	return max(r.MinLeadMonths, r.Tier(major).SubmitMonths)
}
