package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
)

// EditNominationCycle replaces a cycle's spec.
type EditNominationCycle struct {
	CycleID uuid.UUID            `json:"-"`
	Spec    nomination.CycleSpec `json:"-"`
}

// EditNominationCycle records the organiser's change as a new edition of
// the cycle (versioned: the history keeps every edition).
func (a *App) EditNominationCycle(ctx context.Context, actor domain.Actor, meta Meta, cmd EditNominationCycle) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "EditNominationCycle", NominationCycleStream(cmd.CycleID), cmd.CycleID, func(l loaded) (decision, error) {
		c, err := foldCycle(cmd.CycleID, l)
		if err != nil {
			return decision{}, err
		}
		if err := c.Edit(actor, cmd.Spec, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(c.Pending()), policy: pol.Version}, nil
	})
}
