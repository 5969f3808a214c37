package funding_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

var (
	place = funding.Place{Institute: uuid.New(), Academy: uuid.New(), Bureau: uuid.New()}
	admin = domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: place.Institute, University: place.Academy, Authority: place.Bureau}
	other = domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New(), University: place.Academy, Authority: place.Bureau}
	now   = time.Date(2027, time.June, 10, 10, 0, 0, 0, domain.Shanghai)
)

// valid is a category 2 application: 80 foreign guests of 300, 120,000
// yuan requested of a 400,000 yuan budget.
func valid() funding.Application {
	return funding.Application{
		Conference: funding.Conference{NameZh: "国际材料科学研讨会", OpeningDate: domain.Date{Year: 2028, Month: time.May, Day: 10},
			ClosingDate: domain.Date{Year: 2028, Month: time.May, Day: 12}, City: "北京"},
		Approval: funding.Approval{Number: "科发际批〔2027〕12号", Date: domain.Date{Year: 2027, Month: time.March, Day: 1}, ScanFileID: uuid.New()},
		Category: 2, Nature: funding.NatureAcademyLed, AcademyFirstHost: true,
		Attendance:   funding.Attendance{Total: 300, Foreign: 80},
		Budget:       funding.Budget{TotalFen: 400_000_00, Sources: []funding.Source{{Name: "注册费", AmountFen: 200_000_00}, {Name: "研究所自筹", AmountFen: 80_000_00}}},
		RequestedFen: 120_000_00,
	}
}

// TestCheck: R-FUND-01 (category by nature and foreign guests, both ends
// included per R-CLS-00), R-FUND-02 (approval), R-FUND-04 (caps), R-FUND-07
// (proof), R-FUND-08 (sources adding up in fen), each on both sides.
func TestCheck(t *testing.T) {
	cat := func(n int, nature funding.Nature, foreign int, requested int64) func(*funding.Application) {
		return func(a *funding.Application) {
			a.Category, a.Nature, a.Attendance.Foreign, a.Attendance.Total = n, nature, foreign, 700
			a.Budget.TotalFen = a.Budget.TotalFen - a.RequestedFen + requested
			a.RequestedFen = requested
		}
	}
	hr, led, joint := funding.NatureHostingRights, funding.NatureAcademyLed, funding.NatureJoint
	for _, c := range []struct {
		name string
		edit func(*funding.Application)
		want []string
	}{
		{"valid", func(*funding.Application) {}, nil},
		{"R-FUND-01 category 1 at 150 foreign", cat(1, hr, 150, 1), nil},
		{"R-FUND-01 category 1 at 149 foreign", cat(1, hr, 149, 1), []string{"attendance.foreign R-FUND-01"}},
		{"R-FUND-01 category 2 at 150 foreign", cat(2, led, 150, 1), nil},
		{"R-FUND-01 category 2 at 151 foreign", cat(2, led, 151, 1), []string{"attendance.foreign R-FUND-01"}},
		{"R-FUND-01 category 2 at 50 foreign", cat(2, led, 50, 1), nil},
		{"R-FUND-01 category 2 at 49 foreign", cat(2, led, 49, 1), []string{"attendance.foreign R-FUND-01"}},
		{"R-FUND-01 category 3 at 50 foreign", cat(3, joint, 50, 1), nil},
		{"R-FUND-01 category 3 at 51 foreign", cat(3, joint, 51, 1), []string{"attendance.foreign R-FUND-01"}},
		{"R-FUND-01 nature decides: 150 joint is not category 2", cat(2, joint, 150, 1), []string{"nature R-FUND-01"}},
		{"R-FUND-01 no category", cat(4, joint, 10, 1), []string{"category R-FUND-01"}},
		{"R-FUND-01 category 1 without the academy first host", func(a *funding.Application) {
			cat(1, hr, 200, 1)(a)
			a.AcademyFirstHost = false
		}, []string{"academyFirstHost R-FUND-01"}},
		{"R-FUND-01 category 3 needs no first host", func(a *funding.Application) {
			cat(3, joint, 20, 1)(a)
			a.AcademyFirstHost = false
		}, nil},
		{"R-FUND-04 category 1 at its cap", cat(1, hr, 200, 300_000_00), nil},
		{"R-FUND-04 category 1 a fen above", cat(1, hr, 200, 300_000_01), []string{"requestedFen R-FUND-04"}},
		{"R-FUND-04 category 2 at its cap", cat(2, led, 100, 120_000_00), nil},
		{"R-FUND-04 category 2 a fen above", cat(2, led, 100, 120_000_01), []string{"requestedFen R-FUND-04"}},
		{"R-FUND-04 category 3 at its cap", cat(3, joint, 30, 60_000_00), nil},
		{"R-FUND-04 category 3 a fen above", cat(3, joint, 30, 60_000_01), []string{"requestedFen R-FUND-04"}},
		{"R-FUND-01 第一条 held in Hong Kong", func(a *funding.Application) { a.Conference.City = "香港" }, []string{"conference.city R-FUND-01"}},
		{"R-FUND-01 第一条 held in Taipei", func(a *funding.Application) { a.Conference.City = "Taipei" }, []string{"conference.city R-FUND-01"}},
		{"R-FUND-01 第一条 held in Macao", func(a *funding.Application) { a.Conference.City = "澳門" }, []string{"conference.city R-FUND-01"}},
		{"R-FUND-01 第一条 held in Shenzhen", func(a *funding.Application) { a.Conference.City = "深圳" }, nil},
		{"R-FUND-02 no approval", func(a *funding.Application) { a.Approval = funding.Approval{} }, []string{"approval R-FUND-02"}},
		{"R-FUND-02 a declaration in econf", func(a *funding.Application) { a.Approval = funding.Approval{DeclarationID: uuid.New()} }, nil},
		{"R-FUND-02 both", func(a *funding.Application) { a.Approval.DeclarationID = uuid.New() }, []string{"approval R-FUND-02"}},
		{"R-FUND-02 document without scan and date", func(a *funding.Application) {
			a.Approval.ScanFileID, a.Approval.Date = uuid.Nil, domain.Date{}
		}, []string{"approval.date R-FUND-02", "approval.scanFileId R-FUND-02"}},
		{"R-FUND-07 academy's name without proof", func(a *funding.Application) { a.Statements.AcademyName = true }, []string{"statements.proof R-FUND-07"}},
		{"R-FUND-07 academy leaders without proof", func(a *funding.Application) { a.Statements.AcademyLeaders = true }, []string{"statements.proof R-FUND-07"}},
		{"R-FUND-07 academy's name with proof", func(a *funding.Application) {
			a.Statements.AcademyName, a.Statements.Proof = true, []uuid.UUID{uuid.New()}
		}, nil},
		{"R-FUND-08 one fen short of the total", func(a *funding.Application) { a.Budget.TotalFen++ }, []string{"budget.totalFen R-FUND-08"}},
		{"R-FUND-08 the request alone", func(a *funding.Application) {
			a.Budget.Sources, a.Budget.TotalFen = nil, a.RequestedFen
		}, []string{"budget.sources R-FUND-08"}},
		{"shape", func(a *funding.Application) {
			a.Conference.NameZh, a.Attendance.Foreign, a.Conference.ClosingDate = " ", 0, domain.Date{Year: 2028, Month: time.May, Day: 9}
			a.Budget.Sources[0].AmountFen = 0
		}, []string{"conference.nameZh SCHEMA", "conference.closingDate SCHEMA", "attendance.foreign SCHEMA",
			"budget.sources[0].amountFen SCHEMA", "budget.totalFen R-FUND-08"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := valid()
			c.edit(&app)
			_, err := funding.Check(&app, policy.DefaultFundingRules(), policy.Default().Text)
			if got := domaintest.FieldErrors(t, err); !slices.Equal(got, c.want) {
				t.Errorf("Check = %q; want %q", got, c.want)
			}
		})
	}
}

