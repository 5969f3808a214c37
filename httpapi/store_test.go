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
	if _, isPG := h.stored.(*pgstore.Store); isPG {
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
	t.Run("InboxStream", testInboxOnEventStore)
	t.Run("DeletedAndDeniedStreams", testDeletedAndDeniedStreams)
}

// testInboxOnEventStore: marking a notification read writes the reader's
// inbox stream, which the read model must see through $all (an allow-list
// of prefixes once left inbox-, deadline-, registration- and the policy
// out on EventStoreDB).
func testInboxOnEventStore(t *testing.T) {
	h := newHarness(t)
	applicant := h.email(domain.RoleApplicant)
	id, _ := h.submit(nil)
	expect(t, "unit approves", h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", h.email(domain.RoleUnitAdmin), nil), 200, "")
	h.settle()
	inbox := h.do("GET", "/api/v1/me/notifications", applicant, nil).json(t)
	items, _ := inbox["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no notification: %v", inbox)
	}
	nid := items[0].(map[string]any)["id"].(string)
	res := h.do("POST", "/api/v1/me/notifications/read", applicant, map[string]any{"ids": []string{nid}})
	expect(t, "mark read", res, 200, "")
	h.settle()
	if got := h.do("GET", "/api/v1/me/notifications?unread=true", applicant, nil).json(t); got["unread"] != float64(0) {
		t.Fatalf("after marking read on EventStoreDB: %v", got)
	}
}

// testDeletedAndDeniedStreams: a record whose stream an operator deleted
// in EventStoreDB is 410 Gone, and a stream the credentials may not reach
// is 503 — neither a 500.
func testDeletedAndDeniedStreams(t *testing.T) {
	h := newHarness(t)
	d, ok := doubles.Load(t)
	if !ok {
		t.Fatal("not running on the double")
	}
	double := d.(*esdbdouble.Double)
	unit := h.email(domain.RoleUnitAdmin)
	deleted, _ := h.submit(nil)
	denied, _ := h.submit(nil)
	h.settle()
	h.damaged = true
	double.TombstoneStream("forecast-" + deleted)
	double.DenyStream("forecast-" + denied)
	before := h.eventCount()
	for _, c := range []struct {
		id     string
		status int
	}{{deleted, http.StatusGone}, {denied, http.StatusServiceUnavailable}} {
		f := "/api/v1/forecasts/" + c.id
		if res := h.do("GET", f, unit, nil); res.status != c.status {
			t.Errorf("GET %s: %d %s; want %d", f, res.status, res.body, c.status)
		}
		if res := h.do("POST", f+"/approve-unit", unit, nil); res.status != c.status {
			t.Errorf("approve %s: %d %s; want %d", f, res.status, res.body, c.status)
		}
	}
	if got := h.eventCount(); got != before {
		t.Errorf("%d events after, %d before", got, before)
	}
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
