package httpapi

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/projections"
)

// parseNominationFilter reads the organiser's list's query: cycleId
// (without it, the newest cycle the actor takes part in), status, kind
// (comma-separated), q, sort, order, page, pageSize. Every bad value is
// named at once (SCHEMA, query:<name>).
func parseNominationFilter(q url.Values, paged bool) (commands.NominationFilter, []domain.FieldError) {
	f := commands.NominationFilter{Sort: "unitName", Page: 1, PageSize: 20}
	var bad []domain.FieldError
	add := func(path, msg, zh string) {
		bad = append(bad, domain.FieldError{Path: "query:" + path, Rule: "SCHEMA", Message: msg, Zh: zh})
	}
	known := map[string]bool{"cycleId": true, "status": true, "kind": true, "q": true, "sort": true, "order": true}
	if paged {
		known["page"], known["pageSize"] = true, true
	}
	for k := range q {
		if !known[k] {
			add(k, "unknown query parameter", "未知的查询参数")
		}
	}
	if v := q.Get("cycleId"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil || id == uuid.Nil {
			add("cycleId", "want the cycle's id (a UUID)", "征集周期（cycleId）应为UUID")
		}
		f.Cycle = id
	}
	for _, s := range splitValues(q.Get("status")) {
		switch st := nomination.Status(s); st {
		case nomination.StatusDrafting, nomination.StatusSubmitted, nomination.StatusReturned:
			f.Statuses = append(f.Statuses, st)
		default:
			add("status", "status (want drafting, submitted or returned)", "未知的推荐状态")
		}
	}
	for _, s := range splitValues(q.Get("kind")) {
		if k := org.Kind(s); k.Recommending() {
			f.Kinds = append(f.Kinds, k)
		} else {
			add("kind", "kind (want national_society, society_union, provincial_association or university_association)", "未知的推荐单位类型")
		}
	}
	f.Keyword = strings.TrimSpace(q.Get("q"))
	switch v := q.Get("sort"); v {
	case "", "unitName", "status", "updatedAt", "recommendations", "plan":
		if v != "" {
			f.Sort = v
		}
	default:
		add("sort", "sort (want unitName, status, updatedAt, recommendations or plan)", "未知的排序字段")
	}
	switch q.Get("order") {
	case "", "asc":
	case "desc":
		f.Desc = true
	default:
		add("order", "order (want asc or desc)", "排序方向应为asc或desc")
	}
	for _, p := range []struct {
		key      string
		to       *int
		min, max int
	}{{"page", &f.Page, 1, 100_000}, {"pageSize", &f.PageSize, 1, 100}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				add(p.key, "want a whole number from "+strconv.Itoa(p.min)+" to "+strconv.Itoa(p.max), "应为"+strconv.Itoa(p.min)+"至"+strconv.Itoa(p.max)+"的整数")
				continue
			}
			*p.to = n
		}
	}
	return f, bad
}

func splitValues(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// listNominations answers the organiser's list of a cycle's files across
// units (a unit's contact sees its own).
func (s *Server) listNominations(w http.ResponseWriter, r *http.Request) {
	f, bad := parseNominationFilter(r.URL.Query(), true)
	if len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.DirectoryName) {
		return
	}
	page, err := s.App.NominationFiles(r.Context(), actorOf(r.Context()), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// exportNominations is the same list, unpaged, as xlsx (or csv).
func (s *Server) exportNominations(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	f, more := parseNominationFilter(q, false)
	if bad = append(bad, more...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.DirectoryName) {
		return
	}
	rows, err := s.App.ExportNominationFiles(r.Context(), actorOf(r.Context()), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.export(w, r, format, "nominations", "推荐单位推荐情况", func(_ context.Context, sink projections.ExportSink) error {
		if err := sink.Columns([]projections.ExportColumn{
			{Header: "推荐单位 (Unit)", Kind: projections.ExportText, Width: 30},
			{Header: "单位类型 (Kind)", Kind: projections.ExportText, Width: 14},
			{Header: "状态 (Status)", Kind: projections.ExportText, Width: 10},
			{Header: "年度计划会议数 (Plan)", Kind: projections.ExportNumber, Width: 12},
			{Header: "推荐会议数 (Recommended)", Kind: projections.ExportNumber, Width: 12},
			{Header: "提名专家数 (Experts)", Kind: projections.ExportNumber, Width: 12},
			{Header: "优先 (Priority)", Kind: projections.ExportText, Width: 8},
			{Header: "更新时间 (Updated)", Kind: projections.ExportDateTime, Width: 18},
		}); err != nil {
			return err
		}
		row := make([]any, 8)
		for _, it := range rows {
			priority := ""
			if it.Priority {
				priority = "是"
			}
			row[0], row[1], row[2], row[3] = it.UnitName, kindZh(it.Kind), it.Status.Zh(), int64(it.Plan)
			row[4], row[5], row[6], row[7] = int64(it.Recommendations), int64(it.Experts), priority, beijingWall(it.UpdatedAt)
			if err := sink.Row(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// kindZh names a recommending unit's kind in Chinese (seed 003).
func kindZh(k org.Kind) string {
	switch k {
	case org.NationalSociety:
		return "全国学会"
	case org.SocietyUnion:
		return "学会联合体"
	case org.ProvincialAssociation:
		return "省级科协"
	case org.UniversityAssociation:
		return "高校科协"
	}
	return string(k)
}

// beijingWall is t's Beijing wall-clock time as a UTC time (spreadsheets
// have no time zones; projections.ExportDateTime).
func beijingWall(t time.Time) time.Time {
	b := t.In(domain.Shanghai)
	return time.Date(b.Year(), b.Month(), b.Day(), b.Hour(), b.Minute(), b.Second(), 0, time.UTC)
}
