package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/anchor"
	"github.com/econf/econf/internal/replica"
	"github.com/econf/econf/projections"
)

// meta reads what identifies a command from the request: the command id
// derived from Idempotency-Key, the correlation id, and If-Match.
func meta(w http.ResponseWriter, r *http.Request) (commands.Meta, bool) {
	m := commands.Meta{CommandID: commandID(r.Context()), CorrelationID: r.Header.Get("X-Correlation-Id")}
	if m.CorrelationID == "" {
		m.CorrelationID = r.Header.Get("X-Request-Id")
	}
	if len(m.CorrelationID) > 200 {
		m.CorrelationID = m.CorrelationID[:200]
	}
	if im := strings.TrimSpace(r.Header.Get("If-Match")); im != "" && im != "*" {
		v, err := strconv.ParseUint(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "header:If-Match", Rule: "SCHEMA", Message: `want the ETag of the record, e.g. "3"`, Zh: "If-Match应为记录的ETag，例如 \"3\""})
			return m, false
		}
		ver := eventstore.Version(v)
		m.Expected = &ver
	}
	return m, true
}

func pathID(w http.ResponseWriter, r *http.Request) (uuid.UUID, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		// An id that cannot exist is simply not found: no hint about formats.
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such record", Zh: "记录不存在"})
		return uuid.Nil, false
	}
	return id, true
}

// commandDone answers a command: the record's version as ETag and the
// event's position, which queries may wait for (X-Econf-Min-Position).
func commandDone(w http.ResponseWriter, status int, res commands.Result, location string) {
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	if res.Position != (eventstore.Position{}) {
		w.Header().Set("X-Econf-Position", res.Position.String())
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	writeJSON(w, status, res)
}

func (s *Server) submitForecast(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var d forecast.Details
	if !ok || !decode(w, r, &d) {
		return
	}
	res, err := s.App.SubmitForecast(r.Context(), actorOf(r.Context()), m, commands.SubmitForecast{Details: d})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/forecasts/"+res.ID.String())
}

func (s *Server) reviseForecast(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, d forecast.Details) (commands.Result, error) {
		return s.App.ReviseForecast(ctx, a, m, commands.ReviseForecast{ForecastID: id, Details: d})
	})
}

// commentBody is the optional body of approvals and withdrawals.
type commentBody struct {
	Comment string `json:"comment" text:"multiline"`
	Reason  string `json:"reason" text:"multiline"`
}

// decision runs a command that takes an optional comment or reason.
func (s *Server) decision(w http.ResponseWriter, r *http.Request, run func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	var b commentBody
	if !decodeOptional(w, r, &b) {
		return
	}
	// Either name is accepted for the free text of any decision.
	if b.Reason == "" {
		b.Reason = b.Comment
	}
	if b.Comment == "" {
		b.Comment = b.Reason
	}
	res, err := run(r.Context(), actorOf(r.Context()), m, id, b)
	s.answer(w, r, res, err)
}

// onPath runs a command on the record the path's id names, with the
// request's metadata and its JSON body decoded into B, and answers with the
// command's result. B is struct{} for a command without a body: the body
// is then not read.
func onPath[B any](s *Server, w http.ResponseWriter, r *http.Request, run func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, body B) (commands.Result, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	var body B
	if _, none := any(body).(struct{}); !none && !decode(w, r, &body) {
		return
	}
	res, err := run(r.Context(), actorOf(r.Context()), m, id, body)
	s.answer(w, r, res, err)
}

func (s *Server) answer(w http.ResponseWriter, r *http.Request, res commands.Result, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusOK, res, "")
}

func (s *Server) withdrawForecast(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.WithdrawForecast(ctx, a, m, commands.WithdrawForecast{ForecastID: id, Reason: b.Reason})
	})
}

func (s *Server) approveAtUnit(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.ApproveAtUnit(ctx, a, m, commands.ApproveAtUnit{ForecastID: id, Comment: b.Comment})
	})
}

