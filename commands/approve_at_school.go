package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// ApproveAtSchool is the international office's final screening (单位终审, R-FC-05).
type ApproveAtSchool struct {
	ForecastID uuid.UUID
	Comment    string
}

// ApproveAtSchool passes a unit-approved forecast of the actor's university.
func (a *App) ApproveAtSchool(ctx context.Context, actor domain.Actor, meta Meta, cmd ApproveAtSchool) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveAtSchool", forecasts, cmd.ForecastID, procedure.Approve, procedure.School, cmd.Comment)
}
