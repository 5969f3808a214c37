package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/pdfdoc"
)

// A unit's nominees to a congress (seed 004): added within the quota
// (R-DEL-02), reviewed by the unit (R-DEL-03), reported all at once
// (R-DEL-04).

func pathUUID(w http.ResponseWriter, r *http.Request, name string) (uuid.UUID, bool) {
	id, err := uuid.Parse(chi.URLParam(r, name))
	if err != nil {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such record", Zh: "记录不存在"})
		return uuid.Nil, false
	}
	return id, true
}

func (s *Server) addNominee(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.AddNominee
	if !ok || !decode(w, r, &cmd) {
		return
	}
	cmd.CongressID = id
	res, err := s.App.AddNominee(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}

// nomineeDecision runs one of the unit's decisions on the nominee the path
// names, with an optional reason (required to reject).
// nomineeCommand is one of the unit's commands on a nominee.
type nomineeCommand = func(ctx context.Context, a domain.Actor, m commands.Meta, cmd commands.NomineeDecision) (commands.Result, error)

func (s *Server) nomineeDecision(run func(*commands.App) nomineeCommand) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		nominee, ok := pathUUID(w, r, "nomineeId")
		if !ok {
			return
		}
		if b.Reason == "" {
			b.Reason = b.Comment
		}
		res, err := run(s.App)(r.Context(), actorOf(r.Context()), m, commands.NomineeDecision{CongressID: id, NomineeID: nominee, Opinion: b.Reason})
		s.answer(w, r, res, err)
	}
}

func (s *Server) reportAll(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	res, err := s.App.ReportAll(r.Context(), actorOf(r.Context()), m, id)
	s.answer(w, r, res, err)
}

func (s *Server) getDelegation(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	unit, ok := pathUUID(w, r, "unitId")
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	v, err := s.App.DelegationAt(r.Context(), actorOf(r.Context()), id, unit, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) editNominee(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.EditNomineeCmd
	if !ok || !decode(w, r, &cmd) {
		return
	}
	nominee, ok := pathUUID(w, r, "nomineeId")
	if !ok {
		return
	}
	cmd.CongressID, cmd.NomineeID = id, nominee
	res, err := s.App.EditNominee(r.Context(), actorOf(r.Context()), m, cmd)
	s.answer(w, r, res, err)
}

// finalDecision is the organiser's final review of the nominee the path
// names, with an optional reason (required to reject).
func (s *Server) finalDecision(approve bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		unit, ok := pathUUID(w, r, "unitId")
		if !ok {
			return
		}
		nominee, ok := pathUUID(w, r, "nomineeId")
		if !ok {
			return
		}
		if b.Reason == "" {
			b.Reason = b.Comment
		}
		cmd := commands.FinalDecision{CongressID: id, UnitID: unit, NomineeID: nominee, Opinion: b.Reason}
		run := s.App.FinalRejectNominee
		if approve {
			run = s.App.FinalApproveNominee
		}
		res, err := run(r.Context(), actorOf(r.Context()), m, cmd)
		s.answer(w, r, res, err)
	}
}

// registrationForms serves the registration forms (登记表, R-DEL-06) of a
// unit's nominees in one PDF, a page each: ?nominee=<id> (repeated) for a
// selection, all of them without.
func (s *Server) registrationForms(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	unit, ok := pathUUID(w, r, "unitId")
	if !ok {
		return
	}
	var only []uuid.UUID
	for _, v := range r.URL.Query()["nominee"] {
		n, err := uuid.Parse(v)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "query:nominee", Rule: "SCHEMA", Message: "want a nominee id", Zh: "须为人选编号"})
			return
		}
		only = append(only, n)
	}
	forms, err := s.App.RegistrationForms(r.Context(), actorOf(r.Context()), id, unit, only)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := pdfdoc.RegistrationForms(&buf, forms, time.Now()); err != nil {
		s.writeError(w, r, fmt.Errorf("render registration forms: %w", err))
		return
	}
	writePDF(w, "registration-forms-"+unit.String()+".pdf", buf.Bytes())
}
