// Package replica sends reads to a PostgreSQL hot standby (a streaming
// replica of the primary, made with pg_basebackup -R) while it keeps up,
// and back to the primary when it falls behind or goes away.
//
// A Router probes both servers (Run, or Check once): the replica is usable
// while it answers, is in recovery, and has replayed what the primary had
// written MaxLag ago. Each request a caller marks with Reads decides once,
// at its start, where its reads go; a request that must see a position
// (WaitEvent, WaitReadModels) waits, bounded, for the replica to reach it
// and otherwise moves to the primary, as does one whose replica query fails
// on the connection. DB and Store are what the read side queries through:
// they follow each request's decision and use the primary for everything
// unmarked (commands, the projection runner, background work).
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
)

// Options tune a Router; zero values take the defaults.
type Options struct {
	// MaxLag is how far, in time, the replica may trail the primary's
	// writes and still serve reads; default 2 s.
	MaxLag time.Duration
	// Wait bounds how long a request waits for the replica to reach the
	// position it asks for before it reads from the primary; default 1 s.
	Wait time.Duration
	// Interval is how often Run probes; default 250 ms.
	Interval time.Duration
	// Log receives the changes of state; nil: slog.Default().
	Log *slog.Logger
}

// State is what the last probe found.
type State struct {
	// Usable: reads go to the replica.
	Usable bool `json:"usable"`
	// Reason says why not, or "ok".
	Reason string `json:"reason"`
	// LagSeconds is how long ago the primary wrote the oldest WAL the
	// replica has not replayed (0 when it has replayed everything).
	LagSeconds float64 `json:"lagSeconds"`
	// CheckedAt is when the probe ran.
	CheckedAt time.Time `json:"checkedAt"`
}

// Router chooses, per request, the replica or the primary.
type Router struct {
	primary, replica *pgxpool.Pool
	opts             Options

	mu      sync.Mutex
	state   State
	samples []sample // the primary's WAL positions not yet replayed, oldest first
}

type sample struct {
	at  time.Time
	lsn uint64
}

