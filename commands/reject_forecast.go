package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// RejectForecast sends a forecast back to its applicant with a reason (审核驳回, R-FC-05).
type RejectForecast struct {
	ForecastID uuid.UUID
	Reason     string
}

// RejectForecast rejects the forecast at the level that holds it.
func (a *App) RejectForecast(ctx context.Context, actor domain.Actor, meta Meta, cmd RejectForecast) (Result, error) {
	return review(ctx, a, actor, meta, "RejectForecast", forecasts, cmd.ForecastID, procedure.Reject, "", cmd.Reason)
}
