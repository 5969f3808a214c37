package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/pdfdoc"
	"github.com/econf/econf/projections"
)

// The funding plan, the funded conferences' obligations, the bureau's
// sanctions and the funding reads (seed 002, R-FUND-05, R-FUND-06,
// R-FUND-08, R-FUND-09).

// decideFundingPlan takes the call's applications from the funding list,
// after waiting for it when the client sends X-Econf-Min-Position (the
// position of its last grant), and confirms each on its stream.
func (s *Server) decideFundingPlan(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.DecideFundingPlan
	if !ok || !decode(w, r, &cmd) || !s.consistent(w, r, projections.FundingListName) {
		return
	}
	res, err := s.App.DecideFundingPlan(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusOK, res, fmt.Sprintf("/api/v1/funding/plans/%d", cmd.Year))
}

func (s *Server) acknowledgeFunder(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.AcknowledgeFunder) (commands.Result, error) {
		cmd.FundingID = id
		return s.App.AcknowledgeFunder(ctx, a, m, cmd)
	})
}

func (s *Server) reportFundingProgress(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.FundingReport) (commands.Result, error) {
		cmd.FundingID = id
		return s.App.ReportFundingProgress(ctx, a, m, cmd)
	})
}

func (s *Server) fileFundingSummary(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.FundingReport) (commands.Result, error) {
		cmd.FundingID = id
		return s.App.FileFundingSummary(ctx, a, m, cmd)
	})
}

func (s *Server) clawBackFunding(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.ClawBackFunding) (commands.Result, error) {
		cmd.FundingID = id
		return s.App.ClawBackFunding(ctx, a, m, cmd)
	})
}

func (s *Server) suspendInstitute(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.SuspendInstitute) (commands.Result, error) {
		cmd.Institute = id
		return s.App.SuspendInstitute(ctx, a, m, cmd)
	})
}

func (s *Server) referInstitute(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.ReferInstitute) (commands.Result, error) {
		cmd.Institute = id
		return s.App.ReferInstitute(ctx, a, m, cmd)
	})
}

// yearParam reads the path's {year}; a bad one is not found.
func yearParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	y, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil || y < 2000 || y > 2200 {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such record", Zh: "记录不存在"})
		return 0, false
	}
	return y, true
}

// bureauQuery reads the optional ?bureau= of the plan's reads (auditors
// and analysts name the bureau; the bureau's own reviewers and the
// institutes' administrators need not).
func bureauQuery(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	q := r.URL.Query()
	for k := range q {
		if k != "bureau" {
			badRequest(w, r, domain.FieldError{Path: "query:" + k, Rule: "SCHEMA", Message: "unknown query parameter", Zh: "未知的查询参数"})
			return uuid.Nil, false
		}
	}
	if v := q.Get("bureau"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "query:bureau", Rule: "SCHEMA", Message: "want a UUID", Zh: "国际合作局ID格式错误"})
			return uuid.Nil, false
		}
		return id, true
	}
	return uuid.Nil, true
}

// fundingPlanBody is the plan as decided (from its stream) and its sums
// per category against the call's budget (from the read model).
type fundingPlanBody struct {
	commands.FundingPlan
	View projections.PlanView `json:"view"`
}

func (s *Server) fundingPlan(w http.ResponseWriter, r *http.Request) {
	year, ok := yearParam(w, r)
	if !ok {
		return
	}
	bureau, ok := bureauQuery(w, r)
	if !ok || !s.consistent(w, r, projections.FundingListName) {
		return
	}
	a := actorOf(r.Context())
	p, err := s.App.DecidedFundingPlan(r.Context(), a, bureau, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v, err := s.Reads.FundingPlanView(r.Context(), a, p.Bureau, year, p.BudgetFen)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	writeJSON(w, http.StatusOK, fundingPlanBody{FundingPlan: p, View: v})
}

// fundingNoticePDF is the formal notice (正式行文) of a decided plan: the
// funded conferences and amounts (R-FUND-05). Before the decision there
// is none.
func (s *Server) fundingNoticePDF(w http.ResponseWriter, r *http.Request) {
	year, ok := yearParam(w, r)
	if !ok {
		return
	}
	bureau, ok := bureauQuery(w, r)
	if !ok {
		return
	}
	p, err := s.App.DecidedFundingPlan(r.Context(), actorOf(r.Context()), bureau, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Decided == nil {
		s.writeError(w, r, &domain.StateError{Rule: "R-FUND-05", Status: "undecided", Action: "issue the notice",
			Message: fmt.Sprintf("the funding plan for %d is not decided yet", year), Zh: fmt.Sprintf("%d年度资助计划尚未审定", year)})
		return
	}
	d := p.Decided
	v := pdfdoc.FundingNoticeData{Bureau: p.BureauName, Year: year, DecidedAt: d.At, BudgetFen: d.BudgetFen, GrantedFen: d.GrantedFen}
	for _, l := range d.Lines {
		v.Lines = append(v.Lines, pdfdoc.NoticeLine{NameZh: l.NameZh, Institute: l.InstituteName, Category: l.Category, GrantedFen: l.GrantedFen})
	}
	for _, t := range d.Totals {
		v.Totals = append(v.Totals, pdfdoc.NoticeTotal{Category: t.Category, Funded: t.Funded, GrantedFen: t.GrantedFen})
	}
	var buf bytes.Buffer
	if err := pdfdoc.FundingNotice(&buf, v); err != nil {
		s.writeError(w, r, fmt.Errorf("render funding notice: %w", err))
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	writePDF(w, fmt.Sprintf("funding-notice-%d.pdf", year), buf.Bytes())
}

// instituteEligibility answers whether the institute may apply to the call
// for ?year= (default: next year's call) today, and why not until when.
func (s *Server) instituteEligibility(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	year, bad := s.eligibilityYear(r.URL.Query())
	if len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.FundingListName) {
		return
	}
	e, err := s.App.InstituteEligibility(r.Context(), actorOf(r.Context()), id, year)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}

func (s *Server) exportFunding(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	f, fields := projections.ParseFundingFilter(q)
	if bad = append(bad, fields...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.FundingListName) {
		return
	}
	s.export(w, r, format, "funding", "资助申请列表", func(ctx context.Context, sink projections.ExportSink) error {
		return s.Reads.ExportFundingTo(ctx, actorOf(ctx), f, sink)
	})
}

// parseFundingStats reads ?from= and ?to= (years).
func parseFundingStats(q url.Values) ([2]int, []domain.FieldError) {
	var out [2]int
	var bad []domain.FieldError
	for k := range q {
		if k != "from" && k != "to" {
			bad = append(bad, domain.FieldError{Path: "query:" + k, Rule: "SCHEMA", Message: "unknown query parameter", Zh: "未知的查询参数"})
		}
	}
	for i, k := range []string{"from", "to"} {
		if v := q.Get(k); v != "" {
			y, err := strconv.Atoi(v)
			if err != nil || y < 2000 || y > 2200 {
				bad = append(bad, domain.FieldError{Path: "query:" + k, Rule: "SCHEMA", Message: "want a year from 2000 to 2200", Zh: "应为2000至2200之间的年份"})
			}
			out[i] = y
		}
	}
	return out, bad
}

// fundingStats are the statistics by year and category.
func (s *Server) fundingStats(ctx context.Context, a domain.Actor, years [2]int) (map[string]any, error) {
	rows, err := s.Reads.FundingStats(ctx, a, years[0], years[1])
	if rows == nil {
		rows = []projections.FundingStat{}
	}
	return map[string]any{"items": rows}, err
}
