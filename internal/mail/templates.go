package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
	"text/template"
	"time"
)

// Template names a mail; each has a Chinese and an English part, Chinese
// first.
type Template string

const (
	ActivationCode    Template = "activation_code"
	PasswordResetCode Template = "password_reset_code"
	// AccountExists tells an account's holder that someone registered with
	// their address: the registration answer itself does not say so.
	AccountExists             Template = "account_exists"
	ForecastApprovedUnit      Template = "forecast_approved_unit"
	ForecastApprovedSchool    Template = "forecast_approved_school"
	ForecastApprovedAuthority Template = "forecast_approved_authority"
	ForecastRejected          Template = "forecast_rejected"
	// DeclarationApprovedUnit tells the applicant to download the approval
	// form for signatures once the unit approved the declaration (R-DECL-17).
	DeclarationApprovedUnit      Template = "declaration_approved_unit"
	DeclarationApprovedSchool    Template = "declaration_approved_school"
	DeclarationApprovedAuthority Template = "declaration_approved_authority"
	DeclarationRejected          Template = "declaration_rejected"
	// ChangeApproved and ChangeRejected tell the applicant the school's
	// decision on a change request (R-CHG-04).
	ChangeApproved Template = "change_approved"
	ChangeRejected Template = "change_rejected"
	// SummaryAccepted and SummaryReturned tell the applicant the school's
	// decision on the conference summary (R-SUM-04).
	SummaryAccepted Template = "summary_accepted"
	SummaryReturned Template = "summary_returned"
	// DeadlineReminder reminds whoever must act of a coming due date: the
	// applicant of the summary (R-SUM-02) and the NGO filing (R-DECL-11),
	// the school admins of the filing with the authority (R-DECL-05).
	DeadlineReminder Template = "deadline_reminder"
	// SummaryOverdue tells the applicant the summary is late and new
	// declarations are blocked until it is in (R-SUM-02).
	SummaryOverdue Template = "summary_overdue"
	// FilingOverdue tells the school admins the university has not passed
	// a declaration by the day it files with the authority (R-DECL-05).
	FilingOverdue Template = "filing_overdue"
	// NGOFilingOverdue tells the applicant the overseas NGO's temporary
	// activity was not confirmed as filed in time (R-DECL-11).
	NGOFilingOverdue Template = "ngo_filing_overdue"
	// FundingSummaryOverdue tells an institute's administrators that a
	// funded conference's summary report is late and the institute may not
	// apply to the next call until it is in (R-FUND-06). Its reminders are
	// DeadlineReminder's.
	FundingSummaryOverdue Template = "funding_summary_overdue"
)

type bilingual struct {
	subject *template.Template
	body    *template.Template
}

func mustBilingual(subject, body string) bilingual {
	return bilingual{
		subject: template.Must(template.New("subject").Option("missingkey=error").Parse(subject)),
		body:    template.Must(template.New("body").Option("missingkey=error").Parse(body)),
	}
}

const signature = `
——
econf 会议审批平台（系统邮件，请勿回复）
econf conference approvals (automatic mail, please do not reply)
`

const forecastLine = `会议：{{.nameZh}}
Conference: {{.nameEn}}
`

