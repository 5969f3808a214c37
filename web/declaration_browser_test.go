package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/econf/econf/domain"
)

// apiAs sends a JSON request to the API as the holder of token and
// decodes the answer; a status other than want fails the test.
func (s *site) apiAs(t *testing.T, token, method, path string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, s.url+"/api/v1"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s; want %d", method, path, res.StatusCode, b, want)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m) // some answers have no body
	return m
}

func (s *site) token(t *testing.T, r domain.Role) string {
	t.Helper()
	return s.apiAs(t, "", "POST", "/auth/login", map[string]string{"email": s.email(r), "password": password(r)}, 200)["token"].(string)
}

// approvedForecast makes an approved forecast through the API and
// returns its id and the applicant's token.
func (s *site) approvedForecast(t *testing.T) (string, string) {
	t.Helper()
	app, unit, school, auth := s.token(t, domain.RoleApplicant), s.token(t, domain.RoleUnitAdmin), s.token(t, domain.RoleSchoolAdmin), s.token(t, domain.RoleAuthorityReviewer)
	f := s.apiAs(t, app, "POST", "/forecasts", map[string]any{
		"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "计算机学院", "department": "软件工程系", "mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
		"nameZh":    "2027年分布式系统国际研讨会", "nameEn": "2027 International Workshop on Distributed Systems",
		"startDate": "2027-05-10", "commitmentDate": "2027-01-15", "local": true, "province": "湖北省", "address": "武汉市洪山区示范路1号",
		"type": "natural_science", "scale": "general", "chineseCount": 120, "foreignCount": 40, "fundingSource": "学院自筹",
		"organisations": []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
	}, 201)
	fid := f["id"].(string)
	// A minute between decisions, so that each has its own moment to
	// replay the history as of.
	for _, step := range []struct{ token, action string }{{unit, "approve-unit"}, {school, "approve-school"}, {auth, "approve-authority"}} {
		s.clock.Advance(time.Minute)
		s.apiAs(t, step.token, "POST", "/forecasts/"+fid+"/"+step.action, nil, 200)
	}
	return fid, app
}

// submittedDeclaration makes, through the API, an approved forecast and
// its declaration with every section filled, submitted by the applicant
// (the README's declaration walkthrough), and returns its id.
func (s *site) submittedDeclaration(t *testing.T) string {
	t.Helper()
	d, app := s.draftDeclaration(t, "basic", "attendance", "budget", "content", "people", "agenda", "contacts")
	s.apiAs(t, app, "POST", "/declarations/"+d+"/submit", map[string]any{"commitmentAcknowledged": true}, 200)
	return d
}

// draftDeclaration makes, through the API, an approved forecast and its
// declaration with the named sections filled, and returns its id and the
// applicant's token.
func (s *site) draftDeclaration(t *testing.T, names ...string) (string, string) {
	t.Helper()
	fid, app := s.approvedForecast(t)
	d := s.apiAs(t, app, "POST", "/declarations", map[string]any{"forecastId": fid, "noticeAcknowledged": true}, 201)["id"].(string)
	sections := map[string]any{
		"basic": map[string]any{"nameZh": "2027年分布式系统国际研讨会", "nameEn": "2027 International Workshop on Distributed Systems",
			"startDate": "2027-05-10", "endDate": "2027-05-12", "commitmentDate": "2027-01-15", "location": "local",
			"province": "湖北省", "address": "武汉市洪山区示范路1号", "type": "natural_science", "scale": "general"},
		"attendance": map[string]any{"foreign": 40, "mainland": 100, "hkMacaoTaiwan": 10},
		"budget":     []any{map[string]any{"source": "self_raised", "amount": "50000"}},
		"content": map[string]any{"theme": "分布式系统的可靠性", "topics": []any{"共识协议"},
			"previousEditions": []any{map[string]any{"date": "2025-05-08", "place": "武汉", "host": "示范大学", "attendees": 120, "foreign": 30}},
			"taiwanStatement":  "会议不涉及台湾问题，会议材料遵守一个中国原则。", "background": "促进分布式系统领域的国际交流。"},
		"people": map[string]any{"chairs": []any{map[string]any{"name": "李主席", "nationality": "中国", "institution": "示范大学", "title": "教授"}},
			"foreign": []any{map[string]any{"name": "Jane Roe", "nationality": "英国", "institution": "Example College", "title": "Professor"}}},
		"agenda": []any{map[string]any{"date": "2027-05-10", "time": "09:00-10:30", "participants": "全体代表", "content": "开幕式及大会报告"}},
		"contacts": []any{map[string]any{"kind": "conference", "name": "王会务", "phone": "027-87540000", "email": "conf@demo-univ.edu.cn"},
			map[string]any{"kind": "international_office", "name": "赵外事", "phone": "13900000000", "email": "intl@demo-univ.edu.cn"}},
	}
	for _, name := range names {
		s.apiAs(t, app, "PUT", fmt.Sprintf("/declarations/%s/sections/%s", d, name), sections[name], 200)
	}
	return d, app
}

