package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func throttleDB(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, Migrations)
}

// TestThrottleCountsAtomically: failures sent at once from two pools (two
// serve processes on one database) are each counted once, and the locks
// follow the counts (R-AUTH-02).
func TestThrottleCountsAtomically(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabaseURL(t, throttleDB)
	var now = time.Date(2026, 9, 10, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var throttles []*Throttle
	for range 2 {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		throttles = append(throttles, NewThrottle(pool, clock))
	}
	acc := AccountKey(uuid.New())
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- throttles[i%2].Fail(ctx, acc, AddressKey("192.0.2.7")) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var failures map[string]int = map[string]int{}
	rows, err := throttles[0].pool.Query(ctx, `SELECT key, failures FROM auth_throttle`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var f int
		if err := rows.Scan(&k, &f); err != nil {
			t.Fatal(err)
		}
		failures[k] = f
	}
	if failures[acc] != n || failures[AddressKey("192.0.2.7")] != n {
		t.Fatalf("counted %v; want %d each", failures, n)
	}
	wait, err := throttles[1].Wait(ctx, acc)
	if err != nil {
		t.Fatal(err)
	}
	if wait != AccountMax {
		t.Errorf("40 failures lock the account for %v; want %v", wait, AccountMax)
	}
	wait, _ = throttles[1].Wait(ctx, AddressKey("192.0.2.7"))
	if wait != AddressWindow {
		t.Errorf("40 failures lock the address for %v; want %v", wait, AddressWindow)
	}
	// A success clears the account, not the address.
	if err := throttles[0].Succeed(ctx, acc); err != nil {
		t.Fatal(err)
	}
	if wait, _ := throttles[0].Wait(ctx, acc); wait != 0 {
		t.Errorf("after a success the account waits %v", wait)
	}
	if wait, _ := throttles[0].Wait(ctx, acc, AddressKey("192.0.2.7")); wait != AddressWindow {
		t.Errorf("after a success the address waits %v", wait)
	}
	now = now.Add(AddressWindow)
	if wait, _ := throttles[0].Wait(ctx, AddressKey("192.0.2.7")); wait != 0 {
		t.Errorf("after the window the address waits %v", wait)
	}
}

func TestAccountLockDoubles(t *testing.T) {
	for n, want := range map[int]time.Duration{1: 0, 4: 0, 5: time.Minute, 6: 2 * time.Minute, 7: 4 * time.Minute, 11: time.Hour, 50: time.Hour} {
		if got := AccountLock(n); got != want {
			t.Errorf("AccountLock(%d) = %v; want %v", n, got, want)
		}
	}
}
