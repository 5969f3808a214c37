package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// DecideDeclaration is a decision on a declaration with its free text: a
// comment for approvals, the reason for rejections and withdrawals.
type DecideDeclaration struct {
	DeclarationID uuid.UUID
	Text          string
}

// ApproveDeclarationAtUnit is the unit's first review (单位初审通过).
func (a *App) ApproveDeclarationAtUnit(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveDeclarationAtUnit", declarations, cmd.DeclarationID, procedure.Approve, procedure.Unit, cmd.Text)
}

// ApproveDeclarationAtSchool is the international office's review, which
// files the request with the authority online or on paper (R-DECL-05).
func (a *App) ApproveDeclarationAtSchool(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveDeclarationAtSchool", declarations, cmd.DeclarationID, procedure.Approve, procedure.School, cmd.Text)
}

// ApproveDeclarationByAuthority is the authority's approval (获批).
func (a *App) ApproveDeclarationByAuthority(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveDeclarationByAuthority", declarations, cmd.DeclarationID, procedure.Approve, procedure.Authority, cmd.Text)
}

// RejectDeclaration rejects at the level that holds the declaration.
func (a *App) RejectDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return review(ctx, a, actor, meta, "RejectDeclaration", declarations, cmd.DeclarationID, procedure.Reject, "", cmd.Text)
}

// WithdrawDeclaration is the applicant taking the declaration back.
func (a *App) WithdrawDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return onRecord(ctx, a, actor, meta, "WithdrawDeclaration", declarations, cmd.DeclarationID, toRead, func(d *declaration.Declaration, p policy.Policy) error {
		if err := (textField{"reason", cmd.Text}).check(p); err != nil {
			return err
		}
		return d.Withdraw(actor, cmd.Text, a.clock.Now())
	})
}
