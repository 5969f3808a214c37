package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// NominationStream holds one recommending unit's nomination file for one
// cycle (seed 003).
func NominationStream(id uuid.UUID) string { return "nomination-" + id.String() }

var nominationFiles = kind[*nomination.File, nomination.Event]{"nomination file", domain.KindNomination, NominationStream, nomination.NewFile, nomination.Decode}

// onNomination runs decide on a unit's file with its cycle as it stands
// now, authorised by the file's scope (R-ACT-02).
func onNomination(ctx context.Context, a *App, actor domain.Actor, meta Meta, command string, id uuid.UUID,
	decide func(f *nomination.File, c *nomination.Cycle, p policy.Policy) error) (Result, error) {
	return onRecord(ctx, a, actor, meta, command, nominationFiles, id, toRead, func(f *nomination.File, p policy.Policy) error {
		c, _, err := a.readCycle(ctx, f.Cycle())
		if err != nil {
			return err
		}
		return decide(f, c, p)
	})
}

// StartNomination opens the actor's unit's file for a cycle.
type StartNomination struct {
	CycleID uuid.UUID `json:"cycleId"`
}

// StartNomination records the file of the actor's recommending unit for
// the cycle of its association; the id derives from the cycle and the
// unit, so starting again answers the same file.
func (a *App) StartNomination(ctx context.Context, actor domain.Actor, meta Meta, cmd StartNomination) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	k, err := a.kindOf(ctx, actor.OrgID)
	if err != nil {
		return Result{}, err
	}
	l, err := a.load(ctx, NominationCycleStream(cmd.CycleID))
	if err != nil {
		return Result{}, err
	}
	c, err := foldCycle(cmd.CycleID, l)
	if err != nil {
		return Result{}, err
	}
	id := nomination.FileID(cmd.CycleID, actor.OrgID)
	return a.execute(ctx, actor, meta, "StartNomination", NominationStream(id), id, func(l loaded) (decision, error) {
		f, err := nominationFiles.fold(id, l)
		if err != nil {
			return decision{}, err
		}
		if err := f.Start(actor, k, c, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(f.Pending()), policy: pol.Version}, nil
	})
}

// CurrentNomination is a unit's file as its stream says now, with its
// quota view (R-NOM-03).
type CurrentNomination struct {
	ID              uuid.UUID                   `json:"id"`
	Version         eventstore.Version          `json:"version"`
	Cycle           uuid.UUID                   `json:"cycleId"`
	Unit            uuid.UUID                   `json:"unitId"`
	UnitName        string                      `json:"unitName"`
	Status          nomination.Status           `json:"status"`
	Plan            []nomination.PlanEntry      `json:"plan"`
	Scheme          *nomination.Scheme          `json:"scheme,omitempty"`
	Recommendations []nomination.Recommendation `json:"recommendations"`
	Experts         []NominationExpert          `json:"experts"`
	Committee       []nomination.Member         `json:"committee"`
	Opinion         *nomination.Opinion         `json:"opinion,omitempty"`
	SignedList      *uuid.UUID                  `json:"signedListFileId,omitempty"`
	Quota           nomination.Quota            `json:"quota"`
	// Priority: the previous guide's resources were submitted with the list.
	Priority bool `json:"priority"`
	// PreviousResources: what was submitted (videos as links, the expert
	// summaries' and proceedings' uploads, read through this file).
	PreviousResources *nomination.Resources `json:"previousResources,omitempty"`
}

// NominationExpert is an invited expert with the conferences nominated.
type NominationExpert struct {
	nomination.Expert
	Nominations []nomination.Nominated `json:"nominations"`
}

// Nomination reads a unit's file the actor may see: the unit's contacts,
// the organiser's staff, auditors and analysts; another is not found.
func (a *App) Nomination(ctx context.Context, actor domain.Actor, id uuid.UUID) (CurrentNomination, error) {
	l, err := a.load(ctx, NominationStream(id))
	if err != nil {
		return CurrentNomination{}, err
	}
	f, err := nominationFiles.fold(id, l)
	if err != nil {
		return CurrentNomination{}, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindNomination, domain.Read, f.Scope()) {
		return CurrentNomination{}, fmt.Errorf("nomination file %s: %w", id, domain.ErrNotFound)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return CurrentNomination{}, err
	}
	unit, err := a.organisation(ctx, f.Unit())
	if err != nil {
		return CurrentNomination{}, err
	}
	out := CurrentNomination{ID: id, Version: l.version, Cycle: f.Cycle(), Unit: f.Unit(), UnitName: unit.NameZh(), Status: f.Status(),
		Plan: nonNilSlice(f.Plan()), Recommendations: nonNilSlice(f.List()), Committee: nonNilSlice(f.Committee()),
		Experts: []NominationExpert{}, Quota: f.Quota(pol), Priority: f.Priority(), PreviousResources: f.Previous()}
	if s, ok := f.Scheme(); ok {
		out.Scheme = &s
	}
	if o, ok := f.Opinion(); ok {
		out.Opinion = &o
	}
	if s := f.SignedList(); s != uuid.Nil {
		out.SignedList = &s
	}
	for _, e := range f.Experts() {
		out.Experts = append(out.Experts, NominationExpert{Expert: e, Nominations: nonNilSlice(f.Nominations(e.ID))})
	}
	return out, nil
}

// NominationRefersToFile reports whether the unit's file, which the actor
// may read, refers to the upload (a file is readable through a record
// that refers to it, R-ACT-02): the organiser downloads a unit's signed
// opinion form and signed list.
func (a *App) NominationRefersToFile(ctx context.Context, actor domain.Actor, id, file uuid.UUID) (bool, error) {
	l, err := a.load(ctx, NominationStream(id))
	if err != nil {
		return false, err
	}
	f, err := nominationFiles.fold(id, l)
	if err != nil {
		return false, err
	}
	return len(l.events) > 0 && domain.Allows(actor, domain.KindNomination, domain.Read, f.Scope()) && f.RefersTo(file), nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// A nomination file at a revision, for the approval log's "approved
// what?" and GET …/diff (commands/revision.go).
func init() {
	recordKinds["nomination"] = revisionKind{noun: "nomination file", access: domain.KindNomination, stream: NominationStream,
		path: func(id uuid.UUID) string { return "/api/v1/nominations/" + id.String() },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			f, err := nominationFiles.fold(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			scheme, _ := f.Scheme()
			return struct {
				Status          nomination.Status           `json:"status"`
				Plan            []nomination.PlanEntry      `json:"plan"`
				Scheme          nomination.Scheme           `json:"scheme"`
				Recommendations []nomination.Recommendation `json:"recommendations"`
				Committee       []nomination.Member         `json:"committee"`
				SignedList      uuid.UUID                   `json:"signedListFileId"`
			}{f.Status(), nonNilSlice(f.Plan()), scheme, nonNilSlice(f.List()), nonNilSlice(f.Committee()), f.SignedList()}, f.Scope(), nil
		}}
}
