package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/filestore"
)

// uploadKinds are the uploads a form may refer to, by the query's kind.
var uploadKinds = map[string]filestore.Kind{
	filestore.LocationApproval.Name:  filestore.LocationApproval,
	filestore.ForeignCoHost.Name:     filestore.ForeignCoHost,
	filestore.SummaryPhoto.Name:      filestore.SummaryPhoto,
	filestore.Proceedings.Name:       filestore.Proceedings,
	filestore.ChangeMaterial.Name:    filestore.ChangeMaterial,
	filestore.NGOReceipt.Name:        filestore.NGOReceipt,
	filestore.FundingApproval.Name:   filestore.FundingApproval,
	filestore.FundingProof.Name:      filestore.FundingProof,
	filestore.NominationScan.Name:    filestore.NominationScan,
	filestore.NomineePhoto.Name:      filestore.NomineePhoto,
	filestore.NomineeAttachment.Name: filestore.NomineeAttachment,
}

// uploadKindNames lists uploadKinds for messages.
const uploadKindNames = "location_approval, foreign_cohost, summary_photo, proceedings, change_material, ngo_receipt, funding_approval, funding_proof, nomination_scan, nominee_photo or nominee_attachment"

// uploadFile keeps a file sent as the raw body (?kind=…&name=…) and answers
// its description, which a form section then refers to. The type is judged
// by content, never by name; the SHA-256 goes into the event that refers
// to it.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind, ok := uploadKinds[q.Get("kind")]
	var bad []domain.FieldError
	if !ok {
		bad = append(bad, domain.FieldError{Path: "query:kind", Rule: "SCHEMA", Message: "want " + uploadKindNames, Zh: "kind应为" + uploadKindNames + "之一"})
	}
	name := strings.TrimSpace(q.Get("name"))
	if name == "" {
		bad = append(bad, domain.FieldError{Path: "query:name", Rule: "SCHEMA", Message: "the file's name, e.g. approval.pdf", Zh: "请提供文件名"})
	}
	if len(bad) > 0 {
		badRequest(w, r, bad...)
		return
	}
	if s.Files == nil {
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Uploads unavailable", Status: http.StatusServiceUnavailable, Zh: "文件上传暂不可用"})
		return
	}
	body, ok := readBodyMax(w, r, kind.MaxBytes+1)
	if !ok {
		return
	}
	f, err := s.Files.Put(r.Context(), kind, name, actorOf(r.Context()).UserID, bytes.NewReader(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, f)
}

// downloadFile serves an upload to its owner, to whoever may read a
// declaration that refers to it, and to whoever may read the forecast named
// by ?forecast= when it is one of that forecast's signed forms; to anyone
// else it does not exist.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if s.Files == nil {
		s.writeError(w, r, domain.ErrNotFound)
		return
	}
	rc, f, err := s.Files.Open(r.Context(), id)
	if errors.Is(err, filestore.ErrNotFound) {
		s.writeError(w, r, domain.ErrNotFound)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer rc.Close()
	a := actorOf(r.Context())
	// The uploader reads their file (the scope model's KindFile); others
	// read it through a record that refers to it and that they may read.
	if !domain.Allows(a, domain.KindFile, domain.Read, domain.Scope{Owner: f.OwnerID}) && !s.onForecast(r, id) && !s.onConference(r, id) && !s.onFunding(r, id) && !s.onDelegation(r, id) && !s.onNomination(r, id) && !s.onGuide(r, id) {
		allowed, err := s.Reads.CanReadFile(r.Context(), a, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !allowed {
			s.writeError(w, r, domain.ErrNotFound)
			return
		}
	}
	w.Header().Set("Content-Type", f.ContentType)
	w.Header().Set("Content-Length", fmt.Sprint(f.Size))
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(f.Name))
	w.Header().Set("X-Content-SHA256", f.SHA256)
	_, _ = io.Copy(w, rc) // the client went away; nothing to do
}

