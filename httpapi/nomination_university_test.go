package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// TestUniversityAssociationAssignedAccountOverHTTP (seed 003 二, R-NOM-01,
// R-NOM-03): a university association gets no invitation code; the
// association's staff register it and an administrator assigns its
// contact an account, who finds the cycle in the list, starts the file
// and recommends up to ten conferences: the eleventh is refused and
// writes nothing.
func TestUniversityAssociationAssignedAccountOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2023, time.January, 20, 10, 0, 0, 0, domain.Shanghai))
	assoc, staff := h.associationLogin()
	res := h.do("POST", "/api/v1/nomination-cycles", staff, seedCycle())
	if res.status != http.StatusCreated {
		t.Fatalf("open cycle: %d %s", res.status, res.body)
	}
	cycleID := res.json(t)["id"].(string)
	res = h.do("POST", "/api/v1/organisations", staff, map[string]any{"kind": "university_association", "nameZh": "示范大学科协", "parentId": assoc})
	if res.status != http.StatusCreated {
		t.Fatalf("R-NOM-01 the staff register a university association: %d %s", res.status, res.body)
	}
	unit := res.json(t)["id"].(string)
	contact := "contact@kx.demo-university.edu.cn"
	if res := h.do("POST", "/api/v1/users", h.email(domain.RolePlatformAdmin), map[string]any{"email": contact, "name": "高校科协联络员", "role": "unit_admin",
		"orgId": unit, "password": nomPassword}); res.status != http.StatusCreated {
		t.Fatalf("R-NOM-01 an administrator assigns the contact's account: %d %s", res.status, res.body)
	}
	h.login(contact, nomPassword)
	row := h.cyclesOf(contact)[cycleID]
	if row == nil || tasksOf(row)["start_file"]["due"] != "2023-03-15" {
		t.Fatalf("R-NOM-01 the university association's cycles: %v", h.cyclesOf(contact))
	}
	res = h.do("POST", "/api/v1/nominations", contact, map[string]any{"cycleId": cycleID})
	if res.status != http.StatusCreated {
		t.Fatalf("start: %d %s", res.status, res.body)
	}
	file := res.header.Get("Location")
	rec := func(i int) response {
		return h.do("POST", file+"/recommendations", contact, map[string]any{"name": fmt.Sprintf("高校学术会议%d", i), "host": "示范大学", "openingDate": "2023-09-10",
			"kind": "mechanism", "field": "信息科学", "editions": []any{map[string]any{"number": 3, "date": "2021-09-10"}, map[string]any{"number": 4, "date": "2022-09-10"}}})
	}
	for i := range 10 {
		if res := rec(i); res.status != http.StatusOK {
			t.Fatalf("R-NOM-03 the university association's %d of 10: %d %s", i+1, res.status, res.body)
		}
	}
	before := h.eventCount()
	if res := rec(10); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-03@recommendation") {
		t.Errorf("R-NOM-03 an 11th for a university association: %d %s", res.status, res.body)
	}
	if after := h.eventCount(); after != before {
		t.Errorf("R-NOM-03 the refused 11th wrote %d events", after-before)
	}
	q := h.do("GET", file+"/quota", contact, nil).json(t)["lines"].([]any)[0].(map[string]any)
	if q["key"] != "total" || q["allowed"] != 10.0 || q["used"] != 10.0 {
		t.Errorf("R-NOM-03 the university association's quota view: %v", q)
	}
	if v := h.do("GET", "/api/v1/nominations?kind=university_association", staff, nil).json(t); v["total"] != 1.0 {
		t.Errorf("the organiser's list of university associations: %v", v)
	}
}
