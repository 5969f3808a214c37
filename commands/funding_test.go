package commands_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
)

// academy is an academy's tree beside the demo university (seed 002): its
// bureau, the academy, two institutes, the bureau's reviewer and each
// institute's administrator.
type academy struct {
	bureau, academy, institute, otherInstitute uuid.UUID
	reviewer, admin, otherAdmin                domain.Actor
}

func newAcademy(t *testing.T, f *fixture) academy {
	t.Helper()
	ctx := context.Background()
	mk := func(kind, name string, parent uuid.UUID) uuid.UUID {
		t.Helper()
		res, err := f.app.CreateOrganisation(ctx, demo.System, commands.Meta{}, commands.CreateOrganisation{Kind: org.Kind(kind), NameZh: name, ParentID: parent})
		if err != nil {
			t.Fatalf("create %s: %v", kind, err)
		}
		return res.ID
	}
	user := func(role domain.Role, orgID uuid.UUID, name, email string) domain.Actor {
		t.Helper()
		res, err := f.app.CreateUser(ctx, demo.System, commands.Meta{}, commands.CreateUser{
			Email: email, Name: name, Role: role, OrgID: orgID, Mobile: "13800000000", Password: "amber lantern orbit 73",
		})
		if err != nil {
			t.Fatalf("create %s: %v", email, err)
		}
		return f.resolve(t, res.ID)
	}
	var a academy
	a.bureau = mk("bureau", "示范科学院国际合作局", uuid.Nil)
	a.academy = mk("academy", "示范科学院", a.bureau)
	a.institute = mk("institute", "示范物理研究所", a.academy)
	a.otherInstitute = mk("institute", "示范化学研究所", a.academy)
	a.reviewer = user(domain.RoleAuthorityReviewer, a.bureau, "国际合作局审核员", "reviewer@bureau.demo-academy.cn")
	a.admin = user(domain.RoleUnitAdmin, a.institute, "物理所管理员", "admin@phys.demo-academy.cn")
	a.otherAdmin = user(domain.RoleUnitAdmin, a.otherInstitute, "化学所管理员", "admin@chem.demo-academy.cn")
	return a
}

// TestAcademyTree (R-ACT-02, seed 002): an academy is a tenant beside the
// universities; its institute's administrator resolves with the academy as
// university and the bureau as authority, the bureau's reviewer with the
// bureau; the trees do not mix, and an academy has no applicants.
func TestAcademyTree(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	a := newAcademy(t, f)

	if want := (domain.Actor{UserID: a.admin.UserID, Name: a.admin.Name, Role: domain.RoleUnitAdmin, OrgID: a.institute, University: a.academy, Authority: a.bureau}); a.admin != want {
		t.Errorf("R-ACT-02 institute admin resolved to %+v; want %+v", a.admin, want)
	}
	if want := (domain.Actor{UserID: a.reviewer.UserID, Name: a.reviewer.Name, Role: domain.RoleAuthorityReviewer, OrgID: a.bureau, Authority: a.bureau}); a.reviewer != want {
		t.Errorf("R-ACT-02 bureau reviewer resolved to %+v; want %+v", a.reviewer, want)
	}

	var ve *domain.ValidationError
	_, err := f.app.CreateOrganisation(ctx, demo.System, commands.Meta{}, commands.CreateOrganisation{Kind: "institute", NameZh: "示范研究所", ParentID: f.tree.University})
	if !errors.As(err, &ve) || ve.Fields[0].Path != "parentId" || ve.Fields[0].Rule != "R-ACT-02" {
		t.Errorf("R-ACT-02 institute under a university: %v; want parentId R-ACT-02", err)
	}
	_, err = f.app.CreateOrganisation(ctx, demo.System, commands.Meta{}, commands.CreateOrganisation{Kind: "unit", NameZh: "示范学院", ParentID: a.academy})
	if !errors.As(err, &ve) || ve.Fields[0].Path != "parentId" || ve.Fields[0].Rule != "R-ACT-02" {
		t.Errorf("R-ACT-02 unit under an academy: %v; want parentId R-ACT-02", err)
	}
	_, err = f.app.CreateUser(ctx, demo.System, commands.Meta{}, commands.CreateUser{
		Email: "someone@phys.demo-academy.cn", Name: "研究员", Role: domain.RoleApplicant, OrgID: a.institute, Password: "amber lantern orbit 73",
	})
	if err == nil {
		t.Error("R-ACT-02 an applicant in an institute was created; the academy's procedures are its administrators'")
	}
}

