package pgstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifySQL wakes the subscribers of every process on the channel; the
// payload names the sending store, whose own listener skips it (its
// subscribers were woken in process already). A NOTIFY gives its
// transaction an id, so its commit would wait for a WAL flush of its own:
// it commits asynchronously instead (a notification lost in a crash is
// covered by the subscribers' idle re-read, as any lost one is).
const notifySQL = `SELECT set_config('synchronous_commit', 'off', true), pg_notify('` + notifyChannel + `', $1)`

// notifyEvery is the least time between two notifications of one store.
// Under a stream of appends other processes hear of them at most this
// much later, while the appends stop paying a statement each for it; after
// a quiet spell the first notification goes at once.
const notifyEvery = 2 * time.Millisecond

// notifier sends the NOTIFY that wakes other processes' subscribers after
// appends have committed, outside their transactions and coalesced: one
// notification covers every append that committed before it was sent, and
// notifications go at most every notifyEvery. At most one goroutine runs,
// and only while there is something to send. A notification lost to a
// failure is covered by the subscribers' idle re-read.
type notifier struct {
	pool *pgxpool.Pool
	from string // the payload: the sending store (see Store.id)

	mu      sync.Mutex
	pending bool
	running bool
}

// kick asks for a notification after an append has committed.
func (n *notifier) kick() {
	n.mu.Lock()
	n.pending = true
	if n.running {
		n.mu.Unlock()
		return
	}
	n.running = true
	n.mu.Unlock()
	go n.loop()
}

func (n *notifier) loop() {
	var last time.Time
	for {
		if wait := time.Until(last.Add(notifyEvery)); wait > 0 {
			time.Sleep(wait)
		}
		n.mu.Lock()
		if !n.pending {
			n.running = false
			n.mu.Unlock()
			return
		}
		n.pending = false
		n.mu.Unlock()
		last = time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := n.pool.Exec(ctx, notifySQL, n.from); err != nil {
			slog.Debug("pgstore: notify subscribers", "err", err)
		}
		cancel()
	}
}
