package projections

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Refresh rebuilds each of ps from the start of $all while the active
// generations keep serving (Rebuild), all in one pass over $all
// (RebuildMany): after a person's personal data was erased, every read
// model forgets their values. A read model whose rebuild another process is
// running waits for it and is rebuilt again, so it too reads the events
// after the erasure.
func Refresh(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, ps ...Projection) error {
	var errs []error
	for len(ps) > 0 {
		var running []Projection
		var mu sync.Mutex
		RebuildMany(ctx, pool, store, ps, nil, func(p Projection, _ eventstore.Position, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrRebuildRunning):
				running = append(running, p)
			case err != nil:
				errs = append(errs, fmt.Errorf("refresh %s: %w", p.Name(), err))
			}
		})
		if ps = running; len(ps) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return errors.Join(errs...)
}
