package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
)

// approvedForecast files a forecast and takes it through every approval.
func (h *harness) approvedForecast() string {
	h.t.Helper()
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	h.walk([]step{
		{"unit", "POST", f + "/approve-unit", h.email(domain.RoleUnitAdmin), nil, 200, ""},
		{"school", "POST", f + "/approve-school", h.email(domain.RoleSchoolAdmin), nil, 200, ""},
		{"authority", "POST", f + "/approve-authority", h.email(domain.RoleAuthorityReviewer), nil, 200, ""},
	})
	return id
}

// sections is a complete declaration form, section by section: a general
// natural-science conference of 40 foreign guests from 2027-04-20 to 22.
func sections() map[string]any {
	return map[string]any{
		"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "示范大学", "department": "计算机学院",
			"mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
		"basic": map[string]any{"nameZh": "2027年分布式系统国际研讨会", "nameEn": "2027 International Workshop on Distributed Systems",
			"startDate": "2027-04-20", "endDate": "2027-04-22", "commitmentDate": "2027-01-15", "location": "local",
			"province": "湖北省", "address": "武汉市洪山区示范路1号", "type": "natural_science", "scale": "general"},
		"attendance": map[string]any{"foreign": 40, "mainland": 100, "hkMacaoTaiwan": 10},
		"hosting":    []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
		"budget":     []any{map[string]any{"source": "self_raised", "amount": "50000"}, map[string]any{"source": "registration_fees", "amount": "80000.50"}},
		"statements": map[string]any{"flags": map[string]any{}, "overseasNgo": false},
		"content": map[string]any{"theme": "分布式系统的可靠性", "topics": []string{"共识协议", "容错存储"},
			"previousEditions": []any{map[string]any{"date": "2025-05-08", "place": "武汉", "host": "示范大学", "attendees": 120, "foreign": 30}},
			"taiwanStatement":  "会议不涉及台湾问题，会议材料遵守一个中国原则。", "background": "促进分布式系统领域的国际交流。"},
		"agenda": []any{map[string]any{"date": "2027-04-20", "time": "09:00-10:30", "participants": "全体代表", "content": "开幕式及大会报告"}},
		"contacts": []any{
			map[string]any{"kind": "conference", "name": "王会务", "phone": "027-87540000", "email": "conf@demo-univ.edu.cn"},
			map[string]any{"kind": "international_office", "name": "赵外事", "phone": "13900000000", "email": "intl@demo-univ.edu.cn"},
		},
	}
}

