package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// ApproveByAuthority puts a forecast into next year's plan (预报审核通过, R-FC-05).
type ApproveByAuthority struct {
	ForecastID uuid.UUID
	Comment    string
}

// ApproveByAuthority passes a school-approved forecast filed with the actor's authority.
func (a *App) ApproveByAuthority(ctx context.Context, actor domain.Actor, meta Meta, cmd ApproveByAuthority) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveByAuthority", forecasts, cmd.ForecastID, procedure.Approve, procedure.Authority, cmd.Comment)
}
