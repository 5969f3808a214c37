package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// TestDelegationEndToEndR_DEL_02_03_04: a congress with one invited unit
// (the seed's quota table): additions over a quota refused naming it, a
// birth date after the reference date refused, an initial rejection
// revoked and approved, a report-all refused while an indicator is unmet,
// then reported (the candidate 45 on the reference date counts as 45岁以下);
// after it the allotment and the roster are fixed.
func TestDelegationEndToEndR_DEL_02_03_04(t *testing.T) {
	h := newHarness(t)
	organiser, unitAdmin := h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleUnitAdmin)
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "c")
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	cong := res.header.Get("Location")
	quota := func(seats, grassroots, under45, party int) map[string]int {
		return map[string]int{"seats": seats, "grassroots": grassroots, "under45": under45, "minority": 0, "democraticParty": party, "women": 0}
	}
	seed := map[string]any{"allotment": map[string]any{"committee": quota(1, 1, 1, 1), "representatives": quota(2, 2, 1, 1),
		"specialInvited": 0, "observers": 0, "guests": 0, "staff": 0}}
	if res := h.do("PUT", cong+"/units/"+h.tree.Unit.String(), organiser, seed, "Idempotency-Key", "allot"); res.status != http.StatusOK {
		t.Fatalf("allot: %d %s", res.status, res.body)
	}
	n := 0
	add := func(who, identity, birth, party string) response {
		n++
		return h.do("POST", cong+"/nominees", who, map[string]any{"name": "推荐人" + string(rune('A'+n)), "identity": identity, "birthDate": birth,
			"profile": map[string]any{"gender": "male", "ethnicity": "汉族", "affiliations": []string{party}, "grassroots": true}},
			"Idempotency-Key", "add-"+string(rune('a'+n)))
	}
	if res := add(h.tree.OtherUnitAd.Email, "committee", "1982-03-01", "中国民主同盟"); res.status != http.StatusNotFound {
		t.Fatalf("a unit not invited adds: %d %s", res.status, res.body)
	}
	res = add(unitAdmin, "committee", "1982-03-01", "中国民主同盟") // 45 on the reference date
	if res.status != http.StatusCreated {
		t.Fatalf("add the candidate: %d %s", res.status, res.body)
	}
	a := res.json(t)["id"].(string)
	if res := add(unitAdmin, "committee", "1990-01-01", "群众"); res.status != 422 || !res.hasRule("R-DEL-02@identity") {
		t.Fatalf("a second candidate (1 allotted): %d %s", res.status, res.body)
	}
	res = add(unitAdmin, "representative", "1981-03-01", "群众") // 46 on the reference date
	if res.status != http.StatusCreated {
		t.Fatalf("add the representative: %d %s", res.status, res.body)
	}
	b := res.json(t)["id"].(string)
	if res := add(unitAdmin, "representative", "2027-03-02", "群众"); res.status != 422 || !res.hasRule("R-DEL-02@identity") || !res.hasRule("R-DEL-02@birthDate") {
		t.Fatalf("a third representative born after the reference date: %d %s", res.status, res.body)
	}

	nom := func(id, action string, body any) response {
		return h.do("POST", cong+"/nominees/"+id+"/"+action, unitAdmin, body, "Idempotency-Key", id+action+string(rune('a'+n)))
	}
	if res := nom(a, "reject", map[string]string{}); res.status != 422 || !res.hasRule("R-DEL-03@reason") {
		t.Fatalf("reject without an opinion: %d %s", res.status, res.body)
	}
	n++
	if res := nom(a, "reject", map[string]string{"reason": "材料不全"}); res.status != http.StatusOK {
		t.Fatalf("reject: %d %s", res.status, res.body)
	}
	n++
	if res := nom(a, "approve", nil); res.status != http.StatusConflict || !res.hasRule("R-DEL-03") {
		t.Fatalf("approve a rejected nominee: %d %s", res.status, res.body)
	}
	if res := nom(a, "revoke", nil); res.status != http.StatusOK {
		t.Fatalf("revoke the rejection: %d %s", res.status, res.body)
	}
	n++
	if res := nom(a, "approve", map[string]string{"comment": "同意"}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	// Only the candidate approved: the representatives' seats and grassroots minimum unmet.
	report := func(key string) response {
		return h.do("POST", cong+"/report", unitAdmin, nil, "Idempotency-Key", key)
	}
	if res := report("r1"); res.status != 422 || !res.hasRule("R-DEL-04@representatives.seats") || !res.hasRule("R-DEL-04@representatives.grassroots") ||
		res.hasRule("R-DEL-04@committee.under45") {
		t.Fatalf("report with the representative pending: %d %s", res.status, res.body)
	}
	n++
	if res := nom(b, "approve", nil); res.status != http.StatusOK {
		t.Fatalf("approve the representative: %d %s", res.status, res.body)
	}
	res = h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", unitAdmin, nil)
	if res.status != http.StatusOK {
		t.Fatalf("delegation: %d %s", res.status, res.body)
	}
	for _, l := range res.json(t)["quota"].([]any) {
		if line := l.(map[string]any); line["met"] != true {
			t.Errorf("quota line not met before the report: %v", line)
		}
	}
	if res := h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", organiser, nil); res.status != http.StatusNotFound {
		t.Errorf("the organiser reads before the report: %d %s", res.status, res.body)
	}
	if res := report("r2"); res.status != http.StatusOK {
		t.Fatalf("report all: %d %s", res.status, res.body)
	}
	res = h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", organiser, nil)
	if res.status != http.StatusOK {
		t.Fatalf("organiser reads the reported delegation: %d %s", res.status, res.body)
	}
	for _, x := range res.json(t)["nominees"].([]any) {
		if st := x.(map[string]any)["status"]; st != "reported" {
			t.Errorf("nominee status %v, want reported", st)
		}
	}
	if res := h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit reads: %d %s", res.status, res.body)
	}
	// Fixed now: the allotment, the roster, a revoke.
	if res := h.do("PUT", cong+"/units/"+h.tree.Unit.String(), organiser, seed, "Idempotency-Key", "allot-after"); res.status != http.StatusConflict || !res.hasRule("R-DEL-01") {
		t.Errorf("allot after the report: %d %s", res.status, res.body)
	}
	if res := add(unitAdmin, "staff", "1990-01-01", "群众"); res.status != http.StatusConflict || !res.hasRule("R-DEL-04") {
		t.Errorf("add after the report: %d %s", res.status, res.body)
	}
	n++
	if res := nom(a, "revoke", nil); res.status != http.StatusConflict || !res.hasRule("R-DEL-03") {
		t.Errorf("revoke a reported nominee: %d %s", res.status, res.body)
	}

	// The final review (R-DEL-05): a rejection, an edit and a resubmission.
	unitNominee := cong + "/units/" + h.tree.Unit.String() + "/nominees/"
	final := func(id, action string, body any, key string) response {
		return h.do("POST", unitNominee+id+"/"+action, organiser, body, "Idempotency-Key", key)
	}
	edit := func(key string) response {
		return h.do("PUT", cong+"/nominees/"+a, unitAdmin, map[string]any{"name": "推荐人甲", "birthDate": "1982-03-01",
			"profile": map[string]any{"gender": "female", "ethnicity": "汉族", "affiliations": []string{"中国民主同盟"}, "grassroots": true}},
			"Idempotency-Key", key)
	}
	if res := edit("e1"); res.status != http.StatusConflict || !res.hasRule("R-DEL-05") {
		t.Errorf("edit a reported nominee: %d %s", res.status, res.body)
	}
	if res := h.do("POST", unitNominee+a+"/final-approve", unitAdmin, nil, "Idempotency-Key", "f-unit"); res.status != http.StatusForbidden && res.status != http.StatusNotFound {
		t.Errorf("the unit decides the final review: %d %s", res.status, res.body)
	}
	if res := final(a, "final-reject", map[string]string{}, "f1"); res.status != 422 || !res.hasRule("R-DEL-05@reason") {
		t.Errorf("final reject without an opinion: %d %s", res.status, res.body)
	}
	if res := final(a, "final-reject", map[string]string{"reason": "请补充简历"}, "f2"); res.status != http.StatusOK {
		t.Fatalf("final reject: %d %s", res.status, res.body)
	}
	if res := edit("e2"); res.status != http.StatusOK {
		t.Fatalf("edit and resubmit: %d %s", res.status, res.body)
	}
	for _, id := range []string{a, b} {
		if res := final(id, "final-approve", map[string]string{"comment": "同意"}, "f3"+id); res.status != http.StatusOK {
			t.Fatalf("final approve %s: %d %s", id, res.status, res.body)
		}
	}
	if res := final(a, "final-reject", map[string]string{"reason": "改变主意"}, "f4"); res.status != http.StatusConflict || !res.hasRule("R-DEL-05") {
		t.Errorf("a final decision taken back: %d %s", res.status, res.body)
	}
	res = h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", organiser, nil)
	for _, x := range res.json(t)["nominees"].([]any) {
		nm := x.(map[string]any)
		if nm["status"] != "final_approved" {
			t.Errorf("nominee %v status %v, want final_approved", nm["name"], nm["status"])
		}
		if nm["id"] == a && (nm["name"] != "推荐人甲" || nm["indicators"].(map[string]any)["woman"] != true) {
			t.Errorf("the edit is not in: %v", nm)
		}
	}

	// The registration forms (R-DEL-06): all in one file, or a selection.
	forms := cong + "/units/" + h.tree.Unit.String() + "/registration-forms.pdf"
	var sizes []int
	for _, query := range []string{"", "?nominee=" + a} {
		res := h.do("GET", forms+query, organiser, nil)
		if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
			t.Fatalf("registration forms%s: %d %s", query, res.status, res.header)
		}
		sizes = append(sizes, len(res.body))
	}
	if sizes[0] <= sizes[1] {
		t.Errorf("both forms (%d bytes) no larger than one (%d)", sizes[0], sizes[1])
	}
	if res := h.do("GET", forms+"?nominee="+uuid.NewString(), organiser, nil); res.status != http.StatusNotFound {
		t.Errorf("a nominee not the unit's: %d", res.status)
	}
	if res := h.do("GET", forms, h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit's forms: %d", res.status)
	}
}
