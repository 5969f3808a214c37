// Package pgstore is the PostgreSQL adapter of the event store port and the
// embedded default. It owns the events table (its migration set) and the
// LISTEN/NOTIFY wake-ups of $all subscribers.
//
// # Global order
//
// A bigint identity gives each event a position in insertion order, but
// insertion order is not commit order: a transaction can take position 10,
// another take 11 and commit, and a reader that hands out 11 and moves its
// checkpoint past 10 loses 10 when it commits. So every event also stores
// its writing transaction's id (tx_id), and $all is read in (tx_id,
// position) order and only below pg_snapshot_xmin(pg_current_snapshot()):
// every transaction with a smaller id has ended, and every event still to
// commit has a tx_id at or above that bound, so it sorts after everything
// already handed out. Filtering on tx_id alone while ordering by position
// is not enough: a transaction whose id was assigned before another's can
// still take a later position. An event's Position is therefore
// {Commit: tx_id, Prepare: position}.
//
// The bound is cluster-wide: any open writing transaction (in any database
// of the cluster) holds back events committed after it began until it
// ends. Subscribers then poll with a short backoff; that is the only
// polling besides a slow safety re-read when idle.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the events table.
var Migrations = migrate.Embedded("eventstore", migrationFiles, "migrations")

// notifyChannel is the LISTEN/NOTIFY channel an append signals on commit.
const notifyChannel = "econf_events"

const (
	// subscribePage is how many events a subscription reads at a time.
	subscribePage = 256
	// heldBackoffMin and heldBackoffMax bound the polling while committed
	// events are held back behind an open transaction.
	heldBackoffMin = 5 * time.Millisecond
	heldBackoffMax = 250 * time.Millisecond
	// idleReread is the safety re-read of an idle subscription, in case a
	// notification was lost (for example while the listener reconnected).
	idleReread = 3 * time.Second
)

// Store is the PostgreSQL event store. It is safe for concurrent use.
type Store struct {
	pool      *pgxpool.Pool
	id        string // this store's notifications carry it (see notifySQL)
	listener  *listener
	notifier  *notifier
	committer *committer
}

var _ eventstore.Store = (*Store)(nil)

// New returns a store on pool, whose database must have Migrations
// applied. Live subscriptions share one extra connection (outside the
// pool) while any is running.
func New(pool *pgxpool.Pool) *Store {
	id := uuid.NewString()
	return &Store{pool: pool, id: id, listener: newListener(pool, id), notifier: &notifier{pool: pool, from: id},
		committer: &committer{pool: pool, leading: groupLeaders(pool.Config().MaxConns)}}
}

// appendSQL writes the batch if the stream is exactly at $2, in one
// statement: no row comes back when it is not.
const appendSQL = `
WITH cur AS (
	SELECT coalesce(max(number), 0) AS version FROM events WHERE stream_id = $1
)
INSERT INTO events (stream_id, number, event_id, type, data, metadata)
SELECT $1, $2::bigint + e.ord, e.id, e.type, e.data::json, e.meta::json
FROM cur, unnest($3::uuid[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS e(id, type, data, meta, ord)
WHERE cur.version = $2::bigint
ORDER BY e.ord
RETURNING number, tx_id, position`

// Append implements eventstore.Store. The batch goes in one statement,
// alone or with concurrent appends to other streams in one transaction
// (group commit: see committer). Subscribers are notified after
// it commits (see notifier), not inside it: a NOTIFY in the writing
// transaction takes PostgreSQL's cluster-wide notification lock until the
// commit is flushed, which serialises every append behind one fsync.
func (s *Store) Append(ctx context.Context, stream string, expected eventstore.Version, events []eventstore.EventData) (eventstore.AppendResult, error) {
	fail := func(err error) (eventstore.AppendResult, error) {
		return eventstore.AppendResult{}, fmt.Errorf("pgstore: append to %s: %w", stream, err)
	}
	switch {
	case stream == "":
		return fail(errors.New("empty stream id"))
	case len(events) == 0:
		return fail(errors.New("no events"))
	case uint64(expected) > math.MaxInt64-uint64(len(events)):
		return fail(fmt.Errorf("expected version %d out of range", expected))
	}
	ids := make([]uuid.UUID, len(events))
	pgIDs := make([][16]byte, len(events))
	types := make([]string, len(events))
	data := make([]string, len(events))
	meta := make([]string, len(events))
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		if seen[e.ID] {
			return fail(fmt.Errorf("%w: %s twice in one batch", eventstore.ErrDuplicateEvent, e.ID))
		}
		seen[e.ID] = true
		m, err := e.MetadataBytes()
		if err != nil {
			return fail(fmt.Errorf("metadata of event %s: %w", e.ID, err))
		}
		ids[i], pgIDs[i], types[i], data[i], meta[i] = e.ID, e.ID, e.Type, string(e.Data), string(m)
	}

	p := &pending{ctx: ctx, args: []any{stream, int64(expected), pgIDs, types, data, meta}}
	if err := s.committer.append(p); err != nil {
		return fail(err)
	}
	result, inserted, err := p.result, p.inserted, p.err
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		// A stream number or event id taken meanwhile: a stale version,
		// a retry, or a duplicate.
	case err != nil:
		return fail(classify(err))
	case inserted == len(events):
		s.listener.wakeAll()
		s.notifier.kick()
		return result, nil
	case inserted != 0:
		return fail(fmt.Errorf("wrote %d of %d events", inserted, len(events))) // cannot happen: one statement
	}
	result, err = s.resolve(ctx, stream, expected, ids)
	if err != nil {
		return fail(err)
	}
	return result, nil
}

