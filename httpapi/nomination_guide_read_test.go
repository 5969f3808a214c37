package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// TestUnpublishedGuideReadByStaffR_NOM_06: the guide's JSON before
// publication is the organiser's staff's, signed in (the web's
// recognition and guide pages read it); anyone else, signed in or not,
// is told it is not found, and a token that is no session reads as
// anonymous. Before, the public route never read the token: the staff
// got 404 too.
func TestUnpublishedGuideReadByStaffR_NOM_06(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2023, time.January, 20, 10, 0, 0, 0, domain.Shanghai))
	_, staff := h.associationLogin()
	res := h.do("POST", "/api/v1/nomination-cycles", staff, seedCycle())
	if res.status != http.StatusCreated {
		t.Fatalf("open cycle: %d %s", res.status, res.body)
	}
	guide := "/api/v1/guides/" + res.json(t)["id"].(string)
	if res := h.do("GET", guide, staff, nil); res.status != http.StatusOK || res.json(t)["published"] != false {
		t.Errorf("R-NOM-06 the staff read the unpublished guide: %d %s", res.status, res.body)
	}
	for _, who := range []string{"", h.email(domain.RoleUnitAdmin)} {
		if res := h.do("GET", guide, who, nil); res.status != http.StatusNotFound {
			t.Errorf("R-NOM-06 %q reads the unpublished guide: %d %s", who, res.status, res.body)
		}
	}
	if res := h.do("GET", guide, "", nil, "Authorization", "Bearer no-such-session"); res.status != http.StatusNotFound {
		t.Errorf("a token that is no session: %d %s", res.status, res.body)
	}
}
