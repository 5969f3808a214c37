// Package classify owns conference classification (R-CLS-00..05): the type
// (natural or social science), the scale (small, general, major), the
// non-count triggers that make a conference major, and the check that a
// declared scale is not lower than the one computed from counts and flags.
// Thresholds come from the policy.
package classify

import (
	"fmt"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// Type is the field of a conference (R-CLS-01).
type Type string

const (
	NaturalScience Type = "natural_science" // 自然科学
	SocialScience  Type = "social_science"  // 人文社科
)

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return t == NaturalScience || t == SocialScience }

// Zh is the Chinese label.
func (t Type) Zh() string {
	switch t {
	case NaturalScience:
		return "自然科学"
	case SocialScience:
		return "人文社科"
	}
	return string(t)
}

func (t Type) en() string {
	switch t {
	case NaturalScience:
		return "natural-science"
	case SocialScience:
		return "social-science"
	}
	return string(t)
}

// Scale is the category of a conference; small < general < major.
type Scale string

const (
	Small   Scale = "small"   // 小型（自然科学）国际会议 (R-CLS-02)
	General Scale = "general" // 一般性国际会议 (R-CLS-03)
	Major   Scale = "major"   // 重大国际会议 (R-CLS-04)
)

// Scales lists every scale from the lowest.
var Scales = []Scale{Small, General, Major}

// Valid reports whether s is a known scale.
func (s Scale) Valid() bool { return s.rank() > 0 }

func (s Scale) rank() int {
	switch s {
	case Small:
		return 1
	case General:
		return 2
	case Major:
		return 3
	}
	return 0
}

// Less reports whether s is a lower scale than t.
func (s Scale) Less(t Scale) bool { return s.rank() < t.rank() }

// Zh is the Chinese label.
func (s Scale) Zh() string {
	switch s {
	case Small:
		return "小型国际会议"
	case General:
		return "一般国际会议"
	case Major:
		return "重大国际会议"
	}
	return string(s)
}

// Flags are the non-count facts that make a conference major (R-CLS-04).
type Flags struct {
	Sensitive            bool `json:"sensitive"`            // 涉及重大敏感问题
	UNBody               bool `json:"unBody"`               // 联合国下属机构和各专门机构的大会与特别会议
	IntergovernmentalOrg bool `json:"intergovernmentalOrg"` // 政府间和非政府间重要国际组织的大会与特别会议
	CoreInterests        bool `json:"coreInterests"`        // 事关我核心利益、重要国际问题
	ForeignMinisters     bool `json:"foreignMinisters"`     // 外国政府正部长及以上或前国家元首、政府首脑出席
	NationalLeaders      bool `json:"nationalLeaders"`      // 邀请党和国家领导人出席
	StateLeadersNPC      bool `json:"stateLeadersNpc"`      // 邀请全国人大、全国政协、最高法、最高检领导出席
}

// Reason is one threshold or trigger behind a classification.
type Reason struct {
	Rule string `json:"rule"`
	// Threshold is the crossed bound in a fixed notation, e.g.
	// "foreign >= 100" or "flag unBody".
	Threshold string `json:"threshold"`
	Message   string `json:"message"`
	Zh        string `json:"zh"`
}

// Result is a computed classification and why.
type Result struct {
	Scale   Scale    `json:"scale"`
	Reasons []Reason `json:"reasons"`
}

// flagReasons lists the R-CLS-04 triggers in the order of the seed (001).
var flagReasons = []struct {
	on        func(Flags) bool
	threshold string
	en, zh    string
}{
	{func(f Flags) bool { return f.UNBody }, "flag unBody",
		"a conference of a UN body or specialised agency", "联合国下属机构和各专门机构的大会与特别会议"},
	{func(f Flags) bool { return f.IntergovernmentalOrg }, "flag intergovernmentalOrg",
		"a conference of an important intergovernmental or international organisation", "政府间和非政府间重要国际组织的大会与特别会议"},
	{func(f Flags) bool { return f.CoreInterests }, "flag coreInterests",
		"concerns China's core interests or important international issues", "事关我核心利益或重要国际问题"},
	{func(f Flags) bool { return f.Sensitive }, "flag sensitive",
		"involves sensitive issues", "涉及重大敏感问题"},
	{func(f Flags) bool { return f.ForeignMinisters }, "flag foreignMinisters",
		"foreign ministers or above, or former heads of state or government, attend", "外国政府正部长及以上官员或前国家元首、政府首脑出席"},
	{func(f Flags) bool { return f.NationalLeaders }, "flag nationalLeaders",
		"national leaders are invited", "邀请党和国家领导人出席"},
	{func(f Flags) bool { return f.StateLeadersNPC }, "flag stateLeadersNpc",
		"leaders of the NPC, CPPCC, Supreme Court or Supreme Procuratorate are invited", "邀请全国人大、全国政协、最高人民法院和最高人民检察院的领导同志出席"},
}

