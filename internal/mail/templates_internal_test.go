package mail

import (
	"strings"
	"testing"
)

// templateData is every key any sender gives.
func templateData() map[string]string {
	return map[string]string{"name": "张三", "nameZh": "某会议", "nameEn": "A Meeting", "comment": "同意", "reason": "材料不全",
		"stageZh": "单位", "stageEn": "your unit", "code": "123456", "minutes": "30",
		"kindZh": "会议总结提交截止日", "kindEn": "summary due date", "dueDate": "2027-06-22", "days": "3",
		"todoZh": "请按时提交会议总结。", "todoEn": "Please submit the summary in time."}
}

// Every template renders with the data its sender gives, Chinese first.
func TestEveryTemplateRenders(t *testing.T) {
	for tpl := range templates {
		r, err := render(tpl, templateData(), "")
		if err != nil {
			t.Errorf("%s: %v", tpl, err)
			continue
		}
		zh, en := strings.Index(r.Body, "您好"), strings.Index(r.Body, "Dear")
		if r.Subject == "" || zh < 0 || (en >= 0 && en < zh) {
			t.Errorf("%s: subject %q, Chinese at %d, English at %d", tpl, r.Subject, zh, en)
		}
	}
}

// The aftercare mails (R-CHG-04, R-SUM-04, R-SUM-02, R-DECL-05, R-DECL-11,
// R-FUND-06)
// carry their reason or comment, the due date and the days left, in Chinese
// and in English.
func TestAftercareTemplates(t *testing.T) {
	for _, tc := range []struct {
		tpl  Template
		data map[string]string
		want []string
		not  []string
	}{
		{ChangeApproved, nil, []string{"会议变更申请已通过", "Change request approved", "意见 / Comment: 同意", "某会议", "A Meeting"}, nil},
		{ChangeApproved, map[string]string{"comment": ""}, []string{"会议变更申请已通过"}, []string{"意见"}},
		{ChangeRejected, nil, []string{"会议变更申请被驳回", "驳回理由 / Reason: 材料不全", "still counts"}, nil},
		{SummaryAccepted, nil, []string{"会议总结已审核通过", "summary accepted", "意见 / Comment: 同意"}, nil},
		{SummaryReturned, nil, []string{"会议总结被退回修改", "退回理由 / Reason: 材料不全", "returned for revision"}, nil},
		{DeadlineReminder, nil, []string{"截止日期提醒：会议总结提交截止日 2027-06-22", "距会议总结提交截止日（2027-06-22）还有3天。请按时提交会议总结。",
			"the summary due date (2027-06-22) is 3 day(s) away. Please submit the summary in time."}, nil},
		{DeadlineReminder, map[string]string{"days": "0"}, []string{"今天（2027-06-22）是会议总结提交截止日。", "today (2027-06-22) is the summary due date."},
			[]string{"还有"}},
		{SummaryOverdue, nil, []string{"会议总结已逾期", "应于2027-06-22前提交", "不能提交新的会议申报", "cannot submit new conference declarations"}, nil},
		{FundingSummaryOverdue, nil, []string{"资助会议总结报告已逾期", "应于2027-06-22前提交", "不能申请下一年度的国际会议资助", "cannot apply to the next year's call"}, nil},
		{FilingOverdue, nil, []string{"会议申报报批已逾期", "2027-06-22", "file the following declaration with the authority by 2027-06-22"}, nil},
		{NGOFilingOverdue, nil, []string{"境外非政府组织临时活动备案已逾期", "省级公安机关", "2027-06-22", "provincial public security bureau"}, nil},
	} {
		data := templateData()
		for k, v := range tc.data {
			data[k] = v
		}
		r, err := render(tc.tpl, data, "")
		if err != nil {
			t.Errorf("%s: %v", tc.tpl, err)
			continue
		}
		text := r.Subject + "\n" + r.Body
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s %v: no %q in\n%s", tc.tpl, tc.data, w, text)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(text, w) {
				t.Errorf("%s %v: %q in\n%s", tc.tpl, tc.data, w, text)
			}
		}
	}
}

// Every template in one language (the recipient's, mail_languages) holds
// that language's salutation, text, shared lines and signature, and none
// of the other's: a Chinese mail has no English sentence, an English one
// no Chinese but the names it quotes.
func TestEveryTemplateInOneLanguage(t *testing.T) {
	han := func(s string) bool {
		for _, r := range s {
			if r >= 0x4E00 && r <= 0x9FFF {
				return true
			}
		}
		return false
	}
	data := templateData()
	for tpl := range templates {
		both, err := render(tpl, data, "")
		if err != nil {
			t.Fatal(err)
		}
		zh, err := render(tpl, data, Chinese)
		if err != nil {
			t.Fatal(err)
		}
		en, err := render(tpl, data, English)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(zh.Subject+zh.Body, "Dear") || strings.Contains(zh.Body, "Conference:") || strings.Contains(zh.Body, "automatic mail") ||
			strings.Contains(zh.Subject, " / ") || !strings.Contains(zh.Body, "您好") || !strings.Contains(zh.Body, "请勿回复") {
			t.Errorf("%s in Chinese:\n%s\n%s", tpl, zh.Subject, zh.Body)
		}
		quoted := strings.NewReplacer("张三", "", "某会议", "", "同意", "", "材料不全", "", "在华举办国际会议审批表", "")
		if han(quoted.Replace(en.Subject+en.Body)) || !strings.Contains(en.Body, "automatic mail") || strings.Contains(en.Subject, " / ") {
			t.Errorf("%s in English:\n%s\n%s", tpl, en.Subject, en.Body)
		}
		// Every line of the bilingual mail that carries data is in one of them.
		for _, w := range []string{"A Meeting", "123456", "2027-06-22"} {
			if strings.Contains(both.Body, w) && !strings.Contains(en.Body, w) {
				t.Errorf("%s in English lacks %q:\n%s", tpl, w, en.Body)
			}
		}
		for _, w := range []string{"某会议", "123456", "2027-06-22", "材料不全"} {
			if strings.Contains(both.Body, w) && !strings.Contains(zh.Body, w) {
				t.Errorf("%s in Chinese lacks %q:\n%s", tpl, w, zh.Body)
			}
		}
	}
	r, _ := render(ChangeRejected, data, English)
	if !strings.Contains(r.Body, "Reason: 材料不全") || !strings.Contains(r.Body, "Conference: A Meeting") {
		t.Errorf("English change rejection:\n%s", r.Body)
	}
	r, _ = render(ChangeRejected, data, Chinese)
	if !strings.Contains(r.Body, "驳回理由：材料不全") || !strings.Contains(r.Body, "会议：某会议") {
		t.Errorf("Chinese change rejection:\n%s", r.Body)
	}
}
