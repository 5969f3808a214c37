package declaration_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Shared table helpers.
var (
	outcome     = domaintest.Outcome
	fieldErrors = domaintest.SortedFieldErrors
)

// Fictional organisation tree and people; nothing here comes from the seeds.
var (
	authorityID  = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	universityID = uuid.MustParse("00000000-0000-4000-8000-00000000000b")
	unitID       = uuid.MustParse("00000000-0000-4000-8000-00000000000c")

	applicant      = domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: unitID, University: universityID, Authority: authorityID}
	otherApplicant = domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: unitID, University: universityID, Authority: authorityID}
	unitAdmin      = domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unitID, University: universityID, Authority: authorityID}
	schoolAdmin    = domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin, OrgID: universityID, University: universityID, Authority: authorityID}
	reviewer       = domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: authorityID, Authority: authorityID}
	auditor        = domain.Actor{UserID: uuid.New(), Role: domain.RoleAuditor, OrgID: authorityID, Authority: authorityID}
)

// shanghai is a wall-clock time in Asia/Shanghai.
func shanghai(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, domain.Shanghai)
}

func date(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

// submitDay is when the tests submit: Saturday 2026-10-31, 10:00 in Shanghai.
var submitDay = shanghai(2026, time.October, 31, 10, 0, 0)

var (
	pol   = policy.Default()
	rules = declaration.DefaultRules()
)

func file(name string) declaration.Attachment {
	return declaration.Attachment{ID: uuid.New(), SHA256: strings.Repeat("ab", 32), Name: name, ContentType: "application/pdf", Size: 2048}
}

// validForm is a complete, rule-abiding form: a general natural-science
// conference (40 foreign guests) starting 2027-04-20, more than 4 months
// after submitDay.
func validForm() declaration.Form {
	return declaration.Form{
		Applicant: declaration.Applicant{Name: "张三", StaffNo: "T0001", Title: "教授", Unit: "示例大学",
			Department: "材料科学与工程学院", Mobile: "13800000000", Email: "zhangsan@example.edu.cn"},
		Basic: declaration.Basic{
			NameZh: "计算材料学国际研讨会", NameEn: "International Workshop on Computational Materials",
			StartDate: date(2027, time.April, 20), EndDate: date(2027, time.April, 22),
			CommitmentDate: date(2027, time.January, 15),
			Location:       declaration.Local, Province: "湖北省", Address: "示例路1号",
			Type: classify.NaturalScience, Scale: classify.General,
		},
		Attendance: declaration.Attendance{Foreign: 40, Mainland: 100, HKMacaoTaiwan: 10},
		Hosting: []declaration.Organisation{
			{Role: forecast.Host, NameZh: "示例大学", NameEn: "Example University"},
			{Role: forecast.Organiser, NameZh: "示例大学材料学院", NameEn: "School of Materials, Example University"},
		},
		Budget: []declaration.BudgetLine{
			{Source: declaration.SelfRaised, Amount: "50000"},
			{Source: declaration.RegistrationFees, Amount: "80000.5"},
		},
		Content: declaration.Content{
			Theme:            "计算材料学的新方法",
			Topics:           []string{"第一性原理计算", "机器学习势函数"},
			PreviousEditions: []declaration.Edition{{Date: date(2025, time.May, 8), Place: "示例市", Host: "示例研究所", Attendees: 150, Foreign: 35}},
			TaiwanStatement:  "不涉及台湾问题，会议材料不出现“两个中国”或“一中一台”表述。",
			Background:       "促进计算材料学领域的国际交流与合作。",
		},
		People: declaration.People{
			Chairs:  []declaration.Person{{Name: "李四", Nationality: "中国", Institution: "示例大学", Title: "教授"}},
			Foreign: []declaration.Person{{Name: "Jane Roe", Nationality: "英国", Institution: "Example College", Title: "Professor"}},
		},
		Agenda: []declaration.AgendaItem{{Date: date(2027, time.April, 20), Time: "09:00-10:30", Participants: "全体代表", Content: "开幕式及大会报告"}},
		Contacts: []declaration.Contact{
			{Kind: declaration.ConferenceContact, Name: "王五", Phone: "027-87540000", Email: "wangwu@example.edu.cn"},
			{Kind: declaration.InternationalOfficeContact, Name: "赵六", Phone: "13900000000", Email: "zhaoliu@example.edu.cn"},
		},
	}
}

// approvedForecast is the snapshot of applicant's approved forecast.
func approvedForecast() declaration.ForecastSnapshot {
	f := validForm()
	return declaration.ForecastSnapshot{
		ID: uuid.New(), ApplicantID: applicant.UserID, Status: forecast.StatusApproved,
		Details: forecast.Details{
			Applicant: forecast.Applicant{Name: "张三", Title: "教授", Unit: "示例大学", Department: "材料科学与工程学院",
				Mobile: "13800000000", Email: "zhangsan@example.edu.cn"},
			NameZh: f.Basic.NameZh, NameEn: f.Basic.NameEn, StartDate: date(2027, time.April, 18),
			CommitmentDate: f.Basic.CommitmentDate, Local: true, Province: "湖北省", Address: "示例路1号",
			Type: classify.NaturalScience, Scale: classify.General, ChineseCount: 110, ForeignCount: 40,
			Organisations: []forecast.Organisation{{Role: forecast.Host, NameZh: "示例大学", NameEn: "Example University"}},
			FundingSource: "自筹",
		},
	}
}

// started is a draft started from approvedForecast.
func started(t *testing.T) *declaration.Declaration {
	t.Helper()
	d := declaration.New(uuid.New())
	if err := d.StartFromForecast(applicant, approvedForecast(), true, submitDay.AddDate(0, -1, 0)); err != nil {
		t.Fatalf("StartFromForecast: %v", err)
	}
	return d
}

// saveAll saves every section of f; each save must pass.
func saveAll(t *testing.T, d *declaration.Declaration, f declaration.Form) {
	t.Helper()
	now := submitDay.Add(-time.Hour)
	for name, err := range map[string]error{
		"applicant":  d.SaveApplicant(applicant, f.Applicant, pol, now),
		"basic":      d.SaveBasic(applicant, f.Basic, pol, rules, now),
		"attendance": d.SaveAttendance(applicant, f.Attendance, now),
		"hosting":    d.SaveHosting(applicant, f.Hosting, pol, now),
		"budget":     d.SaveBudget(applicant, f.Budget, pol, now),
		"statements": d.SaveStatements(applicant, f.Statements, now),
		"content":    d.SaveContent(applicant, f.Content, pol, now),
		"people":     d.SavePeople(applicant, f.People, pol, now),
		"agenda":     d.SaveAgenda(applicant, f.Agenda, pol, now),
		"contacts":   d.SaveContacts(applicant, f.Contacts, pol, now),
	} {
		if err != nil {
			t.Fatalf("save %s: %v", name, err)
		}
	}
}

// filled is a draft holding f.
func filled(t *testing.T, f declaration.Form) *declaration.Declaration {
	t.Helper()
	d := started(t)
	saveAll(t, d, f)
	return d
}

// submitted is a declaration of validForm submitted on submitDay.
func submitted(t *testing.T) *declaration.Declaration {
	t.Helper()
	d := filled(t, validForm())
	if err := d.Submit(applicant, true, nil, pol, rules, submitDay); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return d
}

// in builds a declaration in status s through the behaviour methods.
func in(t *testing.T, s declaration.Status) *declaration.Declaration {
	t.Helper()
	if s == declaration.StatusDraft {
		return filled(t, validForm())
	}
	d := submitted(t)
	now := submitDay.Add(24 * time.Hour)
	unit := func() error { return d.ApproveAtUnit(unitAdmin, "", now) }
	school := func() error { return d.ApproveAtSchool(schoolAdmin, "", now) }
	steps := map[declaration.Status][]func() error{
		declaration.StatusSubmitted:         nil,
		declaration.StatusUnitApproved:      {unit},
		declaration.StatusUnitRejected:      {func() error { return d.Reject(unitAdmin, "请补充日程", now) }},
		declaration.StatusSchoolApproved:    {unit, school},
		declaration.StatusSchoolRejected:    {unit, func() error { return d.Reject(schoolAdmin, "规模有误", now) }},
		declaration.StatusAuthorityApproved: {unit, school, func() error { return d.ApproveByAuthority(reviewer, "", now) }},
		declaration.StatusAuthorityRejected: {unit, school, func() error { return d.Reject(reviewer, "同期同主题会议", now) }},
		declaration.StatusWithdrawn:         {func() error { return d.Withdraw(applicant, "", now) }},
	}
	for _, step := range steps[s] {
		if err := step(); err != nil {
			t.Fatalf("building status %s: %v", s, err)
		}
	}
	if d.Status() != s {
		t.Fatalf("built status %s; want %s", d.Status(), s)
	}
	return d
}

// sameErrors compares field errors regardless of order.
func sameErrors(got, want []string) bool {
	want = slices.Clone(want)
	slices.Sort(want)
	return slices.Equal(got, want)
}
