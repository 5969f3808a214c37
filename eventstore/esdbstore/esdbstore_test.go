package esdbstore_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/storetest"
	"github.com/econf/econf/internal/esdbdouble"
)

func startDouble(t *testing.T, opts esdbdouble.Options) *esdbdouble.Double {
	t.Helper()
	d, err := esdbdouble.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

func open(t *testing.T, url string) *esdbstore.Store {
	t.Helper()
	s, err := esdbstore.Open(url, esdbstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestContractOnDouble runs the contract suite through the real client
// against the gRPC double, one double for the whole suite, as one server
// would be.
func TestContractOnDouble(t *testing.T) {
	d := startDouble(t, esdbdouble.Options{})
	storetest.Run(t, func(t *testing.T) eventstore.Store { return open(t, d.URL()) })
}

// TestContractOnEventStoreDB runs the contract suite against a real
// EventStoreDB when EVENTSTORE_TEST_URL names one (see docs/eventstoredb.md).
func TestContractOnEventStoreDB(t *testing.T) {
	url := os.Getenv("EVENTSTORE_TEST_URL")
	if url == "" {
		t.Skip("EVENTSTORE_TEST_URL is not set: no EventStoreDB to test against (docker compose up eventstore)")
	}
	storetest.Run(t, func(t *testing.T) eventstore.Store { return open(t, url) })
}

func oneEvent() []eventstore.EventData {
	id := uuid.New()
	return []eventstore.EventData{{ID: id, Type: "E", Data: []byte(`{}`), Metadata: eventstore.Metadata{CommandID: id.String(), SchemaVersion: 1}}}
}

// TestTLSAndCredentials: TLS and basic credentials come from the
// connection string; wrong credentials are refused, not "unavailable".
func TestTLSAndCredentials(t *testing.T) {
	ctx := context.Background()
	d := startDouble(t, esdbdouble.Options{TLS: true, Username: "admin", Password: "changeit"})
	s := open(t, d.URL())
	if _, err := s.Append(ctx, "st-tls", 0, oneEvent()); err != nil {
		t.Fatalf("append over TLS with credentials: %v", err)
	}
	bad := open(t, strings.Replace(d.URL(), "changeit", "wrong", 1))
	err := bad.Ping(ctx)
	if err == nil || errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("ping with a wrong password: %v, want an authentication error", err)
	}
}

func TestParseURL(t *testing.T) {
	for _, bad := range []string{
		"http://localhost:2113",
		"esdb://",
		"esdb://host:port",
		"esdb://a:b:c",
		"esdb://admin:secret@localhost:2113?tls=false",
		"esdb://localhost:2113?tls=maybe",
	} {
		_, err := esdbstore.ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q) accepted it", bad)
			continue
		}
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) leaks the password: %v", bad, err)
		}
	}
	for _, good := range []string{
		"esdb://localhost:2113?tls=false",
		"esdb://admin:changeit@node1:2113,node2:2113?tlsVerifyCert=false",
		"esdb+discover://cluster.example:2113",
	} {
		if _, err := esdbstore.ParseURL(good); err != nil {
			t.Errorf("ParseURL(%q): %v", good, err)
		}
	}
}

// TestEveryApplicationStreamComesThrough: $all reads and subscriptions
// hand out every stream the commands write — the deadline engine's facts,
// inboxes, registrations, password resets and the policy included, which
// an allow-list of prefixes once dropped — and a kind nobody listed; not
// the server's $-streams or $-typed events, nor the adapter's id claims.
func TestEveryApplicationStreamComesThrough(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := startDouble(t, esdbdouble.Options{})
	s, err := esdbstore.Open(d.URL(), esdbstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	id := uuid.New()
	streams := []string{
		commands.OrgStream(id), commands.UserStream(id), commands.ForecastStream(id), commands.DeclarationStream(id),
		commands.ChangeStream(id), commands.SummaryStream(id), commands.DeadlineStream(id), commands.InboxStream(id),
		commands.RegistrationStream(id), commands.PasswordResetStream(id), commands.PolicyStream,
		"a-kind-added-next-year-" + id.String(),
	}
	for _, stream := range streams {
		if _, err := s.Append(ctx, stream, 0, oneEvent()); err != nil {
			t.Fatal(err)
		}
	}
	d.WriteSystemEvent(commands.ForecastStream(id), "$streamDeleted")
	d.WriteSystemEvent("$$"+commands.ForecastStream(id), "$metadata")

	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	var read []string
	for _, e := range all {
		read = append(read, e.StreamID)
	}
	if !slices.Equal(read, streams) {
		t.Fatalf("ReadAll handed out %v, want %v", read, streams)
	}
	got := make(chan string, 2*len(streams))
	subCtx, stop := context.WithCancel(ctx)
	defer stop()
	go s.SubscribeAll(subCtx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		got <- e.StreamID
		return nil
	})
	var subscribed []string
	for range streams {
		select {
		case sID := <-got:
			subscribed = append(subscribed, sID)
		case <-ctx.Done():
			t.Fatalf("subscription handed out only %v", subscribed)
		}
	}
	if !slices.Equal(subscribed, streams) {
		t.Fatalf("subscription handed out %v, want %v", subscribed, streams)
	}
	select {
	case sID := <-got:
		t.Fatalf("subscription handed out %s too", sID)
	case <-time.After(200 * time.Millisecond):
	}
	head, err := s.Head(ctx)
	if err != nil || head != all[len(all)-1].Position {
		t.Errorf("head %s, %v; want %s", head, err, all[len(all)-1].Position)
	}
}

