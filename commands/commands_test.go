package commands_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// sh is a wall-clock time in Asia/Shanghai (R-POL-02).
func sh(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Shanghai)
}

// inWindow is inside the default forecast window for plan year 2027.
var inWindow = sh(2026, time.September, 15, 10, 0)

type fixture struct {
	pool  *pgxpool.Pool
	store *pgstore.Store
	app   *commands.App
	clock *policy.FixedClock
	tree  demo.Tree
	files *filestore.Local // the app's uploads
}

// newFixture is a fresh database seeded with the demo tree and accounts,
// under the default policy, with the clock stopped at now.
func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(now)
	as := auth.NewStore(pool, clock.Now)
	app, files := newApp(t, pool, store, clock, as)
	tree, err := demo.Seed(context.Background(), app, func(domain.Role) string { return "violet kettle ninety 42" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{pool: pool, store: store, app: app, clock: clock, tree: tree, files: files}
}

// newApp builds the command layer as "econf serve" does: every
// collaborator real, the read models' tables in place (empty: no
// projection runs here, so no summary is ever overdue).
func newApp(t testing.TB, pool *pgxpool.Pool, store eventstore.Store, clock commands.Clock, as *auth.Store) (*commands.App, *filestore.Local) {
	t.Helper()
	runner, err := projections.NewRunner(pool, store, slog.New(slog.NewTextHandler(io.Discard, nil)), projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, err := filestore.NewLocal(t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(pool)})
	if err != nil {
		t.Fatal(err)
	}
	return app, files
}

func (f *fixture) resolve(t *testing.T, userID uuid.UUID) domain.Actor {
	t.Helper()
	a, err := f.app.ResolveActor(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (f *fixture) actor(t *testing.T, r domain.Role) domain.Actor {
	t.Helper()
	return f.resolve(t, f.tree.Account(r).UserID)
}

// events reads a whole stream; a missing stream is no events.
func (f *fixture) events(t *testing.T, stream string) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := f.store.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (f *fixture) forecastEvents(t *testing.T, id uuid.UUID) []eventstore.RecordedEvent {
	t.Helper()
	return f.events(t, commands.ForecastStream(id))
}

// submit files a valid forecast as the demo applicant.
func (f *fixture) submit(t *testing.T, meta commands.Meta) uuid.UUID {
	t.Helper()
	res, err := f.app.SubmitForecast(context.Background(), f.actor(t, domain.RoleApplicant), meta, commands.SubmitForecast{Details: details()})
	if err != nil {
		t.Fatalf("SubmitForecast: %v", err)
	}
	return res.ID
}

func details() forecast.Details {
	return forecast.Details{
		Applicant: forecast.Applicant{Name: "张明远", Title: "教授", Unit: "示范大学", Department: "计算机学院", Mobile: "13800000001", Email: "applicant@demo-univ.edu.cn"},
		NameZh:    "分布式系统国际研讨会", NameEn: "Workshop on Distributed Systems",
		StartDate: domain.Date{Year: 2027, Month: 5, Day: 10}, CommitmentDate: domain.Date{Year: 2027, Month: 1, Day: 15},
		Local: true, Province: "湖北省", Address: "武汉市示范路1号",
		Type: classify.NaturalScience, Scale: classify.General, ChineseCount: 100, ForeignCount: 40,
		Organisations: []forecast.Organisation{{Role: forecast.Host, NameZh: "示范大学", NameEn: "Demo University"}},
		FundingSource: "自筹",
	}
}

func types(evs []eventstore.RecordedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// fieldPaths lists "path rule" of a *domain.ValidationError, failing on any other error.
func fieldPaths(t *testing.T, err error) []string {
	t.Helper()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v; want a *domain.ValidationError", err)
	}
	var out []string
	for _, fe := range ve.Fields {
		out = append(out, fe.Path+" "+fe.Rule)
	}
	return out
}

// stateRule is the rule of a *domain.StateError, failing on any other error.
func stateRule(t *testing.T, err error) string {
	t.Helper()
	var se *domain.StateError
	if !errors.As(err, &se) || !errors.Is(err, domain.ErrWrongState) {
		t.Fatalf("error %v; want a *domain.StateError", err)
	}
	return se.Rule
}

// TestPolicyVersionRecorded_RPOL01: every decision records the policy
// version in force; a new version applies from its publication on, and only
// a platform admin may publish a new, valid version.
func TestPolicyVersionRecorded_RPOL01(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)
	unitAdmin := f.actor(t, domain.RoleUnitAdmin)
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	old := policy.Default().Version

	// Decisions under the default policy.
	before := f.submit(t, commands.Meta{})
	if _, err := f.app.ApproveAtUnit(ctx, unitAdmin, commands.Meta{}, commands.ApproveAtUnit{ForecastID: before}); err != nil {
		t.Fatal(err)
	}

	// In October the default window (September) is closed.
	f.clock.Set(sh(2026, time.October, 15, 10, 0))
	_, err := f.app.SubmitForecast(ctx, applicant, commands.Meta{}, commands.SubmitForecast{Details: details()})
	if rule := stateRule(t, err); rule != "R-FC-01" {
		t.Fatalf("late submission under the default policy: rule %s; want R-FC-01", rule)
	}

	// A new version extends the demo university's window to October 31.
	p := policy.Default()
	p.Version = "2026.2-late-window"
	p.WindowOverrides = []policy.WindowOverride{{
		UniversityID: f.tree.University, PlanYear: 2027,
		Open: domain.Date{Year: 2026, Month: 9, Day: 1}, Close: domain.Date{Year: 2026, Month: 10, Day: 31},
	}}
	res, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, p)
	if err != nil {
		t.Fatalf("PublishPolicy: %v", err)
	}
	if res.Version != 1 || res.Replayed {
		t.Errorf("publication result %+v; want version 1, not replayed", res)
	}
	cur, err := f.app.Policies().Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cur.Version != p.Version || len(cur.WindowOverrides) != 1 || cur.WindowOverrides[0].UniversityID != f.tree.University {
		t.Fatalf("policy in force %+v; want the published one", cur)
	}
	pub := f.events(t, commands.PolicyStream)
	if len(pub) != 1 || pub[0].Metadata.PolicyVersion != p.Version || pub[0].Metadata.ActorID != demo.System.UserID.String() ||
		pub[0].Metadata.Command != "PublishPolicy" {
		t.Fatalf("policy stream %+v; want one publication by the system actor under the new version", pub)
	}

	// The same submission is now inside the (overridden) window and records
	// the new version.
	after := f.submit(t, commands.Meta{})
	evs := f.forecastEvents(t, after)
	if len(evs) != 1 || evs[0].Metadata.PolicyVersion != p.Version {
		t.Fatalf("submission after publication recorded policy %q; want %q", evs[0].Metadata.PolicyVersion, p.Version)
	}
	// A decision on the older forecast now records the new version too,
	// while its earlier events keep the version they were decided under.
	if _, err := f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{}, commands.ApproveAtSchool{ForecastID: before}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.forecastEvents(t, before) {
		got = append(got, e.Metadata.PolicyVersion)
	}
	if want := []string{old, old, p.Version}; !slices.Equal(got, want) {
		t.Errorf("policy versions of the earlier forecast's events = %q; want %q", got, want)
	}

	// A version that already exists is refused on the field "version":
	// the one just published (also padded with spaces) and the built-in one.
	for _, v := range []string{p.Version, " " + p.Version + " ", old} {
		dup := p
		dup.Version = v
		_, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, dup)
		if paths := fieldPaths(t, err); !slices.Equal(paths, []string{"version R-POL-01"}) {
			t.Errorf("republishing %q: field errors %q; want [version R-POL-01]", v, paths)
		}
	}

	// Only platform admins publish.
	next := p
	next.Version = "2026.3"
	for _, r := range []domain.Role{domain.RoleApplicant, domain.RoleUnitAdmin, domain.RoleSchoolAdmin, domain.RoleAuthorityReviewer, domain.RoleAuditor, domain.RoleAnalyst} {
		if _, err := f.app.PublishPolicy(ctx, f.actor(t, r), commands.Meta{}, next); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("%s publishing: %v; want ErrForbidden", r, err)
		}
	}

	// An invalid policy is refused with every problem at once.
	bad := p
	bad.Version = "  "
	bad.DefaultWindow.Close = policy.MonthDay{Month: time.August, Day: 1}
	_, err = f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, bad)
	paths := fieldPaths(t, err)
	for _, want := range []string{"version R-POL-01", "forecastWindow.close R-POL-01"} {
		if !slices.Contains(paths, want) {
			t.Errorf("invalid policy: field errors %q; want %q among them", paths, want)
		}
	}
	if n := len(f.events(t, commands.PolicyStream)); n != 1 {
		t.Errorf("policy stream has %d events after refused publications; want 1", n)
	}

	// The platform admin account (not only the seeding actor) may publish.
	if _, err := f.app.PublishPolicy(ctx, f.actor(t, domain.RolePlatformAdmin), commands.Meta{}, next); err != nil {
		t.Errorf("platform admin publishing a new version: %v", err)
	}
	if cur, _ := f.app.Policies().Current(ctx); cur.Version != next.Version {
		t.Errorf("policy in force %q; want %q", cur.Version, next.Version)
	}
}