// TestFlags (R-FUND-02, R-FUND-07, 第六条, 第十条, 第十一条): the State
// Council from 800 in all or 300 foreign guests (both included) or
// foreign leaders; the foreign ministry for sensitive topics; the
// academy's name or leaders.
func TestFlags(t *testing.T) {
	for _, c := range []struct {
		name           string
		total, foreign int
		edit           func(*funding.Statements)
		want           funding.Flags
	}{
		{"R-FUND-02 799 in all, 299 foreign", 799, 299, nil, funding.Flags{}},
		{"R-FUND-02 800 in all", 800, 200, nil, funding.Flags{StateCouncil: true}},
		{"R-FUND-02 300 foreign", 500, 300, nil, funding.Flags{StateCouncil: true}},
		{"R-FUND-02 foreign leaders", 100, 10, func(s *funding.Statements) { s.ForeignLeaders = true }, funding.Flags{StateCouncil: true}},
		{"R-FUND-02 sensitive", 100, 10, func(s *funding.Statements) { s.Sensitive = true }, funding.Flags{ForeignMinistry: true}},
		{"R-FUND-07 leaders as chair", 100, 10, func(s *funding.Statements) {
			s.AcademyLeaders, s.Proof = true, []uuid.UUID{uuid.New()}
		}, funding.Flags{AcademyName: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := valid()
			app.Category, app.Nature, app.Attendance = 1, funding.NatureHostingRights, funding.Attendance{Total: c.total, Foreign: c.foreign}
			if c.foreign < 150 {
				app.Category, app.Nature = 3, funding.NatureJoint
				app.Attendance.Foreign = min(c.foreign, 50)
			}
			app.Budget.TotalFen = app.Budget.TotalFen - app.RequestedFen + 50_000_00
			app.RequestedFen = 50_000_00
			if c.edit != nil {
				c.edit(&app.Statements)
			}
			flags, err := funding.Check(&app, policy.DefaultFundingRules(), policy.Default().Text)
			if err != nil {
				t.Fatal(err)
			}
			if flags != c.want {
				t.Errorf("flags %+v; want %+v", flags, c.want)
			}
		})
	}
}

