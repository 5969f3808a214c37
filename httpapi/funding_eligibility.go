package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// eligibilityYear reads ?year= (default: the call for next year) and
// refuses any other parameter but those allowed.
func (s *Server) eligibilityYear(q url.Values, allowed ...string) (int, []domain.FieldError) {
	year := s.App.Today().Year + 1
	var bad []domain.FieldError
	for k := range q {
		if k != "year" && !slices.Contains(allowed, k) {
			bad = append(bad, domain.FieldError{Path: "query:" + k, Rule: "SCHEMA", Message: "unknown query parameter", Zh: "未知的查询参数"})
		}
	}
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2200 {
			bad = append(bad, domain.FieldError{Path: "query:year", Rule: "SCHEMA", Message: "want a year from 2000 to 2200", Zh: "应为2000至2200之间的年份"})
		}
		year = y
	}
	return year, bad
}

// fundingEligibilities answers every institute's eligibility for the call
// for ?year= that the actor may see (R-FUND-06, R-FUND-08).
func (s *Server) fundingEligibilities(w http.ResponseWriter, r *http.Request) {
	year, bad := s.eligibilityYear(r.URL.Query())
	if len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.FundingListName) {
		return
	}
	items, err := s.App.FundingEligibilities(r.Context(), actorOf(r.Context()), year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"year": year, "items": items})
}

// exportFundingEligibilities is the same list as xlsx (or csv): one row
// per institute, the reasons and the last day of its bars.
func (s *Server) exportFundingEligibilities(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	year, more := s.eligibilityYear(q)
	if bad = append(bad, more...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.FundingListName) {
		return
	}
	items, err := s.App.FundingEligibilities(r.Context(), actorOf(r.Context()), year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.export(w, r, format, "funding-eligibility", strconv.Itoa(year)+"年度资助申请资格", func(_ context.Context, sink projections.ExportSink) error {
		return eligibilityRows(items, sink)
	})
}

// eligibilityRows writes the list: institute, academy, year, eligible,
// the rules and reasons of its bars, until when (the latest last day;
// "提交总结报告后" when a bar lasts until an overdue summary is in).
func eligibilityRows(items []commands.InstituteEligibility, sink projections.ExportSink) error {
	if err := sink.Columns([]projections.ExportColumn{
		{Header: "研究所 (Institute)", Kind: projections.ExportText, Width: 30},
		{Header: "院 (Academy)", Kind: projections.ExportText, Width: 24},
		{Header: "年度 (Call year)", Kind: projections.ExportNumber, Width: 10},
		{Header: "可否申请 (Eligible)", Kind: projections.ExportText, Width: 10},
		{Header: "规则 (Rules)", Kind: projections.ExportText, Width: 20},
		{Header: "原因 (Why not)", Kind: projections.ExportText, Width: 60},
		{Header: "限制至 (Until)", Kind: projections.ExportText, Width: 18},
	}); err != nil {
		return err
	}
	row := make([]any, 7)
	for _, it := range items {
		eligible := "是"
		if !it.Eligible {
			eligible = "否"
		}
		var rules, why []string
		var until domain.Date
		open := false
		for _, b := range it.Bars {
			if !slices.Contains(rules, b.Rule) {
				rules = append(rules, b.Rule)
			}
			why = append(why, b.Zh)
			if b.Until.IsZero() {
				open = true
			} else if b.Until.After(until) {
				until = b.Until
			}
		}
		last := ""
		switch {
		case open:
			last = "提交总结报告后 (until the summary is in)"
		case !until.IsZero():
			last = until.String()
		}
		row[0], row[1], row[2], row[3] = it.InstituteName, it.AcademyName, int64(it.Year), eligible
		row[4], row[5], row[6] = strings.Join(rules, ", "), strings.Join(why, "；"), last
		if err := sink.Row(row); err != nil {
			return err
		}
	}
	return nil
}