var templates = map[Template]bilingual{
	ChangeApproved: mustBilingual(`会议变更申请已通过 / Change request approved`,
		`{{.name}}，您好：

您的会议变更申请已通过学校国际处审核，会议信息已按申请变更。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your change request was approved by the university's international office; the conference now shows the new values.
`+signature),
	ChangeRejected: mustBilingual(`会议变更申请被驳回 / Change request rejected`,
		`{{.name}}，您好：

您的会议变更申请被学校国际处驳回，会议仍按原获批信息举办。被驳回的申请同样计入变更次数。
`+forecastLine+`驳回理由 / Reason: {{.reason}}

Dear {{.name}},

your change request was rejected by the university's international office; the conference keeps the values it was approved with. A rejected request still counts as the conference's change request.
`+signature),
	SummaryAccepted: mustBilingual(`会议总结已审核通过 / Conference summary accepted`,
		`{{.name}}，您好：

您提交的会议总结已通过学校国际处审核。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your conference summary was accepted by the university's international office.
`+signature),
	SummaryReturned: mustBilingual(`会议总结被退回修改 / Conference summary returned for revision`,
		`{{.name}}，您好：

您提交的会议总结被学校国际处退回，请根据意见修改后重新提交。
`+forecastLine+`退回理由 / Reason: {{.reason}}

Dear {{.name}},

your conference summary was returned by the university's international office; please revise it as asked and submit it again.
`+signature),
	DeadlineReminder: mustBilingual(`截止日期提醒：{{.kindZh}} {{.dueDate}} / Deadline reminder: {{.kindEn}} {{.dueDate}}`,
		`{{.name}}，您好：

{{if eq .days "0"}}今天（{{.dueDate}}）是{{.kindZh}}。{{else}}距{{.kindZh}}（{{.dueDate}}）还有{{.days}}天。{{end}}{{.todoZh}}
`+forecastLine+`
Dear {{.name}},

{{if eq .days "0"}}today ({{.dueDate}}) is the {{.kindEn}}.{{else}}the {{.kindEn}} ({{.dueDate}}) is {{.days}} day(s) away.{{end}} {{.todoEn}}
`+signature),
	SummaryOverdue: mustBilingual(`会议总结已逾期 / Conference summary overdue`,
		`{{.name}}，您好：

您的会议总结应于{{.dueDate}}前提交，现已逾期。在提交总结之前，您不能提交新的会议申报。请尽快登录 econf 填写并提交会议总结。
`+forecastLine+`
Dear {{.name}},

your conference summary was due by {{.dueDate}} and is overdue. Until it is submitted, you cannot submit new conference declarations. Please sign in to econf and submit the summary as soon as you can.
`+signature),
	FundingSummaryOverdue: mustBilingual(`资助会议总结报告已逾期 / Funded conference's summary report overdue`,
		`{{.name}}，您好：

以下资助会议的总结报告应于{{.dueDate}}前提交，现已逾期。在提交总结报告之前，本单位不能申请下一年度的国际会议资助。请尽快登录 econf 提交总结报告。
`+forecastLine+`
Dear {{.name}},

the summary report of the following funded conference was due by {{.dueDate}} and is overdue. Until it is filed, your institute cannot apply to the next year's call for conference funding. Please sign in to econf and file the report as soon as you can.
`+signature),
	FilingOverdue: mustBilingual(`会议申报报批已逾期 / Filing with the authority overdue`,
		`{{.name}}，您好：

以下会议申报应于{{.dueDate}}前由学校报送上级主管部门，截至目前学校尚未审核通过，已逾期。请尽快处理。
`+forecastLine+`
Dear {{.name}},

the university was to file the following declaration with the authority by {{.dueDate}}, and has not approved it yet: it is overdue. Please deal with it as soon as you can.
`+signature),
	NGOFilingOverdue: mustBilingual(`境外非政府组织临时活动备案已逾期 / Overseas NGO filing overdue`,
		`{{.name}}，您好：

会议涉及境外非政府组织在华临时活动，须于{{.dueDate}}前向省级公安机关备案，econf 中尚无备案确认，已逾期。请尽快备案并在 econf 中确认备案。
`+forecastLine+`
Dear {{.name}},

the overseas NGO's temporary activity at your conference had to be filed with the provincial public security bureau by {{.dueDate}}; econf has no confirmation of the filing, so it is overdue. Please file it and confirm the filing in econf as soon as you can.
`+signature),
	DeclarationApprovedSchool: mustBilingual(`会议申报已通过学校审核 / Declaration approved by the university`,
		`{{.name}}，您好：

您的国际会议申报已通过学校国际处审核，学校将按规定向上级主管部门报送请示。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your conference declaration was approved by the university's international office, which now files the request with the authority.
`+signature),
	DeclarationApprovedAuthority: mustBilingual(`会议申报已获批 / Declaration approved by the authority`,
		`{{.name}}，您好：

您的国际会议申报已获上级主管部门批准。获批后如需变更会议名称、主题、性质、规模、地点或时间，须在原定会议时间前2个月提出变更申请；会议结束后2个月内须提交会议总结。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your conference declaration was approved by the authority. Any change of name, theme, nature, scale, place or dates must be requested at least 2 months before the original start; the summary is due within 2 months after the conference.
`+signature),
	DeclarationRejected: mustBilingual(`会议申报被驳回 / Declaration rejected`,
		`{{.name}}，您好：

您的国际会议申报被{{.stageZh}}驳回，请根据意见修改后重新提交。
`+forecastLine+`驳回理由 / Reason: {{.reason}}

Dear {{.name}},

your conference declaration was rejected by {{.stageEn}}; please revise it as asked and submit it again.
`+signature),
	DeclarationApprovedUnit: mustBilingual(`会议申报已通过单位初审，请下载审批表 / Declaration approved by your unit: download the approval form`,
		`{{.name}}，您好：

您的国际会议申报已通过单位初审。请登录 econf 下载《在华举办国际会议审批表》，经学院负责人、党委负责人签字并加盖公章后，按学校要求报送审核。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your conference declaration was approved by your unit. Sign in to econf and download the approval form (在华举办国际会议审批表); have it signed and stamped by your school's heads and send it on as the university asks.
`+signature),
	ActivationCode: mustBilingual(`econf 注册激活码 / Activation code: {{.code}}`,
		`{{.name}}，您好：

您的 econf 账号激活码为 {{.code}}，{{.minutes}} 分钟内有效。如非本人操作，请忽略本邮件。

Dear {{.name}},

your econf activation code is {{.code}}; it is valid for {{.minutes}} minutes. If you did not register, ignore this mail.
`+signature),
	AccountExists: mustBilingual(`econf 注册提醒：该邮箱已有账号 / Your address already has an econf account`,
		`{{.name}}，您好：

有人使用您的邮箱申请注册 econf 账号，但该邮箱已有账号，因此未创建新账号。如是您本人，请直接登录；如忘记密码，可在登录页选择“忘记密码”重置。如非本人操作，请忽略本邮件，您的账号不受影响。

Dear {{.name}},

someone asked to register an econf account with your address. The address already has an account, so no new one was made. If it was you, sign in; if you forgot your password, reset it from the sign-in page. If it was not you, ignore this mail: your account is unchanged.
`+signature),
	PasswordResetCode: mustBilingual(`econf 密码重置验证码 / Password reset code: {{.code}}`,
		`您好：

您正在重置 econf 账号密码，验证码为 {{.code}}，{{.minutes}} 分钟内有效。如非本人操作，请忽略本邮件，您的密码不会改变。

Hello,

the code to reset your econf password is {{.code}}; it is valid for {{.minutes}} minutes. If you did not ask for it, ignore this mail: your password stays as it is.
`+signature),
	ForecastApprovedUnit: mustBilingual(`预报已通过单位初审 / Forecast approved by your unit`,
		`{{.name}}，您好：

您的会议预报已通过单位初审，已提交学校国际处审核。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your forecast was approved by your unit and goes on to the university's international office.
`+signature),
	ForecastApprovedSchool: mustBilingual(`预报已通过学校审核 / Forecast approved by the university`,
		`{{.name}}，您好：

您的会议预报已通过学校国际处审核，已报送上级主管部门。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your forecast was approved by the university's international office and goes on to the authority.
`+signature),
	ForecastApprovedAuthority: mustBilingual(`预报审核通过 / Forecast approved into the plan`,
		`{{.name}}，您好：

您的会议预报已经上级主管部门审核通过，列入下一年度计划。
`+forecastLine+`{{with .comment}}意见 / Comment: {{.}}
{{end}}
Dear {{.name}},

your forecast was approved by the authority and is in next year's plan.
`+signature),
	ForecastRejected: mustBilingual(`预报被驳回 / Forecast rejected`,
		`{{.name}}，您好：

您的会议预报被{{.stageZh}}驳回，请根据意见修改后重新提交。
`+forecastLine+`驳回理由 / Reason: {{.reason}}

Dear {{.name}},

your forecast was rejected by {{.stageEn}}; please revise it as asked and submit it again.
`+signature),
}

