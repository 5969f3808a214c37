package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/anchor"
)

// recordHistory serves GET …/{id}/history of a record kept in one stream
// (a funding application, a nomination file): its events replayed with
// the chain check and the policy version of each, up to ?asOf= or
// ?atRevision=, with the inclusion proof when anchoring is on.
func (s *Server) recordHistory(read func(ctx context.Context, a domain.Actor, id uuid.UUID, at commands.Point) (commands.RecordHistory, error),
	stream func(uuid.UUID) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok {
			return
		}
		at, ok := pointParam(w, r)
		if !ok {
			return
		}
		h, err := read(r.Context(), actorOf(r.Context()), id, at)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, struct {
			commands.RecordHistory
			Proof *anchor.StreamProof `json:"proof,omitempty"`
		}{h, s.proofOf(r, stream(id), h.Version)})
	}
}
