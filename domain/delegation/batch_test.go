package delegation_test

import (
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

// The unit's batch review (批量审核, R-DEL-03) is all or nothing: a
// selection with any nominee that cannot be decided (decided already,
// disabled, not the unit's, listed twice) is refused with each such
// nominee named at nominees[i] and nothing recorded; an empty selection
// and a rejection without an opinion are refused before any nominee is
// looked at; another unit may not; a good selection records one decision
// per nominee with the one opinion.
func TestBatchReviewAllOrNothingR_DEL_03(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	unit := uuid.New()
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit}
	allot := seed
	allot.Representatives.Seats = 3
	el := delegation.Electing{Congress: uuid.New(), Organiser: uuid.New(), Unit: unit, ReferenceDate: ref, Allotment: allot, Invited: true}
	d := delegation.New(delegation.ID(el.Congress, unit))
	profile := delegation.Profile{Gender: "female", Ethnicity: "汉族", Affiliations: []string{"中国民主同盟"}, Grassroots: true}
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	for i, id := range []uuid.UUID{a, b, c} {
		identity := delegation.Representative
		if i == 0 {
			identity = delegation.Committee
		}
		if err := d.Add(admin, el, id, delegation.NewNominee{Name: "甲", Identity: identity, Profile: profile, Birth: domain.Date{Year: 1980, Month: 1, Day: 1}}, policy.Default(), now); err != nil {
			t.Fatal(err)
		}
	}
	fresh := func() int { return len(d.Pending()) }
	if err := d.Review(admin, c, procedure.Approve, "", now); err != nil {
		t.Fatal(err)
	}
	before := fresh()
	stranger := uuid.New()
	err := d.ReviewBatch(admin, []uuid.UUID{a, c, stranger, a}, procedure.Approve, "材料齐全", now)
	if got := domaintest.FieldErrors(t, err); !slices.Equal(got, []string{"nominees[1] R-DEL-03", "nominees[2] R-DEL-03", "nominees[3] R-DEL-03"}) {
		t.Errorf("a selection with one decided, one stranger and one listed twice: %v", got)
	}
	if n, _ := d.Nominee(a); n.Status != delegation.Pending || fresh() != before {
		t.Fatalf("a refused batch changed something: %s, %d events recorded", n.Status, fresh()-before)
	}

	if got := domaintest.FieldErrors(t, d.ReviewBatch(admin, nil, procedure.Approve, "", now)); !slices.Equal(got, []string{"nominees R-DEL-03"}) {
		t.Errorf("an empty selection: %v", got)
	}
	if got := domaintest.FieldErrors(t, d.ReviewBatch(admin, []uuid.UUID{a, b}, procedure.Reject, "  ", now)); !slices.Equal(got, []string{"reason R-DEL-03"}) {
		t.Errorf("a batch rejection without an opinion: %v", got)
	}
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New()}
	if err := d.ReviewBatch(other, []uuid.UUID{a, b}, procedure.Approve, "", now); domaintest.Outcome(err) != "forbidden" {
		t.Errorf("another unit's batch: %v", err)
	}
	// A disabled nominee in the selection refuses the whole batch.
	if err := d.Disable(admin, b, now); err != nil {
		t.Fatal(err)
	}
	before = fresh()
	if got := domaintest.FieldErrors(t, d.ReviewBatch(admin, []uuid.UUID{a, b}, procedure.Reject, "材料不全", now)); !slices.Equal(got, []string{"nominees[1] R-DEL-08"}) {
		t.Errorf("a disabled nominee in the batch: %v", got)
	}
	if fresh() != before {
		t.Fatal("a refused batch recorded events")
	}
	if err := d.Enable(admin, b, now); err != nil {
		t.Fatal(err)
	}

	// The good selection: each nominee rejected with the one opinion.
	if err := d.ReviewBatch(admin, []uuid.UUID{a, b}, procedure.Reject, "材料不全", now); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{a, b} {
		if n, _ := d.Nominee(id); n.Status != delegation.Rejected || n.Opinion != "材料不全" {
			t.Errorf("after the batch rejection: %s %q", n.Status, n.Opinion)
		}
	}
}
