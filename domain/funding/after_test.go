package funding_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

var reviewer = domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: place.Bureau, Authority: place.Bureau}

func at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, domain.Shanghai)
}

func day(y int, m time.Month, d int) domain.Date { return domain.Date{Year: y, Month: m, Day: d} }

// grantedApp is valid() granted 100,000 yuan; the conference closes on
// 12 May 2028, its summary is due on 12 June 2028.
func grantedApp(t *testing.T) *funding.Funding {
	t.Helper()
	p := policy.Default()
	f := funding.New(uuid.New())
	if err := f.Draft(admin, place, valid(), p, now); err != nil {
		t.Fatal(err)
	}
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, Opens: day(2027, time.May, 1), Closes: day(2027, time.September, 15), BudgetFen: 1_000_000_00}
	if err := f.Submit(admin, funding.Facts{Call: call, HasCall: true}, p, now); err != nil {
		t.Fatal(err)
	}
	if err := f.Grant(reviewer, 100_000_00, "", p, now); err != nil {
		t.Fatal(err)
	}
	return fold(t, f)
}

// fold replays an aggregate's events into a fresh one, as a command does.
func fold(t *testing.T, f *funding.Funding) *funding.Funding {
	t.Helper()
	g := funding.New(f.ID())
	for _, e := range f.Pending() {
		g.Apply(e)
	}
	return g
}

// TestObligations: R-FUND-05 (acknowledging the funder needs evidence and
// a grant), R-FUND-09 (progress up to the closing day, included), R-FUND-06
// (the summary from the closing day, once; late after the due day).
func TestObligations(t *testing.T) {
	p := policy.Default()
	ev := []uuid.UUID{uuid.New()}
	f := grantedApp(t)

	if got := domaintest.FieldErrors(t, f.Acknowledge(admin, nil, "", p.Text, now)); !slices.Equal(got, []string{"evidence R-FUND-05"}) {
		t.Errorf("R-FUND-05 acknowledgement without evidence: %v", got)
	}
	if got := domaintest.Outcome(f.Acknowledge(other, ev, "", p.Text, now)); got != "forbidden" {
		t.Errorf("R-FUND-05 another institute acknowledges: %s", got)
	}
	if err := f.Acknowledge(admin, ev, "会议手册封底印有资助字样", p.Text, now); err != nil {
		t.Errorf("R-FUND-05 acknowledgement with evidence: %v", err)
	}
	draft := funding.New(uuid.New())
	_ = draft.Draft(admin, place, valid(), p, now)
	if got := domaintest.Outcome(fold(t, draft).Acknowledge(admin, ev, "", p.Text, now)); got != "state R-FUND-05" {
		t.Errorf("R-FUND-05 acknowledgement of a draft: %s", got)
	}

	if err := f.ReportProgress(admin, "已确定主旨报告人", nil, p.Text, at(2028, time.May, 12)); err != nil {
		t.Errorf("R-FUND-09 progress on the closing day: %v", err)
	}
	if got := domaintest.FieldErrors(t, f.ReportProgress(admin, "会后补报", nil, p.Text, at(2028, time.May, 13))); !slices.Equal(got, []string{"text R-FUND-09"}) {
		t.Errorf("R-FUND-09 progress the day after the end: %v", got)
	}
	if got := domaintest.FieldErrors(t, f.ReportProgress(admin, " ", nil, p.Text, now)); !slices.Equal(got, []string{"text R-FUND-09"}) {
		t.Errorf("R-FUND-09 empty progress: %v", got)
	}

	if got := domaintest.FieldErrors(t, f.FileSummary(admin, "会议总结", nil, p, at(2028, time.May, 11))); !slices.Equal(got, []string{"text R-FUND-06"}) {
		t.Errorf("R-FUND-06 summary before the end: %v", got)
	}
	if due, _ := f.SummaryDue(p.Funding); due != day(2028, time.June, 12) {
		t.Errorf("R-FUND-06 due %s; want 2028-06-12 (1 month after the end)", due)
	}
	onTime := grantedApp(t)
	if err := onTime.FileSummary(admin, "会议总结", nil, p, at(2028, time.June, 12)); err != nil {
		t.Errorf("R-FUND-06 summary on the due day: %v", err)
	}
	if s := onTime.Pending()[len(onTime.Pending())-1].(funding.SummaryFiled); s.Late {
		t.Errorf("R-FUND-06 on the due day recorded late")
	}
	if got := domaintest.Outcome(onTime.FileSummary(admin, "再交一次", nil, p, at(2028, time.June, 12))); got != "state R-FUND-06" {
		t.Errorf("R-FUND-06 a second summary: %s", got)
	}
	late := grantedApp(t)
	if err := late.FileSummary(admin, "会议总结", nil, p, at(2028, time.June, 13)); err != nil {
		t.Fatal(err)
	}
	if s := late.Pending()[len(late.Pending())-1].(funding.SummaryFiled); !s.Late {
		t.Errorf("R-FUND-06 the day after the due day not recorded late")
	}
}

