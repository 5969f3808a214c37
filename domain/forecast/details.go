package forecast

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/policy"
)

// Details is what the applicant fills in (R-FC-04).
type Details struct {
	Applicant Applicant `json:"applicant"`
	NameZh    string    `json:"nameZh"`
	NameEn    string    `json:"nameEn"`
	// StartDate is the approximate first day; it must fall in the plan year
	// (R-FC-02).
	StartDate domain.Date `json:"startDate"`
	// CommitmentDate (拟对外承诺日期) is when the first announcement goes out,
	// or when the bid is made to the foreign side.
	CommitmentDate domain.Date `json:"commitmentDate"`
	// Local is true when the conference is held in the applicant's city;
	// hosting elsewhere needs OffsiteJustification (原则上不得异地办会).
	Local                bool           `json:"local"`
	Province             string         `json:"province"`
	Address              string         `json:"address"`
	OffsiteJustification string         `json:"offsiteJustification,omitempty" text:"multiline"`
	Type                 classify.Type  `json:"type"`
	Scale                classify.Scale `json:"scale"` // declared; checked against the computed one (R-CLS-05)
	ChineseCount         int            `json:"chineseCount"`
	ForeignCount         int            `json:"foreignCount"`
	Flags                classify.Flags `json:"flags"`
	Organisations        []Organisation `json:"organisations"`
	FundingSource        string         `json:"fundingSource"`
	Remarks              string         `json:"remarks,omitempty" text:"multiline"`
}

// Applicant identifies who applies. The email may be any address (R-FC-04),
// not only the institutional one.
type Applicant struct {
	Name       string `json:"name" personal:"field"`
	StaffNo    string `json:"staffNo,omitempty" personal:"field"`
	Title      string `json:"title"`
	Unit       string `json:"unit"`       // 申报单位
	Department string `json:"department"` // 所在院系
	Mobile     string `json:"mobile" personal:"field"`
	Email      string `json:"email" personal:"key"`
}

// HostingRole is how an organisation takes part in hosting (R-FC-04).
type HostingRole string

const (
	Host        HostingRole = "host"         // 主办：发起单位
	Organiser   HostingRole = "organiser"    // 承办：具体实施单位
	CoOrganiser HostingRole = "co_organiser" // 协办：提供协助或赞助
	Joint       HostingRole = "joint"        // 合办
)

// Valid reports whether r is a known role.
func (r HostingRole) Valid() bool {
	switch r {
	case Host, Organiser, CoOrganiser, Joint:
		return true
	}
	return false
}

// Organisation is one hosting organisation with its full names.
type Organisation struct {
	Role   HostingRole `json:"role"`
	NameZh string      `json:"nameZh"`
	NameEn string      `json:"nameEn"`
}

// Total is the expected attendance, Chinese and foreign.
func (d Details) Total() int { return d.ChineseCount + d.ForeignCount }

// maxCount bounds attendee estimates so that sums cannot overflow; it is a
// shape limit, not a business rule.
const maxCount = 1_000_000

// normalized trims every text field; recorded details are always trimmed.
func (d Details) normalized() Details {
	t := strings.TrimSpace
	a := &d.Applicant
	a.Name, a.StaffNo, a.Title, a.Unit, a.Department, a.Mobile, a.Email =
		t(a.Name), t(a.StaffNo), t(a.Title), t(a.Unit), t(a.Department), t(a.Mobile), t(a.Email)
	d.NameZh, d.NameEn = t(d.NameZh), t(d.NameEn)
	d.Province, d.Address, d.OffsiteJustification = t(d.Province), t(d.Address), t(d.OffsiteJustification)
	d.FundingSource, d.Remarks = t(d.FundingSource), t(d.Remarks)
	orgs := make([]Organisation, len(d.Organisations))
	for i, o := range d.Organisations {
		orgs[i] = Organisation{Role: o.Role, NameZh: t(o.NameZh), NameEn: t(o.NameEn)}
	}
	d.Organisations = orgs
	return d
}

