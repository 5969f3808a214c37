package commands_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/projections"
)

// plainStore hides every method an event store has beyond
// eventstore.Store, as a store without a multi-stream read (esdbstore)
// has none: the App then reads the streams one by one.
type plainStore struct{ eventstore.Store }

// TestDeclarationHistoryOneReadOrFour: a declaration's history read with
// pgstore's multi-stream read (one query for its four streams) is the
// history read stream by stream, whole and at a revision and a time, with
// events in the related streams and one (the summary) not there yet.
func TestDeclarationHistoryOneReadOrFour(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, inWindow)
	applicant := f.actor(t, domain.RoleApplicant)
	forecastID := f.submit(t, commands.Meta{})
	for _, step := range []func() (commands.Result, error){
		func() (commands.Result, error) {
			return f.app.ApproveAtUnit(ctx, f.actor(t, domain.RoleUnitAdmin), commands.Meta{}, commands.ApproveAtUnit{ForecastID: forecastID})
		},
		func() (commands.Result, error) {
			return f.app.ApproveAtSchool(ctx, f.actor(t, domain.RoleSchoolAdmin), commands.Meta{}, commands.ApproveAtSchool{ForecastID: forecastID})
		},
		func() (commands.Result, error) {
			return f.app.ApproveByAuthority(ctx, f.actor(t, domain.RoleAuthorityReviewer), commands.Meta{}, commands.ApproveByAuthority{ForecastID: forecastID})
		},
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	started, err := f.app.StartDeclaration(ctx, applicant, commands.Meta{}, commands.StartDeclaration{ForecastID: forecastID, NoticeAcknowledged: true})
	if err != nil {
		t.Fatal(err)
	}
	id := started.ID
	// Deadline facts, chained as the engine writes them, a minute apart.
	recorded := inWindow
	for range 3 {
		recorded = recorded.Add(time.Minute)
		stream := commands.DeadlineStream(id)
		prev, version := "", eventstore.Version(0)
		if evs := f.events(t, stream); len(evs) > 0 {
			last := evs[len(evs)-1]
			prev, version = eventstore.Hash(last), eventstore.Version(last.Number)
		}
		data, err := json.Marshal(deadline.ChangeWindowClosed{Passed: deadline.Passed{Ref: deadline.Ref{DeclarationID: id},
			DueDate: domain.DateOf(recorded), Today: domain.DateOf(recorded), At: recorded}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Append(ctx, stream, version, []eventstore.EventData{{ID: uuid.New(), Type: deadline.EventChangeWindowClosed, Data: data,
			Metadata: eventstore.Metadata{ActorID: deadline.Engine.UserID.String(), Role: string(deadline.Engine.Role), Command: "CheckDeadlines",
				CommandID: uuid.NewString(), RecordedAt: recorded, SchemaVersion: commands.SchemaVersion, PrevHash: prev,
				HashScheme: eventstore.CurrentHashScheme}}}); err != nil {
			t.Fatal(err)
		}
	}

	files, err := filestore.NewLocal(t.TempDir(), f.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	as := auth.NewStore(f.pool, f.clock.Now)
	plain, err := commands.New(commands.Deps{Store: plainStore{f.store}, Clock: f.clock, Credentials: as, Sessions: as,
		Files: files, Overdue: projections.NewQueries(f.pool)})
	if err != nil {
		t.Fatal(err)
	}
	auditor := f.actor(t, domain.RoleAuditor)
	between := inWindow.Add(90 * time.Second)
	for name, at := range map[string]commands.Point{"whole": {}, "revision 1": commands.AtRevision(1), "a time": {AsOf: &between}} {
		one, err := f.app.DeclarationHistoryAt(ctx, auditor, id, at)
		if err != nil {
			t.Fatalf("%s, one read: %v", name, err)
		}
		four, err := plain.DeclarationHistoryAt(ctx, auditor, id, at)
		if err != nil {
			t.Fatalf("%s, stream by stream: %v", name, err)
		}
		if !reflect.DeepEqual(one, four) {
			a, _ := json.Marshal(one)
			b, _ := json.Marshal(four)
			t.Errorf("%s: one read gives\n%s\nstream by stream\n%s", name, a, b)
		}
		if name == "whole" && (len(one.Entries) == 0 || len(one.Deadlines.Entries) != 3 || !one.Deadlines.ChainIntact || one.Summary.Version != 0) {
			t.Errorf("whole history: %d entries, %d deadline entries (chain intact %t), summary at %d; want some, 3 (true), 0",
				len(one.Entries), len(one.Deadlines.Entries), one.Deadlines.ChainIntact, one.Summary.Version)
		}
	}
	// An actor who may not read the declaration learns nothing either way.
	other := f.actor(t, domain.RoleApplicant)
	other.UserID = uuid.New()
	for _, app := range []*commands.App{f.app, plain} {
		if _, err := app.DeclarationHistory(ctx, other, id, nil); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("another applicant's read: %v, want not found", err)
		}
	}
}
