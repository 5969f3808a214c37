package projections

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/benchdata"
)

// Tests of read-model generations across versions of the code and
// processes: a rolling deploy, a newer binary's rebuild beside an older
// serve, two rebuilds at once, a rebuild that fails.

// probeV2 is the probe's next version: same name and tables.
type probeV2 struct{ *probe }

func (probeV2) Version() int { return 2 }

// logTap is a slog handler that keeps every record's message and attributes
// as one line, and tells waiters when a line contains what they wait for.
type logTap struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newLogTap() *logTap { return &logTap{changed: make(chan struct{})} }

func (l *logTap) Enabled(context.Context, slog.Level) bool { return true }
func (l *logTap) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logTap) WithGroup(string) slog.Handler            { return l }
func (l *logTap) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
	return nil
}

// count is how many lines contain all of parts.
func (l *logTap) count(parts ...string) (int, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, line := range l.lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n, l.changed
}

// waitLog waits until n lines contain all of parts, or until the condition
// gone turns true (then it fails with what gone says).
func (l *logTap) waitLog(t *testing.T, n int, gone func() string, parts ...string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		got, changed := l.count(parts...)
		if got >= n {
			return
		}
		if gone != nil {
			if why := gone(); why != "" {
				t.Fatal(why)
			}
		}
		select {
		case <-changed:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no log line with %q", parts)
		}
	}
}

