package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/sheet"
)

// filledSheet writes a template filled with rows (from its second row).
func filledSheet(t *testing.T, tmpl sheet.Template, dir, name string, rows [][]string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f := excelize.NewFile()
	defer f.Close()
	if _, err := f.NewSheet(tmpl.Sheet); err != nil {
		t.Fatal(err)
	}
	for c, col := range tmpl.Columns {
		cell, _ := excelize.CoordinatesToCellName(c+1, 1)
		_ = f.SetCellStr(tmpl.Sheet, cell, col.Header)
	}
	for r, row := range rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+2)
			_ = f.SetCellStr(tmpl.Sheet, cell, v)
		}
	}
	_ = f.DeleteSheet("Sheet1")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// nominationWalk (seed 003) through the pages: the association's staff
// open a cycle (a cut-off inside the window refused next to its input,
// R-NOM-02) and import the recommending units' invitation codes (a bad
// cell named by row and column, nothing imported, R-NOM-01); a unit's
// contact registered with its code opens the unit's file from the
// cycle's page, imports the annual plan (a conference outside the window
// refused by cell, R-NOM-05), reads the quotas (allowed, used), puts a
// conference on the list (a training course refused next to its name,
// R-NOM-02), sees the used count grow, and hands the list in: what is
// missing listed at once.
func nominationWalk(t *testing.T, s *site, b *browser) {
	pa := s.token(t, domain.RolePlatformAdmin)
	assoc := s.apiAs(t, pa, "POST", "/organisations", map[string]any{"kind": "association", "nameZh": "示范科学技术协会"}, 201)["id"].(string)
	s.apiAs(t, pa, "POST", "/users", map[string]any{"email": "staff@assoc.demo-cast.org.cn", "name": "学术活动处", "role": "authority_reviewer", "orgId": assoc, "password": academyPassword}, 201)
	b.t = t
	dir := t.TempDir()
	// Thursday 2027-05-20 (where the funding walk leaves the clock), the
	// notice's dates below count from it.
	s.clock.Set(time.Date(2027, 5, 20, 10, 0, 0, 0, domain.Shanghai))

	st := b.user("association staff")
	st.signIn("staff@assoc.demo-cast.org.cn", academyPassword)
	st.open("/nominations")
	st.fill(map[string]string{"f-year": "2028", "f-title": "2028年度重要学术会议征集", "f-deadline": "2027-09-30",
		"f-windowStart": "2027-06-01", "f-windowEnd": "2028-05-31", "f-mechanismCutoff": "2027-07-01", "f-fields": "数理科学\n化学科学",
		"f-schedule-recognitionBy": "2027-10-31", "f-schedule-catalogueBy": "2027-11-30", "f-schedule-listBy": "2027-12-31"})
	st.click(`#create-cycle`)
	st.waitFor(`!!document.querySelector('#f-mechanismCutoff-error')`)
	contains(t, "cut-off inside the window", st.text("#f-mechanismCutoff-error"), "R-NOM-02")
	st.fill(map[string]string{"f-mechanismCutoff": "2027-05-31"})
	st.click(`#create-cycle`)
	st.waitFor(`location.pathname.startsWith('/nominations/cycles/')`)
	cycle := eval[string](st, `location.pathname`)
	contains(t, "the cycle", st.text("#cycle-spec"), "2027-06-01 — 2028-05-31")

	st.open("/nominations/codes")
	bad := filledSheet(t, httpapi.CodesTemplate, dir, "bad-codes.xlsx", [][]string{{"理科", "A-01", "示范数学会", "478"}, {"理科", "A-02", "示范物理学会", ""}})
	st.do(chromedp.SetUploadFiles(chromedp.ID("f-codes-sheet"), []string{bad}))
	st.click(`#import-codes`)
	st.waitFor(`!!document.querySelector('#f-codes-sheet-error')`)
	contains(t, "the bad cell", st.text("#f-codes-sheet-error"), "D3")
	if n := eval[int](st, `document.querySelectorAll('#codes tbody tr').length`); n != 0 {
		t.Errorf("a refused sheet imported %d codes", n)
	}
	nomShot(t, st, "nomination-codes-errors")
	good := filledSheet(t, httpapi.CodesTemplate, dir, "codes.xlsx", [][]string{{"理科", "A-01", "示范数学会", "478"}, {"理科", "A-02", "示范物理学会", "479"}})
	st.do(chromedp.SetUploadFiles(chromedp.ID("f-codes-sheet"), []string{good}))
	st.click(`#import-codes`)
	st.waitFor(`location.search.includes('done=1')`)
	contains(t, "the codes", st.text("#codes"), "示范数学会")
	// A code revoked, then reissued (R-NOM-01): a code issued before is
	// refused next to the unit's input; left blank, a new one is drawn.
	physics := `[...document.querySelectorAll('#codes tbody tr')].find(r => r.innerText.includes('示范物理学会'))`
	unit := eval[string](st, physics+`.querySelector('form').action.split('/').at(-2)`)
	st.fill(map[string]string{"reason-" + unit: "联系人变更"})
	st.click(`[id="revoke-` + unit + `"]`)
	contains(t, "the code revoked", eval[string](st, physics+`.innerText`), "已作废")
	st.fill(map[string]string{"f-reissue-" + unit: "478"})
	st.click(`[id="reissue-` + unit + `"]`)
	contains(t, "a code issued before", st.text(`[id="f-reissue-`+unit+`-error"]`), "R-NOM-01")
	labelled(t, st)
	nomShot(t, st, "nomination-code-reissue-refused")
	st.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('f-reissue-` + unit + `').value = ''`))
	st.click(`[id="reissue-` + unit + `"]`)
	if row := eval[string](st, physics+`.innerText`); !strings.Contains(row, "未使用") || strings.Contains(row, "479") {
		t.Errorf("the reissued code: %s", row)
	}
	st.axe("invitation codes")

	contact := "contact@math.demo-society.org.cn"
	s.apiAs(t, "", "POST", "/auth/invitations", map[string]any{"code": "478", "email": contact, "name": "联络员", "mobile": "13800000009", "password": academyPassword}, 201)
	u := b.user("unit contact")
	u.signIn(contact, academyPassword)
	u.open(cycle)
	u.click(`#open-file`)
	u.waitFor(`/^\/nominations\/[0-9a-f-]{36}$/.test(location.pathname)`)
	plan := [][]string{}
	for _, name := range []string{"示范数学年会", "示范几何研讨会"} {
		plan = append(plan, []string{name, "2027-10-10", "2027-10-12", "北京", "示范数学会", "", "是"})
	}
	badPlan := filledSheet(t, httpapi.PlanTemplate, dir, "bad-plan.xlsx", append([][]string{{"示范早年会议", "2027-05-01", "2027-05-02", "北京", "示范数学会", "", "是"}}, plan...))
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-plan-sheet"), []string{badPlan}))
	u.click(`#import-plan`)
	u.waitFor(`!!document.querySelector('#f-plan-sheet-error')`)
	contains(t, "outside the window", u.text("#f-plan-sheet-error"), "B2")
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-plan-sheet"), []string{filledSheet(t, httpapi.PlanTemplate, dir, "plan.xlsx", plan)}))
	u.click(`#import-plan`)
	u.waitFor(`location.search.includes('done=plan')`)
	if n := eval[int](u, `document.querySelectorAll('#plan tbody tr').length`); n != 2 {
		t.Errorf("the plan lists %d conferences; want 2", n)
	}
	// One more entered on the form (征集内容 1): outside the window refused
	// next to its input, nothing added; then added.
	entry := map[string]string{"f-planentry-entries-0-name": "示范拓扑学论坛", "f-planentry-entries-0-openingDate": "2026-12-01", "f-planentry-entries-0-closingDate": "2026-12-02",
		"f-planentry-entries-0-place": "南京", "f-planentry-entries-0-host": "示范大学"}
	u.fill(entry)
	u.click(`#save-planentry`)
	u.waitFor(`!!document.querySelector('#error-summary')`)
	contains(t, "a plan entry outside the window", u.text("#f-planentry-entries-0-openingDate-error"), "2027")
	labelled(t, u)
	nomShot(t, u, "nomination-plan-entry-errors")
	entry["f-planentry-entries-0-openingDate"], entry["f-planentry-entries-0-closingDate"] = "2027-11-01", "2027-11-02"
	u.fill(entry)
	u.click(`#save-planentry`)
	u.waitFor(`location.search.includes('done=planentry')`)
	contains(t, "the plan entered by hand", u.text("#plan"), "示范拓扑学论坛")
	if n := eval[int](u, `document.querySelectorAll('#plan tbody tr').length`); n != 3 {
		t.Errorf("the plan lists %d conferences; want 3", n)
	}
	if !strings.Contains(u.text("#quota"), "0") {
		t.Errorf("the quotas: %s", u.text("#quota"))
	}
	u.do(chromedp.SetValue(chromedp.ID("f-rec-kind"), "mechanism"), chromedp.SetValue(chromedp.ID("f-rec-field"), "数理科学"))
	u.fill(map[string]string{"f-rec-name": "示范数学培训班", "f-rec-host": "示范数学会", "f-rec-openingDate": "2027-10-10", "f-rec-place": "北京",
		"f-rec-editions-0-number": "11", "f-rec-editions-0-date": "2025-10-10", "f-rec-editions-1-number": "12", "f-rec-editions-1-date": "2026-10-10"})
	u.click(`#save-rec`)
	u.waitFor(`!!document.querySelector('#f-rec-name-error')`)
	contains(t, "a training course", u.text("#f-rec-name-error"), "R-NOM-02")
	labelled(t, u)
	nomShot(t, u, "nomination-file-errors")
	u.axe("nomination file with errors")
	u.fill(map[string]string{"f-rec-name": "示范数学年会"})
	u.click(`#save-rec`)
	u.waitFor(`location.search.includes('done=rec')`)
	contains(t, "the list", u.text("#recommendations"), "示范数学年会")
	if used := eval[string](u, `document.querySelector('#quota tr[data-key="others"] td:nth-child(3)').innerText`); used != "1" {
		t.Errorf("others' conferences used reads %q; want 1: %s", used, u.text("#quota"))
	}
	// A second, for the steering committee to decline.
	u.do(chromedp.SetValue(chromedp.ID("f-rec-kind"), "mechanism"), chromedp.SetValue(chromedp.ID("f-rec-field"), "数理科学"))
	u.fill(map[string]string{"f-rec-name": "示范几何研讨会", "f-rec-host": "示范数学会", "f-rec-openingDate": "2027-10-10", "f-rec-place": "北京",
		"f-rec-editions-0-number": "3", "f-rec-editions-0-date": "2025-10-10", "f-rec-editions-1-number": "4", "f-rec-editions-1-date": "2026-10-10"})
	u.click(`#save-rec`)
	u.waitFor(`location.search.includes('done=rec')`)
	contains(t, "the list", u.text("#recommendations"), "示范几何研讨会")

	// Handed in too early: every missing part in the summary, a labelled
	// link to its section, and the reason next to the section's form.
	u.click(`#submit-nomination`)
	u.waitFor(`!!document.querySelector('#error-summary')`)
	for link, label := range map[string]string{"#f-scheme": "推荐方案", "#f-committee": "专家评审委员会", "#f-opinion": "评审结果与意见", "#f-signed": "签字盖章的推荐名单"} {
		contains(t, "the refusal links "+link, eval[string](u, `(document.querySelector('#error-summary a[href="`+link+`"]') || {}).innerText || ''`), label)
	}
	if strings.Contains(u.text("#error-summary"), "signedList") || strings.Contains(u.text("#error-summary"), "scheme:") {
		t.Errorf("the refusal shows raw field paths: %s", u.text("#error-summary"))
	}
	contains(t, "the scheme's reason at its form", u.text("#f-scheme-error"), "R-NOM-04")
	nomShot(t, u, "nomination-submit-refused")

	nominationParts(t, s, u, dir)
	nominationGuide(t, s, b, st, u, cycle)
}