// TestPublishFundingCall (R-FUND-03, R-POL-01): the bureau publishes one
// call a year in May–June as a new policy version; a university's
// authority reviewer may not; an admin's later policy keeps the call.
func TestPublishFundingCall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, sh(2027, time.April, 30, 23, 59))
	a := newAcademy(t, f)
	budget := commands.PublishFundingCall{BudgetFen: 2_000_000_00}

	var ve *domain.ValidationError
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, budget); !errors.As(err, &ve) || ve.Fields[0].Rule != "R-FUND-03" {
		t.Errorf("R-FUND-03 on 30 April: %v; want publishedOn R-FUND-03", err)
	}
	f.clock.Set(sh(2027, time.May, 1, 0, 0))
	if _, err := f.app.PublishFundingCall(ctx, f.actor(t, domain.RoleAuthorityReviewer), commands.Meta{}, budget); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-FUND-03 a university's authority reviewer: %v; want ErrForbidden", err)
	}
	if _, err := f.app.PublishFundingCall(ctx, a.admin, commands.Meta{}, budget); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-FUND-03 an institute's admin: %v; want ErrForbidden", err)
	}
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, commands.PublishFundingCall{}); !errors.As(err, &ve) || ve.Fields[0].Path != "budgetFen" {
		t.Errorf("R-FUND-03 without a budget: %v; want budgetFen", err)
	}
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, budget); err != nil {
		t.Fatalf("R-FUND-03 on 1 May: %v", err)
	}
	p, err := f.app.Policies().Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	call, ok := p.Funding.Call(a.bureau, 2028)
	if want := (policy.FundingCall{Bureau: a.bureau, Year: 2028, Opens: domain.Date{Year: 2027, Month: time.May, Day: 1},
		Closes: domain.Date{Year: 2027, Month: time.September, Day: 15}, BudgetFen: budget.BudgetFen}); !ok || call != want {
		t.Errorf("R-POL-01 policy %s carries call %+v; want %+v", p.Version, call, want)
	}
	f.clock.Set(sh(2027, time.June, 30, 23, 59))
	var se *domain.StateError
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, budget); !errors.As(err, &se) || se.Rule != "R-FUND-03" {
		t.Errorf("R-FUND-03 a second call in 2027: %v; want R-FUND-03 state error", err)
	}
	next := p
	next.Version = "2027.2"
	next.Funding.Calls = nil
	if _, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, next); err != nil {
		t.Fatal(err)
	}
	if p, err = f.app.Policies().Current(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Funding.Call(a.bureau, 2028); !ok || p.Version != "2027.2" {
		t.Errorf("R-POL-01 the admin's policy %s dropped the bureau's call: %+v", p.Version, p.Funding.Calls)
	}
}

// fundingApp is a category 2 application with an approval document whose
// scan is upload.
func fundingApp(upload uuid.UUID) funding.Application {
	return funding.Application{
		Conference: funding.Conference{NameZh: "国际凝聚态物理研讨会", OpeningDate: domain.Date{Year: 2028, Month: time.April, Day: 8},
			ClosingDate: domain.Date{Year: 2028, Month: time.April, Day: 10}, City: "合肥"},
		Approval: funding.Approval{Number: "科发际批〔2027〕8号", Date: domain.Date{Year: 2027, Month: time.February, Day: 20}, ScanFileID: upload},
		Category: 2, Nature: funding.NatureAcademyLed, AcademyFirstHost: true,
		Attendance:   funding.Attendance{Total: 260, Foreign: 90},
		Budget:       funding.Budget{TotalFen: 350_000_00, Sources: []funding.Source{{Name: "注册费", AmountFen: 150_000_00}, {Name: "研究所自筹", AmountFen: 80_000_00}}},
		RequestedFen: 120_000_00,
	}
}