func startRunnerLog(t *testing.T, r *Runner, log *slog.Logger) {
	t.Helper()
	r.log = log
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

func activeOf(t *testing.T, r *Runner, name string) generation {
	t.Helper()
	g, err := r.active(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestOlderCodeDoesNotWriteNewerGeneration: version 1 of a read model runs
// while a newer binary rebuilds it as version 2 and switches. The running
// version-1 handler then stops instead of applying events into version 2's
// tables, and a version-1 process started afterwards neither applies to
// nor rebuilds (back) the newer generation.
func TestOlderCodeDoesNotWriteNewerGeneration(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	org := benchdata.NewOrg()
	if err := benchdata.FillEvents(ctx, store, org, 0, 3, 1); err != nil {
		t.Fatal(err)
	}
	old := &probe{}
	r, err := NewRunner(pool, store, quiet, old)
	if err != nil {
		t.Fatal(err)
	}
	tap := newLogTap()
	startRunnerLog(t, r, slog.New(tap))
	waitHead(t, r, store)

	// The newer binary's rebuild.
	if _, err := Rebuild(ctx, pool, store, probeV2{&probe{}}, nil); err != nil {
		t.Fatal(err)
	}
	switched := activeOf(t, r, old.Name())
	if switched.Version != 2 {
		t.Fatalf("after the rebuild: version %d active; want 2", switched.Version)
	}
	rows := scalar(t, pool, `SELECT count(*) FROM rm.batch_probe_seen`)

	// More events: the version-1 handler must not apply them.
	if err := benchdata.FillEvents(ctx, store, org, 3, 5, 1); err != nil {
		t.Fatal(err)
	}
	moved := func() string {
		g := activeOf(t, r, old.Name())
		if g.Checkpoint != switched.Checkpoint || g.Generation != switched.Generation {
			return "version-1 code moved version 2's generation to " + g.Checkpoint.String() + " (generation " + strconv.Itoa(g.Generation) + ")"
		}
		if n := scalar(t, pool, `SELECT count(*) FROM rm.batch_probe_seen`); n != rows {
			return "version-1 code wrote rows into version 2's tables"
		}
		return ""
	}
	tap.waitLog(t, 1, moved, "newer code", "batch_probe")
	if why := moved(); why != "" {
		t.Fatal(why)
	}

	// A version-1 process started now leaves the generation alone.
	tap2 := newLogTap()
	r2, err := NewRunner(pool, store, quiet, &probe{})
	if err != nil {
		t.Fatal(err)
	}
	startRunnerLog(t, r2, slog.New(tap2))
	tap2.waitLog(t, 1, moved, "newer code", "batch_probe")
	time.Sleep(200 * time.Millisecond) // a rebuild, had one started, would have made its generation by now
	if why := moved(); why != "" {
		t.Fatal(why)
	}
	if n := scalar(t, pool, `SELECT count(*) FROM projection_state WHERE name = 'batch_probe' AND status <> 'active'`); n != 0 {
		t.Errorf("version-1 code started %d other generations beside version 2's", n)
	}
	// Nor does an older binary's rebuild replace it, unless told to.
	var ge *GenerationError
	if _, err := Rebuild(ctx, pool, store, &probe{}, nil); !errors.As(err, &ge) || !ge.Newer() {
		t.Errorf("version-1 rebuild over version 2: %v; want a GenerationError", err)
	}
	if _, err := Downgrade(ctx, pool, store, &probe{}, nil); err != nil {
		t.Errorf("downgrade: %v", err)
	}
	if g := activeOf(t, r, old.Name()); g.Version != 1 {
		t.Errorf("after the downgrade: version %d; want 1", g.Version)
	}
}

// TestConcurrentRebuildsLock: a second rebuild of a read model while one
// runs is refused at once with ErrRebuildRunning, instead of dropping the
// first one's generation under it; the first finishes, and a rebuild after
// it runs.
func TestConcurrentRebuildsLock(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, store, benchdata.NewOrg(), 0, 3, 1); err != nil {
		t.Fatal(err)
	}
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := &probe{}
	inside, release := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		once := sync.Once{}
		_, err := Rebuild(ctx, pool, store, p, func(int, eventstore.Position) {
			once.Do(func() {
				close(inside)
				<-release
			})
		})
		first <- err
	}()
	select {
	case <-inside:
	case err := <-first:
		t.Fatalf("the first rebuild ended early: %v", err)
	}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = Rebuild(sctx, pool, store, p, nil)
	cancel()
	close(release)
	if !errors.Is(err, ErrRebuildRunning) {
		t.Errorf("a second rebuild while one runs: %v; want ErrRebuildRunning", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("the first rebuild: %v", err)
	}
	if _, err := Rebuild(ctx, pool, store, p, nil); err != nil {
		t.Fatalf("a rebuild after the first: %v", err)
	}
	var g generation
	r, _ := NewRunner(pool, store, quiet, p)
	g = activeOf(t, r, p.Name())
	if g.Checkpoint != head {
		t.Errorf("active generation at %s; want %s", g.Checkpoint, head)
	}
	checkProbe(t, pool, scalar(t, pool, `SELECT count(*) FROM events`))
	if n := scalar(t, pool, `SELECT count(*) FROM projection_state WHERE name = $1`, p.Name()); n != 1 {
		t.Errorf("%d generations left; want the active one", n)
	}
}

// TestFailedRebuildRetries: serve starts with version 2 of a read model
// whose active generation version 1 built; the rebuild fails twice on one
// event. Status and readiness say so between the attempts, the runner
// retries with a backoff, and once a rebuild succeeds the read model is
// version 2 and up to date, with nothing left to report.
func TestFailedRebuildRetries(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	if err := benchdata.FillEvents(ctx, store, benchdata.NewOrg(), 0, 3, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := Rebuild(ctx, pool, store, &probe{}, nil); err != nil { // version 1, active
		t.Fatal(err)
	}
	events, err := store.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	v2 := probeV2{&probe{failAt: events[5].Position, failures: 2}}
	r, err := NewRunner(pool, store, quiet, v2)
	if err != nil {
		t.Fatal(err)
	}
	r.rebuildRetryMin, r.rebuildRetryMax = 300*time.Millisecond, time.Second
	startRunnerLog(t, r, quiet)

	// Between the failed attempts: status and readiness name the failure.
	deadline := time.Now().Add(20 * time.Second)
	for {
		states, err := Status(ctx, pool, store, time.Now(), v2)
		if err != nil {
			t.Fatal(err)
		}
		if s := states[0]; s.RebuildError != "" {
			if !strings.Contains(s.RebuildError, "injected failure") || s.RebuildErrorAt == nil || s.Rebuilding || s.Version != 1 {
				t.Errorf("status after a failed rebuild: %+v", s)
			}
			failed, err := RebuildFailures(ctx, pool)
			if err != nil {
				t.Fatal(err)
			}
			if len(failed) != 1 || failed[0].Name != v2.Name() || !strings.Contains(failed[0].Error, "injected failure") {
				t.Errorf("rebuild failures for readiness: %+v", failed)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("status never showed the failed rebuild")
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The retries succeed: version 2 active, up to date, nothing to report.
	for activeOf(t, r, v2.Name()).Version != 2 {
		if time.Now().After(deadline) {
			t.Fatal("version 2 never became active")
		}
		time.Sleep(10 * time.Millisecond)
	}
	head := waitHead(t, r, store)
	g := activeOf(t, r, v2.Name())
	if g.Version != 2 || g.Checkpoint != head {
		t.Errorf("after the retries: version %d at %s; want version 2 at %s", g.Version, g.Checkpoint, head)
	}
	if n := len(v2.attemptsSnapshot()); n < 3 {
		t.Errorf("%d attempts to apply; want at least three (two failed rebuilds and a good one)", n)
	}
	// The rebuild lock is let go just after version 2 is switched in: wait
	// for it instead of racing it.
	for {
		states, err := Status(ctx, pool, store, time.Now(), v2)
		if err != nil {
			t.Fatal(err)
		}
		s := states[0]
		if s.RebuildError != "" {
			t.Fatalf("status after the rebuild succeeded: %+v", s)
		}
		if !s.Rebuilding {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status after the rebuild succeeded still rebuilding: %+v", s)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if failed, err := RebuildFailures(ctx, pool); err != nil || len(failed) != 0 {
		t.Errorf("rebuild failures after success: %+v, %v", failed, err)
	}
}
