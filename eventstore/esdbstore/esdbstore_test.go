package esdbstore_test

import (
	"context"
	"errors"
	"os"
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

// contractPrefixes take in the contract suite's streams ("st<id>-...") too.
var contractPrefixes = append([]string{"st"}, esdbstore.DefaultPrefixes...)

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
	s, err := esdbstore.Open(url, esdbstore.Options{Prefixes: contractPrefixes})
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

// TestDefaultPrefixesCoverStreams: every stream the commands write is one
// the $all filter lets through.
func TestDefaultPrefixesCoverStreams(t *testing.T) {
	for _, stream := range []string{commands.OrgStream(uuid.New()), commands.UserStream(uuid.New()), commands.ForecastStream(uuid.New())} {
		if !slices.ContainsFunc(esdbstore.DefaultPrefixes, func(p string) bool { return strings.HasPrefix(stream, p) }) {
			t.Errorf("stream %s is outside the default prefixes", stream)
		}
	}
}

// TestSystemAndBookkeepingEventsStayOut: $all reads and subscriptions hand
// out only the application's streams: not the server's $-streams, not the
// adapter's id claims.
func TestSystemAndBookkeepingEventsStayOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := startDouble(t, esdbdouble.Options{})
	s, err := esdbstore.Open(d.URL(), esdbstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stream := commands.ForecastStream(uuid.New())
	if _, err := s.Append(ctx, stream, 0, oneEvent()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "elsewhere-1", 0, oneEvent()); err != nil {
		t.Fatal(err)
	}
	all, err := s.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 1 || all[0].StreamID != stream {
		t.Fatalf("ReadAll handed out %d events (%v), want only %s", len(all), all, stream)
	}
	got := make(chan string, 10)
	subCtx, stop := context.WithCancel(ctx)
	defer stop()
	go s.SubscribeAll(subCtx, eventstore.Start, func(_ context.Context, e eventstore.RecordedEvent) error {
		got <- e.StreamID
		return nil
	})
	select {
	case sID := <-got:
		if sID != stream {
			t.Fatalf("subscription handed out %s", sID)
		}
	case <-ctx.Done():
		t.Fatal("no event")
	}
	select {
	case sID := <-got:
		t.Fatalf("subscription handed out %s too", sID)
	case <-time.After(200 * time.Millisecond):
	}
	head, err := s.Head(ctx)
	if err != nil || head != all[0].Position {
		t.Errorf("head %s, %v; want %s", head, err, all[0].Position)
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
