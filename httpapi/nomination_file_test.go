package httpapi_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/projections"
)

// planSheet fills the annual plan template.
func planSheet(t *testing.T, rows [][]string) []byte {
	t.Helper()
	tmpl := new(bytes.Buffer)
	if err := httpapi.PlanTemplate.Write(tmpl); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			_ = f.SetCellStr(httpapi.PlanTemplate.Sheet, cell, v)
		}
	}
	out := new(bytes.Buffer)
	if err := f.Write(out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestNominationCycleOverHTTP (seed 003, R-NOM-01..04): one cycle for a
// national society and a provincial association, from the invitation
// code to the submitted list: the plan imported from its template (a
// conference outside the window refused by cell), the quota at its exact
// limits with the indicator view, an ineligible kind refused, the scheme,
// an expert's nominations, a committee of four refused and five accepted,
// the opinion and signed list uploaded, submission, the status view and
// approval log, the organiser's return; each unit sees its own file only,
// the organiser every one.
func TestNominationCycleOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.clock.Set(time.Date(2023, time.January, 20, 10, 0, 0, 0, domain.Shanghai))
	_, staff := h.associationLogin()
	res := h.do("POST", "/api/v1/nomination-cycles", staff, seedCycle())
	if res.status != http.StatusCreated {
		t.Fatalf("open cycle: %d %s", res.status, res.body)
	}
	cycleID := res.json(t)["id"].(string)
	if res := h.do("POST", "/api/v1/nomination-codes", staff, map[string]any{"codes": []any{
		map[string]any{"category": "理科", "number": "A-01", "name": "示范数学会", "code": "478"},
		map[string]any{"category": "地方科协", "number": "1", "name": "示范市科协", "code": "990"},
	}}); res.status != http.StatusOK {
		t.Fatalf("issue codes: %d %s", res.status, res.body)
	}
	society, prov := "contact@math.demo-society.org.cn", "contact@prov.demo-cast.org.cn"
	for code, email := range map[string]string{"478": society, "990": prov} {
		if res := h.do("POST", "/api/v1/auth/invitations", "", map[string]any{"code": code, "email": email, "name": "联络员", "mobile": "13800000009", "password": nomPassword}); res.status != http.StatusCreated {
			t.Fatalf("register %s: %d %s", code, res.status, res.body)
		}
		h.login(email, nomPassword)
	}
	// What each must do next in the cycle (the web inbox's rows).
	todo := func(who string) (map[string]any, map[string]map[string]any) {
		t.Helper()
		row := h.cyclesOf(who)[cycleID]
		if row == nil {
			t.Fatalf("%s does not list the cycle", who)
		}
		return row, tasksOf(row)
	}
	if _, tasks := todo(society); len(tasks) != 1 || tasks["start_file"]["due"] != "2023-03-15" {
		t.Errorf("the society's to-do before its file: %v", tasks)
	}
	start := func(who string) string {
		res := h.do("POST", "/api/v1/nominations", who, map[string]any{"cycleId": cycleID})
		if res.status != http.StatusCreated {
			t.Fatalf("start: %d %s", res.status, res.body)
		}
		return res.header.Get("Location")
	}
	file, provFile := start(society), start(prov)
	if row, tasks := todo(society); len(tasks) != 1 || tasks["hand_in"]["due"] != "2023-03-15" || "/api/v1/nominations/"+tasks["hand_in"]["nominationId"].(string) != file ||
		row["file"].(map[string]any)["status"] != "drafting" {
		t.Errorf("the society's to-do with its file: %v", row)
	}

	// The annual plan: all rows or none, errors by cell (R-NOM-05).
	var rows [][]string
	for i := range 10 {
		rows = append(rows, []string{fmt.Sprintf("示范数学年会分会%d", i), "2023-06-01", "2023-06-03", "北京", "示范数学会", "", "是"})
	}
	bad := append([][]string{{"示范早年会议", "2022-12-31", "2023-01-02", "北京", "示范数学会", "", "是"}}, rows...)
	if res := h.do("POST", file+"/plan.xlsx", society, planSheet(t, bad), "Content-Type", xlsxType); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-05@sheet:B2") {
		t.Errorf("R-NOM-05 a conference outside the window: %d %s", res.status, res.body)
	}
	res = h.do("POST", file+"/plan.xlsx", society, planSheet(t, rows), "Content-Type", xlsxType)
	if res.status != http.StatusOK {
		t.Fatalf("import plan: %d %s", res.status, res.body)
	}
	entry := res.json(t)["entries"].([]any)[0].(map[string]any)["id"]

	// The list: 10% of 10 planned is one own conference (R-NOM-03).
	mech := func(name string, own bool) map[string]any {
		return map[string]any{"name": name, "host": "示范数学会", "openingDate": "2023-08-10", "kind": "mechanism", "own": own, "field": "数理科学",
			"editions": []any{map[string]any{"number": 11, "date": "2021-08-10"}, map[string]any{"number": 12, "date": "2022-08-10"}}}
	}
	first := mech("示范数学年会分会0", true)
	first["planEntryId"] = entry
	if res := h.do("POST", file+"/recommendations", society, first); res.status != http.StatusOK {
		t.Fatalf("recommend: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/recommendations", society, mech("示范数学年会分会1", true)); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-03@recommendation") {
		t.Errorf("R-NOM-03 a second own conference of 10 planned: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/recommendations", society, mech("青年教师培训班", false)); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-02@name") {
		t.Errorf("R-NOM-02 a training course: %d %s", res.status, res.body)
	}
	q := h.do("GET", file+"/quota", society, nil).json(t)
	own := q["lines"].([]any)[0].(map[string]any)
	if q["plan"] != float64(10) || own["key"] != "own" || own["allowed"] != float64(1) || own["used"] != float64(1) {
		t.Errorf("R-NOM-03 the quota view: %v", q)
	}

	// Scheme, an expert's nominations, the committee (R-NOM-04).
	if res := h.do("PUT", file+"/scheme", society, map[string]any{"principles": "公开、公平、公正", "standards": "学术水平与国际影响", "process": "专家提名、评审委员会遴选、公示",
		"contact": map[string]any{"name": "联络员", "mobile": "13800000009"}}); res.status != http.StatusOK {
		t.Fatalf("scheme: %d %s", res.status, res.body)
	}
	res = h.do("POST", file+"/experts", society, map[string]any{"name": "闵测试专家", "institution": "示范大学", "title": "教授"})
	if res.status != http.StatusOK {
		t.Fatalf("invite expert: %d %s", res.status, res.body)
	}
	expert := res.json(t)["expert"].(map[string]any)["id"].(string)
	if res := h.do("PUT", file+"/experts/"+expert+"/nominations", society, map[string]any{"nominations": []any{map[string]any{"conference": "示范数学年会分会0", "planEntryId": entry, "reason": "本领域最重要的年度会议"}}}); res.status != http.StatusOK {
		t.Fatalf("nominate: %d %s", res.status, res.body)
	}
	members := func(n int) map[string]any {
		var ms []any
		for i := range n {
			ms = append(ms, map[string]any{"name": fmt.Sprintf("评审专家%d", i), "institution": "示范研究院", "discipline": "数学", "sector": "科研院所", "region": "华东"})
		}
		return map[string]any{"members": ms}
	}
	before := h.eventCount()
	if res := h.do("PUT", file+"/committee", society, members(4)); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-04@members") {
		t.Errorf("R-NOM-04 a committee of four: %d %s", res.status, res.body)
	}
	withNominator := members(5)
	withNominator["members"].([]any)[0] = map[string]any{"name": "闵测试专家", "institution": "示范大学", "discipline": "数学", "sector": "高校", "region": "华北"}
	if res := h.do("PUT", file+"/committee", society, withNominator); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-04@members[0].justification") {
		t.Errorf("R-NOM-04 an unjustified nominator: %d %s", res.status, res.body)
	}
	if after := h.eventCount(); after != before {
		t.Errorf("R-NOM-04 the refused committees wrote %d events", after-before)
	}
	if res := h.do("PUT", file+"/committee", society, members(5)); res.status != http.StatusOK {
		t.Fatalf("committee: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/submit", society, nil); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-04@signedList") {
		t.Errorf("R-NOM-04 submitting without the signed list: %d %s", res.status, res.body)
	}
	for _, doc := range []string{"/api/v1/nomination-cycles/" + cycleID + "/nomination-form.pdf", file + "/experts/" + expert + "/nomination-form.pdf", file + "/committee-form.pdf", file + "/list.pdf"} {
		if res := h.do("GET", doc, society, nil); res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("%PDF")) {
			t.Errorf("%s: %d", doc, res.status)
		}
	}
	up := h.do("POST", "/api/v1/files?kind=nomination_scan&name="+url.QueryEscape("意见表.pdf"), society, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	scan := up.json(t)["id"].(string)
	if res := h.do("PUT", file+"/committee/opinion", society, map[string]any{"result": "同意推荐", "opinion": "学术水平高", "scanFileId": scan}); res.status != http.StatusOK {
		t.Fatalf("opinion: %d %s", res.status, res.body)
	}
	if res := h.do("PUT", file+"/signed-list", society, map[string]any{"scanFileId": scan}); res.status != http.StatusOK {
		t.Fatalf("signed list: %d %s", res.status, res.body)
	}
	// The previous guide's resources, sent with the list (R-NOM-06).
	up = h.do("POST", "/api/v1/files?kind=nomination_scan&name="+url.QueryEscape("上期论文集.pdf"), society, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	previous := up.json(t)["id"].(string)
	if res := h.do("PUT", file+"/previous-resources", society, map[string]any{"videos": []string{"https://video.example.org/2022"}, "proceedings": []string{previous}}); res.status != http.StatusOK {
		t.Fatalf("previous resources: %d %s", res.status, res.body)
	}
	h.noticeRunsOverHTTP(file, society, prov) // the public notice first (R-NOM-04)
	if res := h.do("POST", file+"/submit", society, nil); res.status != http.StatusOK {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	st := h.do("GET", file+"/status", staff, nil).json(t)
	if st["status"] != "submitted" || st["holderRole"] != "authority_reviewer" {
		t.Errorf("status view: %v", st)
	}
	if log := h.do("GET", file+"/log", society, nil).json(t)["entries"].([]any); len(log) < 8 {
		t.Errorf("approval log: %d entries", len(log))
	}
	if res := h.do("GET", file+"/diff", society, nil); res.status != http.StatusOK {
		t.Errorf("the file's last change: %d %s", res.status, res.body)
	}

	// A provincial association: ten, the eleventh refused (R-NOM-03); it
	// goes on with its ten to the notice, the submission and (below) the
	// certificate.
	for i := range 10 {
		if res := h.do("POST", provFile+"/recommendations", prov, mech(fmt.Sprintf("省内学术会议%d", i), false)); res.status != http.StatusOK {
			t.Fatalf("provincial %d: %d %s", i+1, res.status, res.body)
		}
	}
	before = h.eventCount()
	if res := h.do("POST", provFile+"/recommendations", prov, mech("省内学术会议10", false)); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-NOM-03@recommendation") {
		t.Errorf("R-NOM-03 an 11th for a provincial association: %d %s", res.status, res.body)
	}
	if after := h.eventCount(); after != before {
		t.Errorf("R-NOM-03 the refused 11th wrote %d events", after-before)
	}
	if res := h.do("GET", provFile, staff, nil); res.status != http.StatusOK {
		t.Errorf("the organiser reads a draft file: %d", res.status)
	}
	if res := h.do("PUT", provFile+"/scheme", prov, map[string]any{"principles": "择优推荐", "standards": "学术水平", "process": "评审委员会遴选、公示",
		"contact": map[string]any{"name": "联络员", "mobile": "13800000009"}}); res.status != http.StatusOK {
		t.Fatalf("provincial scheme: %d %s", res.status, res.body)
	}
	if res := h.do("PUT", provFile+"/committee", prov, members(5)); res.status != http.StatusOK {
		t.Fatalf("provincial committee: %d %s", res.status, res.body)
	}
	up = h.do("POST", "/api/v1/files?kind=nomination_scan&name="+url.QueryEscape("推荐名单.pdf"), prov, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("provincial upload: %d %s", up.status, up.body)
	}
	provScan := up.json(t)["id"].(string)
	if res := h.do("PUT", provFile+"/committee/opinion", prov, map[string]any{"result": "同意推荐", "opinion": "均为省内高水平会议", "scanFileId": provScan}); res.status != http.StatusOK {
		t.Fatalf("provincial opinion: %d %s", res.status, res.body)
	}
	if res := h.do("PUT", provFile+"/signed-list", prov, map[string]any{"scanFileId": provScan}); res.status != http.StatusOK {
		t.Fatalf("provincial signed list: %d %s", res.status, res.body)
	}
	if res := h.do("POST", provFile+"/notice", prov, map[string]any{"starts": "2023-02-01", "where": "https://prov.demo-cast.org.cn/notice"}); res.status != http.StatusOK {
		t.Fatalf("provincial notice: %d %s", res.status, res.body)
	}
	from := h.do("GET", provFile+"/notice", prov, nil).json(t)["submittableFrom"].(string)
	if from != "2023-02-08" {
		t.Errorf("R-NOM-04 the provincial notice from 1 February is submittable from %s; want 2023-02-08", from)
	}
	if _, tasks := todo(prov); len(tasks) != 2 || tasks["notice_running"]["due"] != "2023-02-08" || tasks["hand_in"] == nil {
		t.Errorf("R-NOM-04 the provincial association's to-do while its notice runs: %v", tasks)
	}
	if _, tasks := todo(society); len(tasks) != 0 {
		t.Errorf("the society's to-do once submitted: %v", tasks)
	}
	h.clock.Set(date(from).Time().Add(9 * time.Hour))
	for _, e := range []string{staff, society, prov} {
		h.login(e, nomPassword)
	}
	if res := h.do("POST", provFile+"/submit", prov, nil); res.status != http.StatusOK {
		t.Fatalf("the provincial association submits its ten: %d %s", res.status, res.body)
	}
	if row, tasks := todo(staff); len(tasks) != 1 || tasks["recognise"]["count"] != 2.0 || tasks["recognise"]["due"] != "2023-04-15" || row["file"] != nil {
		t.Errorf("R-NOM-06 the organiser's to-do with two files submitted: %v", row)
	}

	// The organiser's list across units: filters, sort, pages, scope, xlsx.
	list := func(who, query string) map[string]any {
		t.Helper()
		res := h.do("GET", "/api/v1/nominations?cycleId="+cycleID+query, who, nil)
		if res.status != http.StatusOK {
			t.Fatalf("the list %s: %d %s", query, res.status, res.body)
		}
		return res.json(t)
	}
	names := func(v map[string]any) []string {
		var out []string
		for _, it := range v["items"].([]any) {
			out = append(out, it.(map[string]any)["unitName"].(string))
		}
		return out
	}
	if got := names(list(staff, "")); len(got) != 2 || got[0] != "示范市科协" || got[1] != "示范数学会" {
		t.Errorf("the organiser's list by unit name: %q", got)
	}
	if got := names(list(staff, "&kind=provincial_association&status=submitted")); len(got) != 1 || got[0] != "示范市科协" {
		t.Errorf("the list by kind and status: %q", got)
	}
	if got := names(list(staff, "&q="+url.QueryEscape("数学"))); len(got) != 1 || got[0] != "示范数学会" {
		t.Errorf("the list by keyword: %q", got)
	}
	if v := list(staff, "&sort=recommendations&order=desc&pageSize=1&page=2"); v["total"] != 2.0 || len(v["items"].([]any)) != 1 ||
		v["items"].([]any)[0].(map[string]any)["recommendations"] != 1.0 {
		t.Errorf("the second page by recommendations, most first: %v", v)
	}
	if got := names(list(society, "")); len(got) != 1 || got[0] != "示范数学会" {
		t.Errorf("R-ACT-02 the society's list: %q", got)
	}
	if got := names(list(h.email(domain.RoleAuthorityReviewer), "")); len(got) != 0 {
		t.Errorf("R-ACT-02 a university's reviewer lists the association's files: %q", got)
	}
	// Without cycleId: the newest cycle one takes part in, named in the
	// page; none for a unit of no association's cycle.
	if v := h.do("GET", "/api/v1/nominations?sort=unitName", staff, nil).json(t); v["cycleId"] != cycleID || v["total"] != 2.0 {
		t.Errorf("the list without cycleId: %v", v)
	}
	if v := h.do("GET", "/api/v1/nominations", prov, nil).json(t); v["cycleId"] != cycleID || v["total"] != 1.0 {
		t.Errorf("R-ACT-02 the provincial association's list without cycleId: %v", v)
	}
	if v := h.do("GET", "/api/v1/nominations", h.email(domain.RoleUnitAdmin), nil).json(t); v["cycleId"] != nil || v["total"] != 0.0 {
		t.Errorf("a unit in no cycle: %v", v)
	}
	// Every bad value named at once, nothing read; an unknown cycle 404.
	res = h.do("GET", "/api/v1/nominations?cycleId=2023&status=submitted,done&kind=club&sort=size&order=up&page=0&pageSize=101&zz=1", staff, nil)
	for _, q := range []string{"cycleId", "status", "kind", "sort", "order", "page", "pageSize", "zz"} {
		if res.status != http.StatusBadRequest || !res.hasRule("SCHEMA@query:"+q) {
			t.Errorf("the list with a bad %s: %d %s", q, res.status, res.body)
		}
	}
	for _, q := range []string{"page=1.5", "pageSize=0", "page=x", "cycleId=00000000-0000-0000-0000-000000000000"} {
		if res := h.do("GET", "/api/v1/nominations?"+q, staff, nil); res.status != http.StatusBadRequest || !res.hasRule("SCHEMA@query:"+strings.Split(q, "=")[0]) {
			t.Errorf("the list with %s: %d %s", q, res.status, res.body)
		}
	}
	if res := h.do("GET", "/api/v1/nominations/export?format=pdf&page=2&cycleId=x", staff, nil); res.status != http.StatusBadRequest || !res.hasRule("SCHEMA@query:format") ||
		!res.hasRule("SCHEMA@query:cycleId") {
		t.Errorf("the export with a bad format and cycle: %d %s", res.status, res.body)
	}
	for _, path := range []string{"/api/v1/nominations", "/api/v1/nominations/export"} {
		if res := h.do("GET", path+"?cycleId=0b7d4a52-3a0e-4c39-9a49-1f5f0c0e6d11", staff, nil); res.status != http.StatusNotFound {
			t.Errorf("%s of an unknown cycle: %d %s", path, res.status, res.body)
		}
	}
	if x := h.do("GET", "/api/v1/nominations/export?format=csv&kind=national_society", staff, nil); x.status != http.StatusOK || !strings.Contains(string(x.body), "示范数学会") ||
		strings.Contains(string(x.body), "示范市科协") {
		t.Errorf("the list as csv without cycleId, by kind: %d %s", x.status, x.body)
	}
	x := h.do("GET", "/api/v1/nominations/export?cycleId="+cycleID+"&sort=plan&order=desc", staff, nil)
	book, err := excelize.OpenReader(bytes.NewReader(x.body))
	if x.status != http.StatusOK || err != nil {
		t.Fatalf("the list as xlsx: %d %v", x.status, err)
	}
	sheet, err := book.GetRows(book.GetSheetName(0))
	if err != nil || len(sheet) != 3 || sheet[1][0] != "示范数学会" || sheet[1][1] != "全国学会" || sheet[1][2] != "已提交" || sheet[1][3] != "10" ||
		sheet[2][0] != "示范市科协" || sheet[2][1] != "省级科协" || sheet[2][4] != "10" {
		t.Errorf("the list as xlsx: %q (%v)", sheet, err)
	}

	// The organiser downloads each unit's signed scans through its file;
	// another unit never reaches them (R-ACT-02).
	for _, c := range []struct {
		who, scan, through string
		want               int
	}{
		{staff, provScan, provFile, http.StatusOK},
		{staff, scan, file, http.StatusOK},
		{staff, provScan, "", http.StatusNotFound},
		{staff, provScan, file, http.StatusNotFound},
		{society, provScan, provFile, http.StatusNotFound},
		{society, provScan, file, http.StatusNotFound},
		{prov, scan, provFile, http.StatusNotFound},
	} {
		path := "/api/v1/files/" + c.scan
		if c.through != "" {
			path += "?nomination=" + c.through[len("/api/v1/nominations/"):]
		}
		if res := h.do("GET", path, c.who, nil); res.status != c.want || c.want == http.StatusOK && !bytes.Equal(res.body, pdf) {
			t.Errorf("R-ACT-02 %s reads %s: %d; want %d", c.who, path, res.status, c.want)
		}
	}

	// The previous guide's resources sent with the file (priority at
	// recognition, R-NOM-06): read back on the file, their uploads through
	// it by the staff, not by another unit.
	if got := h.do("GET", file, staff, nil).json(t)["previousResources"]; !reflect.DeepEqual(got, map[string]any{"videos": []any{"https://video.example.org/2022"}, "proceedings": []any{previous}}) {
		t.Errorf("R-NOM-06 the previous resources on the file: %v", got)
	}
	if res := h.do("GET", "/api/v1/files/"+previous+"?nomination="+file[len("/api/v1/nominations/"):], staff, nil); res.status != http.StatusOK || !bytes.Equal(res.body, pdf) {
		t.Errorf("R-NOM-06 the staff read the previous proceedings through the file: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/files/"+previous+"?nomination="+provFile[len("/api/v1/nominations/"):], prov, nil); res.status != http.StatusNotFound {
		t.Errorf("R-NOM-06 another unit reads the previous proceedings: %d", res.status)
	}

	// Recognition, the guide, the certificate (R-NOM-06) and after it
	// (R-NOM-05).
	rec := h.do("GET", file, society, nil).json(t)["recommendations"].([]any)[0].(map[string]any)["id"].(string)
	provRec := h.do("GET", provFile, prov, nil).json(t)["recommendations"].([]any)[0].(map[string]any)["id"].(string)
	if res := h.do("POST", provFile+"/recommendations/"+provRec+"/recognise", staff, map[string]any{"nameEn": "Provincial Academic Conference 0"}); res.status != http.StatusOK {
		t.Fatalf("recognise the provincial association's first: %d %s", res.status, res.body)
	}
	cycle := "/api/v1/nomination-cycles/" + cycleID
	if res := h.do("POST", file+"/recommendations/"+rec+"/recognise", society, map[string]any{"nameEn": "Annual Meeting"}); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Errorf("R-NOM-06 the unit recognises its own: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/recommendations/"+rec+"/recognise", staff, map[string]any{"nameEn": "Annual Meeting of the Demo Mathematical Society"}); res.status != http.StatusOK {
		t.Fatalf("recognise: %d %s", res.status, res.body)
	}
	// A declined conference is read back as declined, with its reason, by
	// the staff (R-NOM-06), and cannot be decided again.
	provRec2 := h.do("GET", provFile, prov, nil).json(t)["recommendations"].([]any)[1].(map[string]any)["id"].(string)
	if res := h.do("POST", provFile+"/recommendations/"+provRec2+"/decline", staff, map[string]any{"reason": "学术影响有限"}); res.status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.status, res.body)
	}
	if res := h.do("POST", provFile+"/recommendations/"+provRec2+"/recognise", staff, map[string]any{"nameEn": "Again"}); res.status != http.StatusConflict || !res.hasRule("R-NOM-06") {
		t.Errorf("R-NOM-06 a declined conference recognised: %d %s", res.status, res.body)
	}
	if d := h.do("GET", "/api/v1/guides/"+cycleID, staff, nil).json(t)["declined"].([]any); len(d) != 1 || d[0].(map[string]any)["recommendationId"] != provRec2 || d[0].(map[string]any)["reason"] != "学术影响有限" {
		t.Errorf("R-NOM-06 the staff read the declined conference: %v", d)
	}
	if _, tasks := todo(staff); len(tasks) != 2 || tasks["recognise"]["count"] != 1.0 || tasks["publish_guide"]["due"] != "2023-05-31" {
		t.Errorf("R-NOM-06 the organiser's to-do with nine of the provincial list undecided: %v", tasks)
	}
	if res := h.do("GET", "/api/v1/guides/"+cycleID, "", nil); res.status != http.StatusNotFound {
		t.Errorf("R-NOM-06 an unpublished guide is public: %d", res.status)
	}
	if res := h.do("POST", cycle+"/guide/publish", staff, nil); res.status != http.StatusOK {
		t.Fatalf("publish: %d %s", res.status, res.body)
	}
	if row, tasks := todo(staff); row["state"] != "published" || row["recognised"] != 2.0 || len(tasks) != 0 {
		t.Errorf("R-NOM-06 the organiser's cycle once the guide is out: %v", row)
	}
	guide := h.do("GET", "/api/v1/guides/"+cycleID, "", nil)
	if d := guide.json(t)["declined"].([]any); len(d) != 0 {
		t.Errorf("R-NOM-06 the public reads the declined conferences: %v", d)
	}
	// The provincial association reads its own decline and its reason;
	// the society, whose conference was recognised, reads none.
	if d := h.do("GET", "/api/v1/guides/"+cycleID, prov, nil).json(t)["declined"].([]any); len(d) != 1 || d[0].(map[string]any)["recommendationId"] != provRec2 || d[0].(map[string]any)["reason"] != "学术影响有限" {
		t.Errorf("R-NOM-06 the unit reads its declined conference: %v", d)
	}
	if d := h.do("GET", "/api/v1/guides/"+cycleID, society, nil).json(t)["declined"].([]any); len(d) != 0 {
		t.Errorf("R-NOM-06 another unit reads the provincial association's decline: %v", d)
	}
	if items := guide.json(t)["items"].([]any); guide.status != http.StatusOK || len(items) != 2 || !strings.Contains(string(guide.body), `"nameEn":"Annual Meeting of the Demo Mathematical Society"`) {
		t.Errorf("R-NOM-06 the public list: %d %s", guide.status, guide.body)
	}
	for _, doc := range []string{cycle + "/guide.pdf", cycle + "/guide/" + rec + "/certificate.pdf"} {
		if res := h.do("GET", doc, society, nil); res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("%PDF")) {
			t.Errorf("R-NOM-06 %s: %d", doc, res.status)
		}
	}
	if res := h.do("GET", cycle+"/guide.xlsx", society, nil); res.status != http.StatusOK {
		t.Errorf("R-NOM-06 the catalogue as xlsx: %d", res.status)
	}
	if res := h.do("GET", cycle+"/guide/"+rec+"/certificate.pdf", prov, nil); res.status != http.StatusNotFound {
		t.Errorf("R-NOM-06 another unit's certificate: %d", res.status)
	}
	if res := h.do("GET", cycle+"/guide/"+provRec+"/certificate.pdf", prov, nil); res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("%PDF")) {
		t.Errorf("R-NOM-06 the provincial association's certificate: %d", res.status)
	}
	if res := h.do("GET", cycle+"/guide/"+provRec+"/certificate.pdf", society, nil); res.status != http.StatusNotFound {
		t.Errorf("R-NOM-06 the society reads the provincial association's certificate: %d", res.status)
	}
	// The conference opens on 2023-08-10: updates until 2023-07-27.
	// Sessions end with the clock's jumps: sign in again.
	at := func(t time.Time) {
		h.clock.Set(t)
		for _, e := range []string{staff, society, prov} {
			h.login(e, nomPassword)
		}
	}
	at(time.Date(2023, time.July, 27, 18, 0, 0, 0, domain.Shanghai))
	if res := h.do("PUT", cycle+"/guide/"+rec, society, map[string]any{"openingDate": "2023-08-10", "place": "杭州"}); res.status != http.StatusOK {
		t.Errorf("R-NOM-05 an update two weeks before: %d %s", res.status, res.body)
	}
	if res := h.do("POST", cycle+"/guide/"+rec+"/resources", society, map[string]any{"videos": []string{"https://video.example.org/1"}}); res.status != http.StatusConflict || !res.hasRule("R-NOM-05") {
		t.Errorf("R-NOM-05 resources before the conference: %d %s", res.status, res.body)
	}
	at(time.Date(2023, time.July, 28, 9, 0, 0, 0, domain.Shanghai))
	before = h.eventCount()
	if res := h.do("PUT", cycle+"/guide/"+rec, society, map[string]any{"openingDate": "2023-08-10", "place": "上海"}); res.status != http.StatusConflict || !res.hasRule("R-NOM-05") {
		t.Errorf("R-NOM-05 an update 13 days before: %d %s", res.status, res.body)
	}
	if after := h.eventCount(); after != before {
		t.Errorf("R-NOM-05 the refused update wrote %d events", after-before)
	}
	if _, tasks := todo(society); len(tasks) != 0 {
		t.Errorf("R-NOM-05 the society's to-do before its conference opens: %v", tasks)
	}
	at(time.Date(2023, time.August, 10, 9, 0, 0, 0, domain.Shanghai))
	if _, tasks := todo(society); len(tasks) != 1 || tasks["upload_resources"]["count"] != 1.0 {
		t.Errorf("R-NOM-05 the society's to-do once its conference opened: %v", tasks)
	}
	up = h.do("POST", "/api/v1/files?kind=nomination_scan&name="+url.QueryEscape("论文集.pdf"), society, pdf)
	if up.status != http.StatusCreated {
		t.Fatalf("upload the proceedings: %d %s", up.status, up.body)
	}
	proceedings := up.json(t)["id"].(string)
	if res := h.do("POST", cycle+"/guide/"+rec+"/resources", society, map[string]any{"videos": []string{"https://video.example.org/1"}, "proceedings": []string{proceedings}}); res.status != http.StatusOK {
		t.Errorf("R-NOM-05 resources on the opening day: %d %s", res.status, res.body)
	}
	if _, tasks := todo(society); len(tasks) != 0 {
		t.Errorf("R-NOM-05 the society's to-do once its resources are in: %v", tasks)
	}
	// The host reads back the resources it submitted; another unit and
	// the public do not see them.
	resourcesOf := func(email string) any {
		for _, it := range h.do("GET", "/api/v1/guides/"+cycleID, email, nil).json(t)["items"].([]any) {
			if it := it.(map[string]any); it["recommendationId"] == rec {
				return it["resources"]
			}
		}
		return nil
	}
	if got := resourcesOf(society); got == nil {
		t.Errorf("R-NOM-05 the host reads back its resources: none")
	}
	for _, who := range []string{prov, ""} {
		if got := resourcesOf(who); got != nil {
			t.Errorf("R-NOM-05 %q reads the society's resources: %v", who, got)
		}
	}
	// The organiser's staff read a host's uploads through the guide that
	// lists them (R-NOM-05); another unit does not, nor does a file the
	// guide does not list.
	for _, c := range []struct {
		who, file, query string
		want             int
	}{
		{staff, proceedings, "?guide=" + cycleID, http.StatusOK},
		{staff, proceedings, "", http.StatusNotFound},
		{prov, proceedings, "?guide=" + cycleID, http.StatusNotFound},
		{staff, scan, "?guide=" + cycleID, http.StatusNotFound},
	} {
		if res := h.do("GET", "/api/v1/files/"+c.file+c.query, c.who, nil); res.status != c.want || c.want == http.StatusOK && !bytes.Equal(res.body, pdf) {
			t.Errorf("R-NOM-05 %s reads %s%s: %d; want %d", c.who, c.file, c.query, res.status, c.want)
		}
	}
	if res := h.do("POST", cycle+"/guide/"+rec+"/quality-tracking", society, nil); res.status != http.StatusOK {
		t.Errorf("R-NOM-06 quality tracking: %d %s", res.status, res.body)
	}
	if res := h.do("POST", file+"/return", staff, map[string]any{"reason": "请补充分支机构会议"}); res.status != http.StatusOK {
		t.Errorf("the organiser returns: %d %s", res.status, res.body)
	}
	if log := h.do("GET", file+"/log", staff, nil).json(t)["entries"].([]any); log[len(log)-1].(map[string]any)["decidedOnRevision"] == nil {
		t.Errorf("the return is a decision on a revision: %v", log[len(log)-1])
	}
	// The file's history by replay: every event, the policy it was decided
	// under, the chain intact; another unit is told it is not found.
	hist := h.do("GET", file+"/history", staff, nil)
	if hist.status != http.StatusOK {
		t.Fatalf("the file's history: %d %s", hist.status, hist.body)
	}
	hv := hist.json(t)
	entries := hv["entries"].([]any)
	last := entries[len(entries)-1].(map[string]any)
	if hv["chainIntact"] != true || hv["status"] != "returned" || len(entries) < 10 || entries[0].(map[string]any)["statusAfter"] != "drafting" ||
		last["statusBefore"] != "submitted" || last["statusAfter"] != "returned" || last["comment"] != "请补充分支机构会议" || last["policyVersion"] == "" {
		t.Errorf("the file's history: %s", hist.body)
	}
	if res := h.do("GET", file+"/history", prov, nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 another unit reads the file's history: %d", res.status)
	}
	if at := h.do("GET", file+"/history?atRevision=1", society, nil).json(t); at["status"] != "drafting" || at["version"] != 1.0 {
		t.Errorf("the file's history at revision 1: %v", at)
	}

	if res := h.do("GET", provFile, staff, nil); res.status != http.StatusOK {
		t.Errorf("the organiser reads the provincial association's file: %d", res.status)
	}

	// Personal data (PIPL): the expert's name, the committee's names and
	// the contact's mobile are stored encrypted; the expert, known by name
	// in the file only, is erased, after which the file, its history and
	// its nomination form read 已删除个人信息 and the chain still verifies.
	fileID := file[len("/api/v1/nominations/"):]
	stored := func() string {
		var raw string
		if err := h.pool.QueryRow(t.Context(), `SELECT string_agg(data::text, ' ' ORDER BY number) FROM events WHERE stream_id = $1`, "nomination-"+fileID).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		return raw
	}
	for _, clear := range []string{"闵测试专家", "评审专家0", "13800000009"} {
		if strings.Contains(stored(), clear) {
			t.Errorf("PIPL %q stored in clear in the nomination file", clear)
		}
	}
	if got := h.do("GET", file, staff, nil).json(t)["experts"].([]any)[0].(map[string]any)["name"]; got != "闵测试专家" {
		t.Errorf("the expert read back: %v", got)
	}
	erase := h.do("POST", "/api/v1/persons/erase", h.email(domain.RolePlatformAdmin),
		map[string]any{"subject": personal.RecordPerson("nomination-"+fileID, "闵测试专家").String(), "reason": "专家本人申请删除个人信息"})
	if erase.status != http.StatusOK {
		t.Fatalf("erase the expert: %d %s", erase.status, erase.body)
	}
	got := h.do("GET", file, staff, nil).json(t)
	if name := got["experts"].([]any)[0].(map[string]any)["name"]; name != personal.Erased {
		t.Errorf("PIPL the erased expert reads %v", name)
	}
	if members := got["committee"].([]any); members[0].(map[string]any)["name"] != "评审专家0" {
		t.Errorf("PIPL a committee member erased with the expert: %v", members[0])
	}
	hist = h.do("GET", file+"/history", h.email(domain.RoleAuditor), nil)
	if hist.status != http.StatusOK || strings.Contains(string(hist.body), "闵测试专家") || hist.json(t)["chainIntact"] != true {
		t.Errorf("PIPL the history after the erasure: %d %s", hist.status, hist.body)
	}
	// Once the read models are rebuilt (as serve does on an erasure), no
	// row of any table holds the expert: lists, notices, the events as stored.
	if err := projections.Refresh(t.Context(), h.pool, h.store, projections.All()...); err != nil {
		t.Fatal(err)
	}
	if held := h.heldAnywhere("闵测试专家"); len(held) > 0 {
		t.Errorf("PIPL after the erasure the database still holds the expert in %s", strings.Join(held, ", "))
	}
	if res := h.do("GET", provFile, society, nil); res.status != http.StatusNotFound {
		t.Errorf("R-ACT-02 another unit reads the file: %d", res.status)
	}
}
