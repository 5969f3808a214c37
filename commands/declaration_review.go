package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
)

// DecideDeclaration is a decision on a declaration with its free text: a
// comment for approvals, the reason for rejections and withdrawals.
type DecideDeclaration struct {
	DeclarationID uuid.UUID
	Text          string
}

// reviewDeclaration is onDeclaration for reviewers (R-ACT-02, R-DECL-16).
func (a *App) reviewDeclaration(ctx context.Context, actor domain.Actor, meta Meta, command string, cmd DecideDeclaration, path string,
	act func(d *declaration.Declaration) error) (Result, error) {
	return a.onDeclaration(ctx, actor, meta, command, cmd.DeclarationID, func(d *declaration.Declaration, p policy.Policy) error {
		if !domain.CanReview(actor, d.Scope()) {
			return fmt.Errorf("%s: %w", command, domain.ErrForbidden)
		}
		if err := (textField{path, cmd.Text}).check(p); err != nil {
			return err
		}
		return act(d)
	})
}

// ApproveDeclarationAtUnit is the unit's first review (单位初审通过).
func (a *App) ApproveDeclarationAtUnit(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return a.reviewDeclaration(ctx, actor, meta, "ApproveDeclarationAtUnit", cmd, "comment", func(d *declaration.Declaration) error {
		return d.ApproveAtUnit(actor, cmd.Text, a.clock.Now())
	})
}

// ApproveDeclarationAtSchool is the international office's review, which
// files the request with the authority online or on paper (R-DECL-05).
func (a *App) ApproveDeclarationAtSchool(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return a.reviewDeclaration(ctx, actor, meta, "ApproveDeclarationAtSchool", cmd, "comment", func(d *declaration.Declaration) error {
		return d.ApproveAtSchool(actor, cmd.Text, a.clock.Now())
	})
}

// ApproveDeclarationByAuthority is the authority's approval (获批).
func (a *App) ApproveDeclarationByAuthority(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return a.reviewDeclaration(ctx, actor, meta, "ApproveDeclarationByAuthority", cmd, "comment", func(d *declaration.Declaration) error {
		return d.ApproveByAuthority(actor, cmd.Text, a.clock.Now())
	})
}

// RejectDeclaration rejects at the level that holds the declaration.
func (a *App) RejectDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return a.reviewDeclaration(ctx, actor, meta, "RejectDeclaration", cmd, "reason", func(d *declaration.Declaration) error {
		return d.Reject(actor, cmd.Text, a.clock.Now())
	})
}

// WithdrawDeclaration is the applicant taking the declaration back.
func (a *App) WithdrawDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideDeclaration) (Result, error) {
	return a.onDeclaration(ctx, actor, meta, "WithdrawDeclaration", cmd.DeclarationID, func(d *declaration.Declaration, p policy.Policy) error {
		if err := (textField{"reason", cmd.Text}).check(p); err != nil {
			return err
		}
		return d.Withdraw(actor, cmd.Text, a.clock.Now())
	})
}
