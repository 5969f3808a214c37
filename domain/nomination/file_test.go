package nomination_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// started is a unit's file for seed 003's cycle.
func started(t *testing.T, kind org.Kind) (*nomination.File, *nomination.Cycle, domain.Actor) {
	t.Helper()
	c := nomination.NewCycle(uuid.New())
	if err := c.Open(staff, true, seedSpec(), policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	unit := uuid.New()
	contact := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit, Authority: assoc}
	f := nomination.NewFile(nomination.FileID(c.ID(), unit))
	if err := f.Start(contact, kind, c, now); err != nil {
		t.Fatal(err)
	}
	return f, c, contact
}

func planOf(t *testing.T, f *nomination.File, c *nomination.Cycle, a domain.Actor, n int) {
	t.Helper()
	var es []nomination.PlanEntry
	for i := range n {
		es = append(es, nomination.PlanEntry{Name: fmt.Sprintf("示范学术年会%d", i), Opening: d(2023, 6, 1), Closing: d(2023, 6, 3), Place: "北京", Host: "示范学会", Own: true})
	}
	if _, err := f.AddPlanEntries(a, es, nil, c.Spec(), policy.Default(), uuid.New, now); err != nil {
		t.Fatal(err)
	}
}

func mechanism(name string, own bool) nomination.Recommendation {
	return nomination.Recommendation{Name: name, Host: "示范学会", Opening: d(2023, 9, 1), Kind: nomination.Mechanism, Own: own,
		Editions: []nomination.Edition{{Number: 7, Date: d(2021, 9, 1)}, {Number: 8, Date: d(2022, 9, 1)}}}
}

func single(name string) nomination.Recommendation {
	return nomination.Recommendation{Name: name, Host: "他会", Opening: d(2023, 9, 1), Kind: nomination.Single, Reason: "服务重大战略需求"}
}

func rulesOf(err error) []string {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		if err != nil {
			return []string{err.Error()}
		}
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Path+" "+f.Rule)
	}
	return out
}

// TestRecommendationR_NOM_02: ineligible kinds, the window's edges, the
// mechanism conference's editions by the cut-off (on both sides), the
// single conference's reason.
func TestRecommendationR_NOM_02(t *testing.T) {
	p := policy.Default()
	f, c, a := started(t, org.ProvincialAssociation)
	add := func(r nomination.Recommendation) []string {
		_, err := f.AddRecommendation(a, r, c.Spec(), p, uuid.New(), now)
		return rulesOf(err)
	}
	for _, name := range []string{"青年教师培训班", "教学研讨会", "建会六十周年纪念大会", "年度表彰大会", "学会成立庆典"} {
		if got := add(mechanism(name, false)); !slices.Contains(got, "name R-NOM-02") {
			t.Errorf("R-NOM-02 %s: %v", name, got)
		}
	}
	for _, tt := range []struct {
		open domain.Date
		ok   bool
	}{{d(2022, 12, 31), false}, {d(2023, 1, 1), true}, {d(2024, 3, 31), true}, {d(2024, 4, 1), false}} {
		r := mechanism("示范会议"+tt.open.String(), false)
		r.Opening = tt.open
		if got := add(r); (got == nil) != tt.ok {
			t.Errorf("R-NOM-02 opening %s: %v", tt.open, got)
		}
	}
	late := mechanism("届次不足的会议", false)
	late.Editions[1].Date = d(2023, 1, 1) // the second edition after the cut-off
	if got := add(late); !slices.Equal(got, []string{"editions R-NOM-02"}) {
		t.Errorf("R-NOM-02 one edition by the cut-off: %v", got)
	}
	onCut := mechanism("届次恰好的会议", false)
	onCut.Editions[1].Date = d(2022, 12, 31)
	if got := add(onCut); got != nil {
		t.Errorf("R-NOM-02 the second edition on the cut-off day: %v", got)
	}
	gap := mechanism("不连续的会议", false)
	gap.Editions[1].Number = 9
	if got := add(gap); !slices.Contains(got, "editions[1] R-NOM-02") {
		t.Errorf("R-NOM-02 editions 7 and 9: %v", got)
	}
	noReason := single("单次会议")
	noReason.Reason = ""
	if got := add(noReason); !slices.Equal(got, []string{"reason R-NOM-02"}) {
		t.Errorf("R-NOM-02 a single conference without reason: %v", got)
	}
}

