package pdfdoc

import (
	"fmt"
	"io"
	"strconv"
	"time"
)

// Important-conference nominations' documents (seed 003): the expert's
// nomination form (attachment 1), the review committee's opinion form
// (attachment 2) and the recommendation list for signature and seal.

// NominationFormData is attachment 1 (重要学术会议提名表), blank or filled.
type NominationFormData struct {
	Year                           int
	WindowStart, WindowEnd, Cutoff string
	Expert, Institution, Title     string
	Nominations                    [][2]string // conference, reason
	Printed                        time.Time
}

// NominationForm writes attachment 1: the notes on what may be nominated,
// the expert's details and the nominated conferences (any number); a
// blank form leaves three empty rows.
func NominationForm(w io.Writer, v NominationFormData) error {
	title := fmt.Sprintf("%d年度重要学术会议提名表", v.Year)
	d := newDoc("P", title, v.Printed)
	d.title(title, "")
	d.section("一、相关说明")
	notes := []string{
		fmt.Sprintf("（一）提名会议应是%s至%s举办的，在全球范围内，面向科技领域召开的学术会议，包括机制性会议和单次会议。", v.WindowStart, v.WindowEnd),
		fmt.Sprintf("（二）机制性会议为截至%s已连续举办两届以上，且%s至%s计划召开的会议。", v.Cutoff, v.WindowStart, v.WindowEnd),
		"（三）单次会议为贯彻执行相关决策部署，解决重大科学或技术问题，以及完成其他临时性重大任务等发起举办的高质量学术会议。",
		"（四）培训班、教学研讨会、各类庆典、周年纪念活动、表彰大会等不在推荐范围之内。",
	}
	for _, n := range notes {
		d.row([]cell{{w: d.width(), text: n}}, nil)
	}
	d.section("二、专家个人信息")
	d.pairs("姓名", v.Expert, "单位", v.Institution, "职务/职称", v.Title)
	d.section("三、提名会议（不限数量）")
	cols := []float64{16, 70, d.width() - 86}
	header := func() {
		d.row([]cell{{w: cols[0], text: "序号", label: true}, {w: cols[1], text: "会议名称", label: true}, {w: cols[2], text: "推荐理由", label: true}}, nil)
	}
	header()
	rows := v.Nominations
	for len(rows) < 3 {
		rows = append(rows, [2]string{})
	}
	for i, n := range rows {
		d.row([]cell{{w: cols[0], text: strconv.Itoa(i + 1)}, {w: cols[1], text: n[0]}, {w: cols[2], text: n[1]}}, header)
	}
	d.signatureBoxes("提名专家签字：")
	return d.output(w)
}

// CommitteeFormData is attachment 2 (专家评审委员会意见表).
type CommitteeFormData struct {
	Unit       string
	Conference [][2]string // name, host
	Members    []string    // names, for signature lines
	Result     string
	Opinion    string
	Printed    time.Time
}

// CommitteeForm writes attachment 2: the recommended conferences, the
// result and opinion, and a signature line for every member.
func CommitteeForm(w io.Writer, v CommitteeFormData) error {
	const title = "专家评审委员会意见表"
	d := newDoc("P", title, v.Printed)
	d.title(title, v.Unit)
	d.section("一、推荐会议列表")
	cols := []float64{16, 100, d.width() - 116}
	header := func() {
		d.row([]cell{{w: cols[0], text: "序号", label: true}, {w: cols[1], text: "会议名称", label: true}, {w: cols[2], text: "主办单位", label: true}}, nil)
	}
	header()
	for i, c := range v.Conference {
		d.row([]cell{{w: cols[0], text: strconv.Itoa(i + 1)}, {w: cols[1], text: c[0]}, {w: cols[2], text: c[1]}}, header)
	}
	d.section("二、评审意见")
	d.pairs("评审结果", dash(v.Result), "评审意见", dash(v.Opinion))
	d.section("三、评审专家签字")
	for i, m := range v.Members {
		d.row([]cell{{w: 16, text: strconv.Itoa(i + 1)}, {w: 50, text: m}, {w: d.width() - 66, text: "签字："}}, nil)
	}
	d.signatureBoxes("评审委员会（盖章）：")
	return d.output(w)
}

