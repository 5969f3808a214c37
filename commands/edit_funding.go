package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/policy"
)

// EditFunding replaces an application while the institute holds it
// (draft, withdrawn, returned).
type EditFunding struct {
	FundingID   uuid.UUID           `json:"-"`
	Application funding.Application `json:"application"`
}

// EditFunding records the new application, checked whole.
func (a *App) EditFunding(ctx context.Context, actor domain.Actor, meta Meta, cmd EditFunding) (Result, error) {
	return onRecord(ctx, a, actor, meta, "EditFunding", fundings, cmd.FundingID, toRead, func(f *funding.Funding, p policy.Policy) error {
		stored := f.Application()
		if err := f.Edit(actor, cmd.Application, p, a.clock.Now()); err != nil {
			return err
		}
		return a.checkFundingFiles(ctx, actor, f.Application(), stored)
	})
}
