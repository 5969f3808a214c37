package httpapi_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
)

// TestDelegationAtRevision: a unit's delegation reads as it stood at a
// revision of its stream (?atRevision=N) or a time (?asOf=), as every
// record's state does: the nominee as first added, before the edit and
// the review; a revision beyond the stream, 0, or both parameters are
// precise problems on query:atRevision.
func TestDelegationAtRevision(t *testing.T) {
	h := newHarness(t)
	unitAdmin, auditor := h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuditor)
	cong := congressWith(t, h, 1, 0)
	res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": "乌兰测试", "identity": "committee", "birthDate": "1982-03-01",
		"profile": map[string]any{"gender": "female", "ethnicity": "蒙古族", "affiliations": []string{"九三学社"}, "grassroots": true}},
		"Idempotency-Key", "add")
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	if res := h.do("PUT", cong+"/nominees/"+nominee, unitAdmin, map[string]any{"name": "乌兰图雅", "birthDate": "1982-03-01",
		"profile": map[string]any{"gender": "female", "ethnicity": "蒙古族", "affiliations": []string{"九三学社"}, "grassroots": true}},
		"Idempotency-Key", "edit"); res.status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	if res := h.do("POST", cong+"/nominees/"+nominee+"/approve", unitAdmin, map[string]string{"reason": "同意"}, "Idempotency-Key", "approve"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	del := cong + "/units/" + h.tree.Unit.String() + "/delegation"
	now := h.do("GET", del, unitAdmin, nil).json(t)
	if now["version"] != 3.0 || now["nominees"].([]any)[0].(map[string]any)["name"] != "乌兰图雅" {
		t.Fatalf("now: %v", now)
	}
	at1 := h.do("GET", del+"?atRevision=1", unitAdmin, nil)
	if at1.status != http.StatusOK {
		t.Fatalf("at revision 1: %d %s", at1.status, at1.body)
	}
	got := at1.json(t)
	n := got["nominees"].([]any)[0].(map[string]any)
	if got["version"] != 1.0 || n["name"] != "乌兰测试" || n["status"] != "pending" {
		t.Errorf("at revision 1: version %v, nominee %v", got["version"], n)
	}
	if n := h.do("GET", del+"?atRevision=2", auditor, nil).json(t)["nominees"].([]any)[0].(map[string]any); n["status"] != "pending" {
		t.Errorf("at revision 2 as an auditor: %v", n)
	}
	events := h.eventCount()
	for _, c := range []struct{ query, want string }{
		{"?atRevision=4", "from 1 to 3"},
		{"?atRevision=0", "query:atRevision"},
		{"?atRevision=2&asOf=2026-10-01T12:00:00%2B08:00", "not both"},
		{"?atRevision=two", "query:atRevision"},
	} {
		res := h.do("GET", del+c.query, unitAdmin, nil)
		if res.status < 400 || res.status >= 500 || !strings.Contains(string(res.body), c.want) {
			t.Errorf("%s: %d %s; want a problem saying %q", c.query, res.status, res.body, c.want)
		}
	}
	if h.eventCount() != events {
		t.Error("a refused read wrote events")
	}
	if res := h.do("GET", del+"?atRevision=1", h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit at revision 1: %d", res.status)
	}
	// The nominee's history likewise: the entries up to the revision and
	// the nominee's status then.
	hist := cong + "/units/" + h.tree.Unit.String() + "/nominees/" + nominee + "/history"
	if all := h.do("GET", hist, unitAdmin, nil).json(t); len(all["entries"].([]any)) != 3 || all["status"] != "approved" {
		t.Errorf("the whole history: %v", all)
	}
	at2 := h.do("GET", hist+"?atRevision=2", unitAdmin, nil)
	if got := at2.json(t); at2.status != http.StatusOK || len(got["entries"].([]any)) != 2 || got["status"] != "pending" || got["version"] != 2.0 {
		t.Errorf("the history at revision 2: %d %s", at2.status, at2.body)
	}
	if res := h.do("GET", hist+"?atRevision=9", unitAdmin, nil); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "from 1 to 3") {
		t.Errorf("the history at revision 9: %d %s", res.status, res.body)
	}
}

