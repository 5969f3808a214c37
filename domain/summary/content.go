package summary

import (
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Rules are the summary's parameters, part of the versioned policy
// (policy.Policy.Summary, R-POL-01).
type Rules = policy.SummaryRules

// DefaultRules are the seed's values (000 §五).
func DefaultRules() Rules { return policy.DefaultSummaryRules() }

// Region tags an attendance row; Hong Kong, Macao and Taiwan count as
// domestic (R-SUM-03: 港、澳、台学者列入中方代表).
type Region string

const (
	Mainland Region = "mainland"
	HongKong Region = "hong_kong"
	Macao    Region = "macao"
	Taiwan   Region = "taiwan"
	Foreign  Region = "foreign"
)

// Valid reports whether g is a known region.
func (g Region) Valid() bool {
	return g == Mainland || g == HongKong || g == Macao || g == Taiwan || g == Foreign
}

// Domestic reports whether g counts as domestic.
func (g Region) Domestic() bool { return g.Valid() && g != Foreign }

// CountryCount is the actual attendance from one country or region;
// Country is required for Foreign rows.
type CountryCount struct {
	Region  Region `json:"region"`
	Country string `json:"country,omitempty"`
	Count   int    `json:"count"`
}

// Photo is one conference photo with its caption (人员姓名、工作单位、职衔、
// 时间、地点).
type Photo struct {
	File    declaration.Attachment `json:"file"`
	Caption string                 `json:"caption"`
}

// Attendee is one row of an attendee list (到会国内外代表名单).
type Attendee struct {
	Name        string `json:"name" personal:"field"`
	Country     string `json:"country"`
	Institution string `json:"institution"`
	Title       string `json:"title,omitempty"`
}

// Content is the summary's content (R-SUM-03).
type Content struct {
	Academic        string                 `json:"academic" text:"multiline"`
	Attendance      []CountryCount         `json:"attendance"`
	PapersDomestic  int                    `json:"papersDomestic"`
	PapersForeign   int                    `json:"papersForeign"`
	Proceedings     string                 `json:"proceedings" text:"multiline"` // 论文集出版情况
	Photos          []Photo                `json:"photos"`
	ProceedingsFile declaration.Attachment `json:"proceedingsFile,omitzero"`
	Domestic        []Attendee             `json:"domestic"`
	Foreign         []Attendee             `json:"foreign"`
	// DomesticNote and ForeignNote explain an empty list.
	DomesticNote string `json:"domesticNote,omitempty" text:"multiline"`
	ForeignNote  string `json:"foreignNote,omitempty" text:"multiline"`
}

// DomesticCount is the actual domestic attendance, Hong Kong, Macao and
// Taiwan included; computed, never typed.
func (c Content) DomesticCount() int { return c.count(true) }

// ForeignCount is the actual foreign attendance.
func (c Content) ForeignCount() int { return c.count(false) }

func (c Content) count(domestic bool) int {
	n := 0
	for _, x := range c.Attendance {
		if x.Region.Valid() && x.Region.Domestic() == domestic && x.Count > 0 {
			n += x.Count
		}
	}
	return n
}

func (c Content) clone() Content {
	c.Attendance, c.Photos = slices.Clone(c.Attendance), slices.Clone(c.Photos)
	c.Domestic, c.Foreign = slices.Clone(c.Domestic), slices.Clone(c.Foreign)
	return c
}

func (c Content) normalized() Content {
	c = c.clone()
	t := strings.TrimSpace
	c.Academic, c.Proceedings, c.DomesticNote, c.ForeignNote = t(c.Academic), t(c.Proceedings), t(c.DomesticNote), t(c.ForeignNote)
	for i := range c.Attendance {
		c.Attendance[i].Country = t(c.Attendance[i].Country)
	}
	for i := range c.Photos {
		c.Photos[i].Caption = t(c.Photos[i].Caption)
	}
	for _, l := range [][]Attendee{c.Domestic, c.Foreign} {
		for i := range l {
			l[i] = Attendee{Name: t(l[i].Name), Country: t(l[i].Country), Institution: t(l[i].Institution), Title: t(l[i].Title)}
		}
	}
	return c
}

const maxCount = 1_000_000

// check adds the field errors of c: formats always, completeness when full
// (submit).
func check(c Content, p policy.Policy, r Rules, full bool) error {
	var pr domain.Problems
	req := func(path string, missing bool) {
		if full && missing {
			pr.Add(path, "R-SUM-03", "required", "必填")
		}
	}
	if n := domain.CharCount(c.Academic); n > r.MaxAcademicChars {
		pr.MaxChars("academic", "SCHEMA", c.Academic, r.MaxAcademicChars)
	} else if full && n < r.MinAcademicChars {
		pr.Add("academic", "R-SUM-03",
			fmt.Sprintf("the academic summary has at least %d characters (got %d)", r.MinAcademicChars, n),
			fmt.Sprintf("学术总结至少%d字（当前%d字）", r.MinAcademicChars, n))
	}
	count := func(path string, n int) {
		switch {
		case n < 0:
			pr.Add(path, "R-SUM-03", "must not be negative", "不得为负数")
		case n > maxCount:
			pr.Add(path, "SCHEMA", fmt.Sprintf("must be at most %d", maxCount), fmt.Sprintf("不得超过%d", maxCount))
		}
	}
	req("attendance", len(c.Attendance) == 0)
	seen := map[string]bool{}
	for i, x := range c.Attendance {
		path := fmt.Sprintf("attendance[%d]", i)
		if !x.Region.Valid() {
			pr.Add(path+".region", "SCHEMA", "must be mainland, hong_kong, macao, taiwan or foreign", "须为内地、香港、澳门、台湾或外国")
		}
		if x.Region == Foreign {
			if x.Country == "" {
				req(path+".country", true)
			} else {
				pr.MaxChars(path+".country", "SCHEMA", x.Country, p.Text.Short)
			}
		}
		key := string(x.Region)
		if x.Region == Foreign {
			key += "/" + strings.ToLower(x.Country)
		}
		if seen[key] && (x.Region != Foreign || x.Country != "") {
			pr.Add(path, "R-SUM-03", "listed twice", "重复填写")
		}
		seen[key] = true
		count(path+".count", x.Count)
	}
	count("papersDomestic", c.PapersDomestic)
	count("papersForeign", c.PapersForeign)
	req("proceedings", c.Proceedings == "")
	pr.MaxChars("proceedings", "SCHEMA", c.Proceedings, p.Text.Long)

	if n := len(c.Photos); n > r.MaxPhotos || full && n < r.MinPhotos {
		pr.Add("photos", "R-SUM-03",
			fmt.Sprintf("%d to %d photos (got %d)", r.MinPhotos, r.MaxPhotos, n),
			fmt.Sprintf("须上传%d至%d张照片（当前%d张）", r.MinPhotos, r.MaxPhotos, n))
	}
	for i, ph := range c.Photos {
		path := fmt.Sprintf("photos[%d]", i)
		attachment(&pr, p, path+".file", ph.File)
		if ph.File.ContentType != "" && !strings.EqualFold(ph.File.ContentType, r.PhotoContentType) {
			pr.Add(path+".file.contentType", "R-SUM-03",
				fmt.Sprintf("photos are %s (got %s)", r.PhotoContentType, ph.File.ContentType),
				fmt.Sprintf("照片须为JPG格式（%s），当前为%s", r.PhotoContentType, ph.File.ContentType))
		}
		req(path+".caption", ph.Caption == "")
		pr.MaxChars(path+".caption", "SCHEMA", ph.Caption, p.Text.Long)
	}
	if c.ProceedingsFile.IsZero() {
		req("proceedingsFile", true)
	} else {
		attachment(&pr, p, "proceedingsFile", c.ProceedingsFile)
	}
	for _, l := range []struct {
		path, note string
		rows       []Attendee
	}{{"domestic", c.DomesticNote, c.Domestic}, {"foreign", c.ForeignNote, c.Foreign}} {
		req(l.path, len(l.rows) == 0 && l.note == "")
		pr.MaxChars(l.path+"Note", "SCHEMA", l.note, p.Text.Long)
		for i, a := range l.rows {
			path := fmt.Sprintf("%s[%d]", l.path, i)
			req(path+".name", a.Name == "")
			req(path+".institution", a.Institution == "")
			for _, f := range []struct{ k, v string }{{"name", a.Name}, {"country", a.Country}, {"institution", a.Institution}, {"title", a.Title}} {
				pr.MaxChars(path+"."+f.k, "SCHEMA", f.v, p.Text.Short)
			}
		}
	}
	return pr.Err()
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

// Attachments are the uploads the content refers to through its typed
// fields: the photos and the proceedings file (R-SUM-03).
func (c Content) Attachments() []declaration.Attachment {
	var out []declaration.Attachment
	for _, p := range c.Photos {
		if !p.File.IsZero() {
			out = append(out, p.File)
		}
	}
	if !c.ProceedingsFile.IsZero() {
		out = append(out, c.ProceedingsFile)
	}
	return out
}
