package httpapi

import (
	"fmt"
	"net/http"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/eventstore"
)

// setNomineeAttachments replaces a nominee's attachments (上传文件).
func (s *Server) setNomineeAttachments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.SetNomineeAttachments
	if !ok || !decode(w, r, &cmd) {
		return
	}
	nominee, ok := pathUUID(w, r, "nomineeId")
	if !ok {
		return
	}
	cmd.CongressID, cmd.NomineeID = id, nominee
	res, err := s.App.SetNomineeAttachments(r.Context(), actorOf(r.Context()), m, cmd)
	s.answer(w, r, res, err)
}

// reviewNominees is the unit's batch review (批量审核): all or nothing.
func (s *Server) reviewNominees(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.ReviewNominees
	if !ok || !decode(w, r, &cmd) {
		return
	}
	cmd.CongressID = id
	res, err := s.App.ReviewNominees(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	if res.Position != (eventstore.Position{}) {
		w.Header().Set("X-Econf-Position", res.Position.String())
	}
	writeJSON(w, http.StatusOK, res)
}
