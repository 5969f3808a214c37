package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// step is one request of a walk through the workflow.
type step struct {
	name   string
	method string
	path   string
	who    string
	body   any
	want   int
	rule   string // a rule id the problem must name, when set
}

func (h *harness) walk(steps []step) response {
	h.t.Helper()
	var last response
	for _, s := range steps {
		last = h.do(s.method, s.path, s.who, s.body)
		if last.status != s.want {
			h.t.Fatalf("%s: %s %s: got %d; want %d: %s", s.name, s.method, s.path, last.status, s.want, last.body)
		}
		if s.rule != "" && !last.hasRule(s.rule) {
			h.t.Fatalf("%s: problem names rules %v; want %s", s.name, last.rules(), s.rule)
		}
	}
	return last
}

// TestForecastLifecycle walks submit → unit → school → authority, a
// rejection with revision and resubmission, and a withdrawal (R-FC-05/06).
func TestForecastLifecycle(t *testing.T) {
	h := newHarness(t)
	applicant, unit, school, authority := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RoleSchoolAdmin), h.email(domain.RoleAuthorityReviewer)

	id, res := h.submit(nil)
	if got := res.header.Get("ETag"); got != `"1"` {
		t.Errorf("ETag after submit: got %s; want \"1\"", got)
	}
	f := "/api/v1/forecasts/" + id
	h.walk([]step{
		// R-FC-05: each level in turn; the wrong level is refused.
		{"school before unit", "POST", f + "/approve-school", school, nil, 409, "R-FC-05"},
		{"authority cannot see it yet", "POST", f + "/approve-authority", authority, nil, 404, ""},
		{"unit approves", "POST", f + "/approve-unit", unit, map[string]string{"comment": "同意推荐"}, 200, ""},
		{"applicant may not revise once approved by the unit", "PUT", f, applicant, forecastBody(nil), 409, "R-FC-06"},
		{"school rejects without reason", "POST", f + "/reject", school, map[string]string{"reason": "  "}, 422, "R-FC-05"},
		{"school rejects", "POST", f + "/reject", school, map[string]string{"reason": "请补充外方合作单位"}, 200, ""},
		{"unit cannot approve a rejected one", "POST", f + "/approve-unit", unit, nil, 409, "R-FC-05"},
		{"applicant revises and resubmits", "PUT", f, applicant, forecastBody(func(m map[string]any) {
			m["organisations"] = append(m["organisations"].([]any), map[string]any{"role": "joint", "nameZh": "示范国际学会", "nameEn": "Demo International Society"})
		}), 200, ""},
		{"unit approves again", "POST", f + "/approve-unit", unit, nil, 200, ""},
		{"school approves", "POST", f + "/approve-school", school, map[string]string{"comment": "同意上报"}, 200, ""},
		{"unit cannot decide at the authority's level", "POST", f + "/approve-authority", unit, nil, 403, ""},
		{"authority approves", "POST", f + "/approve-authority", authority, nil, 200, ""},
		{"nothing after the final approval", "POST", f + "/reject", authority, map[string]string{"reason": "x"}, 409, "R-FC-05"},
		{"no withdrawal after approval", "POST", f + "/withdraw", applicant, nil, 409, "R-FC-06"},
	})
	got := h.do("GET", f, applicant, nil)
	if got.status != 200 || got.json(t)["status"] != "approved" || got.header.Get("ETag") != `"7"` {
		t.Fatalf("final forecast: %d %s ETag %s; want approved at version 7", got.status, got.body, got.header.Get("ETag"))
	}

	// A second forecast is withdrawn, and then nobody may decide on it (R-FC-06).
	id2, _ := h.submit(func(m map[string]any) {
		m["nameZh"] = "2027年机器学习理论研讨会"
		m["nameEn"] = "2027 Workshop on Learning Theory"
	})
	f2 := "/api/v1/forecasts/" + id2
	h.walk([]step{
		{"withdraw", "POST", f2 + "/withdraw", applicant, map[string]string{"reason": "改为明年举办"}, 200, ""},
		{"approve a withdrawn forecast", "POST", f2 + "/approve-unit", unit, nil, 409, "R-FC-05"},
		{"revise a withdrawn forecast", "PUT", f2, applicant, forecastBody(nil), 409, "R-FC-06"},
	})
	h.checkReadModels()

	// The approval log (报批日志) names every step with actor, role and comment.
	log := h.do("GET", f+"/log", h.email(domain.RoleAuditor), nil)
	var lg struct {
		Entries []struct {
			Action, ActorName, ActorRole, Comment, StatusBefore, StatusAfter string
		} `json:"entries"`
	}
	if err := json.Unmarshal(log.body, &lg); err != nil || len(lg.Entries) != 7 {
		t.Fatalf("log: %d entries (%v): %s", len(lg.Entries), err, log.body)
	}
	if e := lg.Entries[2]; e.ActorRole != "school_admin" || e.ActorName != "王立群" || e.Comment != "请补充外方合作单位" || e.StatusBefore != "unit_approved" || e.StatusAfter != "rejected" {
		t.Errorf("rejection log entry: %+v", e)
	}
}

