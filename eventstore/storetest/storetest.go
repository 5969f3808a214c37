// Package storetest owns the contract every eventstore.Store adapter must
// pass: exact expected versions, idempotent retries, duplicate ids,
// byte-exact payloads and metadata, stream and $all reads, subscriptions
// and concurrent writers watched by a live subscriber. An adapter's tests
// call Run.
//
// Every test uses streams of its own, and $all checks look only at those
// streams, so a store that is not empty (a shared server) still passes.
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
)

// testTimeout bounds each test.
const testTimeout = 20 * time.Second

// Run runs the contract suite; newStore returns a store for one test,
// reachable until the test ends.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"AppendToNewStream", testAppendToNewStream},
		{"WrongExpectedVersion", testWrongExpectedVersion},
		{"IdempotentRetry", testIdempotentRetry},
		{"DuplicateEventElsewhere", testDuplicateEventElsewhere},
		{"RoundTrip", testRoundTrip},
		{"HashSchemes", testHashSchemes},
		{"ReadStream", testReadStream},
		{"StreamNotFound", testStreamNotFound},
		{"ReadAllPaging", testReadAllPaging},
		{"PositionsIncrease", testPositionsIncrease},
		{"SubscribeCatchUpThenLive", testSubscribeCatchUpThenLive},
		{"SubscribeFromPosition", testSubscribeFromPosition},
		{"SubscribeHandlerErrorEndsIt", testSubscribeHandlerError},
		{"SubscribeCancelEndsIt", testSubscribeCancel},
		{"ConcurrentWritersLiveSubscriber", testConcurrentWriters},
		{"Ping", testPing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			f := &fixture{ctx: ctx, store: newStore(t), prefix: "st" + uuid.NewString()[:8] + "-"}
			tc.run(t, f)
		})
	}
}

// fixture is one test's store and its stream names.
type fixture struct {
	ctx    context.Context
	store  eventstore.Store
	prefix string
}

// stream names a stream of this test.
func (f *fixture) stream(name string) string { return f.prefix + name }

func (f *fixture) ours(e eventstore.RecordedEvent) bool {
	return strings.HasPrefix(e.StreamID, f.prefix)
}

// batch makes n events of one command, with deterministic ids.
func batch(n int, typ string) []eventstore.EventData {
	cmd := uuid.New()
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = eventstore.EventData{
			ID:   eventstore.EventID(cmd, i),
			Type: typ,
			Data: json.RawMessage(fmt.Sprintf(`{"command":%q,"index":%d}`, cmd, i)),
			Metadata: eventstore.Metadata{
				ActorID: "actor-1", Role: "unit", Command: "Test", CommandID: cmd.String(),
				CorrelationID: cmd.String(), RecordedAt: time.Now().UTC(), SchemaVersion: 1,
			},
		}
	}
	return out
}

func (f *fixture) append(t *testing.T, stream string, expected eventstore.Version, events []eventstore.EventData) eventstore.AppendResult {
	t.Helper()
	res, err := f.store.Append(f.ctx, stream, expected, events)
	if err != nil {
		t.Fatalf("append %d events to %s at %d: %v", len(events), stream, expected, err)
	}
	return res
}

func (f *fixture) readStream(t *testing.T, stream string, dir eventstore.Direction, from uint64, limit int) []eventstore.RecordedEvent {
	t.Helper()
	events, err := f.store.ReadStream(f.ctx, stream, dir, from, limit)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return events
}

