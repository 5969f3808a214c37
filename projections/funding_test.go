package projections_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/projections"
)

// TestFundingLog (seed 002, R-FUND-05, R-ACT-02): a funding application's
// approval log and status view follow its procedure: the institute's
// administrators hold it in draft and once returned, the bureau's
// reviewers once submitted, nobody once granted; another institute and a
// university's reviewer see nothing.
func TestFundingLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	place := funding.Place{Institute: uuid.New(), Academy: uuid.New(), Bureau: uuid.New()}
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: place.Institute, University: place.Academy, Authority: place.Bureau}
	reviewer := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: place.Bureau, Authority: place.Bureau}
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New(), University: place.Academy, Authority: place.Bureau}
	p := policy.Default()
	now := time.Date(2027, time.June, 10, 10, 0, 0, 0, domain.Shanghai)
	app := funding.Application{
		Conference: funding.Conference{NameZh: "国际材料科学研讨会", OpeningDate: domain.Date{Year: 2028, Month: time.May, Day: 10},
			ClosingDate: domain.Date{Year: 2028, Month: time.May, Day: 12}, City: "北京"},
		Approval: funding.Approval{Number: "科发际批〔2027〕12号", Date: domain.Date{Year: 2027, Month: time.March, Day: 1}, ScanFileID: uuid.New()},
		Category: 2, Nature: funding.NatureAcademyLed, AcademyFirstHost: true,
		Attendance:   funding.Attendance{Total: 300, Foreign: 80},
		Budget:       funding.Budget{TotalFen: 400_000_00, Sources: []funding.Source{{Name: "注册费", AmountFen: 280_000_00}}},
		RequestedFen: 120_000_00,
	}
	open := funding.Facts{Call: policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: domain.Date{Year: 2027, Month: time.May, Day: 1},
		Closes: domain.Date{Year: 2027, Month: time.September, Day: 15}, BudgetFen: 1_000_000_00}, HasCall: true}

	x := funding.New(uuid.New())
	s := &stream{t: t, f: f, name: "funding-" + x.ID().String()}
	status := func(who domain.Actor) projections.RecordStatus {
		t.Helper()
		sync()
		st, err := q.FundingStatus(ctx, who, x.ID())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	put(s, admin, now, x.Draft(admin, place, app, p, now), x.Pending())
	if st := status(admin); st.Status != "draft" || st.HolderRole != string(domain.RoleUnitAdmin) || *st.HolderOrg != place.Institute || st.HolderUser != nil {
		t.Errorf("draft: %+v", st)
	}
	if _, err := q.FundingStatus(ctx, reviewer, x.ID()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("R-ACT-02 the bureau reads a draft's status: %v", err)
	}
	put(s, admin, now, x.Submit(admin, open, p, now), x.Pending())
	if st := status(reviewer); st.Status != "submitted" || st.HolderRole != string(domain.RoleAuthorityReviewer) || *st.HolderOrg != place.Bureau {
		t.Errorf("submitted: %+v", st)
	}
	put(s, reviewer, now, x.Decide(reviewer, procedure.Return, "", "请补充预算明细", now), x.Pending())
	app.Conference.City = "上海"
	put(s, admin, now, x.Edit(admin, app, p, now), x.Pending())
	if st := status(admin); st.Status != "returned" || st.HolderRole != string(domain.RoleUnitAdmin) {
		t.Errorf("returned and edited: %+v", st)
	}
	put(s, admin, now, x.Submit(admin, open, p, now), x.Pending())
	put(s, reviewer, now, x.Grant(reviewer, 120_000_00, "同意", p, now), x.Pending())
	if st := status(reviewer); st.Status != "granted" || !st.Final {
		t.Errorf("granted: %+v", st)
	}
	for _, who := range []domain.Actor{other, f.actor(t, domain.RoleAuthorityReviewer)} {
		if _, err := q.ApprovalLog(ctx, who, "funding", x.ID()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("R-ACT-02 %s outside the academy reads the log: %v", who.Role, err)
		}
	}
	log, err := q.ApprovalLog(ctx, admin, "funding", x.ID())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.StatusBefore+">"+e.StatusAfter+" "+e.ActionZh+" "+e.Comment)
	}
	want := []string{">draft 填写资助申请 ", "draft>submitted 提交资助申请 2028年度资助征集 / call for 2028",
		"submitted>returned 退回修改 请补充预算明细", "returned>returned 修改资助申请 ", "returned>submitted 提交资助申请 2028年度资助征集 / call for 2028",
		"submitted>granted 批准资助 120000.00元 / yuan 同意"}
	if !slices.Equal(got, want) {
		t.Errorf("log:\n%q\nwant\n%q", got, want)
	}
}