// checkReadModels waits for the projections and then checks, for every
// forecast, that the history replayed from the stream ends in the state the
// status view and the list show.
func (h *harness) checkReadModels() {
	h.t.Helper()
	auditor := h.email(domain.RoleAuditor)
	head := h.headPosition()
	list := h.do("GET", "/api/v1/forecasts?status=submitted,unit_approved,school_approved,approved,rejected,withdrawn&pageSize=100", auditor, nil,
		"X-Econf-Min-Position", head)
	if list.status != 200 {
		h.t.Fatalf("list: %d %s", list.status, list.body)
	}
	var page struct {
		Items []struct {
			ID      string `json:"id"`
			Status  string `json:"status"`
			Version int    `json:"version"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal(list.body, &page); err != nil {
		h.t.Fatal(err)
	}
	if len(page.Items) != page.Total {
		h.t.Fatalf("list shows %d of %d forecasts", len(page.Items), page.Total)
	}
	for _, it := range page.Items {
		hist := h.do("GET", "/api/v1/forecasts/"+it.ID+"/history", auditor, nil).json(h.t)
		st := h.do("GET", "/api/v1/forecasts/"+it.ID+"/status", auditor, nil, "X-Econf-Min-Position", head).json(h.t)
		if hist["status"] != st["status"] || hist["status"] != it.Status || int(hist["version"].(float64)) != it.Version || hist["chainIntact"] != true {
			h.t.Errorf("forecast %s: history %v v%v (chain %v), status view %v, list %s v%d", it.ID, hist["status"], hist["version"], hist["chainIntact"], st["status"], it.Status, it.Version)
		}
	}
}

// headPosition is the position of the newest event.
func (h *harness) headPosition() string { return lastPos(h).String() }

// TestScope covers R-ACT-02: acting outside one's scope is 403, reading a
// record outside it is 404 so its existence is not revealed.
func TestScope(t *testing.T) {
	h := newHarness(t)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	otherUnit, otherApplicant := h.tree.OtherUnitAd.Email, h.tree.OtherApp.Email
	h.walk([]step{
		{"other unit's admin cannot see it", "GET", f, otherUnit, nil, 404, ""},
		{"other unit's admin cannot approve it", "POST", f + "/approve-unit", otherUnit, nil, 404, ""},
		{"another applicant cannot see it", "GET", f, otherApplicant, nil, 404, ""},
		{"another applicant cannot read its log", "GET", f + "/log", otherApplicant, nil, 404, ""},
		{"another applicant cannot withdraw it", "POST", f + "/withdraw", otherApplicant, nil, 404, ""},
		{"the applicant cannot approve their own", "POST", f + "/approve-unit", h.email(domain.RoleApplicant), nil, 403, ""},
		{"the school admin cannot act for the unit", "POST", f + "/approve-unit", h.email(domain.RoleSchoolAdmin), nil, 403, ""},
		{"the unit admin cannot revise the applicant's forecast", "PUT", f, h.email(domain.RoleUnitAdmin), forecastBody(nil), 403, ""},
		{"the authority does not see it before the school sends it", "GET", f, h.email(domain.RoleAuthorityReviewer), nil, 404, ""},
		{"the analyst reads it", "GET", f + "/status", h.email(domain.RoleAnalyst), nil, 200, ""},
		{"the auditor reads its history", "GET", f + "/history", h.email(domain.RoleAuditor), nil, 200, ""},
		{"the auditor cannot decide", "POST", f + "/approve-unit", h.email(domain.RoleAuditor), nil, 403, ""},
		{"an analyst cannot submit", "POST", "/api/v1/forecasts", h.email(domain.RoleAnalyst), forecastBody(nil), 403, ""},
		{"no token", "GET", f, "", nil, 401, ""},
		{"a platform admin lists no forecasts (R-ACT-02)", "GET", "/api/v1/forecasts", h.email(domain.RolePlatformAdmin), nil, 200, ""},
		{"an applicant does not list users", "GET", "/api/v1/users", h.email(domain.RoleApplicant), nil, 403, ""},
	})
	// Lists are scoped too: the other unit sees nothing, the school sees it.
	for who, want := range map[string]float64{otherUnit: 0, h.email(domain.RoleSchoolAdmin): 1, otherApplicant: 0, h.email(domain.RoleAuthorityReviewer): 0} {
		res := h.do("GET", "/api/v1/forecasts", who, nil, "X-Econf-Min-Position", h.headPosition())
		if got := res.json(t)["total"]; got != want {
			t.Errorf("%s lists %v forecasts; want %v", who, got, want)
		}
	}
	h.do("GET", "/api/v1/forecasts/not-a-uuid", h.email(domain.RoleApplicant), nil)
	if res := h.do("GET", "/api/v1/forecasts/not-a-uuid", h.email(domain.RoleApplicant), nil); res.status != 404 {
		t.Errorf("malformed id: %d; want 404", res.status)
	}
}

// TestStaleVersionAndIdempotency: a stale If-Match is 409 and writes
// nothing; a replayed Idempotency-Key gets the same answer and appends one
// event only; the same key with another request is refused.
func TestStaleVersionAndIdempotency(t *testing.T) {
	h := newHarness(t)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	unit := h.email(domain.RoleUnitAdmin)
	before := h.eventCount()
	stale := h.do("POST", f+"/approve-unit", unit, nil, "If-Match", `"7"`)
	if stale.status != 409 || h.eventCount() != before {
		t.Fatalf("stale If-Match: %d, %d new events: %s", stale.status, h.eventCount()-before, stale.body)
	}
	if bad := h.do("POST", f+"/approve-unit", unit, nil, "If-Match", "yesterday"); bad.status != 400 {
		t.Errorf("malformed If-Match: %d; want 400", bad.status)
	}
	first := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, "If-Match", `"1"`, "Idempotency-Key", "approve-1")
	again := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, "If-Match", `"1"`, "Idempotency-Key", "approve-1")
	if first.status != 200 || again.status != 200 || string(first.body) != string(again.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: first %d %s, again %d %s (replayed=%q)", first.status, first.body, again.status, again.body, again.header.Get("Idempotent-Replayed"))
	}
	if got := h.eventCount() - before; got != 1 {
		t.Errorf("events after a replayed key: got %d; want 1", got)
	}
	other := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "不同的请求"}, "Idempotency-Key", "approve-1")
	if other.status != 422 {
		t.Errorf("key reused for another request: %d; want 422", other.status)
	}
	// The same key again after the stored answer is lost (a crash between
	// append and answer) still appends nothing: the command id is derived
	// from the key and the command finds its first run.
	if _, err := h.pool.Exec(context.Background(), `DELETE FROM idempotency`); err != nil {
		t.Fatal(err)
	}
	lost := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, "If-Match", `"1"`, "Idempotency-Key", "approve-1")
	if lost.status != 200 || string(lost.body) != string(first.body) || h.eventCount()-before != 1 {
		t.Errorf("retry without stored answer: %d %s, %d events", lost.status, lost.body, h.eventCount()-before)
	}
	// Submitting twice with one key files one forecast.
	body := forecastBody(func(m map[string]any) { m["nameZh"] = "2027年并行计算国际研讨会" })
	s1 := h.do("POST", "/api/v1/forecasts", h.email(domain.RoleApplicant), body, "Idempotency-Key", "submit-1")
	s2 := h.do("POST", "/api/v1/forecasts", h.email(domain.RoleApplicant), body, "Idempotency-Key", "submit-1")
	if s1.status != 201 || s2.status != 201 || s1.json(t)["id"] != s2.json(t)["id"] {
		t.Errorf("submit replay: %d %s / %d %s", s1.status, s1.body, s2.status, s2.body)
	}
	h.checkReadModels()
}

// TestBadInput: each malformed or rule-breaking request gets a precise 4xx
// naming the field and rule, and writes nothing.
func TestBadInput(t *testing.T) {
	h := newHarness(t)
	applicant := h.email(domain.RoleApplicant)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	before := h.eventCount()
	long := ""
	for range 51 {
		long += "会"
	}
	cases := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		rule   string // rule@path
	}{
		{"malformed JSON", "POST", "/api/v1/forecasts", `{"nameZh": `, 400, "SCHEMA@"},
		{"not JSON at all", "POST", "/api/v1/forecasts", `hello`, 400, "SCHEMA@"},
		{"empty body", "POST", "/api/v1/forecasts", ``, 400, "SCHEMA@"},
		{"unknown field", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["budget"] = 1 }), 400, "SCHEMA@budget"},
		{"nested unknown field", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["applicant"].(map[string]any)["nickname"] = "老王" }), 400, "SCHEMA@applicant.nickname"},
		{"wrong type", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["foreignCount"] = "forty" }), 400, "SCHEMA@foreignCount"},
		{"nested wrong type", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["applicant"].(map[string]any)["name"] = 7 }), 400, "SCHEMA@applicant.name"},
		{"impossible date", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["startDate"] = "2027-02-30" }), 400, "SCHEMA@startDate"},
		{"trailing data", "POST", "/api/v1/forecasts", `{} {}`, 400, "SCHEMA@"},
		{"over-long Chinese name", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["nameZh"] = long }), 422, "R-DECL-03@nameZh"},
		{"forbidden term", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["nameZh"] = "首届分布式系统国际研讨会" }), 422, "R-FC-03@nameZh"},
		{"missing English name", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { delete(m, "nameEn") }), 422, "R-FC-03@nameEn"},
		{"start outside the plan year", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["startDate"] = "2028-01-05" }), 422, "R-FC-02@startDate"},
		{"negative count", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["chineseCount"] = -1 }), 422, "@chineseCount"},
		{"counts above the declared scale", "POST", "/api/v1/forecasts", forecastBody(func(m map[string]any) { m["foreignCount"] = 300 }), 422, "R-CLS-05@scale"},
		{"reject without reason", "POST", f + "/reject", map[string]string{}, 0, ""},
		{"unknown list filter", "GET", "/api/v1/forecasts?colour=red", nil, 400, "SCHEMA@query:colour"},
		{"bad list status", "GET", "/api/v1/forecasts?status=done", nil, 400, "SCHEMA@query:status"},
		{"bad page size", "GET", "/api/v1/forecasts?pageSize=1000", nil, 400, "SCHEMA@query:pageSize"},
		{"bad asOf", "GET", f + "/history?asOf=yesterday", nil, 400, "SCHEMA@query:asOf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			who := applicant
			if c.name == "reject without reason" {
				who = h.email(domain.RoleUnitAdmin)
				c.status, c.rule = 422, "R-FC-05@reason"
			}
			res := h.do(c.method, c.path, who, c.body)
			if res.status != c.status {
				t.Fatalf("got %d; want %d: %s", res.status, c.status, res.body)
			}
			found := false
			for _, r := range res.rules() {
				if r == c.rule || (c.rule[0] == '@' && strings.HasSuffix(r, c.rule)) {
					found = true
				}
			}
			if !found {
				t.Errorf("problem names %v; want %s", res.rules(), c.rule)
			}
			if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q; want application/problem+json", ct)
			}
		})
	}
	if res := h.do("POST", "/api/v1/forecasts", applicant, `{"remarks":"`+strings.Repeat("x", 2<<20)+`"}`); res.status != 413 {
		t.Errorf("2 MiB body: %d; want 413", res.status)
	}
	if res := h.do("POST", f+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]string{"comment": strings.Repeat("好", 2001)}); res.status != 422 || !res.hasRule("SCHEMA") {
		t.Errorf("over-long comment: %d %v; want 422", res.status, res.rules())
	}
	if got := h.eventCount(); got != before {
		t.Errorf("bad input wrote %d events", got-before)
	}
	// Either "comment" or "reason" carries a decision's text.
	if res := h.do("POST", f+"/reject", h.email(domain.RoleUnitAdmin), map[string]string{"comment": "信息不全"}); res.status != 200 {
		t.Errorf("reject with a comment: %d %s", res.status, res.body)
	}
	before = h.eventCount()

	// R-FC-01: outside the window, no forecast (原则上不予补报).
	h.clock.Set(time.Date(2026, 10, 1, 0, 30, 0, 0, domain.Shanghai))
	clear(h.tokens) // the sessions expired with the move
	late := h.do("POST", "/api/v1/forecasts", applicant, forecastBody(nil))
	if late.status != 409 || !late.hasRule("R-FC-01") {
		t.Errorf("late forecast: %d %v; want 409 naming R-FC-01", late.status, late.rules())
	}
	if got := h.eventCount(); got != before {
		t.Errorf("a late forecast wrote %d events", got-before)
	}
}

// TestAuthAndAdministration: logins, sessions and the platform admin's
// organisation and account management.
func TestAuthAndAdministration(t *testing.T) {
	h := newHarness(t)
	admin := h.email(domain.RolePlatformAdmin)
	if res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": admin, "password": "wrong-password-1"}); res.status != 401 {
		t.Errorf("wrong password: %d", res.status)
	}
	if res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@demo-univ.edu.cn", "password": "wrong-password-1"}); res.status != 401 {
		t.Errorf("unknown email: %d", res.status)
	}
	me := h.do("GET", "/api/v1/me", h.email(domain.RoleUnitAdmin), nil).json(t)
	if me["role"] != "unit_admin" || me["universityId"] != h.tree.University.String() || me["authorityId"] != h.tree.Authority.String() {
		t.Errorf("me: %v", me)
	}

	unit := h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "unit", "nameZh": "物理学院", "nameEn": "School of Physics", "parentId": h.tree.University})
	if unit.status != 201 {
		t.Fatalf("create unit: %d %s", unit.status, unit.body)
	}
	unitID := unit.json(t)["id"].(string)
	if res := h.do("POST", "/api/v1/organisations", admin, map[string]any{"kind": "unit", "nameZh": "化学学院", "parentId": h.tree.Authority}); res.status != 422 || !res.hasRule("R-ACT-02") {
		t.Errorf("unit under an authority: %d %v", res.status, res.rules())
	}
	if res := h.do("POST", "/api/v1/organisations", h.email(domain.RoleSchoolAdmin), map[string]any{"kind": "unit", "nameZh": "化学学院", "parentId": h.tree.University}); res.status != 403 {
		t.Errorf("school admin creating an organisation: %d", res.status)
	}
	newUser := map[string]any{"email": "Wu.Physics@demo-univ.edu.cn", "name": "吴物理", "role": "unit_admin", "orgId": unitID, "password": "copper meadow sixty 31"}
	created := h.do("POST", "/api/v1/users", admin, newUser)
	if created.status != 201 {
		t.Fatalf("create user: %d %s", created.status, created.body)
	}
	if res := h.do("POST", "/api/v1/users", admin, newUser); res.status != 422 || !res.hasRule("R-ACT-03") {
		t.Errorf("second account for one email: %d %v", res.status, res.rules())
	}
	if res := h.do("POST", "/api/v1/users", admin, map[string]any{"email": "x@demo-univ.edu.cn", "name": "某", "role": "school_admin", "orgId": unitID, "password": "short"}); res.status != 422 || len(res.rules()) < 2 {
		t.Errorf("role not fitting the organisation and a weak password: %d %v", res.status, res.rules())
	}
	login := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "wu.physics@demo-univ.edu.cn", "password": "copper meadow sixty 31"})
	if login.status != 200 {
		t.Fatalf("new user's login: %d %s", login.status, login.body)
	}
	userID := created.json(t)["id"].(string)
	tok := login.json(t)["token"].(string)
	if res := h.do("PATCH", "/api/v1/users/"+userID, admin, map[string]any{"active": false}); res.status != 200 {
		t.Fatalf("deactivate: %d %s", res.status, res.body)
	}
	req, _ := http.NewRequest("GET", h.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := h.checked().Do(req); err != nil || res.StatusCode != 401 {
		t.Errorf("session of a deactivated account still works: %v %v", res.StatusCode, err)
	}
	if res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": "wu.physics@demo-univ.edu.cn", "password": "copper meadow sixty 31"}); res.status != 401 {
		t.Errorf("deactivated login: %d", res.status)
	}
	users := h.do("GET", "/api/v1/users?orgId="+unitID, admin, nil, "X-Econf-Min-Position", h.headPosition()).json(t)
	if items := users["items"].([]any); len(items) != 1 || items[0].(map[string]any)["active"] != false {
		t.Errorf("users of the new unit: %v", users)
	}
	orgs := h.do("GET", "/api/v1/organisations", h.email(domain.RoleApplicant), nil, "X-Econf-Min-Position", h.headPosition()).json(t)
	if n := len(orgs["items"].([]any)); n != 5 {
		t.Errorf("organisations: %d; want 5", n)
	}
	// A user changes their own password with the current one.
	app := h.email(domain.RoleApplicant)
	appID := h.tree.Account(domain.RoleApplicant).UserID
	if res := h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", appID), app, map[string]string{"password": "orchard thimble 64 canoe", "currentPassword": "wrong"}); res.status != 422 {
		t.Errorf("password change with a wrong current password: %d", res.status)
	}
	if res := h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", appID), app, map[string]string{"password": "orchard thimble 64 canoe", "currentPassword": password(domain.RoleApplicant)}); res.status != 204 {
		t.Errorf("password change: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": app, "password": "orchard thimble 64 canoe"}); res.status != 200 {
		t.Errorf("login with the new password: %d", res.status)
	}
}

// TestHistoryAsOf: the auditor replays a forecast's state at a past time.
func TestHistoryAsOf(t *testing.T) {
	h := newHarness(t)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	h.clock.Advance(time.Hour)
	mid := h.clock.Now()
	h.clock.Advance(time.Hour)
	h.walk([]step{{"unit approves", "POST", f + "/approve-unit", h.email(domain.RoleUnitAdmin), nil, 200, ""}})
	auditor := h.email(domain.RoleAuditor)
	then := h.do("GET", f+"/history?asOf="+url.QueryEscape(mid.Format(time.RFC3339)), auditor, nil).json(t)
	now := h.do("GET", f+"/history", auditor, nil).json(t)
	if then["status"] != "submitted" || len(then["entries"].([]any)) != 1 || now["status"] != "unit_approved" {
		t.Errorf("asOf: then %v, now %v", then["status"], now["status"])
	}
	if res := h.do("GET", f+"/history?asOf=2020-01-01T00:00:00Z", auditor, nil); res.status != 404 {
		t.Errorf("before the forecast existed: %d", res.status)
	}
}

// TestSignedForm: the unit admin uploads the signed and stamped forecast
// form after approving it (R-FC-08); it shows in the forecast, its log and
// history, and those who may read the forecast may download it.
func TestSignedForm(t *testing.T) {
	h := newHarness(t)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	unit, applicant := h.email(domain.RoleUnitAdmin), h.email(domain.RoleApplicant)
	pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
	if res := h.do("POST", f+"/signed-form?name=signed.pdf", unit, pdf); res.status != 409 || !res.hasRule("R-FC-08") {
		t.Errorf("before the unit's approval: %d %v", res.status, res.rules())
	}
	h.walk([]step{{"unit approves", "POST", f + "/approve-unit", unit, nil, 200, ""}})
	if res := h.do("POST", f+"/signed-form?name=signed.pdf", applicant, pdf); res.status != 403 {
		t.Errorf("the applicant uploading: %d", res.status)
	}
	if res := h.do("POST", f+"/signed-form?name=signed.jpg", unit, pdf); res.status != 422 {
		t.Errorf("a PDF named .jpg: %d", res.status)
	}
	if res := h.do("POST", f+"/signed-form?name=signed.pdf", h.tree.OtherUnitAd.Email, pdf); res.status != 404 {
		t.Errorf("another unit's admin: %d", res.status)
	}
	if res := h.do("POST", f+"/signed-form?name="+url.QueryEscape("预报申请表（盖章）.pdf"), unit, pdf); res.status != 200 {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	got := h.do("GET", f, applicant, nil).json(t)
	forms := got["signedForms"].([]any)
	if len(forms) != 1 || got["status"] != "unit_approved" {
		t.Fatalf("forecast after the upload: %v", got)
	}
	fileID := forms[0].(map[string]any)["id"].(string)
	if res := h.do("GET", "/api/v1/files/"+fileID+"?forecast="+id, applicant, nil); res.status != 200 || string(res.body) != string(pdf) {
		t.Errorf("the applicant downloading the signed form: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/files/"+fileID+"?forecast="+id, h.tree.OtherApp.Email, nil); res.status != 404 {
		t.Errorf("another applicant downloading it: %d", res.status)
	}
	var lg struct {
		Entries []struct{ EventType, StatusAfter, Comment string }
	}
	if err := json.Unmarshal(h.do("GET", f+"/log", applicant, nil).body, &lg); err != nil || len(lg.Entries) != 3 ||
		lg.Entries[2].EventType != "forecast.signed_form_attached" || lg.Entries[2].StatusAfter != "unit_approved" || lg.Entries[2].Comment != "预报申请表（盖章）.pdf" {
		t.Errorf("log: %v %+v", err, lg.Entries)
	}
}
