// Package pdfdoc renders printable documents (issue 6): the forecast
// application form (预报申请表, R-FC-08) and a record's approval log
// (报批日志), laid out like printed government forms.
//
// The Chinese font ships with the package (fonts/gbsn00lp.ttf, AR PL
// SungtiL GB, Arphic Public License, see fonts/LICENSE-ARPHIC.txt), so a
// fresh machine needs nothing installed.
package pdfdoc

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
)

//go:embed fonts/gbsn00lp.ttf
var songti []byte

const family = "songti"

// zone is the time zone printed dates are shown in (China Standard Time).
var zone = time.FixedZone("CST", 8*3600)

// fixedDate stands in for the creation date when the caller gives none, so
// that documents are byte-for-byte reproducible.
var fixedDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// compress is switched off by tests so that content streams can be read back.
var compress = true

// doc wraps fpdf with form-drawing helpers.
type doc struct {
	*fpdf.Fpdf
	lineH float64
}

func newDoc(orientation, title string, created time.Time) *doc {
	if created.IsZero() {
		created = fixedDate
	}
	p := fpdf.New(orientation, "mm", "A4", "")
	p.SetCompression(compress)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetCatalogSort(true)
	p.SetTitle(title, true)
	p.SetCreator("econf", true)
	p.SetMargins(15, 15, 15)
	p.SetAutoPageBreak(false, 15)
	p.AddUTF8FontFromBytes(family, "", songti)
	p.SetFont(family, "", 10.5)
	p.SetLineWidth(0.3)
	d := &doc{Fpdf: p, lineH: 6}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		p.SetFont(family, "", 8)
		p.CellFormat(0, 5, fmt.Sprintf("第 %d 页", p.PageNo()), "", 0, "C", false, 0, "")
		p.SetFont(family, "", 10.5)
	})
	p.AddPage()
	return d
}

// title prints a centred heading and an optional right-aligned note below.
func (d *doc) title(text, note string) {
	d.SetFont(family, "", 18)
	d.CellFormat(0, 12, text, "", 1, "C", false, 0, "")
	d.SetFont(family, "", 9)
	if note != "" {
		d.CellFormat(0, 6, note, "", 1, "R", false, 0, "")
	}
	d.SetFont(family, "", 10.5)
	d.Ln(1)
}

// cell is one box of a table row.
type cell struct {
	w     float64
	text  string
	label bool // shaded, centred label
}

// wrap splits s into lines no wider than w, breaking Latin text at spaces
// where possible and Chinese text anywhere.
func (d *doc) wrap(s string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var cur []rune
		lastSpace := -1
		for _, r := range para {
			cur = append(cur, r)
			if r == ' ' {
				lastSpace = len(cur) - 1
			}
			if d.GetStringWidth(string(cur)) <= w || len(cur) == 1 {
				continue
			}
			if lastSpace > 0 && r != ' ' {
				lines = append(lines, strings.TrimRight(string(cur[:lastSpace]), " "))
				cur = append([]rune(nil), cur[lastSpace+1:]...)
			} else {
				lines = append(lines, string(cur[:len(cur)-1]))
				cur = []rune{r}
			}
			lastSpace = -1
			for i, c := range cur {
				if c == ' ' {
					lastSpace = i
				}
			}
		}
		lines = append(lines, strings.TrimLeft(string(cur), " "))
	}
	return lines
}

// row draws one bordered table row; every cell gets the height of the
// tallest. onBreak, when not nil, runs after a page break (to repeat a
// table header).
func (d *doc) row(cells []cell, onBreak func()) {
	const pad = 1.5
	wrapped := make([][]string, len(cells))
	n := 1
	for i, c := range cells {
		wrapped[i] = d.wrap(c.text, c.w-2*pad)
		n = max(n, len(wrapped[i]))
	}
	h := float64(n)*d.lineH + 2
	_, pageH := d.GetPageSize()
	_, _, _, bottom := d.GetMargins()
	if d.GetY()+h > pageH-bottom {
		d.AddPage()
		if onBreak != nil {
			onBreak()
		}
	}
	x0, y := d.GetX(), d.GetY()
	x := x0
	for i, c := range cells {
		style, align := "D", "L"
		if c.label {
			d.SetFillColor(235, 235, 235)
			style, align = "FD", "C"
		}
		d.Rect(x, y, c.w, h, style)
		top := y + (h-float64(len(wrapped[i]))*d.lineH)/2
		for j, line := range wrapped[i] {
			d.SetXY(x+pad, top+float64(j)*d.lineH)
			d.CellFormat(c.w-2*pad, d.lineH, line, "", 0, align, false, 0, "")
		}
		x += c.w
	}
	d.SetXY(x0, y+h)
}

