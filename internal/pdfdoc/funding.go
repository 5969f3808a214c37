package pdfdoc

import (
	"fmt"
	"io"
	"time"
)

// NoticeLine is one funded conference of the formal notice.
type NoticeLine struct {
	NameZh, Institute string
	Category          int
	GrantedFen        int64
}

// NoticeTotal is one category's sum in the notice.
type NoticeTotal struct {
	Category, Funded int
	GrantedFen       int64
}

// FundingNoticeData is what the formal notice of a year's funding plan
// (正式行文, seed 002 第八条, R-FUND-05) shows.
type FundingNoticeData struct {
	Bureau     string
	Year       int
	DecidedAt  time.Time
	BudgetFen  int64
	GrantedFen int64
	Lines      []NoticeLine
	Totals     []NoticeTotal
}

// yuan writes fen as yuan with two decimals and thousands separators.
func yuan(fen int64) string {
	s := fmt.Sprintf("%d", fen/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s.%02d", s, fen%100)
}

// FundingNotice writes the notice: its heading, the funded conferences and
// amounts, the sums per category against the call's budget. Its creation
// date is the decision's, so the same plan renders the same.
func FundingNotice(w io.Writer, v FundingNoticeData) error {
	title := fmt.Sprintf("关于下达%d年度国际学术会议资助计划的通知", v.Year)
	d := newDoc("P", title, v.DecidedAt)
	d.title(title, fmt.Sprintf("%s　%s", v.Bureau, v.DecidedAt.In(zone).Format("2006年1月2日")))
	d.SetFont(family, "", 10.5)
	d.MultiCell(0, d.lineH, fmt.Sprintf("各院属单位：\n经院领导审定，%d年度国际学术会议资助计划如下。获资助会议须在会议材料中标注“中国科学院国际合作局资助”，会议结束后1个月内报送总结报告。", v.Year), "", "L", false)
	d.Ln(2)
	cols := []float64{12, 78, 40, 16, 34}
	header := func() {
		names := []string{"序号", "会议名称", "承办单位", "类别", "资助金额（元）"}
		cs := make([]cell, len(cols))
		for i := range cols {
			cs[i] = cell{w: cols[i], text: names[i], label: true}
		}
		d.row(cs, nil)
	}
	header()
	for i, l := range v.Lines {
		d.row([]cell{{w: cols[0], text: fmt.Sprint(i + 1)}, {w: cols[1], text: l.NameZh}, {w: cols[2], text: l.Institute},
			{w: cols[3], text: [...]string{"", "一类", "二类", "三类"}[min(max(l.Category, 0), 3)]}, {w: cols[4], text: yuan(l.GrantedFen)}}, header)
	}
	if len(v.Lines) == 0 {
		d.row([]cell{{w: d.width(), text: "（本年度无资助项目）"}}, nil)
	}
	d.Ln(2)
	d.section("分类合计")
	for _, t := range v.Totals {
		d.row([]cell{{w: 60, text: fmt.Sprintf("第%s类", [...]string{"", "一", "二", "三"}[min(max(t.Category, 0), 3)]), label: true},
			{w: 40, text: fmt.Sprintf("%d项", t.Funded)}, {w: d.width() - 100, text: yuan(t.GrantedFen) + "元"}}, nil)
	}
	d.row([]cell{{w: 60, text: "资助合计", label: true}, {w: d.width() - 60, text: yuan(v.GrantedFen) + "元"}}, nil)
	d.row([]cell{{w: 60, text: "年度资助总额", label: true}, {w: d.width() - 60, text: yuan(v.BudgetFen) + "元"}}, nil)
	d.signatureBoxes("国际合作局（盖章）：")
	return d.output(w)
}
