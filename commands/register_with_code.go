package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/internal/auth"
)

// RegisterWithCode is a new user registering with the invitation code of
// a recommending unit (seed 003 二(三)).
type RegisterWithCode struct {
	Code string `json:"code"`
	// UnitID is the unit the user chose, if any: the code must be its own.
	UnitID   uuid.UUID `json:"unitId,omitempty"`
	Email    string    `json:"email"`
	Name     string    `json:"name"`
	Mobile   string    `json:"mobile"`
	Password string    `json:"password"`
}

// RegisterWithCode checks the account (a strong password, an unused
// address) with the code (valid, unused, the unit's own, R-NOM-01), spends
// the code and creates the account as the unit's contact (a unit admin of
// it). Every step is idempotent by the command id, so a retry after a
// failure part-way finishes the job.
func (a *App) RegisterWithCode(ctx context.Context, meta Meta, cmd RegisterWithCode) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	email := account.NormalizeEmail(cmd.Email)
	userID := account.ID(email)
	userMeta := meta
	userMeta.CommandID = uuid.NewSHA1(meta.CommandID, []byte("account"))
	userMeta.Expected = nil

	var pr domain.Problems
	pr.Merge("", auth.CheckPassword("password", cmd.Password, cmd.Email, cmd.Name))
	l, err := a.load(ctx, UserStream(userID))
	if err != nil {
		return Result{}, err
	}
	if _, replay := l.replayOf(userMeta.CommandID); len(l.events) > 0 && !replay {
		pr.Add("email", "R-ACT-03", "an account with this email already exists", "该邮箱已注册")
	}
	nu := account.NewUser{Email: email, Name: cmd.Name, Mobile: cmd.Mobile}
	actor := domain.Actor{UserID: userID, Name: strings.TrimSpace(cmd.Name), Role: domain.RoleUnitAdmin}
	var entry nomination.Entry
	_, err = a.execute(ctx, actor, meta, "RegisterWithCode", InvitationCodeStream, nomination.RegistryID, func(l loaded) (decision, error) {
		r, err := foldRegistry(l)
		if err != nil {
			return decision{}, err
		}
		var checks domain.Problems
		checks.Merge("", pr.Err())
		if e, ok := r.ByCode(cmd.Code); ok && len(l.events) > 0 {
			nu.OrgID = e.Unit
			if err := account.New(userID).Invited(nu, e.Kind, pol); err != nil {
				if checks.Merge("", err); checks.Err() == nil {
					return decision{}, err
				}
			}
		}
		if entry, err = r.Use(cmd.Code, cmd.UnitID, userID, a.clock.Now()); err != nil {
			checks.Merge("", err)
		}
		if err := checks.Err(); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(r.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return Result{}, err
	}
	// On a replay the registry says whose the code is.
	r, err := a.readRegistry(ctx)
	if err != nil {
		return Result{}, err
	}
	entry, _ = r.ByCode(cmd.Code)
	if entry.Contact != userID {
		return Result{}, fmt.Errorf("register with code: the code admitted another contact: %w", domain.ErrConflict)
	}
	nu.OrgID, actor.OrgID = entry.Unit, entry.Unit
	out, err := a.execute(ctx, actor, userMeta, "RegisterWithCode", UserStream(userID), userID, func(l loaded) (decision, error) {
		u, err := foldUser(userID, l)
		if err != nil {
			return decision{}, err
		}
		if err := u.Invited(nu, entry.Kind, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return Result{}, err
	}
	return out, a.setPassword(ctx, userID, email, cmd.Password)
}
