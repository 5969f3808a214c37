package policy

import (
	"fmt"

	"github.com/econf/econf/domain"
)

// NominationRules are the important-conference nominations' parameters
// (seed 003, R-NOM-02/03/04): quotas as percentages with their rounding,
// the fixed quotas, the committee's size, and the kinds of event that are
// not academic conferences. Where the seed says 原则上 (as a rule) the
// policy decides.
type NominationRules struct {
	// OwnPercent: a national society's (or society union's) own
	// conferences at most this share of its plan for the window (10%).
	OwnPercent int `json:"ownPercent"`
	// SinglePercent: its single conferences at most this share of its
	// recommendations (20%).
	SinglePercent int `json:"singlePercent"`
	// Rounding turns a share into a number of conferences: "floor" (the
	// default: 不得超过, never more than the share), "ceil" or "round"
	// (half up).
	Rounding string `json:"rounding"`
	// ProvincialMax and UniversityMax are the fixed quotas of provincial
	// associations and universities (10 each).
	ProvincialMax int `json:"provincialMax"`
	UniversityMax int `json:"universityMax"`
	// MinEditions a mechanism conference has held by the cut-off (2).
	MinEditions int `json:"minEditions"`
	// CommitteeMin is the review committee's least size (5, R-NOM-04).
	CommitteeMin int `json:"committeeMin"`
	// NominatorOnCommittee: "refuse" a nominating expert on the committee
	// outright, or "justify" (the default, 原则上): refused unless a
	// justification is recorded.
	NominatorOnCommittee string `json:"nominatorOnCommittee"`
	// Ineligible are words naming events that are not academic
	// conferences (培训班, 教学研讨会, 庆典, 周年, 表彰大会, R-NOM-02): a
	// conference whose name holds one is refused.
	Ineligible []string `json:"ineligible"`
	// UpdateLeadDays: a recognised conference's host updates it at least
	// this many days before it opens (14, R-NOM-05).
	UpdateLeadDays int `json:"updateLeadDays"`
}

// DefaultNominationRules are the seed's values.
func DefaultNominationRules() NominationRules {
	return NominationRules{
		OwnPercent: 10, SinglePercent: 20, Rounding: "floor",
		ProvincialMax: 10, UniversityMax: 10, MinEditions: 2,
		CommitteeMin: 5, NominatorOnCommittee: "justify",
		Ineligible:     []string{"培训班", "培训", "教学研讨会", "庆典", "周年", "纪念活动", "表彰大会", "颁奖"},
		UpdateLeadDays: 14,
	}
}

// Share is pct percent of n conferences, rounded as the policy says.
func (r NominationRules) Share(n, pct int) int {
	switch r.Rounding {
	case "ceil":
		return (n*pct + 99) / 100
	case "round":
		return (n*pct + 50) / 100
	}
	return n * pct / 100
}

// Validate checks the rules can be applied.
func (r NominationRules) Validate() error {
	var pr domain.Problems
	const rule = "R-POL-01"
	for _, f := range []struct {
		path string
		v    int
	}{{"ownPercent", r.OwnPercent}, {"singlePercent", r.SinglePercent}} {
		if f.v < 0 || f.v > 100 {
			pr.Add(f.path, rule, "must be a percentage from 0 to 100", "须为0至100之间的百分比")
		}
	}
	if r.Rounding != "floor" && r.Rounding != "ceil" && r.Rounding != "round" {
		pr.Add("rounding", rule, "must be floor, ceil or round", "须为floor、ceil或round")
	}
	positive(&pr, "provincialMax", r.ProvincialMax, 0)
	positive(&pr, "universityMax", r.UniversityMax, 0)
	positive(&pr, "minEditions", r.MinEditions, 1)
	positive(&pr, "committeeMin", r.CommitteeMin, 1)
	positive(&pr, "updateLeadDays", r.UpdateLeadDays, 1)
	if r.NominatorOnCommittee != "refuse" && r.NominatorOnCommittee != "justify" {
		pr.Add("nominatorOnCommittee", rule, "must be refuse or justify", "须为refuse或justify")
	}
	terms(&pr, "ineligible", r.Ineligible, false)
	if len(r.Ineligible) == 0 {
		pr.Add("ineligible", rule, fmt.Sprintf("required: the ineligible kinds (%s)", "R-NOM-02"), "必填：不属于学术会议的活动类型")
	}
	return pr.Err()
}
