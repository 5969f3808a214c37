package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

// SubmitFunding hands an application in to the bureau.
type SubmitFunding struct {
	FundingID uuid.UUID `json:"-"`
}

// SubmitFunding records the submission: the institute's administrator
// hands it in to the bureau's call for the conference's year while it is
// open (R-FUND-03), for an institute not barred (an overdue funded
// summary, R-FUND-06; a sanction, R-FUND-08), for a conference already
// approved (R-FUND-02).
func (a *App) SubmitFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitFunding) (Result, error) {
	return onRecord(ctx, a, actor, meta, "SubmitFunding", fundings, cmd.FundingID, toRead, func(f *funding.Funding, p policy.Policy) error {
		app := f.Application()
		why, whyZh, err := a.conferenceApproval(ctx, app)
		if err != nil {
			return err
		}
		year := app.Conference.OpeningDate.Year
		call, ok := p.Funding.Call(f.Place().Bureau, year)
		el, err := a.eligibility(ctx, f.Place().Institute, year, p)
		if err != nil {
			return err
		}
		return f.Submit(actor, funding.Facts{Call: call, HasCall: ok, Approval: why, ApprovalZh: whyZh, Bars: el.Bars}, p, a.clock.Now())
	})
}
