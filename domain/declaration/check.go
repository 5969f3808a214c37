package declaration

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// checker runs the field rules of the form's sections (R-DECL-15). A draft
// save checks format only: types, lengths, negative numbers, amounts,
// dates in order. With full set, as on submit, missing fields are errors
// too.
type checker struct {
	pr   domain.Problems
	full bool
	p    policy.Policy
	r    Rules
}

// maxCount bounds counts so that sums cannot overflow; a shape limit.
const maxCount = 1_000_000

// required records a missing field, on submit only.
func (c *checker) required(path, rule string, missing bool) {
	if c.full && missing {
		c.pr.Add(path, rule, "required", "必填")
	}
}

// text checks a trimmed value's length, and its presence on submit.
func (c *checker) text(path, rule, value string, required bool, max int) {
	if value == "" {
		c.required(path, rule, required)
		return
	}
	c.pr.MaxChars(path, rule, value, max)
}

func (c *checker) short(path, rule, value string, required bool) {
	c.text(path, rule, value, required, c.p.Text.Short)
}

func (c *checker) long(path, rule, value string, required bool) {
	c.text(path, rule, value, required, c.p.Text.Long)
}

// count reports whether n is a usable count.
func (c *checker) count(path, rule string, n int) bool {
	switch {
	case n < 0:
		c.pr.Add(path, rule, "must not be negative", "不得为负数")
	case n > maxCount:
		c.pr.Add(path, "SCHEMA", fmt.Sprintf("must be at most %d", maxCount), fmt.Sprintf("不得超过%d", maxCount))
	default:
		return true
	}
	return false
}