// resolve explains an append that wrote nothing: the batch is already the
// stream's events after expected (a retry: its original result), or one
// of its ids is taken elsewhere (ErrDuplicateEvent), or the stream is at
// another version (ErrWrongVersion).
func (s *Store) resolve(ctx context.Context, stream string, expected eventstore.Version, ids []uuid.UUID) (eventstore.AppendResult, error) {
	type stored struct {
		stream   string
		number   uint64
		position eventstore.Position
	}
	found := map[uuid.UUID]stored{}
	var version int64
	batch := &pgx.Batch{}
	pgIDs := make([][16]byte, len(ids))
	for i, id := range ids {
		pgIDs[i] = id
	}
	batch.Queue(`SELECT event_id, stream_id, number, tx_id, position FROM events WHERE event_id = ANY($1::uuid[])`, pgIDs).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id [16]byte
				var st stored
				var number, position int64
				var txID uint64
				if err := rows.Scan(&id, &st.stream, &number, &txID, &position); err != nil {
					return decodeError{err}
				}
				st.number, st.position = uint64(number), positionOf(txID, position)
				found[id] = st
			}
			return rows.Err()
		})
	batch.Queue(`SELECT coalesce(max(number), 0) FROM events WHERE stream_id = $1`, stream).
		QueryRow(func(row pgx.Row) error { return row.Scan(&version) })
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return eventstore.AppendResult{}, classify(err)
	}
	if len(found) == 0 {
		return eventstore.AppendResult{}, fmt.Errorf("%w: stream is at version %d, not %d", eventstore.ErrWrongVersion, version, expected)
	}
	var result eventstore.AppendResult
	for i, id := range ids {
		want := uint64(expected) + uint64(i) + 1
		st, ok := found[id]
		if ok && st.stream == stream && st.number == want {
			result = eventstore.AppendResult{Version: eventstore.Version(want), Position: st.position}
			continue
		}
		// Not a retry: name one of the ids that are taken.
		if !ok {
			for other := range found {
				id = other
				break
			}
		}
		st = found[id]
		return eventstore.AppendResult{}, fmt.Errorf("%w: event %s is already event %d of %s", eventstore.ErrDuplicateEvent, id, st.number, st.stream)
	}
	return result, nil
}

const selectEvent = `SELECT tx_id, position, stream_id, number, event_id, type, data, metadata, created FROM events `

