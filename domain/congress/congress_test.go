package congress_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
)

var (
	now       = time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	organiser = uuid.MustParse("00000000-0000-4000-8000-00000000000a")
	unitA     = uuid.MustParse("00000000-0000-4000-8000-0000000000a1")
	reviewer  = domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: organiser}
	ref       = domain.Date{Year: 2027, Month: 3, Day: 1}
)

func created(t *testing.T) *congress.Congress {
	t.Helper()
	c := congress.New(uuid.New())
	if err := c.Create(reviewer, organiser, "第九次代表大会", ref, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	return c
}

// The seed's table (fig. 2.1): 1 committee candidate with minimums, 2
// representatives with minimums, no special counts.
var seedAllotment = congress.Allotment{
	Committee:       congress.Quota{Seats: 1, Grassroots: 1, Under45: 1, DemocraticParty: 1},
	Representatives: congress.Quota{Seats: 2, Grassroots: 2, Under45: 1, DemocraticParty: 1},
}

func TestCreateR_DEL_01(t *testing.T) {
	for _, c := range []struct {
		name string
		by   domain.Actor
		cong string
		ref  domain.Date
		want []string
		out  string
	}{
		{"ok", reviewer, "第九次代表大会", ref, nil, "ok"},
		{"no name, no date", reviewer, " ", domain.Date{}, []string{"name R-DEL-01", "referenceDate R-DEL-01"}, "validation"},
		{"another organisation's reviewer", domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: unitA}, "x", ref, nil, "forbidden"},
		{"a unit admin", domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: organiser}, "x", ref, nil, "forbidden"},
	} {
		err := congress.New(uuid.New()).Create(c.by, organiser, c.cong, c.ref, policy.Default(), now)
		if got := domaintest.Outcome(err); got != c.out {
			t.Errorf("%s: %s (%v)", c.name, got, err)
		}
		if c.out == "validation" && !slices.Equal(domaintest.FieldErrors(t, err), c.want) {
			t.Errorf("%s: %v, want %v", c.name, domaintest.FieldErrors(t, err), c.want)
		}
	}
}

// A minimum may equal its quota's seats, not exceed it; counts are 0 or
// more.
func TestAllotmentBoundsR_DEL_01(t *testing.T) {
	atLimit := seedAllotment
	atLimit.Representatives = congress.Quota{Seats: 2, Grassroots: 2, Under45: 2, Minority: 2, DemocraticParty: 2, Women: 2}
	over := atLimit
	over.Representatives.Under45 = 3
	negative := seedAllotment
	negative.Staff = -1
	for _, c := range []struct {
		name string
		a    congress.Allotment
		want []string
	}{
		{"the seed's table", seedAllotment, nil},
		{"every minimum at its seats", atLimit, nil},
		{"a minimum one over its seats", over, []string{"representatives.under45 R-DEL-01"}},
		{"negative staff", negative, []string{"staff R-DEL-01"}},
		{"huge", congress.Allotment{Guests: congress.MaxCount + 1}, []string{"guests R-DEL-01"}},
	} {
		c2 := created(t)
		err := c2.Allot(reviewer, unitA, c.a, now)
		if got := domaintest.FieldErrors(t, err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAllotUntilReportedR_DEL_01(t *testing.T) {
	c := created(t)
	if err := c.Allot(reviewer, unitA, seedAllotment, now); err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(c.Pending()); !slices.Equal(got, []string{congress.EventCreated, congress.EventUnitInvited, congress.EventQuotaAllotted}) {
		t.Fatalf("events %v", got)
	}
	// The same allotment again records nothing; a change records it.
	n := len(c.Pending())
	if err := c.Allot(reviewer, unitA, seedAllotment, now); err != nil || len(c.Pending()) != n {
		t.Fatalf("same allotment: %v, %d events", err, len(c.Pending())-n)
	}
	changed := seedAllotment
	changed.Staff = 3
	if err := c.Allot(reviewer, unitA, changed, now); err != nil || len(c.Pending()) != n+1 {
		t.Fatalf("changed allotment: %v", err)
	}
	if u, _ := c.Unit(unitA); u.Allotment.Staff != 3 {
		t.Fatalf("unit %+v", u)
	}
	// Only the organiser's reviewers; not the organiser itself as a unit.
	if err := c.Allot(domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unitA}, unitA, seedAllotment, now); domaintest.Outcome(err) != "forbidden" {
		t.Errorf("unit admin allots: %v", err)
	}
	if err := c.Allot(reviewer, organiser, seedAllotment, now); !slices.Equal(domaintest.FieldErrors(t, err), []string{"unitId R-DEL-01"}) {
		t.Errorf("organiser as unit: %v", err)
	}
	// Reported (R-DEL-04): the allotment is fixed.
	if err := c.MarkReported(unitA, now); err != nil {
		t.Fatal(err)
	}
	if err := c.Allot(reviewer, unitA, seedAllotment, now); domaintest.Outcome(err) != "state R-DEL-01" {
		t.Errorf("allot after report: %v", err)
	}
	// The history folds back into the same congress.
	re := congress.New(c.ID())
	for _, e := range c.Pending() {
		js, _ := json.Marshal(e)
		d, err := congress.Decode(e.EventType(), js)
		if err != nil {
			t.Fatal(err)
		}
		re.Apply(d)
	}
	if !slices.Equal(re.Units(), c.Units()) || re.ReferenceDate() != ref || re.Name() != c.Name() {
		t.Errorf("replayed %+v, want %+v", re.Units(), c.Units())
	}
}

func eventTypes(es []congress.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.EventType())
	}
	return out
}