// New routes between primary and replica. Until the first probe the
// replica is not used.
func New(primary, replica *pgxpool.Pool, opts Options) *Router {
	if opts.MaxLag <= 0 {
		opts.MaxLag = 2 * time.Second
	}
	if opts.Wait <= 0 {
		opts.Wait = time.Second
	}
	if opts.Interval <= 0 {
		opts.Interval = 250 * time.Millisecond
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Router{primary: primary, replica: replica, opts: opts, state: State{Reason: "not probed yet"}}
}

// Options are the settings in force.
func (r *Router) Options() Options { return r.opts }

// Run probes every Interval until ctx ends.
func (r *Router) Run(ctx context.Context) error {
	t := time.NewTicker(r.opts.Interval)
	defer t.Stop()
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// State is what the last probe found.
func (r *Router) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state
}

// Check probes the primary and the replica once and returns the new state.
func (r *Router) Check(ctx context.Context) State {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	now := time.Now()
	var primaryLSN string
	perr := r.primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&primaryLSN)
	var recovering bool
	var replayed *string
	rerr := r.replica.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text`).Scan(&recovering, &replayed)

	r.mu.Lock()
	defer r.mu.Unlock()
	if perr == nil {
		if lsn, err := parseLSN(primaryLSN); err == nil {
			r.samples = append(r.samples, sample{at: now, lsn: lsn})
		}
	}
	st := State{CheckedAt: now, Reason: "ok"}
	switch {
	case rerr != nil:
		st.Reason = "unreachable: " + rerr.Error()
	case !recovering || replayed == nil:
		st.Reason = "not a hot standby (pg_is_in_recovery is false): reads stay on the primary"
	default:
		lsn, err := parseLSN(*replayed)
		if err != nil {
			st.Reason = err.Error()
			break
		}
		// Drop what the replica has replayed; the oldest sample left is
		// the oldest write it still misses.
		i := 0
		for i < len(r.samples) && r.samples[i].lsn <= lsn {
			i++
		}
		r.samples = r.samples[i:]
		if len(r.samples) > 0 {
			st.LagSeconds = now.Sub(r.samples[0].at).Seconds()
		}
		if perr != nil {
			st.Reason = "the primary does not answer: " + perr.Error()
			st.Usable = true // the replica still serves what it has
		} else if lag := time.Duration(st.LagSeconds * float64(time.Second)); lag > r.opts.MaxLag {
			st.Reason = fmt.Sprintf("behind: %.1f s of the primary's writes not replayed (more than %s)", st.LagSeconds, r.opts.MaxLag)
		} else {
			st.Usable = true
		}
	}
	// Bound the samples of a replica that never catches up.
	if n := len(r.samples); n > 1024 {
		r.samples = r.samples[n-1024:]
	}
	if st.Usable != r.state.Usable {
		if st.Usable {
			r.opts.Log.Info("replica: reads go to the replica again")
		} else {
			r.opts.Log.Warn("replica: reads go to the primary", "reason", st.Reason)
		}
	}
	r.state = st
	return st
}

// parseLSN reads PostgreSQL's text form of a WAL position, "16/B374D848".
func parseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("replica: %q is not a WAL position", s)
	}
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("replica: %q is not a WAL position", s)
	}
	return h<<32 | l, nil
}

// decision is one request's choice, which may move to the primary (never
// back) while the request runs.
type decision struct{ replica atomic.Bool }

type ctxKey struct{}

// Reads marks ctx as a read that may go to the replica: it does while the
// last probe found the replica usable.
func (r *Router) Reads(ctx context.Context) context.Context {
	d := &decision{}
	d.replica.Store(r.State().Usable)
	return context.WithValue(ctx, ctxKey{}, d)
}

// OnReplica tells whether the reads under ctx go to the replica.
func OnReplica(ctx context.Context) bool {
	d, _ := ctx.Value(ctxKey{}).(*decision)
	return d != nil && d.replica.Load()
}

// ToPrimary sends the rest of the reads under ctx to the primary.
func ToPrimary(ctx context.Context) {
	if d, _ := ctx.Value(ctxKey{}).(*decision); d != nil {
		d.replica.Store(false)
	}
}

// WaitEvent waits, up to Wait, until the replica holds the event at pos
// (replayed from the primary), polling its primary key. It returns true
// when the reads under ctx may stay on the replica; otherwise it has moved
// them to the primary.
func (r *Router) WaitEvent(ctx context.Context, pos eventstore.Position) bool {
	return r.wait(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE position = $1 AND tx_id = $2::text::xid8)`,
		int64(pos.Prepare), strconv.FormatUint(pos.Commit, 10))
}

// WaitReadModels waits, up to Wait, until the named read models on the
// replica have applied pos; see WaitEvent.
func (r *Router) WaitReadModels(ctx context.Context, pos eventstore.Position, names ...string) bool {
	if len(names) == 0 {
		return r.wait(ctx, `SELECT NOT EXISTS (SELECT 1 FROM projection_state
			WHERE status = 'active' AND (checkpoint_commit, checkpoint_prepare) < ($1, $2))`, int64(pos.Commit), int64(pos.Prepare))
	}
	return r.wait(ctx, `SELECT count(*) = cardinality($3::text[]) FROM projection_state
		WHERE status = 'active' AND name = ANY($3) AND (checkpoint_commit, checkpoint_prepare) >= ($1, $2)`,
		int64(pos.Commit), int64(pos.Prepare), names)
}

func (r *Router) wait(ctx context.Context, sql string, args ...any) bool {
	if !OnReplica(ctx) {
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, r.opts.Wait)
	defer cancel()
	for {
		var ok bool
		err := r.replica.QueryRow(wctx, sql, args...).Scan(&ok)
		if err == nil && ok {
			return true
		}
		if err != nil && wctx.Err() == nil && ctx.Err() == nil {
			break // the replica fails: the primary answers
		}
		select {
		case <-wctx.Done():
			ToPrimary(ctx)
			return false
		case <-time.After(5 * time.Millisecond):
		}
	}
	ToPrimary(ctx)
	return false
}

// DB is what the read models' queries need: a pool's Query, QueryRow and
// Exec.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// DB queries the replica under a context Reads marked while it is chosen,
// else the primary. A replica query that fails on the connection (the
// replica went away since the last probe) runs again on the primary.
func (r *Router) DB() DB { return routedDB{r} }

type routedDB struct{ r *Router }

