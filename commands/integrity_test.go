package commands_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// TestBrokenChainLocksUntilIncidentRecorded: a command on a record whose
// chain is broken is refused with the incident named and nothing written;
// only an auditor records the incident, only at the break as stored; then
// the record continues from its events as stored, and changing it again
// locks it anew.
func TestBrokenChainLocksUntilIncidentRecorded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	unitAdmin := f.actor(t, domain.RoleUnitAdmin)
	schoolAdmin := f.actor(t, domain.RoleSchoolAdmin)
	auditor := f.actor(t, domain.RoleAuditor)
	id := f.submit(t, commands.Meta{})
	if _, err := f.app.ApproveAtUnit(ctx, unitAdmin, commands.Meta{}, commands.ApproveAtUnit{ForecastID: id, Comment: "符合要求"}); err != nil {
		t.Fatal(err)
	}
	stream := commands.ForecastStream(id)
	tamper := func(number int, value string) {
		t.Helper()
		tag, err := f.pool.Exec(ctx, `UPDATE events SET data = jsonb_set(data::jsonb, '{tampered}', to_jsonb($3::text))::json WHERE stream_id = $1 AND number = $2`, stream, number, value)
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("tamper: %v", err)
		}
	}
	tamper(1, "a")

	approve := func() (commands.Result, error) {
		return f.app.ApproveAtSchool(ctx, schoolAdmin, commands.Meta{}, commands.ApproveAtSchool{ForecastID: id})
	}
	_, err := approve()
	c, ok := commands.AsChainBroken(err)
	if !ok || !errors.Is(err, commands.ErrTampered) || c.Stream != stream || c.Number != 2 || c.Incident != commands.IncidentID(stream, 2) {
		t.Fatalf("command on a broken chain: %v; want a ChainBrokenError at event 2 naming its incident", err)
	}
	if n := len(f.forecastEvents(t, id)); n != 2 {
		t.Fatalf("%d events after the refusal; want 2", n)
	}

	// Refusals write nothing.
	good := commands.RecordIncident{Stream: stream, BrokenAt: 2, Finding: "event 1 was changed in the database", Reason: "the applicant confirmed the stored details"}
	var ve *domain.ValidationError
	for _, bad := range []struct {
		actor domain.Actor
		cmd   commands.RecordIncident
		want  string
	}{
		{schoolAdmin, good, "forbidden"},
		{auditor, commands.RecordIncident{Stream: stream, BrokenAt: 1, Finding: "x", Reason: "y"}, "brokenAt"},
		{auditor, commands.RecordIncident{Stream: stream, BrokenAt: 2, Reason: "y"}, "finding"},
		{auditor, commands.RecordIncident{Stream: "forecast-nothing", BrokenAt: 2, Finding: "x", Reason: "y"}, "not found"},
	} {
		_, err := f.app.RecordIncident(ctx, bad.actor, commands.Meta{}, bad.cmd)
		switch bad.want {
		case "forbidden":
			ok = errors.Is(err, domain.ErrForbidden)
		case "not found":
			ok = errors.Is(err, domain.ErrNotFound)
		default:
			ok = errors.As(err, &ve) && len(ve.Fields) == 1 && ve.Fields[0].Path == bad.want
		}
		if !ok {
			t.Errorf("RecordIncident %+v: %v; want %s", bad.cmd, err, bad.want)
		}
	}
	if n := len(f.events(t, commands.IncidentStream(stream))); n != 0 {
		t.Fatalf("refused incidents wrote %d events", n)
	}

	res, err := f.app.RecordIncident(ctx, auditor, commands.Meta{}, good)
	if err != nil || res.ID != commands.IncidentID(stream, 2) {
		t.Fatalf("record incident: %+v, %v", res, err)
	}
	inc := f.events(t, commands.IncidentStream(stream))
	if len(inc) != 1 || inc[0].Type != "integrity.incident_recorded" || inc[0].Metadata.ActorID != auditor.UserID.String() {
		t.Fatalf("incident events %+v", inc)
	}
	if res, err := approve(); err != nil || res.Version != 3 {
		t.Fatalf("command after the incident was recorded: %+v, %v; want version 3", res, err)
	}
	h, err := f.app.ForecastHistory(ctx, auditor, id, nil)
	if err != nil || h.ChainIntact || h.BrokenAt != 2 {
		t.Errorf("history after the incident: intact %v broken at %d, %v; the break stays visible", h.ChainIntact, h.BrokenAt, err)
	}

	// Changing the accepted event again, or a later one, locks it anew.
	tamper(2, "b")
	_, err = f.app.RejectForecast(ctx, f.actor(t, domain.RoleAuthorityReviewer), commands.Meta{}, commands.RejectForecast{ForecastID: id, Reason: "不符合"})
	if c, ok := commands.AsChainBroken(err); !ok || c.Number != 3 {
		t.Fatalf("after a second change: %v; want a ChainBrokenError at event 3", err)
	}
	tamper(1, "c")
	if _, err := approve(); !errors.Is(err, commands.ErrTampered) {
		t.Errorf("after event 1 changed again: %v; want ErrTampered", err)
	}
}

// TestOldSchemeStreamContinues: a stream whose events were written before
// hash schemes were numbered verifies, and the next command links to its
// last event's hash computed the old way.
func TestOldSchemeStreamContinues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, inWindow)
	id := f.submit(t, commands.Meta{})
	stream := commands.ForecastStream(id)
	// Event 1 as the previous version wrote it: no hashScheme.
	if _, err := f.pool.Exec(ctx, `UPDATE events SET metadata = (metadata::jsonb - 'hashScheme')::json WHERE stream_id = $1`, stream); err != nil {
		t.Fatal(err)
	}
	if evs := f.forecastEvents(t, id); evs[0].Metadata.HashScheme != eventstore.HashMarshalled {
		t.Fatalf("event 1 scheme %d", evs[0].Metadata.HashScheme)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.app.ApproveAtUnit(ctx, f.actor(t, domain.RoleUnitAdmin), commands.Meta{}, commands.ApproveAtUnit{ForecastID: id}); err != nil {
		t.Fatal(err)
	}
	evs := f.forecastEvents(t, id)
	if n := eventstore.VerifyChain(evs); n != 0 || evs[1].Metadata.HashScheme != eventstore.CurrentHashScheme {
		t.Errorf("old event then current: broken at %d, scheme %d", n, evs[1].Metadata.HashScheme)
	}
}
