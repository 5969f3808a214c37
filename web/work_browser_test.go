package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/sms"
)

// TestBrowserWork shares one site and one Chromium among its parts, each
// a subtest with its own users, so that adding a page's walk costs
// seconds, not a new database and browser.
func TestBrowserWork(t *testing.T) {
	var dev *sms.Dev
	s := newSite(t, withSMS(&dev))
	b := newBrowser(t, s)
	// First, on a fresh site: they count what waits in the inboxes.
	t.Run("ForecastLifecycle", func(t *testing.T) { forecastLifecycle(t, s, b) })
	t.Run("DeclarationReview", func(t *testing.T) { declarationReview(t, s, b) })
	t.Run("DeclarationDraft", func(t *testing.T) { declarationDraft(t, s, b) })
	t.Run("Registration", func(t *testing.T) { registration(t, s, b) })
	t.Run("DeclarationTabs", func(t *testing.T) { declarationTabs(t, s, b) })
	t.Run("History", func(t *testing.T) { historyPage(t, s, b) })
	t.Run("Statistics", func(t *testing.T) { statisticsPage(t, s, b) })
	t.Run("Keyboard", func(t *testing.T) { keyboardForm(t, s, b) })
	t.Run("OversizedForm", func(t *testing.T) { oversizedForm(t, s) })
	t.Run("Paging", func(t *testing.T) { paging(t, s, b) })
	t.Run("ChangeProfileWithdraw", func(t *testing.T) { changeProfileWithdraw(t, s, b) })
	t.Run("Delegates", func(t *testing.T) { delegatesWalk(t, s, b) })
	t.Run("SMSSignIn", func(t *testing.T) { smsSignIn(t, s, b, dev) })
	// Near the end: it publishes a policy version.
	t.Run("Admin", func(t *testing.T) { adminPages(t, s, b) })
	// Last: it moves the clock past a conference.
	t.Run("Summary", func(t *testing.T) { summaryPage(t, s, b) })
	t.Run("SummaryReview", func(t *testing.T) { summaryReview(t, s, b) })
	// After them: it moves the clock into the next year's funding call.
	t.Run("Funding", func(t *testing.T) { fundingWalk(t, s, b) })
	t.Run("Nominations", func(t *testing.T) { nominationWalk(t, s, b) })
}