func (d routedDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if OnReplica(ctx) {
		rows, err := d.r.replica.Query(ctx, sql, args...)
		again := func() (pgx.Rows, error) {
			ToPrimary(ctx)
			return d.r.primary.Query(ctx, sql, args...)
		}
		if err == nil {
			return &fallbackRows{Rows: rows, ctx: ctx, again: again}, nil
		}
		if !connectionFailed(ctx, err) {
			return nil, err
		}
		return again()
	}
	return d.r.primary.Query(ctx, sql, args...)
}

// fallbackRows runs the query again on the primary when the replica's
// first row does not come because the connection failed (pgx reports a
// dead connection there, not from Query): nothing was read yet.
type fallbackRows struct {
	pgx.Rows
	ctx     context.Context
	again   func() (pgx.Rows, error)
	started bool
	err     error
}

func (f *fallbackRows) Next() bool {
	if f.started {
		return f.Rows.Next()
	}
	f.started = true
	if f.Rows.Next() {
		return true
	}
	if err := f.Rows.Err(); err == nil || !connectionFailed(f.ctx, err) {
		return false
	}
	f.Rows.Close()
	rows, err := f.again()
	if err != nil {
		f.err = err
		return false
	}
	f.Rows = rows
	return rows.Next()
}

func (f *fallbackRows) Err() error {
	if f.err != nil {
		return f.err
	}
	return f.Rows.Err()
}

func (d routedDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if OnReplica(ctx) {
		return fallbackRow{ctx: ctx, row: d.r.replica.QueryRow(ctx, sql, args...), again: func() pgx.Row {
			ToPrimary(ctx)
			return d.r.primary.QueryRow(ctx, sql, args...)
		}}
	}
	return d.r.primary.QueryRow(ctx, sql, args...)
}

// Exec always runs on the primary: the replica is read-only.
func (d routedDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return d.r.primary.Exec(ctx, sql, args...)
}

type fallbackRow struct {
	ctx   context.Context
	row   pgx.Row
	again func() pgx.Row
}

func (f fallbackRow) Scan(dest ...any) error {
	err := f.row.Scan(dest...)
	if err != nil && connectionFailed(f.ctx, err) {
		return f.again().Scan(dest...)
	}
	return err
}

// connectionFailed tells a replica that cannot be reached or answer from
// an answer it gave (no rows, a constraint, a bad statement).
func connectionFailed(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, pgx.ErrNoRows) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 57 (operator intervention: shutdown, recovery conflicts)
		// and 08 (connection exceptions) are the replica's, not the query's.
		return strings.HasPrefix(pgErr.Code, "57") || strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "40001"
	}
	return true // no answer from the server at all
}

// Store reads streams from replica under a context Reads marked while it is
// chosen, and does everything else on primary: appends, $all and
// subscriptions (the projection runner), pings. A stream the replica does
// not hold (yet) or cannot read is read from the primary.
//
// When both stores read several whole streams at once (ReadStreams, as
// pgstore does: the commands read a declaration's history that way), so
// does the routed store, with the same choice; otherwise it does not
// offer it and its callers read stream by stream.
func (r *Router) Store(primary, replica eventstore.Store) eventstore.Store {
	s := routedStore{Store: primary, replica: replica}
	p, pok := primary.(streamsReader)
	rr, rok := replica.(streamsReader)
	if pok && rok {
		return routedStreamsStore{routedStore: s, primary: p, replica: rr}
	}
	return s
}

// streamsReader is a store that reads several whole streams at once
// (pgstore.Store.ReadStreams).
type streamsReader interface {
	ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error)
}

type routedStreamsStore struct {
	routedStore
	primary, replica streamsReader
}

// ReadStreams reads from the replica under a context Reads marked while it
// is chosen (a failure there moves the request to the primary), else from
// the primary.
func (s routedStreamsStore) ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error) {
	if OnReplica(ctx) {
		all, err := s.replica.ReadStreams(ctx, streams)
		if err == nil || ctx.Err() != nil {
			return all, err
		}
		ToPrimary(ctx)
	}
	return s.primary.ReadStreams(ctx, streams)
}

type routedStore struct {
	eventstore.Store
	replica eventstore.Store
}

func (s routedStore) ReadStream(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if OnReplica(ctx) {
		events, err := s.replica.ReadStream(ctx, stream, dir, from, limit)
		if err == nil || ctx.Err() != nil {
			return events, err
		}
		ToPrimary(ctx)
	}
	return s.Store.ReadStream(ctx, stream, dir, from, limit)
}
