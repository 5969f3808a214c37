package change

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
)

// Field names a changeable part of a conference (R-CHG-01: 会议名称、主题、
// 会议性质、规模、会议地点和时间).
type Field string

const (
	FieldNameZh Field = "nameZh"
	FieldNameEn Field = "nameEn"
	FieldTheme  Field = "theme"
	FieldType   Field = "type" // 会议性质
	FieldScale  Field = "scale"
	FieldPlace  Field = "place"
	FieldDates  Field = "dates"
)

// Fields lists every changeable field in a stable order.
var Fields = []Field{FieldNameZh, FieldNameEn, FieldTheme, FieldType, FieldScale, FieldPlace, FieldDates}

// Values are a conference's changeable values.
type Values struct {
	NameZh string        `json:"nameZh"`
	NameEn string        `json:"nameEn"`
	Theme  string        `json:"theme"`
	Type   classify.Type `json:"type"`
	Scale  Scale         `json:"scale"`
	Place  Place         `json:"place"`
	Dates  Dates         `json:"dates"`
}

// Scale is the declared scale with the expected attendance it rests on
// (R-DECL-08, R-CLS-05): a change of scale changes both.
type Scale struct {
	Declared   classify.Scale         `json:"declared"`
	Attendance declaration.Attendance `json:"attendance"`
}

// Place is where the conference is held (R-DECL-07).
type Place struct {
	Location declaration.Location `json:"location,omitzero"`
	Province string               `json:"province"`
	Address  string               `json:"address"`
	// LocalApproval is the local foreign affairs office's approval, required
	// for another city (R-DECL-07).
	LocalApproval declaration.Attachment `json:"localApproval,omitzero"`
}

// Dates are the first and last conference days, both included.
type Dates struct {
	Start domain.Date `json:"start,omitzero"`
	End   domain.Date `json:"end,omitzero"`
}

// Changes are the new values of the fields to change; nil fields stay.
type Changes struct {
	NameZh *string        `json:"nameZh,omitempty"`
	NameEn *string        `json:"nameEn,omitempty"`
	Theme  *string        `json:"theme,omitempty"`
	Type   *classify.Type `json:"type,omitempty"`
	Scale  *Scale         `json:"scale,omitempty"`
	Place  *Place         `json:"place,omitempty"`
	Dates  *Dates         `json:"dates,omitempty"`
}

// Proposal is what the applicant fills in (R-CHG-04): a description
// (变更说明), the changes, and an optional attachment for the school.
type Proposal struct {
	Description string                 `json:"description" text:"multiline"`
	Changes     Changes                `json:"changes"`
	Attachment  declaration.Attachment `json:"attachment,omitzero"`
}

func (p Proposal) normalized() Proposal {
	p.Description = strings.TrimSpace(p.Description)
	c := &p.Changes
	for _, s := range []**string{&c.NameZh, &c.NameEn, &c.Theme} {
		if *s != nil {
			v := strings.TrimSpace(**s)
			*s = &v
		}
	}
	if c.Place != nil {
		pl := *c.Place
		pl.Province, pl.Address = strings.TrimSpace(pl.Province), strings.TrimSpace(pl.Address)
		c.Place = &pl
	}
	if c.Scale != nil {
		s := *c.Scale
		c.Scale = &s
	}
	if c.Dates != nil {
		d := *c.Dates
		c.Dates = &d
	}
	return p
}

// apply is v with the changes made, and the fields that differ from v,
// in the order of Fields; unchanged lists those given with v's own value.
func (c Changes) apply(v Values) (out Values, changed, unchanged []Field) {
	out = v
	set := func(f Field, given, differs bool) {
		switch {
		case !given:
		case differs:
			changed = append(changed, f)
		default:
			unchanged = append(unchanged, f)
		}
	}
	if c.NameZh != nil {
		out.NameZh = *c.NameZh
	}
	set(FieldNameZh, c.NameZh != nil, out.NameZh != v.NameZh)
	if c.NameEn != nil {
		out.NameEn = *c.NameEn
	}
	set(FieldNameEn, c.NameEn != nil, out.NameEn != v.NameEn)
	if c.Theme != nil {
		out.Theme = *c.Theme
	}
	set(FieldTheme, c.Theme != nil, out.Theme != v.Theme)
	if c.Type != nil {
		out.Type = *c.Type
	}
	set(FieldType, c.Type != nil, out.Type != v.Type)
	if c.Scale != nil {
		out.Scale = *c.Scale
	}
	set(FieldScale, c.Scale != nil, out.Scale != v.Scale)
	if c.Place != nil {
		out.Place = *c.Place
	}
	set(FieldPlace, c.Place != nil, out.Place != v.Place)
	if c.Dates != nil {
		out.Dates = *c.Dates
	}
	set(FieldDates, c.Dates != nil, out.Dates != v.Dates)
	return out, changed, unchanged
}