// Classify computes the scale of a conference of type t with the given
// foreign and total attendance (R-CLS-05). Any flag, or reaching either count
// threshold of the type, makes it major (R-CLS-04); a natural-science
// conference that is not sensitive and has at most SmallMaxForeign foreign
// guests is small (R-CLS-02); anything else is general (R-CLS-03). Bounds
// are inclusive (R-CLS-00). An unknown type is classified by its flags only;
// callers validate the type first.
func Classify(p policy.Policy, t Type, foreign, total int, f Flags) Result {
	var major []Reason
	for _, fr := range flagReasons {
		if fr.on(f) {
			major = append(major, Reason{Rule: "R-CLS-04", Threshold: fr.threshold, Message: fr.en, Zh: fr.zh})
		}
	}
	th, ok := majorThreshold(p, t)
	if ok {
		if foreign >= th.Foreign {
			major = append(major, Reason{Rule: "R-CLS-04",
				Threshold: fmt.Sprintf("foreign >= %d", th.Foreign),
				Message:   fmt.Sprintf("%d foreign guests reach the %s major threshold of %d", foreign, t.en(), th.Foreign),
				Zh:        fmt.Sprintf("外宾%d人，达到%s类重大国际会议标准（%d人以上，含%d人）", foreign, t.Zh(), th.Foreign, th.Foreign)})
		}
		if total >= th.Total {
			major = append(major, Reason{Rule: "R-CLS-04",
				Threshold: fmt.Sprintf("total >= %d", th.Total),
				Message:   fmt.Sprintf("%d attendees in total reach the %s major threshold of %d", total, t.en(), th.Total),
				Zh:        fmt.Sprintf("会议总人数%d人，达到%s类重大国际会议标准（%d人以上，含%d人）", total, t.Zh(), th.Total, th.Total)})
		}
	}
	if len(major) > 0 {
		return Result{Scale: Major, Reasons: major}
	}

	small := p.Classification.SmallMaxForeign
	if t == NaturalScience && foreign <= small {
		return Result{Scale: Small, Reasons: []Reason{{Rule: "R-CLS-02",
			Threshold: fmt.Sprintf("foreign <= %d", small),
			Message:   fmt.Sprintf("natural science, not sensitive, %d foreign guests (at most %d)", foreign, small),
			Zh:        fmt.Sprintf("自然科学类，不涉及敏感问题，外宾%d人（%d人以下，含%d人）", foreign, small, small)}}}
	}
	r := Result{Scale: General}
	if ok {
		r.Reasons = append(r.Reasons, Reason{Rule: "R-CLS-03",
			Threshold: fmt.Sprintf("foreign < %d and total < %d", th.Foreign, th.Total),
			Message:   fmt.Sprintf("%s with %d foreign guests (under %d) and %d in total (under %d)", t.en(), foreign, th.Foreign, total, th.Total),
			Zh:        fmt.Sprintf("%s类，外宾%d人（不满%d人），总人数%d人（不满%d人）", t.Zh(), foreign, th.Foreign, total, th.Total)})
	}
	if t == NaturalScience {
		r.Reasons = append(r.Reasons, Reason{Rule: "R-CLS-02",
			Threshold: fmt.Sprintf("foreign > %d", small),
			Message:   fmt.Sprintf("%d foreign guests exceed the small-conference limit of %d", foreign, small),
			Zh:        fmt.Sprintf("外宾%d人，超过小型国际会议上限（%d人）", foreign, small)})
	}
	return r
}

func majorThreshold(p policy.Policy, t Type) (policy.MajorThreshold, bool) {
	switch t {
	case NaturalScience:
		return p.Classification.NaturalMajor, true
	case SocialScience:
		return p.Classification.SocialMajor, true
	}
	return policy.MajorThreshold{}, false
}

// CheckDeclared reports, as a *domain.ValidationError on the path "scale",
// a declared scale that does not fit the conference: small for social
// science (R-CLS-02), or lower than the computed scale, naming the
// thresholds crossed (R-CLS-05). Declaring a higher scale is allowed. An
// unknown type or scale is a SCHEMA error on "type" or "scale".
func CheckDeclared(p policy.Policy, declared Scale, t Type, foreign, total int, f Flags) error {
	var pr domain.Problems
	if !t.Valid() {
		pr.Add("type", "SCHEMA", "must be natural_science or social_science", "须为自然科学或人文社科")
	}
	if !declared.Valid() {
		pr.Add("scale", "SCHEMA", "must be small, general or major", "须为小型、一般或重大国际会议")
	}
	if !t.Valid() || !declared.Valid() {
		return pr.Err()
	}
	if declared == Small && t != NaturalScience {
		pr.Add("scale", "R-CLS-02",
			"only natural-science conferences can be small",
			"仅自然科学类国际会议可选择小型国际会议")
		return pr.Err()
	}
	r := Classify(p, t, foreign, total, f)
	if declared.Less(r.Scale) {
		var en, zh []string
		for _, x := range r.Reasons {
			if x.Rule == "R-CLS-03" {
				continue // says why it is not major; not a threshold crossed
			}
			en = append(en, fmt.Sprintf("%s (%s)", x.Message, x.Threshold))
			zh = append(zh, x.Zh)
		}
		pr.Add("scale", "R-CLS-05",
			fmt.Sprintf("declared %s but the conference is %s: %s", declared, r.Scale, strings.Join(en, "; ")),
			fmt.Sprintf("申报规模为%s，但按人数及情况应为%s：%s", declared.Zh(), r.Scale.Zh(), strings.Join(zh, "；")))
	}
	return pr.Err()
}
