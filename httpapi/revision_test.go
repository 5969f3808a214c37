package httpapi_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// TestAtRevision: a forecast's state and history at revisions 1, the last
// and beyond; a revision outside the stream, a malformed one and asOf with
// atRevision are refused precisely, never a 500.
func TestAtRevision(t *testing.T) {
	h := newHarness(t)
	applicant, auditor := h.email(domain.RoleApplicant), h.email(domain.RoleAuditor)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	h.walk([]step{
		{"applicant revises", "PUT", f, applicant, forecastBody(func(m map[string]any) { m["foreignCount"] = 55 }), 200, ""},
		{"unit approves", "POST", f + "/approve-unit", h.email(domain.RoleUnitAdmin), nil, 200, ""},
	})

	first := h.do("GET", f+"?atRevision=1", applicant, nil)
	if first.status != 200 {
		t.Fatalf("atRevision=1: %d %s", first.status, first.body)
	}
	if v := first.header.Get("ETag"); v != "" {
		t.Errorf("atRevision=1 answers ETag %s; an earlier revision is not one to write against", v)
	}
	js := first.json(t)
	if js["version"] != 1.0 || js["status"] != "submitted" || js["details"].(map[string]any)["foreignCount"] != 40.0 {
		t.Errorf("atRevision=1: version %v, status %v, foreignCount %v; want 1, submitted, 40",
			js["version"], js["status"], js["details"].(map[string]any)["foreignCount"])
	}
	now := h.do("GET", f, applicant, nil).json(t)
	last := h.do("GET", f+"?atRevision=3", applicant, nil).json(t)
	if last["version"] != now["version"] || last["status"] != "unit_approved" || last["details"].(map[string]any)["foreignCount"] != 55.0 {
		t.Errorf("atRevision=3 (the last): %v; want the forecast now: %v", last, now)
	}
	hist := h.do("GET", f+"/history?atRevision=2", auditor, nil).json(t)
	if n := len(hist["entries"].([]any)); n != 2 || hist["version"] != 2.0 || hist["atRevision"] != 2.0 || hist["status"] != "submitted" {
		t.Errorf("history atRevision=2: %d entries, version %v, atRevision %v, status %v", n, hist["version"], hist["atRevision"], hist["status"])
	}

	asOf := url.QueryEscape(h.clock.Now().Add(time.Hour).Format(time.RFC3339))
	for _, c := range []struct {
		name, query string
		status      int
		rule        string
	}{
		{"revision 0", "?atRevision=0", 422, "REVISION@query:atRevision"},
		{"one past the last", "?atRevision=4", 422, "REVISION@query:atRevision"},
		{"far past the last", "?atRevision=9223372036854775807", 422, "REVISION@query:atRevision"},
		{"not a number", "?atRevision=three", 400, "SCHEMA@query:atRevision"},
		{"negative", "?atRevision=-1", 400, "SCHEMA@query:atRevision"},
		{"with asOf", "?atRevision=2&asOf=" + asOf, 400, "SCHEMA@query:atRevision"},
	} {
		for _, path := range []string{f, f + "/history"} {
			res := h.do("GET", path+c.query, auditor, nil)
			if res.status != c.status || !res.hasRule(c.rule) {
				t.Errorf("%s on %s: %d %v; want %d naming %s", c.name, path, res.status, res.rules(), c.status, c.rule)
			}
		}
	}
	// Someone who may not read the forecast learns nothing of its revisions.
	if res := h.do("GET", f+"?atRevision=9", h.tree.OtherUnitAd.Email, nil); res.status != 404 {
		t.Errorf("another unit's admin at a revision past the last: %d; want 404", res.status)
	}
	// asOf now also reads the state.
	if res := h.do("GET", f+"?asOf="+asOf, applicant, nil); res.status != 200 || res.json(t)["version"] != 3.0 {
		t.Errorf("state asOf: %d %s", res.status, res.body)
	}
}
