package httpapi_test

import (
	"bytes"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
)

// nomPassword is the nomination accounts' password (R-AUTH-01).
const nomPassword = "copper meadow lantern 58"

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// codesSheet fills the invitation codes template (attachment 3's shape).
func codesSheet(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var tmpl bytes.Buffer
	if err := httpapi.CodesTemplate.Write(&tmpl); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			_ = f.SetCellStr(httpapi.CodesTemplate.Sheet, cell, v)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// associationLogin creates a science association and its staff account
// through the API as the platform admin, logged in (seed 003).
func (h *harness) associationLogin() (assocID, staff string) {
	h.t.Helper()
	pa := h.email(domain.RolePlatformAdmin)
	res := h.do("POST", "/api/v1/organisations", pa, map[string]any{"kind": "association", "nameZh": "示范科学技术协会"})
	if res.status != http.StatusCreated {
		h.t.Fatalf("create association: %d %s", res.status, res.body)
	}
	assocID = res.json(h.t)["id"].(string)
	staff = "staff@assoc.demo-cast.org.cn"
	if res := h.do("POST", "/api/v1/users", pa, map[string]any{"email": staff, "name": "学术活动处", "role": "authority_reviewer", "orgId": assocID, "password": nomPassword}); res.status != http.StatusCreated {
		h.t.Fatalf("create staff: %d %s", res.status, res.body)
	}
	h.login(staff, nomPassword)
	return assocID, staff
}

func (h *harness) login(email, pw string) {
	h.t.Helper()
	res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	if res.status != http.StatusOK {
		h.t.Fatalf("login %s: %d %s", email, res.status, res.body)
	}
	h.tokens[email] = res.json(h.t)["token"].(string)
}

// seedCycle is seed 003's cycle for 2023.
func seedCycle() map[string]any {
	return map[string]any{
		"year": 2023, "title": "2023年度重要学术会议征集", "deadline": "2023-03-15",
		"windowStart": "2023-01-01", "windowEnd": "2024-03-31", "mechanismCutoff": "2022-12-31",
		"fields":   []string{"数理科学", "化学科学", "生命科学", "地球科学", "工程与材料科学", "信息科学", "管理科学", "医学科学"},
		"schedule": map[string]any{"recognitionBy": "2023-04-15", "catalogueBy": "2023-05-31", "listBy": "2023-06-30"},
	}
}

// TestNominationCycleAndCodesOverHTTP (seed 003 parts 1–2, R-NOM-01/02):
// the association's staff open and edit a cycle (versioned); import the
// codes from a spreadsheet shaped like attachment 3, all or nothing with
// errors by cell; a new user registers with a code and becomes the
// unit's contact; a used code, another unit's code and a revoked code are
// refused; a reissued code admits.
func TestNominationCycleAndCodesOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2023, time.January, 20, 10, 0, 0, 0, domain.Shanghai))
	_, staff := h.associationLogin()

	if res := h.do("POST", "/api/v1/nomination-cycles", h.email(domain.RoleAuthorityReviewer), seedCycle()); res.status != http.StatusForbidden {
		t.Errorf("a university's authority reviewer opens a cycle: %d %s", res.status, res.body)
	}
	bad := seedCycle()
	bad["mechanismCutoff"] = "2023-01-01"
	if res := h.do("POST", "/api/v1/nomination-cycles", staff, bad); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-02@mechanismCutoff") {
		t.Errorf("R-NOM-02 a cut-off inside the window: %d %s", res.status, res.body)
	}
	res := h.do("POST", "/api/v1/nomination-cycles", staff, seedCycle())
	if res.status != http.StatusCreated {
		t.Fatalf("open cycle: %d %s", res.status, res.body)
	}
	cycle := "/api/v1/nomination-cycles/" + res.json(t)["id"].(string)
	edit := seedCycle()
	edit["deadline"] = "2023-03-20"
	if res := h.do("PUT", cycle, staff, edit); res.status != http.StatusOK {
		t.Fatalf("edit cycle: %d %s", res.status, res.body)
	}
	got := h.do("GET", cycle, staff, nil).json(t)
	if got["edition"] != float64(2) || got["spec"].(map[string]any)["deadline"] != "2023-03-20" {
		t.Errorf("the edited cycle reads %v; want edition 2, deadline 2023-03-20", got)
	}

	// All or nothing, each bad cell by row and column.
	before := h.eventCount()
	res = h.do("POST", "/api/v1/nomination-codes.xlsx", staff, codesSheet(t, [][]string{
		{"理科", "A-01", "示范数学会", "478"},
		{"理科", "A-02", "示范物理学会", "478"},
		{"高校科协", "U-01", "示范大学科协", "555"},
	}), "Content-Type", xlsxType)
	if res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-01@sheet:D3") || !res.hasRule("R-NOM-01@sheet:A4") {
		t.Errorf("R-NOM-01 a code twice, a university association: %d %s", res.status, res.body)
	}
	if h.eventCount() != before {
		t.Error("R-NOM-01 a refused import wrote events")
	}
	res = h.do("POST", "/api/v1/nomination-codes.xlsx", staff, codesSheet(t, [][]string{
		{"理科", "A-01", "示范数学会", "478"},
		{"地方科协", "1", "示范市科协", "990"},
	}), "Content-Type", xlsxType)
	if res.status != http.StatusOK || len(res.json(t)["issued"].([]any)) != 2 {
		t.Fatalf("import codes: %d %s", res.status, res.body)
	}
	units := map[string]map[string]any{}
	for _, e := range h.do("GET", "/api/v1/nomination-codes", staff, nil).json(t)["items"].([]any) {
		units[e.(map[string]any)["code"].(string)] = e.(map[string]any)
	}
	if units["478"]["kind"] != "national_society" || units["990"]["kind"] != "provincial_association" {
		t.Errorf("R-NOM-01 kinds from the categories: %v", units)
	}
	if res := h.do("POST", "/api/v1/nomination-codes", staff, map[string]any{"codes": []any{map[string]any{"category": "工科", "number": "B-01", "name": "示范机械学会", "code": "990"}}}); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-01@codes[0].code") {
		t.Errorf("R-NOM-01 another unit's code: %d %s", res.status, res.body)
	}

	register := func(code, email string, unit any) response {
		body := map[string]any{"code": code, "email": email, "name": "联络员", "mobile": "13800000009", "password": nomPassword}
		if unit != nil {
			body["unitId"] = unit
		}
		return h.do("POST", "/api/v1/auth/invitations", "", body)
	}
	if res := register("478", "contact@math.demo-society.org.cn", nil); res.status != http.StatusCreated {
		t.Fatalf("register with the code: %d %s", res.status, res.body)
	}
	h.login("contact@math.demo-society.org.cn", nomPassword)
	me := h.do("GET", "/api/v1/me", "contact@math.demo-society.org.cn", nil).json(t)
	if me["role"] != "unit_admin" || me["orgId"] != units["478"]["unit"] {
		t.Errorf("R-NOM-01 the contact is the unit's unit admin: %v", me)
	}
	if res := register("478", "second@math.demo-society.org.cn", nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-01@code") {
		t.Errorf("R-NOM-01 a code used twice: %d %s", res.status, res.body)
	}
	if res := register("990", "contact@prov.demo-cast.org.cn", units["478"]["unit"]); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-01@code") {
		t.Errorf("R-NOM-01 a code for another unit: %d %s", res.status, res.body)
	}
	prov := "/api/v1/nomination-codes/" + units["990"]["unit"].(string)
	if res := h.do("POST", prov+"/revoke", staff, map[string]any{"reason": "邮件误发"}); res.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", res.status, res.body)
	}
	if res := register("990", "contact@prov.demo-cast.org.cn", nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-01@code") {
		t.Errorf("R-NOM-01 a revoked code: %d %s", res.status, res.body)
	}
	res = h.do("POST", prov+"/reissue", staff, nil)
	if res.status != http.StatusOK {
		t.Fatalf("reissue: %d %s", res.status, res.body)
	}
	code := res.json(t)["entry"].(map[string]any)["code"].(string)
	if code == "990" || len(code) != 6 {
		t.Errorf("reissued code %q", code)
	}
	if res := register(code, "contact@prov.demo-cast.org.cn", units["990"]["unit"]); res.status != http.StatusCreated {
		t.Errorf("register with the reissued code: %d %s", res.status, res.body)
	}
	var statuses []string
	for _, e := range h.do("GET", "/api/v1/nomination-codes", staff, nil).json(t)["items"].([]any) {
		statuses = append(statuses, e.(map[string]any)["status"].(string))
	}
	if !slices.Equal(statuses, []string{"used", "used"}) {
		t.Errorf("codes' statuses %v; want both used", statuses)
	}

	// The cycles one takes part in, with their key dates, state and to-do
	// (R-ACT-02): the organiser's staff and the unit's contact see it, a
	// university's reviewer does not; the collection stays open through
	// its deadline day (2023-03-20 after the edit) and closes after it.
	id, contact := got["id"].(string), "contact@math.demo-society.org.cn"
	check := func(when string, who string, want string, todo map[string]string) {
		t.Helper()
		row, ok := h.cyclesOf(who)[id]
		if want == "" {
			if ok {
				t.Errorf("R-ACT-02 %s: %s lists the cycle: %v", when, who, row)
			}
			return
		}
		if !ok || row["state"] != want || row["edition"] != float64(2) || row["spec"].(map[string]any)["deadline"] != "2023-03-20" {
			t.Errorf("%s: %s's cycle %v; want state %s, edition 2", when, who, row, want)
			return
		}
		tasks := tasksOf(row)
		if len(tasks) != len(todo) {
			t.Errorf("%s: %s's to-do %v; want %v", when, who, row["todo"], todo)
		}
		for task, due := range todo {
			if tasks[task] == nil || tasks[task]["due"] != due {
				t.Errorf("%s: %s's to-do %v; want %s due %s", when, who, row["todo"], task, due)
			}
		}
	}
	check("20 January", staff, "collecting", nil)
	check("20 January", contact, "collecting", map[string]string{"start_file": "2023-03-20"})
	check("20 January", h.email(domain.RoleAuditor), "collecting", nil)
	check("20 January", h.email(domain.RoleAuthorityReviewer), "", nil)
	check("20 January", h.email(domain.RoleUnitAdmin), "", nil)
	h.clock.Set(time.Date(2023, time.March, 20, 23, 59, 0, 0, domain.Shanghai))
	h.relogin(staff, contact)
	check("the deadline day", contact, "collecting", map[string]string{"start_file": "2023-03-20"})
	h.clock.Set(time.Date(2023, time.March, 21, 0, 1, 0, 0, domain.Shanghai))
	h.relogin(staff, contact)
	check("the day after the deadline", contact, "recognising", nil)
	check("the day after the deadline", staff, "recognising", nil)
}

// cyclesOf is GET /nomination-cycles as who reads it: the rows by id.
func (h *harness) cyclesOf(who string) map[string]map[string]any {
	h.t.Helper()
	res := h.do("GET", "/api/v1/nomination-cycles", who, nil)
	if res.status != http.StatusOK {
		h.t.Fatalf("the cycles of %s: %d %s", who, res.status, res.body)
	}
	out := map[string]map[string]any{}
	for _, it := range res.json(h.t)["items"].([]any) {
		row := it.(map[string]any)
		out[row["id"].(string)] = row
	}
	return out
}

// tasksOf is a cycle row's to-do list by task.
func tasksOf(row map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, it := range row["todo"].([]any) {
		task := it.(map[string]any)
		out[task["task"].(string)] = task
	}
	return out
}

// relogin signs the nomination accounts in again after the clock jumped
// (the demo tree's sign in when next used).
func (h *harness) relogin(emails ...string) {
	clear(h.tokens)
	for _, e := range emails {
		h.login(e, nomPassword)
	}
}
