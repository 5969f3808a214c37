package projections

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// maxPipelined bounds the statements one pipeline holds before it is sent,
// so a rebuild batch's memory stays bounded whatever its events write.
const maxPipelined = 1024

// pipeTx is the transaction read models apply events in. Their writes are
// Execs whose results they never read but for the error, so an Exec with
// arguments is queued and sent with the next ones in one round trip: when
// the read model next reads (Query, QueryRow), opens a savepoint, copies,
// or when the applier flushes at the end of the batch. Without it a batch
// of 2,000 events waited for 2,000 round trips, one per statement.
//
// The price: an Exec that fails reports its error at the flush, not from
// Exec, and Exec answers an empty command tag. The transaction fails as a
// whole either way, and the error names the event whose statement failed.
type pipeTx struct {
	pgx.Tx
	batch  pgx.Batch
	owners []int // whose each queued statement is, for describe
	owner  int
	// describe names an owner in an error.
	describe func(owner int) string
	// failed is the first failure sent: the transaction is aborted.
	failed error
}

func newPipeTx(tx pgx.Tx, describe func(owner int) string) *pipeTx {
	return &pipeTx{Tx: tx, describe: describe}
}

// about says whose the statements queued from now on are (an index the
// describe function names, such as the event's place in the batch).
func (t *pipeTx) about(owner int) { t.owner = owner }

// Exec queues a statement with arguments (one statement: the extended
// protocol allows no more). A statement without arguments may hold several
// and goes at once, after the queue.
func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(args) == 0 {
		if err := t.flush(ctx); err != nil {
			return pgconn.CommandTag{}, err
		}
		return t.Tx.Exec(ctx, sql)
	}
	if t.failed != nil {
		return pgconn.CommandTag{}, t.failed
	}
	t.batch.Queue(sql, fastUUIDs(args)...)
	t.owners = append(t.owners, t.owner)
	if t.batch.Len() >= maxPipelined {
		return pgconn.CommandTag{}, t.flush(ctx)
	}
	return pgconn.CommandTag{}, nil
}

// flush sends the queued statements in one round trip and returns the first
// failure, naming its event.
func (t *pipeTx) flush(ctx context.Context) error {
	n := t.batch.Len()
	if t.failed != nil || n == 0 {
		return t.failed
	}
	queued, owners := t.batch, t.owners
	t.batch, t.owners = pgx.Batch{}, nil
	br := t.Tx.SendBatch(ctx, &queued)
	for i := range n {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			t.failed = fmt.Errorf("%s: %w", t.describe(owners[i]), err)
			return t.failed
		}
	}
	if err := br.Close(); err != nil {
		t.failed = err
	}
	return t.failed
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Query(ctx, sql, fastUUIDs(args)...)
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := t.flush(ctx); err != nil {
		return errRow{err}
	}
	return t.Tx.QueryRow(ctx, sql, fastUUIDs(args)...)
}

func (t *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Begin(ctx)
}

func (t *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.Tx.CopyFrom(ctx, table, columns, &fastUUIDRows{CopyFromSource: rows})
}

// SendBatch sends the queue first; if that failed, the transaction is
// aborted and b's results say so (the cause is kept for the next flush).
func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	_ = t.flush(ctx)
	return t.Tx.SendBatch(ctx, b)
}

func (t *pipeTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.Tx.Prepare(ctx, name, sql)
}

func (t *pipeTx) Commit(ctx context.Context) error {
	if err := t.flush(ctx); err != nil {
		_ = t.Tx.Rollback(ctx)
		return err
	}
	return t.Tx.Commit(ctx)
}

func (t *pipeTx) Rollback(ctx context.Context) error {
	t.batch, t.owners = pgx.Batch{}, nil
	return t.Tx.Rollback(ctx)
}

type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// pgUUID is a uuid.UUID that pgx encodes as a uuid directly
// (pgtype.UUIDValuer). pgx encodes a uuid.UUID through its driver.Valuer:
// its text, parsed back, some 20 allocations and 2 µs each, for every
// element of an array too. A batch of 2,000 events sends tens of thousands
// of ids: the approval log's three id arrays alone took 13 ms of a batch.
// Where a statement wants text, pgUUID gives the same text as uuid.UUID.
type pgUUID uuid.UUID

func (u pgUUID) UUIDValue() (pgtype.UUID, error) { return pgtype.UUID{Bytes: u, Valid: true}, nil }

func (u pgUUID) Value() (driver.Value, error) { return uuid.UUID(u).String(), nil }

// fastUUIDs is args with every uuid.UUID, *uuid.UUID and slice of them as
// pgUUIDs (nil pointers and slices kept nil: NULL); args itself is not
// changed.
func fastUUIDs(args []any) []any {
	var out []any
	for i, a := range args {
		var c any
		switch v := a.(type) {
		case uuid.UUID:
			c = pgUUID(v)
		case *uuid.UUID:
			c = (*pgUUID)(v)
		case []uuid.UUID:
			if v == nil {
				c = []pgUUID(nil)
				break
			}
			s := make([]pgUUID, len(v))
			for j, id := range v {
				s[j] = pgUUID(id)
			}
			c = s
		case []*uuid.UUID:
			if v == nil {
				c = []*pgUUID(nil)
				break
			}
			s := make([]*pgUUID, len(v))
			for j, id := range v {
				s[j] = (*pgUUID)(id)
			}
			c = s
		default:
			continue
		}
		if out == nil {
			out = slices.Clone(args)
		}
		out[i] = c
	}
	if out == nil {
		return args
	}
	return out
}

// fastUUIDRows is a COPY's rows with their ids as pgUUIDs (fastUUIDs).
type fastUUIDRows struct{ pgx.CopyFromSource }

func (r *fastUUIDRows) Values() ([]any, error) {
	v, err := r.CopyFromSource.Values()
	if err != nil {
		return nil, err
	}
	return fastUUIDs(v), nil
}