// peopleSheet fills the key-people template with rows.
func peopleSheet(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var tmpl bytes.Buffer
	if err := httpapi.PeopleTemplate.Write(&tmpl); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			_ = f.SetCellStr(httpapi.PeopleTemplate.Sheet, cell, v)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestDeclarationLifecycle takes a declaration from an approved forecast
// through drafts, submit and the whole chain with one rejection and
// resubmission (R-DECL-01/02/13/15/16), and starts another directly.
func TestDeclarationLifecycle(t *testing.T) {
	h := newHarness(t)
	forecastID := h.approvedForecast()
	h.clock.Set(time.Date(2026, 10, 31, 10, 0, 0, 0, domain.Shanghai))
	clear(h.tokens)
	applicant, unit, school, authority := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RoleSchoolAdmin), h.email(domain.RoleAuthorityReviewer)

	if res := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID}); res.status != 422 || !res.hasRule("R-DECL-02") {
		t.Fatalf("start without the notice: %d %v", res.status, res.rules())
	}
	start := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID, "noticeAcknowledged": true})
	if start.status != 201 {
		t.Fatalf("start: %d %s", start.status, start.body)
	}
	id := start.json(t)["id"].(string)
	again := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID, "noticeAcknowledged": true})
	if again.status != 201 || again.json(t)["id"] != id {
		t.Errorf("second start from the same forecast: %d %s; want the first declaration", again.status, again.body)
	}
	d := "/api/v1/declarations/" + id
	got := h.do("GET", d, applicant, nil).json(t)
	if got["status"] != "draft" || got["form"].(map[string]any)["basic"].(map[string]any)["nameZh"] != "2027年分布式系统国际研讨会" {
		t.Errorf("started from the forecast: %v", got)
	}

	// Bad sections are refused precisely; nothing is written.
	bad := []struct {
		name, section string
		body          any
		status        int
		rule          string
	}{
		{"a six-day conference", "basic", func() any {
			b := sections()["basic"].(map[string]any)
			b["endDate"] = "2027-04-25"
			return b
		}(), 422, "R-DECL-04"},
		{"a 51-character Chinese name", "basic", func() any {
			b := sections()["basic"].(map[string]any)
			b["nameZh"] = strings.Repeat("会", 51)
			return b
		}(), 422, "R-DECL-03"},
		{"budget with three decimals", "budget", []any{map[string]any{"source": "self_raised", "amount": "100.555"}}, 422, "R-DECL-10"},
		{"a negative count", "attendance", map[string]any{"foreign": -1, "mainland": 10, "hkMacaoTaiwan": 0}, 422, "R-DECL-08"},
		{"a wrong type", "attendance", map[string]any{"foreign": "forty"}, 400, "SCHEMA"},
		{"an unknown section", "biography", map[string]any{}, 404, ""},
	}
	for _, b := range bad {
		res := h.do("PUT", d+"/sections/"+b.section, applicant, b.body)
		if res.status != b.status || (b.rule != "" && !res.hasRule(b.rule)) {
			t.Errorf("%s: %d %v; want %d naming %s", b.name, res.status, res.rules(), b.status, b.rule)
		}
	}
	if v := h.do("GET", d, applicant, nil).header.Get("ETag"); v != `"1"` {
		t.Errorf("ETag after refused saves: %s; want \"1\"", v)
	}

	for name, body := range sections() {
		if res := h.do("PUT", d+"/sections/"+name, applicant, body); res.status != 200 {
			t.Fatalf("save %s: %d %s", name, res.status, res.body)
		}
	}
	// R-DECL-05: a draft never submitted already shows the last day to
	// submit its form gives (start minus the tier's months).
	if lead, _ := h.do("GET", d, applicant, nil).json(t)["lead"].(map[string]any); lead == nil || lead["submitBy"] == nil || lead["fileBy"] != "2027-01-20" {
		t.Errorf("R-DECL-05 a draft's lead: %v; want its submitBy and fileBy 2027-01-20", lead)
	}
	// Key people by spreadsheet: a bad row refuses the file, naming cells.
	badSheet := peopleSheet(t, [][]string{
		{"会议主席", "李主席", "中国", "示范大学", "教授"},
		{"国外参会代表", "Jane Roe", "", "Example College", "Professor"},
		{"嘉宾", "X", "英国", "Y", ""},
	})
	res := h.do("POST", d+"/people.xlsx", applicant, badSheet)
	if res.status != 422 || !res.hasRule("R-DECL-13") || len(res.rules()) < 3 {
		t.Errorf("bad sheet: %d %v", res.status, res.rules())
	}
	res = h.do("POST", d+"/people.xlsx", applicant, peopleSheet(t, [][]string{
		{"会议主席", "李主席", "中国", "示范大学", "教授"},
		{"国外参会代表", "Jane Roe", "英国", "Example College", "Professor"},
	}))
	if res.status != 200 {
		t.Fatalf("people sheet: %d %s", res.status, res.body)
	}

	submit := d + "/submit"
	h.walk([]step{
		{"submit without the commitment letter", "POST", submit, applicant, map[string]any{}, 422, "R-DECL-02"},
		{"submit", "POST", submit, applicant, map[string]any{"commitmentAcknowledged": true}, 200, ""},
		{"school before unit", "POST", d + "/approve-school", school, nil, 409, "R-DECL-16"},
		{"unit approves", "POST", d + "/approve-unit", unit, map[string]any{"comment": "同意"}, 200, ""},
		{"school rejects", "POST", d + "/reject", school, map[string]any{"reason": "请补充往届会议信息"}, 200, ""},
		{"applicant edits", "PUT", d + "/sections/attendance", applicant, map[string]any{"foreign": 45, "mainland": 100, "hkMacaoTaiwan": 10}, 200, ""},
		{"and resubmits", "POST", submit, applicant, map[string]any{"commitmentAcknowledged": true}, 200, ""},
		{"unit approves again", "POST", d + "/approve-unit", unit, nil, 200, ""},
		{"school approves", "POST", d + "/approve-school", school, nil, 200, ""},
		{"other unit's admin sees nothing", "GET", d, h.tree.OtherUnitAd.Email, nil, 404, ""},
		{"authority approves", "POST", d + "/approve-authority", authority, nil, 200, ""},
	})
	// R-DECL-17: each unit approval tells the applicant, in the inbox and by
	// one mail, to download the approval form.
	inbox := h.do("GET", "/api/v1/me/notifications", applicant, nil)
	if n := strings.Count(string(inbox.body), `"kind":"declaration_approved_unit"`); n != 2 {
		t.Errorf("inbox has %d unit-approval notices; want 2 (one per approval): %s", n, inbox.body)
	}
	var mails int
	if err := h.pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_outbox WHERE template = 'declaration_approved_unit'`).Scan(&mails); err != nil || mails != 2 {
		t.Errorf("queued approval-form mails: %d (%v); want 2", mails, err)
	}
	// Every other decision reaches the applicant too: one rejection, one
	// school approval, one authority approval.
	for tpl, want := range map[string]int{"declaration_rejected": 1, "declaration_approved_school": 1, "declaration_approved_authority": 1} {
		var n int
		if err := h.pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_outbox WHERE template = $1`, tpl).Scan(&n); err != nil || n != want {
			t.Errorf("%s mails: %d (%v); want %d", tpl, n, err, want)
		}
	}
	// R-DECL-17: the approval form prints once the unit approved.
	if res := h.do("GET", d+"/approval-form.pdf", applicant, nil); res.status != 200 || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Errorf("approval form: %d", res.status)
	}
	if res := h.do("GET", d+"/log.pdf", h.email(domain.RoleAuditor), nil); res.status != 200 || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Errorf("log PDF: %d", res.status)
	}
	if res := h.do("GET", d+"/approval-form.pdf", h.tree.OtherApp.Email, nil); res.status != 404 {
		t.Errorf("approval form outside scope: %d", res.status)
	}
	hist := h.do("GET", d+"/history", h.email(domain.RoleAuditor), nil).json(t)
	if hist["status"] != "authority_approved" || hist["chainIntact"] != true {
		t.Errorf("history: %v, chain %v", hist["status"], hist["chainIntact"])
	}
	lead := hist["lead"].(map[string]any)
	if lead["filing"] != "online" || lead["fileBy"] != "2027-01-20" {
		t.Errorf("lead: %v; want online filing by 2027-01-20 (start minus 3 months, R-DECL-05)", lead)
	}

	// R-DECL-18: the read models — list (keyword, date range), status, log, detail; R-DECL-19: similar.
	// On a declaration that can still be edited: an approved one answers
	// 409 before its uploads are looked at.
	h.checkAttachments(h.nextDeclaration())
	list := h.do("GET", "/api/v1/declarations?q=分布式&startFrom=2027-04-01&startTo=2027-04-30&sort=startDate&order=asc", school, nil).json(t)
	if list["total"] != float64(1) {
		t.Errorf("list: %v", list)
	}
	if res := h.do("GET", "/api/v1/declarations?startFrom=2027-13-01", school, nil); res.status != 400 {
		t.Errorf("bad date range: %d", res.status)
	}
	if st := h.do("GET", d+"/status", applicant, nil).json(t); st["status"] != "authority_approved" || st["final"] != true {
		t.Errorf("status view: %v", st)
	}
	var lg struct {
		Entries []struct{ StatusAfter, ActorRole string }
	}
	if err := json.Unmarshal(h.do("GET", d+"/log", h.email(domain.RoleAuditor), nil).body, &lg); err != nil || len(lg.Entries) < 15 ||
		lg.Entries[len(lg.Entries)-1].StatusAfter != "authority_approved" || lg.Entries[len(lg.Entries)-1].ActorRole != "authority_reviewer" {
		t.Errorf("log: %v %+v", err, lg.Entries)
	}
	if res := h.do("GET", d+"/detail", unit, nil); res.status != 200 || !strings.Contains(string(res.body), "13000050") {
		t.Errorf("detail (budget total 130000.50 CNY = 13000050 fen): %d %s", res.status, res.body)
	}
	if res := h.do("GET", d+"/similar", school, nil); res.status != 200 {
		t.Errorf("similar for a reviewer: %d %s", res.status, res.body)
	}
	if res := h.do("GET", d+"/similar", applicant, nil); res.status != 403 {
		t.Errorf("similar for the applicant: %d", res.status)
	}
	if res := h.do("GET", d+"/status", h.tree.OtherApp.Email, nil); res.status != 404 {
		t.Errorf("status outside scope: %d", res.status)
	}

	// A small natural-science conference starts without a forecast.
	direct := sections()
	b := direct["basic"].(map[string]any)
	b["scale"], b["nameZh"], b["nameEn"] = "small", "2027年数值代数研讨会", "2027 Workshop on Numerical Algebra"
	form := map[string]any{"basic": b, "attendance": map[string]any{"foreign": 20, "mainland": 60}}
	direct0 := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"noticeAcknowledged": true, "form": form})
	if direct0.status != 201 {
		t.Fatalf("direct start: %d %s", direct0.status, direct0.body)
	}
	dd := "/api/v1/declarations/" + direct0.json(t)["id"].(string)
	for name, body := range sections() {
		if name == "basic" || name == "attendance" {
			continue
		}
		if res := h.do("PUT", dd+"/sections/"+name, applicant, body); res.status != 200 {
			t.Fatalf("direct: save %s: %d %s", name, res.status, res.body)
		}
	}
	if res := h.do("POST", dd+"/people.xlsx", applicant, peopleSheet(t, [][]string{{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "John Doe", "美国", "Example University", "Professor"}})); res.status != 200 {
		t.Fatalf("direct: people: %d %s", res.status, res.body)
	}
	if res := h.do("GET", dd+"/approval-form.pdf", applicant, nil); res.status != 409 || !res.hasRule("R-DECL-17") {
		t.Errorf("approval form of a draft: %d %v", res.status, res.rules())
	}
	h.walk([]step{
		{"direct: submit", "POST", dd + "/submit", applicant, map[string]any{"commitmentAcknowledged": true}, 200, ""},
		{"direct: unit", "POST", dd + "/approve-unit", unit, nil, 200, ""},
		{"direct: school", "POST", dd + "/approve-school", school, nil, 200, ""},
		{"direct: authority", "POST", dd + "/approve-authority", authority, nil, 200, ""},
	})
	if got := h.do("GET", dd, applicant, nil).json(t); got["status"] != "authority_approved" || got["lead"].(map[string]any)["category"] != "small" {
		t.Errorf("direct declaration: %v %v", got["status"], got["lead"])
	}
	b["type"] = "social_science"
	if res := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"noticeAcknowledged": true, "form": form}); res.status < 400 || res.status >= 500 || !res.hasRule("R-DECL-01") {
		t.Errorf("direct start of a social-science conference: %d %v", res.status, res.rules())
	}
}

