package web_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/econf/econf/domain"
)

// forecastLifecycle walks a forecast through the pages across
// roles in a real browser: the applicant signs in by keyboard and meets
// every field error next to its input at once, submits; the unit approves
// from its inbox; the school first rejects without a reason (R-FC-05 next
// to the comment box), then with one; the applicant revises; the unit
// approves again; a school tab opened before all that tries to decide and
// is told the page went stale instead of overwriting; the school and the
// authority approve; the approval log shows each step; another unit's
// admin sees none of it. axe-core finds no serious or critical violation
// on the pages, none breaks the CSP, and the main pages are screenshotted.
func forecastLifecycle(t *testing.T, s *site, b *browser) {
	b.t = t

	app := b.user("applicant")
	app.signIn(s.email(domain.RoleApplicant), password(domain.RoleApplicant))
	if n := app.countIn("inbox_progress"); n != "0" {
		t.Errorf("applicant's forecasts in review before any: %s", n)
	}
	app.axe("inbox (applicant)")

	// An empty form: every error at once, each next to its input.
	app.open("/forecasts/new")
	app.click(`form.form-grid button[type=submit]`)
	app.waitFor(`!!document.querySelector('#error-summary')`)
	for _, id := range []string{"f-nameZh", "f-startDate", "f-applicant-title", "f-fundingSource"} {
		if got := eval[string](app, `(document.querySelector('#`+id+`') || {}).getAttribute ? document.querySelector('#`+id+`').getAttribute('aria-invalid') : 'missing'`); got != "true" {
			t.Errorf("empty form: input %s aria-invalid %q; want true", id, got)
		}
		if msg := app.text("#" + id + "-error"); msg == "" {
			t.Errorf("empty form: no error next to %s", id)
		}
	}
	if n := eval[int](app, `document.querySelectorAll('#error-summary li').length`); n < 5 {
		t.Errorf("empty form: %d errors in the summary; want them all", n)
	}
	app.shot("forecast-form-errors")
	app.axe("forecast form with errors")

	app.fill(map[string]string{
		"f-applicant-name": "张明远", "f-applicant-staffNo": "T1001", "f-applicant-title": "教授", "f-applicant-unit": "计算机学院",
		"f-applicant-department": "软件工程系", "f-applicant-mobile": "13800000001", "f-applicant-email": "zhang@demo-univ.edu.cn",
		"f-nameZh": "2027年分布式系统国际研讨会", "f-nameEn": "2027 International Workshop on Distributed Systems",
		"f-startDate": "2027-05-10", "f-commitmentDate": "2027-01-15", "f-province": "湖北省", "f-address": "武汉市洪山区示范路1号",
		"f-type": "natural_science", "f-scale": "general", "f-chineseCount": "120", "f-foreignCount": "40", "f-fundingSource": "学院自筹",
		"f-organisations-0-role": "host", "f-organisations-0-nameZh": "示范大学", "f-organisations-0-nameEn": "Demo University",
	})
	app.click(`form.form-grid button[type=submit]`)
	app.waitFor(`/^\/forecasts\/[0-9a-f-]{36}$/.test(location.pathname)`)
	id := strings.TrimPrefix(eval[string](app, `location.pathname`), "/forecasts/")
	if st := app.text("#record-status"); st != "个人申请" {
		t.Errorf("after submit: status %q; want 个人申请", st)
	}
	app.shot("forecast-submitted")
	app.axe("forecast page")

	// A school tab opened now keeps version 1 to the end.
	school := b.user("school")
	school.signIn(s.email(domain.RoleSchoolAdmin), password(domain.RoleSchoolAdmin))
	staleTab := school.another("school (stale tab)")
	staleTab.open("/forecasts/" + id)
	if eval[bool](staleTab, `!!document.querySelector('#decide-h')`) {
		t.Error("the school is offered a decision before the unit's")
	}

	unit := b.user("unit")
	unit.signIn(s.email(domain.RoleUnitAdmin), password(domain.RoleUnitAdmin))
	if n := unit.countIn("inbox_review"); n != "1" {
		t.Fatalf("unit inbox count %s; want 1", n)
	}
	contains(t, "unit inbox", unit.text(`section[aria-labelledby="sec-inbox_review"]`), "2027年分布式系统国际研讨会")
	contains(t, "unit inbox due date", unit.text(`section[aria-labelledby="sec-inbox_review"]`), "2026-09-30")
	if eval[bool](unit, `!!document.querySelector('.overdue')`) {
		t.Error("a forecast due 2026-09-30 is overdue on 2026-09-10")
	}
	// Past the window's last day the task is overdue, in red.
	// (Sessions last 8 hours: sign in again on the later day.)
	s.clock.Set(inWindow.AddDate(0, 0, 25))
	unit.signIn(s.email(domain.RoleUnitAdmin), password(domain.RoleUnitAdmin))
	contains(t, "overdue task", unit.text(".overdue"), "已逾期")
	if c := eval[string](unit, `getComputedStyle(document.querySelector('.overdue')).color`); c != "rgb(179, 38, 30)" {
		t.Errorf("overdue colour %s; want the red rgb(179, 38, 30)", c)
	}
	unit.shot("inbox-unit")
	unit.axe("inbox (unit)")
	s.clock.Set(inWindow)
	unit.click(`#sec-inbox_review ~ .table-wrap a[href="/forecasts/` + id + `"]`)
	unit.fill(map[string]string{"f-comment": "同意推荐"})
	unit.click(`button[value="approve-unit"]`)
	unit.waitFor(`document.querySelector('#record-status').dataset.status === 'unit_approved'`)
	contains(t, "log after the unit", unit.text("#approval-log"), "同意推荐")

	// The school: a rejection needs a reason, shown by the comment box.
	school.open("/forecasts/" + id)
	school.click(`button[value="reject"]`)
	school.waitFor(`!!document.querySelector('#f-comment-error')`)
	contains(t, "reject without a reason", school.text("#f-comment-error"), "R-FC-05")
	school.shot("forecast-reject-needs-reason")
	school.fill(map[string]string{"f-comment": "请补充外方合作单位"})
	school.click(`button[value="reject"]`)
	school.waitFor(`document.querySelector('#record-status').dataset.status === 'rejected'`)

	// The applicant revises from the inbox.
	app.open("/")
	if n := app.countIn("inbox_revise"); n != "1" {
		t.Fatalf("applicant's forecasts to revise: %s; want 1", n)
	}
	app.open("/forecasts/" + id)
	app.click(`a.button[href$="/edit"]`)
	if v := eval[string](app, `document.querySelector('#f-nameZh').value`); v != "2027年分布式系统国际研讨会" {
		t.Fatalf("edit form not filled from the record: nameZh %q", v)
	}
	app.fill(map[string]string{"f-organisations-1-role": "joint", "f-organisations-1-nameZh": "示范国际学会", "f-organisations-1-nameEn": "Demo International Society"})
	app.click(`form.form-grid button[type=submit]`)
	app.waitFor(`document.querySelector('#record-status') && document.querySelector('#record-status').dataset.status === 'submitted'`)

	unit.open("/forecasts/" + id)
	unit.click(`button[value="approve-unit"]`)
	unit.waitFor(`document.querySelector('#record-status').dataset.status === 'unit_approved'`)

	// The tab opened before all this now offers a decision on what it
	// shows; sending it changes nothing and says why.
	staleTab.open("/forecasts/" + id) // version 5, unit approved
	school.open("/forecasts/" + id)
	school.fill(map[string]string{"f-comment": "同意上报"})
	school.click(`button[value="approve-school"]`)
	school.waitFor(`document.querySelector('#record-status').dataset.status === 'school_approved'`)
	staleTab.fill(map[string]string{"f-comment": "不同意"})
	staleTab.click(`button[value="reject"]`)
	staleTab.waitFor(`!!document.querySelector('#page-error')`)
	contains(t, "stale decision", staleTab.text("#page-error"), "已被他人处理")
	if st := staleTab.text("#record-status"); st != "单位终审通过" {
		t.Errorf("the stale page shows status %q; want the current 单位终审通过", st)
	}
	staleTab.shot("forecast-stale")

	auth := b.user("authority")
	auth.signIn(s.email(domain.RoleAuthorityReviewer), password(domain.RoleAuthorityReviewer))
	if n := auth.countIn("inbox_review"); n != "1" {
		t.Fatalf("authority inbox count %s; want 1", n)
	}
	auth.open("/forecasts/" + id)
	auth.click(`button[value="approve-authority"]`)
	auth.waitFor(`document.querySelector('#record-status').dataset.status === 'approved'`)
	logText := auth.text("#approval-log")
	for _, want := range []string{"同意推荐", "请补充外方合作单位", "同意上报", "预报审核通过"} {
		contains(t, "approval log", logText, want)
	}
	if strings.Contains(logText, "不同意") {
		t.Error("the stale decision reached the approval log")
	}
	if n := eval[int](auth, `document.querySelectorAll('#approval-log tbody tr').length`); n != 7 {
		t.Errorf("approval log rows %d; want 7 (submit, unit, reject, revise, unit, school, authority)", n)
	}
	auth.shot("forecast-approved")

	// Lists: keyword, status filter and sort; English on the toggle.
	school.open("/forecasts?q=" + "分布式" + "&status=approved&sort=startDate&order=asc")
	contains(t, "school list", school.text("#results"), "2027年分布式系统国际研讨会")
	if got := eval[string](school, `document.querySelector('th[aria-sort]').innerText`); !strings.Contains(got, "举办日期") {
		t.Errorf("sorted column %q; want 举办日期", got)
	}
	school.shot("forecast-list")
	school.axe("forecast list")
	// The export carries the list's filters and the session.
	csv, err := chromedp.Run(school.ctx, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector('a[href*="format=csv"]').href);
		return r.status + ' ' + r.headers.get('Content-Type') + '\n' + await r.text(); })()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "CSV export", csv, "200 text/csv")
	contains(t, "CSV export", csv, "2027年分布式系统国际研讨会")
	// Choosing a filter updates the results in place (htmx) and the address.
	school.do(chromedp.Evaluate[chromedp.Void](`window.__stay = true; const s = document.querySelector('#f-status'); s.value = 'submitted'; s.dispatchEvent(new Event('change', {bubbles: true}))`))
	school.waitFor(`location.search.includes('status=submitted') && document.querySelectorAll('#results tbody tr').length === 0`)
	if !eval[bool](school, `window.__stay === true`) {
		t.Error("the filter reloaded the whole page instead of its results")
	}
	contains(t, "filtered list", school.text("#results"), "没有符合条件的记录")
	school.checkCSP()
	school.open("/forecasts?status=approved")
	school.click(`button[lang="en"]`)
	if h := school.text("h1"); h != "Forecasts" {
		t.Errorf("after the toggle: h1 %q; want Forecasts", h)
	}
	contains(t, "English list", school.text("#results"), "2027 International Workshop on Distributed Systems")
	school.shot("forecast-list-en")
	school.axe("forecast list (English)")

	// The applicant's notifications: the decisions, unread until marked.
	app.open("/notifications")
	if n := eval[string](app, `document.querySelector('h1 .count').dataset.count`); n == "0" {
		t.Error("the applicant has no unread notification after four decisions")
	}
	contains(t, "notifications", app.text("main"), "2027年分布式系统国际研讨会")
	app.axe("notifications")
	app.shot("notifications")
	app.click(`form[action="/notifications/read"] button`)
	app.waitFor(`document.querySelector('h1 .count').dataset.count === '0'`)

	// Scope: another unit's admin finds nothing, not even by its address.
	other := b.user("other unit admin")
	other.signIn(s.tree.OtherUnitAd.Email, password(domain.RoleUnitAdmin))
	other.open("/forecasts")
	if n := eval[int](other, `document.querySelectorAll('#results tbody tr').length`); n != 0 {
		t.Errorf("another unit's admin lists %d forecasts; want none", n)
	}
	other.open("/forecasts/" + id)
	contains(t, "another unit's admin opening the record", other.text("#page-error"), "记录不存在")
	if regexp.MustCompile(`分布式`).MatchString(other.text("main")) {
		t.Error("another unit's admin sees the conference's name")
	}
}
