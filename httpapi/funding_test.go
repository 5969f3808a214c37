package httpapi_test

import (
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// academyPassword is the academy's accounts' password (R-AUTH-01).
const academyPassword = "amber lantern orbit 73"

// academyLogin creates an academy's tree and its two accounts through the
// API as the platform admin, and logs them in: the bureau's reviewer and
// an institute's administrator (seed 002).
func (h *harness) academyLogin() (reviewer, admin string) {
	h.t.Helper()
	pa := h.email(domain.RolePlatformAdmin)
	org := func(kind, name, parent string) string {
		body := map[string]any{"kind": kind, "nameZh": name}
		if parent != "" {
			body["parentId"] = parent
		}
		res := h.do("POST", "/api/v1/organisations", pa, body)
		if res.status != http.StatusCreated {
			h.t.Fatalf("create %s: %d %s", kind, res.status, res.body)
		}
		return res.json(h.t)["id"].(string)
	}
	bureau := org("bureau", "示范科学院国际合作局", "")
	academy := org("academy", "示范科学院", bureau)
	institute := org("institute", "示范物理研究所", academy)
	user := func(role domain.Role, orgID, email string) string {
		res := h.do("POST", "/api/v1/users", pa, map[string]any{"email": email, "name": "示范账号", "role": role, "orgId": orgID, "password": academyPassword})
		if res.status != http.StatusCreated {
			h.t.Fatalf("create %s: %d %s", email, res.status, res.body)
		}
		login := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": academyPassword})
		if login.status != http.StatusOK {
			h.t.Fatalf("login %s: %d %s", email, login.status, login.body)
		}
		h.tokens[email] = login.json(h.t)["token"].(string)
		return email
	}
	return user(domain.RoleAuthorityReviewer, bureau, "reviewer@bureau.demo-academy.cn"), user(domain.RoleUnitAdmin, institute, "admin@phys.demo-academy.cn")
}

// TestFundingOverHTTP (seed 002): the bureau publishes the call
// (R-FUND-03); the institute's administrator uploads the approval scan,
// is refused above the cap (R-FUND-04) and outside the claimed category's
// range (R-FUND-01) with field paths, drafts, submits and withdraws; a
// second call in the year and a late submission are refused (R-FUND-03).
func TestFundingOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2027, time.May, 20, 10, 0, 0, 0, domain.Shanghai))
	reviewer, admin := h.academyLogin()

	if res := h.do("POST", "/api/v1/funding/calls", h.email(domain.RoleAuthorityReviewer), map[string]any{"budgetFen": 300_000_000}); res.status != http.StatusForbidden {
		t.Errorf("a university's authority reviewer publishes: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/funding/calls", reviewer, map[string]any{"budgetFen": 300_000_000}); res.status != http.StatusOK {
		t.Fatalf("publish the call: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/funding/calls", reviewer, map[string]any{"budgetFen": 300_000_000}); res.status != http.StatusConflict || !res.hasRule("R-FUND-03") {
		t.Errorf("R-FUND-03 a second call: %d %s", res.status, res.body)
	}

	up := h.do("POST", "/api/v1/files?kind=funding_approval&name="+url.QueryEscape("批件.pdf"), admin, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	scan := up.json(t)["id"].(string)
	app := func(edit func(a map[string]any)) map[string]any {
		a := map[string]any{
			"conference": map[string]any{"nameZh": "国际凝聚态物理研讨会", "openingDate": "2028-04-08", "closingDate": "2028-04-10", "city": "合肥"},
			"approval":   map[string]any{"number": "科发际批〔2027〕8号", "date": "2027-02-20", "scanFileId": scan},
			"category":   2, "nature": "academy_led", "academyFirstHost": true,
			"attendance":   map[string]any{"total": 260, "foreign": 150},
			"budget":       map[string]any{"totalFen": 35_000_000, "sources": []any{map[string]any{"name": "注册费", "amountFen": 23_000_000}}},
			"requestedFen": 12_000_000,
		}
		if edit != nil {
			edit(a)
		}
		return map[string]any{"application": a}
	}
	before := h.eventCount()
	res := h.do("POST", "/api/v1/funding", admin, app(func(a map[string]any) {
		a["requestedFen"], a["budget"].(map[string]any)["totalFen"] = 12_000_001, 35_000_001
	}))
	if res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-04") {
		t.Errorf("R-FUND-04 a fen above the cap: %d %s", res.status, res.body)
	}
	res = h.do("POST", "/api/v1/funding", admin, app(func(a map[string]any) { a["attendance"].(map[string]any)["foreign"] = 151 }))
	if res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-01") {
		t.Errorf("R-FUND-01 151 foreign guests in category 2: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != before {
		t.Errorf("refusals wrote %d events", n-before)
	}
	res = h.do("POST", "/api/v1/funding", admin, app(nil))
	if res.status != http.StatusCreated {
		t.Fatalf("draft: %d %s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	if res := h.do("GET", loc, reviewer, nil); res.status != http.StatusNotFound {
		t.Errorf("the bureau reads a draft: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/submit", reviewer, nil); res.status != http.StatusNotFound {
		t.Errorf("the bureau submits a draft it cannot see: %d %s", res.status, res.body)
	}
	if res := h.do("PUT", loc, admin, app(func(a map[string]any) { a["conference"].(map[string]any)["city"] = "北京" })); res.status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/submit", admin, nil); res.status != http.StatusOK {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	got := h.do("GET", loc, reviewer, nil)
	if got.status != http.StatusOK || got.header.Get("ETag") == "" {
		t.Fatalf("the bureau reads the submitted application: %d %s", got.status, got.body)
	}
	if v := got.json(t); v["status"] != "submitted" || v["application"].(map[string]any)["conference"].(map[string]any)["city"] != "北京" ||
		v["flags"].(map[string]any)["stateCouncil"] != false {
		t.Errorf("the application read back: %s", got.body)
	}
	if res := h.do("GET", loc, h.email(domain.RoleUnitAdmin), nil); res.status != http.StatusNotFound {
		t.Errorf("a university's unit admin reads it: %d", res.status)
	}
	if res := h.do("POST", loc+"/withdraw", admin, nil); res.status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", res.status, res.body)
	}
	h.clock.Set(time.Date(2027, time.September, 16, 0, 0, 0, 0, domain.Shanghai))
	login := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": admin, "password": academyPassword})
	if login.status != http.StatusOK {
		t.Fatalf("login again: %d %s", login.status, login.body)
	}
	h.tokens[admin] = login.json(t)["token"].(string)
	if res := h.do("POST", loc+"/submit", admin, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-03") {
		t.Errorf("R-FUND-03 a day after the call closed: %d %s", res.status, res.body)
	}
}

// TestFundingReviewOverHTTP (R-FUND-05, seed 002): the bureau's reviewer
// is refused a grant a fen above the request and a rejection without a
// reason, with field paths; the institute may not decide; refusals write
// nothing; a return with its reason sends it back, the institute edits and
// submits again, and the grant equal to the request is read back; a stale
// If-Match is 409; a second decision is 409.
func TestFundingReviewOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2027, time.May, 20, 10, 0, 0, 0, domain.Shanghai))
	reviewer, admin := h.academyLogin()
	if res := h.do("POST", "/api/v1/funding/calls", reviewer, map[string]any{"budgetFen": 300_000_000}); res.status != http.StatusOK {
		t.Fatalf("publish the call: %d %s", res.status, res.body)
	}
	up := h.do("POST", "/api/v1/files?kind=funding_approval&name="+url.QueryEscape("批件.pdf"), admin, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	app := map[string]any{
		"conference": map[string]any{"nameZh": "国际凝聚态物理研讨会", "openingDate": "2028-04-08", "closingDate": "2028-04-10", "city": "合肥"},
		"approval":   map[string]any{"number": "科发际批〔2027〕8号", "date": "2027-02-20", "scanFileId": up.json(t)["id"]},
		"category":   2, "nature": "academy_led", "academyFirstHost": true,
		"attendance":   map[string]any{"total": 260, "foreign": 90},
		"budget":       map[string]any{"totalFen": 35_000_000, "sources": []any{map[string]any{"name": "注册费", "amountFen": 25_000_000}}},
		"requestedFen": 10_000_000,
	}
	res := h.do("POST", "/api/v1/funding", admin, map[string]any{"application": app})
	if res.status != http.StatusCreated {
		t.Fatalf("draft: %d %s", res.status, res.body)
	}
	loc := res.header.Get("Location")
	if res := h.do("POST", loc+"/submit", admin, nil); res.status != http.StatusOK {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}

	before := h.eventCount()
	if res := h.do("POST", loc+"/grant", reviewer, map[string]any{"amountFen": 10_000_001}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 a fen above the request: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/reject", reviewer, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 reject without a reason: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/grant", admin, map[string]any{"amountFen": 10_000_000}); res.status != http.StatusForbidden {
		t.Errorf("the institute grants itself: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/grant", reviewer, map[string]any{"amountFen": "lots"}); res.status != http.StatusBadRequest {
		t.Errorf("a grant that is not a number: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/return", reviewer, map[string]any{"reason": "请补充预算明细"}, "If-Match", `"1"`); res.status != http.StatusConflict {
		t.Errorf("a stale If-Match: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != before {
		t.Errorf("refusals wrote %d events", n-before)
	}
	if res := h.do("POST", loc+"/return", reviewer, map[string]any{"reason": "请补充预算明细"}); res.status != http.StatusOK {
		t.Fatalf("return: %d %s", res.status, res.body)
	}
	app["conference"].(map[string]any)["city"] = "北京"
	if res := h.do("PUT", loc, admin, map[string]any{"application": app}); res.status != http.StatusOK {
		t.Fatalf("edit the returned application: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/submit", admin, nil); res.status != http.StatusOK {
		t.Fatalf("submit again: %d %s", res.status, res.body)
	}
	if res := h.do("POST", loc+"/grant", reviewer, map[string]any{"amountFen": 10_000_000, "comment": "同意资助"}); res.status != http.StatusOK {
		t.Fatalf("R-FUND-05 the grant equal to the request: %d %s", res.status, res.body)
	}
	if got := h.do("GET", loc, admin, nil).json(t); got["status"] != "granted" || got["grantedFen"] != float64(10_000_000) {
		t.Errorf("the granted application read back: %v", got)
	}
	if res := h.do("POST", loc+"/reject", reviewer, map[string]any{"reason": "重复"}); res.status != http.StatusConflict || !res.hasRule("R-FUND-05") {
		t.Errorf("reject once granted: %d %s", res.status, res.body)
	}

	h.settle()
	if st := h.do("GET", loc+"/status", reviewer, nil); st.status != http.StatusOK || st.json(t)["status"] != "granted" || st.json(t)["final"] != true {
		t.Errorf("the status view: %d %s", st.status, st.body)
	}
	lg := h.do("GET", loc+"/log", admin, nil)
	if lg.status != http.StatusOK {
		t.Fatalf("the approval log: %d %s", lg.status, lg.body)
	}
	var after []string
	for _, e := range lg.json(t)["entries"].([]any) {
		after = append(after, e.(map[string]any)["statusAfter"].(string))
	}
	if want := []string{"draft", "submitted", "returned", "returned", "submitted", "granted"}; !slices.Equal(after, want) {
		t.Errorf("the approval log's statuses %q; want %q", after, want)
	}
	if res := h.do("GET", loc+"/log", h.email(domain.RoleAuthorityReviewer), nil); res.status != http.StatusNotFound {
		t.Errorf("a university's reviewer reads the log: %d", res.status)
	}
	// Approved what? The grant was made on revision 5, the resubmitted
	// application; since the bureau's return (made on revision 2) the
	// institute changed the city alone.
	entries := lg.json(t)["entries"].([]any)
	grant := entries[len(entries)-1].(map[string]any)
	if grant["decidedOnRevision"] != 5.0 || grant["recordUrl"] != loc+"?atRevision=5" || grant["changesSinceRevision"] != 2.0 ||
		!reflect.DeepEqual(grant["changes"], []any{map[string]any{"path": "application.conference.city", "op": "changed", "before": "合肥", "after": "北京"}}) {
		t.Errorf("the grant's log entry: %v", grant)
	}
	if got := h.do("GET", loc+"?atRevision=1", reviewer, nil).json(t); got["status"] != "draft" || got["version"] != 1.0 {
		t.Errorf("the application at revision 1: %v", got)
	}
	if res := h.do("GET", loc+"?atRevision=7", reviewer, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("REVISION@query:atRevision") {
		t.Errorf("a revision past the last: %d %s", res.status, res.body)
	}
	if res := h.do("GET", loc+"/diff?from=2&to=5", reviewer, nil); res.status != http.StatusOK || !strings.Contains(string(res.body), `"path":"application.conference.city"`) {
		t.Errorf("the diff between the return and the grant: %d %s", res.status, res.body)
	}

	// The history by replay: every event with the status before and after
	// and the policy it was decided under, the chain intact.
	hist := h.do("GET", loc+"/history", h.email(domain.RoleAuditor), nil)
	if hist.status != http.StatusOK {
		t.Fatalf("the history: %d %s", hist.status, hist.body)
	}
	hv := hist.json(t)
	var replayed []string
	for _, e := range hv["entries"].([]any) {
		e := e.(map[string]any)
		replayed = append(replayed, e["statusBefore"].(string)+">"+e["statusAfter"].(string))
		if e["policyVersion"] == "" || e["policyVersion"] == nil || e["hash"] == "" {
			t.Errorf("a history entry without its policy version or hash: %v", e)
		}
	}
	if want := []string{">draft", "draft>submitted", "submitted>returned", "returned>returned", "returned>submitted", "submitted>granted"}; !slices.Equal(replayed, want) {
		t.Errorf("the history's statuses %q; want %q", replayed, want)
	}
	if hv["chainIntact"] != true || hv["status"] != "granted" || hv["version"] != 6.0 {
		t.Errorf("the history: %s", hist.body)
	}
	if at := h.do("GET", loc+"/history?atRevision=3", admin, nil).json(t); at["status"] != "returned" || len(at["entries"].([]any)) != 3 {
		t.Errorf("the history at revision 3: %v", at)
	}
	if res := h.do("GET", loc+"/history", h.email(domain.RoleUnitAdmin), nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 a university's unit admin reads the history: %d", res.status)
	}
	if res := h.do("GET", loc+"/history?atRevision=7", reviewer, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("REVISION@query:atRevision") {
		t.Errorf("the history past its last revision: %d %s", res.status, res.body)
	}
}