// TestSummaryDeadline (R-FUND-06): the engine reminds before the due day
// (once per distance), records nothing on it, the overdue fact the day
// after, once; a summary in, or an application not granted, gets nothing.
func TestSummaryDeadline(t *testing.T) {
	p := policy.Default()
	f := grantedApp(t)
	types := func(g *funding.Funding) []string {
		var out []string
		for _, e := range g.Pending() {
			out = append(out, e.EventType())
		}
		return out
	}
	base := len(f.Pending())
	check := func(tm time.Time) []string {
		f.CheckDeadlines(p, tm)
		f.CheckDeadlines(p, tm) // twice: once recorded
		return types(f)[base:]
	}
	if got := check(at(2028, time.May, 28)); len(got) != 0 {
		t.Errorf("15 days before: %v", got)
	}
	if got := check(at(2028, time.May, 29)); !slices.Equal(got, []string{funding.EventSummaryReminded}) {
		t.Errorf("14 days before: %v", got)
	}
	if got := check(at(2028, time.June, 12)); !slices.Equal(got, []string{funding.EventSummaryReminded, funding.EventSummaryReminded}) {
		t.Errorf("on the due day (the 3-day reminder, no overdue): %v", got)
	}
	if got := check(at(2028, time.June, 13)); len(got) != 3 || got[2] != funding.EventSummaryOverdue {
		t.Errorf("R-FUND-06 the day after: %v", got)
	}
	if got := check(at(2028, time.July, 1)); len(got) != 3 {
		t.Errorf("R-FUND-06 overdue recorded again: %v", got)
	}

	in := grantedApp(t)
	_ = in.FileSummary(admin, "会议总结", nil, p, at(2028, time.June, 1))
	n := len(in.Pending())
	in.CheckDeadlines(p, at(2028, time.July, 1))
	if len(in.Pending()) != n {
		t.Errorf("R-FUND-06 a summary in still overdue")
	}
	d := funding.New(uuid.New())
	_ = d.Draft(admin, place, valid(), p, now)
	d.CheckDeadlines(p, at(2028, time.July, 1))
	if len(d.Pending()) != 1 {
		t.Errorf("a draft has a summary deadline")
	}
}

