package httpapi_test

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
)

// fundingAcademy is an academy's tree with two institutes, made through
// the API as the platform admin, and its accounts logged in.
type fundingAcademy struct {
	reviewer, adminA, adminB string
	instituteA, instituteB   string
}

func (h *harness) fundingAcademy() fundingAcademy {
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
	var a fundingAcademy
	bureau := org("bureau", "示范科学院国际合作局", "")
	academy := org("academy", "示范科学院", bureau)
	a.instituteA = org("institute", "示范物理研究所", academy)
	a.instituteB = org("institute", "示范化学研究所", academy)
	user := func(role domain.Role, orgID, email string) string {
		res := h.do("POST", "/api/v1/users", pa, map[string]any{"email": email, "name": "示范账号", "role": role, "orgId": orgID, "password": academyPassword})
		if res.status != http.StatusCreated {
			h.t.Fatalf("create %s: %d %s", email, res.status, res.body)
		}
		return email
	}
	a.reviewer = user(domain.RoleAuthorityReviewer, bureau, "reviewer@bureau.demo-academy.cn")
	a.adminA = user(domain.RoleUnitAdmin, a.instituteA, "admin@phys.demo-academy.cn")
	a.adminB = user(domain.RoleUnitAdmin, a.instituteB, "admin@chem.demo-academy.cn")
	a.login(h)
	return a
}

// login signs the academy's accounts in again (after the clock moved).
func (a fundingAcademy) login(h *harness) {
	h.t.Helper()
	for _, email := range []string{a.reviewer, a.adminA, a.adminB} {
		res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": academyPassword})
		if res.status != http.StatusOK {
			h.t.Fatalf("login %s: %d %s", email, res.status, res.body)
		}
		h.tokens[email] = res.json(h.t)["token"].(string)
	}
}

// fundingApp drafts and submits an application of admin's institute for
// a conference opening on opening (closing two days later).
func (h *harness) fundingApp(admin, name string, opening time.Time, category int, requestedFen int64) string {
	h.t.Helper()
	up := h.do("POST", "/api/v1/files?kind=funding_approval&name="+url.QueryEscape("批件.pdf"), admin, pdf)
	if up.status != http.StatusCreated {
		h.t.Fatalf("upload: %d %s", up.status, up.body)
	}
	nature, foreign := map[int]string{1: "hosting_rights", 2: "academy_led", 3: "joint"}[category], map[int]int{1: 200, 2: 90, 3: 30}[category]
	app := map[string]any{
		"conference": map[string]any{"nameZh": name, "openingDate": opening.Format(time.DateOnly), "closingDate": opening.AddDate(0, 0, 2).Format(time.DateOnly), "city": "合肥"},
		"approval":   map[string]any{"number": "科发际批〔2027〕8号", "date": "2027-02-20", "scanFileId": up.json(h.t)["id"]},
		"category":   category, "nature": nature, "academyFirstHost": true,
		"attendance":   map[string]any{"total": 400, "foreign": foreign},
		"budget":       map[string]any{"totalFen": requestedFen + 20_000_000, "sources": []any{map[string]any{"name": "注册费", "amountFen": 20_000_000}}},
		"requestedFen": requestedFen,
	}
	res := h.do("POST", "/api/v1/funding", admin, map[string]any{"application": app})
	if res.status != http.StatusCreated {
		h.t.Fatalf("draft %s: %d %s", name, res.status, res.body)
	}
	return res.header.Get("Location")
}

