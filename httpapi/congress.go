package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// Congresses of a science association (seed 004, R-DEL-01): the organiser
// sets one up, invites the electing units and allots their quotas.

func (s *Server) createCongress(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.CreateCongress
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.CreateCongress(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/congresses/"+res.ID.String())
}

// allotQuota is PUT /congresses/{id}/units/{unitId}: invite the unit (the
// first time) and set its allotment.
func (s *Server) allotQuota(w http.ResponseWriter, r *http.Request) {
	unit, err := uuid.Parse(chi.URLParam(r, "unitId"))
	if err != nil {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: "no such record", Zh: "记录不存在"})
		return
	}
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.AllotQuota) (commands.Result, error) {
		cmd.CongressID, cmd.UnitID = id, unit
		return s.App.AllotQuota(ctx, a, m, cmd)
	})
}

// getCongress answers from the stream itself.
func (s *Server) getCongress(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	c, err := s.App.CongressAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if at.Revision == nil && at.AsOf == nil { // an old revision is not one to write against
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	}
	writeJSON(w, http.StatusOK, c)
}

// listCongresses is GET /congresses: the congresses the actor may open
// (its organiser's, or those its unit is invited to), newest first.
func (s *Server) listCongresses(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r, projections.DirectoryName) {
		return
	}
	cs, err := s.Reads.Congresses(r.Context(), actorOf(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
}
