package httpapi_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/esdbdouble"
)

// testEventStore is the event store an HTTP test runs on, chosen by
// ECONF_TEST_STORE: unset or "postgres" for the PostgreSQL store in the
// test's database; "esdb-double" for esdbstore on a fresh gRPC double of
// EventStoreDB (internal/esdbdouble); "esdb" for esdbstore on the real
// EventStoreDB at EVENTSTORE_TEST_URL.
type testEventStore interface {
	eventstore.Store
	Head(context.Context) (eventstore.Position, error)
}

// doubles holds the double each test's store runs on, for fault tests.
var doubles sync.Map // *testing.T → *esdbdouble.Double

func newTestStore(t *testing.T, pool *pgxpool.Pool) testEventStore {
	t.Helper()
	url := ""
	switch kind := os.Getenv("ECONF_TEST_STORE"); kind {
	case "", "postgres":
		return pgstore.New(pool)
	case "esdb-double":
		d, err := esdbdouble.Start(esdbdouble.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(d.Close)
		doubles.Store(t, d)
		t.Cleanup(func() { doubles.Delete(t) })
		url = d.URL()
	case "esdb":
		if url = os.Getenv("EVENTSTORE_TEST_URL"); url == "" {
			t.Fatal("ECONF_TEST_STORE=esdb needs EVENTSTORE_TEST_URL")
		}
	default:
		t.Fatalf("ECONF_TEST_STORE=%q: want postgres, esdb-double or esdb", kind)
	}
	s, err := esdbstore.Open(url, esdbstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// countEvents counts the events of a store other than PostgreSQL's (whose
// table harness.eventCount counts directly); ok is false for PostgreSQL.
func (h *harness) countEvents() (n int, ok bool) {
	if _, isPG := h.store.(*pgstore.Store); isPG {
		return 0, false
	}
	events, err := h.store.ReadAll(context.Background(), eventstore.Start, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(events), true
}

// TestEndToEndOnEventStoreDBDouble runs the forecast end-to-end tests
// again with the event store chosen by configuration: esdbstore on the
// gRPC double of EventStoreDB.
func TestEndToEndOnEventStoreDBDouble(t *testing.T) {
	if os.Getenv("ECONF_TEST_STORE") != "" {
		t.Skip("ECONF_TEST_STORE is set: every test already runs on the chosen store")
	}
	t.Setenv("ECONF_TEST_STORE", "esdb-double")
	t.Run("ForecastLifecycle", TestForecastLifecycle)
	t.Run("StaleVersionAndIdempotency", TestStaleVersionAndIdempotency)
	t.Run("HistoryAsOf", TestHistoryAsOf)
	t.Run("Unavailable", testUnavailableEventStore)
}

// testUnavailableEventStore: with EventStoreDB gone, /readyz and commands
// answer 503 and nothing acknowledged is lost; when it is back, the
// service works on.
func testUnavailableEventStore(t *testing.T) {
	h := newHarness(t)
	d, ok := doubles.Load(t)
	if !ok {
		t.Fatal("not running on the double")
	}
	double := d.(*esdbdouble.Double)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	unit := h.email(domain.RoleUnitAdmin)
	h.token(unit) // log in while the store is up
	before := h.eventCount()

	double.Stop()
	if res := h.do("GET", "/readyz", "", nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("readyz with EventStoreDB gone: %d %s", res.status, res.body)
	}
	if res := h.do("POST", f+"/approve-unit", unit, nil, "If-Match", `"1"`); res.status != http.StatusServiceUnavailable {
		t.Errorf("command with EventStoreDB gone: %d %s; want 503", res.status, res.body)
	}

	if err := double.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for h.do("GET", "/readyz", "", nil).status != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("readyz still failing after EventStoreDB came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := h.eventCount(); got != before {
		t.Fatalf("%d events after the outage, %d before", got, before)
	}
	if res := h.do("POST", f+"/approve-unit", unit, nil, "If-Match", `"1"`); res.status != http.StatusOK {
		t.Fatalf("command after EventStoreDB came back: %d %s", res.status, res.body)
	}
	if _, err := h.store.ReadStream(context.Background(), "forecast-"+id, eventstore.Forwards, 0, 0); errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatal("the forecast's stream is gone")
	}
}
