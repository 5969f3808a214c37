package projections

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/benchdata"
)

// Tests that a rebuild never holds the event horizon: $all hands out only
// events below the oldest running transaction id, so a rebuild waiting or
// building with a transaction id open holds back every subscriber.

// appendVisible appends one event and fails unless $all hands it out
// within two seconds, that is unless no transaction id holds it back.
func appendVisible(t *testing.T, store *pgstore.Store, what string) {
	t.Helper()
	ctx := context.Background()
	res, err := store.Append(ctx, "horizon-"+uuid.NewString(), 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	from := eventstore.Position{Commit: res.Position.Commit, Prepare: res.Position.Prepare - 1}
	deadline := time.Now().Add(2 * time.Second)
	for {
		events, err := store.ReadAll(ctx, from, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) == 1 && events[0].Position == res.Position {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: an event appended meanwhile is held back from $all", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitBackend waits for a backend of the database running a statement
// like pattern (and waiting for a lock, if lockWait), and returns its pid
// and whether it holds a transaction id.
func waitBackend(t *testing.T, pool *pgxpool.Pool, pattern string, lockWait bool, done <-chan error) (int, bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var pid int
		var xid bool
		err := pool.QueryRow(context.Background(), `SELECT pid, backend_xid IS NOT NULL FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE $1 AND (NOT $2 OR wait_event_type = 'Lock')
			ORDER BY backend_xid IS NOT NULL DESC LIMIT 1`, pattern, lockWait).Scan(&pid, &xid)
		if err == nil {
			return pid, xid
		}
		if err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			t.Fatalf("the rebuild ended (%v) before running %q", err, pattern)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no backend ran %q", pattern)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRebuildSwitchWaitsWithoutXid: a long export reads a read model while
// its rebuild wants to switch the views. The switch waits, but without a
// transaction id: events appended meanwhile reach $all, and other queries
// of the read model are not queued behind the switch.
func TestRebuildSwitchWaitsWithoutXid(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, store, benchdata.NewOrg(), 0, 3, 1); err != nil {
		t.Fatal(err)
	}
	p := &probe{}
	if _, err := Rebuild(ctx, pool, store, p, nil); err != nil {
		t.Fatal(err)
	}
	export, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer export.Rollback(ctx) //nolint:errcheck
	if _, err := export.Exec(ctx, `SELECT count(*) FROM rm.batch_probe_seen`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Rebuild(ctx, pool, store, p, nil)
		done <- err
	}()
	waitBackend(t, pool, "LOCK TABLE rm.batch_probe_seen%", false, done)
	appendVisible(t, store, "while the switch waits for the export")
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if _, err := pool.Exec(qctx, `SELECT count(*) FROM rm.batch_probe_seen`); err != nil {
		t.Errorf("a query while the switch waits: %v", err)
	}
	cancel()
	if err := export.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the rebuild after the export: %v", err)
	}
	if n := scalar(t, pool, `SELECT generation FROM projection_state WHERE name = $1 AND status = 'active'`, p.Name()); n != 2 {
		t.Errorf("active generation %d; want 2", n)
	}
}

// gateProbe is a read model with a query index over an expression that
// waits for an advisory lock the test holds: it stops its index build
// half-way.
type gateProbe struct{}

func (gateProbe) Name() string           { return "gate_probe" }
func (gateProbe) Version() int           { return 1 }
func (gateProbe) Tables() []string       { return []string{"gate_rows"} }
func (gateProbe) QueryIndexes() []string { return []string{"gate_rows_gate"} }
func (gateProbe) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE gate_rows (n bigserial PRIMARY KEY, event_id uuid NOT NULL);
		CREATE INDEX gate_rows_gate ON gate_rows ((econf_gate(n)))`)
	return err
}
func (gateProbe) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	_, err := tx.Exec(ctx, `INSERT INTO gate_rows (event_id) VALUES ($1)`, e.ID)
	return err
}

const gateKey = 4242

// TestRebuildIndexBuildHoldsNoXid: while a rebuild builds its deferred
// query indexes it holds no transaction id, so events appended meanwhile
// reach $all; the index ends valid.
func TestRebuildIndexBuildHoldsNoXid(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE FUNCTION econf_gate(n bigint) RETURNS bigint IMMUTABLE LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN n; END $$`); err != nil {
		t.Fatal(err)
	}
	if err := benchdata.FillEvents(ctx, store, benchdata.NewOrg(), 0, 3, 1); err != nil {
		t.Fatal(err)
	}
	gate, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Release()
	if _, err := gate.Exec(ctx, `SELECT pg_advisory_lock($1)`, gateKey); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Rebuild(ctx, pool, store, gateProbe{}, nil)
		done <- err
	}()
	_, xid := waitBackend(t, pool, "CREATE INDEX%gate_rows_gate%", true, done)
	if xid {
		t.Errorf("the index build holds a transaction id")
	}
	appendVisible(t, store, "while the index builds")
	if _, err := gate.Exec(ctx, `SELECT pg_advisory_unlock($1)`, gateKey); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	if n := scalar(t, pool, `SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE c.relname = 'gate_rows_gate' AND i.indisvalid`); n != 1 {
		t.Errorf("valid gate_rows_gate indexes: %d; want 1", n)
	}
}

// TestHorizonShownInStatus: a transaction holding a transaction id (here
// an open write another program left) is named by OldestTransaction, which
// `econf projections status` prints: its backend, program and age.
func TestHorizonShownInStatus(t *testing.T) {
	pool, _ := newBatchDB(t)
	ctx := context.Background()
	cfg := pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "slow-export"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id() /* held */`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	h, err := OldestTransaction(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if h == nil || h.PID != pid || h.Application != "slow-export" || h.Seconds < 0.05 || h.State != "idle in transaction" ||
		!strings.Contains(h.Query, "held") || !strings.Contains(h.String(), "slow-export") {
		t.Fatalf("held horizon: %+v; want backend %d of slow-export, idle in transaction, at least 0.05 s", h, pid)
	}
}
