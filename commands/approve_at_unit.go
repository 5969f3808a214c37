package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
)

// ApproveAtUnit is the unit's first screening (单位初审, R-FC-05).
type ApproveAtUnit struct {
	ForecastID uuid.UUID
	Comment    string
}

// ApproveAtUnit passes a submitted forecast of the actor's unit.
func (a *App) ApproveAtUnit(ctx context.Context, actor domain.Actor, meta Meta, cmd ApproveAtUnit) (Result, error) {
	return a.review(ctx, actor, meta, "ApproveAtUnit", cmd.ForecastID, textField{"comment", cmd.Comment}, func(f *forecast.Forecast) error {
		return f.ApproveAtUnit(actor, cmd.Comment, a.clock.Now())
	})
}
