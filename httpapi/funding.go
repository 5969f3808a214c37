package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// Conference funding (seed 002): the bureau's call, the institutes'
// applications.

func (s *Server) publishFundingCall(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.PublishFundingCall
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.PublishFundingCall(r.Context(), actorOf(r.Context()), m, cmd)
	s.answer(w, r, res, err)
}

func (s *Server) draftFunding(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.DraftFunding
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.DraftFunding(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, inBody("application", err))
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/funding/"+res.ID.String())
}

func (s *Server) editFunding(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.EditFunding) (commands.Result, error) {
		cmd.FundingID = id
		res, err := s.App.EditFunding(ctx, a, m, cmd)
		return res, inBody("application", err)
	})
}

// inBody names a refusal's fields by their path in the request's body:
// the application's rules speak of its fields (requestedFen), which the
// body holds under key (application.requestedFen), as the body's shape
// errors already say. Any other error is left as it is.
func inBody(key string, err error) error {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var pr domain.Problems
	for _, f := range ve.Fields {
		switch {
		case f.Path == "":
			f.Path = key
		case f.Path != key && !strings.HasPrefix(f.Path, key+"."):
			f.Path = key + "." + f.Path
		}
		pr.Merge("", &domain.ValidationError{Fields: []domain.FieldError{f}})
	}
	return pr.Err()
}

func (s *Server) submitFunding(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		return s.App.SubmitFunding(ctx, a, m, commands.SubmitFunding{FundingID: id})
	})
}

func (s *Server) withdrawFunding(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		return s.App.WithdrawFunding(ctx, a, m, commands.WithdrawFunding{FundingID: id})
	})
}

// grantFunding is the bureau's grant, in fen, with an optional comment.
func (s *Server) grantFunding(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.GrantFunding) (commands.Result, error) {
		cmd.FundingID = id
		return s.App.GrantFunding(ctx, a, m, cmd)
	})
}

func (s *Server) rejectFunding(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.RejectFunding(ctx, a, m, commands.RejectFunding{FundingID: id, Reason: b.Reason})
	})
}

func (s *Server) returnFunding(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.ReturnFunding(ctx, a, m, commands.ReturnFunding{FundingID: id, Reason: b.Reason})
	})
}

// getFunding answers from the stream itself, never behind a write.
func (s *Server) getFunding(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	f, err := s.App.FundingAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if at.IsZero() {
		// An earlier revision is not one to write against.
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, f.Version))
	}
	writeJSON(w, http.StatusOK, f)
}

// fundingReads are an application's status view and approval log, after
// waiting for the read models when the client asks to.
func (s *Server) fundingReads() (status, log http.HandlerFunc) {
	status = declarationRead(s, s.Reads.FundingStatus, same, projections.StatusViewName)
	log = declarationRead(s, func(ctx context.Context, a domain.Actor, id uuid.UUID) ([]projections.LogEntry, error) {
		return s.approvalLog(ctx, a, "funding", id)
	}, entries, projections.ApprovalLogName, projections.StatusViewName)
	return status, log
}
