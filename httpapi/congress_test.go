package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/econf/econf/domain"
)

// TestCongressAllotmentR_DEL_01: the organiser's reviewer creates a
// congress, invites a unit with the seed's quota table (fig. 2.1) and
// changes it; bad allotments are refused precisely and change nothing; the
// unit's admin sees its own allotment only, another unit nothing.
func TestCongressAllotmentR_DEL_01(t *testing.T) {
	h := newHarness(t)
	organiser, unitAdmin := h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleUnitAdmin)
	quota := func(seats, grassroots, under45, minority, party, women int) map[string]int {
		return map[string]int{"seats": seats, "grassroots": grassroots, "under45": under45, "minority": minority, "democraticParty": party, "women": women}
	}
	allot := func(committee, reps map[string]int, staff int) map[string]any {
		return map[string]any{"allotment": map[string]any{"committee": committee, "representatives": reps,
			"specialInvited": 0, "observers": 0, "guests": 0, "staff": staff}}
	}

	if res := h.do("POST", "/api/v1/congresses", unitAdmin, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "c0"); res.status != http.StatusForbidden {
		t.Fatalf("a unit admin creates a congress: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": " ", "referenceDate": ""}, "Idempotency-Key", "c1"); res.status != 422 ||
		!res.hasRule("R-DEL-01@name") || !res.hasRule("R-DEL-01@referenceDate") {
		t.Fatalf("no name, no date: %d %s", res.status, res.body)
	}
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "c2")
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	unitPath := loc + "/units/" + h.tree.Unit.String()

	seed := allot(quota(1, 1, 1, 0, 1, 0), quota(2, 2, 1, 0, 1, 0), 0)
	if res := h.do("PUT", unitPath, organiser, seed, "Idempotency-Key", "a1"); res.status != http.StatusOK {
		t.Fatalf("allot: %d %s", res.status, res.body)
	}
	before := h.eventCount()
	// A minimum at its seats is fine; one over is refused, as is a negative count.
	for _, c := range []struct {
		body map[string]any
		rule string
	}{
		{allot(quota(1, 1, 1, 0, 1, 0), quota(2, 2, 3, 0, 1, 0), 0), "R-DEL-01@allotment.representatives.under45"},
		{allot(quota(1, 1, 1, 0, 1, 0), quota(2, 2, 1, 0, 1, 0), -1), "R-DEL-01@allotment.staff"},
	} {
		if res := h.do("PUT", unitPath, organiser, c.body, "Idempotency-Key", c.rule); res.status != 422 || !res.hasRule(c.rule) {
			t.Errorf("%s: %d %s", c.rule, res.status, res.body)
		}
	}
	if res := h.do("PUT", loc+"/units/"+h.tree.Authority.String(), organiser, seed, "Idempotency-Key", "a2"); res.status != 422 || !res.hasRule("R-DEL-01@unitId") {
		t.Errorf("the organiser invited: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != before {
		t.Fatalf("refused allotments wrote %d events", n-before)
	}
	atLimit := allot(quota(1, 1, 1, 1, 1, 1), quota(2, 2, 2, 2, 2, 2), 4)
	res = h.do("PUT", unitPath, organiser, atLimit, "Idempotency-Key", "a3")
	if res.status != http.StatusOK {
		t.Fatalf("every minimum at its seats: %d %s", res.status, res.body)
	}
	// The list of congresses one may open: the organiser's and the invited
	// unit's hold it, another unit's and an applicant's are empty.
	pos := res.header.Get("X-Econf-Position")
	for who, want := range map[string]int{organiser: 1, unitAdmin: 1, h.tree.OtherUnitAd.Email: 0, h.email(domain.RoleApplicant): 0} {
		res := h.do("GET", "/api/v1/congresses", who, nil, "X-Econf-Min-Position", pos)
		items, _ := res.json(t)["items"].([]any)
		if res.status != http.StatusOK || len(items) != want {
			t.Errorf("%s lists congresses: %d %s; want %d", who, res.status, res.body, want)
		} else if want == 1 && (items[0].(map[string]any)["name"] != "第九次代表大会" || items[0].(map[string]any)["referenceDate"] != "2027-03-01") {
			t.Errorf("%s lists %v", who, items[0])
		}
	}
	// The unit admin allots nothing: the congress is the organiser's.
	if res := h.do("PUT", unitPath, unitAdmin, seed, "Idempotency-Key", "a4"); res.status != http.StatusNotFound {
		t.Errorf("unit admin allots: %d %s", res.status, res.body)
	}
	// Reads: the organiser sees every unit; the invited unit its own; another unit nothing.
	res = h.do("GET", loc, organiser, nil)
	units, _ := res.json(t)["units"].([]any)
	if res.status != http.StatusOK || len(units) != 1 {
		t.Fatalf("organiser reads: %d %s", res.status, res.body)
	}
	if got := units[0].(map[string]any)["allotment"].(map[string]any)["staff"]; got != float64(4) {
		t.Errorf("staff %v, want 4", got)
	}
	if res := h.do("GET", loc, unitAdmin, nil); res.status != http.StatusOK || res.json(t)["referenceDate"] != "2027-03-01" {
		t.Errorf("invited unit reads: %d %s", res.status, res.body)
	}
	if res := h.do("GET", loc, h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit reads: %d %s", res.status, res.body)
	}
}
