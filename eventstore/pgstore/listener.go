package pgstore

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listener holds one LISTEN connection for all of a store's live
// subscriptions and wakes each of them on every notification. It runs
// while at least one subscription does, reconnecting when the connection
// drops (and waking everyone then, as notifications may have been missed).
type listener struct {
	pool *pgxpool.Pool
	self string // the payload of this store's own notifications, skipped

	mu     sync.Mutex
	subs   map[chan struct{}]struct{}
	cancel context.CancelFunc // of the running connection loop; nil when none
	done   chan struct{}      // closed when that loop has ended
}

func newListener(pool *pgxpool.Pool, self string) *listener {
	return &listener{pool: pool, self: self, subs: map[chan struct{}]struct{}{}}
}

// subscribe returns a channel that receives (coalesced) wake-ups, and the
// function that ends the subscription. The connection loop starts with the
// first subscription and stops with the last.
func (l *listener) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	l.mu.Lock()
	l.subs[ch] = struct{}{}
	if l.cancel == nil {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		l.cancel, l.done = cancel, done
		go func() {
			defer close(done)
			l.run(ctx)
		}()
	}
	l.mu.Unlock()
	return ch, func() {
		l.mu.Lock()
		delete(l.subs, ch)
		var done chan struct{}
		if len(l.subs) == 0 && l.cancel != nil {
			l.cancel()
			done = l.done
			l.cancel, l.done = nil, nil
		}
		l.mu.Unlock()
		if done != nil {
			<-done
		}
	}
}

func (l *listener) wakeAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for ch := range l.subs {
		select {
		case ch <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

// run keeps a LISTEN connection until ctx ends.
func (l *listener) run(ctx context.Context) {
	const minBackoff, maxBackoff = 100 * time.Millisecond, 5 * time.Second
	backoff := minBackoff
	for {
		err := l.listen(ctx, func() { backoff = minBackoff })
		if ctx.Err() != nil {
			return
		}
		slog.WarnContext(ctx, "pgstore: event notification connection lost; reconnecting", "err", err, "retry_in", backoff)
		l.wakeAll()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// listen connects, LISTENs and wakes subscribers on every notification
// until the connection fails or ctx ends.
func (l *listener) listen(ctx context.Context, connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, l.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		return err
	}
	connected()
	// Anything committed before LISTEN took effect went unnoticed.
	l.wakeAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Payload != l.self { // this store's own appends woke everyone already
			l.wakeAll()
		}
	}
}