// onFunding reports whether ?funding= names a funding application the
// actor may read that refers to the file (its approval scan, proof,
// acknowledgement evidence, progress and summary files).
func (s *Server) onFunding(r *http.Request, fileID uuid.UUID) bool {
	id, err := uuid.Parse(r.URL.Query().Get("funding"))
	if err != nil {
		return false
	}
	ok, err := s.App.FundingRefersToFile(r.Context(), actorOf(r.Context()), id, fileID)
	return err == nil && ok
}

// onDelegation reports whether ?congress= and ?unit= name a delegation
// whose nominee's photo or attachment the file is, and the actor may read
// that nominee's personal fields (the unit, the organiser once reported).
func (s *Server) onDelegation(r *http.Request, fileID uuid.UUID) bool {
	q := r.URL.Query()
	c, err := uuid.Parse(q.Get("congress"))
	if err != nil {
		return false
	}
	u, err := uuid.Parse(q.Get("unit"))
	if err != nil {
		return false
	}
	ok, err := s.App.DelegationRefersToFile(r.Context(), actorOf(r.Context()), c, u, fileID)
	return err == nil && ok
}

// onNomination reports whether ?nomination= names a unit's nomination
// file the actor may read that refers to the upload (its committee's
// signed opinion form, its signed list).
func (s *Server) onNomination(r *http.Request, fileID uuid.UUID) bool {
	id, err := uuid.Parse(r.URL.Query().Get("nomination"))
	if err != nil {
		return false
	}
	ok, err := s.App.NominationRefersToFile(r.Context(), actorOf(r.Context()), id, fileID)
	return err == nil && ok
}

// onGuide reports whether ?guide= names a nomination cycle whose guide,
// as the actor reads it, lists the upload among a conference's resources
// (the organiser's staff every host's expert summaries and proceedings).
func (s *Server) onGuide(r *http.Request, fileID uuid.UUID) bool {
	id, err := uuid.Parse(r.URL.Query().Get("guide"))
	if err != nil {
		return false
	}
	ok, err := s.App.GuideRefersToFile(r.Context(), actorOf(r.Context()), id, fileID)
	return err == nil && ok
}

// onConference reports whether ?declaration= names a conference the actor
// may read whose change request, summary or deadline facts refer to the
// file (summary photos, proceedings, change material, NGO receipts).
func (s *Server) onConference(r *http.Request, fileID uuid.UUID) bool {
	d, err := uuid.Parse(r.URL.Query().Get("declaration"))
	if err != nil {
		return false
	}
	ok, err := s.App.RefersToFile(r.Context(), actorOf(r.Context()), d, fileID)
	return err == nil && ok
}

// uploadSignedForm keeps the unit admin's scan of the signed and stamped
// forecast form (raw body, ?name=…) and records it on the forecast (R-FC-08).
func (s *Server) uploadSignedForm(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.URL.Query().Get("name"))
	if name == "" {
		badRequest(w, r, domain.FieldError{Path: "query:name", Rule: "SCHEMA", Message: "the file's name, e.g. signed-form.pdf", Zh: "请提供文件名"})
		return
	}
	if s.Files == nil {
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "Uploads unavailable", Status: http.StatusServiceUnavailable, Zh: "文件上传暂不可用"})
		return
	}
	// Scope, role and status first: a refused upload stores nothing.
	a := actorOf(r.Context())
	if err := s.App.MayAttachSignedForm(r.Context(), a, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, ok := readBodyMax(w, r, filestore.SignedForm.MaxBytes+1)
	if !ok {
		return
	}
	f, err := s.Files.Put(r.Context(), filestore.SignedForm, name, a.UserID, bytes.NewReader(body))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.App.AttachSignedForm(r.Context(), a, m, commands.AttachSignedForm{ForecastID: id, File: f})
	s.answer(w, r, res, err)
}

// onForecast reports whether the forecast named by ?forecast= lists the
// file among its signed forms and the actor may read that forecast.
func (s *Server) onForecast(r *http.Request, fileID uuid.UUID) bool {
	id, err := uuid.Parse(r.URL.Query().Get("forecast"))
	if err != nil {
		return false
	}
	h, err := s.App.ForecastHistory(r.Context(), actorOf(r.Context()), id, nil)
	if err != nil {
		return false
	}
	for _, f := range h.SignedForms {
		if f.ID == fileID {
			return true
		}
	}
	return false
}
