package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/deadlines"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/internal/simclock"
	"github.com/econf/econf/projections"
)

// TestTrainingClockSummaryFallsOverdue runs a training instance's command
// layer and deadline engine on a simulated clock (ECONF_CLOCK) set the day
// after a conference ended: its summary is not overdue, until the clock is
// advanced 90 days (econf clock advance, through the database row every
// process reads); then the engine records the overdue fact, and the fact's
// event carries the simulated marker and the simulated time. /healthz
// shows the clock.
func TestTrainingClockSummaryFallsOverdue(t *testing.T) {
	pool := pgtest.NewDatabase(t, dbschema.Up)
	setting, err := simclock.Parse("2027-04-23T10:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simclock.Open(t.Context(), pool, setting, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, pool, func(c *httpapi.Config) { c.SimulatedClock = sim })
	h.at(2026, 9, 10)
	id := h.approvedDeclaration()
	h.settle()

	as := auth.NewStore(h.pool, sim.Now)
	files, err := filestore.NewLocal(h.filesDir, sim.Now)
	if err != nil {
		t.Fatal(err)
	}
	training, err := commands.New(commands.Deps{Store: h.store, Clock: sim, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(h.pool)})
	if err != nil {
		t.Fatal(err)
	}
	engine := &deadlines.Engine{Candidates: projections.NewQueries(h.pool), App: training, Policies: training.Policies(), Clock: sim}
	if _, err := engine.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if n := h.deadlineFacts(id, "deadline.summary_overdue"); n != 0 {
		t.Fatalf("the day after the conference the summary is overdue (%d facts)", n)
	}

	total, err := simclock.Advance(t.Context(), pool, 90*24*time.Hour)
	if err != nil || total != 90*24*time.Hour {
		t.Fatalf("advance: %v %v", total, err)
	}
	if err := sim.Refresh(t.Context(), pool); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if n := h.deadlineFacts(id, "deadline.summary_overdue"); n != 1 {
		t.Fatalf("90 days later: %d summary_overdue facts; want 1", n)
	}
	var raw []byte
	if err := h.pool.QueryRow(t.Context(), `SELECT metadata::text FROM events WHERE stream_id = $1 AND type = 'deadline.summary_overdue'`,
		"deadline-"+id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var md eventstore.Metadata
	if err := json.Unmarshal(raw, &md); err != nil {
		t.Fatal(err)
	}
	if !md.SimulatedClock || md.RecordedAt.Before(time.Date(2027, 7, 22, 0, 0, 0, 0, domain.Shanghai)) {
		t.Errorf("the overdue fact's metadata: %s; want simulatedClock and the simulated time", raw)
	}
	var plain int
	if err := h.pool.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE stream_id = $1 AND metadata::jsonb ? 'simulatedClock'`,
		"declaration-"+id).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	if plain != 0 {
		t.Errorf("%d events written on the machine's clock carry the simulated marker", plain)
	}

	// The history an auditor reads tells the simulated fact apart.
	var marked, unmarked int
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if typ, ok := v["type"].(string); ok && v["hash"] != nil {
				if v["simulatedClock"] == true {
					marked++
					if typ != "deadline.summary_overdue" && typ != "deadline.change_window_closed" && typ != "deadline.reminded" {
						t.Errorf("%s is marked simulated but was written on the machine's clock", typ)
					}
				} else {
					unmarked++
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(h.do("GET", "/api/v1/declarations/"+id+"/history", h.email(domain.RoleAuditor), nil).json(t))
	if marked == 0 || unmarked == 0 {
		t.Errorf("history: %d entries marked simulated, %d not; want the deadline facts marked and the rest not", marked, unmarked)
	}

	health := h.do("GET", "/healthz", "", nil).json(t)
	clock, _ := health["clock"].(map[string]any)
	if clock["simulated"] != true || clock["setting"] != "2027-04-23T10:00:00+08:00" {
		t.Errorf("/healthz: %v; want the simulated clock", health)
	}
	if now, _ := time.Parse(time.RFC3339, clock["now"].(string)); now.Before(time.Date(2027, 7, 22, 0, 0, 0, 0, domain.Shanghai)) {
		t.Errorf("/healthz now %v; want the advanced simulated time", clock["now"])
	}
}

// TestAdminAdvancesTrainingClock: a platform admin advances a training
// instance's clock over HTTP (POST /api/v1/admin/clock/advance): the
// advance is an event naming who, how far and why, the clock (and
// /healthz) moves by that much, a retry under the same Idempotency-Key
// moves nothing again; another role, a backwards or unreadable amount and
// a missing reason are refused and write nothing.
func TestAdminAdvancesTrainingClock(t *testing.T) {
	pool := pgtest.NewDatabase(t, dbschema.Up)
	setting, err := simclock.Parse("2027-04-23T10:00:00+08:00")
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simclock.Open(t.Context(), pool, setting, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarnessOn(t, pool, func(c *httpapi.Config) {
		c.SimulatedClock = sim
		as := auth.NewStore(c.Pool, sim.Now)
		files, err := filestore.NewLocal(t.TempDir(), sim.Now)
		if err != nil {
			t.Fatal(err)
		}
		training, err := commands.New(commands.Deps{Store: c.App.Store(), Clock: sim, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(c.Pool)})
		if err != nil {
			t.Fatal(err)
		}
		c.App = training
	})
	admin := h.email(domain.RolePlatformAdmin)
	events := h.eventCount()
	for _, c := range []struct {
		who    string
		body   map[string]any
		status int
		want   string
	}{
		{h.email(domain.RoleSchoolAdmin), map[string]any{"amount": "30d", "reason": "培训"}, 403, "forbidden"},
		{admin, map[string]any{"amount": "-3d", "reason": "培训"}, 422, `"path":"amount"`},
		{admin, map[string]any{"amount": "soon", "reason": "培训"}, 422, `"path":"amount"`},
		{admin, map[string]any{"amount": "30d"}, 422, `"path":"reason"`},
	} {
		if res := h.do("POST", "/api/v1/admin/clock/advance", c.who, c.body); res.status != c.status || !strings.Contains(string(res.body), c.want) {
			t.Errorf("advance %v: %d %s; want %d %s", c.body, res.status, res.body, c.status, c.want)
		}
	}
	if n := h.eventCount(); n != events {
		t.Fatalf("refused advances wrote %d events", n-events)
	}
	ahead := sim.Offset()
	body := map[string]any{"amount": "30d", "reason": "培训：总结逾期与提醒"}
	res := h.do("POST", "/api/v1/admin/clock/advance", admin, body, "Idempotency-Key", "train-1")
	if res.status != 200 {
		t.Fatalf("advance: %d %s", res.status, res.body)
	}
	got := res.json(t)
	if moved := sim.Offset() - ahead; moved != 30*24*time.Hour {
		t.Errorf("the clock moved %s, want 30 days", moved)
	}
	now, _ := time.Parse(time.RFC3339Nano, got["now"].(string))
	if d := time.Until(now) - sim.Offset(); d > time.Minute || d < -time.Minute {
		t.Errorf("answer's now %s is not the simulated time %s", now, sim.Now())
	}
	health := h.do("GET", "/healthz", "", nil).json(t)
	if s := health["clock"].(map[string]any)["aheadSeconds"].(float64); int64(s) < int64((ahead+30*24*time.Hour)/time.Second)-5 {
		t.Errorf("/healthz aheadSeconds %v after the advance", s)
	}
	if again := h.do("POST", "/api/v1/admin/clock/advance", admin, body, "Idempotency-Key", "train-1"); again.status != 200 || sim.Offset()-ahead != 30*24*time.Hour {
		t.Errorf("retry: %d %s; clock now %s ahead of where it was", again.status, again.body, sim.Offset()-ahead)
	}
	var data, md string
	if err := h.pool.QueryRow(t.Context(), `SELECT data::text, metadata::text FROM events WHERE stream_id = $1 AND type = 'clock.advanced'`,
		commands.ClockStream).Scan(&data, &md); err != nil {
		t.Fatalf("the advance's event: %v", err)
	}
	if !strings.Contains(data, `"seconds":2592000`) || !strings.Contains(data, "培训：总结逾期与提醒") || !strings.Contains(md, h.tree.Account(domain.RolePlatformAdmin).UserID.String()) {
		t.Errorf("clock.advanced %s %s: want the amount, the reason and the admin", data, md)
	}
}

// TestClockAdvanceRefusedOnTheRealClock: an instance on the machine's
// clock answers 409 not-training and writes nothing.
func TestClockAdvanceRefusedOnTheRealClock(t *testing.T) {
	h := newHarness(t)
	events := h.eventCount()
	res := h.do("POST", "/api/v1/admin/clock/advance", h.email(domain.RolePlatformAdmin), map[string]any{"amount": "30d", "reason": "培训"})
	if res.status != 409 || !strings.Contains(string(res.body), "not-training") {
		t.Errorf("advance on the real clock: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != events {
		t.Errorf("a refused advance wrote %d events", n-events)
	}
}
