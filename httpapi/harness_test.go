package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/deadlines"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/openapitest"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// inWindow is inside the default forecast window (September) for plan year 2027.
var inWindow = time.Date(2026, 9, 10, 10, 0, 0, 0, domain.Shanghai)

// harness is the real service on a fresh database: event store, commands,
// projections running on Watermill, and the HTTP API on a loopback port.
type harness struct {
	t      *testing.T
	url    string
	pool   *pgxpool.Pool
	store  testEventStore // personal fields encrypted (internal/personal), as serve runs it
	stored testEventStore // the store underneath
	keys   *personal.Keys
	app    *commands.App
	clock  *policy.FixedClock
	tree   demo.Tree
	tokens map[string]string
	runner *projections.Runner
	engine *deadlines.Engine
	// damaged: the test broke streams in the store on purpose, so their
	// histories cannot agree with the read models at the end.
	damaged bool
	// filesDir holds the uploads, for tests that count what was stored.
	filesDir string
	// client checks every exchange against the served /openapi.json: an
	// answer the document does not describe fails the test.
	client *http.Client
}

// testKeyring is the master key every harness wraps its data keys under.
var testKeyring = func() *personal.Keyring {
	r, err := personal.ParseKeyring(personal.NewMasterKey())
	if err != nil {
		panic(err)
	}
	return r
}()

// password is a demo account's password: one per role, meeting R-AUTH-01
// (15+ characters, not common, nothing of the account's email or name).
func password(r domain.Role) string {
	rs := []rune(string(r))
	slices.Reverse(rs)
	return "violet kettle 7 " + string(rs)
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up))
}

// newHarnessOn is newHarness on a database the test brings, migrated by
// dbschema.Up: one on a cluster of its own, say, that the test stops and
// starts under the running server.
func newHarnessOn(t *testing.T, pool *pgxpool.Pool, configure ...func(*httpapi.Config)) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	raw := newTestStore(t, pool)
	keys := personal.NewKeys(pool, testKeyring)
	store := personal.NewStore(raw, keys)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	filesDir := t.TempDir()
	files, err := filestore.NewLocal(filesDir, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	reads := projections.NewQueries(pool)
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: reads})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := demo.Seed(ctx, app, password, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	runner, err := projections.NewRunner(pool, store, log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	cfg := httpapi.Config{App: app, Auth: as, Reads: reads, Waiter: runner, Pool: pool, Log: log, Files: files}
	for _, c := range configure {
		c(&cfg)
	}
	srv := httptest.NewServer(httpapi.New(cfg))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	h := &harness{t: t, url: srv.URL, pool: pool, store: store, stored: raw, keys: keys, app: app, clock: clock, tree: tree, tokens: map[string]string{},
		runner: runner, filesDir: filesDir, engine: &deadlines.Engine{Candidates: reads, App: app, Policies: app.Policies(), Clock: clock, Log: log}}
	// Runs before the server stops: whatever a test did, every forecast's
	// replayed history must end where the status view and the list say.
	t.Cleanup(func() {
		if !t.Failed() && !h.damaged {
			clear(h.tokens)
			h.checkReadModels()
			h.checkNoClearText()
		}
	})
	return h
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// rules lists the rule ids of a problem's field errors.
func (r response) rules() []string {
	var p struct {
		Rule   string `json:"rule"`
		Errors []struct {
			Rule string `json:"rule"`
			Path string `json:"path"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(r.body, &p)
	var out []string
	if p.Rule != "" {
		out = append(out, p.Rule)
	}
	for _, e := range p.Errors {
		out = append(out, e.Rule+"@"+e.Path)
	}
	return out
}

func (r response) hasRule(want string) bool {
	for _, got := range r.rules() {
		if got == want || strings.HasPrefix(got, want+"@") {
			return true
		}
	}
	return false
}

// do sends a request as who (an email, "" for none) with optional body
// and header pairs.
func (h *harness) do(method, path, who string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, h.url+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+h.token(who))
	}
	// Reads wait for the read models to include every event so far, as a
	// client does with the position its last command returned.
	if method == http.MethodGet && who != "" {
		req.Header.Set("X-Econf-Min-Position", lastPos(h).String())
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.checked().Do(req)
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

// checked is the harness's HTTP client: every exchange is checked against
// the document the server serves, so drift fails the test.
func (h *harness) checked() *http.Client {
	h.t.Helper()
	if h.client == nil {
		c, err := openapitest.Client(h.t, h.url, nil)
		if err != nil {
			h.t.Fatal(err)
		}
		h.client = c
	}
	return h.client
}

// token logs in once per account.
func (h *harness) token(email string) string {
	h.t.Helper()
	if tok, ok := h.tokens[email]; ok {
		return tok
	}
	pw := ""
	for _, a := range append(h.tree.Accounts, h.tree.OtherUnitAd, h.tree.OtherApp) {
		if a.Email == email {
			pw = a.Password
		}
	}
	res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	if res.status != http.StatusOK {
		h.t.Fatalf("login %s: %d %s", email, res.status, res.body)
	}
	tok := res.json(h.t)["token"].(string)
	h.tokens[email] = tok
	return tok
}

func (h *harness) email(r domain.Role) string { return h.tree.Account(r).Email }

// eventCount is how many events the store holds, counted in the table
// itself: ReadAll may still hold back events behind an open transaction.
func (h *harness) eventCount() int {
	h.t.Helper()
	if n, ok := h.countEvents(); ok {
		return n
	}
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// forecastBody is a valid forecast for plan year 2027, changed by edit.
func forecastBody(edit func(m map[string]any)) map[string]any {
	m := map[string]any{
		"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "计算机学院",
			"department": "软件工程系", "mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
		"nameZh":         "2027年分布式系统国际研讨会",
		"nameEn":         "2027 International Workshop on Distributed Systems",
		"startDate":      "2027-05-10",
		"commitmentDate": "2027-01-15",
		"local":          true,
		"province":       "湖北省",
		"address":        "武汉市洪山区示范路1号",
		"type":           "natural_science",
		"scale":          "general",
		"chineseCount":   120,
		"foreignCount":   40,
		"organisations":  []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
		"fundingSource":  "学院自筹",
	}
	if edit != nil {
		edit(m)
	}
	return m
}

// submit files a forecast as the demo applicant and returns its id.
func (h *harness) submit(edit func(m map[string]any)) (string, response) {
	h.t.Helper()
	res := h.do("POST", "/api/v1/forecasts", h.email(domain.RoleApplicant), forecastBody(edit))
	if res.status != http.StatusCreated {
		h.t.Fatalf("submit: %d %s", res.status, res.body)
	}
	return res.json(h.t)["id"].(string), res
}

// settle waits until every read model has applied every event so far.
func (h *harness) settle() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(h.t.Context(), 10*time.Second)
	defer cancel()
	if err := h.runner.WaitFor(ctx, lastPos(h)); err != nil {
		h.t.Fatalf("read models did not catch up: %v", err)
	}
}

// lastPos is the position of the newest committed event.
func lastPos(h *harness) eventstore.Position {
	h.t.Helper()
	pos, err := h.store.Head(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return pos
}
