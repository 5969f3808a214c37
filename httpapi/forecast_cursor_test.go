package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/econf/econf/domain"
)

// TestForecastListCursorOverHTTP walks the forecast list by cursor
// (nextCursor sent back as cursor) and by page: both give the same rows in
// the same order, newest first, by name in both directions and by start
// date; a walk by cursor with forecasts submitted between its pages, each
// sorting before its place, lists the forecasts it listed without them,
// each once (an offset walk would list the last row of a page again at the
// top of the next); a cursor that is malformed, of another order, or sent with
// page is a 400.
func TestForecastListCursorOverHTTP(t *testing.T) {
	h := newHarness(t)
	school := h.email(domain.RoleSchoolAdmin)
	for i := range 7 {
		h.submit(func(m map[string]any) {
			m["nameZh"] = fmt.Sprintf("2027年游标测试国际研讨会（%d）", (i*3)%7)
			m["nameEn"] = fmt.Sprintf("2027 Cursor Workshop %d", i)
		})
	}
	type page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Total      int    `json:"total"`
		Page       int    `json:"page"`
		NextCursor string `json:"nextCursor"`
	}
	list := func(query string) page {
		t.Helper()
		res := h.do("GET", "/api/v1/forecasts?"+query, school, nil, "X-Econf-Min-Position", h.headPosition())
		if res.status != 200 {
			t.Fatalf("GET ?%s: %d %s", query, res.status, res.body)
		}
		var p page
		if err := json.Unmarshal(res.body, &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// walk lists every page of order by cursor, calling between after
	// each page but the last.
	walk := func(order string, between func()) []string {
		var ids []string
		cursor := ""
		for range 20 {
			q := order + "&pageSize=2"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			p := list(q)
			if p.Page != 1 {
				t.Errorf("%s: a page by cursor says page %d", order, p.Page)
			}
			for _, it := range p.Items {
				ids = append(ids, it.ID)
			}
			if cursor = p.NextCursor; cursor == "" {
				return ids
			}
			if between != nil {
				between()
			}
		}
		t.Fatalf("%s: the cursor walk did not end", order)
		return nil
	}
	for _, order := range []string{"sort=submittedAt&order=desc", "sort=nameZh&order=asc", "sort=nameZh&order=desc", "sort=startDate&order=asc"} {
		var byPage []string
		for n := 1; ; n++ {
			p := list(fmt.Sprintf("%s&pageSize=2&page=%d", order, n))
			for _, it := range p.Items {
				byPage = append(byPage, it.ID)
			}
			if p.Total != 7 {
				t.Errorf("%s page %d: total %d; want 7", order, n, p.Total)
			}
			if (p.NextCursor == "") != (len(byPage) == 7) {
				t.Errorf("%s page %d: nextCursor %q after %d of 7", order, n, p.NextCursor, len(byPage))
			}
			if len(p.Items) < 2 {
				break
			}
		}
		if byCursor := walk(order, nil); len(byPage) != 7 || !slices.Equal(byCursor, byPage) {
			t.Errorf("%s: by cursor %v; by page %v", order, byCursor, byPage)
		}
	}

	// By name, each new forecast sorts before the walk's place: the
	// cursor's pages go on from where they were, none listed twice.
	before := walk("sort=nameZh&order=asc", nil)
	added := 0
	during := walk("sort=nameZh&order=asc", func() {
		added++
		h.submit(func(m map[string]any) {
			m["nameZh"] = fmt.Sprintf("2027年一游标期间新增研讨会（%d）", added)
		})
	})
	if added == 0 || !slices.Equal(during, before) {
		t.Errorf("with %d forecasts submitted during the walk, it listed %v; want %v", added, during, before)
	}

	first := list("sort=nameZh&order=asc&pageSize=2").NextCursor
	for _, c := range []struct{ name, query, field string }{
		{"not a cursor", "cursor=notacursor", "query:cursor"},
		{"base64 of something else", "cursor=" + url.QueryEscape("eyJzIjoieCJ9"), "query:cursor"},
		{"another order", "sort=nameZh&order=desc&cursor=" + url.QueryEscape(first), "query:cursor"},
		{"another sort", "sort=startDate&order=asc&cursor=" + url.QueryEscape(first), "query:cursor"},
		{"with page", "sort=nameZh&order=asc&page=2&cursor=" + url.QueryEscape(first), "query:page"},
	} {
		res := h.do("GET", "/api/v1/forecasts?"+c.query, school, nil)
		if fields, _ := res.refusal(); res.status != 400 || !slices.Contains(fields, c.field+" SCHEMA") {
			t.Errorf("%s: %d %v; want 400 naming %s", c.name, res.status, fields, c.field)
		}
	}
}