// check adds the field errors of a proposal whose changes turn old into
// nv. The new values are checked by the declaration's own rules
// (declaration.CheckConference: R-FC-03, R-DECL-03, R-DECL-04, R-DECL-07,
// R-DECL-08, R-DECL-12, R-CLS-05), reported on the changed fields only: an
// unchanged value was accepted when the conference was approved, perhaps
// under an older policy, and is not the applicant's to fix here. A new
// start date must still leave the change window open (R-CHG-02): a change
// cannot move a conference closer than Rules.LeadMonths calendar months
// to today, let alone into the past. It returns the names' warnings.
func check(pr *domain.Problems, p policy.Policy, r Rules, x Proposal, nv Values, changed, unchanged []Field, flags classify.Flags, today domain.Date) []domain.Warning {
	if x.Description == "" {
		pr.Add("description", "R-CHG-04", "required", "必填")
	} else {
		pr.MaxChars("description", "R-CHG-04", x.Description, r.DescriptionMax)
	}
	if len(changed) == 0 && len(unchanged) == 0 {
		pr.Add("changes", "R-CHG-04", "name at least one field to change", "请至少填写一项变更内容")
	}
	for _, f := range unchanged {
		pr.Add("changes."+string(f), "R-CHG-04",
			"the new value is the current one; leave out what does not change",
			"变更后的内容与原内容相同，未变更的内容无须填写")
	}
	is := func(fs ...Field) bool {
		for _, f := range fs {
			if slices.Contains(changed, f) {
				return true
			}
		}
		return false
	}
	warnings, err := declaration.CheckConference(p, p.Declaration, nv.form(flags))
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Fields {
			if path, fields, ok := changePath(fe.Path); ok && is(fields...) {
				pr.Add(path, fe.Rule, fe.Message, fe.Zh)
			}
		}
	} else if err != nil {
		pr.Add("changes", "SCHEMA", err.Error(), err.Error())
	}
	var kept []domain.Warning
	for _, w := range warnings {
		if path, fields, ok := changePath(w.Path); ok && is(fields...) {
			w.Path = path
			kept = append(kept, w)
		}
	}
	if s := nv.Dates.Start; is(FieldDates) && !s.IsZero() {
		if today.After(s.AddMonths(-r.LeadMonths)) {
			pr.Add("changes.dates.start", "R-CHG-02",
				fmt.Sprintf("a changed start must still be at least %d months away: %s is too close to today (%s, Asia/Shanghai); the earliest start now is %s",
					r.LeadMonths, s, today, today.AddMonths(r.LeadMonths)),
				fmt.Sprintf("变更后的开会日期须在今天起%d个月之后：%s距今天（%s）不足%d个月，最早可定于%s",
					r.LeadMonths, s, today, r.LeadMonths, today.AddMonths(r.LeadMonths)))
		}
	}
	if !x.Attachment.IsZero() {
		if err := declaration.CheckAttachment(p, "attachment", x.Attachment); errors.As(err, &ve) {
			for _, fe := range ve.Fields {
				pr.Add(fe.Path, fe.Rule, fe.Message, fe.Zh)
			}
		}
	}
	return kept
}

// formPaths maps the form's paths that CheckConference reports to the
// proposal's, with the changes that can cause an error there.
var formPaths = []struct {
	form, change string
	fields       []Field
}{
	{"basic.nameZh", "changes.nameZh", []Field{FieldNameZh}},
	{"basic.nameEn", "changes.nameEn", []Field{FieldNameEn}},
	{"basic.startDate", "changes.dates.start", []Field{FieldDates}},
	{"basic.endDate", "changes.dates.end", []Field{FieldDates}},
	{"basic.location", "changes.place.location", []Field{FieldPlace}},
	{"basic.province", "changes.place.province", []Field{FieldPlace}},
	{"basic.address", "changes.place.address", []Field{FieldPlace}},
	{"basic.localApproval", "changes.place.localApproval", []Field{FieldPlace}},
	{"basic.type", "changes.type", []Field{FieldType}},
	{"basic.scale", "changes.scale.declared", []Field{FieldScale, FieldType}},
	{"attendance", "changes.scale.attendance", []Field{FieldScale}},
	{"content.theme", "changes.theme", []Field{FieldTheme}},
}

// changePath is the proposal's path for a form path reported by
// CheckConference ("basic.localApproval.sha256" →
// "changes.place.localApproval.sha256"), and the fields whose change makes
// it the applicant's to fix. Paths of values a change cannot touch (the
// commitment date) report false.
func changePath(formPath string) (string, []Field, bool) {
	for _, m := range formPaths {
		if rest, ok := strings.CutPrefix(formPath, m.form); ok && (rest == "" || rest[0] == '.') {
			return m.change + rest, m.fields, true
		}
	}
	return "", nil, false
}

// form is a declaration form holding only v, for CheckConference.
func (v Values) form(flags classify.Flags) declaration.Form {
	return declaration.Form{
		Basic: declaration.Basic{NameZh: v.NameZh, NameEn: v.NameEn, StartDate: v.Dates.Start, EndDate: v.Dates.End,
			Location: v.Place.Location, Province: v.Place.Province, Address: v.Place.Address,
			LocalApproval: v.Place.LocalApproval, Type: v.Type, Scale: v.Scale.Declared},
		Attendance: v.Scale.Attendance,
		Statements: declaration.Statements{Flags: flags},
		Content:    declaration.Content{Theme: v.Theme},
	}
}

// ValuesOf reads a declaration form's changeable values.
func ValuesOf(f declaration.Form) Values {
	b := f.Basic
	return Values{
		NameZh: b.NameZh, NameEn: b.NameEn, Theme: f.Content.Theme, Type: b.Type,
		Scale: Scale{Declared: b.Scale, Attendance: f.Attendance},
		Place: Place{Location: b.Location, Province: b.Province, Address: b.Address, LocalApproval: b.LocalApproval},
		Dates: Dates{Start: b.StartDate, End: b.EndDate},
	}
}