// TestQuotasR_NOM_03 at the exact limits: a national society with 30
// planned conferences recommends 3 own ones (10%), the 4th is refused;
// single conferences up to 20% of the list; others' and joint ones
// unlimited; a provincial association 10, the 11th refused; the quota is
// checked again at submission (after the plan shrank).
func TestQuotasR_NOM_03(t *testing.T) {
	p := policy.Default()
	f, c, a := started(t, org.NationalSociety)
	planOf(t, f, c, a, 30)
	add := func(r nomination.Recommendation) []string {
		_, err := f.AddRecommendation(a, r, c.Spec(), p, uuid.New(), now)
		return rulesOf(err)
	}
	for i := range 3 {
		if got := add(mechanism(fmt.Sprintf("本会年会%d", i), true)); got != nil {
			t.Fatalf("R-NOM-03 own %d of 3: %v", i+1, got)
		}
	}
	if got := add(mechanism("本会年会3", true)); !slices.Equal(got, []string{"recommendation R-NOM-03"}) {
		t.Errorf("R-NOM-03 a 4th own conference of 30 planned: %v", got)
	}
	joint := mechanism("联合国际组织推荐的会议", true)
	joint.JointInternational = true
	if got := add(joint); got != nil {
		t.Errorf("R-NOM-03 joint with an international organisation: %v", got)
	}
	// 4 on the list: a single one would be 1 of 5, within 20%.
	if got := add(single("单次会议甲")); got != nil {
		t.Errorf("R-NOM-03 1 single of 5: %v", got)
	}
	if got := add(single("单次会议乙")); !slices.Equal(got, []string{"recommendation R-NOM-03"}) {
		t.Errorf("R-NOM-03 2 singles of 6: %v", got)
	}
	for i := range 4 {
		if got := add(mechanism(fmt.Sprintf("他会会议%d", i), false)); got != nil {
			t.Fatalf("R-NOM-03 others' conferences are unlimited: %v", got)
		}
	}
	if got := add(single("单次会议乙")); got != nil {
		t.Errorf("R-NOM-03 2 singles of 10: %v", got)
	}
	q := f.Quota(p)
	if want := []nomination.QuotaLine{{Key: "own", Allowed: 3, Used: 3}, {Key: "single", Allowed: 2, Used: 2}, {Key: "others", Used: 6, Unlimited: true}, {Key: "joint", Used: 1, Unlimited: true}}; !slices.Equal(q.Lines, want) || q.Plan != 30 {
		t.Errorf("R-NOM-03 quota view %+v; want plan 30, %+v", q, want)
	}
	// The plan shrinks to 29: 3 own are now over 10% (2); submission says so.
	if err := f.RemovePlanEntry(a, f.Plan()[0].ID, now); err != nil {
		t.Fatal(err)
	}
	if err := nomination.QuotaOf(f.Kind(), len(f.Plan()), f.List(), p.Nomination).Check("recommendations", p.Nomination); !slices.Equal(rulesOf(err), []string{"recommendations R-NOM-03"}) {
		t.Errorf("R-NOM-03 3 own of 29 planned: %v", err)
	}

	prov, pc, pa := started(t, org.ProvincialAssociation)
	for i := range 10 {
		if _, err := prov.AddRecommendation(pa, mechanism(fmt.Sprintf("省内会议%d", i), false), pc.Spec(), p, uuid.New(), now); err != nil {
			t.Fatalf("R-NOM-03 provincial %d of 10: %v", i+1, err)
		}
	}
	if _, err := prov.AddRecommendation(pa, mechanism("省内会议10", false), pc.Spec(), p, uuid.New(), now); !slices.Equal(rulesOf(err), []string{"recommendation R-NOM-03"}) {
		t.Errorf("R-NOM-03 an 11th for a provincial association: %v", err)
	}
	uni, uc, ua := started(t, org.UniversityAssociation)
	for i := range 10 {
		if _, err := uni.AddRecommendation(ua, mechanism(fmt.Sprintf("高校会议%d", i), false), uc.Spec(), p, uuid.New(), now); err != nil {
			t.Fatalf("R-NOM-03 university association %d of 10: %v", i+1, err)
		}
	}
	if _, err := uni.AddRecommendation(ua, mechanism("高校会议10", false), uc.Spec(), p, uuid.New(), now); !slices.Equal(rulesOf(err), []string{"recommendation R-NOM-03"}) || len(uni.Pending()) != 11 {
		t.Errorf("R-NOM-03 an 11th for a university association: %v (%d pending)", err, len(uni.Pending()))
	}
	if q := uni.Quota(p); !slices.Equal(q.Lines, []nomination.QuotaLine{{Key: "total", Allowed: 10, Used: 10}}) {
		t.Errorf("R-NOM-03 a university association's quota view: %+v", q)
	}
	p.Nomination.Rounding = "ceil"
	if got := nomination.QuotaOf(org.NationalSociety, 29, nil, p.Nomination).Lines[0].Allowed; got != 3 {
		t.Errorf("R-NOM-03 rounding ceil of 10%% of 29 = %d; want 3", got)
	}
}

