package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/eventstore"
)

// mover is a simulated clock that moves forward (*simclock.Clock).
type mover interface {
	Move(ctx context.Context, pool *pgxpool.Pool, d time.Duration) (time.Time, error)
}

// advanceClock is a platform admin moving a training instance's simulated
// clock forward (econf clock advance over HTTP): recorded as an event,
// followed at once by this process and within seconds by the others.
// An instance on the real clock answers 409 not-training.
func (s *Server) advanceClock(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.AdvanceClock
	if !ok || !decode(w, r, &cmd) {
		return
	}
	var move commands.ClockMover
	if c, ok := s.SimulatedClock.(mover); ok {
		move = func(ctx context.Context, d time.Duration) (time.Time, error) { return c.Move(ctx, s.Pool, d) }
	}
	res, err := s.App.AdvanceClock(r.Context(), actorOf(r.Context()), m, cmd, move)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.Log.WarnContext(r.Context(), "simulated clock advanced", "by", actorOf(r.Context()).UserID, "amount", res.Amount,
		"now", res.Now.Format(time.RFC3339), "replayed", res.Replayed)
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	if res.Position != (eventstore.Position{}) {
		w.Header().Set("X-Econf-Position", res.Position.String())
	}
	writeJSON(w, http.StatusOK, res)
}
