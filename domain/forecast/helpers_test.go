package forecast_test

import (
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Shared table helpers.
var (
	outcome     = domaintest.Outcome
	fieldErrors = domaintest.FieldErrors
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
	platformAdmin  = domain.Actor{UserID: uuid.New(), Role: domain.RolePlatformAdmin, OrgID: authorityID, Authority: authorityID}
)

// shanghai is a wall-clock time in Asia/Shanghai.
func shanghai(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, domain.Shanghai)
}

// inWindow is a moment inside the default 2027 forecast window.
var inWindow = shanghai(2026, time.September, 15, 10, 0, 0)

func date(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

// validDetails is a complete, rule-abiding forecast for plan year 2027.
func validDetails() forecast.Details {
	return forecast.Details{
		Applicant: forecast.Applicant{
			Name: "张三", StaffNo: "T0001", Title: "教授", Unit: "示例大学",
			Department: "材料科学与工程学院", Mobile: "13800000000", Email: "zhangsan@example.edu.cn",
		},
		NameZh:         "计算材料学国际研讨会",
		NameEn:         "International Workshop on Computational Materials",
		StartDate:      date(2027, time.May, 10),
		CommitmentDate: date(2027, time.January, 15),
		Local:          true,
		Province:       "北京市",
		Address:        "示例路1号",
		Type:           classify.NaturalScience,
		Scale:          classify.General,
		ChineseCount:   120,
		ForeignCount:   40,
		Organisations: []forecast.Organisation{
			{Role: forecast.Host, NameZh: "示例大学", NameEn: "Example University"},
			{Role: forecast.Organiser, NameZh: "示例大学材料科学与工程学院", NameEn: "School of Materials Science, Example University"},
		},
		FundingSource: "自筹及注册费",
	}
}

// submitted is a forecast submitted by applicant inside the window.
func submitted(t *testing.T) *forecast.Forecast {
	t.Helper()
	f := forecast.New(uuid.New())
	if err := f.Submit(applicant, validDetails(), policy.Default(), inWindow); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return f
}

// in builds a forecast in status s through the behaviour methods.
func in(t *testing.T, s forecast.Status) *forecast.Forecast {
	t.Helper()
	f := submitted(t)
	now := inWindow.Add(24 * time.Hour)
	steps := map[forecast.Status][]func() error{
		forecast.StatusSubmitted:    nil,
		forecast.StatusUnitApproved: {func() error { return f.ApproveAtUnit(unitAdmin, "", now) }},
		forecast.StatusSchoolApproved: {
			func() error { return f.ApproveAtUnit(unitAdmin, "", now) },
			func() error { return f.ApproveAtSchool(schoolAdmin, "", now) },
		},
		forecast.StatusApproved: {
			func() error { return f.ApproveAtUnit(unitAdmin, "", now) },
			func() error { return f.ApproveAtSchool(schoolAdmin, "", now) },
			func() error { return f.ApproveByAuthority(reviewer, "", now) },
		},
		forecast.StatusRejected:  {func() error { return f.Reject(unitAdmin, "请补充经费来源", now) }},
		forecast.StatusWithdrawn: {func() error { return f.Withdraw(applicant, "", now) }},
	}
	for _, step := range steps[s] {
		if err := step(); err != nil {
			t.Fatalf("building status %s: %v", s, err)
		}
	}
	if f.Status() != s {
		t.Fatalf("built status %s; want %s", f.Status(), s)
	}
	return f
}