// TestBars: R-FUND-06 (an overdue funded summary bars while it is out; one
// handed in late bars the next year's call only) and R-FUND-08 (a
// sanction's period bars, both ends included), each on both sides.
func TestBars(t *testing.T) {
	o := funding.Obligation{FundingID: uuid.New(), NameZh: "国际凝聚态物理研讨会", Year: 2028, DueDate: day(2028, time.May, 10)}
	lateIn := o
	lateIn.FiledOn = day(2028, time.May, 11)
	onTime := o
	onTime.FiledOn = day(2028, time.May, 10)
	susp := funding.Sanction{Kind: "suspension", Reason: "挪用资助经费", Period: funding.Period{From: day(2028, time.June, 1), Until: day(2028, time.June, 30)}}
	claw := funding.Sanction{Kind: "clawback", Reason: "虚报预算", FundingID: o.FundingID}
	rules := func(bs []funding.Bar) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.Rule)
		}
		return out
	}
	for _, c := range []struct {
		name      string
		today     domain.Date
		callYear  int
		sanctions []funding.Sanction
		funded    []funding.Obligation
		want      []string
	}{
		{"R-FUND-06 summary out on its due day", day(2028, time.May, 10), 2029, nil, []funding.Obligation{o}, nil},
		{"R-FUND-06 summary out the day after", day(2028, time.May, 11), 2029, nil, []funding.Obligation{o}, []string{"R-FUND-06"}},
		{"R-FUND-06 summary out, any later call", day(2030, time.June, 1), 2031, nil, []funding.Obligation{o}, []string{"R-FUND-06"}},
		{"R-FUND-06 summary in on time", day(2028, time.June, 1), 2029, nil, []funding.Obligation{onTime}, nil},
		{"R-FUND-06 summary in late: next year's call barred", day(2028, time.June, 1), 2029, nil, []funding.Obligation{lateIn}, []string{"R-FUND-06"}},
		{"R-FUND-06 summary in late: the year after next is not", day(2029, time.June, 1), 2030, nil, []funding.Obligation{lateIn}, nil},
		{"R-FUND-08 the day before the suspension", day(2028, time.May, 31), 2029, []funding.Sanction{susp}, nil, nil},
		{"R-FUND-08 its first day", day(2028, time.June, 1), 2029, []funding.Sanction{susp}, nil, []string{"R-FUND-08"}},
		{"R-FUND-08 its last day", day(2028, time.June, 30), 2029, []funding.Sanction{susp}, nil, []string{"R-FUND-08"}},
		{"R-FUND-08 the day after", day(2028, time.July, 1), 2029, []funding.Sanction{susp}, nil, nil},
		{"R-FUND-08 a clawback without a period does not bar", day(2028, time.June, 1), 2029, []funding.Sanction{claw}, nil, nil},
		{"R-FUND-08 a clawback with a period bars", day(2028, time.June, 1), 2029, []funding.Sanction{{Kind: "clawback", Reason: "虚报预算", Period: susp.Period}}, nil, []string{"R-FUND-08"}},
	} {
		bars := funding.Bars(c.today, c.callYear, c.sanctions, c.funded)
		if got := rules(bars); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v; want %v", c.name, got, c.want)
		}
		for _, b := range bars {
			if b.Rule == "R-FUND-06" && (b.FundingID != o.FundingID || !strings.Contains(b.Zh, o.NameZh) || !strings.Contains(b.Message, o.NameZh)) {
				t.Errorf("%s: the bar does not name the conference: %+v", c.name, b)
			}
		}
	}
}

// TestSanctions (R-FUND-08): only the institute's bureau; a reason; a
// clawback no more than granted and not yet clawed back; a suspension's
// period required, in order, not over.
func TestSanctions(t *testing.T) {
	p := policy.Default()
	f := grantedApp(t)
	s := funding.NewStanding(place.Institute)
	period := funding.Period{From: day(2027, time.June, 10), Until: day(2028, time.June, 9)}
	if got := domaintest.Outcome(s.ClawBack(admin, f, 1, "挪用", funding.Period{}, p.Text, now)); got != "forbidden" {
		t.Errorf("R-FUND-08 the institute claws back: %s", got)
	}
	if got := domaintest.FieldErrors(t, s.ClawBack(reviewer, f, 100_000_01, " ", funding.Period{}, p.Text, now)); !slices.Equal(got, []string{"reason R-FUND-08", "amountFen R-FUND-08"}) {
		t.Errorf("R-FUND-08 a fen above the grant, no reason: %v", got)
	}
	if err := s.ClawBack(reviewer, f, 60_000_00, "挪用会议经费", funding.Period{}, p.Text, now); err != nil {
		t.Errorf("R-FUND-08 clawback within the grant: %v", err)
	}
	if err := s.ClawBack(reviewer, f, 40_000_00, "挪用会议经费", period, p.Text, now); err != nil {
		t.Errorf("R-FUND-08 clawback of the rest: %v", err)
	}
	if got := domaintest.FieldErrors(t, s.ClawBack(reviewer, f, 1, "再追回", funding.Period{}, p.Text, now)); !slices.Equal(got, []string{"amountFen R-FUND-08"}) {
		t.Errorf("R-FUND-08 a fen beyond what is left: %v", got)
	}
	if got := domaintest.FieldErrors(t, s.Suspend(reviewer, place, "违规", funding.Period{}, p.Text, now)); !slices.Equal(got, []string{"period.from R-FUND-08"}) {
		t.Errorf("R-FUND-08 suspension without a period: %v", got)
	}
	if got := domaintest.FieldErrors(t, s.Suspend(reviewer, place, "违规", funding.Period{From: day(2027, time.June, 1), Until: day(2027, time.June, 9)}, p.Text, now)); !slices.Equal(got, []string{"period.until R-FUND-08"}) {
		t.Errorf("R-FUND-08 suspension ended yesterday: %v", got)
	}
	if err := s.Suspend(reviewer, place, "违规", funding.Period{From: day(2027, time.June, 1), Until: day(2027, time.June, 10)}, p.Text, now); err != nil {
		t.Errorf("R-FUND-08 suspension ending today: %v", err)
	}
	other := funding.Place{Institute: place.Institute, Bureau: uuid.New()}
	if got := domaintest.Outcome(s.Suspend(reviewer, other, "违规", period, p.Text, now)); got != "forbidden" {
		t.Errorf("R-FUND-08 another bureau's reviewer: %s", got)
	}
	if n := len(s.Sanctions()); n != 3 {
		t.Errorf("sanctions %d; want 3", n)
	}
}

