package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// refusal is a problem's field errors, each "path rule", and its text.
func (r response) refusal() (fields []string, text string) {
	var p struct {
		Errors []struct {
			Path    string `json:"path"`
			Rule    string `json:"rule"`
			Message string `json:"message"`
			Zh      string `json:"zh"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(r.body, &p)
	for _, e := range p.Errors {
		fields = append(fields, strings.TrimPrefix(e.Path, "body:")+" "+e.Rule)
		text += e.Message + " " + e.Zh + " "
	}
	return fields, text
}

// TestFundingBadInputOverHTTP (issue 18's bad input, seed 002): each is
// refused with its status, exactly the field path and rule id expected,
// a message naming what was expected (the cap, the range, the closing
// day, the year, the last day of the suspension, the request, the
// grant), and nothing written: a request a fen above its category's cap
// (R-FUND-04), a foreign count one outside the claimed range and a
// nature not the category's (R-FUND-01), an application for a conference
// opening in another year (R-FUND-03), an unapproved conference: none
// named, or a declaration that is not an approved one (R-FUND-02), a
// suspended institute (R-FUND-08), a grant a fen above the request
// (R-FUND-05) and a fen above the cap in force (R-FUND-04), a clawback a
// fen above the grant (R-FUND-08), a referral naming no department
// (R-FUND-08; one that does is listed and bars nothing), a plan decided
// twice (R-FUND-05), and
// an application a day after the call closed (R-FUND-03).
func TestFundingBadInputOverHTTP(t *testing.T) {
	h := newHarness(t)
	h.at(2027, time.May, 20)
	a := h.fundingAcademy()
	if res := h.do("POST", "/api/v1/funding/calls", a.reviewer, map[string]any{"budgetFen": 100_000_000}); res.status != http.StatusOK {
		t.Fatalf("publish the call: %d %s", res.status, res.body)
	}
	body := func(admin string, category int, foreign int, requested int64, opening string) map[string]any {
		t.Helper()
		up := h.do("POST", "/api/v1/files?kind=funding_approval&name="+url.QueryEscape("批件.pdf"), admin, pdf)
		if up.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", up.status, up.body)
		}
		nature := map[int]string{1: "hosting_rights", 2: "academy_led", 3: "joint"}[category]
		op, _ := time.Parse(time.DateOnly, opening)
		return map[string]any{"application": map[string]any{
			"conference": map[string]any{"nameZh": "国际凝聚态物理研讨会", "openingDate": opening, "closingDate": op.AddDate(0, 0, 2).Format(time.DateOnly), "city": "合肥"},
			"approval":   map[string]any{"number": "科发际批〔2027〕8号", "date": "2027-02-20", "scanFileId": up.json(t)["id"]},
			"category":   category, "nature": nature, "academyFirstHost": true,
			"attendance":   map[string]any{"total": 400, "foreign": foreign},
			"budget":       map[string]any{"totalFen": requested + 20_000_000, "sources": []any{map[string]any{"name": "注册费", "amountFen": 20_000_000}}},
			"requestedFen": requested,
		}}
	}
	app := func(b map[string]any) map[string]any { return b["application"].(map[string]any) }
	draft := func(admin string, b map[string]any) string {
		t.Helper()
		res := h.do("POST", "/api/v1/funding", admin, b)
		if res.status != http.StatusCreated {
			t.Fatalf("draft: %d %s", res.status, res.body)
		}
		return res.header.Get("Location")
	}
	// refused sends the request and checks the refusal and that nothing
	// was written.
	refused := func(name, method, path, who string, payload any, status int, want []string, expect ...string) {
		t.Helper()
		h.settle()
		before := h.eventCount()
		res := h.do(method, path, who, payload)
		fields, text := res.refusal()
		if res.status != status || want != nil && !slices.Equal(fields, want) {
			t.Errorf("%s: %d %q; want %d %q (%s)", name, res.status, fields, status, want, res.body)
		}
		if want == nil && !res.hasRule(expect[0]) {
			t.Errorf("%s: %s; want rule %s", name, res.body, expect[0])
		}
		for _, x := range expect {
			if !strings.Contains(text+string(res.body), x) {
				t.Errorf("%s: the refusal does not say %q: %s", name, x, res.body)
			}
		}
		if n := h.eventCount(); n != before {
			t.Errorf("%s: the refusal wrote %d events", name, n-before)
		}
	}

	b := body(a.adminA, 2, 90, 12_000_001, "2028-04-08")
	refused("R-FUND-04 a fen above category 2's cap", "POST", "/api/v1/funding", a.adminA, b, http.StatusUnprocessableEntity,
		[]string{"application.requestedFen R-FUND-04"}, "120000.00")
	b = body(a.adminA, 2, 151, 10_000_000, "2028-04-08")
	refused("R-FUND-01 151 foreign guests in category 2", "POST", "/api/v1/funding", a.adminA, b, http.StatusUnprocessableEntity,
		[]string{"application.attendance.foreign R-FUND-01"}, "50–150", "151")
	b = body(a.adminA, 3, 51, 5_000_000, "2028-04-08")
	refused("R-FUND-01 51 foreign guests in category 3", "POST", "/api/v1/funding", a.adminA, b, http.StatusUnprocessableEntity,
		[]string{"application.attendance.foreign R-FUND-01"}, "50", "51")
	b = body(a.adminA, 2, 150, 10_000_000, "2028-04-08")
	app(b)["nature"] = "joint"
	refused("R-FUND-01 at 150 the nature decides: joint is not category 2", "POST", "/api/v1/funding", a.adminA, b, http.StatusUnprocessableEntity,
		[]string{"application.nature R-FUND-01"}, "academy_led")
	b = body(a.adminA, 2, 90, 10_000_000, "2028-04-08")
	app(b)["approval"] = map[string]any{}
	refused("R-FUND-02 no approval named", "POST", "/api/v1/funding", a.adminA, b, http.StatusUnprocessableEntity,
		[]string{"application.approval R-FUND-02"}, "国际会议批件")

	// Submissions refused: nothing written to the drafts.
	b = body(a.adminA, 2, 90, 10_000_000, "2028-04-08")
	app(b)["approval"] = map[string]any{"declarationId": uuid.NewString()}
	unapproved := draft(a.adminA, b)
	refused("R-FUND-02 a declaration that is not an approved one", "POST", unapproved+"/submit", a.adminA, nil, http.StatusUnprocessableEntity,
		[]string{"approval.declarationId R-FUND-02"}, "不存在申报")
	for _, opening := range []string{"2029-01-01", "2027-12-31"} {
		other := draft(a.adminA, body(a.adminA, 2, 90, 10_000_000, opening))
		refused("R-FUND-03 a conference opening on "+opening, "POST", other+"/submit", a.adminA, nil, http.StatusUnprocessableEntity,
			[]string{"conference.openingDate R-FUND-03"}, opening[:4])
	}
	suspension := map[string]any{"reason": "会议经费使用不规范", "period": map[string]any{"from": "2027-05-20", "until": "2027-06-30"}}
	if res := h.do("POST", "/api/v1/funding/institutes/"+a.instituteB+"/suspension", a.reviewer, suspension); res.status != http.StatusOK {
		t.Fatalf("suspend B: %d %s", res.status, res.body)
	}
	locB := draft(a.adminB, body(a.adminB, 3, 30, 5_000_000, "2028-04-08"))
	refused("R-FUND-08 a suspended institute", "POST", locB+"/submit", a.adminB, nil, http.StatusUnprocessableEntity,
		[]string{"institute R-FUND-08"}, "2027-06-30", "会议经费使用不规范")

	// A referral (移交相关部门进一步处理) names the department; it is listed
	// among A's sanctions and bars nothing by itself: A submits below.
	referral := "/api/v1/funding/institutes/" + a.instituteA + "/referral"
	refused("R-FUND-08 a referral naming no department", "POST", referral, a.reviewer, map[string]any{"to": " ", "reason": "挪用会议经费"}, http.StatusUnprocessableEntity,
		[]string{"to R-FUND-08"}, "必填")
	if res := h.do("POST", referral, a.adminA, map[string]any{"to": "院监察审计局", "reason": "挪用会议经费"}); res.status != http.StatusForbidden {
		t.Errorf("R-FUND-08 an institute refers itself: %d %s", res.status, res.body)
	}
	if res := h.do("POST", referral, a.reviewer, map[string]any{"to": "院监察审计局", "reason": "挪用会议经费"}); res.status != http.StatusOK {
		t.Fatalf("R-FUND-08 refer A's case: %d %s", res.status, res.body)
	}
	el := h.do("GET", "/api/v1/funding/institutes/"+a.instituteA+"/eligibility", a.reviewer, nil)
	var standing struct {
		Eligible  bool `json:"eligible"`
		Sanctions []struct {
			Kind, To, Reason string
		} `json:"sanctions"`
	}
	if err := json.Unmarshal(el.body, &standing); err != nil || !standing.Eligible || len(standing.Sanctions) != 1 ||
		standing.Sanctions[0].Kind != "referral" || standing.Sanctions[0].To != "院监察审计局" {
		t.Errorf("R-FUND-08 A's standing after the referral: %d %s", el.status, el.body)
	}

	// The bureau's review.
	locA := draft(a.adminA, body(a.adminA, 2, 90, 12_000_000, "2028-04-08"))
	if res := h.do("POST", locA+"/submit", a.adminA, nil); res.status != http.StatusOK {
		t.Fatalf("submit A: %d %s", res.status, res.body)
	}
	refused("R-FUND-05 a grant a fen above the request", "POST", locA+"/grant", a.reviewer, map[string]any{"amountFen": 12_000_001}, http.StatusUnprocessableEntity,
		[]string{"amountFen R-FUND-05"}, "120000.00", "120000.01")
	admin := h.email(domain.RolePlatformAdmin)
	p := h.do("GET", "/api/v1/policy", admin, nil).json(t)
	p["version"] = "2027.9"
	p["funding"].(map[string]any)["categories"].([]any)[1].(map[string]any)["capFen"] = 11_000_000
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != http.StatusOK {
		t.Fatalf("lower category 2's cap: %d %s", res.status, res.body)
	}
	refused("R-FUND-04 a grant a fen above the cap in force", "POST", locA+"/grant", a.reviewer, map[string]any{"amountFen": 11_000_001}, http.StatusUnprocessableEntity,
		[]string{"amountFen R-FUND-04"}, "110000.00", "110000.01")
	if res := h.do("POST", locA+"/grant", a.reviewer, map[string]any{"amountFen": 11_000_000}); res.status != http.StatusOK {
		t.Fatalf("R-FUND-04 the grant at the cap in force: %d %s", res.status, res.body)
	}
	refused("R-FUND-08 a clawback a fen above the grant", "POST", locA+"/clawback", a.reviewer, map[string]any{"amountFen": 11_000_001, "reason": "挪用"}, http.StatusUnprocessableEntity,
		[]string{"amountFen R-FUND-08"}, "110000.00")
	h.settle()
	plan := map[string]any{"year": 2028, "comment": "经院领导审定"}
	if res := h.do("POST", "/api/v1/funding/plans", a.reviewer, plan); res.status != http.StatusOK {
		t.Fatalf("decide the plan: %d %s", res.status, res.body)
	}
	refused("R-FUND-05 a plan decided twice", "POST", "/api/v1/funding/plans", a.reviewer, plan, http.StatusConflict, nil, "R-FUND-05")

	// A day after the call closed: late is invalid.
	h.at(2027, time.September, 16)
	a.login(h)
	late := draft(a.adminA, body(a.adminA, 3, 30, 5_000_000, "2028-05-08"))
	refused("R-FUND-03 a day after the call closed", "POST", late+"/submit", a.adminA, nil, http.StatusUnprocessableEntity,
		[]string{"submittedOn R-FUND-03"}, "2027-09-15")
}