// TestFundingApplication (seed 002): the institute's administrator drafts
// with its own upload, edits, submits to the open call (R-FUND-03) and
// withdraws; the bureau then sees it; another institute sees nothing;
// refusals change nothing: a request above the cap (R-FUND-04), a
// declaration not approved (R-FUND-02), a late submission (R-FUND-03).
func TestFundingApplication(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, sh(2027, time.May, 10, 9, 0))
	a := newAcademy(t, f)
	scan, err := f.files.Put(ctx, filestore.FundingApproval, "批件.pdf", a.admin.UserID, strings.NewReader("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, commands.PublishFundingCall{BudgetFen: 3_000_000_00}); err != nil {
		t.Fatal(err)
	}

	fieldRule := func(err error) string {
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Sprint(err)
		}
		return ve.Fields[0].Path + " " + ve.Fields[0].Rule
	}
	over := fundingApp(scan.ID)
	over.RequestedFen, over.Budget.TotalFen = 120_000_01, 350_000_01
	if _, err := f.app.DraftFunding(ctx, a.admin, commands.Meta{}, commands.DraftFunding{Application: over}); fieldRule(err) != "requestedFen R-FUND-04" {
		t.Errorf("R-FUND-04 a fen above the cap: %v", err)
	}
	if _, err := f.app.DraftFunding(ctx, a.otherAdmin, commands.Meta{}, commands.DraftFunding{Application: fundingApp(scan.ID)}); fieldRule(err) != "approval.scanFileId R-FUND-02" {
		t.Errorf("another institute's admin naming someone else's upload: %v", err)
	}
	if _, err := f.app.DraftFunding(ctx, f.actor(t, domain.RoleUnitAdmin), commands.Meta{}, commands.DraftFunding{Application: fundingApp(scan.ID)}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("a university's unit admin drafts: %v; want ErrForbidden", err)
	}
	res, err := f.app.DraftFunding(ctx, a.admin, commands.Meta{}, commands.DraftFunding{Application: fundingApp(scan.ID)})
	if err != nil {
		t.Fatal(err)
	}
	id := res.ID
	edited := fundingApp(scan.ID)
	edited.Conference.City = "北京"
	if _, err := f.app.EditFunding(ctx, a.admin, commands.Meta{}, commands.EditFunding{FundingID: id, Application: edited}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.EditFunding(ctx, a.otherAdmin, commands.Meta{}, commands.EditFunding{FundingID: id, Application: edited}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("another institute edits: %v; want ErrNotFound", err)
	}
	if _, err := f.app.SubmitFunding(ctx, a.reviewer, commands.Meta{}, commands.SubmitFunding{FundingID: id}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("the bureau sees a draft: %v; want ErrNotFound", err)
	}

	// A declaration in econf that the authority has not approved.
	unapproved := edited
	unapproved.Approval = funding.Approval{DeclarationID: uuid.New()}
	if _, err := f.app.EditFunding(ctx, a.admin, commands.Meta{}, commands.EditFunding{FundingID: id, Application: unapproved}); err != nil {
		t.Fatal(err)
	}
	before := len(f.events(t, commands.FundingStream(id)))
	_, err = f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: id})
	if fieldRule(err) != "approval.declarationId R-FUND-02" {
		t.Errorf("R-FUND-02 an unapproved declaration: %v", err)
	}
	// The Chinese message is Chinese apart from the declaration's id.
	if ve := (*domain.ValidationError)(nil); errors.As(err, &ve) {
		zh := strings.ReplaceAll(ve.Fields[0].Zh, unapproved.Approval.DeclarationID.String(), "")
		if strings.ContainsFunc(zh, func(r rune) bool { return r < 0x80 && unicode.IsLetter(r) }) {
			t.Errorf("R-FUND-02 Chinese message holds English: %q", ve.Fields[0].Zh)
		}
	}
	if _, err := f.app.EditFunding(ctx, a.admin, commands.Meta{}, commands.EditFunding{FundingID: id, Application: edited}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(sh(2027, time.September, 16, 0, 0))
	if _, err := f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: id}); fieldRule(err) != "submittedOn R-FUND-03" {
		t.Errorf("R-FUND-03 a day after the call closed: %v", err)
	}
	if got := len(f.events(t, commands.FundingStream(id))); got != before+1 {
		t.Errorf("refusals wrote events: %d; want %d", got, before+1)
	}
	f.clock.Set(sh(2027, time.September, 15, 23, 59))
	if _, err := f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: id}); err != nil {
		t.Fatalf("R-FUND-03 on the closing day: %v", err)
	}
	if _, err := f.app.WithdrawFunding(ctx, a.reviewer, commands.Meta{}, commands.WithdrawFunding{FundingID: id}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("the bureau withdraws: %v; want ErrForbidden", err)
	}
	if _, err := f.app.WithdrawFunding(ctx, a.admin, commands.Meta{}, commands.WithdrawFunding{FundingID: id}); err != nil {
		t.Fatal(err)
	}
	types := []string{}
	for _, e := range f.events(t, commands.FundingStream(id)) {
		types = append(types, e.Type)
	}
	if want := []string{"funding.drafted", "funding.edited", "funding.edited", "funding.edited", "funding.submitted", "funding.withdrawn"}; !slices.Equal(types, want) {
		t.Errorf("events %q; want %q", types, want)
	}
}