// TestClockDrivesDecisions_RPOL02: "now" is the fixed clock, read as a
// calendar date in Asia/Shanghai, whatever zone the instant is given in.
func TestClockDrivesDecisions_RPOL02(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)

	for _, c := range []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"last minute of September 30 in Shanghai", sh(2026, time.September, 30, 23, 59), true},
		{"same instant given in UTC", time.Date(2026, time.September, 30, 15, 59, 0, 0, time.UTC), true},
		{"midnight of October 1 in Shanghai", sh(2026, time.October, 1, 0, 0), false},
		{"UTC September 30 that is October 1 in Shanghai", time.Date(2026, time.September, 30, 16, 0, 0, 0, time.UTC), false},
		{"last minute of August 31 in Shanghai", sh(2026, time.August, 31, 23, 59), false},
		{"UTC August 31 that is September 1 in Shanghai", time.Date(2026, time.August, 31, 16, 0, 0, 0, time.UTC), true},
	} {
		f.clock.Set(c.now)
		cmd := uuid.New()
		res, err := f.app.SubmitForecast(ctx, applicant, commands.Meta{CommandID: cmd}, commands.SubmitForecast{Details: details()})
		if !c.ok {
			if err == nil {
				t.Errorf("%s: submission accepted; want R-FC-01", c.name)
				continue
			}
			if rule := stateRule(t, err); rule != "R-FC-01" {
				t.Errorf("%s: rule %s; want R-FC-01", c.name, rule)
			}
			if evs := f.forecastEvents(t, uuid.NewSHA1(cmd, []byte("forecast"))); len(evs) != 0 {
				t.Errorf("%s: refused submission wrote %d events", c.name, len(evs))
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v; want accepted", c.name, err)
			continue
		}
		evs := f.forecastEvents(t, res.ID)
		if len(evs) != 1 {
			t.Fatalf("%s: %d events", c.name, len(evs))
		}
		var sub forecast.Submitted
		if err := json.Unmarshal(evs[0].Data, &sub); err != nil {
			t.Fatal(err)
		}
		if sub.PlanYear != 2027 || !sub.At.Equal(c.now) || !evs[0].Metadata.RecordedAt.Equal(c.now) {
			t.Errorf("%s: plan year %d, at %s, recorded at %s; want 2027 and the clock's %s",
				c.name, sub.PlanYear, sub.At, evs[0].Metadata.RecordedAt, c.now)
		}
	}
}