// TestUnavailableAndBack: with the server gone, calls are ErrUnavailable
// and write nothing; when it is back, the same store works again.
func TestUnavailableAndBack(t *testing.T) {
	ctx := context.Background()
	d := startDouble(t, esdbdouble.Options{})
	s := open(t, d.URL())
	if _, err := s.Append(ctx, "st-down", 0, oneEvent()); err != nil {
		t.Fatal(err)
	}
	before := d.EventCount()
	d.Stop()
	if err := s.Ping(ctx); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("ping with the server gone: %v, want ErrUnavailable", err)
	}
	if _, err := s.Append(ctx, "st-down", 1, oneEvent()); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("append with the server gone: %v, want ErrUnavailable", err)
	}
	if _, err := s.ReadStream(ctx, "st-down", eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("read with the server gone: %v, want ErrUnavailable", err)
	}
	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	if d.EventCount() != before {
		t.Fatalf("the double holds %d events, had %d", d.EventCount(), before)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Ping(ctx)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ping after the server came back: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res, err := s.Append(ctx, "st-down", 1, oneEvent()); err != nil || res.Version != 2 {
		t.Fatalf("append after the server came back: %+v, %v", res, err)
	}
}

// TestSubscriptionSurvivesCutConnections: connections cut again and again
// while writers append; the subscriber sees every event once, in order.
func TestSubscriptionSurvivesCutConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := startDouble(t, esdbdouble.Options{})
	s := open(t, d.URL())

	var mu sync.Mutex
	var seen []eventstore.RecordedEvent
	subCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- s.SubscribeAll(subCtx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
			mu.Lock()
			seen = append(seen, e)
			mu.Unlock()
			return nil
		})
	}()

	const total = 120
	var written []uuid.UUID
	version := eventstore.Version(0)
	cuts := 0
	for i := 0; i < total; i++ {
		if i%15 == 7 {
			cuts += d.CutConnections()
		}
		events := oneEvent()
		for {
			res, err := s.Append(ctx, "st-cut", version, events)
			if errors.Is(err, eventstore.ErrUnavailable) {
				time.Sleep(20 * time.Millisecond)
				continue // nothing was written: retry the same command
			}
			if err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
			version = res.Version
			break
		}
		written = append(written, events[0].ID)
	}
	if cuts == 0 {
		t.Fatal("no connection was cut")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // room for a duplicate to show
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("subscription ended with %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	got := make([]uuid.UUID, len(seen))
	for i, e := range seen {
		got[i] = e.ID
		if e.Number != uint64(i+1) {
			t.Fatalf("event %d has number %d: a gap or a duplicate", i, e.Number)
		}
	}
	if !slices.Equal(got, written) {
		t.Fatalf("subscriber saw %d events, want the %d written in order", len(got), len(written))
	}
}

// TestRetiredClientsAreClosed: each fault sets the client aside for a new
// one; the old ones must be closed, not kept (with their connection loop
// and connection) until the store closes.
func TestRetiredClientsAreClosed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := startDouble(t, esdbdouble.Options{})
	s := open(t, d.URL())
	version := eventstore.Version(0)
	appendOne := func() {
		t.Helper()
		events := oneEvent()
		for {
			res, err := s.Append(ctx, "st-faults", version, events)
			if errors.Is(err, eventstore.ErrUnavailable) {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			version = res.Version
			return
		}
	}
	appendOne()
	before := clientLoops()
	const faults = 6
	for range faults {
		d.CutConnections()
		appendOne()
	}
	// A closed client's loop ends a moment after Close.
	deadline := time.Now().Add(5 * time.Second)
	for clientLoops() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := clientLoops(); got > before {
		t.Errorf("%d client connection loops after %d faults, %d before: retired clients are not closed", got, faults, before)
	}
	if got := d.OpenConnections(); got > 1 {
		t.Errorf("the server holds %d connections from one store", got)
	}
}

// clientLoops counts the EventStoreDB clients alive in this process: each
// runs one connection state machine.
func clientLoops() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Count(string(buf[:n]), "esdb.connectionStateMachine(")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestDeletedAndDeniedStreams: a stream its operator deleted, and one the
// credentials may not reach, are errors of their own, not unknown ones.
func TestDeletedAndDeniedStreams(t *testing.T) {
	ctx := context.Background()
	d := startDouble(t, esdbdouble.Options{})
	s := open(t, d.URL())
	for _, stream := range []string{"st-deleted", "st-denied"} {
		if _, err := s.Append(ctx, stream, 0, oneEvent()); err != nil {
			t.Fatal(err)
		}
	}
	d.TombstoneStream("st-deleted")
	d.DenyStream("st-denied")
	if _, err := s.ReadStream(ctx, "st-deleted", eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrStreamDeleted) {
		t.Errorf("read a deleted stream: %v, want ErrStreamDeleted", err)
	}
	if _, err := s.Append(ctx, "st-deleted", 1, oneEvent()); !errors.Is(err, eventstore.ErrStreamDeleted) {
		t.Errorf("append to a deleted stream: %v, want ErrStreamDeleted", err)
	}
	if _, err := s.ReadStream(ctx, "st-denied", eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrAccessDenied) {
		t.Errorf("read a denied stream: %v, want ErrAccessDenied", err)
	}
	if _, err := s.Append(ctx, "st-denied", 1, oneEvent()); !errors.Is(err, eventstore.ErrAccessDenied) {
		t.Errorf("append to a denied stream: %v, want ErrAccessDenied", err)
	}
	// Neither is a connection fault: the same client goes on.
	if _, err := s.Append(ctx, "st-fine", 0, oneEvent()); err != nil {
		t.Errorf("append after: %v", err)
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range all {
		if strings.HasPrefix(e.Type, "$") {
			t.Errorf("$all handed out the server's %s", e.Type)
		}
	}
}
