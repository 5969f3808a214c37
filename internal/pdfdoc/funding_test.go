package pdfdoc

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestFundingNoticeText (R-FUND-05): the formal notice lists each funded
// conference with its institute and amount, the sums per category and
// the call's budget, and reads back.
func TestFundingNoticeText(t *testing.T) {
	v := FundingNoticeData{Bureau: "示范科学院国际合作局", Year: 2028, DecidedAt: time.Date(2027, 12, 20, 2, 0, 0, 0, time.UTC),
		BudgetFen: 1_000_000_00, GrantedFen: 150_000_00,
		Lines: []NoticeLine{{NameZh: "国际凝聚态物理研讨会", Institute: "示范物理研究所", Category: 2, GrantedFen: 100_000_00},
			{NameZh: "国际催化化学研讨会", Institute: "示范化学研究所", Category: 3, GrantedFen: 50_000_00}},
		Totals: []NoticeTotal{{Category: 1}, {Category: 2, Funded: 1, GrantedFen: 100_000_00}, {Category: 3, Funded: 1, GrantedFen: 50_000_00}}}
	pdf := render(t, func(b *bytes.Buffer) error { return FundingNotice(b, v) })
	checkStructure(t, pdf, 1)
	text := strings.ReplaceAll(extractText(t, pdf), "\n", "")
	for _, want := range []string{"关于下达2028年度国际学术会议资助计划的通知", "示范科学院国际合作局", "2027年12月20日",
		"国际凝聚态物理研讨会", "示范物理研究所", "100,000.00", "国际催化化学研讨会", "50,000.00", "二类", "三类",
		"资助合计", "150,000.00元", "年度资助总额", "1,000,000.00元"} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice lacks %q\n%s", want, text)
		}
	}
	if !bytes.Equal(pdf, render(t, func(b *bytes.Buffer) error { return FundingNotice(b, v) })) {
		t.Error("the same plan renders differently")
	}
}
