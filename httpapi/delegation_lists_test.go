package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// TestDelegatesEndToEndR_DEL_01_to_06: one congress, two electing units,
// from the allotment (R-DEL-01) through nominees (R-DEL-02), the initial
// review with a rejection, a revoke and a resubmission (R-DEL-03), a
// report-all refused while a minimum is unmet and then accepted
// (R-DEL-04), the final review with a rejection, an edit and a
// resubmission (R-DEL-05), to the registration forms in bulk, one PDF and
// a zip of single PDFs (R-DEL-06). The delegates list (with the seed's
// filters, sorted, paged, scoped), the overview, the status view, the
// approval log, a nominee's history and the export are checked at each
// step.
func TestDelegatesEndToEndR_DEL_01_to_06(t *testing.T) {
	h := newHarness(t)
	organiser, unitA, unitB := h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleUnitAdmin), h.tree.OtherUnitAd.Email
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "c")
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	cong := res.header.Get("Location")
	congID := cong[strings.LastIndex(cong, "/")+1:]
	quota := func(seats, grassroots, women int) map[string]int {
		return map[string]int{"seats": seats, "grassroots": grassroots, "under45": 0, "minority": 0, "democraticParty": 0, "women": women}
	}
	allot := func(unit string, committee, reps map[string]int) {
		t.Helper()
		body := map[string]any{"allotment": map[string]any{"committee": committee, "representatives": reps, "specialInvited": 0, "observers": 0, "guests": 0, "staff": 0}}
		if res := h.do("PUT", cong+"/units/"+unit, organiser, body, "Idempotency-Key", "allot-"+unit); res.status != http.StatusOK {
			t.Fatalf("allot %s: %d %s", unit, res.status, res.body)
		}
	}
	// Unit A: one candidate and three representatives' seats (the
	// candidate takes one of them, R-DEL-02), at least one woman.
	allot(h.tree.Unit.String(), quota(1, 0, 0), quota(3, 1, 1))
	allot(h.tree.OtherUnit.String(), quota(0, 0, 0), quota(1, 0, 0))

	keys := 0
	key := func() string { keys++; return "k" + string(rune('a'+keys/26)) + string(rune('a'+keys%26)) }
	type person struct{ name, identity, gender, ethnicity, party, birth string }
	idOf := map[string]string{"甲候选": residentID("11010519820301002")}
	body := func(p person) map[string]any {
		profile := map[string]any{"gender": p.gender, "ethnicity": p.ethnicity, "affiliations": []string{p.party}, "grassroots": true}
		if id := idOf[p.name]; id != "" {
			profile["idType"], profile["idNumber"] = "resident_id", id
		}
		return map[string]any{"name": p.name, "identity": p.identity, "birthDate": p.birth, "profile": profile}
	}
	add := func(who string, p person) string {
		t.Helper()
		res := h.do("POST", cong+"/nominees", who, body(p), "Idempotency-Key", key())
		if res.status != http.StatusCreated {
			t.Fatalf("add %s: %d %s", p.name, res.status, res.body)
		}
		return res.json(t)["id"].(string)
	}
	pa := person{"甲候选", "committee", "male", "汉族", "中国民主同盟", "1982-03-01"}
	pb := person{"乙代表", "representative", "male", "汉族", "群众", "1970-05-05"}
	pc := person{"丙代表", "representative", "female", "蒙古族", "中国共产党党员", "1990-01-01"}
	a, b, c := add(unitA, pa), add(unitA, pb), add(unitA, pc)
	d := add(unitB, person{"丁代表", "representative", "male", "汉族", "群众", "1975-01-01"})

	list := func(who, query string) (items []map[string]any, total int) {
		t.Helper()
		h.settle()
		res := h.do("GET", "/api/v1/delegates?congressId="+congID+query, who, nil)
		if res.status != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, res.status, res.body)
		}
		m := res.json(t)
		for _, x := range m["items"].([]any) {
			items = append(items, x.(map[string]any))
		}
		return items, int(m["total"].(float64))
	}
	names := func(items []map[string]any) string {
		var out []string
		for _, x := range items {
			out = append(out, x["name"].(string))
		}
		return strings.Join(out, ",")
	}
	// Scope: each unit its own; the organiser nothing before a report.
	if items, total := list(unitA, ""); total != 3 || len(items) != 3 {
		t.Fatalf("unit A's list: %d %s", total, names(items))
	}
	asc, _ := list(unitA, "&sort=name&order=asc")
	desc, _ := list(unitA, "&sort=name&order=desc")
	if names(asc) == names(desc) || asc[0]["name"] != desc[2]["name"] {
		t.Errorf("sort by name both ways: %s / %s", names(asc), names(desc))
	}
	if items, _ := list(unitA, "&sort=age&order=asc"); len(items) != 3 || items[0]["name"] != "丙代表" || items[0]["age"] != 37.0 {
		t.Errorf("sort by age: %v", items)
	}
	if items, _ := list(unitB, ""); names(items) != "丁代表" {
		t.Errorf("unit B's list: %s", names(items))
	}
	if items, total := list(organiser, ""); total != 0 || len(items) != 0 {
		t.Errorf("the organiser sees before any report: %s", names(items))
	}
	// The seed's filters.
	for q, want := range map[string]string{
		"&ethnicity=" + url.QueryEscape("蒙古族"):             "丙代表",
		"&identity=committee":                              "甲候选",
		"&party=" + url.QueryEscape("中国民主同盟"):              "甲候选",
		"&name=" + url.QueryEscape("乙"):                    "乙代表",
		"&q=" + url.QueryEscape("蒙古"):                      "丙代表",
		"&status=pending&identity=representative":          "丙代表,乙代表",
		"&submittedFrom=2000-01-01&submittedTo=2000-12-31": "",
	} {
		items, _ := list(unitA, q)
		got := strings.Split(names(items), ",")
		slices.Sort(got)
		wants := strings.Split(want, ",")
		slices.Sort(wants)
		if !slices.Equal(got, wants) {
			t.Errorf("filter %s: %q, want %q", q, names(items), want)
		}
	}
	seen := map[any]bool{}
	for page := 1; page <= 3; page++ {
		items, total := list(unitA, "&pageSize=1&sort=submittedAt&order=asc&page="+string(rune('0'+page)))
		if total != 3 || len(items) != 1 || seen[items[0]["id"]] {
			t.Errorf("page %d of 1: total %d %v", page, total, items)
			continue
		}
		seen[items[0]["id"]] = true
	}
	for _, q := range []string{"&status=gone", "&sort=height", "&submittedFrom=2027-02-01&submittedTo=2027-01-01", "&congressId=x", "&colour=red"} {
		if res := h.do("GET", "/api/v1/delegates?"+q[1:], unitA, nil); res.status != http.StatusBadRequest || len(res.rules()) == 0 {
			t.Errorf("bad query %s: %d %s", q, res.status, res.body)
		}
	}

	// The initial review (R-DEL-03): c rejected, b approved then revoked
	// and approved again.
	review := func(id, action string, opinion string) {
		t.Helper()
		res := h.do("POST", cong+"/nominees/"+id+"/"+action, unitA, map[string]string{"reason": opinion}, "Idempotency-Key", key())
		if res.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", action, id, res.status, res.body)
		}
	}
	review(c, "reject", "简历不全")
	review(a, "approve", "")
	review(b, "approve", "")
	review(b, "revoke", "")
	if items, _ := list(unitA, "&status=pending"); names(items) != "乙代表" {
		t.Errorf("pending after the revoke: %s", names(items))
	}
	review(b, "approve", "同意")
	if items, _ := list(unitA, "&status=rejected"); len(items) != 1 || items[0]["id"] != c || items[0]["statusZh"] != "初审审核不通过" || items[0]["opinion"] != "简历不全" {
		t.Errorf("the rejected list: %v", items)
	}
	if items, _ := list(unitA, "&status=approved"); len(items) != 2 || items[0]["statusZh"] != "初审通过待上报" {
		t.Errorf("the approved list: %v", items)
	}

	// Report all (R-DEL-04): refused while the woman is rejected, with
	// every indicator unmet named.
	report := func() response { return h.do("POST", cong+"/report", unitA, nil, "Idempotency-Key", key()) }
	if res := report(); res.status != 422 || !res.hasRule("R-DEL-04@representatives.women") || !res.hasRule("R-DEL-04@representatives.seats") ||
		res.hasRule("R-DEL-04@committee.seats") {
		t.Fatalf("report with the woman rejected: %d %s", res.status, res.body)
	}
	overview := func() map[string]any {
		t.Helper()
		res := h.do("GET", cong+"/overview", organiser, nil)
		if res.status != http.StatusOK {
			t.Fatalf("overview: %d %s", res.status, res.body)
		}
		return res.json(t)
	}
	ov := overview()
	if nr := ov["notReported"].([]any); len(nr) != 2 {
		t.Errorf("not reported before any report: %v", nr)
	}
	if u := ov["units"].([]any)[0].(map[string]any); u["added"] != 3.0 || u["approved"] != 2.0 || u["quotaMet"] != false || u["allotted"] != 3.0 {
		t.Errorf("unit A in the overview: %v", u)
	}
	if res := h.do("GET", cong+"/overview", unitA, nil); res.status != http.StatusNotFound {
		t.Errorf("a unit reads the overview: %d", res.status)
	}
	// The resubmission: c edited goes back to the initial review, passes.
	if res := h.do("PUT", cong+"/nominees/"+c, unitA, map[string]any{"name": pc.name, "birthDate": pc.birth,
		"profile": map[string]any{"gender": "female", "ethnicity": "蒙古族", "affiliations": []string{"中国共产党党员"}, "grassroots": true}},
		"Idempotency-Key", key()); res.status != http.StatusOK {
		t.Fatalf("edit the rejected: %d %s", res.status, res.body)
	}
	review(c, "approve", "")
	if res := report(); res.status != http.StatusOK {
		t.Fatalf("report all: %d %s", res.status, res.body)
	}
	items, total := list(organiser, "&sort=name")
	if total != 3 || strings.Contains(names(items), "丁代表") {
		t.Errorf("the organiser's list after A reported: %s", names(items))
	}
	for _, x := range items {
		if x["statusZh"] != "初审通过已上报/终审待审核" || x["reported"] != true || x["personal"] != true {
			t.Errorf("a reported nominee: %v", x)
		}
		// The ID number masked, the age at the reference date (the
		// candidate's 45th birthday is the reference date).
		if x["id"] == a && (x["idNumber"] != "1101**********"+idOf["甲候选"][14:] || x["age"] != 45.0 || x["birthDate"] != "1982-03-01") {
			t.Errorf("the candidate's personal columns: %v", x)
		}
	}
	if strings.Contains(string(h.do("GET", "/api/v1/delegates?congressId="+congID, organiser, nil).body), idOf["甲候选"]) {
		t.Error("the list shows the clear ID number")
	}
	// An auditor reads the rows without the personal fields, and cannot
	// find a nominee by them.
	auditor := h.email(domain.RoleAuditor)
	if items, total := list(auditor, ""); total != 4 {
		t.Errorf("the auditor's list: %d", total)
	} else {
		for _, x := range items {
			if x["personal"] != false || x["name"] != "" || x["ethnicity"] != "" || x["idNumber"] != "" || x["age"] != nil {
				t.Errorf("the auditor reads personal fields: %v", x)
			}
		}
	}
	for _, q := range []string{"&name=" + url.QueryEscape("甲"), "&q=" + url.QueryEscape("蒙古"), "&party=" + url.QueryEscape("中国民主同盟")} {
		if _, total := list(auditor, q); total != 0 {
			t.Errorf("the auditor finds nominees by a personal field (%s): %d", q, total)
		}
	}
	ov = overview()
	if nr := ov["notReported"].([]any); len(nr) != 1 || nr[0] != h.tree.OtherUnit.String() {
		t.Errorf("not reported after A: %v", nr)
	}
	if u := ov["units"].([]any)[0].(map[string]any); u["reported"] != 3.0 || u["hasReported"] != true || u["quotaMet"] != true {
		t.Errorf("unit A reported in the overview: %v", u)
	}

	// The final review (R-DEL-05): b refused, edited and resubmitted.
	final := func(id, action, opinion string) {
		t.Helper()
		res := h.do("POST", cong+"/units/"+h.tree.Unit.String()+"/nominees/"+id+"/"+action, organiser, map[string]string{"reason": opinion}, "Idempotency-Key", key())
		if res.status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", action, id, res.status, res.body)
		}
	}
	final(b, "final-reject", "请补充简历")
	if items, _ := list(organiser, "&status=final_rejected"); len(items) != 1 || items[0]["id"] != b || items[0]["statusZh"] != "终审审核不通过" {
		t.Errorf("the final rejected list: %v", items)
	}
	edited := body(pb)
	delete(edited, "identity")
	if res := h.do("PUT", cong+"/nominees/"+b, unitA, edited, "Idempotency-Key", key()); res.status != http.StatusOK {
		t.Fatalf("edit and resubmit: %d %s", res.status, res.body)
	}
	if items, _ := list(organiser, "&status=reported"); len(items) != 3 {
		t.Errorf("back to the final review: %s", names(items))
	}
	for _, id := range []string{a, b, c} {
		final(id, "final-approve", "")
	}
	if items, _ := list(organiser, "&status=final_approved"); len(items) != 3 {
		t.Errorf("the final approved list: %s", names(items))
	}
	if u := overview()["units"].([]any)[0].(map[string]any); u["finalApproved"] != 3.0 {
		t.Errorf("final approved in the overview: %v", u)
	}

	// The status view and the approval log of A's delegation.
	del := cong + "/units/" + h.tree.Unit.String() + "/delegation"
	res = h.do("GET", del+"/status", organiser, nil)
	if st := res.json(t); res.status != http.StatusOK || st["status"] != "reported" || st["holderRole"] != string(domain.RoleAuthorityReviewer) {
		t.Errorf("status view: %d %s", res.status, res.body)
	}
	res = h.do("GET", del+"/log", unitA, nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "全部上报") || !strings.Contains(string(res.body), "终审审核不通过") ||
		!strings.Contains(string(res.body), "撤销初审结果") {
		t.Errorf("approval log: %d %s", res.status, res.body)
	}
	if res := h.do("GET", del+"/log", unitB, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit reads the log: %d", res.status)
	}
	// c's history by replay: added, rejected, edited, approved, reported,
	// final approved.
	res = h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/nominees/"+c+"/history", organiser, nil)
	if res.status != http.StatusOK {
		t.Fatalf("history: %d %s", res.status, res.body)
	}
	hist := res.json(t)
	var steps []string
	for _, e := range hist["entries"].([]any) {
		steps = append(steps, e.(map[string]any)["statusAfter"].(string))
	}
	if strings.Join(steps, ",") != "pending,rejected,pending,approved,reported,final_approved" || hist["chainIntact"] != true {
		t.Errorf("c's history: %v %v", steps, hist["chainIntact"])
	}
	// The candidate's history: the ID number masked for the organiser;
	// an auditor reads the steps without the personal fields, not even the
	// masked ID number (its last four digits after the mask: the bare
	// digits turn up by chance in a timestamp's fraction of a second).
	for who, hidden := range map[string][]string{organiser: {idOf["甲候选"]}, h.email(domain.RoleAuditor): {idOf["甲候选"], "*" + idOf["甲候选"][14:], "甲候选", "1982-03-01", "中国民主同盟"}} {
		res := h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/nominees/"+a+"/history", who, nil)
		if res.status != http.StatusOK || len(res.json(t)["entries"].([]any)) < 4 {
			t.Fatalf("%s reads the candidate's history: %d %s", who, res.status, res.body)
		}
		for _, x := range hidden {
			if strings.Contains(string(res.body), x) {
				t.Errorf("%s reads %q in the history", who, x)
			}
		}
	}
	if res := h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/nominees/"+c+"/history", unitB, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit reads the history: %d", res.status)
	}
	if res := h.do("GET", cong+"/units/"+h.tree.OtherUnit.String()+"/nominees/"+d+"/history", organiser, nil); res.status != http.StatusNotFound {
		t.Errorf("the organiser reads an unreported unit's nominee: %d", res.status)
	}

	// The export: what the list shows.
	res = h.do("GET", "/api/v1/delegates/export?format=csv&congressId="+congID, organiser, nil)
	if lines := strings.Split(strings.TrimSpace(string(res.body)), "\n"); res.status != http.StatusOK || len(lines) != 4 || !strings.Contains(string(res.body), "终审审核通过") {
		t.Errorf("export csv: %d %s", res.status, res.body)
	}
	res = h.do("GET", "/api/v1/delegates/export?congressId="+congID, organiser, nil)
	if res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("PK")) {
		t.Errorf("export xlsx: %d %s", res.status, res.header)
	}

	// The registration forms in bulk (R-DEL-06): one PDF for a selection,
	// a zip of single PDFs for all or a selection.
	forms := cong + "/units/" + h.tree.Unit.String() + "/registration-forms"
	if res := h.do("GET", forms+".pdf?nominee="+a+"&nominee="+c, organiser, nil); res.status != http.StatusOK || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Errorf("one PDF for a selection: %d", res.status)
	}
	for q, want := range map[string]int{"": 3, "?nominee=" + a + "&nominee=" + c: 2} {
		res := h.do("GET", forms+".zip"+q, organiser, nil)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/zip" {
			t.Fatalf("zip%s: %d %s", q, res.status, res.body)
		}
		z, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
		if err != nil {
			t.Fatalf("zip%s: %v", q, err)
		}
		if len(z.File) != want {
			t.Errorf("zip%s: %d entries, want %d", q, len(z.File), want)
		}
		for _, f := range z.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			head := make([]byte, 5)
			_, _ = r.Read(head)
			_ = r.Close()
			if string(head) != "%PDF-" || !strings.HasSuffix(f.Name, ".pdf") {
				t.Errorf("zip entry %s starts %q", f.Name, head)
			}
		}
	}
	if res := h.do("GET", forms+".zip?nominee="+d, organiser, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit's nominee in the zip: %d", res.status)
	}
	if res := h.do("GET", forms+".zip?nominee=x", organiser, nil); res.status != http.StatusBadRequest {
		t.Errorf("a bad nominee id: %d", res.status)
	}
	if res := h.do("GET", forms+".zip", unitB, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit's forms: %d", res.status)
	}
}

