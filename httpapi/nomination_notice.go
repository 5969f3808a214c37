package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// The public notice of a unit's list (公示, R-NOM-04).

func (s *Server) publishNominationNotice(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commands.PublishNominationNotice) (commands.Result, error) {
		b.NominationID = id
		return s.App.PublishNominationNotice(ctx, a, m, b)
	})
}

func (s *Server) recordNominationObjection(w http.ResponseWriter, r *http.Request) {
	recordOnPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.RecordNominationObjection) (commands.RecordedObjection, eventstore.Version, error) {
		cmd.NominationID = id
		res, err := s.App.RecordNominationObjection(ctx, a, m, cmd)
		return res, res.Version, err
	})
}

func (s *Server) handleNominationObjection(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commands.HandleNominationObjection) (commands.Result, error) {
		o, err := uuid.Parse(chi.URLParam(r, "objection"))
		if err != nil {
			return commands.Result{}, fmt.Errorf("objection: %w", domain.ErrNotFound)
		}
		b.NominationID, b.ObjectionID = id, o
		return s.App.HandleNominationObjection(ctx, a, m, b)
	})
}

func (s *Server) nominationNotice(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := s.App.NominationNotice(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
