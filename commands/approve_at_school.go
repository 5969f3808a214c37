package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
)

// ApproveAtSchool is the international office's final screening (单位终审, R-FC-05).
type ApproveAtSchool struct {
	ForecastID uuid.UUID
	Comment    string
}

// ApproveAtSchool passes a unit-approved forecast of the actor's university.
func (a *App) ApproveAtSchool(ctx context.Context, actor domain.Actor, meta Meta, cmd ApproveAtSchool) (Result, error) {
	return a.review(ctx, actor, meta, "ApproveAtSchool", cmd.ForecastID, textField{"comment", cmd.Comment}, func(f *forecast.Forecast) error {
		return f.ApproveAtSchool(actor, cmd.Comment, a.clock.Now())
	})
}
