package httpapi

import (
	"archive/zip"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/internal/pdfdoc"
	"github.com/econf/econf/projections"
)

// The delegations' reads (seed 004, part 9): the delegates list with the
// seed's filters and its export, the organiser's overview, the
// delegation's status view and approval log, a nominee's history by
// replay, and the registration forms as a zip of single PDFs.

func (s *Server) exportDelegates(w http.ResponseWriter, r *http.Request) {
	q, format, bad := exportQuery(r)
	f, fields := projections.ParseDelegateFilter(q)
	if bad = append(bad, fields...); len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if !s.consistent(w, r, projections.DelegateListName) {
		return
	}
	s.export(w, r, format, "delegates", "代表委员推选名单", func(ctx context.Context, sink projections.ExportSink) error {
		return s.Reads.ExportDelegatesTo(ctx, actorOf(ctx), f, sink)
	})
}

func (s *Server) congressOverview(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	v, err := s.App.CongressOverview(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// delegationPath reads the congress and unit of a delegation's path.
func delegationPath(w http.ResponseWriter, r *http.Request) (congressID, unit uuid.UUID, ok bool) {
	if congressID, ok = pathID(w, r); !ok {
		return
	}
	unit, ok = pathUUID(w, r, "unitId")
	return
}

// delegationReads are the status view and the approval log of a unit's
// delegation to a congress.
func (s *Server) delegationReads() (status, log http.HandlerFunc) {
	status = func(w http.ResponseWriter, r *http.Request) {
		c, u, ok := delegationPath(w, r)
		if !ok || !s.consistent(w, r, projections.StatusViewName) {
			return
		}
		v, err := s.Reads.DelegationStatus(r.Context(), actorOf(r.Context()), delegation.ID(c, u))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
	log = func(w http.ResponseWriter, r *http.Request) {
		c, u, ok := delegationPath(w, r)
		if !ok || !s.consistent(w, r, projections.ApprovalLogName, projections.StatusViewName) {
			return
		}
		v, err := s.approvalLog(r.Context(), actorOf(r.Context()), "delegation", delegation.ID(c, u))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, entries(v))
	}
	return status, log
}

func (s *Server) nomineeHistory(w http.ResponseWriter, r *http.Request) {
	c, u, ok := delegationPath(w, r)
	if !ok {
		return
	}
	n, ok := pathUUID(w, r, "nomineeId")
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	h, err := s.App.NomineeHistoryAt(r.Context(), actorOf(r.Context()), c, u, n, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// nomineeSelection reads ?nominee=<id> (repeated): a selection of nominees,
// none for all of them.
func nomineeSelection(w http.ResponseWriter, r *http.Request) ([]uuid.UUID, bool) {
	var only []uuid.UUID
	for _, v := range r.URL.Query()["nominee"] {
		n, err := uuid.Parse(v)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "query:nominee", Rule: "SCHEMA", Message: "want a nominee id", Zh: "须为人选编号"})
			return nil, false
		}
		only = append(only, n)
	}
	return only, true
}

// registrationFormsZip serves the registration forms (登记表, R-DEL-06) of
// a unit's nominees as a zip of one PDF each, all of them or a selection
// (?nominee=). The zip is streamed: one form is rendered at a time into
// its entry, so memory stays at one PDF whatever the number of nominees.
func (s *Server) registrationFormsZip(w http.ResponseWriter, r *http.Request) {
	c, u, ok := delegationPath(w, r)
	if !ok {
		return
	}
	only, ok := nomineeSelection(w, r)
	if !ok {
		return
	}
	ctx, a := r.Context(), actorOf(r.Context())
	v, err := s.App.Delegation(ctx, a, c, u)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var ids []uuid.UUID
	for _, n := range v.Nominees {
		if len(only) == 0 || slices.Contains(only, n.ID) {
			ids = append(ids, n.ID)
		}
	}
	if len(only) > 0 && len(ids) != len(only) {
		s.writeError(w, r, fmt.Errorf("registration forms: a nominee named is not the unit's: %w", domain.ErrNotFound))
		return
	}
	forms, err := s.App.RegistrationForms(ctx, a, c, u, ids)
	if len(ids) == 0 {
		forms, err = nil, nil
	}
	if err == nil && len(forms) != len(ids) {
		err = fmt.Errorf("registration forms: the delegation changed while read: %w", domain.ErrNotFound)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="registration-forms-%s.zip"`, u))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	z := zip.NewWriter(w)
	now := time.Now()
	for i, f := range forms {
		entry, err := z.CreateHeader(&zip.FileHeader{Name: formFileName(i, f, ids[i]), Method: zip.Deflate, Modified: now})
		if err == nil {
			err = pdfdoc.RegistrationForms(entry, []pdfdoc.RegistrationFormData{f}, now)
		}
		if err != nil {
			// The status is sent: a truncated zip is what the client sees.
			s.Log.ErrorContext(ctx, "registration forms zip", "err", err)
			return
		}
	}
	if err := z.Close(); err != nil {
		s.Log.ErrorContext(ctx, "registration forms zip", "err", err)
	}
}

// formFileName is a form's entry in the zip: its place, the nominee's
// name (nothing a path could be made of) and id, so two namesakes differ.
func formFileName(i int, f pdfdoc.RegistrationFormData, id uuid.UUID) string {
	name := strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, f.Name)
	return fmt.Sprintf("%03d-%s%s-%s.pdf", i+1, name, f.Identity, id)
}
