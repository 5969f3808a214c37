package projections

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/benchdata"
)

// startStallRunner runs ps with quick stall settings: three failures in a
// row, and a stalled handler looks for a retry request every 20 ms.
func startStallRunner(t *testing.T, r *Runner) {
	t.Helper()
	r.stallAfter, r.stallPoll = 3, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func names(ps []Projection) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name()
	}
	return out
}

// waitStalled waits until WaitFor(pos, name) answers a *StalledError.
func waitStalled(t *testing.T, r *Runner, pos eventstore.Position, name string) *StalledError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		err := r.WaitFor(ctx, pos, name)
		var se *StalledError
		switch {
		case errors.As(err, &se):
			return se
		case err == nil:
			t.Fatalf("%s reached %s; want it stalled", name, pos)
		case ctx.Err() != nil:
			t.Fatalf("%s never reported its stall: %v", name, err)
		}
	}
}

// TestPoisonEventStallsOnlyItsReadModel: a read model fails on one event
// every time (issue 12 part 1c). It stalls at that event, having applied
// every event before it; the other read models go on, also with events
// appended while it is stalled; WaitFor past the event, Status and the
// readiness list name the read model, the event and the error. A retry
// while the cause is still there counts another attempt; once the cause is
// gone, a retry applies the event and what follows, exactly once each.
func TestPoisonEventStallsOnlyItsReadModel(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	org := benchdata.NewOrg()
	if err := benchdata.FillEvents(ctx, store, org, 0, 30, 4); err != nil {
		t.Fatal(err)
	}
	all, err := store.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	const k = 77 // the poison event's place in $all
	poison := all[k]
	p := &probe{failAt: poison.Position, failures: 1 << 30}
	others := All()
	r, err := NewRunner(pool, store, quiet, append(others, p)...)
	if err != nil {
		t.Fatal(err)
	}
	startStallRunner(t, r)

	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	se := waitStalled(t, r, head, p.Name())
	if s := se.Stall; s.ReadModel != p.Name() || s.EventID != poison.ID || s.EventType != poison.Type || s.Stream != poison.StreamID ||
		s.Position != poison.Position || s.Kind != StallApply || s.Attempts != 1 || !strings.Contains(s.Error, "injected failure") {
		t.Errorf("stall: %+v; want %s at %s %s#%d (%s) with the injected failure", s, p.Name(), poison.Type, poison.StreamID, poison.Number, poison.Position)
	}
	if !strings.Contains(se.Error(), poison.ID.String()) || !strings.Contains(se.Error(), "injected failure") {
		t.Errorf("stalled error %q names neither the event nor the error", se)
	}
	// Every event before the poison one is applied, once; nothing after.
	if got := scalar(t, pool, `SELECT count(*) FROM rm.batch_probe_seen`); got != k {
		t.Errorf("probe rows while stalled: %d; want the %d events before the poison one", got, k)
	}
	// A position before the poison event is reached.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.WaitFor(wctx, all[k-1].Position, p.Name()); err != nil {
		t.Errorf("waiting for the event before the poison one: %v", err)
	}

	// The other read models go on, with events appended during the stall.
	if err := benchdata.FillEvents(ctx, store, org, 30, 40, 3); err != nil {
		t.Fatal(err)
	}
	head, err = store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.WaitFor(wctx, head, names(others)...); err != nil {
		t.Fatalf("the other read models: %v", err)
	}
	events := 40 * benchdata.EventsPerRecord
	checkStates(t, pool, store, head, events, others...)

	states, err := Status(ctx, pool, store, time.Now(), append(others, p)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range states {
		if (s.Stalled != nil) != (s.Name == p.Name()) {
			t.Errorf("status of %s: stalled %+v", s.Name, s.Stalled)
		}
		if s.Name == p.Name() && (s.Stalled == nil || s.Stalled.EventID != poison.ID || s.LagEvents != events-k) {
			t.Errorf("status of the stalled read model: %+v", s)
		}
	}
	health, err := NewQueries(pool).ReadModelHealth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(health) != len(others)+1 {
		t.Errorf("readiness lists %d read models; want %d", len(health), len(others)+1)
	}
	for _, h := range health {
		if want := map[bool]string{true: "stalled", false: "ok"}[h.Name == p.Name()]; h.Status != want || (h.Stall != nil) != (want == "stalled") {
			t.Errorf("readiness of %s: %s %+v; want %s", h.Name, h.Status, h.Stall, want)
		}
	}

	// A retry while the cause is still there: another attempt, still stalled.
	before, err := RequestRetry(ctx, pool, p.Name())
	if err != nil {
		t.Fatal(err)
	}
	err = WaitRetry(wctx, pool, before)
	if !errors.As(err, &se) || se.Stall.Attempts != 2 || se.Stall.EventID != poison.ID || !se.Stall.Since.Equal(before.Since) {
		t.Fatalf("retry with the cause still there: %v; want the same stall, attempt 2", err)
	}
	if _, err := RequestRetry(ctx, pool, others[0].Name()); !errors.Is(err, ErrNotStalled) {
		t.Errorf("retry of a read model that is not stalled: %v", err)
	}
	if _, err := RequestRetry(ctx, pool, "nope"); !errors.Is(err, ErrUnknownReadModel) {
		t.Errorf("retry of an unknown read model: %v", err)
	}

	// The cause is gone: the retry applies it and carries on.
	p.mu.Lock()
	p.failures = 0
	p.mu.Unlock()
	if before, err = RequestRetry(ctx, pool, p.Name()); err != nil {
		t.Fatal(err)
	}
	if err := WaitRetry(wctx, pool, before); err != nil {
		t.Fatalf("retry once the cause is gone: %v", err)
	}
	if err := r.WaitFor(wctx, head); err != nil {
		t.Fatalf("after the retry: %v", err)
	}
	checkProbe(t, pool, events)
	checkStates(t, pool, store, head, events, append(others, p)...)
	if n := scalar(t, pool, `SELECT count(*) FROM projection_stalls`); n != 0 {
		t.Errorf("%d stall rows left after the retry", n)
	}
}

// outageProbe fails like a dropped connection a number of times.
type outageProbe struct {
	probe
}

func (p *outageProbe) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	p.mu.Lock()
	fail := p.failures > 0
	if fail {
		p.failures--
	}
	p.mu.Unlock()
	if fail {
		return &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}
	}
	return p.probe.Apply(ctx, tx, e)
}

// TestOutageNeverStalls: failures that come from not reaching the database
// are retried for as long as they last, however many there are, and never
// stall the read model.
func TestOutageNeverStalls(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, store, benchdata.NewOrg(), 0, 5, 2); err != nil {
		t.Fatal(err)
	}
	p := &outageProbe{probe: probe{failures: 5}}
	r, err := NewRunner(pool, store, quiet, p)
	if err != nil {
		t.Fatal(err)
	}
	startStallRunner(t, r) // stalls after 3 failures of any other kind
	head := waitHead(t, r, store)
	p.mu.Lock()
	if p.failures != 0 {
		t.Errorf("%d outage failures left", p.failures)
	}
	p.mu.Unlock()
	checkProbe(t, pool, 5*benchdata.EventsPerRecord)
	checkStates(t, pool, store, head, 5*benchdata.EventsPerRecord, p)
	if n := scalar(t, pool, `SELECT count(*) FROM projection_stalls`); n != 0 {
		t.Errorf("an outage stalled the read model (%d stall rows)", n)
	}
}