// TestEventMetadata: every event carries who, in which role and
// organisation, by which command and invocation, when by the clock, under
// which schema and policy version, with an id derived from the command id.
func TestEventMetadata(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)
	unitAdmin := f.actor(t, domain.RoleUnitAdmin)

	cmd := uuid.New()
	res, err := f.app.SubmitForecast(ctx, applicant, commands.Meta{CommandID: cmd, CausationID: "cause-1"}, commands.SubmitForecast{Details: details()})
	if err != nil {
		t.Fatal(err)
	}
	approvedAt := f.clock.Advance(90 * time.Minute)
	if _, err := f.app.ApproveAtUnit(ctx, unitAdmin, commands.Meta{CorrelationID: "corr-42"}, commands.ApproveAtUnit{ForecastID: res.ID}); err != nil {
		t.Fatal(err)
	}
	evs := f.forecastEvents(t, res.ID)
	if len(evs) != 2 {
		t.Fatalf("stream has %d events; want 2", len(evs))
	}

	check := func(e eventstore.RecordedEvent, want eventstore.Metadata) {
		t.Helper()
		got := e.Metadata
		if !got.RecordedAt.Equal(want.RecordedAt) {
			t.Errorf("event %d recorded at %s; want the clock's %s", e.Number, got.RecordedAt, want.RecordedAt)
		}
		got.RecordedAt, want.RecordedAt = time.Time{}, time.Time{}
		if got != want {
			t.Errorf("event %d metadata\n got %+v\nwant %+v", e.Number, got, want)
		}
	}
	check(evs[0], eventstore.Metadata{
		ActorID: applicant.UserID.String(), Role: string(domain.RoleApplicant), OrgID: f.tree.Unit.String(),
		Command: "SubmitForecast", CommandID: cmd.String(), CorrelationID: cmd.String(), CausationID: "cause-1",
		RecordedAt: inWindow, PolicyVersion: policy.Default().Version, SchemaVersion: commands.SchemaVersion,
		HashScheme: eventstore.CurrentHashScheme,
	})
	if evs[0].ID != eventstore.EventID(cmd, 0) || evs[0].Type != forecast.EventSubmitted || evs[0].Number != 1 {
		t.Errorf("first event id %s type %s number %d; want EventID(cmd, 0), %s, 1", evs[0].ID, evs[0].Type, evs[0].Number, forecast.EventSubmitted)
	}

	// No command id given: a fresh one is made, and the event id still
	// derives from it; the correlation id given is kept.
	approveCmd, err := uuid.Parse(evs[1].Metadata.CommandID)
	if err != nil || approveCmd == uuid.Nil || approveCmd == cmd {
		t.Fatalf("approval command id %q; want a fresh uuid", evs[1].Metadata.CommandID)
	}
	check(evs[1], eventstore.Metadata{
		ActorID: unitAdmin.UserID.String(), Role: string(domain.RoleUnitAdmin), OrgID: f.tree.Unit.String(),
		Command: "ApproveAtUnit", CommandID: approveCmd.String(), CorrelationID: "corr-42",
		RecordedAt: approvedAt, PolicyVersion: policy.Default().Version, SchemaVersion: commands.SchemaVersion,
		PrevHash: eventstore.Hash(evs[0]), HashScheme: eventstore.CurrentHashScheme,
	})
	if evs[1].ID != eventstore.EventID(approveCmd, 0) {
		t.Errorf("approval event id %s; want EventID(command id, 0)", evs[1].ID)
	}

	// Every event in the store (the seeded organisations and accounts
	// included) has complete metadata, ids derived from its command id,
	// and the command id as its correlation id when none was given.
	// (Read stream by stream: ReadAll holds back events behind any open
	// transaction of the cluster, which parallel tests keep busy.)
	rows, err := f.pool.Query(ctx, `SELECT stream_id FROM events GROUP BY stream_id ORDER BY min(position)`)
	if err != nil {
		t.Fatal(err)
	}
	streams, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var all []eventstore.RecordedEvent
	for _, s := range streams {
		all = append(all, f.events(t, s)...)
	}
	if len(all) < 15 {
		t.Fatalf("only %d events in the store", len(all))
	}
	index := map[string]int{}
	for _, e := range all {
		m := e.Metadata
		id, err := uuid.Parse(m.CommandID)
		if err != nil {
			t.Errorf("%s#%d: command id %q: %v", e.StreamID, e.Number, m.CommandID, err)
			continue
		}
		if want := eventstore.EventID(id, index[m.CommandID]); e.ID != want {
			t.Errorf("%s#%d: id %s; want EventID(%s, %d) = %s", e.StreamID, e.Number, e.ID, id, index[m.CommandID], want)
		}
		index[m.CommandID]++
		if m.ActorID == "" || m.Role == "" || m.Command == "" || m.CorrelationID == "" || m.RecordedAt.IsZero() ||
			m.PolicyVersion == "" || m.SchemaVersion != commands.SchemaVersion {
			t.Errorf("%s#%d: incomplete metadata %+v", e.StreamID, e.Number, m)
		}
		if m.CorrelationID != m.CommandID && m.CorrelationID != "corr-42" {
			t.Errorf("%s#%d: correlation id %q; want the command id %s", e.StreamID, e.Number, m.CorrelationID, m.CommandID)
		}
	}
}