// RecommendationListData is the unit's list for signature (推荐名单).
type RecommendationListData struct {
	Year    int
	Unit    string
	Items   []RecommendationRow
	Printed time.Time
}

// RecommendationRow is one conference on the list.
type RecommendationRow struct {
	Name, Host, Opening, Kind, Note string
}

// RecommendationList writes the list the unit's head signs and seals
// (理事长/主席/负责人签字并加盖公章, seed 003 二(六)).
func RecommendationList(w io.Writer, v RecommendationListData) error {
	title := fmt.Sprintf("%d年度重要学术会议推荐名单", v.Year)
	d := newDoc("L", title, v.Printed)
	d.title(title, "推荐单位："+v.Unit)
	cols := []float64{14, 90, 60, 30, 24, d.width() - 218}
	header := func() {
		names := []string{"序号", "会议名称", "主办单位", "召开时间", "类型", "说明"}
		cs := make([]cell, len(cols))
		for i := range cols {
			cs[i] = cell{w: cols[i], text: names[i], label: true}
		}
		d.row(cs, nil)
	}
	header()
	for i, r := range v.Items {
		d.row([]cell{{w: cols[0], text: strconv.Itoa(i + 1)}, {w: cols[1], text: r.Name}, {w: cols[2], text: r.Host},
			{w: cols[3], text: r.Opening}, {w: cols[4], text: r.Kind}, {w: cols[5], text: r.Note}}, header)
	}
	if len(v.Items) == 0 {
		d.row([]cell{{w: d.width(), text: "（无）"}}, nil)
	}
	d.signatureBoxes("理事长/主席/负责人签字：", "推荐单位盖章：")
	return d.output(w)
}

// GuideRow is one recognised conference of the catalogue.
type GuideRow struct {
	Name, NameEn, Host, Unit, Opening, Place, Field string
}

// Catalogue writes the guide's bilingual catalogue (中英文双语简版目录,
// R-NOM-06).
func Catalogue(w io.Writer, title string, rows []GuideRow, printed time.Time) error {
	d := newDoc("L", title, printed)
	d.title(title, fmt.Sprintf("共 %d 个会议 / %d conferences", len(rows), len(rows)))
	cols := []float64{12, 75, 75, 45, 40, d.width() - 247}
	header := func() {
		names := []string{"序号 No.", "会议名称", "Conference", "主办单位 Host", "推荐单位 Recommended by", "召开时间 / 地点 Date / Place"}
		cs := make([]cell, len(cols))
		for i := range cols {
			cs[i] = cell{w: cols[i], text: names[i], label: true}
		}
		d.row(cs, nil)
	}
	header()
	for i, r := range rows {
		d.row([]cell{{w: cols[0], text: strconv.Itoa(i + 1)}, {w: cols[1], text: r.Name}, {w: cols[2], text: r.NameEn},
			{w: cols[3], text: r.Host}, {w: cols[4], text: r.Unit}, {w: cols[5], text: r.Opening + " " + r.Place}}, header)
	}
	return d.output(w)
}

// Certificate writes a recognised conference's certificate (收录证书),
// issued through its recommending unit (R-NOM-06).
func Certificate(w io.Writer, guide string, r GuideRow, printed time.Time) error {
	d := newDoc("L", "收录证书", printed)
	d.Ln(20)
	d.SetFont(family, "", 30)
	d.CellFormat(0, 18, "收 录 证 书", "", 1, "C", false, 0, "")
	d.SetFont(family, "", 14)
	d.CellFormat(0, 10, "Certificate of Inclusion", "", 1, "C", false, 0, "")
	d.Ln(10)
	d.SetFont(family, "", 14)
	for _, line := range []string{
		fmt.Sprintf("“%s”", r.Name), r.NameEn,
		fmt.Sprintf("主办单位：%s    推荐单位：%s", r.Host, r.Unit),
		fmt.Sprintf("召开时间：%s    地点：%s", r.Opening, r.Place),
		fmt.Sprintf("经《%s》指导委员会认定，收录于《%s》。", guide, guide),
	} {
		for _, l := range d.wrap(line, d.width()-20) {
			d.CellFormat(0, 10, l, "", 1, "C", false, 0, "")
		}
	}
	d.SetFont(family, "", 10.5)
	d.signatureBoxes("发证单位（盖章）：")
	return d.output(w)
}