// declarationTabs fills the declaration's list sections in the browser:
// a budget line's errors all at once next to their inputs; a foreign
// co-host whose background file is refused by its content (the file's
// checks, R-DECL-20) and then kept; the key people imported from a
// spreadsheet, a bad cell named by row and column and nothing imported,
// then the good file; submit; and the record page with its due date and
// who holds it now.
func declarationTabs(t *testing.T, s *site, b *browser) {
	d, _ := s.draftDeclaration(t, "basic", "attendance", "content", "agenda", "contacts")
	b.t = t
	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))

	// Budget: a line saved, then two lines with an error each: both come
	// back at once, each next to its input, in the summary by row.
	app.open("/declarations/" + d + "/edit?tab=budget")
	app.fill(map[string]string{"f-budget-0-source": "self_raised", "f-budget-0-amount": "50000"})
	app.click(`#save-draft`)
	app.waitFor(`location.search.includes('saved=1')`)
	if v := eval[string](app, `document.querySelector('#f-budget-0-amount').value`); v != "50000.00" {
		t.Errorf("the saved budget line reads %q", v)
	}
	app.fill(map[string]string{"f-budget-0-amount": "-1", "f-budget-1-source": "sponsorship", "f-budget-1-amount": "12.345"})
	app.click(`#save-draft`)
	app.waitFor(`!!document.querySelector('#error-summary')`)
	for _, id := range []string{"f-budget-0-amount", "f-budget-1-amount"} {
		if msg := app.text("#" + id + "-error"); msg == "" {
			t.Errorf("budget: no error next to %s; summary %q", id, app.text("#error-summary"))
		}
	}
	contains(t, "budget error summary", app.text("#error-summary"), "经费预算 · 第2行 · 金额（元）")
	app.shot("declaration-budget-errors")
	app.axe("declaration budget with errors")
	app.fill(map[string]string{"f-budget-0-amount": "50000", "f-budget-1-amount": "8000.50"})
	app.click(`#save-draft`)
	app.waitFor(`location.search.includes('saved=1')`)
	if v := eval[string](app, `document.querySelector('#f-budget-1-amount').value`); v != "8000.50" {
		t.Errorf("the second budget line reads %q", v)
	}

	// Hosting: a foreign co-host's background that is no PDF is refused by
	// its content, next to the file input; a real PDF is kept.
	dir := t.TempDir()
	fake := filepath.Join(dir, "背景.pdf")
	pdf := filepath.Join(dir, "background.pdf")
	if err := os.WriteFile(fake, []byte("just some text, not a PDF"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	app.click(`.tabs a[href$="tab=hosting"]`)
	row := eval[int](app, `document.querySelectorAll('fieldset.row').length`) - 1 // the empty row
	pre := "f-hosting-" + itoa(row) + "-"
	app.fill(map[string]string{pre + "role": "co_organiser", pre + "nameZh": "伦敦示例学会", pre + "nameEn": "Example Society London", pre + "website": "https://example.org"})
	app.do(chromedp.Click(chromedp.ID(pre+"foreign")), chromedp.Click(chromedp.ID(pre+"websiteChecked")),
		chromedp.SetUploadFiles(chromedp.ID(pre+"background"), []string{fake}))
	app.click(`#save-draft`)
	app.waitFor(`!!document.querySelector('#` + pre + `background-error')`)
	contains(t, "refused upload", app.text("#"+pre+"background-error"), "背景.pdf")
	if v := eval[string](app, `document.querySelector('#`+pre+`nameZh').value`); v != "伦敦示例学会" {
		t.Errorf("after a refused upload the row's name reads %q; want it kept", v)
	}
	app.shot("declaration-upload-refused")
	app.do(chromedp.SetUploadFiles(chromedp.ID(pre+"background"), []string{pdf}))
	app.click(`#save-draft`)
	app.waitFor(`location.search.includes('saved=1')`)
	contains(t, "kept upload", app.text("#"+pre+"background-current"), "background.pdf")

	// People: a spreadsheet with a bad cell imports nothing and names the
	// cell; the good one replaces the key people.
	app.click(`.tabs a[href$="tab=people"]`)
	bad := peopleSheet(t, dir, "bad.xlsx", [][]string{{"会议主席", "", "中国", "示范大学", "教授"}})
	good := peopleSheet(t, dir, "good.xlsx", [][]string{{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "Jane Roe", "英国", "Example College", "Professor"}})
	app.do(chromedp.SetUploadFiles(chromedp.ID("f-people-sheet"), []string{bad}))
	app.click(`#import-people`)
	app.waitFor(`!!document.querySelector('#f-people-sheet-error')`)
	contains(t, "cell error", app.text("#f-people-sheet-error"), "B2")
	app.shot("declaration-people-cell-errors")
	app.axe("declaration people with cell errors")
	app.do(chromedp.SetUploadFiles(chromedp.ID("f-people-sheet"), []string{good}))
	app.click(`#import-people`)
	app.waitFor(`location.search.includes('saved=1')`)
	if v := eval[string](app, `document.querySelector('#f-people-chairs-0-name').value`); v != "李主席" {
		t.Errorf("imported chair reads %q", v)
	}
	if v := eval[string](app, `document.querySelector('#f-people-foreign-0-institution').value`); v != "Example College" {
		t.Errorf("imported foreign delegate's institution reads %q", v)
	}

	// Submit, then the record: who holds it, and its due dates.
	app.do(chromedp.Click(chromedp.ID("f-commitment")))
	app.click(`#submit-declaration`)
	app.waitFor(`location.pathname === '/declarations/` + d + `'`)
	app.waitFor(`document.querySelector('#record-status').dataset.status === 'submitted'`)
	contains(t, "holder", app.text(".status"), "单位管理员")
	if app.text("#submit-by") == "" {
		t.Error("the declaration's page shows no submit-by date")
	}
	app.shot("declaration-submitted")
}

// peopleSheet writes the API's key-people template with rows filled in.
func peopleSheet(t *testing.T, dir, name string, rows [][]string) string {
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
			if err := f.SetCellValue(httpapi.PeopleTemplate.Sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func itoa(n int) string { return string(rune('0' + n)) }

// historyPage: the auditor replays a forecast from its stream: every
// event with its policy version and hash, the chain intact; as of the
// first event (its link) and as of a moment typed into the time control,
// the status and version then.
func historyPage(t *testing.T, s *site, b *browser) {
	start := s.clock.Now()
	fid, _ := s.approvedForecast(t)
	b.t = t
	aud := b.user("auditor")
	aud.signIn(s.email(domain.RoleAuditor), password(domain.RoleAuditor))
	aud.open("/forecasts/" + fid)
	aud.click(`#history-link`)
	if n := eval[int](aud, `document.querySelectorAll('#history tbody tr').length`); n != 4 {
		t.Errorf("history rows %d; want the submission and three approvals", n)
	}
	if v := eval[string](aud, `document.querySelector('#chain').dataset.intact`); v != "true" {
		t.Errorf("chain check %q; want intact", v)
	}
	if p := aud.text("#history tbody tr:last-child .policy"); p == "" {
		t.Error("the last decision shows no policy version")
	}
	aud.shot("history")
	aud.axe("history")
	aud.click(`#history tbody tr:first-child a`)
	if st := aud.text("#history-status"); st != "个人申请" {
		t.Errorf("as of the submission the status reads %q; want 个人申请", st)
	}
	if n := eval[int](aud, `document.querySelectorAll('#history tbody tr').length`); n != 1 {
		t.Errorf("as of the submission %d events; want 1", n)
	}
	// One minute on, the unit had approved.
	aud.fill(map[string]string{"f-asOf": start.Add(time.Minute).In(domain.Shanghai).Format("2006-01-02T15:04")})
	aud.click(`#as-of-form button[type=submit]`)
	if st := aud.text("#history-status"); st != "单位初审通过" {
		t.Errorf("as of a minute on the status reads %q; want 单位初审通过", st)
	}
	if v := aud.text("#history-version"); v != "2" {
		t.Errorf("as of a minute on the version is %s; want 2", v)
	}
	aud.shot("history-as-of")
}

// statisticsPage: the school's charts, drawn as SVG on the server, count
// the declarations, by status, scale and unit.
func statisticsPage(t *testing.T, s *site, b *browser) {
	s.submittedDeclaration(t)
	b.t = t
	sch := b.user("school")
	sch.signIn(s.email(domain.RoleSchoolAdmin), password(domain.RoleSchoolAdmin))
	sch.open("/statistics")
	if n := eval[int](sch, `document.querySelectorAll('#chart-declarations-status rect.bar').length`); n != 9 {
		t.Errorf("declarations by status: %d bars; want one a status", n)
	}
	if n := eval[int](sch, `[...document.querySelectorAll('#chart-declarations-status rect.bar')].filter(r => +r.getAttribute('width') > 0).length`); n < 1 {
		t.Error("declarations by status: every bar is empty")
	}
	contains(t, "declarations by unit", eval[string](sch, `document.querySelector('#chart-unit').textContent`), "计算机学院")
	// Lead times (submission to opening) per unit, a bar each.
	contains(t, "lead times", eval[string](sch, `document.querySelector('#chart-lead-times').textContent`), "计算机学院")
	if n := eval[int](sch, `document.querySelectorAll('svg image, svg use, svg foreignObject, script[src^="http"]').length`); n != 0 {
		t.Errorf("the charts refer to %d outside things", n)
	}
	sch.shot("statistics")
	sch.axe("statistics")
}

// adminPages: the platform admin creates a unit and an account for its
// admin (a weak password refused next to its input first), who signs in
// and sees none of another unit's declarations; disables the account,
// whose sign-in then fails; previews a policy's differences from the one
// in force and publishes it; reads the read models' status.
func adminPages(t *testing.T, s *site, b *browser) {
	b.t = t
	adm := b.user("platform admin")
	adm.signIn(s.email(domain.RolePlatformAdmin), password(domain.RolePlatformAdmin))
	adm.click(`#admin-link`)
	adm.fill(map[string]string{"f-kind": "unit", "f-nameZh": "物理学院", "f-nameEn": "School of Physics", "f-parentId": s.tree.University.String()})
	adm.click(`#create-org`)
	adm.waitFor(`location.search.includes('done=1')`)
	contains(t, "organisations", adm.text("#orgs"), "物理学院")
	adm.shot("admin-organisations")
	adm.axe("admin organisations")

	adm.open("/admin/users")
	unitID := eval[string](adm, `[...document.querySelectorAll('#f-orgId option')].find(o => o.textContent.startsWith('物理学院')).value`)
	const email = "physics-admin@demo-univ.edu.cn"
	adm.fill(map[string]string{"f-email": email, "f-name": "钱物理", "f-role": "unit_admin", "f-orgId": unitID, "f-password": "short"})
	adm.click(`#create-user`)
	adm.waitFor(`!!document.querySelector('#f-password-error')`)
	const pw = "copper lantern seventy 7"
	adm.fill(map[string]string{"f-password": pw})
	adm.click(`#create-user`)
	adm.waitFor(`location.search.includes('done=1')`)
	contains(t, "accounts", adm.text("#users"), email)
	adm.shot("admin-users")
	adm.axe("admin accounts")

	// The new unit's admin sees none of the other units' declarations.
	phy := b.user("physics unit admin")
	phy.signIn(email, pw)
	phy.open("/declarations")
	if n := eval[int](phy, `document.querySelectorAll('#results tbody tr').length`); n != 0 {
		t.Errorf("another unit's admin lists %d declarations; want none", n)
	}

	// Disabled, the account signs in no more.
	adm.click(`tr[data-email="` + email + `"] button.toggle-active`)
	adm.waitFor(`location.search.includes('done=1')`)
	contains(t, "disabled account", adm.text(`tr[data-email="`+email+`"] .state`), "已停用")
	s.apiAs(t, "", "POST", "/auth/login", map[string]string{"email": email, "password": pw}, 401)

	// The policy: the differences first, then publish.
	adm.open("/admin/policy")
	adm.do(chromedp.Evaluate[chromedp.Void](`(() => { const ta = document.querySelector('#f-policy'); const p = JSON.parse(ta.value); p.version = 'web-test-2'; ta.value = JSON.stringify(p, null, 2); })()`))
	adm.click(`#preview`)
	adm.waitFor(`!!document.querySelector('#policy-diff')`)
	contains(t, "policy diff", adm.text("#policy-diff del"), `"version"`)
	contains(t, "policy diff", adm.text("#policy-diff ins"), "web-test-2")
	adm.shot("admin-policy-diff")
	adm.axe("admin policy diff")
	adm.click(`#publish`)
	adm.waitFor(`location.search.includes('done=1')`)
	contains(t, "published policy", eval[string](adm, `document.querySelector('#f-policy').value`), "web-test-2")

	adm.open("/admin/projections")
	if n := eval[int](adm, `document.querySelectorAll('#read-models tbody tr').length`); n < 3 {
		t.Errorf("read models listed: %d", n)
	}
	contains(t, "readiness", adm.text("#ready"), "是")
	adm.shot("admin-projections")
}

// approvedDeclaration makes a declaration the authority approved.
func (s *site) approvedDeclaration(t *testing.T) string {
	t.Helper()
	d := s.submittedDeclaration(t)
	for _, step := range []struct {
		role   domain.Role
		action string
	}{{domain.RoleUnitAdmin, "approve-unit"}, {domain.RoleSchoolAdmin, "approve-school"}, {domain.RoleAuthorityReviewer, "approve-authority"}} {
		s.apiAs(t, s.token(t, step.role), "POST", "/declarations/"+d+"/"+step.action, nil, 200)
	}
	return d
}

// changeProfileWithdraw: the applicant asks to change an approved
// conference's dates (a missing description refused next to its box
// first); the school sees the values before and after and approves; the
// applicant edits the profile (the name is required) and withdraws a
// forecast still in review.
func changeProfileWithdraw(t *testing.T, s *site, b *browser) {
	d := s.approvedDeclaration(t)
	b.t = t
	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	app.open("/declarations/" + d)
	app.click(`#change-link`)
	app.fill(map[string]string{"f-change-changes-dates-start": "2027-05-11", "f-change-changes-dates-end": "2027-05-13"})
	app.click(`#save-aftercare`)
	app.waitFor(`!!document.querySelector('#f-change-description-error')`)
	if v := eval[string](app, `document.querySelector('#f-change-changes-dates-end').value`); v != "2027-05-13" {
		t.Errorf("after the refusal the new end date reads %q; want it kept", v)
	}
	app.shot("change-request-errors")
	app.fill(map[string]string{"f-change-description": "因会场调整，会期推迟一天。"})
	app.click(`#save-aftercare`)
	app.waitFor(`location.search.includes('done=1')`)
	if st := eval[string](app, `document.querySelector('#aftercare-status').dataset.status`); st != "requested" {
		t.Errorf("change request status %q; want requested", st)
	}
	contains(t, "change values", app.text("#change-diff"), "2027-05-13")

	sch := b.user("school")
	sch.signIn(s.email(domain.RoleSchoolAdmin), password(domain.RoleSchoolAdmin))
	// The request waits in the school's inbox.
	sch.inboxLink("inbox_chg_review", "/declarations/"+d+"/change")
	sch.axe("change request review")
	sch.shot("change-request-review")
	sch.fill(map[string]string{"f-comment": "同意变更"})
	sch.click(`#approve`)
	sch.waitFor(`document.querySelector('#aftercare-status').dataset.status === 'approved'`)
	contains(t, "change log", sch.text("#approval-log"), "同意变更")

	// The profile: the name is required; then saved.
	app.click(`#profile-link`)
	app.do(chromedp.Evaluate[chromedp.Void](`document.querySelector('#f-name').value = ''`))
	app.fill(map[string]string{"f-mobile": "13800000001", "f-title": "教授"})
	app.click(`#save-profile`)
	app.waitFor(`!!document.querySelector('#f-name-error')`)
	app.fill(map[string]string{"f-name": "张明远"})
	app.click(`#save-profile`)
	app.waitFor(`location.search.includes('done=1')`)
	// The form comes back filled with the profile as saved.
	app.open("/profile")
	if got := eval[string](app, `['f-name','f-mobile','f-title'].map(id => document.getElementById(id).value).join('|')`); got != "张明远|13800000001|教授" {
		t.Errorf("the profile form reads %q; want the saved profile", got)
	}
	app.shot("profile")
	app.axe("profile")

	// Withdraw a forecast still in review.
	fid := s.apiAs(t, s.token(t, domain.RoleApplicant), "POST", "/forecasts", map[string]any{
		"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "计算机学院", "department": "软件工程系", "mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
		"nameZh":    "2027年机器学习国际研讨会", "nameEn": "2027 International Workshop on Machine Learning",
		"startDate": "2027-06-10", "commitmentDate": "2027-02-15", "local": true, "province": "湖北省", "address": "武汉市洪山区示范路1号",
		"type": "natural_science", "scale": "general", "chineseCount": 100, "foreignCount": 20, "fundingSource": "学院自筹",
		"organisations": []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
	}, 201)["id"].(string)
	app.open("/forecasts/" + fid)
	app.do(chromedp.Click(chromedp.CSS(`details.panel summary`)))
	app.fill(map[string]string{"f-reason": "计划取消"})
	app.click(`#withdraw`)
	app.waitFor(`document.querySelector('#record-status').dataset.status === 'withdrawn'`)
}

// summaryPage: after the conference the applicant opens its summary,
// saves a draft with a photo (a PNG named .jpg refused by its content
// first), and hands it in: every unmet rule of R-SUM-03 at once.
func summaryPage(t *testing.T, s *site, b *browser) {
	d := s.approvedDeclaration(t)
	s.clock.Set(time.Date(2027, 5, 13, 10, 0, 0, 0, domain.Shanghai))
	b.t = t
	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	// The drafts whose last day to submit has passed are overdue, in red.
	app.open("/")
	if eval[int](app, `document.querySelectorAll('section[aria-labelledby="sec-inbox_decl_drafts"] td .overdue').length`) == 0 {
		t.Errorf("no overdue draft in the applicant's inbox: %s", app.text(`section[aria-labelledby="sec-inbox_decl_drafts"]`))
	}
	if c := eval[string](app, `getComputedStyle(document.querySelector('td .overdue')).color`); c == "rgb(0, 0, 0)" {
		t.Errorf("overdue reads in %s; want red", c)
	}
	app.shot("inbox-overdue")
	// The summary to write waits in the applicant's inbox, with its due date.
	app.inboxLink("inbox_sum_write", "/declarations/"+d+"/summary")
	dir := t.TempDir()
	png := filepath.Join(dir, "photo.jpg")
	jpg := filepath.Join(dir, "会场.jpg")
	if err := os.WriteFile(png, []byte("\x89PNG\r\n\x1a\nnot really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jpg, []byte("\xff\xd8\xff\xe0 a tiny jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	app.fill(map[string]string{"f-summary-academic": "会议围绕分布式系统的可靠性展开了讨论。", "f-summary-attendance-0-region": "mainland",
		"f-summary-attendance-0-count": "100", "f-summary-photos-0-caption": "开幕式"})
	app.do(chromedp.SetUploadFiles(chromedp.ID("f-summary-photos-0-file"), []string{png}))
	app.click(`#save-aftercare`)
	app.waitFor(`!!document.querySelector('#f-summary-photos-0-file-error')`)
	app.do(chromedp.SetUploadFiles(chromedp.ID("f-summary-photos-0-file"), []string{jpg}))
	app.click(`#save-aftercare`)
	app.waitFor(`location.search.includes('done=1')`)
	contains(t, "kept photo", app.text("#f-summary-photos-0-file-current"), "会场.jpg")
	if st := eval[string](app, `document.querySelector('#aftercare-status').dataset.status`); st != "draft" {
		t.Errorf("summary status %q; want draft", st)
	}
	app.click(`#submit-summary`)
	app.waitFor(`!!document.querySelector('#error-summary')`)
	if n := eval[int](app, `document.querySelectorAll('#error-summary li').length`); n < 3 {
		t.Errorf("handing in the incomplete summary lists %d problems; want every unmet rule", n)
	}
	if app.text("#f-summary-academic-error") == "" {
		t.Error("no error next to the too short academic summary")
	}
	app.shot("summary-submit-errors")
	app.axe("summary with errors")
}

// keyboardForm fills a declaration tab with the keyboard only: Tab to
// the first input, type, Tab, type, Enter saves; an error lands the focus
// on the summary, whose link (Tab, Enter) moves it to the input.
func keyboardForm(t *testing.T, s *site, b *browser) {
	d, _ := s.draftDeclaration(t, "basic")
	b.t = t
	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	app.open("/declarations/" + d + "/edit?tab=attendance")
	app.tabTo("f-attendance-foreign")
	app.do(chromedp.KeyEvent("40"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("100"), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent("10"),
		chromedp.Evaluate[chromedp.Void](`window.__left = true`), pressEnter())
	app.waitFor(`!window.__left && document.readyState === 'complete' && location.search.includes('saved=1')`)
	if v := eval[string](app, `document.querySelector('#f-attendance-hkMacaoTaiwan').value`); v != "10" {
		t.Errorf("typed attendance reads %q", v)
	}
	app.open("/declarations/" + d + "/edit?tab=budget")
	app.tabTo("f-budget-0-amount")
	app.do(chromedp.KeyEvent("1.234"), chromedp.Evaluate[chromedp.Void](`window.__left = true`), pressEnter())
	app.waitFor(`!window.__left && document.readyState === 'complete' && !!document.querySelector('#error-summary')`)
	// Each key waits for the focus the one before it moved.
	app.waitFor(`document.activeElement.id === 'error-summary'`)
	app.do(chromedp.KeyEvent(kb.Tab))
	app.waitFor(`document.activeElement.matches('#error-summary a')`)
	app.do(pressEnter())
	app.waitFor(`document.activeElement.id === 'f-budget-0-amount'`)
}

// pressEnter presses Enter as a keyboard does: one keyDown carrying the
// text "\r" (the browser makes the keypress from it) and a keyUp.
// chromedp.KeyEvent(kb.Enter) sends a separate char event instead, which
// Chrome does not suppress when the keydown activated a link: the error
// summary's link moves the focus to its input on keydown and the stray
// "\r" then submits the form from there, which no real keyboard does.
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		key := input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
		down, up := key, key
		down.Type, down.Text, down.UnmodifiedText = input.DispatchKeyEventTypeKeyDown, "\r", "\r"
		up.Type = input.DispatchKeyEventTypeKeyUp
		for _, k := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// tabTo presses Tab until the input id has the focus.
func (tb *tab) tabTo(id string) {
	tb.t.Helper()
	for i := 0; eval[string](tb, `document.activeElement ? document.activeElement.id : ''`) != id; i++ {
		if i == 80 {
			tb.t.Fatalf("%s: Tab never reached %s", tb.name, id)
		}
		tb.do(chromedp.KeyEvent(kb.Tab))
	}
}

// paging: 21 forecasts are two pages of the list; Next and Previous walk
// them, keeping the filter.
func paging(t *testing.T, s *site, b *browser) {
	tok := s.token(t, domain.RoleApplicant)
	for i := range 21 {
		s.apiAs(t, tok, "POST", "/forecasts", map[string]any{
			"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "计算机学院", "department": "软件工程系", "mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
			"nameZh":    "2027年翻页测试国际研讨会第" + itoa2(i+1) + "场", "nameEn": "2027 Paging Workshop " + itoa2(i+1),
			"startDate": "2027-06-10", "commitmentDate": "2027-02-15", "local": true, "province": "湖北省", "address": "武汉市洪山区示范路1号",
			"type": "natural_science", "scale": "general", "chineseCount": 100, "foreignCount": 20, "fundingSource": "学院自筹",
			"organisations": []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
		}, 201)
	}
	b.t = t
	u := b.user("unit admin")
	u.signIn(s.email(domain.RoleUnitAdmin), password(domain.RoleUnitAdmin))
	// The list is a read model: look again until it has taken them in.
	for i := 0; ; i++ {
		u.open("/forecasts?q=" + "翻页测试" + "&sort=nameEn&order=asc")
		if eval[int](u, `document.querySelectorAll('#results tbody tr').length`) == 20 && u.text(`a[rel=next]`) != "" {
			break
		}
		if i == 50 {
			t.Fatalf("the list never showed 20 rows and a next page: %s", u.text("#results"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	u.click(`a[rel=next]`)
	if n := eval[int](u, `document.querySelectorAll('#results tbody tr').length`); n != 1 {
		t.Errorf("page 2 has %d rows; want 1", n)
	}
	contains(t, "page 2 keeps the keyword", eval[string](u, `location.search`), "q=")
	contains(t, "page 2's row", u.text("#results tbody"), "2027年翻页测试国际研讨会第21场")
	u.click(`a[rel=prev]`)
	if n := eval[int](u, `document.querySelectorAll('#results tbody tr').length`); n != 20 {
		t.Errorf("back on page 1: %d rows; want 20", n)
	}
}

func itoa2(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

// oversizedForm: a form body above the largest upload is refused with 413
// and a message before it is read, never a 500 or the CSRF refusal.
func oversizedForm(t *testing.T, s *site) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", "x")
	fw, _ := w.CreateFormFile("hosting[0].background", "big.pdf")
	_, _ = fw.Write(bytes.Repeat([]byte("%PDF-1.4 "), 53<<20/9+1))
	_ = w.Close()
	req, err := http.NewRequest("POST", s.url+"/declarations/00000000-0000-0000-0000-000000000001/edit", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	p := send(t, s.client(t), req)
	if p.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("an oversized form: %d %.200s; want 413", p.status, p.body)
	}
	contains(t, "oversized form", p.body, "too large")
}

// upload stores a file through the API as the holder of token and
// returns its description.
func (s *site) upload(t *testing.T, token, kind, name string, data []byte) map[string]any {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+"/api/v1/files?kind="+kind+"&name="+url.QueryEscape(name), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var f map[string]any
	if err := json.NewDecoder(res.Body).Decode(&f); err != nil || res.StatusCode != 201 {
		t.Fatalf("upload %s: %d %v", name, res.StatusCode, f)
	}
	delete(f, "kind")
	delete(f, "storedAt")
	delete(f, "ownerId")
	return f
}

// summaryReview: a complete summary handed in through the API; the school
// accepts it in the browser, and the statistics then count its actual
// attendance by region and country.
func summaryReview(t *testing.T, s *site, b *browser) {
	// The forecast behind the conference is made in its window, the
	// summary after the conference.
	s.clock.Set(inWindow.Add(2 * time.Hour))
	d := s.approvedDeclaration(t)
	s.clock.Set(time.Date(2027, 5, 14, 10, 0, 0, 0, domain.Shanghai))
	app := s.token(t, domain.RoleApplicant)
	var photos []any
	for i := range 3 {
		photos = append(photos, map[string]any{"file": s.upload(t, app, "summary_photo", fmt.Sprintf("photo-%d.jpg", i), []byte(fmt.Sprintf("\xff\xd8\xff\xe0 photo %d", i))), "caption": "会场"})
	}
	s.apiAs(t, app, "PUT", "/declarations/"+d+"/summary", map[string]any{
		"academic": strings.Repeat("会议围绕分布式系统的可靠性展开深入讨论。", 160), "papersDomestic": 30, "papersForeign": 12,
		"proceedings": "论文集已由示范大学出版社出版。", "photos": photos,
		"proceedingsFile": s.upload(t, app, "proceedings", "proceedings.pdf", []byte("%PDF-1.4\n%%EOF\n")),
		"attendance": []any{map[string]any{"region": "mainland", "count": 95}, map[string]any{"region": "hong_kong", "count": 5},
			map[string]any{"region": "foreign", "country": "英国", "count": 25}, map[string]any{"region": "foreign", "country": "美国", "count": 15}},
		"domestic": []any{map[string]any{"name": "李主席", "country": "中国", "institution": "示范大学"}},
		"foreign":  []any{map[string]any{"name": "Jane Roe", "country": "英国", "institution": "Example College"}},
	}, 200)
	s.apiAs(t, app, "POST", "/declarations/"+d+"/summary/submit", nil, 200)
	b.t = t
	sch := b.user("school")
	sch.signIn(s.email(domain.RoleSchoolAdmin), password(domain.RoleSchoolAdmin))
	sch.inboxLink("inbox_sum_review", "/declarations/"+d+"/summary")
	sch.axe("summary review")
	sch.fill(map[string]string{"f-comment": "总结完整"})
	sch.click(`#approve`)
	sch.waitFor(`document.querySelector('#aftercare-status').dataset.status === 'accepted'`)
	sch.open("/statistics")
	sch.waitFor(`!!document.querySelector('#chart-attendance')`)
	att := eval[string](sch, `document.querySelector('#chart-attendance').textContent`)
	for _, want := range []string{"英国", "美国", "大陆", "香港"} {
		contains(t, "attendance chart", att, want)
	}
	sch.shot("statistics-attendance")
}

// inboxRow opens the inbox until its section key lists href, and reads
// that row.
func (tb *tab) inboxRow(key, href string) string {
	tb.t.Helper()
	sel := `section[aria-labelledby="sec-` + key + `"] a[href="` + href + `"]`
	for i := 0; ; i++ {
		tb.open("/")
		if eval[bool](tb, `!!document.querySelector('`+sel+`')`) {
			return eval[string](tb, `document.querySelector('`+sel+`').closest('tr').innerText`)
		}
		if i == 50 {
			tb.t.Fatalf("%s: the inbox never listed %s under %s: %s", tb.name, href, key, tb.text("main"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// inboxLink opens the inbox until its section key lists href (its lists
// are read models, which take the last command in a moment), and follows
// the link.
func (tb *tab) inboxLink(key, href string) {
	tb.t.Helper()
	sel := `section[aria-labelledby="sec-` + key + `"] a[href="` + href + `"]`
	for i := 0; ; i++ {
		tb.open("/")
		if eval[bool](tb, `!!document.querySelector('`+sel+`')`) {
			break
		}
		if i == 50 {
			tb.t.Fatalf("%s: the inbox never listed %s under %s: %s", tb.name, href, key, tb.text("main"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.click(sel)
}
