package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/benchdata"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// Tests of the live runner's batches: the subscriber hands a read model
// whatever $all has ready (up to maxBatch events) in one message, and the
// handler applies it in one transaction that moves the checkpoint once.

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// probe is a read model that records every event it applies, with the
// transaction that applied it, and can be told to fail on one event a
// number of times. It also remembers each attempt (transaction) in memory,
// failed ones included.
type probe struct {
	mu       sync.Mutex
	failAt   eventstore.Position
	failures int // left to inject at failAt
	attempts [][]eventstore.Position
	lastTx   pgx.Tx
}

func (*probe) Name() string     { return "batch_probe" }
func (*probe) Version() int     { return 1 }
func (*probe) Tables() []string { return []string{"batch_probe_seen"} }
func (*probe) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE batch_probe_seen (
		seq bigserial PRIMARY KEY,
		commit_pos bigint NOT NULL,
		prepare_pos bigint NOT NULL,
		event_id uuid NOT NULL,
		tx xid8 NOT NULL DEFAULT pg_current_xact_id())`)
	return err
}

func (p *probe) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	p.mu.Lock()
	if tx != p.lastTx {
		p.lastTx = tx
		p.attempts = append(p.attempts, nil)
	}
	p.attempts[len(p.attempts)-1] = append(p.attempts[len(p.attempts)-1], e.Position)
	fail := e.Position == p.failAt && p.failures > 0
	if fail {
		p.failures--
	}
	p.mu.Unlock()
	if fail {
		return errors.New("injected failure")
	}
	_, err := tx.Exec(ctx, `INSERT INTO batch_probe_seen (commit_pos, prepare_pos, event_id) VALUES ($1, $2, $3)`,
		int64(e.Position.Commit), int64(e.Position.Prepare), e.ID)
	return err
}

func (p *probe) attemptsSnapshot() [][]eventstore.Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.attempts)
}

func newBatchDB(t *testing.T) (*pgxpool.Pool, *pgstore.Store) {
	t.Helper()
	pool := pgtest.NewDatabase(t, func(ctx context.Context, pool *pgxpool.Pool) error {
		return migrate.Up(ctx, pool, pgstore.Migrations, Migrations)
	})
	return pool, pgstore.New(pool)
}

func startRunner(t *testing.T, pool *pgxpool.Pool, store eventstore.Store, ps ...Projection) *Runner {
	t.Helper()
	r, err := NewRunner(pool, store, quiet, ps...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return r
}

func waitHead(t *testing.T, r *Runner, store *pgstore.Store) eventstore.Position {
	t.Helper()
	head, err := store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.WaitFor(ctx, head); err != nil {
		t.Fatalf("waiting for %s: %v", head, err)
	}
	return head
}

func scalar(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// checkProbe: the probe holds every event of $all exactly once, applied in
// global order, and no transaction applied more than maxBatch.
func checkProbe(t *testing.T, pool *pgxpool.Pool, events int) {
	t.Helper()
	if got := scalar(t, pool, `SELECT count(*) FROM rm.batch_probe_seen`); got != events {
		t.Errorf("probe rows: %d; want one per event, %d", got, events)
	}
	if got := scalar(t, pool, `SELECT count(*) FROM events e WHERE (SELECT count(*) FROM rm.batch_probe_seen s WHERE s.event_id = e.event_id) <> 1`); got != 0 {
		t.Errorf("%d events not applied exactly once", got)
	}
	if got := scalar(t, pool, `SELECT count(*) FROM (
			SELECT (commit_pos, prepare_pos) <= (lag(commit_pos) OVER w, lag(prepare_pos) OVER w) AS back
			FROM rm.batch_probe_seen WINDOW w AS (ORDER BY seq)) x WHERE back`); got != 0 {
		t.Errorf("%d events applied out of global order", got)
	}
	if got := scalar(t, pool, `SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM rm.batch_probe_seen GROUP BY tx) x`); got > maxBatch {
		t.Errorf("one transaction applied %d events; want at most %d", got, maxBatch)
	}
}

// checkStates: every read model's checkpoint is at head, each event counted
// once, no error left.
func checkStates(t *testing.T, pool *pgxpool.Pool, store eventstore.Store, head eventstore.Position, events int, ps ...Projection) {
	t.Helper()
	states, err := Status(context.Background(), pool, store, time.Now(), ps...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if s.Checkpoint != head || s.EventsApplied != int64(events) || s.LagEvents != 0 || s.LastError != "" {
			t.Errorf("%s: checkpoint %s (head %s), applied %d of %d, lag %d, last error %q",
				s.Name, s.Checkpoint, head, s.EventsApplied, events, s.LagEvents, s.LastError)
		}
	}
}

// TestLiveRunnerBatchesConcurrentAppends: 300 events wait before the runner
// starts, then 504 more are appended by six writers while it runs. Every
// read model ends at head with each event applied once, in order, and the
// backlog went in batches rather than one transaction per event.
func TestLiveRunnerBatchesConcurrentAppends(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	org := benchdata.NewOrg()
	const before, during = 50, 84 // records of benchdata.EventsPerRecord events
	if err := benchdata.FillEvents(ctx, store, org, 0, before, 4); err != nil {
		t.Fatal(err)
	}
	backlog, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{}
	ps := append(All(), p)
	r := startRunner(t, pool, store, ps...)
	waitHead(t, r, store)
	// In rounds, so some arrive while the runner is busy and some while it
	// is idle.
	for from := before; from < before+during; from += 12 {
		if err := benchdata.FillEvents(ctx, store, org, from, min(from+12, before+during), 6); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	head := waitHead(t, r, store)

	records, events := before+during, (before+during)*benchdata.EventsPerRecord
	if got := scalar(t, pool, `SELECT count(*) FROM events`); got != events {
		t.Fatalf("events in the store: %d; want %d", got, events)
	}
	checkProbe(t, pool, events)
	checkStates(t, pool, store, head, events, ps...)
	if got := scalar(t, pool, `SELECT count(*) FROM rm.approval_log`); got != events {
		t.Errorf("approval log rows: %d; want one per event, %d", got, events)
	}
	if got := scalar(t, pool, `SELECT count(*) FROM rm.forecasts WHERE status = 'school_approved' AND version = 6`); got != records {
		t.Errorf("forecasts at school_approved v6: %d; want %d", got, records)
	}
	// The backlog of 300 events was there at once: a handful of
	// transactions, not 300.
	txs := scalar(t, pool, `SELECT count(DISTINCT tx) FROM rm.batch_probe_seen WHERE (commit_pos, prepare_pos) <= ($1, $2)`,
		int64(backlog.Commit), int64(backlog.Prepare))
	if txs > 20 {
		t.Errorf("the backlog of %d events took %d transactions; want batches", before*benchdata.EventsPerRecord, txs)
	}
	all := scalar(t, pool, `SELECT count(DISTINCT tx) FROM rm.batch_probe_seen`)
	t.Logf("%d events in %d transactions (backlog of %d in %d)", events, all, before*benchdata.EventsPerRecord, txs)
}

// TestLiveRunnerRetriesFailedBatchWhole: the probe fails five times on an
// event in the middle of the backlog (past the handler's retries, so the
// message is nacked and delivered again). Each attempt is the same batch from
// its start; nothing before the failure is lost, nothing is applied twice,
// and the other read models are unaffected.
func TestLiveRunnerRetriesFailedBatchWhole(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	org := benchdata.NewOrg()
	if err := benchdata.FillEvents(ctx, store, org, 0, 40, 4); err != nil {
		t.Fatal(err)
	}
	all, err := store.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{failAt: all[150].Position, failures: 5}
	ps := append(All(), p)
	r := startRunner(t, pool, store, ps...)
	// Appends while the probe is failing, so batches keep forming behind it.
	if err := benchdata.FillEvents(ctx, store, org, 40, 60, 3); err != nil {
		t.Fatal(err)
	}
	head := waitHead(t, r, store)
	events := 60 * benchdata.EventsPerRecord

	checkProbe(t, pool, events)
	checkStates(t, pool, store, head, events, ps...)
	if got := scalar(t, pool, `SELECT count(*) FROM rm.approval_log`); got != events {
		t.Errorf("approval log rows: %d; want %d", got, events)
	}
	// The attempts that reached the failing event: five failures and the
	// success, all starting at the same first event.
	var starts []eventstore.Position
	for _, a := range p.attemptsSnapshot() {
		if slices.Contains(a, p.failAt) {
			starts = append(starts, a[0])
		}
	}
	if len(starts) != 6 {
		t.Fatalf("attempts at the failing event: %d; want 6 (5 failures, 1 success)", len(starts))
	}
	for _, s := range starts[1:] {
		if s != starts[0] {
			t.Errorf("a retry started at %s; the failed batch started at %s", s, starts[0])
		}
	}
}

// fakeStore holds events 1..n at positions 1..n, of which ReadAll sees the
// first visible; SubscribeAll runs the next script of subs, which shows
// events as it hands them out (see feed).
type fakeStore struct {
	eventstore.Store
	subs chan func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error

	mu       sync.Mutex
	visible  uint64
	subFrom  []eventstore.Position // where each SubscribeAll started
	readFrom []eventstore.Position // and each ReadAll
}

func newFakeStore(visible uint64, subs ...func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error) *fakeStore {
	f := &fakeStore{visible: visible, subs: make(chan func(context.Context, eventstore.Position, func(context.Context, eventstore.RecordedEvent) error) error, len(subs))}
	for _, s := range subs {
		f.subs <- s
	}
	return f
}

func (f *fakeStore) ReadAll(_ context.Context, from eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readFrom = append(f.readFrom, from)
	var out []eventstore.RecordedEvent
	for n := from.Commit + 1; n <= f.visible && len(out) < limit; n++ {
		out = append(out, fakeEvent(n))
	}
	return out, nil
}

func (f *fakeStore) SubscribeAll(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
	f.mu.Lock()
	f.subFrom = append(f.subFrom, from)
	f.mu.Unlock()
	select {
	case sub := <-f.subs:
		return sub(ctx, from, handle)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// feed shows events from..to (inclusive) and hands them to handle.
func (f *fakeStore) feed(ctx context.Context, handle func(context.Context, eventstore.RecordedEvent) error, from, to uint64) error {
	for n := from; n <= to; n++ {
		f.mu.Lock()
		f.visible = max(f.visible, n)
		f.mu.Unlock()
		if err := handle(ctx, fakeEvent(n)); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeStore) positions() (sub, read []eventstore.Position) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.subFrom), slices.Clone(f.readFrom)
}

func fakeEvent(n uint64) eventstore.RecordedEvent {
	return eventstore.RecordedEvent{ID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%d", n)), StreamID: "s", Number: n,
		Position: eventstore.Position{Commit: n, Prepare: n}, Type: "t", Data: json.RawMessage(`{"n":1}`), Created: time.Unix(int64(n), 0).UTC(),
		Metadata: eventstore.Metadata{ActorID: "a", Command: "c", RecordedAt: time.Unix(int64(n), 0).UTC(), SchemaVersion: 1}}
}

func at(n uint64) eventstore.Position { return eventstore.Position{Commit: n, Prepare: n} }

func subscribeFake(t *testing.T, s *allSubscriber, topic string) <-chan *message.Message {
	t.Helper()
	msgs, err := s.Subscribe(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func receive(t *testing.T, msgs <-chan *message.Message) (*message.Message, []eventstore.RecordedEvent) {
	t.Helper()
	select {
	case msg := <-msgs:
		events, err := decodeBatch(msg.Payload)
		if err != nil {
			t.Fatal(err)
		}
		return msg, events
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
		return nil, nil
	}
}

// receiveUpTo acks messages until it has event last, and returns the event
// numbers in the order delivered.
func receiveUpTo(t *testing.T, msgs <-chan *message.Message, last uint64, maxSize int) []uint64 {
	t.Helper()
	var got []uint64
	for len(got) == 0 || got[len(got)-1] < last {
		msg, events := receive(t, msgs)
		if len(events) > maxSize {
			t.Errorf("batch of %d; want at most %d", len(events), maxSize)
		}
		got = append(got, numbers(events)...)
		msg.Ack()
	}
	return got
}

func numbers(events []eventstore.RecordedEvent) []uint64 {
	var out []uint64
	for _, e := range events {
		out = append(out, e.Number)
	}
	return out
}

func oneToN(n uint64) []uint64 {
	var out []uint64
	for i := uint64(1); i <= n; i++ {
		out = append(out, i)
	}
	return out
}

func equalEvent(a, b eventstore.RecordedEvent) bool {
	return a.ID == b.ID && a.StreamID == b.StreamID && a.Number == b.Number && a.Position == b.Position && a.Type == b.Type &&
		string(a.Data) == string(b.Data) && a.Metadata == b.Metadata && a.Created.Equal(b.Created)
}

// TestSubscriberBatches: a read model behind reads batches of at most the
// batch size from the store; a nacked batch comes back byte for byte; the
// payload carries every field of the events; once caught up, the read model
// gets new events from the store's subscription, in order, each once.
func TestSubscriberBatches(t *testing.T) {
	live := make(chan struct{})
	var store *fakeStore
	store = newFakeStore(20, func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
		<-live
		if err := store.feed(ctx, handle, from.Commit+1, 30); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
	s := &allSubscriber{store: store, log: quiet, batch: 4,
		startFrom: func(context.Context, string) (eventstore.Position, error) { return eventstore.Start, nil }}
	defer s.Close()
	msgs := subscribeFake(t, s, "x")

	first, events := receive(t, msgs)
	if !slices.Equal(numbers(events), []uint64{1, 2, 3, 4}) || !equalEvent(events[0], fakeEvent(1)) {
		t.Errorf("first batch %v, first event %+v; want 1..4 and %+v", numbers(events), events[0], fakeEvent(1))
	}
	first.Nack()
	again, same := receive(t, msgs)
	if again.UUID != first.UUID || string(again.Payload) != string(first.Payload) {
		t.Errorf("after a nack: %s %v; want the same batch %s %v", again.UUID, numbers(same), first.UUID, numbers(events))
	}
	again.Ack()
	got := append(numbers(events), receiveUpTo(t, msgs, 20, 4)...)
	close(live)
	got = append(got, receiveUpTo(t, msgs, 30, 4)...)
	if !slices.Equal(got, oneToN(30)) {
		t.Errorf("delivered %v; want 1..30 in order, once each", got)
	}
	if sub, _ := store.positions(); !slices.Equal(sub, []eventstore.Position{at(20)}) {
		t.Errorf("store subscriptions from %v; want one, after event 20", sub)
	}
}

// TestSubscriberResubscribes: the store's subscription fails after three
// events; the next one starts after the last event read, and the read model
// gets every event once, in order.
func TestSubscriberResubscribes(t *testing.T) {
	var store *fakeStore
	store = newFakeStore(3,
		func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
			if err := store.feed(ctx, handle, from.Commit+1, 6); err != nil {
				return err
			}
			return errors.New("connection lost")
		},
		func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
			if err := store.feed(ctx, handle, from.Commit+1, 10); err != nil {
				return err
			}
			<-ctx.Done()
			return ctx.Err()
		})
	s := &allSubscriber{store: store, log: quiet,
		startFrom: func(context.Context, string) (eventstore.Position, error) { return eventstore.Start, nil }}
	defer s.Close()
	got := receiveUpTo(t, subscribeFake(t, s, "x"), 10, maxBatch)
	if !slices.Equal(got, oneToN(10)) {
		t.Errorf("delivered %v; want 1..10 in order, once each", got)
	}
	if sub, _ := store.positions(); !slices.Equal(sub, []eventstore.Position{at(3), at(6)}) {
		t.Errorf("store subscriptions from %v; want after 3, then after 6", sub)
	}
}

// TestSubscriberSlowReaderFallsBackToStore: two read models share the
// store's subscription; one stops acking while 60 events arrive, more than
// the tail keeps. It then reads what the tail has dropped from the store,
// and both get every event once, in order.
func TestSubscriberSlowReaderFallsBackToStore(t *testing.T) {
	var store *fakeStore
	store = newFakeStore(3, func(ctx context.Context, from eventstore.Position, handle func(context.Context, eventstore.RecordedEvent) error) error {
		if err := store.feed(ctx, handle, from.Commit+1, 60); err != nil {
			return err
		}
		<-ctx.Done()
		return ctx.Err()
	})
	s := &allSubscriber{store: store, log: quiet, batch: 4, keep: 4,
		startFrom: func(context.Context, string) (eventstore.Position, error) { return eventstore.Start, nil }}
	defer s.Close()
	fast, slow := subscribeFake(t, s, "fast"), subscribeFake(t, s, "slow")
	held, first := receive(t, slow)
	if got := receiveUpTo(t, fast, 60, 4); !slices.Equal(got, oneToN(60)) {
		t.Errorf("fast read model got %v; want 1..60", got)
	}
	held.Ack()
	if got := append(numbers(first), receiveUpTo(t, slow, 60, 4)...); !slices.Equal(got, oneToN(60)) {
		t.Errorf("slow read model got %v; want 1..60", got)
	}
	_, reads := store.positions()
	if !slices.ContainsFunc(reads, func(p eventstore.Position) bool { return p.Commit >= 4 && p.Commit < 50 }) {
		t.Errorf("reads from the store after %v; want the slow read model to have read what the tail dropped", reads)
	}
}

// BenchmarkApplyBatched applies events in batches of maxBatch per
// transaction, as the live runner does when events wait, to each read
// model: 1,000 records (6,000 events) per op. BenchmarkApply is the same
// with one event per transaction.
func BenchmarkApplyBatched(b *testing.B) {
	db := benchdata.New(b, migrateBench)
	ctx := context.Background()
	const records = 1000
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), benchdata.NewOrg(), 0, records, 4); err != nil {
		b.Fatal(err)
	}
	events, err := pgstore.New(db.Pool).ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range All() {
		b.Run(p.Name(), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				freshGeneration(b, db.Pool, p)
				b.StartTimer()
				for batch := range slices.Chunk(events, maxBatch) {
					if _, err := applyEvents(ctx, db.Pool, p, batch); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRunnerLag runs the live runner with every read model on a pool
// of pgx's default size (as econf serve) over 1,000 records, while writers
// each append one event (a new forecast) and wait until every read model
// has applied it, then append the next. One op is one such event; the
// metrics are the time from the append's return until the last read
// model's checkpoint passed it. Run it with a fixed count, e.g.
// -benchtime 2000x.
func BenchmarkRunnerLag(b *testing.B) {
	db := benchdata.New(b, migrateBench)
	ctx := context.Background()
	org := benchdata.NewOrg()
	const records = 1000
	if err := benchdata.FillEvents(ctx, pgstore.New(db.Fill), org, 0, records, 4); err != nil {
		b.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, db.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	store := pgstore.New(pool)
	r, err := NewRunner(pool, store, quiet, All()...)
	if err != nil {
		b.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = r.Run(rctx) }()
	head, err := store.Head(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.WaitFor(ctx, head); err != nil {
		b.Fatal(err)
	}
	w := newLagWatch(rctx, r, pool)
	next := records
	var nextMu sync.Mutex
	take := func() int {
		nextMu.Lock()
		defer nextMu.Unlock()
		next++
		return next
	}
	for _, writers := range []int{1, 16} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			var mu sync.Mutex
			var lags []time.Duration
			var wg sync.WaitGroup
			ops := make(chan struct{}, b.N)
			for range b.N {
				ops <- struct{}{}
			}
			close(ops)
			b.ResetTimer()
			for range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range ops {
						i := take()
						res, err := store.Append(ctx, benchdata.Stream(i), eventstore.NoStream, benchdata.ForecastEvents(org, i)[:1])
						if err != nil {
							b.Error(err)
							return
						}
						acked := time.Now()
						<-w.wait(res.Position)
						mu.Lock()
						lags = append(lags, time.Since(acked))
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lags)
			if len(lags) > 0 {
				pct := func(q float64) float64 { return float64(lags[int(q*float64(len(lags)-1))].Microseconds()) / 1000 }
				b.ReportMetric(pct(0.5), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
				b.ReportMetric(float64(lags[len(lags)-1].Microseconds())/1000, "max-ms")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// lagWatch tells waiters when every read model's checkpoint has passed
// their position, reading all checkpoints in one query per runner signal
// (or every 2 ms), so observing costs the runner little.
type lagWatch struct {
	mu      sync.Mutex
	waiting map[eventstore.Position][]chan struct{}
}

func newLagWatch(ctx context.Context, r *Runner, pool *pgxpool.Pool) *lagWatch {
	w := &lagWatch{waiting: map[eventstore.Position][]chan struct{}{}}
	go func() {
		for ctx.Err() == nil {
			changed := r.changes()
			var c, p int64
			err := pool.QueryRow(ctx, `SELECT checkpoint_commit, checkpoint_prepare FROM projection_state
				WHERE status = 'active' ORDER BY checkpoint_commit, checkpoint_prepare LIMIT 1`).Scan(&c, &p)
			if err == nil {
				low := eventstore.Position{Commit: uint64(c), Prepare: uint64(p)}
				w.mu.Lock()
				for pos, chs := range w.waiting {
					if !low.Less(pos) {
						for _, ch := range chs {
							close(ch)
						}
						delete(w.waiting, pos)
					}
				}
				w.mu.Unlock()
			}
			select {
			case <-changed:
			case <-time.After(2 * time.Millisecond):
			case <-ctx.Done():
			}
		}
	}()
	return w
}

func (w *lagWatch) wait(pos eventstore.Position) <-chan struct{} {
	ch := make(chan struct{})
	w.mu.Lock()
	w.waiting[pos] = append(w.waiting[pos], ch)
	w.mu.Unlock()
	return ch
}
