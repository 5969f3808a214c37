package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// RejectFunding is the bureau's refusal to fund, with its reason.
type RejectFunding struct {
	FundingID uuid.UUID
	Reason    string
}

// RejectFunding rejects a submitted application (R-FUND-05: a reason is
// required); the decision is final.
func (a *App) RejectFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd RejectFunding) (Result, error) {
	return a.reviewFunding(ctx, actor, meta, "RejectFunding", cmd.FundingID, procedure.Reject, cmd.Reason)
}
