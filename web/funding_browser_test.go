package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/econf/econf/domain"
)

// academyPassword is the academy accounts' password (R-AUTH-01).
const academyPassword = "copper lantern drifts 73"

// fundingAcademy makes an academy's tree through the API as the platform
// admin: its bureau with a reviewer, an institute with its administrator.
func (s *site) fundingAcademy(t *testing.T) (reviewer, admin string) {
	t.Helper()
	pa := s.token(t, domain.RolePlatformAdmin)
	org := func(kind, name, parent string) string {
		body := map[string]any{"kind": kind, "nameZh": name}
		if parent != "" {
			body["parentId"] = parent
		}
		return s.apiAs(t, pa, "POST", "/organisations", body, 201)["id"].(string)
	}
	bureau := org("bureau", "示范科学院国际合作局", "")
	academy := org("academy", "示范科学院", bureau)
	institute := org("institute", "示范物理研究所", academy)
	s.apiAs(t, pa, "POST", "/users", map[string]any{"email": "reviewer@bureau.demo-academy.cn", "name": "审核员甲", "role": "authority_reviewer", "orgId": bureau, "password": academyPassword}, 201)
	s.apiAs(t, pa, "POST", "/users", map[string]any{"email": "admin@phys.demo-academy.cn", "name": "管理员乙", "role": "unit_admin", "orgId": institute, "password": academyPassword}, 201)
	return "reviewer@bureau.demo-academy.cn", "admin@phys.demo-academy.cn"
}