// version is the stream's current version (0 when it does not exist).
func (f *fixture) version(stream string) (eventstore.Version, error) {
	last, err := f.store.ReadStream(f.ctx, stream, eventstore.Backwards, 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return eventstore.Version(last[0].Number), nil
}

// readAll reads $all from from to its end in pages, keeping this test's events.
func (f *fixture) readAll(t *testing.T, from eventstore.Position, page int) []eventstore.RecordedEvent {
	t.Helper()
	var out []eventstore.RecordedEvent
	for {
		events, err := f.store.ReadAll(f.ctx, from, page)
		if err != nil {
			t.Fatalf("read $all from %s: %v", from, err)
		}
		if len(events) > page {
			t.Fatalf("read $all with limit %d returned %d events", page, len(events))
		}
		for _, e := range events {
			if !from.Less(e.Position) {
				t.Fatalf("read $all from %s returned position %s", from, e.Position)
			}
			from = e.Position
			if f.ours(e) {
				out = append(out, e)
			}
		}
		if len(events) < page {
			return out
		}
	}
}

// readAllN is readAll once it holds at least n of this test's events. An
// append is in $all at once in most stores, but a store may hold events
// back while an earlier write could still commit (in PostgreSQL, while any
// older transaction is open): that is a delay, never a loss.
func (f *fixture) readAllN(t *testing.T, page, n int) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		events := f.readAll(t, eventstore.Start, page)
		if len(events) >= n {
			return events
		}
		if time.Now().After(deadline) {
			t.Fatalf("$all holds %d of the test's %d events after 10s", len(events), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// subscription runs SubscribeAll in the background, passing on this
// test's events.
type subscription struct {
	events chan eventstore.RecordedEvent
	done   chan error
	cancel context.CancelFunc
}

func (f *fixture) subscribe(from eventstore.Position) *subscription {
	ctx, cancel := context.WithCancel(f.ctx)
	s := &subscription{events: make(chan eventstore.RecordedEvent, 10000), done: make(chan error, 1), cancel: cancel}
	go func() {
		s.done <- f.store.SubscribeAll(ctx, from, func(_ context.Context, e eventstore.RecordedEvent) error {
			if f.ours(e) {
				s.events <- e
			}
			return nil
		})
	}()
	return s
}

// receive waits for n events.
func (s *subscription) receive(t *testing.T, n int, timeout time.Duration) []eventstore.RecordedEvent {
	t.Helper()
	deadline := time.After(timeout)
	var out []eventstore.RecordedEvent
	for len(out) < n {
		select {
		case e := <-s.events:
			out = append(out, e)
		case err := <-s.done:
			t.Fatalf("subscription ended after %d of %d events: %v", len(out), n, err)
		case <-deadline:
			t.Fatalf("subscription delivered %d of %d events in %s", len(out), n, timeout)
		}
	}
	return out
}

// stop cancels the subscription and checks it ends with the context's error.
func (s *subscription) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled subscription returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled subscription did not end")
	}
}

func ids(events []eventstore.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func dataIDs(events []eventstore.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func numbers(events []eventstore.RecordedEvent) []uint64 {
	out := make([]uint64, len(events))
	for i, e := range events {
		out[i] = e.Number
	}
	return out
}

func assertIncreasing(t *testing.T, events []eventstore.RecordedEvent) {
	t.Helper()
	for i := 1; i < len(events); i++ {
		if !events[i-1].Position.Less(events[i].Position) {
			t.Fatalf("position %s (event %d) does not follow %s", events[i].Position, i, events[i-1].Position)
		}
	}
}

// assertSame checks two reads of the same events agree.
func assertSame(t *testing.T, what string, got, want []eventstore.RecordedEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.StreamID != w.StreamID || g.Number != w.Number || g.Position != w.Position ||
			g.Type != w.Type || !bytes.Equal(g.Data, w.Data) || eventstore.Hash(g) != eventstore.Hash(w) || !g.Created.Equal(w.Created) {
			t.Fatalf("%s: event %d is\n%+v\nwant\n%+v", what, i, g, w)
		}
	}
}

func testAppendToNewStream(t *testing.T, f *fixture) {
	stream := f.stream("new")
	events := batch(3, "Created")
	res := f.append(t, stream, eventstore.NoStream, events)
	if res.Version != 3 {
		t.Errorf("version %d, want 3", res.Version)
	}
	if res.Position == eventstore.Start {
		t.Error("append returned the start position")
	}
	got := f.readStream(t, stream, eventstore.Forwards, 0, 0)
	if !slices.Equal(ids(got), dataIDs(events)) || !slices.Equal(numbers(got), []uint64{1, 2, 3}) {
		t.Fatalf("read back ids %v numbers %v", ids(got), numbers(got))
	}
	for _, e := range got {
		if e.StreamID != stream || e.Type != "Created" {
			t.Errorf("event %d: stream %q type %q", e.Number, e.StreamID, e.Type)
		}
	}
	assertIncreasing(t, got)
	if got[2].Position != res.Position {
		t.Errorf("last event at %s, append said %s", got[2].Position, res.Position)
	}
	res2 := f.append(t, stream, 3, batch(1, "Changed"))
	if res2.Version != 4 || !res.Position.Less(res2.Position) {
		t.Errorf("second append: %+v after %+v", res2, res)
	}
}

func testWrongExpectedVersion(t *testing.T, f *fixture) {
	stream := f.stream("s")
	f.append(t, stream, eventstore.NoStream, batch(2, "E"))
	for _, expected := range []eventstore.Version{0, 1, 3, 10} {
		_, err := f.store.Append(f.ctx, stream, expected, batch(1, "E"))
		if !errors.Is(err, eventstore.ErrWrongVersion) {
			t.Errorf("append at %d to a stream at 2: %v, want ErrWrongVersion", expected, err)
		}
	}
	fresh := f.stream("fresh")
	if _, err := f.store.Append(f.ctx, fresh, 1, batch(1, "E")); !errors.Is(err, eventstore.ErrWrongVersion) {
		t.Errorf("append at 1 to a missing stream: %v, want ErrWrongVersion", err)
	}
	if _, err := f.store.ReadStream(f.ctx, fresh, eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("a refused append created the stream: %v", err)
	}
	if got := f.readStream(t, stream, eventstore.Forwards, 0, 0); len(got) != 2 {
		t.Errorf("refused appends wrote: stream has %d events", len(got))
	}
	if res := f.append(t, stream, 2, batch(1, "E")); res.Version != 3 {
		t.Errorf("append at the right version: %d", res.Version)
	}
}

func testIdempotentRetry(t *testing.T, f *fixture) {
	stream := f.stream("s")
	first := batch(2, "A")
	second := batch(3, "B")
	r1 := f.append(t, stream, 0, first)
	if again := f.append(t, stream, 0, first); again != r1 {
		t.Errorf("retry returned %+v, first append %+v", again, r1)
	}
	r2 := f.append(t, stream, 2, second)
	if again := f.append(t, stream, 0, first); again != r1 {
		t.Errorf("retry after the stream moved on returned %+v, want %+v", again, r1)
	}
	if again := f.append(t, stream, 2, second); again != r2 {
		t.Errorf("retry of the second batch returned %+v, want %+v", again, r2)
	}
	got := f.readStream(t, stream, eventstore.Forwards, 0, 0)
	if want := append(dataIDs(first), dataIDs(second)...); !slices.Equal(ids(got), want) {
		t.Errorf("stream holds %v, want %v", ids(got), want)
	}
	if all := f.readAllN(t, 100, 5); len(all) != 5 {
		t.Errorf("$all holds %d events of the test, want 5", len(all))
	}

	// Racing copies of one command: all get the one result.
	racy := f.stream("racy")
	events := batch(2, "R")
	results := make([]eventstore.AppendResult, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() { results[i], errs[i] = f.store.Append(f.ctx, racy, 0, events) })
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || results[i] != results[0] {
			t.Errorf("racing retry %d: %+v, %v; first %+v", i, results[i], errs[i], results[0])
		}
	}
	if got := f.readStream(t, racy, eventstore.Forwards, 0, 0); len(got) != 2 {
		t.Errorf("racing retries wrote %d events, want 2", len(got))
	}
}

func testDuplicateEventElsewhere(t *testing.T, f *fixture) {
	a, b := f.stream("a"), f.stream("b")
	events := batch(1, "E")
	f.append(t, a, 0, events)
	if _, err := f.store.Append(f.ctx, b, 0, events); !errors.Is(err, eventstore.ErrDuplicateEvent) {
		t.Errorf("same id in another stream: %v, want ErrDuplicateEvent", err)
	}
	if _, err := f.store.ReadStream(f.ctx, b, eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Errorf("refused append wrote to the other stream: %v", err)
	}
	mixed := append(batch(1, "E"), events[0])
	if _, err := f.store.Append(f.ctx, a, 1, mixed); !errors.Is(err, eventstore.ErrDuplicateEvent) {
		t.Errorf("an existing id later in the same stream: %v, want ErrDuplicateEvent", err)
	}
	if got := f.readStream(t, a, eventstore.Forwards, 0, 0); len(got) != 1 {
		t.Errorf("refused append wrote: stream has %d events", len(got))
	}
}

func testRoundTrip(t *testing.T, f *fixture) {
	stream := f.stream("exact")
	payloads := []string{
		`{"b":1,  "a" : [1, 2.50, 1e3, 12345678901234567890.123456789], "a":"duplicate key"}`,
		`{"text":"caf\u00e9 中文 \ud83d\ude00 \"quoted\" \\ tab\t","empty":{}, "nil":null}`,
		"[\n  true,\n  false\n]",
		`"just a string"`,
	}
	cst := time.FixedZone("CST", 8*3600)
	cmd := uuid.New()
	var events []eventstore.EventData
	var want []eventstore.RecordedEvent
	prev := ""
	for i, p := range payloads {
		e := eventstore.EventData{
			ID:   eventstore.EventID(cmd, i),
			Type: fmt.Sprintf("Type%d.變更", i),
			Data: json.RawMessage(p),
			Metadata: eventstore.Metadata{
				ActorID:       "user-7",
				Role:          "institution_admin",
				OrgID:         "org-3",
				Command:       "SubmitForecast",
				CommandID:     cmd.String(),
				CorrelationID: "corr-1",
				CausationID:   "cause-2",
				RecordedAt:    time.Date(2026, 3, 4, 5, 6, 7, 123456789+i, cst),
				PolicyVersion: "2026.1",
				SchemaVersion: 3,
				PrevHash:      prev,
			},
		}
		r := eventstore.RecordedEvent{ID: e.ID, StreamID: stream, Number: uint64(i + 1), Type: e.Type, Data: e.Data, Metadata: e.Metadata}
		prev = eventstore.Hash(r)
		events = append(events, e)
		want = append(want, r)
	}
	before := time.Now()
	f.append(t, stream, 0, events[:1])
	f.append(t, stream, 1, events[1:])

	sub := f.subscribe(eventstore.Start)
	defer sub.stop(t)
	reads := map[string][]eventstore.RecordedEvent{
		"ReadStream":   f.readStream(t, stream, eventstore.Forwards, 0, 0),
		"ReadAll":      f.readAllN(t, 100, len(events)),
		"SubscribeAll": sub.receive(t, len(events), 10*time.Second),
	}
	for how, got := range reads {
		if len(got) != len(want) {
			t.Fatalf("%s: %d events, want %d", how, len(got), len(want))
		}
		for i, g := range got {
			w := want[i]
			if !bytes.Equal(g.Data, w.Data) {
				t.Errorf("%s: event %d data\n%q\nwant\n%q", how, i, g.Data, w.Data)
			}
			gm, wm := g.Metadata, w.Metadata
			if !gm.RecordedAt.Equal(wm.RecordedAt) {
				t.Errorf("%s: event %d recorded at %v, want %v", how, i, gm.RecordedAt, wm.RecordedAt)
			}
			gm.RecordedAt, wm.RecordedAt = time.Time{}, time.Time{}
			if gm != wm {
				t.Errorf("%s: event %d metadata\n%+v\nwant\n%+v", how, i, gm, wm)
			}
			if g.ID != w.ID || g.Type != w.Type || g.Number != w.Number || g.StreamID != w.StreamID {
				t.Errorf("%s: event %d is %s %q #%d in %s", how, i, g.ID, g.Type, g.Number, g.StreamID)
			}
			if eventstore.Hash(g) != eventstore.Hash(w) {
				t.Errorf("%s: event %d hash changed", how, i)
			}
			if g.Created.Before(before.Add(-time.Minute)) || g.Created.After(time.Now().Add(time.Minute)) {
				t.Errorf("%s: event %d created %v", how, i, g.Created)
			}
		}
		if broken := eventstore.VerifyChain(got); broken != 0 {
			t.Errorf("%s: hash chain broken at event %d", how, broken)
		}
	}
	assertSame(t, "ReadAll vs ReadStream", reads["ReadAll"], reads["ReadStream"])
	assertSame(t, "SubscribeAll vs ReadStream", reads["SubscribeAll"], reads["ReadStream"])
}

// legacyHash is eventstore.Hash as it was before hash schemes were
// numbered, copied here so the test pins what old streams hold.
func legacyHash(e eventstore.RecordedEvent) string {
	h := sha256.New()
	meta, _ := json.Marshal(e.Metadata)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], e.Number)
	for _, part := range [][]byte{[]byte(e.StreamID), n[:], e.ID[:], []byte(e.Type), e.Data, meta} {
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(part)))
		h.Write(l[:])
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// testHashSchemes: a stream written the old way (metadata hashed as
// re-marshalled, no scheme named) keeps verifying, events of the current
// scheme link onto it, the store hands back the metadata bytes exactly as
// written, and metadata a newer version wrote (a field this code does not
// know, another key order) verifies too, because the hash covers the bytes.
func testHashSchemes(t *testing.T, f *fixture) {
	stream := f.stream("schemes")
	old := batch(2, "Old")
	prev := ""
	for i := range old {
		old[i].Metadata.PrevHash = prev
		prev = legacyHash(eventstore.RecordedEvent{ID: old[i].ID, StreamID: stream, Number: uint64(i + 1), Type: old[i].Type, Data: old[i].Data, Metadata: old[i].Metadata})
	}
	f.append(t, stream, 0, old)
	stored := f.readStream(t, stream, eventstore.Forwards, 0, 0)
	if got := eventstore.Hash(stored[1]); got != prev {
		t.Fatalf("old event's hash %s; want the legacy %s", got, prev)
	}
	cur := batch(2, "New")
	cur[0].Metadata.HashScheme, cur[0].Metadata.PrevHash = eventstore.CurrentHashScheme, prev
	link := eventstore.Hash(eventstore.RecordedEvent{ID: cur[0].ID, StreamID: stream, Number: 3, Type: cur[0].Type, Data: cur[0].Data, Metadata: cur[0].Metadata})
	// Event 4 as a newer version of econf would write it.
	raw := fmt.Sprintf(`{"prevHash":%q,"hashScheme":2,"actorId":"actor-1","role":"unit","command":"Test","commandId":%q,"correlationId":%q,"recordedAt":"2026-12-01T00:00:00Z","schemaVersion":1,"tenant":"t-9"}`,
		link, cur[1].Metadata.CommandID, cur[1].Metadata.CommandID)
	cur[1].RawMetadata = json.RawMessage(raw)
	f.append(t, stream, 2, cur)
	for how, got := range map[string][]eventstore.RecordedEvent{
		"ReadStream": f.readStream(t, stream, eventstore.Forwards, 0, 0),
		"ReadAll":    ourEvents(f, f.readAllN(t, 1000, 4), stream),
	} {
		if len(got) != 4 {
			t.Fatalf("%s: %d events", how, len(got))
		}
		if n := eventstore.VerifyChain(got); n != 0 {
			t.Errorf("%s: a stream of old and current schemes broken at %d", how, n)
		}
		if string(got[3].RawMetadata) != raw {
			t.Errorf("%s: metadata bytes\n%s\nwant as written\n%s", how, got[3].RawMetadata, raw)
		}
		if got[3].Metadata.PrevHash != link || got[2].Metadata.PrevHash != prev {
			t.Errorf("%s: links %s, %s", how, got[2].Metadata.PrevHash, got[3].Metadata.PrevHash)
		}
		// Changing the stored bytes of event 3 while keeping its meaning
		// (another key order) is a change.
		forged := append([]eventstore.RecordedEvent(nil), got...)
		var m map[string]any
		_ = json.Unmarshal(forged[2].RawMetadata, &m)
		forged[2].RawMetadata, _ = json.Marshal(m)
		if n := eventstore.VerifyChain(forged); n != 4 {
			t.Errorf("%s: re-encoded metadata of event 3: broken at %d; want 4", how, n)
		}
	}
}

