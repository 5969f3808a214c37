package httpapi_test

import (
	"encoding/json"
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
