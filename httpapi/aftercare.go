package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/projections"
)

// The aftercare of an approved conference: its change request (R-CHG-*),
// its summary (R-SUM-*) and its deadlines (R-DECL-05, R-DECL-11, R-SUM-02).

func (s *Server) requestChange(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var x change.Proposal
	if !ok || !decode(w, r, &x) {
		return
	}
	res, err := s.App.RequestChange(r.Context(), actorOf(r.Context()), m, commands.RequestChange{DeclarationID: id, Proposal: x})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/declarations/"+id.String()+"/change-request")
}

type changeDecideFunc = func(context.Context, domain.Actor, commands.Meta, commands.DecideChange) (commands.Result, error)

func (s *Server) changeDecision(run changeDecideFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
			return run(ctx, a, m, commands.DecideChange{DeclarationID: id, Text: b.Reason})
		})
	}
}

type summaryDecideFunc = func(context.Context, domain.Actor, commands.Meta, commands.DecideSummary) (commands.Result, error)

func (s *Server) summaryDecision(run summaryDecideFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
			return run(ctx, a, m, commands.DecideSummary{DeclarationID: id, Text: b.Reason})
		})
	}
}

// summaryStep runs a summary command that takes no body.
func (s *Server) summaryStep(run func(context.Context, domain.Actor, commands.Meta, uuid.UUID) (commands.Result, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		m, ok := meta(w, r)
		if !ok {
			return
		}
		var none struct{}
		if !decodeOptional(w, r, &none) {
			return
		}
		res, err := run(r.Context(), actorOf(r.Context()), m, id)
		s.answer(w, r, res, err)
	}
}

func (s *Server) saveSummary(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, c summary.Content) (commands.Result, error) {
		return s.App.SaveSummary(ctx, a, m, id, c)
	})
}

// getSummary answers from the summary's stream, never behind a write.
func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	v, err := s.App.SummaryAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v.Version > 0 && at.IsZero() {
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v.Version))
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) confirmNGOFiling(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.ConfirmNGOFiling) (commands.Result, error) {
		cmd.DeclarationID = id
		return s.App.ConfirmNGOFiling(ctx, a, m, cmd)
	})
}

// myStanding is the applicant's standing: summaries due and what blocks
// new declarations (R-SUM-02).
func (s *Server) myStanding(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r, projections.SummariesName) {
		return
	}
	p, err := s.App.Policies().Current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.Reads.Standing(r.Context(), actorOf(r.Context()), s.App.Today(), p)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// aftercareRoutes are the status views and approval logs of a conference's
// change request and summary (kinds "change" and "summary", keyed by the
// declaration id).
func (s *Server) aftercareRoutes() (changeStatus, changeLog, summaryStatus, summaryLog http.HandlerFunc) {
	logOf := func(kind string) http.HandlerFunc {
		return declarationRead(s, func(ctx context.Context, a domain.Actor, id uuid.UUID) ([]projections.LogEntry, error) {
			return s.approvalLog(ctx, a, kind, id)
		}, entries, projections.ApprovalLogName, projections.StatusViewName)
	}
	changeStatus = declarationRead(s, s.Reads.ChangeStatus, same, projections.StatusViewName)
	summaryStatus = declarationRead(s, s.Reads.SummaryStatus, same, projections.StatusViewName)
	return changeStatus, logOf("change"), summaryStatus, logOf("summary")
}

// listRead answers a read-model query that takes a filter from the query
// string: every bad parameter at once (400), then, when the client asks, a
// wait for the named read models, then the query in the caller's scope.
func listRead[F, T any](s *Server, parse func(url.Values) (F, []domain.FieldError),
	query func(context.Context, domain.Actor, F) (T, error), names ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, fields := parse(r.URL.Query())
		if len(fields) > 0 {
			badRequest(w, r, fields...)
			return
		}
		if !s.consistent(w, r, names...) {
			return
		}
		v, err := query(r.Context(), actorOf(r.Context()), f)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

// listSummaries judges due dates by the policy clock's today and the
// summary rules in force (R-SUM-02).
func (s *Server) listSummaries(ctx context.Context, a domain.Actor, f projections.SummaryFilter) (projections.SummaryPage, error) {
	p, err := s.App.Policies().Current(ctx)
	if err != nil {
		return projections.SummaryPage{}, err
	}
	return s.Reads.Summaries(ctx, a, f, s.App.Today(), p.Summary)
}