// TestPlan (R-FUND-05): the plan is decided once by the call's bureau, only
// with every application reviewed, its grants within the call's budget
// (at the budget, a fen above); after the year end it is late; the engine
// records it undecided once, the day after 31 December, not on it.
func TestPlan(t *testing.T) {
	p := policy.Default()
	call := policy.FundingCall{Bureau: place.Bureau, Year: 2028, BudgetFen: 300_000_00}
	apps := []funding.PlanApplication{
		{ID: uuid.New(), Institute: place.Institute, NameZh: "甲会", Category: 1, Status: funding.StatusGranted, RequestedFen: 300_000_00, GrantedFen: 200_000_00},
		{ID: uuid.New(), Institute: place.Institute, NameZh: "乙会", Category: 3, Status: funding.StatusGranted, RequestedFen: 60_000_00, GrantedFen: 50_000_00},
		{ID: uuid.New(), Institute: place.Institute, NameZh: "丙会", Category: 3, Status: funding.StatusRejected, RequestedFen: 60_000_00},
	}
	decide := func(pl *funding.Plan, who domain.Actor, c policy.FundingCall, xs []funding.PlanApplication, tm time.Time) error {
		return pl.Decide(who, c, xs, "", p.Text, tm)
	}
	pl := funding.NewPlan(funding.PlanID(place.Bureau, 2028))
	if got := domaintest.Outcome(decide(pl, admin, call, apps, now)); got != "forbidden" {
		t.Errorf("R-FUND-05 an institute decides: %s", got)
	}
	waiting := append(slices.Clone(apps), funding.PlanApplication{NameZh: "丁会", Category: 2, Status: funding.StatusSubmitted})
	if got := domaintest.Outcome(decide(pl, reviewer, call, waiting, now)); got != "state R-FUND-05" {
		t.Errorf("R-FUND-05 one still under review: %s", got)
	}
	small := call
	small.BudgetFen = 250_000_00 - 1
	if got := domaintest.FieldErrors(t, decide(pl, reviewer, small, apps, now)); !slices.Equal(got, []string{"grantedFen R-FUND-05"}) {
		t.Errorf("R-FUND-05 a fen above the budget: %v", got)
	}
	exact := call
	exact.BudgetFen = 250_000_00
	if err := decide(pl, reviewer, exact, apps, at(2027, time.December, 31)); err != nil {
		t.Fatalf("R-FUND-05 at the budget on 31 December: %v", err)
	}
	d := pl.Decided()
	if d.Late || d.GrantedFen != 250_000_00 || len(d.Lines) != 2 || d.Totals[2] != (funding.CategoryTotal{Category: 3, Applications: 2, Funded: 1, RequestedFen: 120_000_00, GrantedFen: 50_000_00}) {
		t.Errorf("decided %+v", d)
	}
	if got := domaintest.Outcome(decide(pl, reviewer, exact, apps, now)); got != "state R-FUND-05" {
		t.Errorf("R-FUND-05 decided twice: %s", got)
	}
	if got := domaintest.Outcome(pl.Claim(reviewer, uuid.New(), "grant", now)); got != "state R-FUND-05" || len(pl.Claimed()) != 0 {
		t.Errorf("R-FUND-05 a grant's claim after the decision: %s", got)
	}

	late := funding.NewPlan(funding.PlanID(place.Bureau, 2028))
	late.CheckDeadline(call, at(2027, time.December, 31))
	if n := len(late.Pending()); n != 0 {
		t.Errorf("R-FUND-05 undecided on 31 December recorded overdue")
	}
	late.CheckDeadline(call, at(2028, time.January, 1))
	late.CheckDeadline(call, at(2028, time.January, 2))
	if n := len(late.Pending()); n != 1 || late.Pending()[0].EventType() != funding.EventPlanOverdue {
		t.Errorf("R-FUND-05 undecided on 1 January: %d facts; want one", n)
	}
	if err := decide(late, reviewer, call, apps, at(2028, time.January, 5)); err != nil || !late.Decided().Late {
		t.Errorf("R-FUND-05 a late decision is recorded late: %v", err)
	}
	pl.CheckDeadline(call, at(2028, time.January, 2))
	if n := len(pl.Pending()); n != 1 {
		t.Errorf("R-FUND-05 a decided plan recorded overdue")
	}
}