// committee is n members described for representativeness.
func committee(n int) []nomination.Member {
	var ms []nomination.Member
	for i := range n {
		ms = append(ms, nomination.Member{Name: fmt.Sprintf("评审专家%d", i), Institution: "示范大学", Discipline: "数学", Sector: "高校", Region: "华北"})
	}
	return ms
}

// TestCommitteeAndSubmissionR_NOM_04: a committee of four is refused, of
// five accepted; a nominating expert sits on it only with a
// justification (or never, under "refuse"); submission needs the
// scheme, opinion and signed list, before the deadline, within quota.
func TestCommitteeAndSubmissionR_NOM_04(t *testing.T) {
	p := policy.Default()
	f, c, a := started(t, org.ProvincialAssociation)
	if err := f.SetCommittee(a, committee(4), p, now); !slices.Equal(rulesOf(err), []string{"members R-NOM-04"}) {
		t.Errorf("R-NOM-04 a committee of four: %v", err)
	}
	e, err := f.InviteExpert(a, nomination.Expert{Name: "评审专家0", Institution: "示范大学", Title: "教授"}, p, uuid.New(), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Nominate(a, e.ID, []nomination.Nominated{{Conference: "示范学术年会", Reason: "领域重要会议"}}, p, now); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCommittee(a, committee(5), p, now); !slices.Equal(rulesOf(err), []string{"members[0].justification R-NOM-04"}) {
		t.Errorf("R-NOM-04 an unjustified nominator: %v", err)
	}
	justified := committee(5)
	justified[0].Justification = "本领域专家有限"
	strict := p
	strict.Nomination.NominatorOnCommittee = "refuse"
	if err := f.SetCommittee(a, justified, strict, now); !slices.Equal(rulesOf(err), []string{"members[0] R-NOM-04"}) {
		t.Errorf("R-NOM-04 a nominator under refuse: %v", err)
	}
	if err := f.SetCommittee(a, justified, p, now); err != nil {
		t.Errorf("R-NOM-04 a justified nominator, five members: %v", err)
	}
	if err := f.Submit(a, c, p, now); !slices.Equal(rulesOf(err), []string{"recommendations R-NOM-04", "scheme R-NOM-04", "committee.opinion R-NOM-04", "signedList R-NOM-04"}) {
		t.Errorf("R-NOM-04 submitting an unfinished file: %v", err)
	}
	if _, err := f.AddRecommendation(a, mechanism("示范学术年会", false), c.Spec(), p, uuid.New(), now); err != nil {
		t.Fatal(err)
	}
	scan := uuid.New()
	for _, err := range []error{
		f.SaveScheme(a, nomination.Scheme{Principles: "公开公正", Standards: "学术水平", Process: "专家提名、评审、公示", Contact: nomination.Contact{Name: "联络员", Mobile: "13800000009"}}, p, now),
		f.RecordOpinion(a, nomination.Opinion{Result: "同意推荐", Opinion: "会议学术水平高", Scan: scan}, p, now),
		f.SignList(a, scan, now),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	noticed(t, f, a, &p, d(2023, 3, 1)) // the public notice runs five working days first
	spec := c.Spec()
	after := spec.Deadline.AddDays(1).Time().Add(9 * 3600e9)
	if err := f.Submit(a, c, p, after); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("R-NOM-04 a day after the deadline: %v", err)
	}
	last := spec.Deadline.Time().Add(23 * 3600e9)
	if err := f.Submit(a, c, p, last); err != nil {
		t.Fatalf("R-NOM-04 on the deadline day: %v", err)
	}
	if err := f.SaveScheme(a, nomination.Scheme{}, p, now); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("editing a submitted file: %v", err)
	}
	if err := f.Decide(a, procedure.Return, "", "补充材料", now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("the unit returns its own file: %v", err)
	}
	if err := f.Decide(staff, procedure.Return, "", "请补充专家意见", now); err != nil || f.Status() != nomination.StatusReturned {
		t.Errorf("the organiser returns it: %v, %s", err, f.Status())
	}
}

