package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
)

// SubmitForecast files a new forecast (R-FC-01..05).
type SubmitForecast struct {
	Details forecast.Details
}

// SubmitForecast records a new forecast for the applicant. The forecast's id
// is derived from the command id, so a retried submission finds its first
// run instead of filing a second forecast.
func (a *App) SubmitForecast(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitForecast) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("forecast"))
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	res, err := a.execute(ctx, actor, meta, "SubmitForecast", ForecastStream(id), id, func(l loaded) (decision, error) {
		if len(l.events) > 0 {
			return decision{}, fmt.Errorf("forecast %s: %w", id, domain.ErrConflict)
		}
		f := forecast.New(id)
		if err := f.Submit(actor, cmd.Details, pol, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(f.Pending()), policy: pol.Version, warnings: f.Warnings()}, nil
	})
	return a.withWarnings(ctx, id, res, err)
}
