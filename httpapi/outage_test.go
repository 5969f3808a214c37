package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster"
)

// outageCluster is a PostgreSQL cluster of the test's own, which it stops
// and starts again (same directory, same port) under a running server.
type outageCluster struct {
	t       *testing.T
	dir     string
	port    int
	current *pgcluster.Cluster
}

func startOutageCluster(t *testing.T) (*outageCluster, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "econf-outage-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	oc := &outageCluster{t: t, dir: dir, port: c.Port(), current: c}
	t.Cleanup(func() {
		if oc.current != nil {
			_ = oc.current.Stop(context.Background())
		}
	})
	if err := c.CreateDatabase(ctx, "econf", ""); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, c.URL("econf"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := dbschema.Up(ctx, pool); err != nil {
		t.Fatal(err)
	}
	return oc, pool
}

func (oc *outageCluster) stop() {
	oc.t.Helper()
	if err := oc.current.Stop(context.Background()); err != nil {
		oc.t.Fatal(err)
	}
	oc.current = nil
}

func (oc *outageCluster) start() {
	oc.t.Helper()
	c, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: oc.dir, Port: oc.port, Log: io.Discard})
	if err != nil {
		oc.t.Fatal(err)
	}
	oc.current = c
}

// raw sends a request without the harness's read-your-writes header (its
// position comes from the very database that is down).
func (h *harness) raw(method, path, token, body string, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestDatabaseOutageIs503 stops the database under a running server: every
// kind of request (a bearer-token lookup, a read, a command, a login)
// answers 503 problem+json with Retry-After, never a 500; started again,
// the same requests succeed without any help.
func TestDatabaseOutageIs503(t *testing.T) {
	oc, pool := startOutageCluster(t)
	h := newHarnessOn(t, pool)
	app := h.email(domain.RoleApplicant)
	tok := h.token(app)
	id, _ := h.submit(nil)
	h.settle()

	var pw string
	for _, a := range h.tree.Accounts {
		if a.Email == app {
			pw = a.Password
		}
	}
	login := `{"email":"` + app + `","password":"` + pw + `"}`
	js, err := json.Marshal(forecastBody(nil))
	if err != nil {
		t.Fatal(err)
	}
	body := string(js)
	requests := []struct {
		name, method, path, token, body string
		headers                         []string
	}{
		{"me", "GET", "/api/v1/me", tok, "", nil},
		{"record", "GET", "/api/v1/forecasts/" + id, tok, "", nil},
		{"list", "GET", "/api/v1/forecasts", tok, "", nil},
		{"history", "GET", "/api/v1/forecasts/" + id + "/history", tok, "", nil},
		{"form", "GET", "/api/v1/forecasts/" + id + "/form.pdf", tok, "", nil},
		{"export", "GET", "/api/v1/forecasts/export?format=csv", tok, "", nil},
		{"inbox", "GET", "/api/v1/me/notifications", tok, "", nil},
		{"list at a position", "GET", "/api/v1/forecasts", tok, "", []string{"X-Econf-Min-Position", "999999999.0"}},
		{"command", "POST", "/api/v1/forecasts", tok, body, nil},
		{"keyed command", "POST", "/api/v1/forecasts", tok, body, []string{"Idempotency-Key", "outage-1"}},
		{"login", "POST", "/api/v1/auth/login", "", login, nil},
	}

	oc.stop()
	for _, rq := range requests {
		res := h.raw(rq.method, rq.path, rq.token, rq.body, rq.headers...)
		if res.status != http.StatusServiceUnavailable {
			t.Errorf("%s during the outage: %d %s, want 503", rq.name, res.status, res.body)
			continue
		}
		if got := res.header.Get("Retry-After"); got == "" {
			t.Errorf("%s during the outage: no Retry-After", rq.name)
		}
		if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s during the outage: Content-Type %q", rq.name, ct)
		}
		if p := res.json(t); p["type"] != "https://econf.invalid/problems/unavailable" {
			t.Errorf("%s during the outage: type %v", rq.name, p["type"])
		}
	}
	if res := h.raw("GET", "/readyz", "", ""); res.status != http.StatusServiceUnavailable {
		t.Errorf("readyz during the outage: %d", res.status)
	}

	oc.start()
	// The pool's old connections are dead: the first requests after the
	// restart may still meet one; within a few seconds all must succeed.
	deadline := time.Now().Add(30 * time.Second)
	for _, rq := range requests {
		if strings.Contains(rq.name, "position") {
			continue // waits for a position no event has
		}
		want := map[string]int{"command": http.StatusCreated, "keyed command": http.StatusCreated}[rq.name]
		if want == 0 {
			want = http.StatusOK
		}
		for {
			res := h.raw(rq.method, rq.path, rq.token, rq.body, rq.headers...)
			if res.status == want {
				break
			}
			if res.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("%s after the restart: %d %s, want %d", rq.name, res.status, res.body, want)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The read models catch up by themselves too.
	h.settle()
	if res := h.do("GET", "/api/v1/forecasts", app, nil); res.status != http.StatusOK {
		t.Fatalf("list after the restart: %d %s", res.status, res.body)
	} else if items, _ := res.json(t)["items"].([]any); len(items) != 3 {
		t.Errorf("list after the restart holds %d forecasts, want 3", len(items))
	}
}
