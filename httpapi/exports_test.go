package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/domain"
)

// exported is an export read back: the header row and the data rows.
type exported struct {
	header []string
	rows   [][]string
}

// ids is the first column of the data rows, sorted.
func (e exported) ids() []string {
	var out []string
	for _, r := range e.rows {
		out = append(out, r[0])
	}
	slices.Sort(out)
	return out
}

// col is the index of the column whose header starts with prefix.
func (e exported) col(t *testing.T, prefix string) int {
	t.Helper()
	i := slices.IndexFunc(e.header, func(h string) bool { return strings.HasPrefix(h, prefix) })
	if i < 0 {
		t.Fatalf("no column %s in %v", prefix, e.header)
	}
	return i
}

// export downloads path (an export with its query) as who and reads the
// file back, checking the download headers.
func (h *harness) export(path, who, format, sheet, name string) (exported, *excelize.File) {
	t := h.t
	t.Helper()
	res := h.do("GET", path, who, nil)
	if res.status != 200 {
		t.Fatalf("GET %s as %s: %d %s", path, who, res.status, res.body)
	}
	day := h.clock.Now().In(domain.Shanghai).Format("20060102")
	if cd := res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+name+"-") || !strings.Contains(cd, "filename*=UTF-8''%E") ||
		!strings.HasSuffix(cd, "."+format) {
		t.Errorf("Content-Disposition %q (today %s)", cd, day)
	}
	var e exported
	switch format {
	case "csv":
		if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		body, ok := bytes.CutPrefix(res.body, []byte("\ufeff"))
		if !ok {
			t.Errorf("the CSV has no byte-order mark")
		}
		all, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(all) == 0 {
			t.Fatalf("read the CSV: %v (%d records)", err, len(all))
		}
		e.header, e.rows = all[0], all[1:]
		return e, nil
	default:
		if ct := res.header.Get("Content-Type"); ct != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("Content-Type %q", ct)
		}
		f, err := excelize.OpenReader(bytes.NewReader(res.body))
		if err != nil {
			t.Fatalf("read the workbook: %v", err)
		}
		t.Cleanup(func() { _ = f.Close() })
		all, err := f.GetRows(sheet)
		if err != nil || len(all) == 0 {
			t.Fatalf("read sheet %s of %v: %v (%d rows)", sheet, f.GetSheetList(), err, len(all))
		}
		e.header, e.rows = all[0], all[1:]
		return e, f
	}
}

