package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ThrottleRule is the rule id of the failure throttle (OWASP ASVS V2.2.1).
const ThrottleRule = "R-AUTH-02"

// The limits of R-AUTH-02. An account may fail AccountFree times in a row;
// the failure that reaches it locks the account for AccountBase, and each
// further one doubles the lock up to AccountMax. A count whose last failure
// is older than AccountForget starts afresh; a success clears it. A client
// address may fail AddressLimit times per AddressWindow, then waits for
// the window's end.
const (
	AccountFree   = 5
	AccountBase   = time.Minute
	AccountMax    = time.Hour
	AccountForget = 24 * time.Hour
	AddressLimit  = 30
	AddressWindow = 15 * time.Minute
)

// Throttle counts failed authentication tries in PostgreSQL: each failure
// is one transaction whose upsert holds the row, so several processes on
// one database count every try exactly once.
type Throttle struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewThrottle counts in pool; now tells the time (tests move it).
func NewThrottle(pool *pgxpool.Pool, now func() time.Time) *Throttle {
	return &Throttle{pool: pool, now: now}
}

// Throttle is the failure throttle on the store's database and clock.
func (s *Store) Throttle() *Throttle { return NewThrottle(s.pool, s.now) }

// AccountKey and AddressKey name what a count is kept for.
func AccountKey(id uuid.UUID) string { return "account:" + id.String() }

// AddressKey is the count of one client address.
func AddressKey(addr string) string { return "address:" + addr }

// Wait says how long the longest lock on keys still runs (0: none).
func (t *Throttle) Wait(ctx context.Context, keys ...string) (time.Duration, error) {
	var until *time.Time
	if err := t.pool.QueryRow(ctx, `SELECT max(locked_until) FROM auth_throttle WHERE key = ANY($1)`, keys).Scan(&until); err != nil {
		return 0, fmt.Errorf("read throttle: %w", err)
	}
	if until == nil {
		return 0, nil
	}
	return max(until.Sub(t.now()), 0), nil
}

// Fail counts one failure of account from address (either may be empty)
// and sets the locks the counts call for.
func (t *Throttle) Fail(ctx context.Context, account, address string) error {
	now := t.now()
	return pgx.BeginFunc(ctx, t.pool, func(tx pgx.Tx) error {
		if account != "" {
			var n int
			err := tx.QueryRow(ctx, `INSERT INTO auth_throttle AS t (key, failures, first_failure, last_failure) VALUES ($1, 1, $2, $2)
				ON CONFLICT (key) DO UPDATE SET
				  failures = CASE WHEN t.last_failure < $3 THEN 1 ELSE t.failures + 1 END,
				  first_failure = CASE WHEN t.last_failure < $3 THEN $2 ELSE t.first_failure END,
				  locked_until = CASE WHEN t.last_failure < $3 THEN NULL ELSE t.locked_until END,
				  last_failure = $2
				RETURNING failures`, account, now, now.Add(-AccountForget)).Scan(&n)
			if err != nil {
				return fmt.Errorf("count failure: %w", err)
			}
			if n >= AccountFree {
				if _, err := tx.Exec(ctx, `UPDATE auth_throttle SET locked_until = $2 WHERE key = $1`, account, now.Add(AccountLock(n))); err != nil {
					return fmt.Errorf("lock account: %w", err)
				}
			}
		}
		if address != "" {
			var n int
			var first time.Time
			err := tx.QueryRow(ctx, `INSERT INTO auth_throttle AS t (key, failures, first_failure, last_failure) VALUES ($1, 1, $2, $2)
				ON CONFLICT (key) DO UPDATE SET
				  failures = CASE WHEN t.first_failure < $3 THEN 1 ELSE t.failures + 1 END,
				  first_failure = CASE WHEN t.first_failure < $3 THEN $2 ELSE t.first_failure END,
				  locked_until = CASE WHEN t.first_failure < $3 THEN NULL ELSE t.locked_until END,
				  last_failure = $2
				RETURNING failures, first_failure`, address, now, now.Add(-AddressWindow)).Scan(&n, &first)
			if err != nil {
				return fmt.Errorf("count failure: %w", err)
			}
			if n >= AddressLimit {
				if _, err := tx.Exec(ctx, `UPDATE auth_throttle SET locked_until = $2 WHERE key = $1`, address, first.Add(AddressWindow)); err != nil {
					return fmt.Errorf("lock address: %w", err)
				}
			}
		}
		return nil
	})
}

// AccountLock is how long the n-th failure in a row locks an account.
func AccountLock(n int) time.Duration {
	if n < AccountFree {
		return 0
	}
	d := AccountBase
	for i := AccountFree; i < n && d < AccountMax; i++ {
		d *= 2
	}
	return min(d, AccountMax)
}

// Succeed clears the count of account and drops counts nobody needs any
// more (older than a day).
func (t *Throttle) Succeed(ctx context.Context, account string) error {
	now := t.now()
	_, err := t.pool.Exec(ctx, `DELETE FROM auth_throttle WHERE key = $1 OR (last_failure < $2 AND (locked_until IS NULL OR locked_until < $3))`,
		account, now.Add(-AccountForget), now)
	if err != nil {
		return fmt.Errorf("clear throttle: %w", err)
	}
	return nil
}
