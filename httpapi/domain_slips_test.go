package httpapi_test

import (
	"io/fs"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
)

// storedFiles counts the regular files under the upload folder.
func (h *harness) storedFiles() int {
	h.t.Helper()
	n := 0
	err := filepath.WalkDir(h.filesDir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			n++
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestForecastWarningsAnswered: R-FC-03's discouraged English terms are
// warnings, not errors; the applicant sees them in the submission's and
// the revision's answer and in the forecast's view, not only in its
// history.
func TestForecastWarningsAnswered(t *testing.T) {
	h := newHarness(t)
	applicant := h.email(domain.RoleApplicant)
	summit := func(m map[string]any) { m["nameEn"] = "2027 Distributed Systems Summit" }
	res := h.do("POST", "/api/v1/forecasts", applicant, forecastBody(summit))
	if res.status != 201 || !hasWarning(t, res.json(t), "R-FC-03", "nameEn") {
		t.Fatalf("submit: %d %s; want 201 with an R-FC-03 warning on nameEn", res.status, res.body)
	}
	f := "/api/v1/forecasts/" + res.json(t)["id"].(string)
	if got := h.do("GET", f, applicant, nil); got.status != 200 || !hasWarning(t, got.json(t), "R-FC-03", "nameEn") {
		t.Errorf("view: %d %s; want the R-FC-03 warning", got.status, got.body)
	}
	rev := h.do("PUT", f, applicant, forecastBody(func(m map[string]any) { m["nameEn"] = "First World Congress on Distributed Systems" }))
	if rev.status != 200 || !hasWarning(t, rev.json(t), "R-FC-03", "nameEn") {
		t.Errorf("revise: %d %s; want the R-FC-03 warning", rev.status, rev.body)
	}
	clean := h.do("PUT", f, applicant, forecastBody(nil))
	if clean.status != 200 || clean.json(t)["warnings"] != nil {
		t.Errorf("a revision without warnings: %d %s", clean.status, clean.body)
	}
	if got := h.do("GET", f, applicant, nil).json(t); len(got["warnings"].([]any)) != 0 {
		t.Errorf("view after a clean revision: %v; want no warnings", got["warnings"])
	}
	// A replay of the submission (the same Idempotency-Key) answers them too.
	key := []string{"Idempotency-Key", "warned-1"}
	first := h.do("POST", "/api/v1/forecasts", applicant, forecastBody(summit), key...)
	again := h.do("POST", "/api/v1/forecasts", applicant, forecastBody(summit), key...)
	if first.status != 201 || again.status != 201 || !hasWarning(t, again.json(t), "R-FC-03", "nameEn") {
		t.Errorf("replayed submission: %d %d %s", first.status, again.status, again.body)
	}
}

func hasWarning(t *testing.T, m map[string]any, rule, path string) bool {
	t.Helper()
	ws, _ := m["warnings"].([]any)
	for _, w := range ws {
		if w := w.(map[string]any); w["rule"] == rule && w["path"] == path {
			return true
		}
	}
	return false
}

// TestScopeBeforeAnything: who may act is checked before anything else is
// looked at or stored (R-ACT-02). Only the forecast's applicant learns the
// id of its declaration; a section save outside one's scope is 404 before
// its uploads are judged; a refused signed-form upload stores nothing; a
// role without reading scope lists nothing, as it reads nothing.
func TestScopeBeforeAnything(t *testing.T) {
	h := newHarness(t)
	applicant, unit, auditor := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuditor)
	forecastID := h.approvedForecast()
	h.at(2026, 10, 31)
	start := map[string]any{"forecastId": forecastID, "noticeAcknowledged": true}
	first := h.do("POST", "/api/v1/declarations", applicant, start)
	if first.status != 201 {
		t.Fatalf("start: %d %s", first.status, first.body)
	}
	d := "/api/v1/declarations/" + first.json(t)["id"].(string)
	for _, c := range []struct {
		who  string
		want int
	}{{unit, 403}, {auditor, 403}, {h.email(domain.RoleSchoolAdmin), 403}, {h.tree.OtherApp.Email, 404}} {
		res := h.do("POST", "/api/v1/declarations", c.who, start)
		if res.status != c.want || strings.Contains(string(res.body), first.json(t)["id"].(string)) {
			t.Errorf("%s starts the applicant's declaration: %d %s; want %d without its id", c.who, res.status, res.body, c.want)
		}
	}
	if again := h.do("POST", "/api/v1/declarations", applicant, start); again.status != 201 || again.json(t)["id"] != first.json(t)["id"] {
		t.Errorf("the applicant starting again: %d %s; want the same declaration", again.status, again.body)
	}

	// A save outside one's scope, referring to an upload that does not
	// exist, is not found: the upload is not judged for a stranger.
	basic := sections()["basic"].(map[string]any)
	basic["location"], basic["localApproval"] = "other_city", map[string]any{"id": "6f1c2b1e-0000-4000-8000-000000000001",
		"sha256": strings.Repeat("a", 64), "name": "x.pdf", "contentType": "application/pdf", "size": 10}
	if res := h.do("PUT", d+"/sections/basic", h.tree.OtherApp.Email, basic); res.status != 404 {
		t.Errorf("another unit's applicant saves a section: %d %s; want 404", res.status, res.body)
	}
	if res := h.do("PUT", d+"/sections/basic", unit, basic); res.status != 403 {
		t.Errorf("the unit admin saves a section: %d %s; want 403", res.status, res.body)
	}
	// The applicant's own save names the bad upload with the section's
	// format errors, all at once (R-DECL-15).
	basic["endDate"] = "2027-04-19"
	if res := h.do("PUT", d+"/sections/basic", applicant, basic); res.status != 422 || !res.hasRule("R-DECL-07") || !res.hasRule("R-DECL-04") {
		t.Errorf("the applicant's bad save: %d %v; want R-DECL-07 and R-DECL-04 together", res.status, res.rules())
	}

	// Signed forms: refused uploads store nothing.
	f := "/api/v1/forecasts/" + forecastID
	before := h.storedFiles()
	for _, c := range []struct {
		who  string
		want int
	}{{h.tree.OtherUnitAd.Email, 404}, {h.tree.OtherApp.Email, 404}, {applicant, 403}, {auditor, 403}, {h.email(domain.RoleSchoolAdmin), 403}} {
		if res := h.do("POST", f+"/signed-form?name="+url.QueryEscape("signed.pdf"), c.who, pdf); res.status != c.want {
			t.Errorf("%s uploads a signed form: %d %s; want %d", c.who, res.status, res.body, c.want)
		}
	}
	if n := h.storedFiles(); n != before {
		t.Errorf("refused signed-form uploads stored %d files", n-before)
	}
	if res := h.do("POST", f+"/signed-form?name=signed.pdf", unit, pdf); res.status != 200 || h.storedFiles() == before {
		t.Errorf("the unit admin's upload: %d %s", res.status, res.body)
	}

	// R-ACT-02: a platform admin reads no conference record (404), so its
	// lists are empty, not forbidden.
	admin := h.email(domain.RolePlatformAdmin)
	if res := h.do("GET", f, admin, nil); res.status != 404 {
		t.Errorf("platform admin reads a forecast: %d", res.status)
	}
	for _, list := range []string{"/api/v1/forecasts", "/api/v1/declarations", "/api/v1/change-requests", "/api/v1/summaries"} {
		res := h.do("GET", list, admin, nil)
		if res.status != 200 {
			t.Errorf("platform admin lists %s: %d %s; want an empty 200", list, res.status, res.body)
			continue
		}
		if items, _ := res.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("platform admin lists %s: %d items", list, len(items))
		}
	}
	if res := h.do("GET", "/api/v1/forecasts/export?format=csv", admin, nil); res.status != 200 {
		t.Errorf("platform admin exports: %d %s; want 200 with no rows", res.status, res.body)
	}
}

