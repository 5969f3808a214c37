package httpapi_test

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/demo"
)

// noticeRunsOverHTTP is the public notice of a unit's list (公示,
// R-NOM-04) over HTTP, across the Spring Festival of 2023 (21–27 January
// off, Saturday 28 and Sunday 29 worked): the platform admin enters 2023
// in the working-day calendar; the unit publishes its list on Friday 20
// January; the notice runs 20, 28 (make-up), 29 (make-up), 30 and 31, so
// on the 31st the list is refused (four days run), and on 1 February it
// passes once the objection raised during the notice is handled. The
// caller submits next. The clock stands on 20 January 2023.
func (h *harness) noticeRunsOverHTTP(file, contact, other string) {
	t := h.t
	t.Helper()
	// day moves the clock; sessions end with it, so the nomination's
	// accounts sign in again (the demo tree's sign in when next used).
	day := func(d string) {
		var again []string
		for email := range h.tokens {
			if !slices.ContainsFunc(h.tree.Accounts, func(a demo.Account) bool { return a.Email == email }) {
				again = append(again, email)
			}
		}
		h.clock.Set(date(d).Time().Add(10 * time.Hour))
		clear(h.tokens)
		for _, email := range again {
			h.login(email, nomPassword)
		}
	}
	admin := h.email(domain.RolePlatformAdmin)
	if res := h.do("GET", "/api/v1/policy/work-calendar/2023", admin, nil); res.status == http.StatusNotFound {
		h.enter2023()
	}

	if res := h.do("POST", file+"/submit", contact, nil); res.status != http.StatusConflict || !res.hasRule("R-NOM-04") || !strings.Contains(string(res.body), "public notice") {
		t.Errorf("R-NOM-04 submitted before any notice: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/notice", contact, map[string]any{"starts": "2023-01-19", "workingDays": 4, "where": ""}); res.status != http.StatusUnprocessableEntity ||
		!res.hasRule("R-NOM-04@starts") || !res.hasRule("R-NOM-04@workingDays") || !res.hasRule("R-NOM-04@where") {
		t.Errorf("R-NOM-04 a bad publication: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/notice", other, map[string]any{"starts": "2023-01-20", "where": "x"}); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 another unit publishes the list: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/notice", contact, map[string]any{"starts": "2023-01-20", "where": "https://math.demo-society.org.cn/notice"}); res.status != http.StatusOK {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	n := h.do("GET", file+"/notice", contact, nil).json(t)
	if n["lastDay"] != "2023-01-31" || n["submittableFrom"] != "2023-02-01" || n["ran"] != float64(0) {
		t.Errorf("R-NOM-04 the notice across the Spring Festival: %v", n)
	}
	res := h.do("POST", file+"/notice/objections", contact, map[string]any{"raisedOn": "2023-01-20", "objector": "某会员", "content": "该会议第11届未如期举办"})
	if res.status != http.StatusOK {
		t.Fatalf("objection: %d %s", res.status, res.body)
	}
	objection := res.json(t)["objectionId"].(string)
	for _, row := range h.cyclesOf(contact) {
		if f, _ := row["file"].(map[string]any); f != nil && strings.HasSuffix(file, f["id"].(string)) {
			if tasks := tasksOf(row); tasks["notice_running"]["due"] != "2023-02-01" || tasks["handle_objections"]["count"] != 1.0 || tasks["hand_in"] == nil {
				t.Errorf("R-NOM-04 the contact's to-do during the notice with an objection: %v", row["todo"])
			}
		}
	}

	day("2023-01-31")
	if res := h.do("POST", file+"/submit", contact, nil); res.status != http.StatusConflict || !res.hasRule("R-NOM-04") || !strings.Contains(string(res.body), "2023-02-01") {
		t.Errorf("R-NOM-04 day 4 (31 January): %d %s", res.status, res.body)
	}
	day("2023-02-01")
	if res := h.do("POST", file+"/submit", contact, nil); res.status != http.StatusConflict || !strings.Contains(string(res.body), "not handled") {
		t.Errorf("R-NOM-04 an objection unhandled: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/notice/objections/"+objection+"/handle", contact, map[string]any{"outcome": "maybe", "handling": ""}); res.status != http.StatusUnprocessableEntity ||
		!res.hasRule("R-NOM-04@outcome") || !res.hasRule("R-NOM-04@handling") {
		t.Errorf("R-NOM-04 a bad handling: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/notice/objections/"+objection+"/handle", contact, map[string]any{"outcome": "dismissed", "handling": "经核实，第11届于2022年8月举办"}); res.status != http.StatusOK {
		t.Fatalf("handle: %d %s", res.status, res.body)
	}
	n = h.do("GET", file+"/notice", contact, nil).json(t)
	if n["complete"] != true || n["ran"] != float64(5) || n["unhandled"] != float64(0) {
		t.Errorf("R-NOM-04 the notice run: %v", n)
	}
}

func date(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// enter2023 is the platform admin entering January 2023's holidays (元旦,
// 春节 21–27) and make-up working days (28, 29) in the working-day calendar.
func (h *harness) enter2023() {
	h.t.Helper()
	admin := h.email(domain.RolePlatformAdmin)
	off := []any{map[string]any{"date": "2023-01-01", "name": "元旦"}, map[string]any{"date": "2023-01-02", "name": "元旦"}}
	for d := date("2023-01-21"); !d.After(date("2023-01-27")); d = d.AddDays(1) {
		off = append(off, map[string]any{"date": d.String(), "name": "春节"})
	}
	if res := h.do("PUT", "/api/v1/policy/work-calendar/2023", admin, map[string]any{
		"version":  "2026.1+workcal-2023",
		"source":   map[string]any{"title": "国务院办公厅关于2023年部分节假日安排的通知", "issued": "2022-12-08"},
		"holidays": off,
		"workdays": []any{map[string]any{"date": "2023-01-28", "name": "春节"}, map[string]any{"date": "2023-01-29", "name": "春节"}},
	}); res.status != http.StatusOK {
		h.t.Fatalf("enter 2023: %d %s", res.status, res.body)
	}
}