// fundingWalk (seed 002) through the pages: the bureau publishes the call
// (a budget that is no amount refused next to its input); the institute
// fills in the application, every rule the API finds unmet shown next to
// its input at once (R-FUND-01, R-FUND-02), fixes it with the approval's
// scan uploaded and submits; the bureau finds it in its inbox, a grant
// above the request refused next to the amount (R-FUND-05), a decision
// from a page gone stale said plainly, grants; the plan shows the grants
// against the budget per category and is decided with its notice PDF
// (R-FUND-05); the institute acknowledges the funder (no evidence refused
// next to its input first) and reads its eligibility; the list in English.
func fundingWalk(t *testing.T, s *site, b *browser) {
	s.clock.Set(time.Date(2027, 5, 20, 10, 0, 0, 0, domain.Shanghai))
	reviewerEmail, adminEmail := s.fundingAcademy(t)
	b.t = t
	dir := t.TempDir()
	scan := filepath.Join(dir, "批件.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	rev := b.user("bureau reviewer")
	rev.signIn(reviewerEmail, academyPassword)
	rev.open("/funding")
	rev.fill(map[string]string{"f-budgetFen": "两百万"})
	rev.click(`#publish-call`)
	rev.waitFor(`!!document.querySelector('#f-budgetFen-error')`)
	rev.fill(map[string]string{"f-budgetFen": "2000000"})
	rev.click(`#publish-call`)
	rev.waitFor(`location.search.includes('done=call')`)
	contains(t, "the calls", rev.text("#fund-calls"), "2,000,000.00")

	adm := b.user("institute admin")
	adm.signIn(adminEmail, academyPassword)
	adm.open("/funding")
	adm.click(`#fund-new`)
	adm.do(chromedp.SetValue(chromedp.ID("f-category"), "2"), chromedp.SetValue(chromedp.ID("f-nature"), "academy_led"))
	adm.fill(map[string]string{
		"f-conference-nameZh": "国际凝聚态物理研讨会", "f-conference-nameEn": "International Workshop on Condensed Matter",
		"f-conference-openingDate": "2028-04-08", "f-conference-closingDate": "2028-04-10", "f-conference-city": "合肥",
		"f-attendance-total": "400", "f-attendance-foreign": "30",
		"f-budget-totalFen": "300000", "f-budget-sources-0-name": "注册费", "f-budget-sources-0-amountFen": "200000",
		"f-requestedFen": "100000",
	})
	adm.click(`#save-funding`)
	adm.waitFor(`!!document.querySelector('#error-summary')`)
	for _, id := range []string{"f-attendance-foreign-error", "f-academyFirstHost-error"} {
		if adm.text("#"+id) == "" {
			t.Errorf("no error next to %s: %s", id, adm.text("#error-summary"))
		}
	}
	contains(t, "the approval's error in its box", adm.text("#f-approval-error"), "R-FUND-02")
	if v := eval[string](adm, `document.querySelector('#f-budget-sources-0-amountFen').value`); v != "200000" {
		t.Errorf("after the refusal the source's amount reads %q; want it kept", v)
	}
	adm.shot("funding-form-errors")
	adm.axe("funding form with errors")
	adm.do(chromedp.Click(chromedp.ID("f-academyFirstHost")), chromedp.SetUploadFiles(chromedp.ID("f-approval-scanFileId"), []string{scan}))
	adm.fill(map[string]string{"f-attendance-foreign": "90", "f-approval-number": "科发际批〔2027〕8号", "f-approval-date": "2027-02-20"})
	adm.click(`#save-funding`)
	adm.waitFor(`location.search.includes('saved=1')`)
	contains(t, "the kept scan", adm.text("#f-approval-scanFileId-current"), "批件.pdf")
	adm.click(`#submit-funding`)
	adm.waitFor(`document.querySelector('#record-status') && document.querySelector('#record-status').dataset.status === 'submitted'`)
	id := strings.TrimPrefix(eval[string](adm, `location.pathname`), "/funding/")
	adm.inboxRow("inbox_fund_progress", "/funding/"+id)

	// The bureau: the application waits in its inbox.
	rev.inboxLink("inbox_fund_review", "/funding/"+id)
	stale := rev.another("bureau reviewer, second tab")
	stale.open("/funding/" + id)
	rev.fill(map[string]string{"f-amount": "150000"})
	rev.click(`#grant`)
	rev.waitFor(`!!document.querySelector('#f-amount-error')`)
	contains(t, "grant above the request", rev.text("#f-amount-error"), "R-FUND-05")
	rev.axe("funding review with errors")
	rev.fill(map[string]string{"f-amount": "100000", "f-comment": "同意资助"})
	rev.click(`#grant`)
	rev.waitFor(`document.querySelector('#record-status').dataset.status === 'granted'`)
	contains(t, "the log", rev.text("#approval-log"), "同意资助")
	rev.shot("funding-record-granted")
	// The second tab still shows the application submitted.
	stale.fill(map[string]string{"f-comment": "材料不全"})
	stale.click(`#return`)
	stale.waitFor(`!!document.querySelector('#page-error')`)
	contains(t, "stale decision", stale.text("#page-error"), "已被他人处理")
	if st := eval[string](stale, `document.querySelector('#record-status').dataset.status`); st != "granted" {
		t.Errorf("the stale page now shows %q; want granted", st)
	}

	// The plan: grants against the budget per category, decided once.
	rev.open("/funding/plans/2028")
	contains(t, "plan granted", rev.text("#plan-granted"), "100,000.00")
	contains(t, "plan left", rev.text("#plan-left"), "1,900,000.00")
	contains(t, "plan categories", rev.text("#plan-categories"), "100,000.00")
	rev.fill(map[string]string{"f-comment": "经院领导审定"})
	rev.click(`#decide-plan`)
	rev.waitFor(`location.search.includes('done=1') && !!document.querySelector('#plan-lines')`)
	contains(t, "plan lines", rev.text("#plan-lines"), "国际凝聚态物理研讨会")
	if ct, err := chromedp.Run(rev.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#notice-pdf').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`, chromedp.EvalAwaitPromise)); err != nil || ct != "200 application/pdf" {
		t.Errorf("the notice: %s %v", ct, err)
	}
	rev.shot("funding-plan")
	rev.axe("funding plan")

	// The institute: acknowledge the funder, evidence required.
	adm.open("/funding/" + id)
	adm.fill(map[string]string{"f-acknowledgement-note": "会议手册封底已标注"})
	adm.click(`#send-acknowledgement`)
	adm.waitFor(`!!document.querySelector('#f-acknowledgement-evidence-error')`)
	contains(t, "no evidence", adm.text("#f-acknowledgement-evidence-error"), "R-FUND-05")
	adm.do(chromedp.SetUploadFiles(chromedp.ID("f-acknowledgement-evidence"), []string{scan}))
	adm.click(`#send-acknowledgement`)
	adm.waitFor(`location.search.includes('done=report')`)
	adm.shot("funding-record-institute")
	adm.axe("funding record (institute)")
	adm.open("/funding/eligibility")
	if e := eval[string](adm, `document.querySelector('#eligibility').dataset.eligible`); e != "true" {
		t.Errorf("eligibility: %s", adm.text("main"))
	}
	adm.shot("funding-eligibility")
	adm.axe("funding eligibility")

	// The list, in English.
	adm.open("/funding")
	adm.click(`.tools form[action="/lang"] button`)
	adm.waitFor(`document.documentElement.lang === 'en'`)
	contains(t, "the list in English", adm.text("h1"), "Conference funding")
	contains(t, "the row in English", adm.text("#fund-list"), "Granted")
	adm.shot("funding-list-en")
	adm.axe("funding list")
	adm.click(`.tools form[action="/lang"] button`)
	adm.waitFor(`document.documentElement.lang === 'zh-CN'`)

	fundingSanctions(t, s, b, rev, adm, id, scan)
}

// fundingSanctions (第十二条, R-FUND-08) through the pages: the bureau
// claws back part of the grant (one fen above it refused next to the
// amount), suspends the institute's applications (no reason and a period
// ending before it starts refused next to their inputs) and refers its case
// to a department (none named refused next to the input), and all show on
// the institute's eligibility page; the institute's next application is
// refused at submission, the refusal naming the suspension and its last
// day; the bureau's list of institutes says it too; the statistics by
// year and category are charts with their data table for the bureau and
// an analyst (a year out of range refused next to its input).
func fundingSanctions(t *testing.T, s *site, b *browser, rev, adm *tab, id, scan string) {
	rev.open("/funding/" + id)
	rev.fill(map[string]string{"f-clawback-amount": "100000.01", "f-clawback-reason": "会议经费使用不当"})
	rev.click(`#clawback`)
	rev.waitFor(`!!document.querySelector('#f-clawback-amount-error')`)
	contains(t, "a clawback above the grant", rev.text("#f-clawback-amount-error"), "R-FUND-08")
	contains(t, "the grant named", rev.text("#f-clawback-amount-error"), "100000.00")
	if v := eval[string](rev, `document.querySelector('#f-clawback-reason').value`); v != "会议经费使用不当" {
		t.Errorf("after the refusal the reason reads %q; want it kept", v)
	}
	rev.shot("funding-clawback-errors")
	rev.axe("funding clawback with errors")
	rev.fill(map[string]string{"f-clawback-amount": "20000"})
	rev.click(`#clawback`)
	rev.waitFor(`location.search.includes('done=clawback') && !!document.querySelector('#sanctions')`)
	contains(t, "the clawback among the sanctions", rev.text(`#sanctions tr[data-kind="clawback"]`), "20,000.00")
	contains(t, "the clawback's reason", rev.text(`#sanctions tr[data-kind="clawback"]`), "会议经费使用不当")
	if e := eval[string](rev, `document.querySelector('#eligibility').dataset.eligible`); e != "true" {
		t.Errorf("a clawback without a period bars the institute: %s", rev.text("main"))
	}

	// The suspension: errors next to their inputs, nothing recorded.
	rev.fill(map[string]string{"f-suspension-period-from": "2027-06-01", "f-suspension-period-until": "2027-05-31"})
	rev.click(`#suspend`)
	rev.waitFor(`!!document.querySelector('#f-suspension-reason-error')`)
	contains(t, "no reason", rev.text("#f-suspension-reason-error"), "R-FUND-08")
	contains(t, "the period backwards", rev.text("#f-suspension-period-until-error"), "R-FUND-08")
	if n := eval[int](rev, `document.querySelectorAll('#sanctions tr[data-kind="suspension"]').length`); n != 0 {
		t.Errorf("a refused suspension recorded %d", n)
	}
	rev.shot("funding-suspension-errors")
	rev.axe("funding suspension with errors")
	rev.fill(map[string]string{"f-suspension-reason": "会议经费使用不当，暂停申请", "f-suspension-period-from": "2027-05-20", "f-suspension-period-until": "2027-12-31"})
	rev.click(`#suspend`)
	rev.waitFor(`location.search.includes('done=suspension')`)
	if e := eval[string](rev, `document.querySelector('#eligibility').dataset.eligible`); e != "false" {
		t.Errorf("the suspended institute may apply: %s", rev.text("main"))
	}
	contains(t, "the suspension's bar", rev.text(`#bars li[data-rule="R-FUND-08"]`), "2027-12-31")
	contains(t, "the suspension among the sanctions", rev.text(`#sanctions tr[data-kind="suspension"]`), "2027-05-20 — 2027-12-31")
	rev.shot("funding-suspended")
	rev.axe("funding eligibility (bureau)")
	// The referral (移交相关部门进一步处理): the department and the reason
	// required next to their inputs; recorded, it is listed and bars nothing more.
	rev.click(`#refer`)
	rev.waitFor(`!!document.querySelector('#f-referral-to-error')`)
	contains(t, "no department", rev.text("#f-referral-to-error"), "R-FUND-08")
	contains(t, "no reason", rev.text("#f-referral-reason-error"), "R-FUND-08")
	rev.fill(map[string]string{"f-referral-to": "院监察审计局", "f-referral-reason": "会议经费使用不当，移交处理"})
	rev.click(`#refer`)
	rev.waitFor(`location.search.includes('done=referral')`)
	contains(t, "the referral among the sanctions", rev.text(`#sanctions tr[data-kind="referral"]`), "院监察审计局")
	if n := eval[int](rev, `document.querySelectorAll('#bars li').length`); n != 1 {
		t.Errorf("after the referral the institute has %d bars; want the suspension's alone", n)
	}
	rev.shot("funding-referral")
	rev.click(`#eligibility-list`)
	rev.waitFor(`!!document.querySelector('#institutes')`)
	contains(t, "the list of institutes", rev.text(`#institutes tr[data-eligible="false"]`), "2027-12-31")
	rev.shot("funding-institutes")
	rev.axe("funding institutes' eligibility")

	// The institute's next application is refused, naming why and until when.
	adm.open("/funding/new")
	adm.do(chromedp.SetValue(chromedp.ID("f-category"), "2"), chromedp.SetValue(chromedp.ID("f-nature"), "academy_led"),
		chromedp.Click(chromedp.ID("f-academyFirstHost")), chromedp.SetUploadFiles(chromedp.ID("f-approval-scanFileId"), []string{scan}))
	adm.fill(map[string]string{
		"f-conference-nameZh": "国际量子材料研讨会", "f-conference-nameEn": "International Workshop on Quantum Materials",
		"f-conference-openingDate": "2028-09-12", "f-conference-closingDate": "2028-09-14", "f-conference-city": "合肥",
		"f-attendance-total": "300", "f-attendance-foreign": "60", "f-approval-number": "科发际批〔2027〕21号", "f-approval-date": "2027-03-02",
		"f-budget-totalFen": "250000", "f-budget-sources-0-name": "注册费", "f-budget-sources-0-amountFen": "170000",
		"f-requestedFen": "80000",
	})
	adm.click(`#save-funding`)
	adm.waitFor(`location.search.includes('saved=1')`)
	adm.click(`#submit-funding`)
	adm.waitFor(`!!document.querySelector('#error-summary')`)
	contains(t, "the refusal names the suspension", adm.text("#error-summary"), "R-FUND-08")
	contains(t, "the refusal says until when", adm.text("#error-summary"), "2027-12-31")
	contains(t, "the refusal says why", adm.text("#error-summary"), "会议经费使用不当")
	if st := eval[string](adm, `document.querySelector('#record-status').dataset.status`); st != "draft" {
		t.Errorf("the refused application is %q; want draft", st)
	}
	adm.shot("funding-submit-suspended")
	adm.axe("funding submission refused")
	adm.open("/funding/eligibility")
	contains(t, "the institute reads its bar", adm.text("#bars"), "2027-12-31")

	// The statistics by year and category: the bureau, then an analyst.
	rev.open("/funding/statistics?from=1999")
	contains(t, "a year out of range", rev.text("#f-from-error"), "2000")
	rev.open("/funding/statistics")
	for _, c := range []string{"#chart-funding-applications", "#chart-funding-granted"} {
		if n := eval[int](rev, `document.querySelectorAll('`+c+` rect.bar').length`); n == 0 {
			t.Errorf("%s: no bars", c)
		}
	}
	contains(t, "the granted chart", rev.text(`#chart-funding-granted-h`), "100,000.00")
	row := rev.text(`#fund-stats-table tr[data-year="2028"][data-category="2"]`)
	for _, want := range []string{"100,000.00", "20,000.00"} {
		contains(t, "the figures of 2028, category 2", row, want)
	}
	rev.shot("funding-statistics")
	rev.axe("funding statistics")
	an := b.user("analyst")
	an.signIn(s.email(domain.RoleAnalyst), password(domain.RoleAnalyst))
	an.open("/funding")
	an.click(`#fund-statistics`)
	an.waitFor(`!!document.querySelector('#fund-stats-table')`)
	contains(t, "the analyst's figures", an.text(`#fund-stats-table tr[data-year="2028"][data-category="2"]`), "100,000.00")
}
