package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
)

// TestBrokenChainIs423NamingIncident: a command on a record whose stored
// events no longer match their hash chain answers 423 chain-broken naming
// the incident (it was a 500), writes nothing, and after an auditor has
// recorded the incident the record takes commands again.
func TestBrokenChainIs423NamingIncident(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.damaged = true
	id, _ := h.submit(nil)
	if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]any{"comment": "符合要求"}); res.status != http.StatusOK {
		t.Fatalf("approve at unit: %d %s", res.status, res.body)
	}
	stream := commands.ForecastStream(uuid.MustParse(id))
	if _, err := h.pool.Exec(context.Background(), `UPDATE events SET data = jsonb_set(data::jsonb, '{details,foreignCount}', '99')::json WHERE stream_id = $1 AND number = 1`, stream); err != nil {
		t.Fatal(err)
	}
	before := h.eventCount()
	res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-school", h.email(domain.RoleSchoolAdmin), map[string]any{})
	p := res.json(t)
	incident := commands.IncidentID(stream, 2).String()
	if res.status != http.StatusLocked || p["type"] != "https://econf.invalid/problems/chain-broken" || p["incident"] != incident {
		t.Fatalf("command on a broken chain: %d %s; want 423 chain-broken naming incident %s", res.status, res.body, incident)
	}
	if h.eventCount() != before {
		t.Fatal("the refused command wrote events")
	}
	body := map[string]any{"stream": stream, "brokenAt": 2, "finding": "foreignCount of event 1 changed in the database", "reason": "confirmed with the applicant"}
	if res := h.do("POST", "/api/v1/audit/incidents", h.email(domain.RoleSchoolAdmin), body); res.status != http.StatusForbidden {
		t.Errorf("incident by a school admin: %d %s; want 403", res.status, res.body)
	}
	wrong := map[string]any{"stream": stream, "brokenAt": 1, "finding": "x", "reason": "y"}
	if res := h.do("POST", "/api/v1/audit/incidents", h.email(domain.RoleAuditor), wrong); res.status != http.StatusUnprocessableEntity || !res.hasRule("CHAIN") {
		t.Errorf("incident at the wrong event: %d %s; want 422 CHAIN", res.status, res.body)
	}
	if h.eventCount() != before {
		t.Fatal("refused incidents wrote events")
	}
	res = h.do("POST", "/api/v1/audit/incidents", h.email(domain.RoleAuditor), body)
	if res.status != http.StatusCreated || res.json(t)["id"] != incident {
		t.Fatalf("record incident: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-school", h.email(domain.RoleSchoolAdmin), map[string]any{}); res.status != http.StatusOK {
		t.Errorf("command after the incident: %d %s; want 200", res.status, res.body)
	}
}
