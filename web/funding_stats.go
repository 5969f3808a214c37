package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// fundingStat is one row of GET /api/v1/statistics/funding: a year's
// applications of one category that reached the bureau.
type fundingStat struct {
	Year         int   `json:"year"`
	Category     int   `json:"category"`
	Applications int64 `json:"applications"`
	Funded       int64 `json:"funded"`
	RequestedFen int64 `json:"requestedFen"`
	GrantedFen   int64 `json:"grantedFen"`
	ClawedFen    int64 `json:"clawedFen"`
	Overdue      int64 `json:"summariesOverdue"`
}

// fundingStatsView is the funding statistics page: its charts and the
// table of every figure by year and category.
type fundingStatsView struct {
	From, To string
	Charts   []chart
	Rows     []fundingStat
	Total    fundingStat
}

// fundingStatistics draws the funding statistics by year and category
// (issue 18 part 6) over what the user may see (the API's scope: the
// bureau its institutes', analysts and auditors all, an institute its
// own): applications and funded conferences counted, the amounts
// requested and granted in yuan, each a chart drawn on the server with
// its data table, and one table of every figure (clawed back, summaries
// late or overdue too). ?from= and ?to= bound the years.
func (s *Server) fundingStatistics(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_statistics")
	if !s.signedIn(w, r, v) {
		return
	}
	sv := fundingStatsView{}
	q := url.Values{}
	for _, k := range []string{"from", "to"} {
		x := strings.TrimSpace(r.URL.Query().Get(k))
		v.Form[k] = x
		if x != "" {
			q.Set(k, x)
		}
	}
	sv.From, sv.To = v.Form["from"], v.Form["to"]
	a := s.api(r, call{method: "GET", path: "/statistics/funding", query: q})
	var st struct {
		Items []fundingStat `json:"items"`
	}
	switch {
	case a.status == http.StatusBadRequest:
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "query:")
		}
		v.addProblems(p)
		v.relabel(func(v *view, path string) string { return v.T("fund_stats_" + path) })
		v.Data = sv
		s.render(w, r, http.StatusBadRequest, "funding_stats", v)
		return
	case !a.ok() || a.decode(&st) != nil:
		s.failed(w, r, v, a)
		return
	}
	sv.Rows = st.Items
	var apps, funded, requested, granted []bar
	for _, x := range st.Items {
		label := fmt.Sprintf("%d · %s", x.Year, v.T(fmt.Sprintf("fcat_short_%d", x.Category)))
		apps = append(apps, bar{Label: label, Value: x.Applications})
		funded = append(funded, bar{Label: label, Value: x.Funded})
		requested = append(requested, bar{Label: label, Value: x.RequestedFen, Text: yuan(x.RequestedFen)})
		granted = append(granted, bar{Label: label, Value: x.GrantedFen, Text: yuan(x.GrantedFen)})
		sv.Total.Applications += x.Applications
		sv.Total.Funded += x.Funded
		sv.Total.RequestedFen += x.RequestedFen
		sv.Total.GrantedFen += x.GrantedFen
		sv.Total.ClawedFen += x.ClawedFen
		sv.Total.Overdue += x.Overdue
	}
	money := func(id, title string, bars []bar) chart {
		c := newChart(id, v.T(title), bars)
		c.ValueLabel, c.Unit = v.T("fund_stats_yuan"), yuan
		return c
	}
	sv.Charts = []chart{
		newChart("chart-funding-applications", v.T("fund_stats_applications"), apps),
		newChart("chart-funding-funded", v.T("fund_stats_funded"), funded),
		money("chart-funding-requested", "fund_stats_requested", requested),
		money("chart-funding-granted", "fund_stats_granted", granted),
	}
	v.Data = sv
	s.render(w, r, http.StatusOK, "funding_stats", v)
}

var _ = addMsgs(map[string][2]string{
	"fund_statistics":         {"会议资助统计", "Conference funding statistics"},
	"fund_stats_from":         {"起始年度", "From year"},
	"fund_stats_to":           {"截止年度", "To year"},
	"fund_stats_applications": {"申请数（按年度和类别）", "Applications by year and category"},
	"fund_stats_funded":       {"资助数（按年度和类别）", "Funded conferences by year and category"},
	"fund_stats_requested":    {"申请金额（按年度和类别，元）", "Requested by year and category (yuan)"},
	"fund_stats_granted":      {"资助金额（按年度和类别，元）", "Granted by year and category (yuan)"},
	"fund_stats_yuan":         {"金额（元）", "Amount (yuan)"},
	"fund_stats_table":        {"统计表", "The figures"},
	"fund_stats_clawed":       {"追回金额（元）", "Clawed back (yuan)"},
	"fund_stats_overdue":      {"总结逾期", "Summaries late or overdue"},
	"fund_stats_total":        {"合计", "Total"},
	"fcat_short_1":            {"第一类", "Category 1"},
	"fcat_short_2":            {"第二类", "Category 2"},
	"fcat_short_3":            {"第三类", "Category 3"},
})
