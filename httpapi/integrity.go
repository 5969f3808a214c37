package httpapi

import (
	"context"
	"net/http"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/anchor"
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

// Prover proves a record's events against the newest audit checkpoint
// (anchor.Prover); nil: histories carry no proof.
type Prover interface {
	Prove(ctx context.Context, events []eventstore.RecordedEvent) (*anchor.StreamProof, error)
}

// proofOf is the inclusion proof of stream's events up to version, nil
// when there is no prover or checkpoint. A failure to prove is logged and
// leaves the proof out: the history itself stands without it.
func (s *Server) proofOf(r *http.Request, stream string, version eventstore.Version) *anchor.StreamProof {
	if s.Proofs == nil || version == 0 {
		return nil
	}
	events, err := s.App.Store().ReadStream(r.Context(), stream, eventstore.Forwards, 1, int(version))
	if err != nil {
		s.Log.WarnContext(r.Context(), "history proof: read stream", "stream", stream, "err", err)
		return nil
	}
	p, err := s.Proofs.Prove(r.Context(), events)
	if err != nil {
		s.Log.WarnContext(r.Context(), "history proof", "stream", stream, "err", err)
		return nil
	}
	return p
}
