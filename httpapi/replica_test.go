package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/internal/replica"
	"github.com/econf/econf/projections"
)

// TestReadReplica runs the server on a primary and a streaming hot standby
// made from it (pg_basebackup -R), both from the machine's PostgreSQL
// binaries. Lists, details, histories and exports read from the standby
// (X-Econf-Read-From: replica), which is shown by pausing its replay: a
// read without X-Econf-Min-Position misses the newest forecast; with it, the
// read waits (bounded) and then reads from the primary; once the replica
// is further behind than the limit every read goes to the primary and
// /readyz says so; replay resumed, reads return to the replica; a standby
// that goes away sends reads to the primary at once (the failed query runs
// again there) and /readyz says it is unreachable.
func TestReadReplica(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two PostgreSQL clusters")
	}
	ctx := context.Background()
	oc, pool := startOutageCluster(t)
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("econf-standby-%d", time.Now().UnixNano()))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := oc.current.BaseBackup(ctx, dir); err != nil {
		t.Fatal(err)
	}
	standby, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = standby.Stop(context.Background()) })
	rpool, err := pgxpool.New(ctx, standby.URL("econf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rpool.Close)

	// Wait covers the primary's read models applying an event and the
	// standby replaying them, on a machine running the whole suite: at
	// 300 ms the first read-your-writes read went to the primary now and
	// then (the default, 1 s, as serve has it). The paused part below waits
	// it out three times at most.
	router := replica.New(pool, rpool, replica.Options{MaxLag: 300 * time.Millisecond, Wait: time.Second})
	h := newHarnessOn(t, pool, func(cfg *httpapi.Config) {
		reads := projections.NewQueries(router.DB())
		store := personal.NewStore(router.Store(pgstore.New(pool), pgstore.New(rpool)), personal.NewKeys(pool, testKeyring))
		files, ok := cfg.Files.(commands.Files)
		if !ok {
			t.Fatalf("the harness's files %T are not the commands' files", cfg.Files)
		}
		app, err := commands.New(commands.Deps{Store: store, Clock: policy.NewFixedClock(inWindow), Credentials: cfg.Auth, Sessions: cfg.Auth, Files: files, Overdue: reads})
		if err != nil {
			t.Fatal(err)
		}
		cfg.App, cfg.Reads, cfg.Replica = app, reads, router
	})
	applicant, school := h.email(domain.RoleApplicant), h.email(domain.RoleSchoolAdmin)
	until := func(what string, ok func(replica.State) bool) replica.State {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			st := router.Check(ctx)
			if ok(st) {
				return st
			}
			if time.Now().After(deadline) {
				t.Fatalf("the replica never became %s: %+v", what, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	from := func(res response, want string) {
		t.Helper()
		if got := res.header.Get(httpapi.ReadFromHeader); got != want {
			t.Fatalf("read from %q, want %q: %d %s", got, want, res.status, res.body)
		}
	}
	lists := func(res response, id string) bool {
		t.Helper()
		if res.status != http.StatusOK {
			t.Fatalf("list: %d %s", res.status, res.body)
		}
		return strings.Contains(string(res.body), id)
	}

	first, _ := h.submit(nil)
	until("usable", func(st replica.State) bool { return st.Usable })
	// With the read-your-writes header (h.do sends the newest position)
	// every kind of read is served by the standby once it has the event.
	for _, path := range []string{"/api/v1/forecasts", "/api/v1/forecasts/" + first, "/api/v1/forecasts/" + first + "/history", "/api/v1/forecasts/" + first + "/status"} {
		res := h.do("GET", path, applicant, nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), first) {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		from(res, "replica")
	}
	exp := h.do("GET", "/api/v1/forecasts/export?format=csv", school, nil)
	if exp.status != http.StatusOK {
		t.Fatalf("export: %d %s", exp.status, exp.body)
	}
	from(exp, "replica")
	if res := h.do("POST", "/api/v1/forecasts/"+first+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]any{}); res.status/100 != 2 {
		t.Fatalf("approve: %d %s", res.status, res.body)
	} else if res.header.Get(httpapi.ReadFromHeader) != "" {
		t.Fatalf("a command says where it read: %v", res.header)
	}

	// Replay paused: the standby misses the next forecast.
	if _, err := rpool.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	second, _ := h.submit(nil)
	if res := h.do("GET", "/api/v1/forecasts", applicant, nil, "X-Econf-Min-Position", "0"); lists(res, second) {
		t.Fatalf("the list read without waiting shows the forecast the paused standby has not replayed: %s", res.header)
	} else {
		from(res, "replica")
	}
	start := time.Now()
	for _, path := range []string{"/api/v1/forecasts", "/api/v1/forecasts/" + second, "/api/v1/forecasts/" + second + "/history"} {
		res := h.do("GET", path, applicant, nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), second) {
			t.Fatalf("GET %s with X-Econf-Min-Position: %d %s", path, res.status, res.body)
		}
		from(res, "primary")
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("the reads moved to the primary after %s, before waiting for the standby", took)
	}

	// Further behind than MaxLag: every read on the primary, /readyz says why.
	st := until("behind", func(st replica.State) bool { return !st.Usable })
	if !strings.HasPrefix(st.Reason, "behind") {
		t.Fatalf("reason %q", st.Reason)
	}
	ready := h.do("GET", "/readyz", "", nil)
	checks := ready.json(t)["checks"].(map[string]any)
	if ready.status != http.StatusOK || !strings.HasPrefix(checks["replica"].(string), "reads go to the primary: behind") {
		t.Fatalf("readyz with the standby behind: %d %s", ready.status, ready.body)
	}
	if res := h.do("GET", "/api/v1/forecasts", applicant, nil, "X-Econf-Min-Position", "0"); !lists(res, second) {
		t.Fatalf("the list misses the forecast: %s", res.body)
	} else {
		from(res, "primary")
	}

	// Replay resumed: back to the standby.
	if _, err := rpool.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	until("usable again", func(st replica.State) bool { return st.Usable })
	if res := h.do("GET", "/api/v1/forecasts", applicant, nil); !lists(res, second) {
		t.Fatalf("the list misses the forecast: %s", res.body)
	} else {
		from(res, "replica")
	}
	if ready := h.do("GET", "/readyz", "", nil); ready.json(t)["checks"].(map[string]any)["replica"] != "ok" {
		t.Fatalf("readyz: %s", ready.body)
	}

	// The standby goes away between two probes: the read that finds it gone
	// runs again on the primary; the next probe says so.
	if err := standby.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/forecasts", "/api/v1/forecasts/" + second + "/history"} {
		res := h.do("GET", path, applicant, nil, "X-Econf-Min-Position", "0")
		if res.status != http.StatusOK || !strings.Contains(string(res.body), second) {
			t.Fatalf("GET %s with the standby gone: %d %s", path, res.status, res.body)
		}
		from(res, "primary")
	}
	st = until("unreachable", func(st replica.State) bool { return !st.Usable })
	ready = h.do("GET", "/readyz", "", nil)
	if ready.status != http.StatusOK || !strings.HasPrefix(ready.json(t)["checks"].(map[string]any)["replica"].(string), "reads go to the primary: unreachable") {
		t.Fatalf("readyz with the standby gone: %d %s (%+v)", ready.status, ready.body, st)
	}
}