func ourEvents(f *fixture, events []eventstore.RecordedEvent, stream string) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	for _, e := range events {
		if e.StreamID == stream {
			out = append(out, e)
		}
	}
	return out
}

func testReadStream(t *testing.T, f *fixture) {
	stream := f.stream("five")
	f.append(t, stream, 0, batch(2, "E"))
	f.append(t, stream, 2, batch(3, "E"))
	all := f.readStream(t, stream, eventstore.Forwards, 0, 0)
	if !slices.Equal(numbers(all), []uint64{1, 2, 3, 4, 5}) {
		t.Fatalf("forwards read: %v", numbers(all))
	}
	assertIncreasing(t, all)
	for _, tc := range []struct {
		dir         eventstore.Direction
		from        uint64
		limit       int
		wantNumbers []uint64
	}{
		{eventstore.Forwards, 1, 0, []uint64{1, 2, 3, 4, 5}},
		{eventstore.Forwards, 3, 0, []uint64{3, 4, 5}},
		{eventstore.Forwards, 2, 2, []uint64{2, 3}},
		{eventstore.Forwards, 0, 1, []uint64{1}},
		{eventstore.Forwards, 5, 10, []uint64{5}},
		{eventstore.Forwards, 6, 0, []uint64{}},
		{eventstore.Backwards, 0, 0, []uint64{5, 4, 3, 2, 1}},
		{eventstore.Backwards, 0, 2, []uint64{5, 4}},
		{eventstore.Backwards, 3, 0, []uint64{3, 2, 1}},
		{eventstore.Backwards, 4, 2, []uint64{4, 3}},
		{eventstore.Backwards, 1, 0, []uint64{1}},
	} {
		got := f.readStream(t, stream, tc.dir, tc.from, tc.limit)
		if !slices.Equal(numbers(got), tc.wantNumbers) {
			t.Errorf("read dir %d from %d limit %d: numbers %v, want %v", tc.dir, tc.from, tc.limit, numbers(got), tc.wantNumbers)
			continue
		}
		for _, e := range got {
			assertSame(t, fmt.Sprintf("event %d", e.Number), []eventstore.RecordedEvent{e}, all[e.Number-1:e.Number])
		}
	}
}