// declarationReview takes a submitted declaration through the
// unit, school and authority in the browser: each finds it in their inbox,
// the applicant's inbox shows it in review, the list finds it, and the
// approval log and status follow each decision.
func declarationReview(t *testing.T, s *site, b *browser) {
	id := s.submittedDeclaration(t)
	b.t = t

	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	if n := app.countIn("inbox_decl_progress"); n != "1" {
		t.Errorf("applicant's declarations in review: %s; want 1", n)
	}

	for _, step := range []struct {
		role   domain.Role
		action string
		after  string
	}{
		{domain.RoleUnitAdmin, "approve-unit", "unit_approved"},
		{domain.RoleSchoolAdmin, "approve-school", "school_approved"},
		{domain.RoleAuthorityReviewer, "approve-authority", "authority_approved"},
	} {
		u := b.user(string(step.role))
		u.signIn(s.email(step.role), password(step.role))
		if n := u.countIn("inbox_decl_review"); n != "1" {
			t.Fatalf("%s: declarations to review %s; want 1", step.role, n)
		}
		if step.role == domain.RoleUnitAdmin {
			u.shot("inbox-unit-declaration")
			u.axe("inbox with a declaration")
		}
		u.click(`section[aria-labelledby="sec-inbox_decl_review"] a[href="/declarations/` + id + `"]`)
		if step.role == domain.RoleUnitAdmin {
			contains(t, "declaration page", u.text(".details"), "2027-05-12")
			u.axe("declaration page")
		}
		u.fill(map[string]string{"f-comment": "同意 " + string(step.role)})
		u.click(`button[value="` + step.action + `"]`)
		u.waitFor(`document.querySelector('#record-status').dataset.status === '` + step.after + `'`)
		contains(t, "declaration log", u.text("#approval-log"), "同意 "+string(step.role))
	}
	app.open("/declarations/" + id)
	if st := app.text("#record-status"); st != "获批" {
		t.Errorf("the approved declaration shows %q; want 获批", st)
	}
	if n := eval[int](app, `document.querySelectorAll('#approval-log tbody tr').length`); n < 4 {
		t.Errorf("declaration log rows %d; want the submission and three approvals", n)
	}
	app.shot("declaration-approved")
	app.open("/declarations?status=authority_approved&q=分布式")
	contains(t, "declaration list", app.text("#results"), "2027年分布式系统国际研讨会")
	contains(t, "declaration list status", app.text("#results"), "获批")
	app.axe("declaration list")
}

// declarationDraft starts a declaration from the approved
// forecast in the browser (the notice must be acknowledged, R-DECL-02),
// saves its sections tab by tab as drafts, and submits: every rule still
// unmet comes back at once, the missing commitment next to its box.
func declarationDraft(t *testing.T, s *site, b *browser) {
	fid, _ := s.approvedForecast(t)
	b.t = t
	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	app.open("/forecasts/" + fid)
	app.click(`#declare`)
	app.waitFor(`!!document.querySelector('#f-notice-error')`)
	app.do(chromedp.Click(chromedp.ID("f-notice")))
	app.click(`#declare`)
	app.waitFor(`location.pathname.endsWith('/edit') && location.search.includes('tab=basic')`)
	if v := eval[string](app, `document.querySelector('#f-basic-nameZh').value`); v != "2027年分布式系统国际研讨会" {
		t.Errorf("the declaration's basic section is not the forecast's: nameZh %q", v)
	}
	app.fill(map[string]string{"f-basic-endDate": "2027-05-12", "f-basic-location": "local"})
	app.click(`#save-draft`)
	app.waitFor(`location.search.includes('saved=1')`)
	if v := eval[string](app, `document.querySelector('#f-basic-endDate').value`); v != "2027-05-12" {
		t.Errorf("the saved end date reads %q", v)
	}
	app.axe("declaration form (basic)")
	app.click(`.tabs a[href$="tab=attendance"]`)
	app.fill(map[string]string{"f-attendance-foreign": "40", "f-attendance-mainland": "100", "f-attendance-hkMacaoTaiwan": "10"})
	app.click(`#save-draft`)
	app.waitFor(`location.search.includes('saved=1') && document.querySelector('#f-attendance-mainland').value === '100'`)
	// The draft waits in the applicant's inbox with its last day to
	// submit (R-DECL-05), not yet overdue.
	edit := eval[string](app, `location.pathname`)
	row := app.inboxRow("inbox_decl_drafts", strings.TrimSuffix(edit, "/edit"))
	if !strings.Contains(row, "2027-") || strings.Contains(row, "已逾期") {
		t.Errorf("the draft's inbox row %q: want its due date, not overdue", row)
	}
	app.open(edit + "?tab=attendance")
	app.click(`#submit-declaration`)
	app.waitFor(`!!document.querySelector('#error-summary')`)
	if n := eval[int](app, `document.querySelectorAll('#error-summary li').length`); n < 3 {
		t.Errorf("submitting the incomplete declaration lists %d problems; want every unmet rule", n)
	}
	if msg := app.text("#f-commitment-error"); msg == "" {
		t.Error("no error next to the commitment box")
	}
	app.shot("declaration-submit-errors")
	app.axe("declaration form with errors")
}
