package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
)

// TestWorkCalendarAdmin: the platform admin enters a year of the
// working-day calendar (R-POL-01) through the API: every broken day is
// refused at once with its path and nothing is written; a valid year makes
// a new policy version, recorded as a policy event naming the command and
// the admin; a whole policy sent back keeps the calendar in force.
func TestWorkCalendarAdmin(t *testing.T) {
	h := newHarness(t)
	admin := h.email(domain.RolePlatformAdmin)
	applicant := h.email(domain.RoleApplicant)

	y := h.do("GET", "/api/v1/policy/work-calendar/2026", applicant, nil)
	if y.status != 200 || !strings.Contains(string(y.body), "国办发明电〔2025〕7号") || !strings.Contains(string(y.body), `"2026-02-14"`) {
		t.Fatalf("2026 as shipped: %d %s", y.status, y.body)
	}
	if res := h.do("GET", "/api/v1/policy/work-calendar/2031", applicant, nil); res.status != 404 {
		t.Errorf("a year not held: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/policy/work-calendar/next", applicant, nil); res.status != 404 {
		t.Errorf("no year in the path: %d", res.status)
	}

	body := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{
			"version": "2026.1+workcal-2027",
			"source": map[string]any{"title": "国务院办公厅关于2027年部分节假日安排的通知", "number": "国办发明电〔2026〕99号",
				"issued": "2026-11-05", "url": "https://www.gov.cn/zhengce/content/example.htm"},
			"holidays": []any{
				map[string]any{"date": "2027-01-01", "name": "元旦"},
				map[string]any{"date": "2027-02-05", "name": "春节"},
				map[string]any{"date": "2027-02-09", "name": "春节"},
			},
			"workdays": []any{map[string]any{"date": "2027-01-31", "name": "春节"}},
		}
		if edit != nil {
			edit(m)
		}
		return m
	}
	before := h.eventCount()
	bad := h.do("PUT", "/api/v1/policy/work-calendar/2027", admin, body(func(m map[string]any) {
		m["holidays"] = append(m["holidays"].([]any),
			map[string]any{"date": "2026-12-31", "name": "元旦"},
			map[string]any{"date": "2027-01-31", "name": "春节"})
		m["workdays"] = append(m["workdays"].([]any), map[string]any{"date": "2027-02-10", "name": "春节"})
	}))
	if bad.status != 422 || !bad.hasRule("R-POL-01") {
		t.Fatalf("broken year: %d %s", bad.status, bad.body)
	}
	for _, p := range []string{"holidays[3].date", "workdays[0].date", "workdays[1].date"} {
		if !strings.Contains(string(bad.body), `"`+p+`"`) {
			t.Errorf("no problem at %s: %s", p, bad.body)
		}
	}
	if res := h.do("PUT", "/api/v1/policy/work-calendar/2027", applicant, body(nil)); res.status != 403 {
		t.Errorf("an applicant edits the calendar: %d", res.status)
	}
	if res := h.do("PUT", "/api/v1/policy/work-calendar/2027", admin, body(func(m map[string]any) { m["year"] = 2027 })); res.status != 400 {
		t.Errorf("a year in the body: %d %s", res.status, res.body)
	}
	if res := h.do("PUT", "/api/v1/policy/work-calendar/2027", admin, body(func(m map[string]any) { m["version"] = "2026.1" })); res.status != 422 || !res.hasRule("R-POL-01") {
		t.Errorf("a version already published: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != before {
		t.Fatalf("refused edits wrote %d events", n-before)
	}

	if res := h.do("PUT", "/api/v1/policy/work-calendar/2027", admin, body(nil)); res.status != 200 {
		t.Fatalf("set 2027: %d %s", res.status, res.body)
	}
	var typ, command, actor string
	if err := h.pool.QueryRow(context.Background(),
		`SELECT type, metadata->>'command', metadata->>'actorId' FROM events ORDER BY position DESC LIMIT 1`).Scan(&typ, &command, &actor); err != nil {
		t.Fatal(err)
	}
	if typ != "policy.published" || command != "SetWorkCalendarYear" || actor != h.tree.Account(domain.RolePlatformAdmin).UserID.String() {
		t.Errorf("audit: %s %s %s", typ, command, actor)
	}
	got := h.do("GET", "/api/v1/policy/work-calendar/2027", applicant, nil).json(t)
	if got["provisional"] != nil || len(got["holidays"].([]any)) != 3 || got["source"].(map[string]any)["number"] != "国办发明电〔2026〕99号" {
		t.Errorf("2027 after the edit: %v", got)
	}

	// A whole policy read and sent back with its calendar changed keeps
	// the calendar in force: the calendar is edited a year at a time.
	p := h.do("GET", "/api/v1/policy", admin, nil).json(t)
	p["version"] = "2026.1+text"
	p["workCalendar"] = map[string]any{"years": []any{}}
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != 200 {
		t.Fatalf("publish policy: %d %s", res.status, res.body)
	}
	var cal struct {
		WorkCalendar struct{ Years []struct{ Year int } } `json:"workCalendar"`
	}
	if err := json.Unmarshal(h.do("GET", "/api/v1/policy", admin, nil).body, &cal); err != nil || len(cal.WorkCalendar.Years) != 2 {
		t.Errorf("calendar after a policy publication: %v %+v", err, cal)
	}
}
