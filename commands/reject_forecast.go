package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
)

// RejectForecast sends a forecast back to its applicant with a reason (审核驳回, R-FC-05).
type RejectForecast struct {
	ForecastID uuid.UUID
	Reason     string
}

// RejectForecast rejects the forecast at the level that holds it.
func (a *App) RejectForecast(ctx context.Context, actor domain.Actor, meta Meta, cmd RejectForecast) (Result, error) {
	return a.review(ctx, actor, meta, "RejectForecast", cmd.ForecastID, textField{"reason", cmd.Reason}, func(f *forecast.Forecast) error {
		return f.Reject(actor, cmd.Reason, a.clock.Now())
	})
}
