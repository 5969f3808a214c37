package httpapi

import (
	"net/http"

	"github.com/econf/econf/projections"
)

// listNominationCycles is GET /nomination-cycles: the cycles the actor
// takes part in (the organiser's staff their own, a recommending unit's
// contact its association's, auditors and analysts all), newest first,
// each with its key dates, its state today, a unit's own file and the
// actor's to-do list.
func (s *Server) listNominationCycles(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r, projections.DirectoryName) {
		return
	}
	cs, err := s.App.NominationCycles(r.Context(), actorOf(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
}
