package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Refresh rebuilds each of ps from the start of $all while the active
// generations keep serving (Rebuild): after a person's personal data was
// erased, every read model forgets their values. A read model whose
// rebuild another process is running waits for it and is rebuilt again,
// so it too reads the events after the erasure.
func Refresh(ctx context.Context, pool *pgxpool.Pool, store eventstore.Store, ps ...Projection) error {
	var errs []error
	for _, p := range ps {
		for {
			_, err := Rebuild(ctx, pool, store, p, nil)
			if errors.Is(err, ErrRebuildRunning) {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Second):
				}
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("refresh %s: %w", p.Name(), err))
			}
			break
		}
	}
	return errors.Join(errs...)
}
