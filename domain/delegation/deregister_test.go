package delegation_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// Deregistering (注销) removes a nominee and frees its seat; a reported
// nominee is the organiser's and stays (R-DEL-08).
func TestDeregisterR_DEL_08(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	unit := uuid.New()
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit}
	el := delegation.Electing{Congress: uuid.New(), Organiser: uuid.New(), Unit: unit, ReferenceDate: ref, Allotment: seed, Invited: true}
	d := delegation.New(delegation.ID(el.Congress, unit))
	profile := delegation.Profile{Gender: "female", Ethnicity: "汉族", Affiliations: []string{"中国民主同盟"}, Grassroots: true}
	candidate := delegation.NewNominee{Name: "甲", Identity: delegation.Committee, Profile: profile, Birth: domain.Date{Year: 1985, Month: 1, Day: 1}}
	a, b := uuid.New(), uuid.New()
	if err := d.Add(admin, el, a, candidate, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	if err := d.Add(admin, el, b, candidate, policy.Default(), now); domaintest.Outcome(err) != "validation" {
		t.Fatalf("a second candidate: %v", err)
	}
	if err := d.Deregister(domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New()}, a, now); domaintest.Outcome(err) != "forbidden" {
		t.Errorf("another unit deregisters: %v", err)
	}
	if err := d.Deregister(admin, a, now); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Nominee(a); ok || len(d.Nominees()) != 0 {
		t.Fatalf("deregistered nominee still there: %+v", d.Nominees())
	}
	if err := d.Deregister(admin, a, now); domaintest.Outcome(err) != "not found" {
		t.Errorf("deregister again: %v", err)
	}
	// The seat is free again.
	if err := d.Add(admin, el, b, candidate, policy.Default(), now); err != nil {
		t.Fatalf("the freed seat: %v", err)
	}
	rep := uuid.New()
	if err := d.Add(admin, el, rep, delegation.NewNominee{Name: "乙", Identity: delegation.Representative, Profile: profile, Birth: domain.Date{Year: 1970, Month: 1, Day: 1}}, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{b, rep} {
		if err := d.Review(admin, id, procedure.Approve, "", now); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.ReportAll(admin, seed, now); err != nil {
		t.Fatal(err)
	}
	if err := d.Deregister(admin, b, now); domaintest.Outcome(err) != "state R-DEL-08" {
		t.Errorf("deregister a reported nominee: %v", err)
	}
}
