package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

// GrantFunding is the bureau's grant of an application, in fen, with an
// optional comment.
type GrantFunding struct {
	FundingID uuid.UUID `json:"-"`
	AmountFen int64     `json:"amountFen"`
	Comment   string    `json:"comment"`
}

// GrantFunding records the grant by the bureau's reviewer (the scope
// model's review of KindFunding): no more than requested (R-FUND-05), no
// more than the category's cap under the policy in force (R-FUND-04), not
// once the call's plan is decided: the grant claims the plan first, at its
// stream's expected version (claimPlan, R-FUND-05).
func (a *App) GrantFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd GrantFunding) (Result, error) {
	meta = withCommandID(meta)
	return onRecord(ctx, a, actor, meta, "GrantFunding", fundings, cmd.FundingID, toReview, func(f *funding.Funding, p policy.Policy) error {
		if err := (textField{"comment", cmd.Comment}).check(p); err != nil {
			return err
		}
		if err := f.Grant(actor, cmd.AmountFen, cmd.Comment, p, a.clock.Now()); err != nil {
			return err
		}
		return a.claimPlan(ctx, actor, meta, f, "grant")
	})
}
