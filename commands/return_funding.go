package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// ReturnFunding sends an application back to its institute for revision,
// with its reason.
type ReturnFunding struct {
	FundingID uuid.UUID
	Reason    string
}

// ReturnFunding returns a submitted application (R-FUND-05: a reason is
// required); the institute edits it and submits it again.
func (a *App) ReturnFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd ReturnFunding) (Result, error) {
	return a.reviewFunding(ctx, actor, meta, "ReturnFunding", cmd.FundingID, procedure.Return, cmd.Reason)
}
