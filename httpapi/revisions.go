package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

// approvalLog is a record's approval log (kind as the read model names
// it) where each reviewer's decision also links to the record as it stood
// at the revision decided on and lists the changes since the previous
// decision (commands.DecisionChanges): "approved what?" answered from the
// stream, which never changes under a decision already logged.
func (s *Server) approvalLog(ctx context.Context, a domain.Actor, kind string, id uuid.UUID) ([]projections.LogEntry, error) {
	log, err := s.Reads.ApprovalLog(ctx, a, kind, id)
	if err != nil {
		return nil, err
	}
	var decisions []commands.LoggedDecision
	var at []int
	for i, e := range log {
		if e.DecidedOn != nil {
			decisions = append(decisions, commands.LoggedDecision{Number: uint64(e.Number), Role: e.ActorRole})
			at = append(at, i)
		}
	}
	changes, err := s.App.DecisionChanges(ctx, a, kind, id, decisions)
	if errors.Is(err, domain.ErrNotFound) {
		// Who reads the log but not the record itself gets the log alone.
		return log, nil
	}
	if err != nil {
		return nil, err
	}
	for j, c := range changes {
		e := &log[at[j]]
		e.RecordURL = c.URL
		if c.Since > 0 {
			since := int64(c.Since)
			e.ChangesSince, e.Changes = &since, c.Changes
		}
	}
	return log, nil
}

// recordDiff answers GET …/diff?from=&to=: the record of kind kind at
// revision from compared with revision to, field by field; to is the last
// revision unless given, from the one before to (what to's event changed).
func (s *Server) recordDiff(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		var bad []domain.FieldError
		rev := func(name string) *eventstore.Version {
			v := r.URL.Query().Get(name)
			if v == "" {
				return nil
			}
			n, err := strconv.ParseUint(v, 10, 63)
			if err != nil {
				bad = append(bad, domain.FieldError{Path: "query:" + name, Rule: "SCHEMA",
					Message: "want a revision number: a whole number from 1, e.g. 3", Zh: "应为从1开始的整数版本号"})
			}
			rev := eventstore.Version(n)
			return &rev
		}
		from, to := rev("from"), rev("to")
		if len(bad) > 0 {
			badRequest(w, r, bad...)
			return
		}
		d, err := s.App.RecordDiff(r.Context(), actorOf(r.Context()), kind, id, from, to)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, d)
	}
}

// changeRequestAt answers GET /declarations/{id}/change-request with
// ?atRevision= or ?asOf=: the change stream folded up to then
// (commands.RecordRevision); without either, now is the read model's.
func (s *Server) changeRequestAt(now http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !q.Has("atRevision") && !q.Has("asOf") {
			now(w, r)
			return
		}
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		at, ok := pointParam(w, r)
		if !ok {
			return
		}
		v, err := s.App.RecordAt(r.Context(), actorOf(r.Context()), "change", id, at)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}
