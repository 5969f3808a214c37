package delegation_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// The unit's initial review with a revoke (R-DEL-03), the report
// (R-DEL-04), the organiser's final review with an edit and resubmission
// (R-DEL-05), and the history folding back into the same roster.
func TestReviewsR_DEL_03_05(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	organiser, unit := uuid.New(), uuid.New()
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit}
	reviewer := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: organiser}
	el := delegation.Electing{Congress: uuid.New(), Organiser: organiser, Unit: unit, ReferenceDate: ref, Allotment: seed, Invited: true}
	d := delegation.New(delegation.ID(el.Congress, unit))
	a, b := uuid.New(), uuid.New()
	profile := delegation.Profile{Gender: "male", Ethnicity: "汉族", Affiliations: []string{"中国民主同盟"}, Grassroots: true}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(d.Add(admin, el, a, delegation.NewNominee{Name: "甲", Identity: delegation.Committee, Profile: profile, Birth: domain.Date{Year: 1982, Month: 3, Day: 1}}, policy.Default(), now))
	must(d.Add(admin, el, b, delegation.NewNominee{Name: "乙", Identity: delegation.Representative, Profile: profile, Birth: domain.Date{Year: 1960, Month: 1, Day: 1}}, policy.Default(), now))

	if err := d.Revoke(admin, a, now); domaintest.Outcome(err) != "state R-DEL-03" {
		t.Errorf("revoke a pending nominee: %v", err)
	}
	must(d.Review(admin, a, procedure.Reject, "材料不全", now))
	must(d.Revoke(admin, a, now))
	if n, _ := d.Nominee(a); n.Status != delegation.Pending {
		t.Fatalf("after revoking the rejection: %s", n.Status)
	}
	must(d.Review(admin, a, procedure.Approve, "", now))
	must(d.Review(admin, b, procedure.Approve, "", now))
	if err := d.FinalReview(reviewer, a, true, "", now); domaintest.Outcome(err) != "state R-DEL-05" {
		t.Errorf("final review before the report: %v", err)
	}
	must(d.ReportAll(admin, seed, now))
	if err := d.Edit(admin, el, a, delegation.EditNominee{Name: "甲", Profile: profile, Birth: domain.Date{Year: 1982, Month: 3, Day: 1}}, policy.Default(), now); domaintest.Outcome(err) != "state R-DEL-05" {
		t.Errorf("edit a reported nominee: %v", err)
	}
	if err := d.FinalReview(admin, a, true, "", now); domaintest.Outcome(err) != "forbidden" {
		t.Errorf("the unit decides the final review: %v", err)
	}
	if err := d.FinalReview(reviewer, a, false, " ", now); !slices.Equal(domaintest.FieldErrors(t, err), []string{"reason R-DEL-05"}) {
		t.Errorf("final rejection without an opinion: %v", err)
	}
	must(d.FinalReview(reviewer, a, false, "请补充", now))
	must(d.Edit(admin, el, a, delegation.EditNominee{Name: "甲", Profile: profile, Birth: domain.Date{Year: 1981, Month: 3, Day: 1}}, policy.Default(), now))
	n, _ := d.Nominee(a)
	if n.Status != delegation.Reported || n.Indicators.Under45 {
		t.Fatalf("resubmitted %+v (46 on the reference date now)", n)
	}
	must(d.FinalReview(reviewer, a, true, "", now))
	if err := d.FinalReview(reviewer, a, false, "改变主意", now); domaintest.Outcome(err) != "state R-DEL-05" {
		t.Errorf("a final decision taken back: %v", err)
	}

	re := delegation.New(d.ID())
	for _, e := range d.Pending() {
		js, _ := json.Marshal(e)
		got, err := delegation.Decode(e.EventType(), js)
		must(err)
		re.Apply(got)
	}
	if !slices.EqualFunc(re.Nominees(), d.Nominees(), func(x, y delegation.Nominee) bool {
		return x.ID == y.ID && x.Status == y.Status && x.Indicators == y.Indicators && x.Name == y.Name
	}) || !re.IsReported() {
		t.Errorf("replayed %+v\nwant %+v", re.Nominees(), d.Nominees())
	}
	for _, name := range delegation.EventTypes() {
		if _, err := delegation.Decode(name, []byte(`{}`)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