// Validate checks d against every field rule for a forecast of planYear and
// returns all problems at once as a *domain.ValidationError; warnings
// (discouraged names, off-site hosting) never block.
func Validate(p policy.Policy, d Details, planYear int) (warnings []domain.Warning, err error) {
	d = d.normalized()
	var pr domain.Problems
	short, long := p.Text.Short, p.Text.Long
	text := func(path, rule, value string, required bool, max int) {
		if !required || pr.Required(path, rule, value) {
			pr.MaxChars(path, rule, value, max)
		}
	}

	a := d.Applicant
	text("applicant.name", "R-FC-04", a.Name, true, short)
	text("applicant.staffNo", "R-FC-04", a.StaffNo, false, short) // optional, as at registration (R-ACT-03)
	text("applicant.title", "R-FC-04", a.Title, true, short)
	text("applicant.unit", "R-FC-04", a.Unit, true, short)
	text("applicant.department", "R-FC-04", a.Department, true, short)
	if pr.Required("applicant.mobile", "R-FC-04", a.Mobile) && !domain.ValidMobile(a.Mobile) {
		pr.Add("applicant.mobile", "R-FC-04",
			"must be a mainland mobile number: 11 digits starting with 1",
			"须为11位大陆手机号码（以1开头）")
	}
	if pr.Required("applicant.email", "R-FC-04", a.Email) && !domain.ValidEmail(a.Email) {
		pr.Add("applicant.email", "R-FC-04", "must be an email address such as name@example.org", "须为有效的电子邮件地址")
	}

	if pr.Required("nameZh", "R-FC-03", d.NameZh) && !strings.ContainsFunc(d.NameZh, isHan) {
		pr.Add("nameZh", "R-FC-03", "must be written in Chinese", "须填写中文名称")
	}
	if pr.Required("nameEn", "R-FC-03", d.NameEn) && strings.ContainsFunc(d.NameEn, isHan) {
		pr.Add("nameEn", "R-FC-03", "must not contain Chinese characters", "英文名称不得包含汉字")
	}
	nameWarnings, nameErr := p.Names.Check(d.NameZh, d.NameEn)
	warnings = append(warnings, nameWarnings...)
	pr.Merge("", nameErr)

	if d.StartDate.IsZero() {
		pr.Add("startDate", "R-FC-04", "required", "必填")
	} else if d.StartDate.Year != planYear {
		pr.Add("startDate", "R-FC-02",
			fmt.Sprintf("must fall in %d, the plan year", planYear),
			fmt.Sprintf("开会时间须在计划年度（%d年）内", planYear))
	}
	if d.CommitmentDate.IsZero() {
		pr.Add("commitmentDate", "R-FC-04", "required", "必填")
	} else if !d.StartDate.IsZero() && d.CommitmentDate.After(d.StartDate) {
		pr.Add("commitmentDate", "R-FC-04",
			fmt.Sprintf("must not be after the start date %s", d.StartDate),
			fmt.Sprintf("拟对外承诺日期不得晚于开会时间（%s）", d.StartDate))
	}

	text("province", "R-FC-04", d.Province, true, short)
	text("address", "R-FC-04", d.Address, true, short)
	text("offsiteJustification", "R-FC-04", d.OffsiteJustification, !d.Local, long)
	if !d.Local {
		warnings = append(warnings, domain.Warning{Path: "local", Rule: "R-FC-04",
			Message: "hosting outside the applicant's city is discouraged",
			Zh:      "原则上不得异地办会"})
	}

	typeOK, scaleOK := false, false
	if pr.Required("type", "R-CLS-01", string(d.Type)) {
		if typeOK = d.Type.Valid(); !typeOK {
			pr.Add("type", "SCHEMA", "must be natural_science or social_science", "须为自然科学或人文社科")
		}
	}
	if pr.Required("scale", "R-FC-04", string(d.Scale)) {
		if scaleOK = d.Scale.Valid(); !scaleOK {
			pr.Add("scale", "SCHEMA", "must be small, general or major", "须为小型、一般或重大国际会议")
		}
	}
	countsOK := count(&pr, "chineseCount", d.ChineseCount)
	countsOK = count(&pr, "foreignCount", d.ForeignCount) && countsOK
	if typeOK && scaleOK && countsOK {
		pr.Merge("", classify.CheckDeclared(p, d.Scale, d.Type, d.ForeignCount, d.Total(), d.Flags))
	}

	hosts := 0
	for i, o := range d.Organisations {
		path := fmt.Sprintf("organisations[%d]", i)
		if !o.Role.Valid() {
			pr.Add(path+".role", "SCHEMA", "must be host, organiser, co_organiser or joint", "须为主办、承办、协办或合办")
		}
		if o.Role == Host {
			hosts++
		}
		text(path+".nameZh", "R-FC-04", o.NameZh, true, short)
		text(path+".nameEn", "R-FC-04", o.NameEn, true, short)
	}
	if hosts == 0 {
		pr.Add("organisations", "R-FC-04", "at least one host organisation is required", "须至少填写一个主办单位")
	}

	text("fundingSource", "R-FC-04", d.FundingSource, true, short)
	text("remarks", "R-FC-04", d.Remarks, false, long)
	return warnings, pr.Err()
}

func count(pr *domain.Problems, path string, n int) bool {
	switch {
	case n < 0:
		pr.Add(path, "R-FC-04", "must not be negative", "不得为负数")
	case n > maxCount:
		pr.Add(path, "SCHEMA", fmt.Sprintf("must be at most %d", maxCount), fmt.Sprintf("不得超过%d", maxCount))
	default:
		return true
	}
	return false
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
