package commands

import (
	"context"
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
)

// PublishFundingCall is the bureau's yearly call for funding applications
// (征集通知, seed 002 第七条): for conferences opening next year, with the
// call's total budget in fen. Its dates come from the policy in force.
type PublishFundingCall struct {
	BudgetFen int64 `json:"budgetFen"`
}

// PublishFundingCall publishes the actor's bureau's call for conferences
// opening next year (R-FUND-03): only a reviewer of an academy's bureau,
// inside the publication window, once a year. The call is policy data
// (R-POL-01): a new policy version carries it, so every later decision's
// recorded version names the call it applied.
func (a *App) PublishFundingCall(ctx context.Context, actor domain.Actor, meta Meta, cmd PublishFundingCall) (Result, error) {
	if actor.Role != domain.RoleAuthorityReviewer {
		return Result{}, fmt.Errorf("publish funding call: role %s may not (R-FUND-03: the bureau publishes): %w", actor.Role, domain.ErrForbidden)
	}
	kind, err := a.kindOf(ctx, actor.OrgID)
	if err != nil {
		return Result{}, err
	}
	if kind != org.Bureau {
		return Result{}, fmt.Errorf("publish funding call: %s is not an academy's bureau (R-FUND-03): %w", actor.OrgID, domain.ErrForbidden)
	}
	today := domain.DateOf(a.clock.Now())
	return a.publishPolicy(ctx, actor, meta, "PublishFundingCall", func(current policy.Policy) (policy.Policy, error) {
		call, err := current.Funding.NewCall(actor.OrgID, today, cmd.BudgetFen)
		if err != nil {
			return policy.Policy{}, err
		}
		p := current
		p.Funding.Calls = append(append([]policy.FundingCall(nil), current.Funding.Calls...), call)
		p.Version = callVersion(current.Version, call)
		return p, nil
	})
}

// callVersion names the policy a call makes: the version it extends and
// the call, within the 50 characters a version may have (R-POL-01).
func callVersion(base string, c policy.FundingCall) string {
	suffix := fmt.Sprintf("+call-%d-%s", c.Year, c.Bureau.String()[:8])
	if r := []rune(base); len(r)+len(suffix) > 50 {
		base = string(r[:50-len(suffix)])
	}
	return base + suffix
}