// nominationParts walks the file past its list (seed 003 parts 4–9): the
// scheme (a missing principle next to its input), an invited expert's
// nominations on the online form (a training course refused next to its
// row, R-NOM-02) and its PDF, the committee (four refused, a nominating
// expert without a justification refused next to the input, R-NOM-04),
// its opinion form's PDF and the signed scan with the result, the signed
// list, the public notice (a start in the past refused; the last working
// day and the first day to hand in shown), an objection recorded and
// handled, the hand-in refused while the notice runs and accepted after.
func nominationParts(t *testing.T, s *site, u *tab, dir string) {
	pdf := filepath.Join(dir, "scan.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.fill(map[string]string{"f-scheme-standards": "学术水平与国际影响", "f-scheme-process": "专家提名、评审委员会遴选、公示",
		"f-scheme-contact-name": "联络员", "f-scheme-contact-mobile": "13800000009"})
	u.click(`#save-scheme`)
	u.waitFor(`!!document.querySelector('#f-scheme-principles-error')`)
	labelled(t, u)
	u.fill(map[string]string{"f-scheme-principles": "公开、公平、公正"})
	u.click(`#save-scheme`)
	u.waitFor(`location.search.includes('done=scheme')`)
	if got := eval[string](u, `document.querySelector('#f-scheme-principles').value`); got != "公开、公平、公正" {
		t.Errorf("the saved scheme reads %q", got)
	}

	u.fill(map[string]string{"f-expert-name": "提名专家", "f-expert-institution": "示范大学", "f-expert-title": "教授"})
	u.click(`#save-expert`)
	u.waitFor(`location.search.includes('done=expert')`)
	contains(t, "the experts", u.text("#experts"), "提名专家")
	file := eval[string](u, `location.pathname`)
	u.open(eval[string](u, `document.querySelector('#experts tbody a').getAttribute('href')`))
	u.fill(map[string]string{"f-nominate-nominations-0-conference": "示范青年培训班", "f-nominate-nominations-0-reason": "面向青年学者"})
	u.click(`#save-nominate`)
	u.waitFor(`!!document.querySelector('#f-nominate-nominations-0-conference-error')`)
	contains(t, "an expert nominates a training course", u.text("#f-nominate-nominations-0-conference-error"), "R-NOM-02")
	labelled(t, u)
	nomShot(t, u, "nomination-expert-errors")
	u.fill(map[string]string{"f-nominate-nominations-0-conference": "示范数学年会", "f-nominate-nominations-0-reason": "本领域最重要的年度会议"})
	u.click(`#save-nominate`)
	u.waitFor(`location.search.includes('done=1')`)
	pdfLink(t, u, "#expert-pdf")
	u.axe("expert's nomination form")
	u.open(file)

	member := func(i int, name, inst string) map[string]string {
		p := fmt.Sprintf("f-committee-members-%d-", i)
		return map[string]string{p + "name": name, p + "institution": inst, p + "discipline": "数学", p + "sector": "科研院所", p + "region": "华东"}
	}
	for i := range 4 {
		u.fill(member(i, fmt.Sprintf("评审专家%d", i), "示范研究院"))
	}
	u.click(`#save-committee`)
	u.waitFor(`!!document.querySelector('#f-committee-members-error')`)
	contains(t, "a committee of four", u.text("#f-committee-members-error"), "R-NOM-04")
	u.fill(member(4, "提名专家", "示范大学"))
	u.click(`#save-committee`)
	u.waitFor(`!!document.querySelector('#f-committee-members-4-justification-error')`)
	contains(t, "a nominating expert without a justification", u.text("#f-committee-members-4-justification-error"), "R-NOM-04")
	labelled(t, u)
	nomShot(t, u, "nomination-committee-errors")
	u.axe("committee with errors")
	u.fill(map[string]string{"f-committee-members-4-justification": "该领域国内专家有限，经单位研究同意"})
	u.click(`#save-committee`)
	u.waitFor(`location.search.includes('done=committee')`)
	pdfLink(t, u, "#committee-pdf")
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-opinion-scanFileId"), []string{pdf}))
	u.fill(map[string]string{"f-opinion-result": "同意推荐", "f-opinion-opinion": "学术水平高"})
	u.click(`#save-opinion`)
	u.waitFor(`location.search.includes('done=opinion')`)
	pdfLink(t, u, "#list-pdf")
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-signed-scanFileId"), []string{pdf}))
	u.click(`#save-signed`)
	u.waitFor(`location.search.includes('done=signed')`)
	contains(t, "the signed list kept", u.text("#f-signed-scanFileId-current"), "scan.pdf")
	// The previous guide's resources: priority at recognition.
	u.fill(map[string]string{"f-previous-videos": "https://video.example.org/2026-annual"})
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-previous-proceedings"), []string{pdf}))
	u.click(`#save-previous`)
	u.waitFor(`location.search.includes('done=previous')`)
	contains(t, "priority", u.text("#priority"), "优先")
	contains(t, "the previous resources sent", u.text("#previous-sent"), "https://video.example.org/2026-annual")
	pdfLink(t, u, "#previous-sent a.proceedings")

	// The notice (R-NOM-04): today is Thursday 2027-05-20.
	u.fill(map[string]string{"f-notice-starts": "2027-05-19", "f-notice-where": "https://math.demo-society.org.cn/notice"})
	u.click(`#save-notice`)
	u.waitFor(`!!document.querySelector('#f-notice-starts-error')`)
	contains(t, "a notice starting yesterday", u.text("#f-notice-starts-error"), "R-NOM-04")
	u.fill(map[string]string{"f-notice-starts": "2027-05-24"})
	u.click(`#save-notice`)
	u.waitFor(`location.search.includes('done=notice')`)
	contains(t, "the notice's last day", u.text("#notice-last"), "2027-05-28")
	contains(t, "the first day to hand in", u.text("#notice-from"), "2027-05-29")

	s.clock.Set(time.Date(2027, 5, 25, 10, 0, 0, 0, domain.Shanghai))
	u.signIn("contact@math.demo-society.org.cn", academyPassword)
	u.open(file)
	u.fill(map[string]string{"f-objection-raisedOn": "2027-05-25", "f-objection-objector": "某会员", "f-objection-content": "该会议上届参会人数不足"})
	u.click(`#save-objection`)
	u.waitFor(`location.search.includes('done=objection')`)
	u.do(chromedp.SetValue(chromedp.ID("f-objectionId"), eval[string](u, `document.querySelector('#f-objectionId option:nth-child(2)').value`)))
	u.do(chromedp.SetValue(chromedp.ID("f-handle-outcome"), "dismissed"))
	u.fill(map[string]string{"f-handle-handling": "经核实，上届参会三百余人"})
	u.click(`#save-handle`)
	u.waitFor(`location.search.includes('done=handle')`)
	contains(t, "the objection handled", u.text("#objections"), "不予采纳")
	u.click(`#submit-nomination`)
	u.waitFor(`!!document.querySelector('#error-summary')`)
	contains(t, "handed in on notice", eval[string](u, `(document.querySelector('#error-summary a[href="#f-notice"]') || {}).innerText || ''`), "公示")
	nomShot(t, u, "nomination-notice")
	u.axe("nomination file on notice")

	s.clock.Set(time.Date(2027, 5, 31, 9, 0, 0, 0, domain.Shanghai))
	u.signIn("contact@math.demo-society.org.cn", academyPassword)
	u.open(file)
	u.click(`#submit-nomination`)
	u.waitFor(`location.search.includes('done=submit')`)
	contains(t, "handed in", u.text("#record-status"), "已提交")
	nomShot(t, u, "nomination-file")
	u.axe("nomination file")
}