// TestPlanClaim (R-FUND-05): a review decision of the call claims the
// undecided plan; the plan names each claimed application once; only a
// reviewer claims; a decided plan refuses the claim.
func TestPlanClaim(t *testing.T) {
	pl := funding.NewPlan(funding.PlanID(place.Bureau, 2028))
	id := uuid.New()
	now := at(2027, time.October, 8)
	for range 2 {
		if err := pl.Claim(reviewer, id, "grant", now); err != nil {
			t.Fatalf("R-FUND-05 a claim on the undecided plan: %v", err)
		}
	}
	if c := pl.Claimed(); len(c) != 1 || c[0] != id || len(pl.Pending()) != 2 || pl.Pending()[0].EventType() != funding.EventPlanReviewClaimed {
		t.Errorf("claimed %v, pending %v", c, pl.Pending())
	}
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: place.Institute}
	if got := domaintest.Outcome(pl.Claim(admin, id, "grant", now)); got != "forbidden" {
		t.Errorf("an institute's administrator claims: %s", got)
	}
}

// TestReferralR_FUND_08 (第十二条: 移交相关部门进一步处理): only the
// institute's bureau refers its case, naming the department and the
// reason (each required, refused at its path with nothing recorded); the
// referral is listed among the sanctions, read back from its stored form,
// and bars no application by itself.
func TestReferralR_FUND_08(t *testing.T) {
	p := policy.Default()
	s := funding.NewStanding(place.Institute)
	if got := domaintest.Outcome(s.Refer(admin, place, "院监察审计局", "挪用会议经费", p.Text, now)); got != "forbidden" {
		t.Errorf("R-FUND-08 the institute refers itself: %s", got)
	}
	if got := domaintest.FieldErrors(t, s.Refer(reviewer, place, " ", " ", p.Text, now)); !slices.Equal(got, []string{"to R-FUND-08", "reason R-FUND-08"}) {
		t.Errorf("R-FUND-08 a referral naming no department nor reason: %v", got)
	}
	if len(s.Pending()) != 0 {
		t.Fatalf("refusals recorded %d events", len(s.Pending()))
	}
	if err := s.Refer(reviewer, place, " 院监察审计局 ", "挪用会议经费", p.Text, now); err != nil {
		t.Fatalf("R-FUND-08 a referral: %v", err)
	}
	g := funding.NewStanding(place.Institute)
	for _, e := range s.Pending() {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		d, err := funding.DecodeStanding(e.EventType(), data)
		if err != nil {
			t.Fatal(err)
		}
		g.Apply(d)
	}
	sc := g.Sanctions()
	if len(sc) != 1 || sc[0].Kind != "referral" || sc[0].To != "院监察审计局" || sc[0].Reason != "挪用会议经费" || sc[0].On != domain.DateOf(now) {
		t.Errorf("R-FUND-08 the referral read back: %+v", sc)
	}
	if bars := funding.Bars(domain.DateOf(now), 2028, sc, nil); len(bars) != 0 {
		t.Errorf("R-FUND-08 a referral bars the institute: %+v", bars)
	}
	if !slices.Contains(funding.StandingEventTypes(), funding.EventReferred) {
		t.Errorf("the referral is not a standing event type")
	}
}