// TestCongressAtRevision: a congress reads as it stood at a revision of
// its stream (?atRevision=N, ?asOf=), without an ETag: before the unit
// was invited it lists no unit, and the invited unit's administrator
// then sees none of its own; past the stream a REVISION problem.
func TestCongressAtRevision(t *testing.T) {
	h := newHarness(t)
	organiser, unitAdmin := h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleUnitAdmin)
	cong := congressWith(t, h, 1, 0)
	now := h.do("GET", cong, organiser, nil)
	last := now.json(t)["version"].(float64)
	if now.header.Get("ETag") == "" || last < 2 || len(now.json(t)["units"].([]any)) != 1 {
		t.Fatalf("now: %s %s", now.header, now.body)
	}
	at1 := h.do("GET", cong+"?atRevision=1", organiser, nil)
	if got := at1.json(t); at1.status != http.StatusOK || got["version"] != 1.0 || len(got["units"].([]any)) != 0 || at1.header.Get("ETag") != "" {
		t.Errorf("at revision 1: %d %s %s", at1.status, at1.header, at1.body)
	}
	if got := h.do("GET", cong+"?atRevision=1", unitAdmin, nil).json(t); len(got["units"].([]any)) != 0 {
		t.Errorf("the unit at revision 1: %v", got)
	}
	if got := h.do("GET", cong, unitAdmin, nil).json(t); len(got["units"].([]any)) != 1 {
		t.Errorf("the unit now: %v", got)
	}
	res := h.do("GET", cong+"?atRevision="+strconv.Itoa(int(last)+1), organiser, nil)
	if res.status != http.StatusUnprocessableEntity || !res.hasRule("REVISION") {
		t.Errorf("past the stream: %d %s", res.status, res.body)
	}
	if res := h.do("GET", cong+"?atRevision=1", h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("a unit not invited at revision 1: %d", res.status)
	}
}

// TestDelegationApprovalLogSaysWhatWasApproved: each decision in a unit's
// delegation log (R-DEL-03) links to the delegation as it stood when the
// unit decided (recordUrl ?atRevision=) and lists what changed since the
// unit's previous decision, field by field, without the nominees'
// personal fields (the log's readers include auditors).
func TestDelegationApprovalLogSaysWhatWasApproved(t *testing.T) {
	h := newHarness(t)
	unitAdmin, auditor := h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuditor)
	cong := congressWith(t, h, 2, 0)
	add := func(name, key string) string {
		res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": name, "identity": "committee", "birthDate": "1982-03-01",
			"profile": map[string]any{"gender": "female", "ethnicity": "汉族", "affiliations": []string{"群众"}, "grassroots": false}}, "Idempotency-Key", key)
		if res.status != http.StatusCreated {
			t.Fatalf("add %s: %d %s", name, res.status, res.body)
		}
		return res.json(t)["id"].(string)
	}
	first := add("甲测试", "add-1")
	if res := h.do("POST", cong+"/nominees/"+first+"/approve", unitAdmin, map[string]string{"reason": "同意"}, "Idempotency-Key", "approve-1"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	second := add("乙测试", "add-2")
	if res := h.do("POST", cong+"/nominees/"+second+"/reject", unitAdmin, map[string]string{"reason": "材料不全"}, "Idempotency-Key", "reject-2"); res.status != http.StatusOK {
		t.Fatalf("reject: %d %s", res.status, res.body)
	}
	del := cong + "/units/" + h.tree.Unit.String() + "/delegation"
	lg := h.do("GET", del+"/log", auditor, nil)
	if lg.status != http.StatusOK {
		t.Fatalf("the log: %d %s", lg.status, lg.body)
	}
	for _, name := range []string{"甲测试", "乙测试", "1982-03-01"} {
		if strings.Contains(string(lg.body), name) {
			t.Errorf("the log shows the auditor the personal %q: %s", name, lg.body)
		}
	}
	var decisions []map[string]any
	for _, e := range lg.json(t)["entries"].([]any) {
		if e := e.(map[string]any); e["decidedOnRevision"] != nil {
			decisions = append(decisions, e)
		}
	}
	if len(decisions) != 2 {
		t.Fatalf("want the approval and the rejection as decisions; got %v", decisions)
	}
	approve, reject := decisions[0], decisions[1]
	if approve["recordUrl"] != del+"?atRevision=1" || approve["changes"] != nil {
		t.Errorf("the approval's entry: %v", approve)
	}
	if reject["recordUrl"] != del+"?atRevision=3" || reject["changesSinceRevision"] != 1.0 {
		t.Errorf("the rejection's entry: %v", reject)
	}
	var paths []string
	changes, _ := reject["changes"].([]any)
	for _, c := range changes {
		paths = append(paths, c.(map[string]any)["path"].(string))
	}
	if !slices.Contains(paths, "nominees[0].status") || !slices.ContainsFunc(paths, func(p string) bool { return strings.HasPrefix(p, "nominees[1]") }) {
		t.Errorf("since the approval: the first nominee approved and the second added; got %q", paths)
	}
	if got := h.do("GET", reject["recordUrl"].(string), unitAdmin, nil).json(t); got["version"] != 3.0 || len(got["nominees"].([]any)) != 2 {
		t.Errorf("the delegation the rejection was made on: %v", got)
	}
}