// section prints a full-width shaded heading row.
func (d *doc) section(text string) {
	w := d.width()
	d.row([]cell{{w: w, text: text, label: true}}, nil)
}

func (d *doc) width() float64 {
	pw, _ := d.GetPageSize()
	l, _, r, _ := d.GetMargins()
	return pw - l - r
}

// pairs prints label/value pairs, two to a row when both values are
// short, one to a row otherwise.
func (d *doc) pairs(kv ...string) {
	w := d.width()
	const lw = 30
	half := w / 2
	for i := 0; i+1 < len(kv); i += 2 {
		fits := func(v string) bool { return d.GetStringWidth(v) <= half-lw-3 }
		if i+3 < len(kv) && fits(kv[i+1]) && fits(kv[i+3]) {
			d.row([]cell{{w: lw, text: kv[i], label: true}, {w: half - lw, text: kv[i+1]},
				{w: lw, text: kv[i+2], label: true}, {w: half - lw, text: kv[i+3]}}, nil)
			i += 2
			continue
		}
		d.row([]cell{{w: lw, text: kv[i], label: true}, {w: w - lw, text: kv[i+1]}}, nil)
	}
}

// signatures draws the signature and stamp boxes at the foot of a form.
func (d *doc) signatures() { d.signatureBoxes("单位负责人签字：", "单位盖章：") }

// signatureBoxes draws one box per label, side by side, each with a date line.
func (d *doc) signatureBoxes(boxes ...string) {
	w := d.width()
	const h = 34
	_, pageH := d.GetPageSize()
	_, _, _, bottom := d.GetMargins()
	if d.GetY()+4+h > pageH-bottom {
		d.AddPage()
	}
	d.Ln(4)
	x, y := d.GetX(), d.GetY()
	bw := w / float64(len(boxes))
	for i, label := range boxes {
		bx := x + float64(i)*bw
		d.Rect(bx, y, bw, h, "D")
		d.SetXY(bx+3, y+3)
		d.CellFormat(bw-6, d.lineH, label, "", 0, "L", false, 0, "")
		d.SetXY(bx+3, y+h-d.lineH-3)
		d.CellFormat(bw-6, d.lineH, "日期：    年   月   日", "", 0, "R", false, 0, "")
	}
	d.SetXY(x, y+h)
}

func (d *doc) output(w io.Writer) error {
	if err := d.Error(); err != nil {
		return err
	}
	return d.Output(w)
}

// ForecastFormData is what the forecast application form shows.
type ForecastFormData struct {
	ID      string
	Version uint64
	Status  forecast.Status
	Details forecast.Details
	// Printed is the print date shown on the form and recorded as the
	// document's creation date; zero prints none and uses a fixed date.
	Printed time.Time
}

// ForecastForm writes the forecast application form (预报申请表, R-FC-08).
func ForecastForm(w io.Writer, v ForecastFormData) error {
	d := newDoc("P", "国际会议预报申请表", v.Printed)
	note := "预报编号：" + dash(v.ID)
	if !v.Printed.IsZero() {
		note += "    打印日期：" + v.Printed.In(zone).Format("2006-01-02")
	}
	if v.Version > 0 {
		note += fmt.Sprintf("    版本：%d", v.Version)
	}
	d.title("国际会议预报申请表", note)

	f := v.Details
	a := f.Applicant
	d.section("一、申请人信息")
	d.pairs("申请人", a.Name, "工号", dash(a.StaffNo),
		"职称", a.Title, "手机", a.Mobile,
		"申报单位", a.Unit, "所在院系", a.Department,
		"电子邮件", a.Email)

	d.section("二、会议基本信息")
	d.pairs("会议中文名称", f.NameZh, "会议英文名称", f.NameEn,
		"开会时间", f.StartDate.String(), "拟对外承诺日期", f.CommitmentDate.String(),
		"是否本地办会", yesNo(f.Local), "举办省市", f.Province,
		"举办地址", f.Address)
	if !f.Local || f.OffsiteJustification != "" {
		d.pairs("异地办会理由", dash(f.OffsiteJustification))
	}
	d.pairs("会议类型", f.Type.Zh(), "会议规模", f.Scale.Zh(),
		"中方人数", strconv.Itoa(f.ChineseCount), "外方人数", strconv.Itoa(f.ForeignCount),
		"总人数", strconv.Itoa(f.Total()), "审核状态", v.Status.Zh(),
		"重大会议情形", flags(f.Flags))

	d.section("三、主办、承办、协办单位")
	tw := d.width()
	header := func() {
		d.row([]cell{{w: 12, text: "序号", label: true}, {w: 18, text: "角色", label: true},
			{w: (tw - 30) / 2, text: "中文全称", label: true}, {w: (tw - 30) / 2, text: "英文全称", label: true}}, nil)
	}
	header()
	for i, o := range f.Organisations {
		d.row([]cell{{w: 12, text: strconv.Itoa(i + 1)}, {w: 18, text: roleZh(o.Role)},
			{w: (tw - 30) / 2, text: o.NameZh}, {w: (tw - 30) / 2, text: o.NameEn}}, header)
	}
	if len(f.Organisations) == 0 {
		d.row([]cell{{w: tw, text: "（无）"}}, nil)
	}

	d.section("四、经费与备注")
	d.pairs("经费来源", f.FundingSource, "备注", dash(f.Remarks))

	d.signatures()
	return d.output(w)
}

