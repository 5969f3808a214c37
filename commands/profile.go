package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
)

// UpdateProfile replaces an account's profile: name, mobile, office phone,
// title and remarks (R-ACT-03).
type UpdateProfile struct {
	UserID uuid.UUID `json:"-"`
	account.Profile
}

// UpdateProfile records the new profile; the user themself or a platform
// admin may. Another user's account is answered as not found.
func (a *App) UpdateProfile(ctx context.Context, actor domain.Actor, meta Meta, cmd UpdateProfile) (Result, error) {
	if actor.UserID != cmd.UserID && actor.Role != domain.RolePlatformAdmin {
		return Result{}, fmt.Errorf("account %s: %w", cmd.UserID, domain.ErrNotFound)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "UpdateProfile", UserStream(cmd.UserID), cmd.UserID, func(l loaded) (decision, error) {
		u, err := foldUser(cmd.UserID, l)
		if err != nil {
			return decision{}, err
		}
		if !u.Exists() {
			return decision{}, fmt.Errorf("account %s: %w", cmd.UserID, domain.ErrNotFound)
		}
		if err := u.UpdateProfile(actor, cmd.Profile, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
}

// ProfileView is an account's profile as it stands, with its version.
type ProfileView struct {
	Version int64 `json:"version"`
	account.Profile
}

// Profile reads an account's profile from its stream (R-ACT-03): the user
// themself or a platform admin, as for UpdateProfile; another user's
// account is answered as not found.
func (a *App) Profile(ctx context.Context, actor domain.Actor, id uuid.UUID) (ProfileView, error) {
	if actor.UserID != id && actor.Role != domain.RolePlatformAdmin {
		return ProfileView{}, fmt.Errorf("account %s: %w", id, domain.ErrNotFound)
	}
	l, err := a.load(ctx, UserStream(id))
	if err != nil {
		return ProfileView{}, err
	}
	u, err := foldUser(id, l)
	if err != nil {
		return ProfileView{}, err
	}
	if !u.Exists() {
		return ProfileView{}, fmt.Errorf("account %s: %w", id, domain.ErrNotFound)
	}
	return ProfileView{Version: int64(l.version), Profile: u.Profile()}, nil
}