// checkAttachments: an upload is judged by content, and a form may refer
// only to the applicant's own upload exactly as stored (R-DECL-07).
func (h *harness) checkAttachments(d string) {
	t := h.t
	t.Helper()
	applicant := h.email(domain.RoleApplicant)
	pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
	if res := h.do("POST", "/api/v1/files?kind=location_approval&name=photo.jpg", applicant, pdf); res.status != 422 {
		t.Errorf("a PDF named .jpg: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/files?kind=location_approval&name=big.pdf", applicant, append(pdf, make([]byte, 21<<20)...)); res.status != 413 && res.status != 422 {
		t.Errorf("a 21 MiB upload: %d", res.status)
	}
	up := h.do("POST", "/api/v1/files?kind=location_approval&name="+url.QueryEscape("外办批复.pdf"), applicant, pdf)
	if up.status != 201 {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	file := up.json(t)
	basic := sections()["basic"].(map[string]any)
	basic["location"], basic["province"] = "other_city", "浙江省"
	forged := map[string]any{"id": file["id"], "sha256": strings.Repeat("0", 64), "name": file["name"], "contentType": file["contentType"], "size": file["size"]}
	basic["localApproval"] = forged
	if res := h.do("PUT", d+"/sections/basic", applicant, basic); res.status != 422 || !res.hasRule("R-DECL-07") {
		t.Errorf("a reference that does not match the upload: %d %v", res.status, res.rules())
	}
	if res := h.do("GET", "/api/v1/files/"+file["id"].(string), h.tree.OtherApp.Email, nil); res.status != 404 {
		t.Errorf("someone else's upload: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/files/"+file["id"].(string), applicant, nil); res.status != 200 || !bytes.Equal(res.body, pdf) {
		t.Errorf("own upload: %d", res.status)
	}
}
