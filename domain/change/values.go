package change

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
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
	Location declaration.Location `json:"location"`
	Province string               `json:"province"`
	Address  string               `json:"address"`
	// LocalApproval is the local foreign affairs office's approval, required
	// for another city (R-DECL-07).
	LocalApproval declaration.Attachment `json:"localApproval,omitzero"`
}

// Dates are the first and last conference days, both included.
type Dates struct {
	Start domain.Date `json:"start"`
	End   domain.Date `json:"end"`
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
	Description string                 `json:"description"`
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

// maxCount bounds counts so that sums cannot overflow; a shape limit.
const maxCount = 1_000_000

// check adds the field errors of a proposal whose changes turn old into
// nv; changed fields are checked as the declaration checks them
// (R-DECL-03, R-DECL-04, R-DECL-07, R-DECL-08, R-CLS-05). It returns the
// names' warnings (R-FC-03).
func check(pr *domain.Problems, p policy.Policy, r Rules, x Proposal, nv Values, changed, unchanged []Field, flags classify.Flags) []domain.Warning {
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
	is := func(f Field) bool {
		for _, c := range changed {
			if c == f {
				return true
			}
		}
		return false
	}
	var warnings []domain.Warning
	if is(FieldNameZh) || is(FieldNameEn) {
		if is(FieldNameZh) {
			if nv.NameZh == "" {
				pr.Add("changes.nameZh", "R-FC-03", "required", "必填")
			} else if !strings.ContainsFunc(nv.NameZh, isHan) {
				pr.Add("changes.nameZh", "R-FC-03", "must be written in Chinese", "须填写中文名称")
			}
		}
		if is(FieldNameEn) {
			if nv.NameEn == "" {
				pr.Add("changes.nameEn", "R-FC-03", "required", "必填")
			} else if strings.ContainsFunc(nv.NameEn, isHan) {
				pr.Add("changes.nameEn", "R-FC-03", "must not contain Chinese characters", "英文名称不得包含汉字")
			}
		}
		w, err := p.Names.Check(nv.NameZh, nv.NameEn)
		var sub domain.Problems
		sub.Merge("changes", err)
		if err := sub.Err(); err != nil {
			for _, fe := range err.(*domain.ValidationError).Fields {
				if (fe.Path == "changes.nameZh" && is(FieldNameZh)) || (fe.Path == "changes.nameEn" && is(FieldNameEn)) {
					pr.Add(fe.Path, fe.Rule, fe.Message, fe.Zh)
				}
			}
		}
		for _, x := range w {
			if (x.Path == "nameZh" && is(FieldNameZh)) || (x.Path == "nameEn" && is(FieldNameEn)) {
				x.Path = "changes." + x.Path
				warnings = append(warnings, x)
			}
		}
	}
	if is(FieldTheme) {
		if nv.Theme == "" {
			pr.Add("changes.theme", "R-DECL-12", "required", "必填")
		} else {
			pr.MaxChars("changes.theme", "R-DECL-12", nv.Theme, p.Text.Long)
		}
	}
	typeOK := nv.Type.Valid()
	if is(FieldType) && !typeOK {
		pr.Add("changes.type", "SCHEMA", "must be natural_science or social_science", "须为自然科学或人文社科")
	}
	if is(FieldScale) || is(FieldType) {
		s := nv.Scale
		countsOK := true
		for _, c := range []struct {
			path string
			n    int
		}{{"foreign", s.Attendance.Foreign}, {"mainland", s.Attendance.Mainland}, {"hkMacaoTaiwan", s.Attendance.HKMacaoTaiwan}} {
			switch {
			case c.n < 0:
				pr.Add("changes.scale.attendance."+c.path, "R-DECL-08", "must not be negative", "不得为负数")
				countsOK = false
			case c.n > maxCount:
				pr.Add("changes.scale.attendance."+c.path, "SCHEMA", fmt.Sprintf("must be at most %d", maxCount), fmt.Sprintf("不得超过%d", maxCount))
				countsOK = false
			}
		}
		if !s.Declared.Valid() {
			pr.Add("changes.scale.declared", "SCHEMA", "must be small, general or major", "须为小型、一般或重大国际会议")
		} else if typeOK && countsOK {
			err := classify.CheckDeclared(p, s.Declared, nv.Type, s.Attendance.Foreign, s.Attendance.Total(), flags)
			var sub domain.Problems
			sub.Merge("", err)
			if err := sub.Err(); err != nil {
				for _, fe := range err.(*domain.ValidationError).Fields {
					pr.Add("changes.scale.declared", fe.Rule, fe.Message, fe.Zh)
				}
			}
		}
	}
	if is(FieldPlace) {
		pl := nv.Place
		if !pl.Location.Valid() {
			pr.Add("changes.place.location", "SCHEMA", "must be local or other_city", "须为本地或外地")
		}
		for _, t := range []struct{ path, v string }{{"province", pl.Province}, {"address", pl.Address}} {
			if t.v == "" {
				pr.Add("changes.place."+t.path, "R-DECL-07", "required", "必填")
			} else {
				pr.MaxChars("changes.place."+t.path, "R-DECL-07", t.v, p.Text.Short)
			}
		}
		if pl.LocalApproval.IsZero() {
			if pl.Location == declaration.OtherCity {
				pr.Add("changes.place.localApproval", "R-DECL-07",
					"another city needs the local foreign affairs office's approval", "外地举办须上传当地外办批复件")
			}
		} else {
			attachment(pr, p, "changes.place.localApproval", pl.LocalApproval)
		}
	}
	if is(FieldDates) {
		d := nv.Dates
		if d.Start.IsZero() {
			pr.Add("changes.dates.start", "R-DECL-04", "required", "必填")
		}
		if d.End.IsZero() {
			pr.Add("changes.dates.end", "R-DECL-04", "required", "必填")
		}
		if !d.Start.IsZero() && !d.End.IsZero() {
			if d.End.Before(d.Start) {
				pr.Add("changes.dates.end", "R-DECL-04",
					fmt.Sprintf("must not be before the start date %s", d.Start),
					fmt.Sprintf("结束日期不得早于开始日期（%s）", d.Start))
			} else if days := d.Start.DaysUntil(d.End) + 1; days > p.Declaration.MaxDays {
				pr.Add("changes.dates.end", "R-DECL-04",
					fmt.Sprintf("a conference lasts at most %d days; %s to %s is %d days", p.Declaration.MaxDays, d.Start, d.End, days),
					fmt.Sprintf("开会时间应在%d天以内，%s至%s共%d天", p.Declaration.MaxDays, d.Start, d.End, days))
			}
		}
	}
	if !x.Attachment.IsZero() {
		attachment(pr, p, "attachment", x.Attachment)
	}
	return warnings
}

// attachment checks the shape of a file reference; the file store checks
// that it exists and matches.
func attachment(pr *domain.Problems, p policy.Policy, path string, a declaration.Attachment) {
	if a.ID == uuid.Nil {
		pr.Add(path+".id", "SCHEMA", "required", "必填")
	}
	if !isSHA256(a.SHA256) {
		pr.Add(path+".sha256", "SCHEMA", "must be 64 lower-case hexadecimal digits", "须为64位小写十六进制数字")
	}
	for _, t := range []struct{ path, v string }{{"name", a.Name}, {"contentType", a.ContentType}} {
		if strings.TrimSpace(t.v) == "" {
			pr.Add(path+"."+t.path, "SCHEMA", "required", "必填")
		} else {
			pr.MaxChars(path+"."+t.path, "SCHEMA", t.v, p.Text.Short)
		}
	}
	if a.Size <= 0 {
		pr.Add(path+".size", "SCHEMA", "must be at least 1 byte", "不得小于1字节")
	}
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

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