// ReadStream implements eventstore.Store.
func (s *Store) ReadStream(ctx context.Context, stream string, dir eventstore.Direction, from uint64, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 0 {
		return nil, fmt.Errorf("pgstore: read %s: negative limit %d", stream, limit)
	}
	var sql string
	switch dir {
	case eventstore.Forwards:
		sql = selectEvent + `WHERE stream_id = $1 AND number >= $2 ORDER BY number LIMIT $3`
	case eventstore.Backwards:
		sql = selectEvent + `WHERE stream_id = $1 AND number <= $2 ORDER BY number DESC LIMIT $3`
		if from == 0 {
			from = math.MaxInt64
		}
	default:
		return nil, fmt.Errorf("pgstore: read %s: unknown direction %d", stream, dir)
	}
	args := []any{stream, int64(min(from, math.MaxInt64)), limitArg(limit)}
	events, err := s.query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read %s: %w", stream, err)
	}
	if len(events) > 0 {
		return events, nil
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE stream_id = $1)`, stream).Scan(&exists); err != nil {
		return nil, fmt.Errorf("pgstore: read %s: %w", stream, classify(err))
	}
	if !exists {
		return nil, fmt.Errorf("pgstore: read %s: %w", stream, eventstore.ErrStreamNotFound)
	}
	// The stream was created after the first read's snapshot: read again.
	if events, err = s.query(ctx, sql, args...); err != nil {
		return nil, fmt.Errorf("pgstore: read %s: %w", stream, err)
	}
	return events, nil
}

// readStreamsSQL reads whole streams, each in version order, in one
// statement: one round trip and one snapshot for all of them.
const readStreamsSQL = selectEvent + `WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, number`

// ReadStreams reads the whole of each stream, forwards, in one query:
// events[i] are streams[i]'s events in version order, none when it does
// not exist (not ErrStreamNotFound: several streams are read together
// where some need not exist yet, as a declaration's change and summary).
// All of them are read in one snapshot, so they are as of one moment,
// which separate reads are not.
func (s *Store) ReadStreams(ctx context.Context, streams []string) ([][]eventstore.RecordedEvent, error) {
	out := make([][]eventstore.RecordedEvent, len(streams))
	if len(streams) == 0 {
		return out, nil
	}
	at := make(map[string][]int, len(streams))
	for i, stream := range streams {
		at[stream] = append(at[stream], i)
	}
	events, err := s.query(ctx, readStreamsSQL, streams)
	if err != nil {
		return nil, fmt.Errorf("pgstore: read %s: %w", strings.Join(streams, ", "), err)
	}
	for _, e := range events {
		for _, i := range at[e.StreamID] {
			out[i] = append(out[i], e)
		}
	}
	return out, nil
}

// readAllSQL reads $all after ($1, $2), only below the oldest running
// transaction (see the package comment).
const readAllSQL = selectEvent + `
WHERE (tx_id, position) > ($1::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id, position
LIMIT $3`

// ReadAll implements eventstore.Store; limit 0 reads everything.
func (s *Store) ReadAll(ctx context.Context, from eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	if limit < 0 {
		return nil, fmt.Errorf("pgstore: read $all: negative limit %d", limit)
	}
	events, err := s.query(ctx, readAllSQL, from.Commit, int64(min(from.Prepare, math.MaxInt64)), limitArg(limit))
	if err != nil {
		return nil, fmt.Errorf("pgstore: read $all: %w", err)
	}
	return events, nil
}

// pageSQL reads up to $3 events of $all after ($1, $2), as readAllSQL,
// and tells on every row (and on a lone row of NULLs when there are none)
// whether committed events after ($1, $2) are held back behind a running
// transaction. It is one statement, so both halves see one snapshot: as two,
// a transaction ending between them would leave its followers unread by the
// first and not held back for the second, and the subscriber asleep.
const pageSQL = `
WITH horizon AS MATERIALIZED (
	SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin
), held AS (
	SELECT EXISTS (
		SELECT 1 FROM events
		WHERE (tx_id, position) > ($1::xid8, $2::bigint)
		  AND tx_id >= (SELECT xmin FROM horizon)
	) AS held
), page AS (
	SELECT tx_id, position, stream_id, number, event_id, type, data, metadata, created FROM events
	WHERE (tx_id, position) > ($1::xid8, $2::bigint)
	  AND tx_id < (SELECT xmin FROM horizon)
	ORDER BY tx_id, position
	LIMIT $3
)
SELECT held.held, page.* FROM held LEFT JOIN page ON true
ORDER BY page.tx_id, page.position`

// page reads up to subscribePage events after from and tells whether
// more are committed but held back, in one statement (see pageSQL).
func (s *Store) page(ctx context.Context, from eventstore.Position) ([]eventstore.RecordedEvent, bool, error) {
	rows, err := s.pool.Query(ctx, pageSQL, from.Commit, int64(min(from.Prepare, math.MaxInt64)), subscribePage)
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: read $all: %w", classify(err))
	}
	defer rows.Close()
	var events []eventstore.RecordedEvent
	var held bool
	for rows.Next() {
		var txID *uint64 // NULL on the lone row of an empty page
		var position, number *int64
		var stream, typ *string
		var id *[16]byte
		var data, meta []byte
		var created *time.Time
		if err := rows.Scan(&held, &txID, &position, &stream, &number, &id, &typ, &data, &meta, &created); err != nil {
			return nil, false, fmt.Errorf("pgstore: read $all: %w", decodeError{err})
		}
		if txID == nil {
			continue
		}
		e := eventstore.RecordedEvent{ID: *id, StreamID: *stream, Number: uint64(*number), Position: positionOf(*txID, *position),
			Type: *typ, Data: data, RawMetadata: meta, Created: *created}
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return nil, false, fmt.Errorf("pgstore: read $all: %w", decodeError{fmt.Errorf("metadata of event %s: %w", e.ID, err)})
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, false, fmt.Errorf("pgstore: read $all: %w", classify(err))
	}
	return events, held, nil
}

// SubscribeAll implements eventstore.Store: it catches up page by page,
// then waits for a notification of a commit, re-reading with a short
// backoff while committed events are held back behind an open transaction
// and every few seconds when idle.
func (s *Store) SubscribeAll(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	wake, unsubscribe := s.listener.subscribe()
	defer unsubscribe()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var backoff time.Duration
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		events, held, err := s.page(ctx, from)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		for _, e := range events {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := handle(ctx, e); err != nil {
				return err
			}
			from = e.Position
		}
		if len(events) == subscribePage {
			continue
		}
		if len(events) > 0 {
			backoff = 0
		}
		wait := idleReread
		if held {
			backoff = min(max(backoff*2, heldBackoffMin), heldBackoffMax)
			wait = backoff
		} else {
			backoff = 0
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-timer.C:
		}
	}
}

// Ping implements eventstore.Store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("pgstore: ping: %w", classify(err))
	}
	return nil
}

func (s *Store) query(ctx context.Context, sql string, args ...any) ([]eventstore.RecordedEvent, error) {
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, classify(err)
	}
	events, err := collect(rows)
	if err != nil {
		return nil, classify(err)
	}
	return events, nil
}

// collect reads the rows of a selectEvent query.
func collect(rows pgx.Rows) ([]eventstore.RecordedEvent, error) {
	defer rows.Close()
	var events []eventstore.RecordedEvent
	for rows.Next() {
		var e eventstore.RecordedEvent
		var txID uint64
		var position, number int64
		var meta []byte
		if err := rows.Scan(&txID, &position, &e.StreamID, &number, (*[16]byte)(&e.ID), &e.Type, (*[]byte)(&e.Data), &meta, &e.Created); err != nil {
			return nil, decodeError{err}
		}
		if err := json.Unmarshal(meta, &e.Metadata); err != nil {
			return nil, decodeError{fmt.Errorf("metadata of event %s: %w", e.ID, err)}
		}
		e.Number, e.Position, e.RawMetadata = uint64(number), positionOf(txID, position), meta
		events = append(events, e)
	}
	return events, rows.Err()
}

func positionOf(txID uint64, position int64) eventstore.Position {
	return eventstore.Position{Commit: txID, Prepare: uint64(position)}
}

// limitArg is a LIMIT parameter: NULL (no limit) for 0.
func limitArg(limit int) any {
	if limit == 0 {
		return nil
	}
	return int64(limit)
}

// decodeError marks a failure to read a row, which is not the database
// being unreachable.
type decodeError struct{ err error }

func (e decodeError) Error() string { return e.err.Error() }
func (e decodeError) Unwrap() error { return e.err }

// classify wraps failures to reach the database in ErrUnavailable; errors
// the server reported about a statement, context ends and decoding
// failures pass through.
func classify(err error) error {
	var pgErr *pgconn.PgError
	var de decodeError
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.As(err, &de):
		return err
	case errors.As(err, &pgErr):
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03", // cannot_connect_now
			pgErr.Code == "53300": // too_many_connections
			return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
		}
		return err
	default:
		// Dialing, a dropped connection, a closed pool.
		return fmt.Errorf("%w: %w", eventstore.ErrUnavailable, err)
	}
}

// Head is the position of the last committed event (Start when there is
// none), including events ReadAll still holds back behind an open
// transaction: the position a subscriber is sure to reach.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var txID uint64
	var position int64
	err := s.pool.QueryRow(ctx, `SELECT tx_id, position FROM events ORDER BY tx_id DESC, position DESC LIMIT 1`).Scan(&txID, &position)
	if errors.Is(err, pgx.ErrNoRows) {
		return eventstore.Start, nil
	}
	if err != nil {
		return eventstore.Position{}, fmt.Errorf("pgstore: head: %w", classify(err))
	}
	return positionOf(txID, position), nil
}
