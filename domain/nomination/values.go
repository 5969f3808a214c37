package nomination

import (
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// PlanEntry is one conference of the unit's annual plan (学术会议年度计划,
// 征集内容 1): every conference it hosts or co-hosts opening in the
// window, a society's branches' included.
type PlanEntry struct {
	ID      uuid.UUID   `json:"id"`
	Name    string      `json:"name"`
	Opening domain.Date `json:"openingDate"`
	Closing domain.Date `json:"closingDate"`
	Place   string      `json:"place"`
	Host    string      `json:"host"`                // 主办单位
	Carrier string      `json:"organiser,omitempty"` // 承办单位
	// Own: the unit itself hosts it (本单位主办): what a national
	// society's own quota counts (R-NOM-03).
	Own bool `json:"own"`
}

// Scheme is the unit's recommendation scheme (推荐方案): principles,
// standards, process, and the contact person in charge.
type Scheme struct {
	Principles string  `json:"principles"`
	Standards  string  `json:"standards"`
	Process    string  `json:"process"`
	Contact    Contact `json:"contact"`
}

// Contact is a person to reach.
type Contact struct {
	Name   string `json:"name" personal:"field"`
	Mobile string `json:"mobile" personal:"field"`
	Email  string `json:"email,omitempty" personal:"key"`
}

// ConferenceKind is mechanism (机制性会议) or single (单次会议), R-NOM-02.
type ConferenceKind string

const (
	Mechanism ConferenceKind = "mechanism"
	Single    ConferenceKind = "single"
)

// Edition is a past edition of a mechanism conference.
type Edition struct {
	Number int         `json:"number"` // 第n届
	Date   domain.Date `json:"date"`
}

// Recommendation is one conference on the unit's list (R-NOM-02/03).
type Recommendation struct {
	ID      uuid.UUID      `json:"id"`
	Name    string         `json:"name"`
	Host    string         `json:"host"`
	Opening domain.Date    `json:"openingDate"`
	Place   string         `json:"place,omitempty"`
	Field   string         `json:"field,omitempty"`
	Kind    ConferenceKind `json:"kind"`
	// Editions held by the cycle's cut-off, for a mechanism conference:
	// at least two, consecutive.
	Editions []Edition `json:"editions,omitempty"`
	// Reason a single conference is recommended (its importance).
	Reason string `json:"reason,omitempty"`
	// Own: hosted by the unit itself; JointInternational: recommended
	// jointly with an international organisation (unlimited, R-NOM-03).
	Own                bool `json:"own"`
	JointInternational bool `json:"jointInternational"`
	// PlanEntry is the plan's entry it comes from, if any.
	PlanEntry uuid.UUID `json:"planEntryId,omitempty"`
}

func text(pr *domain.Problems, path, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	if required && !pr.Required(path, "SCHEMA", v) {
		return v
	}
	pr.MaxChars(path, "SCHEMA", v, max)
	return v
}

// check normalises a plan entry under the cycle (it opens in the window,
// R-NOM-05 with R-NOM-02).
func (e *PlanEntry) check(pr *domain.Problems, prefix string, c CycleSpec, p policy.Policy) {
	e.Name = text(pr, prefix+"name", e.Name, true, p.Text.Short)
	e.Place = text(pr, prefix+"place", e.Place, true, p.Text.Short)
	e.Host = text(pr, prefix+"host", e.Host, true, p.Text.Short)
	e.Carrier = text(pr, prefix+"organiser", e.Carrier, false, p.Text.Short)
	switch {
	case e.Opening.IsZero():
		pr.Add(prefix+"openingDate", "SCHEMA", "required (YYYY-MM-DD)", "必填：开幕日期")
	case !c.InWindow(e.Opening):
		pr.Add(prefix+"openingDate", "R-NOM-05", fmt.Sprintf("the plan holds the conferences opening from %s to %s", c.WindowStart, c.WindowEnd),
			fmt.Sprintf("年度计划仅含%s至%s期间召开的会议", c.WindowStart, c.WindowEnd))
	}
	switch {
	case e.Closing.IsZero():
		pr.Add(prefix+"closingDate", "SCHEMA", "required (YYYY-MM-DD)", "必填：闭幕日期")
	case !e.Opening.IsZero() && e.Closing.Before(e.Opening):
		pr.Add(prefix+"closingDate", "SCHEMA", "must not be before the opening date", "闭幕日期不得早于开幕日期")
	}
}

func (s *Scheme) check(p policy.Policy) error {
	var pr domain.Problems
	s.Principles = text(&pr, "principles", s.Principles, true, p.Text.Long)
	s.Standards = text(&pr, "standards", s.Standards, true, p.Text.Long)
	s.Process = text(&pr, "process", s.Process, true, p.Text.Long)
	s.Contact.Name = text(&pr, "contact.name", s.Contact.Name, true, p.Text.Short)
	s.Contact.Mobile = text(&pr, "contact.mobile", s.Contact.Mobile, true, p.Text.Short)
	s.Contact.Email = text(&pr, "contact.email", s.Contact.Email, false, p.Text.Short)
	if s.Contact.Email != "" && !domain.ValidEmail(s.Contact.Email) {
		pr.Add("contact.email", "SCHEMA", "must be an email address", "须为有效的电子邮件地址")
	}
	return pr.Err()
}

// Ineligible is the ineligible word name holds, "" when none (R-NOM-02:
// training courses, teaching seminars, celebrations, anniversaries, award
// ceremonies are not academic conferences).
func Ineligible(name string, p policy.NominationRules) string {
	for _, w := range p.Ineligible {
		if strings.Contains(name, w) {
			return w
		}
	}
	return ""
}

// check normalises a recommendation and applies R-NOM-02: an eligible
// kind of event, opening in the window, a mechanism conference with its
// consecutive editions by the cut-off, a single one with its reason.
func (r *Recommendation) check(c CycleSpec, p policy.Policy) error {
	var pr domain.Problems
	const rule = "R-NOM-02"
	r.Name = text(&pr, "name", r.Name, true, p.Text.Short)
	r.Host = text(&pr, "host", r.Host, true, p.Text.Short)
	r.Place = text(&pr, "place", r.Place, false, p.Text.Short)
	r.Field = text(&pr, "field", r.Field, false, p.Text.Short)
	r.Reason = text(&pr, "reason", r.Reason, false, p.Text.Long)
	if w := Ineligible(r.Name, p.Nomination); w != "" {
		pr.Add("name", rule, fmt.Sprintf("%s is not an academic conference (training courses, teaching seminars, celebrations, anniversaries and award ceremonies are not recommended)", w),
			fmt.Sprintf("“%s”类活动（培训班、教学研讨会、庆典、周年纪念、表彰大会等）不在推荐范围之内", w))
	}
	if r.Field != "" && len(c.Fields) > 0 && !slices.Contains(c.Fields, r.Field) {
		pr.Add("field", "SCHEMA", "must be one of the cycle's fields: "+strings.Join(c.Fields, ", "), "须为征集领域之一："+strings.Join(c.Fields, "、"))
	}
	switch {
	case r.Opening.IsZero():
		pr.Add("openingDate", "SCHEMA", "required (YYYY-MM-DD)", "必填：开幕日期")
	case !c.InWindow(r.Opening):
		pr.Add("openingDate", rule, fmt.Sprintf("the conference must open from %s to %s", c.WindowStart, c.WindowEnd),
			fmt.Sprintf("会议须于%s至%s期间召开", c.WindowStart, c.WindowEnd))
	}
	switch r.Kind {
	case Mechanism:
		r.Reason = ""
		held := 0
		for i, e := range r.Editions {
			path := fmt.Sprintf("editions[%d]", i)
			switch {
			case e.Number < 1:
				pr.Add(path+".number", "SCHEMA", "must be 1 or more", "届次须为正整数")
			case e.Date.IsZero():
				pr.Add(path+".date", "SCHEMA", "required (YYYY-MM-DD)", "必填：举办日期")
			case i > 0 && (e.Number != r.Editions[i-1].Number+1 || !r.Editions[i-1].Date.Before(e.Date)):
				pr.Add(path, rule, "editions must be consecutive, in order", "届次须连续并按时间顺序排列")
			case !e.Date.After(c.MechanismCutoff):
				held++
			}
		}
		if held < p.Nomination.MinEditions {
			pr.Add("editions", rule, fmt.Sprintf("a mechanism conference has held at least %d consecutive editions by %s (%d shown)", p.Nomination.MinEditions, c.MechanismCutoff, held),
				fmt.Sprintf("机制性会议须截至%s已连续举办%d届以上（现列%d届）", c.MechanismCutoff, p.Nomination.MinEditions, held))
		}
	case Single:
		r.Editions = nil
		if r.Reason == "" {
			pr.Add("reason", rule, "required: why this single conference matters as much as a mechanism one", "必填：单次会议的推荐理由")
		}
	default:
		pr.Add("kind", "SCHEMA", "must be mechanism or single", "须为机制性会议(mechanism)或单次会议(single)")
	}
	return pr.Err()
}
