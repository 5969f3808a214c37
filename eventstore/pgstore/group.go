package pgstore

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Group commit. Appends that arrive while others are being written wait in
// a queue; the next free leader sends the whole queue as one pipelined
// batch of appendSQL statements, which PostgreSQL runs as one implicit
// transaction: one round trip, one commit and one WAL flush for all of
// them. Each statement still checks its own stream's version and returns
// its own rows, so an append whose check fails writes nothing and gets its
// own ErrWrongVersion (resolved after the commit, as a lone append is),
// while its neighbours commit. A statement that fails outright (a unique
// key taken by a concurrent transaction, data PostgreSQL refuses, a lost
// connection) aborts the group's transaction; then every member runs again
// alone, as its own statement with its caller's context, so a failure
// belongs only to the append that caused it.
//
// A lone append (nobody else waiting) is one statement, exactly as before;
// grouping only changes how many statements share a commit.
// groupMax bounds the appends of one group, so one batch stays short.
const groupMax = 64

// groupLeaders is how many groups a pool of maxConns connections writes at
// once: half its connections (at least two, so that one group executes
// while another waits for its flush), leaving the rest to reads. Fewer
// leaders make larger groups but run fewer statements side by side; in
// trials here two leaders lost to eight at 16 writers on a pool of 20.
func groupLeaders(maxConns int32) int {
	return max(2, int(maxConns)/2)
}

// pending is one Append on its way through the committer.
type pending struct {
	ctx  context.Context
	args []any // appendSQL's arguments
	done chan struct{}

	// Set before done is closed.
	result   eventstore.AppendResult
	inserted int
	err      error
	alone    bool // the group failed: run again as its own statement
}

func (p *pending) stream() string { return p.args[0].(string) }

// scan reads appendSQL's rows: the highest number's version and position.
func (p *pending) scan(rows pgx.Rows) error {
	for rows.Next() {
		var number int64
		var txID uint64
		var position int64
		if err := rows.Scan(&number, &txID, &position); err != nil {
			return decodeError{err}
		}
		p.inserted++
		if eventstore.Version(number) > p.result.Version {
			p.result = eventstore.AppendResult{Version: eventstore.Version(number), Position: positionOf(txID, position)}
		}
	}
	return rows.Err()
}

// insertAlone runs p as its own statement and transaction.
func (p *pending) insertAlone(ctx context.Context, pool *pgxpool.Pool) {
	p.result, p.inserted = eventstore.AppendResult{}, 0
	rows, err := pool.Query(ctx, appendSQL, p.args...)
	if err == nil {
		err = p.scan(rows)
		rows.Close()
	}
	p.err = err
}

// committer gathers concurrent appends into groups (see above).
type committer struct {
	pool    *pgxpool.Pool
	leading int // at most this many leaders (groupLeaders)

	mu      sync.Mutex
	queue   []*pending
	leaders int // goroutines writing groups, at most leading
}

// append writes p, alone or in a group, and returns once it is written or
// p's context ends (the append may then still commit, as any statement
// cancelled in flight may).
func (c *committer) append(p *pending) error {
	p.done = make(chan struct{})
	c.mu.Lock()
	c.queue = append(c.queue, p)
	lead := c.leaders < c.leading
	if lead {
		c.leaders++
	}
	c.mu.Unlock()
	if lead {
		c.lead(p)
	}
	select {
	case <-p.done:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	if p.alone {
		p.insertAlone(p.ctx, c.pool)
	}
	return nil
}

// lead writes groups from the queue until own's has been written, then
// leaves what is still queued to a new leader, so that no caller waits
// for more than its own group and the one before it.
func (c *committer) lead(own *pending) {
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.leaders--
			c.mu.Unlock()
			return
		}
		if own != nil && isClosed(own.done) {
			c.mu.Unlock()
			go c.lead(nil) // keeps this leader's slot
			return
		}
		n := min(len(c.queue), groupMax)
		group := slices.Clone(c.queue[:n])
		clear(c.queue[:n])
		c.queue = c.queue[n:]
		c.mu.Unlock()
		c.write(group)
	}
}

func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// write commits one group and closes each member's done.
func (c *committer) write(group []*pending) {
	live := group[:0]
	for _, p := range group {
		if err := p.ctx.Err(); err != nil {
			p.err = err // its caller has gone; write nothing for it
			close(p.done)
			continue
		}
		live = append(live, p)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].insertAlone(live[0].ctx, c.pool)
		close(live[0].done)
		return
	}
	// One order of streams in every group, so that two groups (of this
	// process or another) appending to the same streams wait for each
	// other instead of deadlocking.
	slices.SortStableFunc(live, func(a, b *pending) int { return cmp.Compare(a.stream(), b.stream()) })
	ctx, stop := groupContext(live)
	defer stop()
	batch := &pgx.Batch{}
	for _, p := range live {
		batch.Queue(appendSQL, p.args...).Query(p.scan)
	}
	if err := c.pool.SendBatch(ctx, batch).Close(); err != nil {
		for _, p := range live {
			p.alone = true
		}
	}
	for _, p := range live {
		close(p.done)
	}
}

// groupContext is a context that ends once every member's has: a group is
// written while anybody still waits for it.
func groupContext(members []*pending) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(members[0].ctx))
	var left atomic.Int64
	left.Store(int64(len(members)))
	stops := make([]func() bool, len(members))
	for i, p := range members {
		stops[i] = context.AfterFunc(p.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return ctx, func() {
		for _, stop := range stops {
			stop()
		}
		cancel()
	}
}