// listed is the sorted ids the list shows who.
func (h *harness) listed(path, who string) []string {
	h.t.Helper()
	var ids []string
	for _, it := range h.do("GET", path+"?pageSize=100", who, nil).json(h.t)["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	slices.Sort(ids)
	return ids
}

// TestExports downloads the forecast and declaration lists as xlsx and
// CSV: the list's filters and scope (R-ACT-02), every row without paging,
// Chinese headers and dates as dates.
func TestExports(t *testing.T) {
	h := newHarness(t)
	approved := h.approvedForecast()
	h.submit(func(m map[string]any) {
		m["nameZh"], m["nameEn"], m["startDate"] = "2027年量子计算国际研讨会", "2027 Workshop on Quantum Computing", "2027-06-01"
	})
	h.submit(func(m map[string]any) { m["nameZh"], m["nameEn"] = "=HYPERLINK(\"x\")会议", "Formula Workshop" })
	if res := h.do("POST", "/api/v1/forecasts", h.tree.OtherApp.Email, forecastBody(func(m map[string]any) {
		m["nameZh"], m["nameEn"] = "2027年数字经济国际研讨会", "2027 Digital Economy Workshop"
	})); res.status != 201 {
		t.Fatalf("other unit's forecast: %d %s", res.status, res.body)
	}
	h.clock.Set(time.Date(2026, 10, 31, 10, 0, 0, 0, domain.Shanghai))
	clear(h.tokens)
	applicant, unit, otherUnit := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.tree.OtherUnitAd.Email
	if res := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": approved, "noticeAcknowledged": true}); res.status != 201 {
		t.Fatalf("start a declaration: %d %s", res.status, res.body)
	}

	wantForecastHeader := []string{"预报编号 (ID)", "计划年度 (Plan year)", "会议中文名称 (Chinese name)", "会议英文名称 (English name)", "开始日期 (Start date)",
		"会议类型 (Type)", "申报规模 (Declared scale)", "认定规模 (Computed scale)", "中方人数 (Chinese attendees)", "外方人数 (Foreign attendees)",
		"申请人 (Applicant)", "所在单位 (Unit)", "状态 (Status)", "提交时间 (Submitted at)", "更新时间 (Updated at)"}
	for _, who := range []string{unit, otherUnit, applicant, h.email(domain.RoleSchoolAdmin)} {
		want := h.listed("/api/v1/forecasts", who)
		for _, format := range []string{"xlsx", "csv"} {
			// Paging parameters are ignored: the export has every row.
			e, f := h.export("/api/v1/forecasts/export?format="+format+"&pageSize=1&page=2", who, format, "预报列表", "forecasts")
			if !slices.Equal(e.header, wantForecastHeader) {
				t.Errorf("%s header: %q", format, e.header)
			}
			if got := e.ids(); !slices.Equal(got, want) {
				t.Errorf("%s exports forecasts %v as %s; the list shows %v", who, got, format, want)
			}
			if f == nil || len(e.rows) == 0 {
				continue
			}
			// Dates are numbers formatted as dates, not text.
			start := e.col(t, "开始日期")
			cell, _ := excelize.CoordinatesToCellName(start+1, 2)
			raw, err := f.GetCellValue("预报列表", cell, excelize.Options{RawCellValue: true})
			if _, perr := strconv.ParseFloat(raw, 64); err != nil || perr != nil || !strings.HasPrefix(e.rows[0][start], "2027-0") {
				t.Errorf("start date cell %s: raw %q (%v), shown %q; want an Excel date shown as YYYY-MM-DD", cell, raw, err, e.rows[0][start])
			}
		}
	}
	if n := len(h.listed("/api/v1/forecasts", unit)); n != 3 {
		t.Fatalf("the unit lists %d forecasts; want 3", n)
	}
	if n := len(h.listed("/api/v1/forecasts", otherUnit)); n != 1 {
		t.Fatalf("the other unit lists %d forecasts; want 1", n)
	}

	// Filters apply; values are labelled in Chinese; times are Beijing time;
	// CSV text that Excel would run as a formula is defused.
	e, _ := h.export("/api/v1/forecasts/export?format=csv&status=approved", unit, "csv", "", "forecasts")
	if len(e.rows) != 1 || e.rows[0][0] != approved {
		t.Fatalf("approved forecasts: %v", e.rows)
	}
	row := e.rows[0]
	if row[e.col(t, "状态")] != "预报审核通过" || row[e.col(t, "开始日期")] != "2027-05-10" || row[e.col(t, "会议类型")] != "自然科学" ||
		row[e.col(t, "提交时间")] != "2026-09-10 10:00:00" || row[e.col(t, "外方人数")] != "40" {
		t.Errorf("approved forecast row: %q", row)
	}
	e, _ = h.export("/api/v1/forecasts/export?format=csv&q=HYPERLINK", unit, "csv", "", "forecasts")
	if len(e.rows) != 1 || e.rows[0][e.col(t, "会议中文名称")] != `'=HYPERLINK("x")会议` {
		t.Errorf("formula-like name in CSV: %v", e.rows)
	}
	e, _ = h.export("/api/v1/forecasts/export?q=HYPERLINK", unit, "xlsx", "预报列表", "forecasts")
	if len(e.rows) != 1 || e.rows[0][e.col(t, "会议中文名称")] != `=HYPERLINK("x")会议` {
		t.Errorf("formula-like name in xlsx (a string cell, kept as is): %v", e.rows)
	}

	// Declarations: the same, with their own filters and sheet.
	for _, who := range []string{applicant, unit, otherUnit} {
		want := h.listed("/api/v1/declarations", who)
		for _, format := range []string{"xlsx", "csv"} {
			e, _ := h.export("/api/v1/declarations/export?format="+format+"&sort=startDate&order=asc", who, format, "申报列表", "declarations")
			if len(e.header) != 20 || e.header[0] != "申报编号 (ID)" || e.header[e.col(t, "结束日期")] != "结束日期 (End date)" {
				t.Errorf("declaration header: %q", e.header)
			}
			if got := e.ids(); !slices.Equal(got, want) {
				t.Errorf("%s exports declarations %v as %s; the list shows %v", who, got, format, want)
			}
		}
	}
	if e, _ := h.export("/api/v1/declarations/export?format=csv&status=draft&startFrom=2027-01-01", applicant, "csv", "", "declarations"); len(e.rows) != 1 ||
		e.rows[0][e.col(t, "状态")] != "保存会议信息" || e.rows[0][e.col(t, "预报编号")] != approved {
		t.Errorf("the applicant's draft: %v", e.rows)
	}

	// Bad requests are problems, as for the lists; the routes are not ids.
	for _, c := range []struct {
		path, who string
		status    int
		field     string
	}{
		{"/api/v1/forecasts/export?format=pdf", unit, 400, "query:format"},
		{"/api/v1/forecasts/export?status=bogus", unit, 400, "query:status"},
		{"/api/v1/forecasts/export?colour=red", unit, 400, "query:colour"},
		{"/api/v1/declarations/export?format=xls&startFrom=2027-13-01", unit, 400, "query:startFrom"},
		{"/api/v1/declarations/export", "", 401, ""},
	} {
		res := h.do("GET", c.path, c.who, nil)
		if res.status != c.status || res.header.Get("Content-Type") != "application/problem+json" || res.header.Get("Content-Disposition") != "" ||
			(c.field != "" && !strings.Contains(string(res.body), `"path":"`+c.field+`"`)) {
			t.Errorf("GET %s: %d %s %s; want a %d problem naming %s", c.path, res.status, res.header.Get("Content-Type"), res.body, c.status, c.field)
		}
	}
	if res := h.do("GET", "/api/v1/forecasts/"+approved, unit, nil); res.status != 200 {
		t.Errorf("a forecast by id next to the export route: %d", res.status)
	}
}
