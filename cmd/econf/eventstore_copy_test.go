package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/esdbdouble"
	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func migrateEvents(ctx context.Context, pool *pgxpool.Pool) error {
	return migrate.Up(ctx, pool, pgstore.Migrations)
}

// seedHistory writes streams of hash-chained events, interleaved, and
// returns how many.
func seedHistory(t *testing.T, s eventstore.Store) int {
	t.Helper()
	ctx := context.Background()
	// Every kind of stream the commands write, and one nobody listed yet.
	id := uuid.New()
	streams := []string{commands.ForecastStream(id), commands.OrgStream(id), commands.UserStream(id),
		commands.DeclarationStream(id), commands.ChangeStream(id), commands.SummaryStream(id), commands.DeadlineStream(id),
		commands.InboxStream(id), commands.RegistrationStream(id), commands.PasswordResetStream(id), commands.PolicyStream,
		"a-kind-added-next-year-" + id.String()}
	prev := map[string]string{}
	versions := map[string]eventstore.Version{}
	n := 0
	for i := range 60 {
		stream := streams[i%len(streams)]
		if i%7 == 3 {
			stream = streams[0] // runs of one stream
		}
		cmd := uuid.New()
		var batch []eventstore.EventData
		for k := range 1 + i%3 {
			e := eventstore.EventData{
				ID: eventstore.EventID(cmd, k), Type: fmt.Sprintf("Event%d", k),
				Data: json.RawMessage(fmt.Sprintf(`{"i": %d, "k":%d, "text":"中文 \u00e9"}`, i, k)),
				Metadata: eventstore.Metadata{ActorID: "a", Role: "unit_admin", Command: "Test", CommandID: cmd.String(),
					CorrelationID: cmd.String(), RecordedAt: time.Date(2026, 9, 1, 8, 0, i, k, time.UTC), PolicyVersion: "2026.1", SchemaVersion: 1},
			}
			number := uint64(versions[stream]) + uint64(k) + 1
			e.Metadata.PrevHash = prev[stream]
			prev[stream] = eventstore.Hash(eventstore.RecordedEvent{ID: e.ID, StreamID: stream, Number: number, Type: e.Type, Data: e.Data, Metadata: e.Metadata})
			batch = append(batch, e)
		}
		res, err := s.Append(ctx, stream, versions[stream], batch)
		if err != nil {
			t.Fatal(err)
		}
		versions[stream] = res.Version
		n += len(batch)
	}
	return n
}

