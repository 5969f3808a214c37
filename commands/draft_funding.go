package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
)

// DraftFunding starts a conference funding application (seed 002).
type DraftFunding struct {
	Application funding.Application `json:"application"`
}

// DraftFunding records a new application of the actor's institute: only
// an institute's administrator applies; the application is checked
// whole (R-FUND-01/02/04/07/08) and its files must be the actor's uploads.
// The id derives from the command id, so a retried command answers the
// draft it made.
func (a *App) DraftFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd DraftFunding) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	place, err := a.institutePlace(ctx, actor)
	if err != nil {
		return Result{}, err
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("funding"))
	return a.execute(ctx, actor, meta, "DraftFunding", FundingStream(id), id, func(l loaded) (decision, error) {
		f, err := fundings.fold(id, l)
		if err != nil {
			return decision{}, err
		}
		if err := f.Draft(actor, place, cmd.Application, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		if err := a.checkFundingFiles(ctx, actor, f.Application(), funding.Application{}); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(f.Pending()), policy: pol.Version}, nil
	})
}
