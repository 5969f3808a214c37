package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

// WithdrawFunding takes a submitted application back.
type WithdrawFunding struct {
	FundingID uuid.UUID `json:"-"`
}

// WithdrawFunding records the withdrawal, allowed until the bureau
// decides; the institute may edit and submit it again while the call is
// open.
func (a *App) WithdrawFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd WithdrawFunding) (Result, error) {
	return onRecord(ctx, a, actor, meta, "WithdrawFunding", fundings, cmd.FundingID, toRead, func(f *funding.Funding, _ policy.Policy) error {
		return f.Withdraw(actor, a.clock.Now())
	})
}