// TestIdempotentCommands: a command run again under the same command id
// writes nothing and answers with the first run's result.
func TestIdempotentCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)
	unitAdmin := f.actor(t, domain.RoleUnitAdmin)
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	reviewer := f.actor(t, domain.RoleAuthorityReviewer)
	forecasts := func() int {
		var n int
		if err := f.pool.QueryRow(ctx, `SELECT count(DISTINCT stream_id) FROM events WHERE stream_id LIKE 'forecast-%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	submit := commands.Meta{CommandID: uuid.New()}
	first, err := f.app.SubmitForecast(ctx, applicant, submit, commands.SubmitForecast{Details: details()})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.app.SubmitForecast(ctx, applicant, submit, commands.SubmitForecast{Details: details()})
	if err != nil {
		t.Fatalf("retried submission: %v", err)
	}
	if first.Replayed || !again.Replayed || again.ID != first.ID || again.Version != 1 || again.Position != first.Position {
		t.Errorf("submission %+v then %+v; want the same forecast at version 1, the second replayed", first, again)
	}
	if n := forecasts(); n != 1 {
		t.Errorf("%d forecasts after a retried submission; want 1", n)
	}
	// Without a command id every submission is new.
	f.submit(t, commands.Meta{})
	f.submit(t, commands.Meta{})
	if n := forecasts(); n != 3 {
		t.Errorf("%d forecasts after two fresh submissions; want 3", n)
	}

	id := first.ID
	approve := commands.Meta{CommandID: uuid.New()}
	r1, err := f.app.ApproveAtUnit(ctx, unitAdmin, approve, commands.ApproveAtUnit{ForecastID: id})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.app.ApproveAtUnit(ctx, unitAdmin, approve, commands.ApproveAtUnit{ForecastID: id})
	if err != nil {
		t.Fatalf("retried approval: %v", err)
	}
	if r1.Replayed || !r2.Replayed || r1.Version != 2 || r2.Version != 2 || r2.Position != r1.Position || r2.ID != id {
		t.Errorf("approval %+v then %+v; want version 2 twice, the second replayed", r1, r2)
	}
	if n := len(f.forecastEvents(t, id)); n != 2 {
		t.Fatalf("%d events after a retried approval; want 2", n)
	}

	// A late retry, after the forecast moved on, is still the first run's
	// answer, not a state error.
	if _, err := f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{}, commands.ApproveAtSchool{ForecastID: id}); err != nil {
		t.Fatal(err)
	}
	r3, err := f.app.ApproveAtUnit(ctx, unitAdmin, approve, commands.ApproveAtUnit{ForecastID: id})
	if err != nil || !r3.Replayed || r3.Version != 2 {
		t.Errorf("late retry: %+v, %v; want the replayed version 2", r3, err)
	}

	// A retry pinned to the version the first run expected is a replay,
	// not a wrong version.
	v := eventstore.Version(3)
	pinned := commands.Meta{CommandID: uuid.New(), Expected: &v}
	if _, err := f.app.ApproveByAuthority(ctx, reviewer, pinned, commands.ApproveByAuthority{ForecastID: id}); err != nil {
		t.Fatal(err)
	}
	r4, err := f.app.ApproveByAuthority(ctx, reviewer, pinned, commands.ApproveByAuthority{ForecastID: id})
	if err != nil || !r4.Replayed || r4.Version != 4 {
		t.Errorf("retry with If-Match: %+v, %v; want the replayed version 4", r4, err)
	}
	if got, want := types(f.forecastEvents(t, id)), []string{forecast.EventSubmitted, forecast.EventApprovedAtUnit,
		forecast.EventApprovedAtSchool, forecast.EventApprovedByAuthority}; !slices.Equal(got, want) {
		t.Errorf("stream %q; want %q", got, want)
	}

	// Publishing a policy again under the same command id is a replay, not
	// a "version exists" refusal.
	p := policy.Default()
	p.Version = "2026.9"
	pub := commands.Meta{CommandID: uuid.New()}
	if _, err := f.app.PublishPolicy(ctx, demo.System, pub, p); err != nil {
		t.Fatal(err)
	}
	if res, err := f.app.PublishPolicy(ctx, demo.System, pub, p); err != nil || !res.Replayed || res.Version != 1 {
		t.Errorf("retried publication: %+v, %v; want the replayed version 1", res, err)
	}
}

// TestConcurrentDecisions: reviewers racing on one forecast make exactly one
// decision; the losers get the state error of the fresh stream, never a
// wrong version. A client pinning a stale version gets ErrWrongVersion.
func TestConcurrentDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	// A second unit admin of the same unit, so two people race.
	second := "unit-admin-2@" + demo.Domain
	res, err := f.app.CreateUser(ctx, demo.System, commands.Meta{}, commands.CreateUser{
		Email: second, Name: "钱二", Role: domain.RoleUnitAdmin, OrgID: f.tree.Unit, Mobile: "13800000002", Password: demo.Password(),
	})
	if err != nil {
		t.Fatal(err)
	}
	reviewers := []domain.Actor{f.actor(t, domain.RoleUnitAdmin), f.resolve(t, res.ID)}

	const racers = 8
	var id uuid.UUID
	for round := range 3 {
		id = f.submit(t, commands.Meta{})
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.app.ApproveAtUnit(ctx, reviewers[i%2], commands.Meta{}, commands.ApproveAtUnit{ForecastID: id})
			}()
		}
		close(start)
		wg.Wait()
		ok := 0
		for i, err := range errs {
			var se *domain.StateError
			switch {
			case err == nil:
				ok++
			case errors.Is(err, eventstore.ErrWrongVersion):
				t.Errorf("round %d racer %d: wrong version leaked: %v", round, i, err)
			case !errors.As(err, &se) || se.Rule != "R-FC-05":
				t.Errorf("round %d racer %d: %v; want an R-FC-05 *domain.StateError", round, i, err)
			}
		}
		if ok != 1 {
			t.Errorf("round %d: %d approvals succeeded; want exactly 1", round, ok)
		}
		if got, want := types(f.forecastEvents(t, id)), []string{forecast.EventSubmitted, forecast.EventApprovedAtUnit}; !slices.Equal(got, want) {
			t.Errorf("round %d: stream %q; want %q", round, got, want)
		}
	}

	// A stale If-Match is refused before anything is decided or written.
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	stale := eventstore.Version(1)
	_, err = f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{Expected: &stale}, commands.ApproveAtSchool{ForecastID: id})
	if !errors.Is(err, eventstore.ErrWrongVersion) {
		t.Fatalf("approval pinned to stale version 1: %v; want ErrWrongVersion", err)
	}
	if n := len(f.forecastEvents(t, id)); n != 2 {
		t.Errorf("stale approval left %d events; want 2", n)
	}
	current := eventstore.Version(2)
	if res, err := f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{Expected: &current}, commands.ApproveAtSchool{ForecastID: id}); err != nil || res.Version != 3 {
		t.Errorf("approval pinned to the current version: %+v, %v; want version 3", res, err)
	}
}

// TestTamperEvidence: the history tells whether every event names its
// predecessor's hash. A rewritten event k keeps naming k-1's true hash, so
// VerifyChain first fails at k+1, whose PrevHash is k's original hash.
func TestTamperEvidence(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	unitAdmin := f.actor(t, domain.RoleUnitAdmin)
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	reviewer := f.actor(t, domain.RoleAuthorityReviewer)
	auditor := f.actor(t, domain.RoleAuditor)

	approved := func() uuid.UUID {
		id := f.submit(t, commands.Meta{})
		f.clock.Advance(time.Hour)
		if _, err := f.app.ApproveAtUnit(ctx, unitAdmin, commands.Meta{}, commands.ApproveAtUnit{ForecastID: id, Comment: "符合要求"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{}, commands.ApproveAtSchool{ForecastID: id}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.ApproveByAuthority(ctx, reviewer, commands.Meta{}, commands.ApproveByAuthority{ForecastID: id}); err != nil {
			t.Fatal(err)
		}
		return id
	}

	id := approved()
	h, err := f.app.ForecastHistory(ctx, auditor, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !h.ChainIntact || h.BrokenAt != 0 || h.Version != 4 || h.Status != forecast.StatusApproved || len(h.Entries) != 4 {
		t.Fatalf("history: intact %v broken at %d version %d status %s, %d entries; want an intact chain of 4 ending approved",
			h.ChainIntact, h.BrokenAt, h.Version, h.Status, len(h.Entries))
	}
	if c, err := f.app.Forecast(ctx, auditor, id); err != nil || c.Version != h.Version || c.Status != h.Status || !reflect.DeepEqual(c.Details, h.Details) {
		t.Fatalf("current read %+v, %v; want the history's version %d, status %s and details", c, err, h.Version, h.Status)
	}
	evs := f.forecastEvents(t, id)
	for i, e := range h.Entries {
		if e.Hash != eventstore.Hash(evs[i]) {
			t.Errorf("entry %d hash %s; want Hash of the stored event", e.Number, e.Hash)
		}
		if i+1 < len(evs) && evs[i+1].Metadata.PrevHash != e.Hash {
			t.Errorf("event %d does not name event %d's hash", i+2, e.Number)
		}
	}
	if e := h.Entries[1]; e.Comment != "符合要求" || e.StatusBefore != string(forecast.StatusSubmitted) || e.StatusAfter != string(forecast.StatusUnitApproved) {
		t.Errorf("entry 2: %+v", e)
	}

	// Rewrite the unit's comment in event 2 behind the application's back.
	var data map[string]any
	if err := json.Unmarshal(evs[1].Data, &data); err != nil {
		t.Fatal(err)
	}
	data["comment"] = "伪造的意见"
	forged, _ := json.Marshal(data)
	tag, err := f.pool.Exec(ctx, `UPDATE events SET data = $1::json WHERE stream_id = $2 AND number = 2`, string(forged), commands.ForecastStream(id))
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("rewrite: %v, %d rows", err, tag.RowsAffected())
	}
	h, err = f.app.ForecastHistory(ctx, auditor, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if h.ChainIntact || h.BrokenAt != 3 {
		t.Errorf("after rewriting event 2: intact %v, broken at %d; want false, 3", h.ChainIntact, h.BrokenAt)
	}
	if h.Entries[1].Comment != "伪造的意见" {
		t.Errorf("history shows comment %q; want the rewritten one (flagged by the broken chain)", h.Entries[1].Comment)
	}
	if got := eventstore.VerifyChain(f.forecastEvents(t, id)); got != 3 {
		t.Errorf("VerifyChain = %d; want 3", got)
	}
	// Nothing more is appended to a tampered stream: the next command would
	// otherwise link its hash to the forgery.
	before := len(f.forecastEvents(t, id))
	_, err = f.app.RejectForecast(ctx, f.actor(t, domain.RoleAuthorityReviewer), commands.Meta{}, commands.RejectForecast{ForecastID: id, Reason: "x"})
	if !errors.Is(err, commands.ErrTampered) || len(f.forecastEvents(t, id)) != before {
		t.Errorf("command on a tampered stream: %v, %d new events; want ErrTampered and none", err, len(f.forecastEvents(t, id))-before)
	}

	// The same holds for the first event, and for metadata: a rewritten
	// event k is reported at k+1.
	for _, c := range []struct {
		number uint64
		sql    string
	}{
		{1, `UPDATE events SET data = jsonb_set(data::jsonb, '{details,foreignCount}', '10')::json WHERE stream_id = $1 AND number = $2`},
		{3, `UPDATE events SET metadata = jsonb_set(metadata::jsonb, '{actorId}', to_jsonb(gen_random_uuid()::text))::json WHERE stream_id = $1 AND number = $2`},
	} {
		id := approved()
		if _, err := f.pool.Exec(ctx, c.sql, commands.ForecastStream(id), int64(c.number)); err != nil {
			t.Fatal(err)
		}
		h, err := f.app.ForecastHistory(ctx, auditor, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if h.ChainIntact || h.BrokenAt != c.number+1 {
			t.Errorf("after rewriting event %d: intact %v, broken at %d; want false, %d", c.number, h.ChainIntact, h.BrokenAt, c.number+1)
		}
	}
}

// TestScope_RACT02: outside their scope a reviewer cannot tell the forecast
// exists; inside it, the wrong role is forbidden; refusals write nothing.
func TestScope_RACT02(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)
	otherAdmin := f.resolve(t, f.tree.OtherUnitAd.UserID)
	otherApplicant := f.resolve(t, f.tree.OtherApp.UserID)
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	reviewer := f.actor(t, domain.RoleAuthorityReviewer)
	id := f.submit(t, commands.Meta{})

	approve := func(a domain.Actor, id uuid.UUID) error {
		_, err := f.app.ApproveAtUnit(ctx, a, commands.Meta{}, commands.ApproveAtUnit{ForecastID: id})
		return err
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"another unit's admin approving", approve(otherAdmin, id), domain.ErrNotFound},
		{"another unit's admin rejecting", func() error {
			_, err := f.app.RejectForecast(ctx, otherAdmin, commands.Meta{}, commands.RejectForecast{ForecastID: id, Reason: "不符合"})
			return err
		}(), domain.ErrNotFound},
		{"reviewer before the forecast reached the authority", approve(reviewer, id), domain.ErrNotFound},
		{"unit admin approving a forecast that does not exist", approve(f.actor(t, domain.RoleUnitAdmin), uuid.New()), domain.ErrNotFound},
		{"applicant approving their own forecast", approve(applicant, id), domain.ErrForbidden},
		{"school admin approving at the unit's level", approve(schoolAdmin, id), domain.ErrForbidden},
		{"another applicant withdrawing", func() error {
			_, err := f.app.WithdrawForecast(ctx, otherApplicant, commands.Meta{}, commands.WithdrawForecast{ForecastID: id})
			return err
		}(), domain.ErrNotFound},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v; want %v", c.name, c.err, c.want)
		}
		if c.want == domain.ErrNotFound && errors.Is(c.err, domain.ErrForbidden) {
			t.Errorf("%s: answered forbidden, revealing the forecast exists", c.name)
		}
	}
	if n := len(f.forecastEvents(t, id)); n != 1 {
		t.Errorf("refused commands left %d events; want 1", n)
	}

	history := func(a domain.Actor) error {
		_, err := f.app.ForecastHistory(ctx, a, id, nil)
		_, cerr := f.app.Forecast(ctx, a, id) // what GET answers
		if (err == nil) != (cerr == nil) {
			t.Errorf("%s: history %v but current read %v", a.Role, err, cerr)
		}
		return errors.Join(err, cerr)
	}
	for _, a := range []domain.Actor{otherAdmin, otherApplicant, reviewer} {
		if err := history(a); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("history for %s of %s: %v; want ErrNotFound", a.Role, a.OrgID, err)
		}
	}
	for _, r := range []domain.Role{domain.RoleAuditor, domain.RoleAnalyst, domain.RoleApplicant, domain.RoleUnitAdmin, domain.RoleSchoolAdmin} {
		if err := history(f.actor(t, r)); err != nil {
			t.Errorf("history for %s: %v", r, err)
		}
	}

	// Once the school passes it, the authority sees it.
	if err := approve(f.actor(t, domain.RoleUnitAdmin), id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{}, commands.ApproveAtSchool{ForecastID: id}); err != nil {
		t.Fatal(err)
	}
	if err := history(reviewer); err != nil {
		t.Errorf("history for the authority after school approval: %v", err)
	}
}

// TestResolveActor: the actor carries its place in the tree; an account
// that may not sign in resolves to ErrForbidden.
func TestResolveActor(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)

	for _, c := range []struct {
		role                 domain.Role
		org, univ, authority uuid.UUID
	}{
		{domain.RoleUnitAdmin, f.tree.Unit, f.tree.University, f.tree.Authority},
		{domain.RoleApplicant, f.tree.Unit, f.tree.University, f.tree.Authority},
		{domain.RoleSchoolAdmin, f.tree.University, f.tree.University, f.tree.Authority},
		{domain.RoleAuthorityReviewer, f.tree.Authority, uuid.Nil, f.tree.Authority},
	} {
		acc := f.tree.Account(c.role)
		a, err := f.app.ResolveActor(ctx, acc.UserID)
		if err != nil {
			t.Fatalf("%s: %v", c.role, err)
		}
		want := domain.Actor{UserID: acc.UserID, Name: a.Name, Role: c.role, OrgID: c.org, University: c.univ, Authority: c.authority}
		if a != want || a.Name == "" {
			t.Errorf("%s resolved to %+v; want %+v", c.role, a, want)
		}
	}
	if a := f.actor(t, domain.RoleUnitAdmin); a.Name != "李静怡" {
		t.Errorf("unit admin's name %q; want 李静怡", a.Name)
	}

	if _, err := f.app.ResolveActor(ctx, uuid.New()); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("unknown account: %v; want ErrForbidden", err)
	}

	// Only a platform admin changes accounts.
	off, on := false, true
	target := f.tree.Account(domain.RoleUnitAdmin).UserID
	if _, err := f.app.UpdateUser(ctx, f.actor(t, domain.RoleSchoolAdmin), commands.Meta{}, commands.UpdateUser{UserID: target, Active: &off}); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("school admin deactivating: %v; want ErrForbidden", err)
	}
	if _, err := f.app.UpdateUser(ctx, demo.System, commands.Meta{}, commands.UpdateUser{UserID: target, Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.ResolveActor(ctx, target); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("deactivated account: %v; want ErrForbidden", err)
	}
	if _, err := f.app.UpdateUser(ctx, demo.System, commands.Meta{}, commands.UpdateUser{UserID: target, Active: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.ResolveActor(ctx, target); err != nil {
		t.Errorf("reactivated account: %v", err)
	}
}

// TestConcurrentRevisionsAllLand: commands that all stay valid while they
// race (eight revisions by the applicant) all succeed: a lost race is
// decided again on the fresh stream, not reported as a wrong version.
func TestConcurrentRevisionsAllLand(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sh(2026, 9, 10, 10, 0))
	ctx := context.Background()
	id := f.submit(t, commands.Meta{})
	app := f.actor(t, domain.RoleApplicant)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.app.ReviseForecast(ctx, app, commands.Meta{}, commands.ReviseForecast{ForecastID: id, Details: details()})
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("revision: %v", err)
		}
	}
	if n := len(f.forecastEvents(t, id)); n != 9 {
		t.Errorf("events: %d; want 9", n)
	}
}

// TestPolicyVersionTrimmed_RPOL01: a version differing only by spaces is
// the same version.
func TestPolicyVersionTrimmed_RPOL01(t *testing.T) {
	t.Parallel()
	f := newFixture(t, sh(2026, 9, 10, 10, 0))
	ctx := context.Background()
	p := policy.Default()
	p.Version = " 2026.3 "
	if _, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, p); err != nil {
		t.Fatal(err)
	}
	cur, err := f.app.Policies().Current(ctx)
	if err != nil || cur.Version != "2026.3" {
		t.Fatalf("current version %q (%v); want 2026.3", cur.Version, err)
	}
	p.Version = "2026.3"
	if _, err := f.app.PublishPolicy(ctx, demo.System, commands.Meta{}, p); !slices.Contains(fieldPaths(t, err), "version R-POL-01") {
		t.Errorf("republishing 2026.3: %v; want a field error on version", err)
	}
}

// TestNewRefusesAMissingCollaborator: every collaborator is required, so a
// forgotten one stops the app at construction instead of switching a rule
// off (without the overdue summaries no declaration was ever blocked,
// R-SUM-02).
func TestNewRefusesAMissingCollaborator(t *testing.T) {
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	files, err := filestore.NewLocal(t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	full := commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(pool)}
	if _, err := commands.New(full); err != nil {
		t.Fatalf("all collaborators given: %v", err)
	}
	for name, drop := range map[string]func(*commands.Deps){
		"Store":       func(d *commands.Deps) { d.Store = nil },
		"Clock":       func(d *commands.Deps) { d.Clock = nil },
		"Credentials": func(d *commands.Deps) { d.Credentials = nil },
		"Sessions":    func(d *commands.Deps) { d.Sessions = nil },
		"Files":       func(d *commands.Deps) { d.Files = nil },
		"Overdue":     func(d *commands.Deps) { d.Overdue = nil },
	} {
		d := full
		drop(&d)
		app, err := commands.New(d)
		if !errors.Is(err, commands.ErrMissingDependency) || app != nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: app %v, error %v; want ErrMissingDependency naming it", name, app, err)
		}
	}
}