// DeclarationFormData is what the approval form shows.
type DeclarationFormData struct {
	ID      string
	Version uint64
	Status  string // Chinese label
	Form    declaration.Form
	Lead    declaration.Lead
	Printed time.Time
}

// DeclarationForm writes the approval form for an international conference
// held in China (在华举办国际会议审批表, R-DECL-17), which the applicant
// downloads after the unit's approval for the heads' signatures and stamp.
func DeclarationForm(w io.Writer, v DeclarationFormData) error {
	const title = "在华举办国际会议审批表"
	d := newDoc("P", title, v.Printed)
	note := "申报编号：" + dash(v.ID)
	if !v.Printed.IsZero() {
		note += "    打印日期：" + v.Printed.In(zone).Format("2006-01-02")
	}
	d.title(title, note)
	f := v.Form
	a, b, att := f.Applicant, f.Basic, f.Attendance
	d.section("一、申请人信息")
	d.pairs("申请人", a.Name, "工号", dash(a.StaffNo), "职称", a.Title, "手机", a.Mobile,
		"申报单位", a.Unit, "所在院系", a.Department, "电子邮件", a.Email)

	d.section("二、会议基本信息")
	location := "本地"
	if b.Location == declaration.OtherCity {
		location = "外地（附当地外办批复件）"
	}
	d.pairs("会议中文名称", b.NameZh, "会议英文名称", b.NameEn,
		"开始日期", b.StartDate.String(), "结束日期", b.EndDate.String(),
		"会期（天）", strconv.Itoa(b.Days()), "拟对外承诺日期", b.CommitmentDate.String(),
		"举办地点", location, "省（直辖市）", b.Province, "详细地址", b.Address,
		"会议类型", b.Type.Zh(), "申报规模", b.Scale.Zh(),
		"认定类别", dash(v.Lead.Category.Zh()), "审核状态", v.Status,
		"外宾人数", strconv.Itoa(att.Foreign), "大陆代表", strconv.Itoa(att.Mainland),
		"港澳台代表", strconv.Itoa(att.HKMacaoTaiwan), "国内代表合计", strconv.Itoa(att.Domestic()),
		"总人数", strconv.Itoa(att.Total()))
	if !v.Lead.FileBy.IsZero() {
		mode := "在线提交请示文"
		if v.Lead.Filing == declaration.FilingPaper {
			mode = "提交纸质请示文"
		}
		d.pairs("学校报送方式", mode, "报送截止日期", v.Lead.FileBy.String())
	}

	tw := d.width()
	d.section("三、举办单位")
	d.row([]cell{{w: 18, text: "角色", label: true}, {w: (tw - 36) / 2, text: "中文全称", label: true},
		{w: (tw - 36) / 2, text: "英文全称", label: true}, {w: 18, text: "境外", label: true}}, nil)
	for _, o := range f.Hosting {
		d.row([]cell{{w: 18, text: roleZh(o.Role)}, {w: (tw - 36) / 2, text: o.NameZh}, {w: (tw - 36) / 2, text: o.NameEn}, {w: 18, text: yesNo(o.Foreign)}}, nil)
	}

	d.section("四、经费预算")
	var total int64
	for _, l := range f.Budget {
		total += declaration.FenOf(l.Amount)
		d.row([]cell{{w: 40, text: sourceZh(l.Source), label: true}, {w: 40, text: l.Amount + " 元"}, {w: tw - 80, text: dash(l.Explanation)}}, nil)
	}
	d.row([]cell{{w: 40, text: "合计", label: true}, {w: tw - 40, text: declaration.FormatFen(total) + " 元"}}, nil)

	d.section("五、特殊说明")
	d.pairs("涉及敏感问题", yesNo(f.Statements.Flags.Sensitive), "邀请党和国家领导人", yesNo(f.Statements.Flags.NationalLeaders),
		"邀请外国（前）政要", yesNo(f.Statements.Flags.ForeignMinisters), "境外非政府组织临时活动", yesNo(f.Statements.OverseasNGO))

	d.section("六、会议主题、议题和背景")
	d.pairs("会议主题", f.Content.Theme, "会议议题", strings.Join(f.Content.Topics, "；"),
		"台湾问题说明", f.Content.TaiwanStatement, "背景和意义", f.Content.Background)

	d.section("七、会议主要人员")
	d.row([]cell{{w: 30, text: "类别", label: true}, {w: 36, text: "姓名", label: true}, {w: 26, text: "国籍", label: true},
		{w: tw - 122, text: "工作单位", label: true}, {w: 30, text: "职务职称", label: true}}, nil)
	for _, g := range []struct {
		name string
		list []declaration.Person
	}{{"会议主席", f.People.Chairs}, {"会议副主席", f.People.ViceChairs}, {"国外代表", f.People.Foreign},
		{"大陆代表", f.People.Mainland}, {"港澳台代表", f.People.HKMacaoTaiwan}} {
		for _, p := range g.list {
			d.row([]cell{{w: 30, text: g.name}, {w: 36, text: p.Name}, {w: 26, text: p.Nationality}, {w: tw - 122, text: p.Institution}, {w: 30, text: dash(p.Title)}}, nil)
		}
	}

	d.section("八、联系人")
	for _, c := range f.Contacts {
		kind := "会议联系人"
		if c.Kind == declaration.InternationalOfficeContact {
			kind = "国际处联系人"
		}
		d.pairs(kind, c.Name+"  "+c.Phone+"  "+c.Email)
	}
	d.signatureBoxes("学院负责人签字：", "党委负责人签字：", "单位盖章：")
	return d.output(w)
}

