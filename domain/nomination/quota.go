package nomination

import (
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
)

// QuotaLine is one quota: how many are allowed and used; Unlimited lines
// count without a bound.
type QuotaLine struct {
	Key       string `json:"key"` // own, single, others, joint, total
	Allowed   int    `json:"allowed"`
	Used      int    `json:"used"`
	Unlimited bool   `json:"unlimited"`
}

// Quota is the indicator view of a unit's list (R-NOM-03).
type Quota struct {
	Kind  org.Kind    `json:"kind"`
	Plan  int         `json:"plan"` // conferences in the annual plan
	Lines []QuotaLine `json:"lines"`
}

// QuotaOf is the quota of a unit of kind k with its plan and list under
// the policy (R-NOM-03): a national society or society union recommends
// its own conferences up to OwnPercent of its plan, single conferences up
// to SinglePercent of its recommendations, others' and joint
// international ones without limit; a provincial association up to
// ProvincialMax, a university association up to UniversityMax.
func QuotaOf(k org.Kind, plan int, list []Recommendation, p policy.NominationRules) Quota {
	var own, single, others, joint int
	for _, r := range list {
		switch {
		case r.JointInternational:
			joint++
		case r.Own:
			own++
		default:
			others++
		}
		if r.Kind == Single {
			single++
		}
	}
	q := Quota{Kind: k, Plan: plan}
	switch k {
	case org.ProvincialAssociation:
		q.Lines = []QuotaLine{{Key: "total", Allowed: p.ProvincialMax, Used: len(list)}}
	case org.UniversityAssociation:
		q.Lines = []QuotaLine{{Key: "total", Allowed: p.UniversityMax, Used: len(list)}}
	default:
		q.Lines = []QuotaLine{
			{Key: "own", Allowed: p.Share(plan, p.OwnPercent), Used: own},
			{Key: "single", Allowed: p.Share(len(list), p.SinglePercent), Used: single},
			{Key: "others", Used: others, Unlimited: true},
			{Key: "joint", Used: joint, Unlimited: true},
		}
	}
	return q
}

// Check reports every quota exceeded (R-NOM-03) at path.
func (q Quota) Check(path string, p policy.NominationRules) error {
	var pr domain.Problems
	for _, l := range q.Lines {
		if l.Unlimited || l.Used <= l.Allowed {
			continue
		}
		switch l.Key {
		case "own":
			pr.Add(path, "R-NOM-03", fmt.Sprintf("own conferences at most %d%% of the plan's %d (%d allowed): %d recommended", p.OwnPercent, q.Plan, l.Allowed, l.Used),
				fmt.Sprintf("本单位主办会议推荐数不得超过年度计划%d个的%d%%（%d个），现为%d个", q.Plan, p.OwnPercent, l.Allowed, l.Used))
		case "single":
			pr.Add(path, "R-NOM-03", fmt.Sprintf("single conferences at most %d%% of the recommendations (%d allowed): %d", p.SinglePercent, l.Allowed, l.Used),
				fmt.Sprintf("单次会议不得超过推荐总量的%d%%（%d个），现为%d个", p.SinglePercent, l.Allowed, l.Used))
		default:
			pr.Add(path, "R-NOM-03", fmt.Sprintf("at most %d recommendations: %d", l.Allowed, l.Used),
				fmt.Sprintf("推荐名额不超过%d个，现为%d个", l.Allowed, l.Used))
		}
	}
	return pr.Err()
}