// TestFundingEndToEnd (seed 002, R-FUND-01..09): two institutes through one
// call over HTTP: drafts, submissions, the bureau's review and grants, the
// plan refused while one awaits review, decided once (R-FUND-05), grants
// refused after it, the notice PDF, the list and its export; the
// acknowledgement (R-FUND-05) and progress (R-FUND-09); the summary on
// time for one and overdue for the other by the deadline engine at a
// controlled clock, recorded once (R-FUND-06); the next year's call
// refusing the second naming its conference (R-FUND-06), a suspension
// refusing the first on its last day, not the day after (R-FUND-08); a
// clawback (R-FUND-08); the next plan recorded overdue once after
// 31 December (R-FUND-05); the statistics.
func TestFundingEndToEnd(t *testing.T) {
	h := newHarness(t)
	h.at(2027, time.May, 20)
	a := h.fundingAcademy()
	if res := h.do("POST", "/api/v1/funding/calls", a.reviewer, map[string]any{"budgetFen": 20_000_000}); res.status != http.StatusOK {
		t.Fatalf("publish the call: %d %s", res.status, res.body)
	}
	opening := time.Date(2028, time.April, 8, 0, 0, 0, 0, domain.Shanghai)
	locA := h.fundingApp(a.adminA, "国际凝聚态物理研讨会", opening, 2, 10_000_000)
	locB := h.fundingApp(a.adminB, "国际催化化学研讨会", opening, 3, 6_000_000)
	for _, c := range []struct{ who, loc string }{{a.adminA, locA}, {a.adminB, locB}} {
		if res := h.do("POST", c.loc+"/submit", c.who, nil); res.status != http.StatusOK {
			t.Fatalf("submit %s: %d %s", c.loc, res.status, res.body)
		}
	}
	if res := h.do("POST", locA+"/grant", a.reviewer, map[string]any{"amountFen": 10_000_000}); res.status != http.StatusOK {
		t.Fatalf("grant A: %d %s", res.status, res.body)
	}
	plan := map[string]any{"year": 2028, "comment": "经院领导审定"}
	h.settle()
	before := h.eventCount()
	if res := h.do("POST", "/api/v1/funding/plans", a.reviewer, plan); res.status != http.StatusConflict || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 the plan while B awaits review: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/funding/plans", a.adminA, plan); res.status != http.StatusForbidden {
		t.Errorf("R-FUND-05 an institute decides the plan: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/funding/plans", a.reviewer, map[string]any{"year": 2030}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-03") {
		t.Errorf("R-FUND-03 a plan without a call: %d %s", res.status, res.body)
	}
	if res := h.do("GET", "/api/v1/funding/plans/2028/notice.pdf", a.reviewer, nil); res.status != http.StatusConflict || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 the notice before the decision: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != before {
		t.Errorf("refusals wrote %d events", n-before)
	}
	if res := h.do("POST", locB+"/grant", a.reviewer, map[string]any{"amountFen": 5_000_000}); res.status != http.StatusOK {
		t.Fatalf("grant B: %d %s", res.status, res.body)
	}
	h.settle()
	res := h.do("POST", "/api/v1/funding/plans", a.reviewer, plan, "Idempotency-Key", "plan-2028")
	if res.status != http.StatusOK {
		t.Fatalf("R-FUND-05 decide the plan: %d %s", res.status, res.body)
	}
	if again := h.do("POST", "/api/v1/funding/plans", a.reviewer, plan, "Idempotency-Key", "plan-2028"); again.status != http.StatusOK {
		t.Errorf("the same decision retried: %d %s", again.status, again.body)
	}
	if res := h.do("POST", "/api/v1/funding/plans", a.reviewer, plan); res.status != http.StatusConflict || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 a plan decided twice: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locB+"/reject", a.reviewer, map[string]any{"reason": "改变主意"}); res.status != http.StatusConflict || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 a rejection after the plan: %d %s", res.status, res.body)
	}
	got := h.do("GET", "/api/v1/funding/plans/2028", a.reviewer, nil)
	if got.status != http.StatusOK {
		t.Fatalf("the plan: %d %s", got.status, got.body)
	}
	p := got.json(t)
	d := p["decided"].(map[string]any)
	view := p["view"].(map[string]any)
	if d["grantedFen"] != float64(15_000_000) || len(d["lines"].([]any)) != 2 || view["leftFen"] != float64(5_000_000) ||
		view["categories"].([]any)[2].(map[string]any)["grantedFen"] != float64(5_000_000) {
		t.Errorf("the decided plan: %s", got.body)
	}
	if res := h.do("GET", "/api/v1/funding/plans/2028", a.adminB, nil); res.status != http.StatusOK || res.json(t)["view"].(map[string]any)["grantedFen"] != float64(5_000_000) {
		t.Errorf("institute B reads the plan (its own sums): %d %s", res.status, res.body)
	}
	if res := h.do("GET", "/api/v1/funding/plans/2028", h.email(domain.RoleAuthorityReviewer), nil); res.status != http.StatusNotFound {
		t.Errorf("a university's reviewer reads the academy's plan: %d %s", res.status, res.body)
	}
	notice := h.do("GET", "/api/v1/funding/plans/2028/notice.pdf", a.adminA, nil)
	if notice.status != http.StatusOK || notice.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(notice.body, []byte("%PDF")) {
		t.Errorf("the notice: %d %s", notice.status, notice.header.Get("Content-Type"))
	}

	list := h.do("GET", "/api/v1/funding?year=2028&category=3&status=granted", a.reviewer, nil)
	if items := list.json(t)["items"].([]any); list.status != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["instituteName"] != "示范化学研究所" {
		t.Errorf("the list by category and status: %d %s", list.status, list.body)
	}
	if kw := h.do("GET", "/api/v1/funding?q="+url.QueryEscape("凝聚"), a.reviewer, nil).json(t)["items"].([]any); len(kw) != 1 {
		t.Errorf("the list by keyword: %v", kw)
	}
	if own := h.do("GET", "/api/v1/funding", a.adminA, nil).json(t)["items"].([]any); len(own) != 1 {
		t.Errorf("R-ACT-02 institute A lists %d applications; want its own", len(own))
	}
	if bad := h.do("GET", "/api/v1/funding?category=4", a.reviewer, nil); bad.status != http.StatusBadRequest {
		t.Errorf("category 4: %d", bad.status)
	}
	if x := h.do("GET", "/api/v1/funding/export?year=2028", a.reviewer, nil); x.status != http.StatusOK || !bytes.HasPrefix(x.body, []byte("PK")) {
		t.Errorf("the xlsx export: %d", x.status)
	}

	// Obligations (R-FUND-05, R-FUND-09).
	ev := h.do("POST", "/api/v1/files?kind=funding_proof&name="+url.QueryEscape("会议手册.pdf"), a.adminA, pdf)
	if ev.status != http.StatusCreated {
		t.Fatalf("upload the evidence: %d %s", ev.status, ev.body)
	}
	if res := h.do("POST", locA+"/acknowledgement", a.adminA, map[string]any{"evidence": []any{}}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-05") {
		t.Errorf("R-FUND-05 acknowledgement without evidence: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locA+"/acknowledgement", a.adminB, map[string]any{"evidence": []any{ev.json(t)["id"]}}); res.status != http.StatusNotFound {
		t.Errorf("institute B acknowledges A's: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locA+"/acknowledgement", a.adminA, map[string]any{"evidence": []any{ev.json(t)["id"]}, "note": "会议手册封底"}); res.status != http.StatusOK {
		t.Errorf("R-FUND-05 acknowledgement: %d %s", res.status, res.body)
	}
	file := "/api/v1/files/" + ev.json(t)["id"].(string)
	if res := h.do("GET", file, a.reviewer, nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 the bureau reads the evidence without naming the application: %d", res.status)
	}
	if res := h.do("GET", file+"?funding="+strings.TrimPrefix(locA, "/api/v1/funding/"), a.reviewer, nil); res.status != http.StatusOK {
		t.Errorf("R-ACT-02 the bureau reads the evidence through the application: %d %s", res.status, res.body)
	}
	if res := h.do("GET", file+"?funding="+strings.TrimPrefix(locB, "/api/v1/funding/"), a.adminB, nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 institute B reads A's evidence through its own application: %d", res.status)
	}
	if res := h.do("POST", locA+"/progress", a.adminA, map[string]any{"text": "主旨报告人已确定"}); res.status != http.StatusOK {
		t.Errorf("R-FUND-09 progress: %d %s", res.status, res.body)
	}

	// The conferences close on 10 April 2028; their summaries are due on
	// 10 May (R-FUND-06).
	h.at(2028, time.April, 12)
	a.login(h)
	if res := h.do("POST", locA+"/progress", a.adminA, map[string]any{"text": "会后补报"}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-09") {
		t.Errorf("R-FUND-09 progress after the end: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locA+"/summary", a.adminA, map[string]any{"text": "会议圆满完成，成果见附件"}); res.status != http.StatusOK {
		t.Fatalf("R-FUND-06 A's summary on time: %d %s", res.status, res.body)
	}
	h.at(2028, time.May, 10)
	h.tick()
	if n := h.fundingFacts(locB, "funding.summary_overdue"); n != 0 {
		t.Errorf("R-FUND-06 overdue on the due day: %d", n)
	}
	if n := h.fundingFacts(locB, "funding.summary_reminded"); n != 1 {
		t.Errorf("R-FUND-06 reminders by the due day: %d; want the nearest once", n)
	}
	h.at(2028, time.May, 11)
	h.tick()
	h.tick()
	if n := h.fundingFacts(locB, "funding.summary_overdue"); n != 1 {
		t.Errorf("R-FUND-06 B's summary overdue the day after: %d facts; want one", n)
	}
	if n := h.fundingFacts(locA, "funding.summary_overdue") + h.fundingFacts(locA, "funding.summary_reminded"); n != 0 {
		t.Errorf("R-FUND-06 A's summary is in: %d facts", n)
	}
	// The reminder and the overdue fact reach B's administrator: in the
	// inbox and by mail, once each; A's administrator hears of neither.
	h.settle()
	a.login(h)
	idB := strings.TrimPrefix(locB, "/api/v1/funding/")
	noticed := func(who string) map[string]int {
		got := map[string]int{}
		for _, it := range h.do("GET", "/api/v1/me/notifications", who, nil).json(t)["items"].([]any) {
			it := it.(map[string]any)
			if it["recordId"] == idB && strings.Contains(it["bodyZh"].(string), "国际催化化学研讨会") {
				got[it["kind"].(string)]++
			}
		}
		return got
	}
	if got := noticed(a.adminB); got["deadline_reminder"] != 1 || got["funding_summary_overdue"] != 1 || len(got) != 2 {
		t.Errorf("R-FUND-06 B's administrator's inbox: %v; want the reminder and the overdue notice once each", got)
	}
	if got := noticed(a.adminA); len(got) != 0 {
		t.Errorf("R-FUND-06 A's administrator told of B's summary: %v", got)
	}
	for tpl, want := range map[string]int{"deadline_reminder": 1, "funding_summary_overdue": 1} {
		var n int
		if err := h.pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_outbox WHERE template = $1 AND recipient = $2 AND data->>'nameZh' = '国际催化化学研讨会'`,
			tpl, a.adminB).Scan(&n); err != nil || n != want {
			t.Errorf("R-FUND-06 %s mails to B's administrator: %d (%v); want %d", tpl, n, err, want)
		}
	}

	// The next year's call (R-FUND-06, R-FUND-08).
	h.at(2028, time.May, 20)
	a.login(h)
	if res := h.do("POST", "/api/v1/funding/calls", a.reviewer, map[string]any{"budgetFen": 20_000_000}); res.status != http.StatusOK {
		t.Fatalf("publish the 2029 call: %d %s", res.status, res.body)
	}
	next := time.Date(2029, time.March, 1, 0, 0, 0, 0, domain.Shanghai)
	nextA := h.fundingApp(a.adminA, "国际量子材料研讨会", next, 3, 5_000_000)
	nextB := h.fundingApp(a.adminB, "国际绿色化学研讨会", next, 3, 5_000_000)
	h.settle()
	res = h.do("POST", nextB+"/submit", a.adminB, nil)
	if res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-06") || !strings.Contains(string(res.body), "国际催化化学研讨会") {
		t.Errorf("R-FUND-06 B with an overdue funded summary: %d %s", res.status, res.body)
	}
	el := h.do("GET", "/api/v1/funding/institutes/"+a.instituteB+"/eligibility?year=2029", a.reviewer, nil)
	if el.status != http.StatusOK || el.json(t)["eligible"] != false || !strings.Contains(string(el.body), strings.TrimPrefix(locB, "/api/v1/funding/")) {
		t.Errorf("R-FUND-06 B's eligibility: %d %s", el.status, el.body)
	}
	if res := h.do("GET", "/api/v1/funding/institutes/"+a.instituteB+"/eligibility", a.adminA, nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 A reads B's eligibility: %d", res.status)
	}
	// Every institute's eligibility for the bureau, and as xlsx.
	all := h.do("GET", "/api/v1/funding/eligibility?year=2029", a.reviewer, nil)
	if all.status != http.StatusOK {
		t.Fatalf("the eligibility list: %d %s", all.status, all.body)
	}
	rows := all.json(t)["items"].([]any)
	if len(rows) != 2 {
		t.Fatalf("R-FUND-06 the bureau's list holds %d institutes; want 2: %s", len(rows), all.body)
	}
	first, second := rows[0].(map[string]any), rows[1].(map[string]any)
	if first["instituteName"] != "示范化学研究所" || first["eligible"] != false || first["bars"].([]any)[0].(map[string]any)["rule"] != "R-FUND-06" ||
		first["bars"].([]any)[0].(map[string]any)["fundingId"] != strings.TrimPrefix(locB, "/api/v1/funding/") ||
		second["instituteName"] != "示范物理研究所" || second["eligible"] != true || len(second["bars"].([]any)) != 0 {
		t.Errorf("R-FUND-06 the bureau's list: %s", all.body)
	}
	if own := h.do("GET", "/api/v1/funding/eligibility?year=2029", a.adminA, nil).json(t)["items"].([]any); len(own) != 1 || own[0].(map[string]any)["institute"] != a.instituteA {
		t.Errorf("R-ACT-02 institute A's list: %v", own)
	}
	if other := h.do("GET", "/api/v1/funding/eligibility?year=2029", h.email(domain.RoleAuthorityReviewer), nil).json(t)["items"].([]any); len(other) != 0 {
		t.Errorf("R-ACT-02 a university's reviewer lists the academy's institutes: %v", other)
	}
	if res := h.do("GET", "/api/v1/funding/eligibility?year=next", a.reviewer, nil); res.status != http.StatusBadRequest || !res.hasRule("SCHEMA@query:year") {
		t.Errorf("a year that is not one: %d %s", res.status, res.body)
	}
	x := h.do("GET", "/api/v1/funding/eligibility/export?year=2029", a.reviewer, nil)
	if x.status != http.StatusOK {
		t.Fatalf("the eligibility export: %d %s", x.status, x.body)
	}
	book, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	sheetRows, err := book.GetRows(book.GetSheetName(0))
	if err != nil || len(sheetRows) != 3 || sheetRows[1][0] != "示范化学研究所" || sheetRows[1][3] != "否" || sheetRows[1][4] != "R-FUND-06" ||
		!strings.Contains(sheetRows[1][5], "国际催化化学研讨会") || !strings.HasPrefix(sheetRows[1][6], "提交总结报告后") || sheetRows[2][3] != "是" {
		t.Errorf("R-FUND-06 the eligibility sheet: %q (%v)", sheetRows, err)
	}
	suspension := map[string]any{"reason": "会议经费使用不规范", "period": map[string]any{"from": "2028-05-20", "until": "2028-05-31"}}
	if res := h.do("POST", "/api/v1/funding/institutes/"+a.instituteA+"/suspension", a.adminA, suspension); res.status != http.StatusForbidden {
		t.Errorf("R-FUND-08 an institute suspends itself: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/funding/institutes/"+a.instituteA+"/suspension", a.reviewer, suspension); res.status != http.StatusOK {
		t.Fatalf("R-FUND-08 suspend A: %d %s", res.status, res.body)
	}
	h.at(2028, time.May, 31)
	a.login(h)
	if res := h.do("POST", nextA+"/submit", a.adminA, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-08") {
		t.Errorf("R-FUND-08 A on the suspension's last day: %d %s", res.status, res.body)
	}
	h.at(2028, time.June, 1)
	a.login(h)
	if res := h.do("POST", nextA+"/submit", a.adminA, nil); res.status != http.StatusOK {
		t.Errorf("R-FUND-08 A the day after the suspension: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locA+"/clawback", a.reviewer, map[string]any{"amountFen": 10_000_001, "reason": "超范围支出"}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-FUND-08") {
		t.Errorf("R-FUND-08 a clawback a fen above the grant: %d %s", res.status, res.body)
	}
	if res := h.do("POST", locA+"/clawback", a.reviewer, map[string]any{"amountFen": 1_000_000, "reason": "超范围支出"}); res.status != http.StatusOK {
		t.Errorf("R-FUND-08 a clawback: %d %s", res.status, res.body)
	}
	stats := h.do("GET", "/api/v1/statistics/funding?from=2028&to=2028", h.email(domain.RoleAnalyst), nil)
	if stats.status != http.StatusOK || !strings.Contains(string(stats.body), `"clawedFen":1000000`) || !strings.Contains(string(stats.body), `"summariesOverdue":1`) {
		t.Errorf("the statistics: %d %s", stats.status, stats.body)
	}

	// The 2029 plan undecided after 31 December 2028 (R-FUND-05).
	h.at(2028, time.December, 31)
	h.tick()
	h.at(2029, time.January, 1)
	h.tick()
	h.tick()
	a.login(h)
	if v := h.do("GET", "/api/v1/funding/plans/2029", a.reviewer, nil).json(t)["view"].(map[string]any); v["overdue"] != true {
		t.Errorf("R-FUND-05 the 2029 plan undecided on 1 January: %v", v)
	}
	if v := h.do("GET", "/api/v1/funding/plans/2028", a.reviewer, nil).json(t)["view"].(map[string]any); v["overdue"] != false {
		t.Errorf("R-FUND-05 the decided 2028 plan recorded overdue: %v", v)
	}
	if n := h.streamFacts("fundingplan-%", "fundingplan.undecided_overdue"); n != 1 {
		t.Errorf("R-FUND-05 undecided facts: %d; want one", n)
	}
}

// fundingFacts counts the events of a type in an application's stream.
func (h *harness) fundingFacts(loc, eventType string) int {
	h.t.Helper()
	return h.streamFacts("funding-"+strings.TrimPrefix(loc, "/api/v1/funding/"), eventType)
}

// streamFacts counts the events of a type in the streams named like
// pattern (SQL LIKE).
func (h *harness) streamFacts(pattern, eventType string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(h.t.Context(), `SELECT count(*) FROM events WHERE stream_id LIKE $1 AND type = $2`, pattern, eventType).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}
