package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

// The public notice of a unit's recommendation list (公示, R-NOM-04): its
// events are the nomination file's; the working days are counted on the
// policy's calendar (workCalendar).

// PublishNominationNotice puts a unit's list on public notice.
type PublishNominationNotice struct {
	NominationID uuid.UUID `json:"-"`
	nomination.PublishNotice
}

// PublishNominationNotice records the publication: the unit's contact,
// from today or later, at least five working days (R-NOM-04).
func (a *App) PublishNominationNotice(ctx context.Context, actor domain.Actor, meta Meta, cmd PublishNominationNotice) (Result, error) {
	return onNomination(ctx, a, actor, meta, "PublishNominationNotice", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.PublishNotice(actor, cmd.PublishNotice, p.WorkCalendar, a.clock.Now())
	})
}

// RecordNominationObjection is an objection raised during the notice.
type RecordNominationObjection struct {
	NominationID uuid.UUID   `json:"-"`
	RaisedOn     domain.Date `json:"raisedOn"`
	Objector     string      `json:"objector"`
	Content      string      `json:"content" text:"multiline"`
}

// RecordedObjection answers a recorded objection with its id.
type RecordedObjection struct {
	Result
	ObjectionID uuid.UUID `json:"objectionId"`
}

// RecordNominationObjection records it (R-NOM-04): raised during the
// notice, by the unit's contact; its id derives from the command id, so a
// retry answers the same objection.
func (a *App) RecordNominationObjection(ctx context.Context, actor domain.Actor, meta Meta, cmd RecordNominationObjection) (RecordedObjection, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("objection"))
	res, err := onNomination(ctx, a, actor, meta, "RecordNominationObjection", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.RecordObjection(actor, id, cmd.RaisedOn, cmd.Objector, cmd.Content, p.WorkCalendar, a.clock.Now())
	})
	if err != nil {
		return RecordedObjection{}, err
	}
	return RecordedObjection{Result: res, ObjectionID: id}, nil
}

// HandleNominationObjection is the unit's handling of an objection.
type HandleNominationObjection struct {
	NominationID uuid.UUID `json:"-"`
	ObjectionID  uuid.UUID `json:"-"`
	// Outcome is "upheld" or "dismissed".
	Outcome  string `json:"outcome"`
	Handling string `json:"handling" text:"multiline"`
}

// HandleNominationObjection records the handling, once (R-NOM-04).
func (a *App) HandleNominationObjection(ctx context.Context, actor domain.Actor, meta Meta, cmd HandleNominationObjection) (Result, error) {
	return onNomination(ctx, a, actor, meta, "HandleNominationObjection", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, _ policy.Policy) error {
		return f.HandleObjection(actor, cmd.ObjectionID, cmd.Outcome, cmd.Handling, a.clock.Now())
	})
}

// NominationNotice is a file's notice as of today on the calendar in
// force, for whoever may read the file.
func (a *App) NominationNotice(ctx context.Context, actor domain.Actor, id uuid.UUID) (nomination.NoticeState, error) {
	l, err := a.load(ctx, NominationStream(id))
	if err != nil {
		return nomination.NoticeState{}, err
	}
	f, err := nominationFiles.fold(id, l)
	if err != nil {
		return nomination.NoticeState{}, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindNomination, domain.Read, f.Scope()) {
		return nomination.NoticeState{}, fmt.Errorf("nomination file %s: %w", id, domain.ErrNotFound)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return nomination.NoticeState{}, err
	}
	return f.NoticeState(pol.WorkCalendar, domain.DateOf(a.clock.Now()))
}