// TestFundingReview (R-FUND-05, R-FUND-04): only the bureau's reviewer
// decides a submitted application; a grant above the request by a fen is
// refused and writes nothing, the request itself is granted; a lowered cap
// in force bounds the grant (cap+1 fen refused, cap granted); rejection
// and return need a reason; a returned application is edited and submitted
// again.
func TestFundingReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, sh(2027, time.May, 10, 9, 0))
	a := newAcademy(t, f)
	scan, err := f.files.Put(ctx, filestore.FundingApproval, "批件.pdf", a.admin.UserID, strings.NewReader("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.PublishFundingCall(ctx, a.reviewer, commands.Meta{}, commands.PublishFundingCall{BudgetFen: 3_000_000_00}); err != nil {
		t.Fatal(err)
	}
	submitted := func(t *testing.T) uuid.UUID {
		t.Helper()
		res, err := f.app.DraftFunding(ctx, a.admin, commands.Meta{}, commands.DraftFunding{Application: fundingApp(scan.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: res.ID}); err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	fieldRule := func(err error) string {
		var ve *domain.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Sprint(err)
		}
		return ve.Fields[0].Path + " " + ve.Fields[0].Rule
	}
	requested := fundingApp(scan.ID).RequestedFen

	id := submitted(t)
	before := len(f.events(t, commands.FundingStream(id)))
	if _, err := f.app.GrantFunding(ctx, a.admin, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: requested}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("the institute grants itself: %v; want ErrForbidden", err)
	}
	if _, err := f.app.GrantFunding(ctx, f.actor(t, domain.RoleAuthorityReviewer), commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: requested}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("a university's authority reviewer grants: %v; want ErrNotFound", err)
	}
	if _, err := f.app.GrantFunding(ctx, a.reviewer, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: requested + 1}); fieldRule(err) != "amountFen R-FUND-05" {
		t.Errorf("R-FUND-05 a fen above the request: %v", err)
	}
	if _, err := f.app.RejectFunding(ctx, a.reviewer, commands.Meta{}, commands.RejectFunding{FundingID: id}); fieldRule(err) != "reason R-FUND-05" {
		t.Errorf("R-FUND-05 reject without a reason: %v", err)
	}
	if _, err := f.app.ReturnFunding(ctx, a.reviewer, commands.Meta{}, commands.ReturnFunding{FundingID: id, Reason: "  "}); fieldRule(err) != "reason R-FUND-05" {
		t.Errorf("R-FUND-05 return without a reason: %v", err)
	}
	if got := len(f.events(t, commands.FundingStream(id))); got != before {
		t.Errorf("refusals wrote events: %d; want %d", got, before)
	}
	if _, err := f.app.GrantFunding(ctx, a.reviewer, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: requested, Comment: "同意资助"}); err != nil {
		t.Fatalf("R-FUND-05 the grant equal to the request: %v", err)
	}
	if _, err := f.app.RejectFunding(ctx, a.reviewer, commands.Meta{}, commands.RejectFunding{FundingID: id, Reason: "重复"}); !isState(err, "R-FUND-05") {
		t.Errorf("reject once granted: %v", err)
	}

	// Returned, edited, submitted again, rejected.
	id = submitted(t)
	if _, err := f.app.ReturnFunding(ctx, a.reviewer, commands.Meta{}, commands.ReturnFunding{FundingID: id, Reason: "请补充预算明细"}); err != nil {
		t.Fatal(err)
	}
	edited := fundingApp(scan.ID)
	edited.Conference.City = "北京"
	if _, err := f.app.EditFunding(ctx, a.admin, commands.Meta{}, commands.EditFunding{FundingID: id, Application: edited}); err != nil {
		t.Fatalf("edit the returned application: %v", err)
	}
	if _, err := f.app.SubmitFunding(ctx, a.admin, commands.Meta{}, commands.SubmitFunding{FundingID: id}); err != nil {
		t.Fatalf("submit it again: %v", err)
	}
	if _, err := f.app.RejectFunding(ctx, a.reviewer, commands.Meta{}, commands.RejectFunding{FundingID: id, Reason: "不符合资助条件"}); err != nil {
		t.Fatal(err)
	}
	types := []string{}
	for _, e := range f.events(t, commands.FundingStream(id)) {
		types = append(types, e.Type)
	}
	if want := []string{"funding.drafted", "funding.submitted", "funding.returned", "funding.edited", "funding.submitted", "funding.rejected"}; !slices.Equal(types, want) {
		t.Errorf("events %q; want %q", types, want)
	}

	// The cap in force lowered below the request after submission.
	id = submitted(t)
	p, err := f.app.Policies().Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.Version = "2027.9"
	p.Funding.Categories[1].CapFen = 100_000_00
	if _, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, p); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.GrantFunding(ctx, a.reviewer, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: 100_000_01}); fieldRule(err) != "amountFen R-FUND-04" {
		t.Errorf("R-FUND-04 a fen above the cap: %v", err)
	}
	if _, err := f.app.GrantFunding(ctx, a.reviewer, commands.Meta{}, commands.GrantFunding{FundingID: id, AmountFen: 100_000_00}); err != nil {
		t.Errorf("R-FUND-04 the grant equal to the cap: %v", err)
	}
}

func isState(err error, rule string) bool {
	var se *domain.StateError
	return errors.As(err, &se) && se.Rule == rule
}