// TestDuplicateEventIsReusedKey: event ids derive from the Idempotency-Key.
// When a key's first answer was not kept (a crash between the append and
// storing the answer, simulated by deleting it) and the key comes back on
// another record, the store refuses the ids as taken: that is the key
// reused for another request (422), not a server failure, and nothing is
// written.
func TestDuplicateEventIsReusedKey(t *testing.T) {
	h := newHarness(t)
	unit := h.email(domain.RoleUnitAdmin)
	a, _ := h.submit(nil)
	b, _ := h.submit(nil)
	key := []string{"Idempotency-Key", "approve-once"}
	if res := h.do("POST", "/api/v1/forecasts/"+a+"/approve-unit", unit, nil, key...); res.status != 200 {
		t.Fatalf("approve a: %d %s", res.status, res.body)
	}
	if _, err := h.pool.Exec(t.Context(), `DELETE FROM idempotency`); err != nil {
		t.Fatal(err)
	}
	before := h.eventCount()
	res := h.do("POST", "/api/v1/forecasts/"+b+"/approve-unit", unit, nil, key...)
	if res.status != 422 || !strings.Contains(string(res.body), "idempotency-key-reused") {
		t.Errorf("the key again on another forecast: %d %s; want 422 idempotency-key-reused", res.status, res.body)
	}
	if h.eventCount() != before {
		t.Errorf("the refused command wrote events")
	}
}