// TestLifecycle: the institute's administrator drafts, edits, submits to
// the call (R-FUND-03) for an approved conference (R-FUND-02), withdraws
// and submits again; another institute's admin may not; late is invalid.
func TestLifecycle(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: domain.Date{Year: 2027, Month: time.May, Day: 1},
		Closes: domain.Date{Year: 2027, Month: time.September, Day: 15}, BudgetFen: 1_000_000_00}
	open := funding.Facts{Call: call, HasCall: true}
	f := funding.New(uuid.New())
	if got := domaintest.Outcome(f.Draft(other, place, valid(), p, now)); got != "forbidden" {
		t.Errorf("another institute's admin drafts: %s", got)
	}
	if got := domaintest.Outcome(f.Submit(admin, open, p, now)); got != "not found" {
		t.Errorf("submit before drafting: %s", got)
	}
	if err := f.Draft(admin, place, valid(), p, now); err != nil {
		t.Fatal(err)
	}
	if s := f.Scope(); s.Unit != place.Institute || s.University != place.Academy || s.Authority != place.Bureau || s.AtAuthority {
		t.Errorf("draft scope %+v", s)
	}
	app := valid()
	app.Conference.City = "上海"
	if err := f.Edit(admin, app, p, now); err != nil {
		t.Fatal(err)
	}
	if err := f.Edit(admin, app, p, now); err != nil || len(f.Pending()) != 2 {
		t.Errorf("the same edit again: %v, %d events", err, len(f.Pending()))
	}
	if got := domaintest.Outcome(f.Submit(other, open, p, now)); got != "forbidden" {
		t.Errorf("another institute's admin submits: %s", got)
	}
	noCall := funding.Facts{}
	if got := domaintest.FieldErrors(t, f.Submit(admin, noCall, p, now)); !slices.Equal(got, []string{"conference.openingDate R-FUND-03"}) {
		t.Errorf("R-FUND-03 no call: %q", got)
	}
	late := time.Date(2027, time.September, 16, 0, 0, 0, 0, domain.Shanghai)
	if got := domaintest.FieldErrors(t, f.Submit(admin, open, p, late)); !slices.Equal(got, []string{"submittedOn R-FUND-03"}) {
		t.Errorf("R-FUND-03 a day late: %q", got)
	}
	unapproved := open
	unapproved.Approval = "the declaration named is not approved by the authority (it is submitted)"
	if got := domaintest.FieldErrors(t, f.Submit(admin, unapproved, p, now)); !slices.Equal(got, []string{"approval.declarationId R-FUND-02"}) {
		t.Errorf("R-FUND-02 unapproved: %q", got)
	}
	lastDay := time.Date(2027, time.September, 15, 23, 59, 0, 0, domain.Shanghai)
	if err := f.Submit(admin, open, p, lastDay); err != nil {
		t.Fatalf("R-FUND-03 on the closing day: %v", err)
	}
	if f.Status() != funding.StatusSubmitted || !f.Scope().AtAuthority {
		t.Errorf("after submit: %s, %+v", f.Status(), f.Scope())
	}
	if got := domaintest.Outcome(f.Edit(admin, valid(), p, now)); got != "state R-FUND-03" {
		t.Errorf("edit when submitted: %s", got)
	}
	if got := domaintest.Outcome(f.Submit(admin, open, p, now)); got != "state R-FUND-03" {
		t.Errorf("submit twice: %s", got)
	}
	if err := f.Withdraw(admin, now); err != nil {
		t.Fatal(err)
	}
	if got := domaintest.Outcome(f.Withdraw(admin, now)); got != "state R-FUND-03" {
		t.Errorf("withdraw twice: %s", got)
	}
	if err := f.Submit(admin, open, p, now); err != nil {
		t.Fatalf("submit again after withdrawing: %v", err)
	}
	// Replay: the stored events, through JSON and Decode, fold into the
	// same state.
	g := funding.New(f.ID())
	for _, e := range f.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := funding.Decode(e.EventType(), data)
		if err != nil {
			t.Fatal(err)
		}
		g.Apply(d)
	}
	if g.Status() != f.Status() || g.Scope() != f.Scope() || g.Application().Conference.City != "上海" {
		t.Errorf("replayed %s %+v", g.Status(), g.Scope())
	}
}