func (s *Server) approveAtSchool(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.ApproveAtSchool(ctx, a, m, commands.ApproveAtSchool{ForecastID: id, Comment: b.Comment})
	})
}

func (s *Server) approveByAuthority(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.ApproveByAuthority(ctx, a, m, commands.ApproveByAuthority{ForecastID: id, Comment: b.Comment})
	})
}

func (s *Server) rejectForecast(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.RejectForecast(ctx, a, m, commands.RejectForecast{ForecastID: id, Reason: b.Reason})
	})
}

// getForecast answers from the stream itself, so it is never behind a write.
func (s *Server) getForecast(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	f, err := s.App.ForecastAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if at.IsZero() {
		// An earlier revision is not one to write against.
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, f.Version))
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": f.ID, "version": f.Version, "status": f.Status, "details": f.Details, "signedForms": f.SignedForms, "warnings": f.Warnings})
}

func (s *Server) forecastHistory(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	h, err := s.App.ForecastHistoryAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		commands.ForecastHistory
		Proof *anchor.StreamProof `json:"proof,omitempty"`
	}{h, s.proofOf(r, commands.ForecastStream(id), h.Version)})
}

// stalledRetryAfter is the Retry-After, in seconds, of a read waiting for
// a stalled read model: it needs an operator, so not soon.
const stalledRetryAfter = "30"

// consistent waits, when the client asks with X-Econf-Min-Position, until
// the read models have applied that position (read-your-writes).
func (s *Server) consistent(w http.ResponseWriter, r *http.Request, names ...string) bool {
	v := r.Header.Get("X-Econf-Min-Position")
	if v == "" {
		return true
	}
	pos, err := eventstore.ParsePosition(v)
	if err != nil {
		badRequest(w, r, domain.FieldError{Path: "header:X-Econf-Min-Position", Rule: "SCHEMA", Message: err.Error(), Zh: "位置格式错误"})
		return false
	}
	if s.Replica != nil && replica.OnReplica(r.Context()) && s.Replica.WaitReadModels(r.Context(), pos, names...) {
		return true // the replica's read models have it; otherwise the reads moved to the primary
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.ConsistencyWait)
	defer cancel()
	if err := s.Waiter.WaitFor(ctx, pos, names...); err != nil {
		var stalled *projections.StalledError
		if errors.As(err, &stalled) {
			// Waiting does not help: an operator must act (see
			// docs/operations.md), and the read model says so in /readyz.
			w.Header().Set("Retry-After", stalledRetryAfter)
			writeProblem(w, r, problem{Type: problemBase + "read-model-stalled", Title: "A read model is stalled", Status: http.StatusServiceUnavailable,
				Detail: fmt.Sprintf("the read model %s is stopped at an event it cannot apply (since %s), before the requested position; the operator sees it in /readyz and retries it with `econf projections retry %s`",
					stalled.Stall.ReadModel, stalled.Stall.Since.UTC().Format(time.RFC3339), stalled.Stall.ReadModel),
				Zh: "读模型 " + stalled.Stall.ReadModel + " 处理某条事件失败已暂停，请联系管理员处理后重试"})
			return false
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			s.writeError(w, r, err)
			return false
		}
		w.Header().Set("Retry-After", "1")
		writeProblem(w, r, problem{Type: problemBase + "not-yet-consistent", Title: "Read models are behind", Status: http.StatusServiceUnavailable,
			Detail: "the read models have not reached the requested position yet; retry shortly", Zh: "数据尚未同步完成，请稍后重试"})
		return false
	}
	return true
}

func (s *Server) forecastStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.consistent(w, r, projections.StatusViewName) {
		return
	}
	st, err := s.Reads.ForecastStatus(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) forecastLog(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok || !s.consistent(w, r, projections.ApprovalLogName, projections.StatusViewName) {
		return
	}
	log, err := s.approvalLog(r.Context(), actorOf(r.Context()), "forecast", id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": log})
}