func testStreamNotFound(t *testing.T, f *fixture) {
	for _, dir := range []eventstore.Direction{eventstore.Forwards, eventstore.Backwards} {
		_, err := f.store.ReadStream(f.ctx, f.stream("missing"), dir, 0, 0)
		if !errors.Is(err, eventstore.ErrStreamNotFound) {
			t.Errorf("read missing stream, direction %d: %v, want ErrStreamNotFound", dir, err)
		}
	}
}

func testReadAllPaging(t *testing.T, f *fixture) {
	streams := []string{f.stream("x"), f.stream("y"), f.stream("z")}
	versions := map[string]eventstore.Version{}
	var appended []uuid.UUID
	var results []eventstore.AppendResult
	for i := range 12 {
		stream := streams[i%len(streams)]
		events := batch(1+i%3, "E")
		res := f.append(t, stream, versions[stream], events)
		versions[stream] = res.Version
		appended = append(appended, dataIDs(events)...)
		results = append(results, res)
	}
	f.readAllN(t, 100, len(appended))
	for _, page := range []int{1, 7, 100} {
		got := f.readAll(t, eventstore.Start, page)
		if !slices.Equal(ids(got), appended) {
			t.Fatalf("pages of %d: ids %v\nwant %v", page, ids(got), appended)
		}
		assertIncreasing(t, got)
	}
	all := f.readAll(t, eventstore.Start, 50)
	byID := map[uuid.UUID]eventstore.RecordedEvent{}
	for _, e := range all {
		byID[e.ID] = e
	}
	for _, stream := range streams {
		for _, e := range f.readStream(t, stream, eventstore.Forwards, 0, 0) {
			assertSame(t, "ReadAll vs ReadStream", []eventstore.RecordedEvent{byID[e.ID]}, []eventstore.RecordedEvent{e})
		}
	}
	// An append's position is its last event's.
	for i, res := range results {
		found := false
		for _, e := range all {
			found = found || e.Position == res.Position
		}
		if !found {
			t.Errorf("append %d returned %s, which no event has", i, res.Position)
		}
	}
	// Reading from an event's position starts after it.
	for _, k := range []int{0, 5, len(all) - 2} {
		got, err := f.store.ReadAll(f.ctx, all[k].Position, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || got[0].ID != all[k+1].ID {
			t.Errorf("read from event %d's position %s: first %v, want %s", k, all[k].Position, ids(got), all[k+1].ID)
		}
	}
	if rest := f.readAll(t, all[len(all)-1].Position, 10); len(rest) != 0 {
		t.Errorf("read from the last position returned %d events", len(rest))
	}
}

func testPositionsIncrease(t *testing.T, f *fixture) {
	var last eventstore.Position
	versions := map[string]eventstore.Version{}
	for i := range 20 {
		stream := f.stream(fmt.Sprint(i % 4))
		res := f.append(t, stream, versions[stream], batch(1+i%2, "E"))
		versions[stream] = res.Version
		if !last.Less(res.Position) {
			t.Fatalf("append %d at %s, not after %s", i, res.Position, last)
		}
		last = res.Position
	}
	assertIncreasing(t, f.readAllN(t, 8, 30))
}

func testSubscribeCatchUpThenLive(t *testing.T, f *fixture) {
	stream := f.stream("s")
	early := batch(5, "Early")
	f.append(t, stream, 0, early)
	sub := f.subscribe(eventstore.Start)
	defer sub.stop(t)
	got := sub.receive(t, 5, 10*time.Second)
	if !slices.Equal(ids(got), dataIDs(early)) {
		t.Fatalf("caught up with %v, want %v", ids(got), dataIDs(early))
	}
	late := append(batch(2, "Late"), batch(1, "Later")...)
	f.append(t, stream, 5, late[:2])
	f.append(t, f.stream("other"), 0, late[2:])
	live := sub.receive(t, 3, 5*time.Second)
	if !slices.Equal(ids(live), dataIDs(late)) {
		t.Fatalf("live events %v, want %v", ids(live), dataIDs(late))
	}
	assertIncreasing(t, append(got, live...))
	select {
	case e := <-sub.events:
		t.Errorf("unexpected extra event %s", e.ID)
	case <-time.After(100 * time.Millisecond):
	}
}

func testSubscribeFromPosition(t *testing.T, f *fixture) {
	stream := f.stream("s")
	events := batch(4, "E")
	f.append(t, stream, 0, events)
	read := f.readStream(t, stream, eventstore.Forwards, 0, 0)
	sub := f.subscribe(read[1].Position)
	defer sub.stop(t)
	got := sub.receive(t, 2, 10*time.Second)
	if !slices.Equal(ids(got), dataIDs(events[2:])) {
		t.Fatalf("from event 2's position got %v, want %v", ids(got), dataIDs(events[2:]))
	}
	more := batch(1, "E")
	f.append(t, stream, 4, more)
	if got := sub.receive(t, 1, 5*time.Second); got[0].ID != more[0].ID {
		t.Errorf("live event %s, want %s", got[0].ID, more[0].ID)
	}
}

func testSubscribeHandlerError(t *testing.T, f *fixture) {
	f.append(t, f.stream("s"), 0, batch(3, "E"))
	boom := errors.New("boom")
	calls := 0
	err := f.store.SubscribeAll(f.ctx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		if !f.ours(e) {
			return nil
		}
		calls++
		if calls == 2 {
			return fmt.Errorf("handling %s: %w", e.ID, boom)
		}
		return nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("SubscribeAll returned %v, want the handler's error", err)
	}
	if calls != 2 {
		t.Errorf("handler called %d times, want 2", calls)
	}
}

func testSubscribeCancel(t *testing.T, f *fixture) {
	f.append(t, f.stream("s"), 0, batch(1, "E"))
	sub := f.subscribe(eventstore.Start)
	sub.receive(t, 1, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // idle, waiting for more
	start := time.Now()
	sub.stop(t)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled subscription took %s to end", d)
	}
}

func testConcurrentWriters(t *testing.T, f *fixture) {
	const writers, appendsEach = 8, 50
	sub := f.subscribe(eventstore.Start)
	defer sub.stop(t)

	var mu sync.Mutex
	written := map[uuid.UUID]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			own := f.stream(fmt.Sprintf("own-%d", w))
			var ownVersion eventstore.Version
			for i := range appendsEach {
				stream, shared := own, i%2 == 1
				if shared {
					stream = f.stream(fmt.Sprintf("shared-%d", i%3))
				}
				events := batch(1+i%3/2, "E")
				for attempt := 0; ; attempt++ {
					expected := ownVersion
					if shared {
						v, err := f.version(stream)
						if err != nil {
							errs <- err
							return
						}
						expected = v
					}
					res, err := f.store.Append(f.ctx, stream, expected, events)
					if errors.Is(err, eventstore.ErrWrongVersion) && shared && attempt < 1000 {
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("writer %d append %d to %s at %d: %w", w, i, stream, expected, err)
						return
					}
					if !shared {
						ownVersion = res.Version
					}
					break
				}
				mu.Lock()
				for _, e := range events {
					written[e.ID] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	got := sub.receive(t, len(written), 15*time.Second)
	seen := map[uuid.UUID]bool{}
	for _, e := range got {
		if seen[e.ID] {
			t.Fatalf("event %s delivered twice", e.ID)
		}
		seen[e.ID] = true
		if !written[e.ID] {
			t.Fatalf("event %s delivered but never written", e.ID)
		}
	}
	assertIncreasing(t, got)
	select {
	case e := <-sub.events:
		t.Fatalf("extra event %s after all %d", e.ID, len(got))
	case <-time.After(100 * time.Millisecond):
	}
	assertSame(t, "subscription vs ReadAll", got, f.readAll(t, eventstore.Start, 64))

	// Every stream is numbered without gaps.
	streams := map[string][]uint64{}
	for _, e := range got {
		streams[e.StreamID] = append(streams[e.StreamID], e.Number)
	}
	for stream, nums := range streams {
		for i, n := range nums {
			if n != uint64(i+1) {
				t.Fatalf("stream %s delivered numbers %v", stream, nums)
			}
		}
	}
}

func testPing(t *testing.T, f *fixture) {
	if err := f.store.Ping(f.ctx); err != nil {
		t.Fatal(err)
	}
}
