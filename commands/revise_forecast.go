package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
)

// ReviseForecast replaces a forecast's details and resubmits it (R-FC-05/06).
type ReviseForecast struct {
	ForecastID uuid.UUID
	Details    forecast.Details
}

// ReviseForecast lets the applicant correct a submitted or rejected forecast.
func (a *App) ReviseForecast(ctx context.Context, actor domain.Actor, meta Meta, cmd ReviseForecast) (Result, error) {
	var warnings []domain.Warning
	res, err := onRecord(ctx, a, actor, meta, "ReviseForecast", forecasts, cmd.ForecastID, toRead, func(f *forecast.Forecast, p policy.Policy) error {
		err := f.Revise(actor, cmd.Details, p, a.clock.Now())
		warnings = f.Warnings()
		return err
	})
	if err == nil && !res.Replayed {
		res.Warnings = warnings
	}
	return a.withWarnings(ctx, cmd.ForecastID, res, err)
}