// attachment checks a file reference; a missing one is an error of rule
// when required, on submit.
func (c *checker) attachment(path, rule string, a Attachment, required bool) {
	if a.IsZero() {
		c.required(path, rule, required)
		return
	}
	if a.ID == uuid.Nil {
		c.pr.Add(path+".id", "SCHEMA", "required", "必填")
	}
	if !isSHA256(a.SHA256) {
		c.pr.Add(path+".sha256", "SCHEMA", "must be 64 hexadecimal digits", "须为64位十六进制数字")
	}
	if a.Name == "" {
		c.pr.Add(path+".name", "SCHEMA", "required", "必填")
	} else {
		c.pr.MaxChars(path+".name", "SCHEMA", a.Name, c.p.Text.Short)
	}
	if a.ContentType == "" {
		c.pr.Add(path+".contentType", "SCHEMA", "required", "必填")
	} else {
		c.pr.MaxChars(path+".contentType", "SCHEMA", a.ContentType, c.p.Text.Short)
	}
	if a.Size <= 0 {
		c.pr.Add(path+".size", "SCHEMA", "must be at least 1 byte", "不得小于1字节")
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

func (c *checker) applicant(a Applicant) {
	const rule = "R-DECL-15"
	c.short("applicant.name", rule, a.Name, true)
	c.short("applicant.staffNo", rule, a.StaffNo, false)
	c.short("applicant.title", rule, a.Title, true)
	c.short("applicant.unit", rule, a.Unit, true)
	c.short("applicant.department", rule, a.Department, true)
	c.required("applicant.mobile", rule, a.Mobile == "")
	if a.Mobile != "" && !domain.ValidMobile(a.Mobile) {
		c.pr.Add("applicant.mobile", rule, "must be a mainland mobile number: 11 digits starting with 1", "须为11位大陆手机号码（以1开头）")
	}
	c.email("applicant.email", rule, a.Email)
}

func (c *checker) email(path, rule, value string) {
	c.required(path, rule, value == "")
	if value != "" && !domain.ValidEmail(value) {
		c.pr.Add(path, rule, "must be an email address such as name@example.org", "须为有效的电子邮件地址")
	}
}

// basic checks the basic information and returns the names' warnings.
func (c *checker) basic(b Basic) []domain.Warning {
	c.required("basic.nameZh", "R-FC-03", b.NameZh == "")
	if b.NameZh != "" && !strings.ContainsFunc(b.NameZh, isHan) {
		c.pr.Add("basic.nameZh", "R-FC-03", "must be written in Chinese", "须填写中文名称")
	}
	c.required("basic.nameEn", "R-FC-03", b.NameEn == "")
	if strings.ContainsFunc(b.NameEn, isHan) {
		c.pr.Add("basic.nameEn", "R-FC-03", "must not contain Chinese characters", "英文名称不得包含汉字")
	}
	warnings, err := c.p.Names.Check(b.NameZh, b.NameEn)
	c.pr.Merge("basic", err)
	for i := range warnings {
		warnings[i].Path = "basic." + warnings[i].Path
	}

	c.required("basic.startDate", "R-DECL-04", b.StartDate.IsZero())
	c.required("basic.endDate", "R-DECL-04", b.EndDate.IsZero())
	if !b.StartDate.IsZero() && !b.EndDate.IsZero() {
		if b.EndDate.Before(b.StartDate) {
			c.pr.Add("basic.endDate", "R-DECL-04",
				fmt.Sprintf("must not be before the start date %s", b.StartDate),
				fmt.Sprintf("结束日期不得早于开始日期（%s）", b.StartDate))
		} else if days := b.Days(); days > c.r.MaxDays {
			c.pr.Add("basic.endDate", "R-DECL-04",
				fmt.Sprintf("a conference lasts at most %d days; %s to %s is %d days", c.r.MaxDays, b.StartDate, b.EndDate, days),
				fmt.Sprintf("开会时间应在%d天以内，%s至%s共%d天", c.r.MaxDays, b.StartDate, b.EndDate, days))
		}
	}
	c.required("basic.commitmentDate", "R-DECL-04", b.CommitmentDate.IsZero())
	if !b.CommitmentDate.IsZero() && !b.StartDate.IsZero() && b.CommitmentDate.After(b.StartDate) {
		c.pr.Add("basic.commitmentDate", "R-DECL-04",
			fmt.Sprintf("must not be after the start date %s", b.StartDate),
			fmt.Sprintf("拟对外承诺日期不得晚于开会日期（%s）", b.StartDate))
	}

	c.required("basic.location", "R-DECL-07", b.Location == "")
	if b.Location != "" && !b.Location.Valid() {
		c.pr.Add("basic.location", "SCHEMA", "must be local or other_city", "须为本地或外地")
	}
	c.short("basic.province", "R-DECL-07", b.Province, true)
	c.short("basic.address", "R-DECL-07", b.Address, true)
	c.attachment("basic.localApproval", "R-DECL-07", b.LocalApproval, b.Location == OtherCity)

	c.required("basic.type", "R-CLS-01", b.Type == "")
	if b.Type != "" && !b.Type.Valid() {
		c.pr.Add("basic.type", "SCHEMA", "must be natural_science or social_science", "须为自然科学或人文社科")
	}
	c.required("basic.scale", "R-CLS-05", b.Scale == "")
	if b.Scale != "" && !b.Scale.Valid() {
		c.pr.Add("basic.scale", "SCHEMA", "must be small, general or major", "须为小型、一般或重大国际会议")
	}
	return warnings
}

// attendance reports whether every count is usable.
func (c *checker) attendance(a Attendance) bool {
	ok := c.count("attendance.foreign", "R-DECL-08", a.Foreign)
	ok = c.count("attendance.mainland", "R-DECL-08", a.Mainland) && ok
	ok = c.count("attendance.hkMacaoTaiwan", "R-DECL-08", a.HKMacaoTaiwan) && ok
	if ok && c.full && a.Foreign == 0 {
		c.pr.Add("attendance.foreign", "R-DECL-08", "an international conference expects foreign attendees", "国际会议须有外宾参加")
	}
	return ok
}

func (c *checker) hosting(orgs []Organisation) {
	hosts := 0
	for i, o := range orgs {
		path := fmt.Sprintf("hosting[%d]", i)
		c.required(path+".role", "R-DECL-09", o.Role == "")
		if o.Role != "" && !o.Role.Valid() {
			c.pr.Add(path+".role", "SCHEMA", "must be host, organiser, co_organiser or joint", "须为主办、承办、协办或合办")
		}
		if o.Role == forecast.Host {
			hosts++
		}
		c.short(path+".nameZh", "R-DECL-09", o.NameZh, true)
		c.short(path+".nameEn", "R-DECL-09", o.NameEn, true)
		c.short(path+".website", "R-DECL-20", o.Website, o.Foreign)
		c.attachment(path+".background", "R-DECL-20", o.Background, o.Foreign)
		if c.full && o.Foreign && !o.WebsiteChecked {
			c.pr.Add(path+".websiteChecked", "R-DECL-20",
				"state that the foreign organisation's website was checked",
				"须说明已事先查看境外合办机构的网站")
		}
	}
	if c.full && hosts == 0 {
		c.pr.Add("hosting", "R-DECL-09", "at least one host organisation is required", "须至少填写一个主办单位")
	}
}

func (c *checker) budget(lines []BudgetLine) {
	for i, l := range lines {
		path := fmt.Sprintf("budget[%d]", i)
		c.required(path+".source", "R-DECL-10", l.Source == "")
		if l.Source != "" && !l.Source.Valid() {
			c.pr.Add(path+".source", "SCHEMA",
				"must be self_raised, sponsorship, registration_fees, ministry_grant or other",
				"须为自筹、赞助费、与会人员注册费、部委或机构资助或其他")
		}
		c.required(path+".amount", "R-DECL-10", l.Amount == "")
		if l.Amount != "" {
			fen, err := ParseAmount(l.Amount)
			switch {
			case errors.Is(err, ErrAmountNegative):
				c.pr.Add(path+".amount", "R-DECL-10", "must not be negative", "不得为负数")
			case errors.Is(err, ErrAmountPrecision):
				c.pr.Add(path+".amount", "R-DECL-10", "at most two decimals (fen)", "金额最多保留两位小数（精确到分）")
			case errors.Is(err, ErrAmountTooLarge):
				c.pr.Add(path+".amount", "SCHEMA", "must be at most "+FormatFen(maxFen)+" yuan", "不得超过"+FormatFen(maxFen)+"元")
			case err != nil:
				c.pr.Add(path+".amount", "R-DECL-10", "must be an amount in yuan such as 12000.50", "须为以元为单位的金额，如12000.50")
			case c.full && fen == 0:
				c.pr.Add(path+".amount", "R-DECL-10", "must be more than 0", "须大于0")
			}
		}
		c.long(path+".explanation", "R-DECL-10", l.Explanation, l.Source == OtherSource)
	}
	if c.full && len(lines) == 0 {
		c.pr.Add("budget", "R-DECL-10", "at least one budget line is required", "须至少填写一条经费预算")
	}
}

// statements applies R-DECL-06 on submit: such conferences are not
// declared online.
func (c *checker) statements(s Statements) {
	if !c.full {
		return
	}
	for _, x := range []struct {
		on           bool
		path, en, zh string
	}{
		{s.Flags.NationalLeaders, "statements.flags.nationalLeaders", "national leaders are invited", "邀请党和国家领导人出席"},
		{s.Flags.ForeignMinisters, "statements.flags.foreignMinisters", "foreign dignitaries or former dignitaries are invited", "邀请外国政要或前政要出席"},
	} {
		if x.on {
			c.pr.Add(x.path, "R-DECL-06",
				x.en+": such a conference is not declared online; a separate paper request is required",
				x.zh+"的国际会议不在线申报，需另文报批（纸质请示文）")
		}
	}
}

func (c *checker) content(ct Content) {
	const rule = "R-DECL-12"
	c.long("content.theme", rule, ct.Theme, true)
	for i, t := range ct.Topics {
		c.short(fmt.Sprintf("content.topics[%d]", i), rule, t, true)
	}
	if c.full && len(ct.Topics) == 0 {
		c.pr.Add("content.topics", rule, "at least one topic is required", "须至少填写一个会议议题")
	}
	for i, e := range ct.PreviousEditions {
		path := fmt.Sprintf("content.previousEditions[%d]", i)
		c.required(path+".date", rule, e.Date.IsZero())
		c.short(path+".place", rule, e.Place, true)
		c.short(path+".host", rule, e.Host, true)
		okA := c.count(path+".attendees", rule, e.Attendees)
		if c.count(path+".foreign", rule, e.Foreign) && okA && e.Foreign > e.Attendees {
			c.pr.Add(path+".foreign", rule,
				fmt.Sprintf("must not exceed the attendees (%d)", e.Attendees),
				fmt.Sprintf("不得超过会议规模（%d人）", e.Attendees))
		}
	}
	c.long("content.taiwanStatement", rule, ct.TaiwanStatement, true)
	c.long("content.background", rule, ct.Background, true)
}

func (c *checker) people(p People) {
	const rule = "R-DECL-13"
	for _, g := range p.groups() {
		for i, x := range *g.list {
			path := fmt.Sprintf("people.%s[%d]", g.name, i)
			c.short(path+".name", rule, x.Name, true)
			c.short(path+".nationality", rule, x.Nationality, true)
			c.short(path+".institution", rule, x.Institution, true)
			c.short(path+".title", rule, x.Title, true)
		}
	}
	if c.full && len(p.Chairs) == 0 {
		c.pr.Add("people.chairs", rule, "at least one chair is required", "须至少填写一位会议主席")
	}
}

func (c *checker) agenda(items []AgendaItem) {
	const rule = "R-DECL-14"
	for i, x := range items {
		path := fmt.Sprintf("agenda[%d]", i)
		c.required(path+".date", rule, x.Date.IsZero())
		c.short(path+".time", rule, x.Time, true)
		c.long(path+".participants", rule, x.Participants, true)
		c.long(path+".content", rule, x.Content, true)
	}
	if c.full && len(items) == 0 {
		c.pr.Add("agenda", rule, "at least one agenda item is required", "须至少填写一项会议日程")
	}
}

func (c *checker) contacts(cs []Contact) {
	const rule = "R-DECL-14"
	seen := map[ContactKind]bool{}
	for i, x := range cs {
		path := fmt.Sprintf("contacts[%d]", i)
		c.required(path+".kind", rule, x.Kind == "")
		if x.Kind != "" && !x.Kind.Valid() {
			c.pr.Add(path+".kind", "SCHEMA", "must be conference or international_office", "须为会议联系人或国际处联系人")
		}
		seen[x.Kind] = true
		c.short(path+".name", rule, x.Name, true)
		c.required(path+".phone", rule, x.Phone == "")
		if x.Phone != "" && !validPhone(x.Phone) {
			c.pr.Add(path+".phone", rule,
				"must be a phone number: 7 to 20 digits, with optional +, -, spaces and parentheses",
				"须为电话号码：7至20位数字，可含+、-、空格和括号")
		}
		c.email(path+".email", rule, x.Email)
	}
	if c.full && !seen[ConferenceContact] {
		c.pr.Add("contacts", rule, "at least one conference contact is required", "须至少填写一位会议联系人")
	}
	if c.full && !seen[InternationalOfficeContact] {
		c.pr.Add("contacts", rule, "at least one international-office contact is required", "须至少填写一位国际处联系人")
	}
}

// validPhone accepts office and mobile numbers as written in China:
// "027-87541234", "+86 10 1234 5678", "(010)12345678".
func validPhone(s string) bool {
	n := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			n++
		case r == '+' || r == '-' || r == ' ' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return n >= 7 && n <= 20
}

// crossSection applies, on submit, the rules that read several sections.
func (c *checker) crossSection(f Form, countsOK bool, direct bool, today domain.Date) {
	b := f.Basic
	c.category(f, countsOK)
	if direct && countsOK {
		c.small(f, "R-DECL-01")
	}
	if countsOK {
		checkLead(c, f, today)
	}
	if !b.CommitmentDate.IsZero() && b.CommitmentDate.Before(today) {
		c.pr.Add("basic.commitmentDate", "R-DECL-04",
			fmt.Sprintf("nothing may be announced before the authority approves; the planned commitment date %s has passed (today is %s)", b.CommitmentDate, today),
			fmt.Sprintf("获得上级主管部门批复前不得对外承诺举办会议，拟对外承诺日期（%s）已过（今天是%s）", b.CommitmentDate, today))
	}
	for i, e := range f.Content.PreviousEditions {
		if !e.Date.IsZero() && !b.StartDate.IsZero() && !e.Date.Before(b.StartDate) {
			c.pr.Add(fmt.Sprintf("content.previousEditions[%d].date", i), "R-DECL-12",
				fmt.Sprintf("a previous edition is before this one (%s)", b.StartDate),
				fmt.Sprintf("往届会议时间须早于本届开会日期（%s）", b.StartDate))
		}
	}
	if b.Days() > 0 {
		for i, x := range f.Agenda {
			if !x.Date.IsZero() && (x.Date.Before(b.StartDate) || x.Date.After(b.EndDate)) {
				c.pr.Add(fmt.Sprintf("agenda[%d].date", i), "R-DECL-14",
					fmt.Sprintf("must fall within the conference, %s to %s", b.StartDate, b.EndDate),
					fmt.Sprintf("须在会议日期（%s至%s）之内", b.StartDate, b.EndDate))
			}
		}
	}
}

// category checks the declared scale against the one computed from the
// type, counts and flags (R-CLS-05).
func (c *checker) category(f Form, countsOK bool) {
	b := f.Basic
	if b.Type.Valid() && b.Scale.Valid() && countsOK {
		c.pr.Merge("basic", classify.CheckDeclared(c.p, b.Scale, b.Type, f.Attendance.Foreign, f.Attendance.Total(), f.Statements.Flags))
	}
}

// CheckConference checks the values that make a conference what it is —
// names, dates, place and its approval, type, attendance, declared scale
// against the computed category, theme — with the rules a submission
// applies to them (R-FC-03, R-DECL-03, R-DECL-04, R-DECL-07, R-DECL-08,
// R-DECL-12, R-CLS-05), every field required. A change of an approved
// conference (R-CHG-04) calls it so that its new values meet the
// declaration's own rules, not a copy of them. Lead times are not checked:
// they bind the submission, not a later change. Paths are the form's
// ("basic.nameZh", "attendance.foreign", "content.theme"); the warnings
// are the names' (R-FC-03).
func CheckConference(p policy.Policy, r Rules, f Form) ([]domain.Warning, error) {
	c := &checker{p: p, r: r, full: true}
	warnings := c.basic(f.Basic)
	countsOK := c.attendance(f.Attendance)
	c.long("content.theme", "R-DECL-12", f.Content.Theme, true)
	c.category(f, countsOK)
	return warnings, c.pr.Err()
}

// CheckAttachment checks the shape of a file reference at path; the file
// store checks that it exists and matches.
func CheckAttachment(p policy.Policy, path string, a Attachment) error {
	c := &checker{p: p}
	c.attachment(path, "SCHEMA", a, true)
	if a.IsZero() {
		c.pr.Add(path+".id", "SCHEMA", "required", "必填")
	}
	return c.pr.Err()
}

// small adds the reasons a form is not a small natural-science conference
// (R-CLS-02), each on the field that causes it, under rule.
func (c *checker) small(f Form, rule string) {
	b, att := f.Basic, f.Attendance
	if b.Type != classify.NaturalScience {
		if b.Type != "" {
			c.pr.Add("basic.type", rule,
				"only a small natural-science conference is declared without a forecast",
				"仅小型自然科学技术类国际会议可不预报直接申报")
		} else {
			c.pr.Add("basic.type", rule, "required", "必填")
		}
		return
	}
	res := classify.Classify(c.p, b.Type, att.Foreign, att.Total(), f.Statements.Flags)
	if res.Scale == classify.Small {
		return
	}
	for _, x := range res.Reasons {
		path := "attendance"
		switch {
		case x.Rule == "R-CLS-03":
			continue // why it is not major; the R-CLS-02 reason says why it is not small
		case strings.HasPrefix(x.Threshold, "foreign"):
			path = "attendance.foreign"
		case strings.HasPrefix(x.Threshold, "flag "):
			path = "statements.flags." + strings.TrimPrefix(x.Threshold, "flag ")
		}
		c.pr.Add(path, rule,
			"only a small natural-science conference is declared without a forecast: "+x.Message,
			"未预报的会议须为小型自然科学技术类国际会议："+x.Zh)
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