func readAll(t *testing.T, s eventstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	events, err := s.ReadAll(context.Background(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	return events
}

// assertSameHistory checks order, ids, numbers, payloads, metadata and
// that every stream's hash chain still holds.
func assertSameHistory(t *testing.T, got, want []eventstore.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	streams := map[string][]eventstore.RecordedEvent{}
	for i, g := range got {
		w := want[i]
		if g.ID != w.ID || g.StreamID != w.StreamID || g.Number != w.Number || g.Type != w.Type || string(g.Data) != string(w.Data) || eventstore.Hash(g) != eventstore.Hash(w) {
			t.Fatalf("event %d: %s %s#%d, want %s %s#%d", i, g.ID, g.StreamID, g.Number, w.ID, w.StreamID, w.Number)
		}
		streams[g.StreamID] = append(streams[g.StreamID], g)
	}
	for s, events := range streams {
		if broken := eventstore.VerifyChain(events); broken != 0 {
			t.Errorf("%s: hash chain broken at %d", s, broken)
		}
	}
}

// TestCopyBetweenPostgresResumes: a copy cut off part-way resumes without
// duplicates, and the verification agrees.
func TestCopyBetweenPostgresResumes(t *testing.T) {
	ctx := context.Background()
	src := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	dst := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	total := seedHistory(t, src)

	cut, stop := context.WithCancel(ctx)
	_, err := copyEvents(cut, src, dst, func(done int, _ eventstore.Position) {
		if done >= total/3 {
			stop()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted copy: %v", err)
	}
	partial := len(readAll(t, dst))
	if partial == 0 || partial >= total {
		t.Fatalf("the interrupted copy left %d of %d events", partial, total)
	}
	if _, err := verifyCopy(ctx, src, dst); err == nil {
		t.Fatal("verification passed on a partial copy")
	}
	stats, err := copyEvents(ctx, src, dst, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Copied+stats.Skipped != total || stats.Copied != total-partial || stats.Streams != 12 {
		t.Errorf("resumed copy: %+v; want %d copied, %d skipped", stats, total-partial, partial)
	}
	report, err := verifyCopy(ctx, src, dst)
	if err != nil || report.Events != total {
		t.Fatalf("verify: %+v, %v", report, err)
	}
	assertSameHistory(t, readAll(t, dst), readAll(t, src))

	// A destination that differs is caught.
	if _, err := dst.Append(ctx, "forecast-extra", 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyCopy(ctx, src, dst); err == nil || !strings.Contains(err.Error(), "forecast-extra") {
		t.Errorf("verify with an extra stream: %v", err)
	}
}

// TestCopyThroughEventStoreDBDouble: PostgreSQL → EventStoreDB (the
// double) → PostgreSQL keeps every event, through the command line.
func TestCopyThroughEventStoreDBDouble(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.NewDatabaseURL(t, migrateEvents)
	backURL := pgtest.NewDatabaseURL(t, migrateEvents)
	d, err := esdbdouble.Start(esdbdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	pool, err := pgxpool.New(ctx, srcURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	src := pgstore.New(pool)
	total := seedHistory(t, src)

	var out syncBuffer
	if err := run(ctx, []string{"eventstore", "copy", "--from", srcURL, "--to", d.URL()}, &out, &out); err != nil {
		t.Fatalf("copy to EventStoreDB: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("copied %d events", total)) || !strings.Contains(out.String(), "verified") {
		t.Errorf("output:\n%s", out.String())
	}
	// Again: everything is there already.
	out = syncBuffer{}
	if err := run(ctx, []string{"eventstore", "copy", "--from", srcURL, "--to", d.URL()}, &out, &out); err != nil || !strings.Contains(out.String(), "copied 0 events") {
		t.Fatalf("second copy: %v\n%s", err, out.String())
	}
	es, err := esdbstore.Open(d.URL(), esdbstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	assertSameHistory(t, readAll(t, es), readAll(t, src))

	out = syncBuffer{}
	if err := run(ctx, []string{"eventstore", "copy", "--from", d.URL(), "--to", backURL}, &out, &out); err != nil {
		t.Fatalf("copy back: %v\n%s", err, out.String())
	}
	backPool, err := pgxpool.New(ctx, backURL)
	if err != nil {
		t.Fatal(err)
	}
	defer backPool.Close()
	assertSameHistory(t, readAll(t, pgstore.New(backPool)), readAll(t, src))
}

// hidingStore reads $all without one kind of stream, as the EventStoreDB
// adapter's allow-list of prefixes once did.
type hidingStore struct {
	*pgstore.Store
	hide string
}

func (h hidingStore) ReadAll(ctx context.Context, from eventstore.Position, limit int) ([]eventstore.RecordedEvent, error) {
	events, err := h.Store.ReadAll(ctx, from, limit)
	return slices.DeleteFunc(events, func(e eventstore.RecordedEvent) bool { return strings.HasPrefix(e.StreamID, h.hide) }), err
}

// TestVerifyCountsIndependently: a copy whose reads leave a kind of stream
// out on both sides agrees with itself; the stores' own counts catch it,
// in the copy's verification and in econf audit verify.
func TestVerifyCountsIndependently(t *testing.T) {
	ctx := context.Background()
	src := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	dst := pgstore.New(pgtest.NewDatabase(t, migrateEvents))
	seedHistory(t, src)
	leaky := hidingStore{Store: src, hide: "deadline-"}
	if _, err := copyEvents(ctx, leaky, dst, nil); err != nil {
		t.Fatal(err)
	}
	_, err := verifyCopy(ctx, leaky, dst)
	if err == nil || !strings.Contains(err.Error(), "the source: a full read saw") {
		t.Errorf("verify over a read that hides the deadline streams: %v", err)
	}
	if _, err := verifyChains(ctx, leaky); err == nil || !strings.Contains(err.Error(), "a full read saw") {
		t.Errorf("audit verify over a read that hides the deadline streams: %v", err)
	}
	if r, err := verifyChains(ctx, src); err != nil || r.Streams != 12 || len(r.Broken) != 0 {
		t.Errorf("audit verify: %+v, %v", r, err)
	}
}

func TestCopyBadArguments(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"eventstore"},
		{"eventstore", "copy", "--from", "embedded"},
		{"eventstore", "copy", "--from", "esdb://x:2113", "--to", "esdb://x:2113"},
	} {
		var out syncBuffer
		var u usageError
		if err := run(ctx, args, &out, &out); !errors.As(err, &u) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	var out syncBuffer
	err := run(ctx, []string{"eventstore", "copy", "--from", "mysql://x", "--to", "esdb://localhost:1"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "want postgres://") {
		t.Errorf("unknown scheme: %v", err)
	}
	if !slices.Contains(strings.Fields(usage), "eventstore") {
		t.Error("usage does not list the eventstore command")
	}
}
