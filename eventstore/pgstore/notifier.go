package pgstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// notifySQL wakes the subscribers of every process on the channel.
const notifySQL = `SELECT pg_notify('` + notifyChannel + `', '')`

// notifier sends the NOTIFY that wakes other processes' subscribers after
// appends have committed, outside their transactions and coalesced: while
// one notification is in flight, any number of further appends cost one
// more. At most one goroutine runs, and only while there is something to
// send. A notification lost to a failure is covered by the subscribers'
// idle re-read.
type notifier struct {
	pool *pgxpool.Pool

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
	for {
		n.mu.Lock()
		if !n.pending {
			n.running = false
			n.mu.Unlock()
			return
		}
		n.pending = false
		n.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if _, err := n.pool.Exec(ctx, notifySQL); err != nil {
			slog.Debug("pgstore: notify subscribers", "err", err)
		}
		cancel()
	}
}
