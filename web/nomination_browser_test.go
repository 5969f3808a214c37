package web_test

import (
	"path/filepath"
	"strings"
	"testing"

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
	st.shot("nomination-codes-errors")
	good := filledSheet(t, httpapi.CodesTemplate, dir, "codes.xlsx", [][]string{{"理科", "A-01", "示范数学会", "478"}})
	st.do(chromedp.SetUploadFiles(chromedp.ID("f-codes-sheet"), []string{good}))
	st.click(`#import-codes`)
	st.waitFor(`location.search.includes('done=1')`)
	contains(t, "the codes", st.text("#codes"), "示范数学会")
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
	if !strings.Contains(u.text("#quota"), "0") {
		t.Errorf("the quotas: %s", u.text("#quota"))
	}
	u.do(chromedp.SetValue(chromedp.ID("f-kind"), "mechanism"), chromedp.SetValue(chromedp.ID("f-field"), "数理科学"))
	u.fill(map[string]string{"f-name": "示范数学培训班", "f-host": "示范数学会", "f-openingDate": "2027-10-10", "f-place": "北京",
		"f-editions-0-number": "11", "f-editions-0-date": "2025-10-10", "f-editions-1-number": "12", "f-editions-1-date": "2026-10-10"})
	u.click(`#add-recommendation`)
	u.waitFor(`!!document.querySelector('#f-name-error')`)
	contains(t, "a training course", u.text("#f-name-error"), "R-NOM-02")
	u.shot("nomination-file-errors")
	u.axe("nomination file with errors")
	u.fill(map[string]string{"f-name": "示范数学年会"})
	u.click(`#add-recommendation`)
	u.waitFor(`location.search.includes('done=rec')`)
	contains(t, "the list", u.text("#recommendations"), "示范数学年会")
	if used := eval[string](u, `document.querySelector('#quota tr[data-key="others"] td:nth-child(3)').innerText`); used != "1" {
		t.Errorf("others' conferences used reads %q; want 1: %s", used, u.text("#quota"))
	}
	u.click(`#submit-nomination`)
	u.waitFor(`!!document.querySelector('#page-error')`)
	contains(t, "what is missing", u.text("#page-error"), "R-NOM-04")
	u.shot("nomination-file")
	u.axe("nomination file")
}
