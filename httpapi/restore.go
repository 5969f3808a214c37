package httpapi

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore"
)

// MovePositions maps the positions kept in stored idempotent answers
// (their X-Econf-Position header) through move, in tx, after the event
// store renumbered its positions (econf restore): a retry replays the
// position its event has now, which a query can wait for. It returns how
// many answers changed.
func MovePositions(ctx context.Context, tx pgx.Tx, move func(eventstore.Position) eventstore.Position) (int, error) {
	type answer struct {
		actor [16]byte
		key   string
		at    string
	}
	rows, err := tx.Query(ctx, `SELECT actor_id, key, headers->>'X-Econf-Position' FROM idempotency WHERE headers ? 'X-Econf-Position' FOR UPDATE`)
	if err != nil {
		return 0, fmt.Errorf("httpapi: move positions: %w", err)
	}
	var all []answer
	var a answer
	if _, err := pgx.ForEachRow(rows, []any{&a.actor, &a.key, &a.at}, func() error {
		all = append(all, a)
		return nil
	}); err != nil {
		return 0, fmt.Errorf("httpapi: move positions: %w", err)
	}
	moved := 0
	for _, a := range all {
		from, err := eventstore.ParsePosition(a.at)
		if err != nil {
			continue // not one we wrote; nothing to map
		}
		to := move(from)
		if to == from {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE idempotency SET headers = jsonb_set(headers, '{X-Econf-Position}', to_jsonb($3::text))
			WHERE actor_id = $1 AND key = $2`, a.actor, a.key, to.String()); err != nil {
			return moved, fmt.Errorf("httpapi: move positions: %w", err)
		}
		moved++
	}
	return moved, nil
}
