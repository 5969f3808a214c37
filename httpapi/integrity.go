package httpapi

import (
	"net/http"

	"github.com/econf/econf/commands"
)

// recordIncident is an auditor's account of a broken hash chain; after it
// the record takes commands again, continuing from its events as stored.
func (s *Server) recordIncident(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.RecordIncident
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.RecordIncident(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}