// TestReview: the bureau's reviewer grants no more than requested
// (R-FUND-05) nor the category's cap in force (R-FUND-04), exact in fen;
// rejects or returns only with a reason; the institute edits a returned
// application and submits it again; an institute's admin may not decide.
func TestReview(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: domain.Date{Year: 2027, Month: time.May, Day: 1},
		Closes: domain.Date{Year: 2027, Month: time.September, Day: 15}, BudgetFen: 1_000_000_00}
	open := funding.Facts{Call: call, HasCall: true}
	reviewer := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: place.Bureau, Authority: place.Bureau}
	submitted := func(t *testing.T, requested int64) *funding.Funding {
		t.Helper()
		app := valid()
		app.Budget.TotalFen += requested - app.RequestedFen
		app.RequestedFen = requested
		f := funding.New(uuid.New())
		if err := f.Draft(admin, place, app, p, now); err != nil {
			t.Fatal(err)
		}
		if err := f.Submit(admin, open, p, now); err != nil {
			t.Fatal(err)
		}
		return f
	}
	const requested = 100_000_00
	f := submitted(t, requested)
	if got := domaintest.FieldErrors(t, f.Grant(reviewer, requested+1, "", p, now)); !slices.Equal(got, []string{"amountFen R-FUND-05"}) {
		t.Errorf("R-FUND-05 a fen above the request: %q", got)
	}
	if got := domaintest.FieldErrors(t, f.Grant(reviewer, 0, "", p, now)); !slices.Equal(got, []string{"amountFen SCHEMA"}) {
		t.Errorf("a grant of nothing: %q", got)
	}
	if got := domaintest.Outcome(f.Grant(admin, requested, "", p, now)); got != "forbidden" {
		t.Errorf("the institute grants itself: %s", got)
	}
	if got := domaintest.FieldErrors(t, f.Decide(reviewer, procedure.Reject, "", " ", now)); !slices.Equal(got, []string{"reason R-FUND-05"}) {
		t.Errorf("reject without a reason: %q", got)
	}
	if got := domaintest.FieldErrors(t, f.Decide(reviewer, procedure.Approve, procedure.Bureau, "", now)); !slices.Equal(got, []string{"amountFen SCHEMA"}) {
		t.Errorf("approve without an amount: %q", got)
	}
	if len(f.Pending()) != 2 {
		t.Fatalf("refusals recorded events: %d", len(f.Pending()))
	}
	if err := f.Grant(reviewer, requested, " 同意资助 ", p, now); err != nil {
		t.Fatalf("R-FUND-05 the grant equal to the request: %v", err)
	}
	if f.Status() != funding.StatusGranted || f.GrantFen() != requested {
		t.Errorf("granted: %s %d", f.Status(), f.GrantFen())
	}
	if got := domaintest.Outcome(f.Decide(reviewer, procedure.Reject, "", "too late", now)); got != "state R-FUND-05" {
		t.Errorf("reject once granted: %s", got)
	}

	// The cap in force lowered below the request since it was submitted.
	f = submitted(t, 120_000_00)
	low := p
	low.Funding.Categories[1].CapFen = 110_000_00
	if got := domaintest.FieldErrors(t, f.Grant(reviewer, 110_000_01, "", low, now)); !slices.Equal(got, []string{"amountFen R-FUND-04"}) {
		t.Errorf("R-FUND-04 a fen above the cap: %q", got)
	}
	if err := f.Grant(reviewer, 110_000_00, "", low, now); err != nil {
		t.Errorf("R-FUND-04 the grant equal to the cap: %v", err)
	}

	f = submitted(t, requested)
	if err := f.Decide(reviewer, procedure.Return, "", "补充预算明细", now); err != nil {
		t.Fatal(err)
	}
	if f.Status() != funding.StatusReturned {
		t.Errorf("returned: %s", f.Status())
	}
	app := f.Application()
	app.Conference.City = "上海"
	if err := f.Edit(admin, app, p, now); err != nil {
		t.Fatalf("edit when returned: %v", err)
	}
	if err := f.Submit(admin, open, p, now); err != nil {
		t.Fatalf("submit again after the return: %v", err)
	}
	if err := f.Decide(reviewer, procedure.Reject, "", "不符合资助条件", now); err != nil {
		t.Fatal(err)
	}
	if got := domaintest.Outcome(f.Edit(admin, app, p, now)); got != "state R-FUND-03" {
		t.Errorf("edit when rejected: %s", got)
	}
	g := funding.New(f.ID())
	for _, e := range f.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := funding.Decode(e.EventType(), data)
		if err != nil {
			t.Fatal(err)
		}
		g.Apply(d)
	}
	if g.Status() != funding.StatusRejected {
		t.Errorf("replayed %s", g.Status())
	}
}
