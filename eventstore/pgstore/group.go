package pgstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Group commit. Appends that arrive while others are being written wait in
// a queue; the next free leader writes the whole queue as one multi-row
// statement (groupSQL: one plan, one unnest over every member's events),
// which PostgreSQL runs as one implicit transaction: one round trip, one
// commit and one WAL flush for all of them. Members that append to the same
// stream go into rounds (see rounds), one statement each, pipelined in the
// same transaction. The statement checks each member's stream against that
// member's expected version and returns each its own rows, so an append
// whose check fails writes nothing and gets its own ErrWrongVersion
// (resolved after the commit, as a lone append is, which also gives a
// retry its original result), while its neighbours commit. A statement
// that fails outright (a unique key taken by a concurrent transaction, data
// PostgreSQL refuses, a lost connection) aborts the group's transaction;
// then every member runs again alone, as its own statement with its
// caller's context, so a failure belongs only to the append that caused
// it.
//
// A lone append (nobody else waiting) is appendSQL, exactly as before.

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
		p.took(number, txID, position)
	}
	return rows.Err()
}

// took counts one event written for p.
func (p *pending) took(number int64, txID uint64, position int64) {
	p.inserted++
	if eventstore.Version(number) > p.result.Version {
		p.result = eventstore.AppendResult{Version: eventstore.Version(number), Position: positionOf(txID, position)}
	}
}

// groupSQL appends the batches of several members, each to its own stream,
// in one statement: one plan, one unnest over every member's events. Each
// member's stream is checked once against its expected version ($2[i] for
// the stream $1[i]); a member whose check fails writes nothing and gets no
// row, while the others' events are written, in member order and each
// member's in its own order. $3 names each event's member (1-based), $4
// its place in its member's batch (1-based). A row comes back per event
// written, with its stream: no two members of one statement share a stream
// (see rounds), so the stream names the member.
const groupSQL = `
WITH member AS (
	SELECT m.n, m.stream_id, m.expected FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS m(stream_id, expected, n)
	WHERE (SELECT coalesce(max(number), 0) FROM events WHERE stream_id = m.stream_id) = m.expected
)
INSERT INTO events (stream_id, number, event_id, type, data, metadata)
SELECT member.stream_id, member.expected + e.ord, e.id, e.type, e.data::json, e.meta::json
FROM unnest($3::bigint[], $4::bigint[], $5::uuid[], $6::text[], $7::text[], $8::text[]) AS e(member, ord, id, type, data, meta)
JOIN member ON member.n = e.member
ORDER BY e.member, e.ord
RETURNING stream_id, number, tx_id, position`

// rounds splits a group (sorted by stream) so that no round holds two
// members of one stream: round k holds each stream's k-th member. The
// rounds run one after another in the group's transaction, so a later
// member of a stream sees what an earlier one wrote and is checked against
// it, as it would be alone (two creators of one stream: the second gets
// ErrWrongVersion, not a key violation that fails the whole group).
func rounds(group []*pending) [][]*pending {
	var out [][]*pending
	seen := make(map[string]int, len(group))
	for _, p := range group {
		k := seen[p.stream()]
		seen[p.stream()] = k + 1
		if k == len(out) {
			out = append(out, nil)
		}
		out[k] = append(out[k], p)
	}
	return out
}

// queueRound adds one round to batch: a lone member as appendSQL, several
// as one groupSQL statement.
func queueRound(batch *pgx.Batch, round []*pending) {
	if len(round) == 1 {
		batch.Queue(appendSQL, round[0].args...).Query(round[0].scan)
		return
	}
	n := 0
	for _, p := range round {
		n += len(p.args[2].([][16]byte))
	}
	streams := make([]string, len(round))
	expected := make([]int64, len(round))
	members, ords := make([]int64, 0, n), make([]int64, 0, n)
	ids := make([][16]byte, 0, n)
	types, data, meta := make([]string, 0, n), make([]string, 0, n), make([]string, 0, n)
	byStream := make(map[string]*pending, len(round))
	for i, p := range round {
		streams[i], expected[i] = p.stream(), p.args[1].(int64)
		byStream[p.stream()] = p
		for j, id := range p.args[2].([][16]byte) {
			members, ords = append(members, int64(i+1)), append(ords, int64(j+1))
			ids = append(ids, id)
			types = append(types, p.args[3].([]string)[j])
			data = append(data, p.args[4].([]string)[j])
			meta = append(meta, p.args[5].([]string)[j])
		}
	}
	batch.Queue(groupSQL, streams, expected, members, ords, ids, types, data, meta).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var stream string
			var number int64
			var txID uint64
			var position int64
			if err := rows.Scan(&stream, &number, &txID, &position); err != nil {
				return decodeError{err}
			}
			p, ok := byStream[stream]
			if !ok {
				return decodeError{fmt.Errorf("a row of stream %s, which no member appends to", stream)}
			}
			p.took(number, txID, position)
		}
		return rows.Err()
	})
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
	for _, round := range rounds(live) {
		queueRound(batch, round)
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