// TestDelegatesListForgetsAnErasedNominee: once a platform admin erases a
// nominee's personal data (PIPL), the delegates list, rebuilt as after
// every erasure, holds none of it: no name, ethnicity, party, birth date
// or ID number, searchable or shown, while the row and its status stay.
func TestDelegatesListForgetsAnErasedNominee(t *testing.T) {
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		pool, store := c.Pool, c.App.Store()
		c.Erased = func(ctx context.Context, _ uuid.UUID) {
			if err := projections.Refresh(ctx, pool, store, projections.All()...); err != nil {
				t.Errorf("refresh read models: %v", err)
			}
		}
	})
	organiser, unit, admin := h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleUnitAdmin), h.email(domain.RolePlatformAdmin)
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "c")
	cong := res.header.Get("Location")
	seats := map[string]int{"seats": 1, "grassroots": 0, "under45": 0, "minority": 0, "democraticParty": 0, "women": 0}
	if res := h.do("PUT", cong+"/units/"+h.tree.Unit.String(), organiser, map[string]any{"allotment": map[string]any{"committee": seats,
		"representatives": seats, "specialInvited": 0, "observers": 0, "guests": 0, "staff": 0}}, "Idempotency-Key", "a"); res.status != http.StatusOK {
		t.Fatalf("allot: %d %s", res.status, res.body)
	}
	id := residentID("15010219830719002")
	res = h.do("POST", cong+"/nominees", unit, map[string]any{"name": "龚翊鸣", "identity": "committee", "birthDate": "1983-07-19",
		"profile": map[string]any{"gender": "male", "ethnicity": "鄂温克族", "affiliations": []string{"九三学社"}, "grassroots": true,
			"occupation": "公务员", "idType": "resident_id", "idNumber": id}}, "Idempotency-Key", "n")
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	read := func() (string, map[string]any) {
		t.Helper()
		h.settle()
		res := h.do("GET", "/api/v1/delegates", unit, nil)
		items := res.json(t)["items"].([]any)
		if res.status != http.StatusOK || len(items) != 1 {
			t.Fatalf("list: %d %s", res.status, res.body)
		}
		return string(res.body), items[0].(map[string]any)
	}
	before, row := read()
	if row["name"] != "龚翊鸣" || row["occupation"] != "公务员" || row["idNumber"] != "1501**********"+id[14:] {
		t.Fatalf("before the erasure: %s", before)
	}
	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": nominee, "reason": "被推荐人依《个人信息保护法》申请删除"}); res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	after, row := read()
	for _, clear := range []string{"龚翊鸣", "鄂温克族", "九三学社", "公务员", "1983-07-19", id[14:]} {
		if strings.Contains(after, clear) {
			t.Errorf("the list still holds %q after the erasure: %s", clear, after)
		}
	}
	if row["id"] != nominee || row["status"] != "pending" || row["identity"] != "committee" {
		t.Errorf("the row's record columns after the erasure: %v", row)
	}
	if res := h.do("GET", "/api/v1/delegates?q="+url.QueryEscape("龚翊"), unit, nil); res.json(t)["total"] != 0.0 {
		t.Errorf("the erased name is still searchable: %s", res.body)
	}
}