// rendered is a mail ready to send.
type rendered struct {
	Subject string
	Body    string
}

// render writes mail t in lang (zh or en; "" both, Chinese first).
func render(t Template, data map[string]string, lang string) (rendered, error) {
	tpl, ok := templates[t]
	if !ok {
		return rendered{}, fmt.Errorf("mail: unknown template %q", t)
	}
	var subj, body bytes.Buffer
	if err := tpl.subject.Execute(&subj, data); err != nil {
		return rendered{}, fmt.Errorf("mail %s subject: %w", t, err)
	}
	if err := tpl.body.Execute(&body, data); err != nil {
		return rendered{}, fmt.Errorf("mail %s body: %w", t, err)
	}
	return monolingual(rendered{Subject: strings.TrimSpace(subj.String()), Body: body.String()}, lang), nil
}

// compose builds the RFC 5322 message: UTF-8 text, base64 encoded, with a
// Message-ID derived from the dedupe key so that a mail resent after a crash
// between the SMTP answer and the outbox update can be recognised as the
// same message by the receiving side.
func compose(from, to, dedupeKey string, r rendered, at time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from)
	h("To", to)
	h("Subject", mime.BEncoding.Encode("UTF-8", r.Subject))
	h("Date", at.Format(time.RFC1123Z))
	h("Message-ID", "<"+strings.ReplaceAll(dedupeKey, ":", ".")+"@econf>")
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="UTF-8"`)
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(r.Body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
