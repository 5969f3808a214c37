package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
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

// TestApprovalLogSaysWhatWasApproved: the applicant edits a declaration
// between the school's rejection and its approval; the school's approval
// in the approval log names the revision it was made on, links to the
// declaration as it stood then, and lists exactly the field the applicant
// changed since the school's previous decision. The diff endpoint answers
// the same; revisions outside the stream are refused precisely.
func TestApprovalLogSaysWhatWasApproved(t *testing.T) {
	h := newHarness(t)
	forecastID := h.approvedForecast()
	h.at(2026, 10, 31)
	applicant, unit, school, auditor := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RoleSchoolAdmin), h.email(domain.RoleAuditor)
	start := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID, "noticeAcknowledged": true})
	if start.status != 201 {
		t.Fatalf("start: %d %s", start.status, start.body)
	}
	id := start.json(t)["id"].(string)
	d := "/api/v1/declarations/" + id
	for name, body := range sections() {
		if res := h.do("PUT", d+"/sections/"+name, applicant, body); res.status != 200 {
			t.Fatalf("save %s: %d %s", name, res.status, res.body)
		}
	}
	if res := h.do("POST", d+"/people.xlsx", applicant, peopleSheet(t, [][]string{
		{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "Jane Roe", "英国", "Example College", "Professor"}})); res.status != 200 {
		t.Fatalf("people: %d %s", res.status, res.body)
	}
	submit := map[string]any{"commitmentAcknowledged": true}
	h.walk([]step{
		{"submit", "POST", d + "/submit", applicant, submit, 200, ""},
		{"unit approves", "POST", d + "/approve-unit", unit, nil, 200, ""},
		{"school rejects", "POST", d + "/reject", school, map[string]any{"reason": "请核实境外参会人数"}, 200, ""},
		{"applicant edits", "PUT", d + "/sections/attendance", applicant, map[string]any{"foreign": 45, "mainland": 100, "hkMacaoTaiwan": 10}, 200, ""},
		{"and resubmits", "POST", d + "/submit", applicant, submit, 200, ""},
		{"unit approves again", "POST", d + "/approve-unit", unit, nil, 200, ""},
		{"school approves", "POST", d + "/approve-school", school, nil, 200, ""},
	})

	var log struct {
		Entries []struct {
			Number       int64   `json:"number"`
			EventType    string  `json:"eventType"`
			DecidedOn    *int64  `json:"decidedOnRevision"`
			RecordURL    string  `json:"recordUrl"`
			ChangesSince *int64  `json:"changesSinceRevision"`
			Changes      []diffs `json:"changes"`
		} `json:"entries"`
	}
	decode(t, h.do("GET", d+"/log", auditor, nil), &log)
	var decisions []int
	for i, e := range log.Entries {
		if e.DecidedOn != nil {
			decisions = append(decisions, i)
			if *e.DecidedOn != e.Number-1 || e.RecordURL != fmt.Sprintf("%s?atRevision=%d", d, e.Number-1) {
				t.Errorf("%s #%d: decided on %d at %q; want revision %d at %s?atRevision=%d", e.EventType, e.Number, *e.DecidedOn, e.RecordURL, e.Number-1, d, e.Number-1)
			}
		} else if e.RecordURL != "" || e.Changes != nil {
			t.Errorf("%s #%d is no decision but links %q with changes %v", e.EventType, e.Number, e.RecordURL, e.Changes)
		}
	}
	if len(decisions) != 4 {
		t.Fatalf("%d decisions in the log; want 4 (unit, school, unit, school): %+v", len(decisions), log.Entries)
	}
	firstUnit, schoolRejects, secondUnit, schoolApproves := log.Entries[decisions[0]], log.Entries[decisions[1]], log.Entries[decisions[2]], log.Entries[decisions[3]]
	if firstUnit.ChangesSince != nil || firstUnit.Changes != nil {
		t.Errorf("the first decision compares with %v: %v; want nothing", firstUnit.ChangesSince, firstUnit.Changes)
	}
	edited := []diffs{{Path: "form.attendance.foreign", Op: "changed", Before: 40.0, After: 45.0}}
	for _, c := range []struct {
		name  string
		entry int
		since *int64
		want  []diffs
	}{
		{"the school's rejection, since the unit's approval", decisions[1], firstUnit.DecidedOn,
			[]diffs{{Path: "status", Op: "changed", Before: "submitted", After: "unit_approved"}}},
		{"the unit's second approval, since its first", decisions[2], firstUnit.DecidedOn, edited},
		{"the school's approval, since its rejection", decisions[3], schoolRejects.DecidedOn, edited},
	} {
		e := log.Entries[c.entry]
		if e.ChangesSince == nil || *e.ChangesSince != *c.since || !reflect.DeepEqual(e.Changes, c.want) {
			t.Errorf("%s: since %v, changes %+v; want since %d, changes %+v", c.name, e.ChangesSince, e.Changes, *c.since, c.want)
		}
	}

	// The link reads the declaration as the school saw it when approving.
	then := h.do("GET", schoolApproves.RecordURL, auditor, nil)
	if then.status != 200 {
		t.Fatalf("GET %s: %d %s", schoolApproves.RecordURL, then.status, then.body)
	}
	if js := then.json(t); js["status"] != "unit_approved" || js["version"] != float64(*schoolApproves.DecidedOn) ||
		js["form"].(map[string]any)["attendance"].(map[string]any)["foreign"] != 45.0 {
		t.Errorf("the declaration the school approved: %s", then.body)
	}

	// The history at that revision replays the declaration up to it (its
	// change, summary and deadline streams, empty here, up to its time).
	var hist struct {
		Version    int64 `json:"version"`
		AtRevision int64 `json:"atRevision"`
		Entries    []any `json:"entries"`
	}
	decode(t, h.do("GET", fmt.Sprintf("%s/history?atRevision=%d", d, *schoolApproves.DecidedOn), auditor, nil), &hist)
	if hist.Version != *schoolApproves.DecidedOn || hist.AtRevision != hist.Version || int64(len(hist.Entries)) != hist.Version {
		t.Errorf("history at revision %d: version %d, atRevision %d, %d entries", *schoolApproves.DecidedOn, hist.Version, hist.AtRevision, len(hist.Entries))
	}
	for _, n := range []int64{0, schoolApproves.Number + 1} {
		if res := h.do("GET", fmt.Sprintf("%s/history?atRevision=%d", d, n), auditor, nil); res.status != 422 || !res.hasRule("REVISION@query:atRevision") {
			t.Errorf("declaration history at revision %d: %d %s", n, res.status, res.body)
		}
	}

	// The diff endpoint compares any two revisions the same way.
	var diff struct {
		Kind    string  `json:"kind"`
		From    int64   `json:"from"`
		To      int64   `json:"to"`
		Changes []diffs `json:"changes"`
	}
	decode(t, h.do("GET", fmt.Sprintf("%s/diff?from=%d&to=%d", d, *schoolRejects.DecidedOn, *schoolApproves.DecidedOn), auditor, nil), &diff)
	if diff.Kind != "declaration" || diff.From != *schoolRejects.DecidedOn || !reflect.DeepEqual(diff.Changes, edited) {
		t.Errorf("diff: %+v; want %+v", diff, edited)
	}
	decode(t, h.do("GET", fmt.Sprintf("%s/diff?from=%d&to=%d", d, *secondUnit.DecidedOn, *secondUnit.DecidedOn), auditor, nil), &diff)
	if diff.Changes == nil || len(diff.Changes) != 0 {
		t.Errorf("a revision against itself: %+v; want no changes", diff.Changes)
	}
	last := schoolApproves.Number
	// Without from and to: what the last event (the school's approval) changed.
	decode(t, h.do("GET", d+"/diff", auditor, nil), &diff)
	if diff.From != last-1 || diff.To != last || !reflect.DeepEqual(diff.Changes, []diffs{{Path: "status", Op: "changed", Before: "unit_approved", After: "school_approved"}}) {
		t.Errorf("diff without from and to: %+v", diff)
	}
	for _, c := range []struct {
		name, query string
		status      int
		rules       []string
	}{
		{"from 0", "?from=0&to=2", 422, []string{"REVISION@query:from"}},
		{"both past the last", fmt.Sprintf("?from=%d&to=%d", last+1, last+5), 422, []string{"REVISION@query:from", "REVISION@query:to"}},
		{"to past the last", fmt.Sprintf("?from=1&to=%d", last+1), 422, []string{"REVISION@query:to"}},
		{"words", "?from=one&to=two", 400, []string{"SCHEMA@query:from", "SCHEMA@query:to"}},
	} {
		res := h.do("GET", d+"/diff"+c.query, auditor, nil)
		if res.status != c.status || !reflect.DeepEqual(res.rules(), c.rules) {
			t.Errorf("diff %s: %d %v; want %d %v", c.name, res.status, res.rules(), c.status, c.rules)
		}
	}
	if res := h.do("GET", d+"/diff?from=1&to=2", h.tree.OtherUnitAd.Email, nil); res.status != 404 {
		t.Errorf("another unit's admin reads the diff: %d; want 404", res.status)
	}
	// The conference has no change request: no revision of one to read.
	if res := h.do("GET", d+"/change-request?atRevision=1", auditor, nil); res.status != 404 {
		t.Errorf("change request at a revision, none requested: %d %s", res.status, res.body)
	}
}

// diffs is one field's change as the API answers it.
type diffs struct {
	Path   string `json:"path"`
	Op     string `json:"op"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

func decode(t *testing.T, res response, v any) {
	t.Helper()
	if res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if err := json.Unmarshal(res.body, v); err != nil {
		t.Fatalf("%v: %s", err, res.body)
	}
}
