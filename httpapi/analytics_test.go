package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

// The analytics read models (issue 17 part 10): the time each review level
// took (service level), lead times and counts, through the API and the rm
// views alike, scoped as every other read.
func TestAnalyticsReviewTimesLeadTimesAndCounts(t *testing.T) {
	h := newHarness(t)
	unit, school, authority := h.email(domain.RoleUnitAdmin), h.email(domain.RoleSchoolAdmin), h.email(domain.RoleAuthorityReviewer)
	analyst := h.email(domain.RoleAnalyst)
	act := func(who, path string, body any) {
		t.Helper()
		if r := h.do("POST", path, who, body); r.status != http.StatusOK {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
	}
	advance := func(d time.Duration) {
		h.clock.Advance(d)
		clear(h.tokens) // the sessions expire meanwhile
	}
	a, _ := h.submit(nil)
	advance(2 * time.Hour)
	act(unit, "/api/v1/forecasts/"+a+"/approve-unit", nil)
	advance(5 * time.Hour)
	act(school, "/api/v1/forecasts/"+a+"/approve-school", nil)
	advance(24 * time.Hour)
	act(authority, "/api/v1/forecasts/"+a+"/approve-authority", nil)
	b, _ := h.submit(nil) // a day later: one day less of lead time
	advance(4 * time.Hour)
	act(unit, "/api/v1/forecasts/"+b+"/reject", map[string]string{"reason": "请补充外方合作单位"})

	type level struct {
		Level                   string   `json:"level"`
		UnitName                string   `json:"unitName"`
		Decisions               int64    `json:"decisions"`
		Avg                     float64  `json:"avgHours"`
		Median                  float64  `json:"medianHours"`
		Max                     float64  `json:"maxHours"`
		AvgHoursSinceSubmission *float64 `json:"avgHoursSinceSubmission"`
	}
	levels := func(who string) map[string]level {
		t.Helper()
		var ans struct{ Items []level }
		r := h.do("GET", "/api/v1/statistics/review-times?kind=forecast", who, nil)
		if r.status != http.StatusOK {
			t.Fatalf("review times as %s: %d %s", who, r.status, r.body)
		}
		decodeBody(t, r, &ans)
		out := map[string]level{}
		for _, l := range ans.Items {
			out[l.Level] = l
		}
		return out
	}
	got := levels(analyst)
	if u := got["unit"]; u.Decisions != 2 || u.Avg != 3 || u.Median != 3 || u.Max != 4 || u.UnitName != "计算机学院" {
		t.Errorf("unit level: %+v; want 2 decisions of 2 h and 4 h", u)
	}
	if s := got["school"]; s.Decisions != 1 || s.Avg != 5 || s.AvgHoursSinceSubmission == nil || *s.AvgHoursSinceSubmission != 7 {
		t.Errorf("school level: %+v; want 1 decision after 5 h, 7 h after submission", s)
	}
	if a := got["authority"]; a.Decisions != 1 || a.Avg != 24 || *a.AvgHoursSinceSubmission != 31 {
		t.Errorf("authority level: %+v; want 1 decision after 24 h, 31 h after submission", a)
	}
	// Scoped: the authority sees what reached it only (not the rejected
	// forecast's unit decision); another unit's admin sees nothing.
	if u := levels(authority)["unit"]; u.Decisions != 1 || u.Avg != 2 {
		t.Errorf("the authority's unit level: %+v; want the approved forecast's only", u)
	}
	if l := levels(h.tree.OtherUnitAd.Email); len(l) != 0 {
		t.Errorf("another unit's admin sees %v", l)
	}
	// The view holds the same rows for BI tools.
	var rows int
	var hours float64
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*), sum(hours) FROM rm.review_times WHERE record_kind = 'forecast'`).Scan(&rows, &hours); err != nil {
		t.Fatal(err)
	}
	if rows != 4 || hours != 35 {
		t.Errorf("rm.review_times: %d rows, %v hours; want 4 and 35", rows, hours)
	}

	var lead struct {
		Items []struct {
			Records          int64
			MinDays, MaxDays int64
		}
	}
	r := h.do("GET", "/api/v1/statistics/lead-times?kind=forecast&year=2027", analyst, nil)
	if r.status != http.StatusOK {
		t.Fatalf("lead times: %d %s", r.status, r.body)
	}
	decodeBody(t, r, &lead)
	if len(lead.Items) != 1 || lead.Items[0].Records != 2 || lead.Items[0].MaxDays != 242 || lead.Items[0].MinDays != 241 {
		t.Errorf("lead times: %s; want 2 forecasts, 241 and 242 days to 2027-05-10", r.body)
	}

	for by, want := range map[string]string{
		"status": `"items":[{"key":"approved","count":1},{"key":"rejected","count":1}]`,
		"unit":   `"items":[{"key":"` + h.tree.Unit.String() + `","name":"计算机学院","count":2}]`,
		"year":   `"items":[{"key":"2027","count":2}]`,
		"scale":  `"items":[{"key":"general","count":2}]`,
		"type":   `"items":[{"key":"natural_science","count":2}]`,
	} {
		r := h.do("GET", "/api/v1/statistics/counts?kind=forecast&by="+by, analyst, nil)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), want) || !strings.Contains(string(r.body), `"total":2`) {
			t.Errorf("counts by %s: %d %s; want %s", by, r.status, r.body, want)
		}
	}
	if r := h.do("GET", "/api/v1/statistics/counts?kind=forecast&by=status", h.tree.OtherUnitAd.Email, nil); !strings.Contains(string(r.body), `"total":0`) {
		t.Errorf("another unit's admin counts: %s", r.body)
	}
	for _, q := range []string{"/api/v1/statistics/counts?by=colour", "/api/v1/statistics/review-times?kind=nope", "/api/v1/statistics/review-times?level=ministry",
		"/api/v1/statistics/lead-times?kind=summary", "/api/v1/statistics/lead-times?page=2"} {
		if r := h.do("GET", q, analyst, nil); r.status != http.StatusBadRequest {
			t.Errorf("GET %s: %d %s; want 400", q, r.status, r.body)
		}
	}
}

func decodeBody(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%v: %s", err, r.body)
	}
}
