package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// ApproveAtUnit is the unit's first screening (单位初审, R-FC-05).
type ApproveAtUnit struct {
	ForecastID uuid.UUID
	Comment    string
}

// ApproveAtUnit passes a submitted forecast of the actor's unit.
func (a *App) ApproveAtUnit(ctx context.Context, actor domain.Actor, meta Meta, cmd ApproveAtUnit) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveAtUnit", forecasts, cmd.ForecastID, procedure.Approve, procedure.Unit, cmd.Comment)
}
