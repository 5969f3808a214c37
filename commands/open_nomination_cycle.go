package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
)

// OpenNominationCycle is the organiser's cycle (seed 003 一、三).
type OpenNominationCycle = nomination.CycleSpec

// OpenNominationCycle records a new cycle of the actor's association: only
// its staff (authority reviewers of an association) open one; the id
// derives from the command id, so a retry answers the cycle it opened.
func (a *App) OpenNominationCycle(ctx context.Context, actor domain.Actor, meta Meta, cmd OpenNominationCycle) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	assoc, err := a.isAssociation(ctx, actor)
	if err != nil {
		return Result{}, err
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("nomination-cycle"))
	return a.execute(ctx, actor, meta, "OpenNominationCycle", NominationCycleStream(id), id, func(l loaded) (decision, error) {
		c, err := foldCycle(id, l)
		if err != nil {
			return decision{}, err
		}
		if err := c.Open(actor, assoc, cmd, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(c.Pending()), policy: pol.Version}, nil
	})
}