// TestRecognitionR_NOM_06: the steering committee recognises only
// conferences of a submitted list, each once, with an English name; a
// guide needs one; after publication the host updates until two weeks
// before (R-NOM-05), submits resources from the opening day, and takes
// part in quality tracking; priority follows the previous guide's
// resources.
func TestRecognitionR_NOM_06(t *testing.T) {
	p := policy.Default()
	f, c, a := started(t, org.ProvincialAssociation)
	r, err := f.AddRecommendation(a, mechanism("示范学术年会", false), c.Spec(), p, uuid.New(), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Recognise(staff, nomination.Recognise{File: f, Recommendation: r.ID, NameEn: "Demo Meeting"}, p, now); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("R-NOM-06 a list not submitted: %v", err)
	}
	if err := c.PublishGuide(staff, now); !slices.Equal(rulesOf(err), []string{"guide R-NOM-06"}) {
		t.Errorf("R-NOM-06 an empty guide: %v", err)
	}
	proceedings := uuid.New()
	if f.RefersTo(proceedings) {
		t.Errorf("R-NOM-06 the file refers to proceedings not sent")
	}
	if err := f.SubmitPreviousResources(a, nomination.Resources{Videos: []string{"https://video.example.org/2022"}, Proceedings: []uuid.UUID{proceedings}}, p, now); err != nil || !f.Priority() {
		t.Fatalf("previous resources: %v", err)
	}
	if !f.RefersTo(proceedings) {
		t.Errorf("R-NOM-06 the previous guide's proceedings are not read through the file that sent them")
	}
	noticed(t, f, a, &p, d(2023, 1, 9)) // the public notice has run by 20 January
	scan := uuid.New()
	for _, err := range []error{
		f.SetCommittee(a, committee(5), p, now),
		f.SaveScheme(a, nomination.Scheme{Principles: "公开", Standards: "水平", Process: "评审", Contact: nomination.Contact{Name: "联络员", Mobile: "13800000009"}}, p, now),
		f.RecordOpinion(a, nomination.Opinion{Result: "同意", Opinion: "水平高", Scan: scan}, p, now),
		f.SignList(a, scan, now),
		f.Submit(a, c, p, now),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Recognise(a, nomination.Recognise{File: f, Recommendation: r.ID, NameEn: "Demo Meeting"}, p, now); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-NOM-06 the unit recognises: %v", err)
	}
	if err := c.Recognise(staff, nomination.Recognise{File: f, Recommendation: r.ID}, p, now); !slices.Equal(rulesOf(err), []string{"nameEn SCHEMA"}) {
		t.Errorf("R-NOM-06 without the English name: %v", err)
	}
	if err := c.Recognise(staff, nomination.Recognise{File: f, Recommendation: r.ID, NameEn: "Demo Meeting"}, p, now); err != nil {
		t.Fatal(err)
	}
	if err := c.Decline(staff, f, r.ID, "重复", p, now); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("R-NOM-06 deciding twice: %v", err)
	}
	if err := c.PublishGuide(staff, now); err != nil || !c.Guide()[0].Priority {
		t.Fatalf("publish: %v, %+v", err, c.Guide())
	}
	opening := r.Opening // 2023-09-01
	last := opening.AddDays(-14).Time().Add(20 * 3600e9)
	if err := c.UpdateConference(a, r.ID, opening, "杭州", p, last); err != nil {
		t.Errorf("R-NOM-05 an update 14 days before: %v", err)
	}
	if err := c.UpdateConference(a, r.ID, opening, "上海", p, last.Add(12*3600e9)); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("R-NOM-05 an update 13 days before: %v", err)
	}
	if err := c.SubmitResources(a, r.ID, nomination.Resources{Videos: []string{"https://video.example.org/1"}}, p, opening.AddDays(-1).Time()); !errors.Is(err, domain.ErrWrongState) {
		t.Errorf("R-NOM-05 resources the day before: %v", err)
	}
	if err := c.SubmitResources(a, r.ID, nomination.Resources{Videos: []string{"ftp://x"}}, p, opening.Time()); !slices.Equal(rulesOf(err), []string{"videos[0] R-NOM-05"}) {
		t.Errorf("R-NOM-05 a video that is no link: %v", err)
	}
	if err := c.SubmitResources(a, r.ID, nomination.Resources{Videos: []string{"https://video.example.org/1"}}, p, opening.Time()); err != nil {
		t.Errorf("R-NOM-05 resources on the opening day: %v", err)
	}
	if err := c.TrackQuality(a, r.ID, now); err != nil || !c.Guide()[0].Tracked || c.Guide()[0].Place != "杭州" {
		t.Errorf("R-NOM-06 quality tracking: %v %+v", err, c.Guide()[0])
	}
}