// TestChangeKeepsTheDeclarationsRules: a change request is checked by the
// declaration's own rules and the change window (R-CHG-02, R-DECL-04,
// R-DECL-08): a conference cannot be moved into the past, nor closer than
// two calendar months to today.
func TestChangeKeepsTheDeclarationsRules(t *testing.T) {
	h := newHarness(t)
	id := h.approvedDeclaration()
	d := "/api/v1/declarations/" + id
	applicant := h.email(domain.RoleApplicant)
	h.at(2027, 1, 10) // the original start is 2027-04-20: the window is open
	before := h.eventCount()
	for _, c := range []struct {
		name    string
		changes map[string]any
		rule    string
	}{
		{"a start two months before today", map[string]any{"dates": map[string]any{"start": "2026-11-10", "end": "2026-11-12"}}, "R-CHG-02"},
		{"a start one day inside two months", map[string]any{"dates": map[string]any{"start": "2027-03-09", "end": "2027-03-11"}}, "R-CHG-02"},
		{"six days", map[string]any{"dates": map[string]any{"start": "2027-05-10", "end": "2027-05-15"}}, "R-DECL-04"},
		{"no foreign attendees", map[string]any{"scale": map[string]any{"declared": "general",
			"attendance": map[string]any{"foreign": 0, "mainland": 100, "hkMacaoTaiwan": 10}}}, "R-DECL-08"},
	} {
		res := h.do("POST", d+"/change-request", applicant, map[string]any{"description": "调整会议安排。", "changes": c.changes})
		if res.status != 422 || !res.hasRule(c.rule) {
			t.Errorf("%s: %d %v; want 422 naming %s", c.name, res.status, res.rules(), c.rule)
		}
	}
	if h.eventCount() != before {
		t.Errorf("refused change requests wrote events")
	}
	ok := h.do("POST", d+"/change-request", applicant, map[string]any{"description": "会议顺延。",
		"changes": map[string]any{"dates": map[string]any{"start": "2027-03-10", "end": "2027-03-12"}}})
	if ok.status != 201 {
		t.Errorf("a start exactly two months away: %d %s", ok.status, ok.body)
	}
}

// TestFileIDInFreeTextGrantsNothing: an upload is served to whoever may
// read a record that refers to it through a typed attachment field (a
// location approval, a change's material, a summary photo...). An
// applicant who pastes another applicant's file id into their own free
// text (a section's background, a change's description, a summary's
// text) gets nothing: 404, as for any upload not theirs.
func TestFileIDInFreeTextGrantsNothing(t *testing.T) {
	h := newHarness(t)
	id := h.approvedDeclaration() // the demo applicant's, clock at 2026-10-31
	d := "/api/v1/declarations/" + id
	thief, school := h.email(domain.RoleApplicant), h.email(domain.RoleSchoolAdmin)
	victim := h.tree.OtherApp.Email
	up := h.do("POST", "/api/v1/files?kind=location_approval&name="+url.QueryEscape("外办批复.pdf"), victim, pdf)
	if up.status != 201 {
		t.Fatalf("victim's upload: %d %s", up.status, up.body)
	}
	stolen := up.json(t)["id"].(string)
	download := func(who, query string) int {
		t.Helper()
		h.settle()
		return h.do("GET", "/api/v1/files/"+stolen+query, who, nil).status
	}
	if n := download(thief, ""); n != 404 {
		t.Fatalf("before anything: %d; want 404", n)
	}

	// A declaration's free text.
	draft := h.nextDeclaration(thief)
	content := sections()["content"].(map[string]any)
	content["background"] = "参见附件 " + stolen
	if res := h.do("PUT", draft+"/sections/content", thief, content); res.status != 200 {
		t.Fatalf("save content: %d %s", res.status, res.body)
	}
	if n := download(thief, ""); n != 404 {
		t.Errorf("the file id in the thief's declaration background: %d; want 404", n)
	}

	// A change request's description, with the thief's own material
	// attached properly.
	material := h.do("POST", "/api/v1/files?kind=change_material&name=note.pdf", thief, pdf)
	if material.status != 201 {
		t.Fatalf("material: %d %s", material.status, material.body)
	}
	m := material.json(t)
	att := map[string]any{"id": m["id"], "sha256": m["sha256"], "name": m["name"], "contentType": m["contentType"], "size": m["size"]}
	if res := h.do("POST", d+"/change-request", thief, map[string]any{"description": "补充材料见 " + stolen,
		"changes": map[string]any{"theme": "分布式系统的可靠性与安全"}, "attachment": att}); res.status != 201 {
		t.Fatalf("change request: %d %s", res.status, res.body)
	}
	if n := download(thief, "?declaration="+id); n != 404 {
		t.Errorf("the file id in the thief's change description: %d; want 404", n)
	}
	if n := download(school, "?declaration="+id); n != 404 {
		t.Errorf("the school through the thief's change description: %d; want 404", n)
	}
	// The typed attachment still reaches the reviewer.
	if res := h.do("GET", "/api/v1/files/"+m["id"].(string)+"?declaration="+id, school, nil); res.status != 200 {
		t.Errorf("the school downloads the change's attachment: %d", res.status)
	}
	// The victim still has their own.
	if n := download(victim, ""); n != 200 {
		t.Errorf("the owner: %d", n)
	}
}