func sourceZh(s declaration.Source) string {
	switch s {
	case declaration.SelfRaised:
		return "自筹"
	case declaration.Sponsorship:
		return "赞助费"
	case declaration.RegistrationFees:
		return "与会人员注册费"
	case declaration.MinistryGrant:
		return "部委或机构资助"
	}
	return "其他"
}

// LogRow is one line of an approval log.
type LogRow struct {
	At           time.Time
	Action       string
	Actor        string
	Role         string
	Comment      string
	StatusBefore string
	StatusAfter  string
}

// ApprovalLog writes a record's approval log (报批日志) as a table, oldest
// first, on landscape pages. The creation date is the newest entry's time
// (a fixed date when there are none), so the same log renders the same.
func ApprovalLog(w io.Writer, title string, entries []LogRow) error {
	var created time.Time
	for _, e := range entries {
		if e.At.After(created) {
			created = e.At
		}
	}
	d := newDoc("L", title, created)
	d.title(title, fmt.Sprintf("共 %d 条记录", len(entries)))
	cols := []float64{34, 30, 32, 28, 93, 50}
	header := func() {
		names := []string{"时间", "操作", "操作人", "角色", "意见", "状态变更"}
		cs := make([]cell, len(cols))
		for i := range cols {
			cs[i] = cell{w: cols[i], text: names[i], label: true}
		}
		d.row(cs, nil)
	}
	header()
	for _, e := range entries {
		at := ""
		if !e.At.IsZero() {
			at = e.At.In(zone).Format("2006-01-02 15:04")
		}
		d.row([]cell{{w: cols[0], text: at}, {w: cols[1], text: e.Action}, {w: cols[2], text: e.Actor},
			{w: cols[3], text: e.Role}, {w: cols[4], text: e.Comment},
			{w: cols[5], text: dash(e.StatusBefore) + " → " + dash(e.StatusAfter)}}, header)
	}
	if len(entries) == 0 {
		d.row([]cell{{w: d.width(), text: "（无记录）"}}, nil)
	}
	return d.output(w)
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func roleZh(r forecast.HostingRole) string {
	switch r {
	case forecast.Host:
		return "主办"
	case forecast.Organiser:
		return "承办"
	case forecast.CoOrganiser:
		return "协办"
	case forecast.Joint:
		return "合办"
	}
	return string(r)
}

func flags(f classify.Flags) string {
	var out []string
	add := func(on bool, zh string) {
		if on {
			out = append(out, zh)
		}
	}
	add(f.Sensitive, "涉及重大敏感问题")
	add(f.UNBody, "联合国下属机构和各专门机构的大会与特别会议")
	add(f.IntergovernmentalOrg, "政府间和非政府间重要国际组织的大会与特别会议")
	add(f.CoreInterests, "事关我核心利益、重要国际问题")
	add(f.ForeignMinisters, "外国政府正部长及以上或前国家元首、政府首脑出席")
	add(f.NationalLeaders, "邀请党和国家领导人出席")
	add(f.StateLeadersNPC, "邀请全国人大、全国政协、最高法、最高检领导出席")
	if len(out) == 0 {
		return "无"
	}
	return strings.Join(out, "；")
}
