package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// chart is a horizontal bar chart drawn on the server as SVG: no script,
// no external host; its numbers are also a table for screen readers.
type chart struct {
	ID, Title string
	// ValueLabel names the bars' values in the data table ("" is a count);
	// NoTotal: the values do not add up (averages).
	ValueLabel string
	NoTotal    bool
	// Unit, when set, shows the values and the total (yuan from fen).
	Unit   func(int64) string
	Bars   []bar
	Height int
	Empty  bool
}

type bar struct {
	Label string
	Value int64
	// Text, when set, shows the value (an amount in yuan).
	Text         string
	Y, W, TextY  int
	ValueX       int
	LabelShorter string
}

// chart geometry: a label column, then bars scaled to the largest value.
const (
	chartLabelW = 200
	chartBarW   = 420
	chartRowH   = 28
)

func newChart(id, title string, bars []bar) chart {
	c := chart{ID: id, Title: title, Bars: bars, Height: max(len(bars), 1)*chartRowH + 8}
	var top int64
	for _, b := range bars {
		top = max(top, b.Value)
	}
	c.Empty = top == 0
	for i := range c.Bars {
		b := &c.Bars[i]
		b.Y = 4 + i*chartRowH
		b.TextY = b.Y + chartRowH/2 + 4
		if top > 0 {
			b.W = int(b.Value * chartBarW / top)
		}
		if b.Value > 0 {
			b.W = max(b.W, 2)
		}
		b.ValueX = chartLabelW + b.W + 6
		b.LabelShorter = b.Label
		if r := []rune(b.Label); len(r) > 16 {
			b.LabelShorter = string(r[:15]) + "…"
		}
	}
	return c
}

// statsView is the statistics page.
type statsView struct {
	Year   string
	Charts []chart
}

// statistics draws, over what the user may see (the API's scope):
// declarations and forecasts by status, declarations by scale and by
// unit, and the actual attendance by region and country from the
// accepted summaries.
func (s *Server) statistics(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "statistics")
	if !s.signedIn(w, r, v) {
		return
	}
	sv := statsView{}
	if y := strings.TrimSpace(r.URL.Query().Get("year")); y != "" {
		if n, err := strconv.Atoi(y); err != nil || n < 2000 || n > 2200 {
			v.addLocal("year", v.Msg("请输入2000至2200之间的年份", "Enter a year from 2000 to 2200"))
		} else {
			sv.Year = y
		}
	}
	v.Form["year"] = sv.Year
	count := func(k *recordKind, q url.Values) (int64, bool) {
		q.Set("pageSize", "1")
		if sv.Year != "" {
			q.Set(k.YearParam, sv.Year)
		}
		a := s.api(r, call{method: "GET", path: "/" + k.Seg, query: q})
		var p forecastPage
		if !a.ok() || a.decode(&p) != nil {
			s.failed(w, r, v, a)
			return 0, false
		}
		return p.Total, true
	}
	for _, k := range []*recordKind{declarationKind, forecastKind} {
		var bars []bar
		for _, st := range k.Statuses {
			n, ok := count(k, url.Values{"status": {st}})
			if !ok {
				return
			}
			bars = append(bars, bar{Label: k.status(v, st), Value: n})
		}
		sv.Charts = append(sv.Charts, newChart("chart-"+k.Seg+"-status", v.T("stats_"+k.Seg+"_status"), bars))
	}
	var bars []bar
	for _, sc := range []string{"small", "general", "major"} {
		n, ok := count(declarationKind, url.Values{"scale": {sc}})
		if !ok {
			return
		}
		bars = append(bars, bar{Label: v.Scale(sc), Value: n})
	}
	sv.Charts = append(sv.Charts, newChart("chart-scale", v.T("stats_scale"), bars))

	// By unit: every unit of the tree the user's scope shows records of.
	a := s.api(r, call{method: "GET", path: "/organisations"})
	var orgs struct {
		Items []struct {
			ID     string `json:"id"`
			Kind   string `json:"kind"`
			NameZh string `json:"nameZh"`
			NameEn string `json:"nameEn"`
		} `json:"items"`
	}
	if !a.ok() || a.decode(&orgs) != nil {
		s.failed(w, r, v, a)
		return
	}
	bars = nil
	for _, o := range orgs.Items {
		if o.Kind != "unit" {
			continue
		}
		n, ok := count(declarationKind, url.Values{"unitId": {o.ID}})
		if !ok {
			return
		}
		if n > 0 {
			bars = append(bars, bar{Label: v.Msg(o.NameZh, o.NameEn), Value: n})
		}
	}
	sv.Charts = append(sv.Charts, newChart("chart-unit", v.T("stats_unit"), bars))

	q := url.Values{}
	if sv.Year != "" {
		q.Set("year", sv.Year)
	}
	a = s.api(r, call{method: "GET", path: "/statistics/summaries", query: q})
	var sum struct {
		Attendance []struct {
			Region  string `json:"region"`
			Country string `json:"country"`
			Count   int64  `json:"count"`
		} `json:"attendance"`
	}
	if !a.ok() || a.decode(&sum) != nil {
		s.failed(w, r, v, a)
		return
	}
	bars = nil
	for _, x := range sum.Attendance {
		label := v.code("region_", x.Region)
		if x.Country != "" {
			label = x.Country
		}
		bars = append(bars, bar{Label: label, Value: x.Count})
	}
	sv.Charts = append(sv.Charts, newChart("chart-attendance", v.T("stats_attendance"), bars))

	// Lead times: the days from a declaration's submission to its
	// conference's first day, on average per unit.
	a = s.api(r, call{method: "GET", path: "/statistics/lead-times", query: q})
	var lt struct {
		Items []struct {
			UnitName   string  `json:"unitName"`
			Records    int64   `json:"records"`
			AvgDays    float64 `json:"avgDays"`
			MedianDays float64 `json:"medianDays"`
		} `json:"items"`
	}
	if !a.ok() || a.decode(&lt) != nil {
		s.failed(w, r, v, a)
		return
	}
	bars = nil
	for _, x := range lt.Items {
		bars = append(bars, bar{Label: x.UnitName, Value: int64(math.Round(x.AvgDays))})
	}
	c := newChart("chart-lead-times", v.T("stats_lead_times"), bars)
	c.ValueLabel, c.NoTotal = v.T("stats_avg_days"), true
	sv.Charts = append(sv.Charts, c)
	v.Data = sv
	s.render(w, r, http.StatusOK, "stats", v)
}

// Total is the sum of the chart's bars.
func (c chart) Total() int64 {
	var t int64
	for _, b := range c.Bars {
		t += b.Value
	}
	return t
}

// Shown is the bar's value as the chart shows it.
func (b bar) Shown() string {
	if b.Text != "" {
		return b.Text
	}
	return strconv.FormatInt(b.Value, 10)
}

// TotalShown is the sum of the chart's bars as it shows it.
func (c chart) TotalShown() string {
	if c.Unit != nil {
		return c.Unit(c.Total())
	}
	return strconv.FormatInt(c.Total(), 10)
}
