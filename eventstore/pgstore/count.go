package pgstore

import (
	"context"
	"fmt"
	"math"

	"github.com/econf/econf/eventstore"
)

// CountEvents counts the stored events at or before a position in the
// table itself, not through ReadAll: an independent figure for checks of
// what a full read saw (a copy's verification, econf audit verify).
func (s *Store) CountEvents(ctx context.Context, through eventstore.Position) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE (tx_id, position) <= ($1::xid8, $2::bigint)`,
		through.Commit, int64(min(through.Prepare, math.MaxInt64))).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("pgstore: count events: %w", classify(err))
	}
	return n, nil
}
