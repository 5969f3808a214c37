package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/econf/econf/domain"
)

// delegatesWalk runs a congress through the delegates' screens (seed 004,
// figs 2.1–2.12) across the organiser and an electing unit: the congress
// created and a unit's quotas allotted (a minimum above its seats refused
// next to its input); nominees added with the quota checked at once (the
// one over the limit refused next to the identity); the initial review
// (a rejection without an opinion refused next to the opinion, then with
// one), a revoke; report-all refused naming every unmet indicator, in red
// in the quota view; then met and reported; the organiser's final review
// with a refusal the unit edits and resubmits; the registration forms'
// PDF; the inboxes' rows.
func delegatesWalk(t *testing.T, s *site, b *browser) {
	b.t = t
	org := b.user("organiser")
	org.signIn(s.email(domain.RoleAuthorityReviewer), password(domain.RoleAuthorityReviewer))

	// The congress: its name left out is refused next to its input.
	org.open("/congresses")
	org.fill(map[string]string{"f-referenceDate": "2027-03-01"})
	org.click(`#create-congress`)
	org.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := org.text("#f-name-error"); msg == "" {
		t.Errorf("congress without a name: no error next to the name; summary %q", org.text("#error-summary"))
	}
	org.fill(map[string]string{"f-name": "第九次代表大会（测试）", "f-referenceDate": "2027-03-01"})
	org.click(`#create-congress`)
	org.waitFor(`/^\/congresses\/[0-9a-f-]{36}$/.test(location.pathname)`)
	congress := strings.TrimPrefix(eval[string](org, `location.pathname`), "/congresses/")

	// The unit's quotas: committee 1 (a grassroots worker), representatives
	// 2 (a woman). A minimum above its seats is refused next to it.
	quota := map[string]string{"f-unitId": s.tree.Unit.String(),
		"f-allotment-committee-seats": "1", "f-allotment-committee-grassroots": "1",
		"f-allotment-representatives-seats": "2", "f-allotment-representatives-women": "3"}
	org.fill(quota)
	org.click(`#allot`)
	org.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := org.text("#f-allotment-representatives-women-error"); !strings.Contains(msg, "R-DEL-01") {
		t.Errorf("a minimum above the seats: %q next to it; summary %q", msg, org.text("#error-summary"))
	}
	org.shot("congress-allot-error")
	quota["f-allotment-representatives-women"] = "1"
	org.fill(quota)
	org.click(`#allot`)
	org.waitFor(`location.search.includes('done=1')`)
	if n := eval[int](org, `document.querySelectorAll('#units tbody tr').length`); n != 1 {
		t.Fatalf("invited units: %d rows; want 1\n%s", n, org.text("main"))
	}
	org.shot("congress")
	org.axe("congress (organiser)")

	// The unit: its congress in the list, the quota view all red.
	unit := b.user("unit")
	unit.signIn(s.email(domain.RoleUnitAdmin), password(domain.RoleUnitAdmin))
	unit.open("/congresses")
	unit.click(`#congresses a`)
	base := "/congresses/" + congress + "/units/" + s.tree.Unit.String()
	unit.waitFor(fmt.Sprintf(`location.pathname === %q`, base))
	if got := eval[string](unit, `document.querySelector('#f-committee-seats').dataset.met`); got != "false" {
		t.Errorf("no nominee: committee seats met %q", got)
	}

	add := func(name, identity, gender, party, birth string, grassroots bool) {
		t.Helper()
		unit.fill(map[string]string{"f-name": name, "f-identity": identity, "f-profile-gender": gender, "f-profile-ethnicity": "汉族",
			"f-profile-affiliations-0": party, "f-birthDate": birth})
		if grassroots {
			unit.do(chromedp.Click(chromedp.ID("f-profile-grassroots")))
		}
		unit.click(`#add-nominee`)
	}
	add("测试甲", "committee", "male", "中国共产党党员", "1970-05-01", true)
	unit.waitFor(`location.search.includes('done=1')`)
	add("测试乙", "representative", "female", "群众", "1985-02-01", false)
	unit.waitFor(`location.search.includes('done=1')`)
	// Over the representatives' quota (the committee candidate takes one).
	add("测试丙", "representative", "male", "群众", "1980-01-01", false)
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := unit.text("#f-identity-error"); !strings.Contains(msg, "R-DEL-02") {
		t.Errorf("over the quota: %q next to the identity; summary %q", msg, unit.text("#error-summary"))
	}
	unit.shot("nominee-over-quota")
	unit.axe("delegation with an error (unit)")

	id := func(tb *tab, name string) string {
		t.Helper()
		return eval[string](tb, fmt.Sprintf(`([...document.querySelectorAll('tr[data-nominee]')].find(r => r.querySelector('th').innerText === %q) || {dataset: {}}).dataset.nominee || ''`, name))
	}
	status := func(tb *tab, name string) string {
		t.Helper()
		return eval[string](tb, fmt.Sprintf(`([...document.querySelectorAll('tr[data-nominee]')].find(r => r.querySelector('th').innerText === %q) || {dataset: {}}).dataset.status || ''`, name))
	}
	unit.open(base + "?status=pending")
	a, c := id(unit, "测试甲"), id(unit, "测试乙")
	if a == "" || c == "" {
		t.Fatalf("pending list: %s", unit.text("#nominees"))
	}
	unit.open("/")
	if n := unit.countIn("d_inbox_review"); n != "2" {
		t.Errorf("unit's inbox: %s nominees awaiting the initial review; want 2", n)
	}
	// The batch review (批量审核): a rejection without its opinion refused
	// next to it; then, one of the two decided already, the batch refused
	// whole, that nominee named next to its box, the other still pending.
	unit.open(base + "?status=pending")
	tick := func(ids ...string) {
		t.Helper()
		for _, id := range ids {
			if !eval[bool](unit, `document.getElementById('f-batch-`+id+`').checked`) {
				unit.do(chromedp.Click(chromedp.ID("f-batch-" + id)))
			}
		}
	}
	tick(a, c)
	unit.click("#batch-reject")
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := unit.text("#f-batch-opinion-error"); !strings.Contains(msg, "R-DEL-03") {
		t.Errorf("batch rejection without an opinion: %q next to it; summary %q", msg, unit.text("#error-summary"))
	}
	unit.open(base + "?status=pending")
	unit.click("#approve-" + a)
	unit.waitFor(`location.search.includes('done=1')`)
	unit.open(base + "?status=all")
	tick(a, c)
	unit.click("#batch-approve")
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := unit.text("#f-batch-" + a + "-error"); !strings.Contains(msg, "R-DEL-03") {
		t.Errorf("batch with a decided nominee: %q next to its box; summary %q", msg, unit.text("#error-summary"))
	}
	if got := unit.text("#error-summary"); !strings.Contains(got, "测试甲") {
		t.Errorf("the batch's refusal does not name the nominee: %q", got)
	}
	if got := status(unit, "测试乙"); got != "pending" {
		t.Errorf("after the refused batch: 测试乙 %q; want pending (all or nothing)", got)
	}
	unit.shot("batch-refused")
	unit.open(base + "?status=pending")
	// A rejection needs an opinion: refused next to it.
	unit.click("#reject-" + c)
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := unit.text("#f-opinion-" + c + "-error"); msg == "" {
		t.Errorf("reject without an opinion: nothing next to it; summary %q", unit.text("#error-summary"))
	}
	unit.fill(map[string]string{"f-opinion-" + c: "材料不全"})
	unit.click("#reject-" + c)
	unit.waitFor(`location.search.includes('done=1')`)
	unit.open(base + "?status=rejected")
	if got := status(unit, "测试乙"); got != "rejected" {
		t.Fatalf("after the rejection: %q in the not-approved list", got)
	}
	unit.click("#revoke-" + c)
	unit.waitFor(`location.search.includes('done=1')`)
	unit.open(base + "?status=pending")
	if got := status(unit, "测试乙"); got != "pending" {
		t.Fatalf("after the revoke: %q", got)
	}
	nomineeDetailPage(t, unit, base, c)
	unit.open(base + "?status=pending")
	// Report all with a representative short and no woman: refused, every
	// unmet indicator named and red in the quota view.
	unit.click("#report-all")
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	summary := unit.text("#error-summary")
	for _, want := range []string{"代表名额", "女性工作者"} {
		contains(t, "report-all refused", summary, want)
	}
	for _, cell := range []string{"f-representatives-seats", "f-representatives-women"} {
		if got := eval[string](unit, `document.querySelector('#`+cell+`').dataset.met`); got != "false" {
			t.Errorf("quota view: %s met %q; want false (red)", cell, got)
		}
	}
	if got := eval[string](unit, `document.querySelector('#f-committee-grassroots').dataset.met`); got != "true" {
		t.Errorf("quota view: committee grassroots met %q; want true (green)", got)
	}
	unit.shot("report-all-refused")
	unit.click("#approve-" + c)
	unit.waitFor(`location.search.includes('done=1')`)
	unit.click("#report-all")
	unit.waitFor(`location.search.includes('reported=1')`)
	if got := unit.text("#unit-status"); got != "已全部上报" {
		t.Errorf("after report-all: %q", got)
	}
	// The registration forms: one PDF, a zip, a selection's zip and PDF;
	// the list as xlsx.
	fetch := func(js string) string {
		t.Helper()
		got, err := chromedp.Run(unit.ctx, chromedp.Evaluate[string](js+`.then(r => r.status + ' ' + r.headers.get('Content-Type') + (r.status == 200 ? '' : ' ' + r.url + ' ' + r.redirected))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return got
	}
	for sel, want := range map[string]string{"#forms-pdf": "200 application/pdf", "#forms-zip": "200 application/zip",
		"#export-xlsx": "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		if got := fetch(`fetch(document.querySelector('` + sel + `').href)`); got != want {
			t.Errorf("%s: %s; want %s", sel, got, want)
		}
	}
	unit.open(base + "?status=reported")
	tick(a)
	for action, want := range map[string]string{"zip": "200 application/zip", "pdf": "200 application/pdf"} {
		if got := fetch(`(() => { const f = document.getElementById('selection'); const d = new FormData(f); d.append('action', '` + action +
			`'); if (!d.getAll('nominee').length) return Promise.reject('nothing ticked'); return fetch(f.getAttribute('action'), {method: 'POST', body: new URLSearchParams(d)}); })()`); got != want {
			t.Errorf("the selection's %s: %s; want %s", action, got, want)
		}
	}

	// The organiser: the reported nominees wait in its inbox; a final
	// approval and a refusal with an opinion.
	org.open("/")
	if n := org.countIn("d_inbox_final"); n != "2" {
		t.Errorf("organiser's inbox: %s nominees awaiting the final review; want 2", n)
	}
	org.open(base + "?status=reported")
	org.click("#final-approve-" + a)
	org.waitFor(`location.search.includes('done=1')`)
	org.fill(map[string]string{"f-opinion-" + c: "请补充简历"})
	org.click("#final-reject-" + c)
	org.waitFor(`location.search.includes('done=1')`)
	org.open(base + "?status=reported")
	if got := status(org, "测试乙"); got != "final_rejected" {
		t.Errorf("after the final refusal: %q", got)
	}
	org.shot("final-review")
	org.axe("delegation (organiser)")
	organiserLists(t, org, congress, s.tree.Unit.String())

	// The unit edits the refused nominee and resubmits it: the seed's three
	// pages as tabs, prefilled with what is stored (the birth date too).
	unit.open(base + "?status=reported")
	unit.click("#edit-" + c)
	edit := eval[string](unit, `location.pathname`)
	nomineeDetails(t, unit, edit)
	unit.open(base + "?status=reported")
	if got := status(unit, "测试乙"); got != "reported" {
		t.Errorf("after the resubmission: %q", got)
	}
	unit.shot("delegation-reported")

	// English: the same page, every label translated.
	unit.click(`form[action="/lang"] button`)
	if got := unit.text("#quota-h"); got != "Quotas" {
		t.Errorf("English quota view heading %q", got)
	}
	unit.click(`form[action="/lang"] button`)
}

// residentID is an 18-digit resident ID number for the birth date
// (yyyymmdd), its check character computed (ISO 7064 MOD 11-2).
func residentID(birth string) string {
	body := "110105" + birth + "002"
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// nomineeDetails walks the nominee's three pages at edit (seed 004, figs
// 2.4 and 2.11): the stored values prefilled, one tab shown at a time, a
// resident ID whose checksum is wrong refused next to its input with every
// value typed kept (the photo uploaded too), then saved; the page opened
// again shows what was stored, the ID number masked.
func nomineeDetails(t *testing.T, unit *tab, edit string) {
	t.Helper()
	value := func(id string) string {
		t.Helper()
		return eval[string](unit, `(document.getElementById('`+id+`') || {value: 'missing'}).value`)
	}
	shown := func(id string) bool {
		t.Helper()
		return eval[bool](unit, `getComputedStyle(document.getElementById('`+id+`')).display !== 'none'`)
	}
	if got := value("f-birthDate"); got != "1985-02-01" {
		t.Errorf("edit: birth date prefilled %q; want the stored 1985-02-01", got)
	}
	if got, party := value("f-name"), value("f-profile-affiliations-0"); got != "测试乙" || party != "群众" {
		t.Errorf("edit: name %q, party %q prefilled", got, party)
	}
	if !shown("d_page1") || shown("d_page2") || shown("d_page3") {
		t.Errorf("edit: the first page alone should show")
	}
	if got := unit.text("#indicators"); !strings.Contains(got, "✓ 女性工作者") || !strings.Contains(got, "✓ 45岁以下") {
		t.Errorf("edit: computed indicators %q", got)
	}
	unit.shot("nominee-page1")
	unit.do(chromedp.Click(chromedp.ID("tab-d_page2")))
	if !shown("d_page2") || shown("d_page1") {
		t.Errorf("edit: the second tab does not show its page")
	}
	unit.fill(map[string]string{"f-profile-fullTimeEducation-level": "博士研究生", "f-profile-fullTimeEducation-degree": "博士",
		"f-profile-fullTimeEducation-school": "某某大学", "f-profile-fullTimeEducation-major": "计算机科学", "f-profile-discipline": "数学",
		"f-profile-title": "教授", "f-profile-titleLevel": "正高级", "f-profile-academician": "cas", "f-profile-employer": "某某大学", "f-profile-position": "院长"})
	unit.shot("nominee-page2")
	unit.do(chromedp.Click(chromedp.ID("tab-d_page3")), chromedp.Click(chromedp.ID("f-profile-associationStaff")))
	unit.fill(map[string]string{"f-profile-staffCategory": "农技协", "f-profile-academicPosts-0-kind": "全国学会",
		"f-profile-academicPosts-0-organisation": "某学会", "f-profile-academicPosts-0-role": "理事", "f-profile-previousTerm": "常务委员",
		"f-profile-npc": "省级", "f-profile-resume": "2005年至今 某某大学"})
	unit.shot("nominee-page3")
	// Page one: a resident ID with a wrong check character, and a photo.
	photo := filepath.Join(t.TempDir(), "photo.png")
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	good := residentID("19850201")
	bad := good[:17] + map[bool]string{true: "1", false: "0"}[good[17] == '0']
	unit.do(chromedp.Click(chromedp.ID("tab-d_page1")), chromedp.SetUploadFiles(chromedp.ID("f-profile-photo"), []string{photo}))
	unit.fill(map[string]string{"f-profile-idType": "resident_id", "f-profile-idNumber": bad, "f-profile-nationality": "中国",
		"f-profile-nativePlace-province": "北京市", "f-profile-email": "nominee.walk@example.edu.cn", "f-profile-mobile": "13900000123",
		"f-profile-occupation": "公务员"})
	unit.click(`#save-nominee`)
	unit.waitFor(`!!document.querySelector('#error-summary')`)
	if msg := unit.text("#f-profile-idNumber-error"); !strings.Contains(msg, "R-DEL-02") {
		t.Errorf("a wrong ID checksum: %q next to the ID number; summary %q", msg, unit.text("#error-summary"))
	}
	if got := unit.text("#error-summary"); !strings.Contains(got, "证件号") {
		t.Errorf("error summary does not name the ID number: %q", got)
	}
	if got, resume := value("f-profile-fullTimeEducation-school"), value("f-profile-resume"); got != "某某大学" || resume != "2005年至今 某某大学" || !shown("d_page3") {
		t.Errorf("after the refusal: school %q, résumé %q kept, every page shown %v", got, resume, shown("d_page3"))
	}
	if got := unit.text("#f-profile-photo-current"); !strings.Contains(got, "photo.png") {
		t.Errorf("after the refusal: the photo uploaded is not kept (%q)", got)
	}
	unit.shot("nominee-details-error")
	unit.axe("nominee details with an error (unit)")
	unit.fill(map[string]string{"f-profile-idNumber": good})
	unit.click(`#save-nominee`)
	unit.waitFor(`location.search.includes('done=1')`)
	// Open again: everything stored, the ID number masked.
	unit.open(edit)
	for id, want := range map[string]string{"f-profile-fullTimeEducation-level": "博士研究生", "f-profile-academicPosts-0-organisation": "某学会",
		"f-profile-resume": "2005年至今 某某大学", "f-profile-idNumber": good[:4] + "**********" + good[14:], "f-profile-npc": "省级",
		"f-profile-email": "nominee.walk@example.edu.cn", "f-birthDate": "1985-02-01", "f-profile-staffCategory": "农技协"} {
		if got := value(id); got != want {
			t.Errorf("stored %s: %q, want %q", id, got, want)
		}
	}
	if !eval[bool](unit, `document.getElementById('f-profile-associationStaff').checked`) || unit.text("#f-profile-photo-current") == "" {
		t.Errorf("stored: the staff flag or the photo is missing")
	}
}

// nomineeDetailPage walks a nominee's page (详情) at the unit: an
// attachment uploaded, listed and downloaded; the account disabled (the
// list marks it) and enabled again; the history replayed with its chain
// check.
func nomineeDetailPage(t *testing.T, unit *tab, base, id string) {
	t.Helper()
	unit.open(base + "/nominees/" + id)
	if got := unit.text("#no-attachments"); got == "" {
		t.Errorf("details: no attachment yet, but %q", unit.text("#attachments"))
	}
	unit.click("#upload-attachment")
	if msg := unit.text("#f-attachment-error"); msg == "" {
		t.Errorf("upload without a file: nothing next to the input")
	}
	scan := filepath.Join(t.TempDir(), "推荐材料.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	unit.do(chromedp.SetUploadFiles(chromedp.ID("f-attachment"), []string{scan}))
	unit.click("#upload-attachment")
	unit.waitFor(`location.search.includes('done=1')`)
	if got := unit.text("#attachments"); !strings.Contains(got, "推荐材料.pdf") {
		t.Fatalf("after the upload: attachments %q", got)
	}
	got, err := chromedp.Run(unit.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#attachments a').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`,
		chromedp.EvalAwaitPromise))
	if err != nil || got != "200 application/pdf" {
		t.Errorf("attachment download: %s %v", got, err)
	}
	if n := eval[int](unit, `document.querySelectorAll('#history tbody tr').length`); n < 4 {
		t.Errorf("history: %d events; want the addition, rejection, revoke and attachment", n)
	}
	if got := unit.text("#history"); !strings.Contains(got, "材料不全") {
		t.Errorf("history: the rejection's opinion is not shown: %q", got)
	}
	if got := unit.text("#chain"); !strings.Contains(got, "完整") {
		t.Errorf("history chain: %q", got)
	}
	unit.shot("nominee-details")
	unit.axe("nominee details (unit)")
	// English: the same page, its labels translated.
	unit.click(`form[action="/lang"] button`)
	for sel, want := range map[string]string{"#indicators-h": "Indicators (computed)", "#attachments-h": "Attachments", "#tab-d_page2": "Details (2): education and profession"} {
		if got := unit.text(sel); got != want {
			t.Errorf("English nominee page: %s %q, want %q", sel, got, want)
		}
	}
	unit.shot("nominee-details-en")
	unit.click(`form[action="/lang"] button`)
	unit.click("#disable-nominee")
	unit.waitFor(`location.search.includes('done=disable')`)
	if got := eval[string](unit, `document.getElementById('nominee-account').dataset.disabled`); got != "true" {
		t.Errorf("after disabling: account disabled %q", got)
	}
	unit.open(base + "?status=pending")
	if got := unit.text("#details-" + id); !strings.Contains(eval[string](unit, `document.querySelector('tr[data-nominee="`+id+`"] th').innerText`), "已禁用") {
		t.Errorf("the list does not mark the disabled account: %q", got)
	}
	unit.open(base + "/nominees/" + id)
	unit.click("#enable-nominee")
	unit.waitFor(`location.search.includes('done=enable')`)
	if got := eval[string](unit, `document.getElementById('nominee-account').dataset.disabled`); got != "false" {
		t.Errorf("after enabling: account disabled %q", got)
	}
}

// organiserLists walks the organiser's pages across units: the overview
// (the unit's quota met, reported) and the list of every nominee with the
// seed's filters, a sort, a date range refused next to its input, and the
// export.
func organiserLists(t *testing.T, org *tab, congress, unit string) {
	t.Helper()
	org.open("/congresses/" + congress)
	org.click("#overview-link")
	row := `document.querySelector('#overview tr[data-unit="` + unit + `"]')`
	if got := eval[string](org, row+`.dataset.met + ' ' + `+row+`.dataset.reported`); got != "true true" {
		t.Errorf("overview: the unit's quota met and reported: %q\n%s", got, org.text("main"))
	}
	org.shot("congress-overview")
	org.axe("congress overview (organiser)")
	org.click("#all-nominees")
	if got := eval[string](org, `document.getElementById('results-count').dataset.total`); got != "2" {
		t.Errorf("all nominees of the congress: %s; want 2", got)
	}
	org.fill(map[string]string{"f-name": "测试乙", "f-party": "群众"})
	org.click("#filter")
	if got := eval[string](org, `[...document.querySelectorAll('#delegates tbody th')].map(c => c.innerText).join(',')`); got != "测试乙" {
		t.Errorf("filtered by name and party: %q", got)
	}
	org.open("/delegates?congressId=" + congress)
	org.fill(map[string]string{"f-submittedFrom": "2026-09-11", "f-submittedTo": "2026-09-01"})
	org.click("#filter")
	if msg := org.text("#f-submittedTo-error"); msg == "" {
		t.Errorf("a date range ending before it starts: nothing next to its end; summary %q", org.text("#error-summary"))
	}
	org.fill(map[string]string{"f-submittedFrom": "", "f-submittedTo": ""})
	org.click("#filter")
	names := func() string {
		t.Helper()
		return eval[string](org, `[...document.querySelectorAll('#delegates tbody th')].map(c => c.innerText).join(',')`)
	}
	org.click(`#delegates thead a[href*="sort=name"]`)
	asc := names()
	org.click(`#delegates thead a[href*="sort=name"]`)
	if desc := names(); len(strings.Split(asc, ",")) != 2 || desc == asc || eval[string](org, `document.querySelector('#delegates th[aria-sort]').innerText`) == "" {
		t.Errorf("sorted by name: %q then %q", asc, desc)
	}
	org.shot("delegates-list")
	org.axe("all nominees (organiser)")
	got, err := chromedp.Run(org.ctx, chromedp.Evaluate[string](`fetch(document.getElementById('delegates-export').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`,
		chromedp.EvalAwaitPromise))
	if err != nil || got != "200 application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Errorf("export: %s %v", got, err)
	}
}