// nominationGuide: the organiser's staff open the handed-in file,
// recognise its conference (the English name required, next to its
// input, R-NOM-06) and publish the guide: the catalogue's PDF and xlsx,
// the certificate, the public read-only list for anyone. The host then
// updates its conference (refused within two weeks of the opening, the
// error shown, R-NOM-05), submits its resources after it (a link that is
// none refused next to its input) and takes part in quality tracking.
func nominationGuide(t *testing.T, s *site, b *browser, st, u *tab, cycle string) {
	file := eval[string](u, `location.pathname`)
	u.open("/nominations")
	contains(t, "the unit's cycles: its file", u.text("#cycles"), "已提交")
	// The staff find the file from their cycles, then the cycle's files
	// across units (filtered, exported).
	st.signIn("staff@assoc.demo-cast.org.cn", academyPassword)
	contains(t, "the staff's inbox", st.text(`section[aria-labelledby="sec-nom_inbox"]`), "认定推荐会议")
	nomShot(t, st, "nomination-inbox")
	contains(t, "the staff's inbox", st.text(`section[aria-labelledby="sec-nom_inbox"]`), "认定推荐会议")
	nomShot(t, st, "nomination-inbox")
	st.open("/nominations")
	contains(t, "the staff's to-do", st.text("#cycles"), "认定推荐会议")
	st.click(`#cycles tbody a`)
	st.waitFor(`!!document.querySelector('#files')`)
	st.fill(map[string]string{"f-q": "数学"})
	st.do(chromedp.SetValue(chromedp.ID("f-status"), "submitted"))
	st.click(`#filter-files`)
	st.waitFor(`location.search.includes('status=submitted')`)
	contains(t, "the cycle's files", st.text("#files"), "示范数学会")
	if ct, err := chromedp.Run(st.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#files-csv').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`, chromedp.EvalAwaitPromise)); err != nil || !strings.HasPrefix(ct, "200 text/csv") {
		t.Errorf("the files' export: %s %v", ct, err)
	}
	nomShot(t, st, "nomination-cycle-files")
	st.axe("the cycle's files")
	st.click(`#files tbody a`)
	st.waitFor(`location.pathname === '` + file + `'`)
	// The staff decline the second (R-NOM-06): shown as declined with its
	// reason, no longer offered to decide.
	declined := `document.querySelector('#f-decide-rec option:nth-child(3)')`
	contains(t, "the conference to decline", eval[string](st, declined+`.textContent`), "示范几何研讨会")
	st.do(chromedp.SetValue(chromedp.ID("f-decide-rec"), eval[string](st, declined+`.value`)))
	st.fill(map[string]string{"f-decide-reason": "与年会内容重复"})
	st.click(`#save-decline`)
	st.waitFor(`location.search.includes('done=decide')`)
	contains(t, "declined", st.text("#recognition"), "未认定 · 与年会内容重复")
	if n := eval[int](st, `document.querySelectorAll('#f-decide-rec option').length`); n != 2 {
		t.Errorf("the conferences left to decide: %d options; want the placeholder and one", n)
	}
	st.do(chromedp.SetValue(chromedp.ID("f-decide-rec"), eval[string](st, `document.querySelector('#f-decide-rec option:nth-child(2)').value`)))
	st.click(`#save-recognise`)
	st.waitFor(`!!document.querySelector('#f-decide-nameEn-error')`)
	labelled(t, st)
	nomShot(t, st, "nomination-recognise-errors")
	st.axe("recognition with errors")
	st.fill(map[string]string{"f-decide-nameEn": "Annual Meeting of the Demo Mathematical Society"})
	st.click(`#save-recognise`)
	st.waitFor(`location.search.includes('done=decide')`)
	contains(t, "recognised", st.text("#recognition"), "Annual Meeting of the Demo Mathematical Society")
	// The staff read the previous guide's proceedings the unit sent,
	// through its file.
	pdfLink(t, st, "#previous-sent a.proceedings")
	st.click(`#guide-link`)
	st.waitFor(`!!document.querySelector('#save-publish')`)
	contains(t, "the guide before publication", st.text("#guide-status"), "未发布")
	st.click(`#save-publish`)
	st.waitFor(`location.search.includes('done=publish')`)
	contains(t, "the guide published", st.text("#guide-status"), "已发布")
	pdfLink(t, st, "#guide-pdf")
	pdfLink(t, st, "#guide a.certificate")
	nomShot(t, st, "nomination-guide")
	st.axe("the guide")

	anyone := b.user("anyone")
	anyone.open("/guides/" + strings.TrimPrefix(cycle, "/nominations/cycles/"))
	contains(t, "the public list", anyone.text("#public-guide"), "Annual Meeting of the Demo Mathematical Society")
	nomShot(t, anyone, "nomination-public-guide")
	anyone.axe("the public guide")

	// The unit reads its recognition results on its file once the guide
	// is out: the recognised conference and the declined one with its
	// reason (R-NOM-06).
	u.open(file)
	contains(t, "the unit's results", u.text("#recognition"), "Annual Meeting of the Demo Mathematical Society")
	contains(t, "the unit's decline", u.text("#recognition"), "未认定 · 与年会内容重复")
	nomShot(t, u, "nomination-results")

	// The conference opens on 2027-10-10: updates until 2027-09-26.
	u.open(cycle + "/guide")
	pick := func(sel string) {
		u.do(chromedp.SetValue(chromedp.ID(sel), eval[string](u, `document.querySelector('#`+sel+` option:nth-child(2)').value`)))
	}
	pick("f-update-rec")
	u.fill(map[string]string{"f-update-openingDate": "2027-10-10", "f-update-place": "杭州"})
	u.click(`#save-update`)
	u.waitFor(`location.search.includes('done=update')`)
	contains(t, "the updated place", u.text("#guide"), "杭州")
	pdfLink(t, u, "#guide a.certificate")
	s.clock.Set(time.Date(2027, 9, 27, 10, 0, 0, 0, domain.Shanghai))
	u.signIn("contact@math.demo-society.org.cn", academyPassword)
	u.open(cycle + "/guide")
	pick("f-update-rec")
	u.fill(map[string]string{"f-update-openingDate": "2027-10-10", "f-update-place": "上海"})
	u.click(`#save-update`)
	u.waitFor(`!!document.querySelector('#f-update-error')`)
	contains(t, "an update 13 days before", u.text("#f-update-error"), "R-NOM-05")
	labelled(t, u)
	nomShot(t, u, "nomination-update-refused")
	u.axe("the host's update refused")

	s.clock.Set(time.Date(2027, 10, 12, 10, 0, 0, 0, domain.Shanghai))
	u.signIn("contact@math.demo-society.org.cn", academyPassword)
	u.open(cycle + "/guide")
	pick("f-resources-rec")
	u.fill(map[string]string{"f-resources-videos": "video.example.org/1"})
	u.click(`#save-resources`)
	u.waitFor(`!!document.querySelector('#f-resources-videos-error')`)
	contains(t, "a video that is no link", u.text("#f-resources-videos-error"), "R-NOM-05")
	labelled(t, u)
	contains(t, "no resources yet", u.text("#my-resources"), "尚未提交")
	pick("f-resources-rec")
	u.fill(map[string]string{"f-resources-videos": "https://video.example.org/1"})
	summary := filepath.Join(t.TempDir(), "summary.pdf")
	if err := os.WriteFile(summary, []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-resources-summaries"), []string{summary}))
	u.do(chromedp.SetUploadFiles(chromedp.ID("f-resources-proceedings"), []string{summary}))
	u.click(`#save-resources`)
	u.waitFor(`location.search.includes('done=resources')`)
	// What was submitted: the link, the summary and the proceedings, each
	// read back as the PDF uploaded.
	for _, want := range []string{"https://video.example.org/1", "专家观点综述 1", "会议论文集 1"} {
		contains(t, "the resources submitted", u.text("#my-resources"), want)
	}
	pdfLink(t, u, "#my-resources a.summary")
	pdfLink(t, u, "#my-resources a.proceedings")
	// The organiser's staff open the host's uploads from the guide.
	st.signIn("staff@assoc.demo-cast.org.cn", academyPassword)
	st.open(cycle + "/guide")
	pdfLink(t, st, "#guide a.summary")
	pdfLink(t, st, "#guide a.proceedings")
	nomShot(t, st, "nomination-guide-staff-resources")
	pick("f-track-rec")
	u.click(`#save-track`)
	u.waitFor(`location.search.includes('done=track')`)
	contains(t, "quality tracking", u.text("#guide"), "已参加")
	nomShot(t, u, "nomination-guide-host")
	// English: the same page, every label translated.
	u.click(`form[action="/lang"] button`)
	u.waitFor(`document.documentElement.lang === 'en'`)
	contains(t, "English guide page", u.text("#mine-h"), "My unit's recognised conferences")
	nomShot(t, u, "nomination-guide-host-en")
	u.click(`form[action="/lang"] button`)
	u.waitFor(`document.documentElement.lang !== 'en'`)
}

// rawPath is a form's field path (decide.nameEn, members[0]) where a
// label belongs.
var rawPath = regexp.MustCompile(`\b[a-z][A-Za-z]*(\.[A-Za-z]+|\[\d+\])`)

// labelled: the error summary names each input by its label, never by
// its field path.
func labelled(t *testing.T, u *tab) {
	t.Helper()
	if sum := u.text("#error-summary"); rawPath.MatchString(sum) {
		t.Errorf("the error summary shows a field path: %s", sum)
	}
}

// rawKey is a message key the page shows where its text belongs.
var rawKey = regexp.MustCompile(`\b(nom|nunit|ncycle|ntask|nstatus|nkind|nquota|nobj|ncode|upload)_[a-z_]+`)

// nomShot writes the screenshot of a page that shows no message key.
func nomShot(t *testing.T, u *tab, name string) {
	t.Helper()
	if k := rawKey.FindString(u.text("body")); k != "" {
		t.Errorf("%s shows the message key %s", name, k)
	}
	u.shot(name)
}

// pdfLink fetches the document a link names: a PDF.
func pdfLink(t *testing.T, u *tab, sel string) {
	t.Helper()
	ct, err := chromedp.Run(u.ctx, chromedp.Evaluate[string](`fetch(document.querySelector('`+sel+`').href).then(r => r.status + ' ' + r.headers.get('Content-Type'))`, chromedp.EvalAwaitPromise))
	if err != nil || ct != "200 application/pdf" {
		t.Errorf("%s: %s %v", sel, ct, err)
	}
}
