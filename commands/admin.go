package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/internal/auth"
)

// OrgStream is the stream of one organisation.
func OrgStream(id uuid.UUID) string { return "org-" + id.String() }

// UserStream is the stream of one account.
func UserStream(id uuid.UUID) string { return "user-" + id.String() }

func foldOrg(id uuid.UUID, l loaded) (*org.Organisation, error) {
	return fold(org.New(id), l, org.Decode)
}

func foldUser(id uuid.UUID, l loaded) (*account.User, error) {
	return fold(account.New(id), l, account.Decode)
}

// organisation loads an organisation; a missing one has no kind.
func (a *App) organisation(ctx context.Context, id uuid.UUID) (*org.Organisation, error) {
	if id == uuid.Nil {
		return org.New(id), nil
	}
	l, err := a.load(ctx, OrgStream(id))
	if err != nil {
		return nil, err
	}
	return foldOrg(id, l)
}

// kindOf is the kind of an organisation, "" when there is none.
func (a *App) kindOf(ctx context.Context, id uuid.UUID) (org.Kind, error) {
	o, err := a.organisation(ctx, id)
	if err != nil {
		return "", err
	}
	return o.Kind(), nil
}

// OrganisationKind is the kind of an organisation (university, academy,
// association…), "" when there is none: what /me tells the pages, so they
// show the procedures the account's organisation takes part in.
func (a *App) OrganisationKind(ctx context.Context, id uuid.UUID) (org.Kind, error) {
	return a.kindOf(ctx, id)
}

// CreateOrganisation adds an authority, a university or a unit (R-ACT-02).
type CreateOrganisation = org.Spec

// CreateOrganisation records a new organisation under its parent.
func (a *App) CreateOrganisation(ctx context.Context, actor domain.Actor, meta Meta, cmd CreateOrganisation) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("organisation"))
	parent, err := a.kindOf(ctx, cmd.ParentID)
	if err != nil {
		return Result{}, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "CreateOrganisation", OrgStream(id), id, func(l loaded) (decision, error) {
		o, err := foldOrg(id, l)
		if err != nil {
			return decision{}, err
		}
		if err := o.Create(actor, cmd, parent, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(o.Pending()), policy: pol.Version}, nil
	})
}

// CreateUser is a platform admin opening an account of any role.
type CreateUser struct {
	Email    string      `json:"email"`
	Name     string      `json:"name"`
	Role     domain.Role `json:"role"`
	OrgID    uuid.UUID   `json:"orgId"`
	Mobile   string      `json:"mobile,omitempty"`
	StaffNo  string      `json:"staffNo,omitempty"`
	Password string      `json:"password"`
}

// CreateUser records the account and stores its password. The account's id
// is derived from its email, so the event store itself refuses a second
// account for one email (R-ACT-03).
func (a *App) CreateUser(ctx context.Context, actor domain.Actor, meta Meta, cmd CreateUser) (Result, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return Result{}, fmt.Errorf("create account: %w", domain.ErrForbidden)
	}
	var pr domain.Problems
	pr.Merge("", auth.CheckPassword("password", cmd.Password, cmd.Email, cmd.Name))
	kind, err := a.kindOf(ctx, cmd.OrgID)
	if err != nil {
		return Result{}, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	id := account.ID(cmd.Email)
	res, err := a.execute(ctx, actor, meta, "CreateUser", UserStream(id), id, func(l loaded) (decision, error) {
		u, err := foldUser(id, l)
		if err != nil {
			return decision{}, err
		}
		if u.Exists() {
			pr.Add("email", "R-ACT-03", "an account with this email already exists", "该邮箱已注册")
			return decision{}, pr.Err()
		}
		if err := u.Create(actor, account.NewUser{Email: cmd.Email, Name: cmd.Name, Role: cmd.Role, OrgID: cmd.OrgID, Mobile: cmd.Mobile, StaffNo: cmd.StaffNo}, kind, pol); err != nil {
			pr.Merge("", err)
			if perr := pr.Err(); perr != nil {
				return decision{}, perr
			}
			return decision{}, err
		}
		if err := pr.Err(); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return res, err
	}
	// Also on a replay: a crash between the append and this line must not
	// leave an account nobody can sign in to.
	return res, a.setPassword(ctx, id, cmd.Email, cmd.Password)
}

func (a *App) setPassword(ctx context.Context, id uuid.UUID, email, password string) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if err := a.creds.SetCredential(ctx, id, email, hash); err != nil {
		return fmt.Errorf("store password of %s: %w", email, err)
	}
	return nil
}

// UpdateUser is a platform admin changing an account's role, organisation
// or whether it may sign in. Absent fields stay as they are.
type UpdateUser struct {
	UserID uuid.UUID    `json:"-"`
	Role   *domain.Role `json:"role,omitempty"`
	OrgID  *uuid.UUID   `json:"orgId,omitempty"`
	Active *bool        `json:"active,omitempty"`
}

// UpdateUser records the changes and ends the account's sessions, so the
// new access applies at once.
func (a *App) UpdateUser(ctx context.Context, actor domain.Actor, meta Meta, cmd UpdateUser) (Result, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return Result{}, fmt.Errorf("update account: %w", domain.ErrForbidden)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	var target *org.Organisation
	if cmd.OrgID != nil {
		o, err := a.organisation(ctx, *cmd.OrgID)
		if err != nil {
			return Result{}, err
		}
		target = o
	}
	res, err := a.execute(ctx, actor, meta, "UpdateUser", UserStream(cmd.UserID), cmd.UserID, func(l loaded) (decision, error) {
		u, err := foldUser(cmd.UserID, l)
		if err != nil {
			return decision{}, err
		}
		if !u.Exists() {
			return decision{}, fmt.Errorf("account %s: %w", cmd.UserID, domain.ErrNotFound)
		}
		if cmd.Role != nil || cmd.OrgID != nil {
			role, orgID, kind := u.Role(), u.OrgID(), org.Kind("")
			if cmd.Role != nil {
				role = *cmd.Role
			}
			if target != nil {
				orgID, kind = target.ID(), target.Kind()
			} else if kind, err = a.kindOf(ctx, orgID); err != nil {
				return decision{}, err
			}
			if err := u.ChangeRole(actor, role, orgID, kind); err != nil {
				return decision{}, err
			}
		}
		if cmd.Active != nil && *cmd.Active {
			err = u.Reactivate(actor)
		} else if cmd.Active != nil {
			err = u.Deactivate(actor)
		}
		if err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return res, err
	}
	return res, a.sessions.EndSessionsOf(ctx, cmd.UserID)
}

// SetPassword replaces an account's password: a platform admin for anyone,
// a user for themself with the current password.
type SetPassword struct {
	UserID          uuid.UUID `json:"-"`
	Password        string    `json:"password"`
	CurrentPassword string    `json:"currentPassword,omitempty"`
}

// SetPassword stores the new password and ends the account's sessions.
func (a *App) SetPassword(ctx context.Context, actor domain.Actor, cmd SetPassword) error {
	self := actor.UserID == cmd.UserID
	if !self && actor.Role != domain.RolePlatformAdmin {
		return fmt.Errorf("set password: %w", domain.ErrForbidden)
	}
	l, err := a.load(ctx, UserStream(cmd.UserID))
	if err != nil {
		return err
	}
	u, err := foldUser(cmd.UserID, l)
	if err != nil {
		return err
	}
	if !u.Exists() {
		return fmt.Errorf("account %s: %w", cmd.UserID, domain.ErrNotFound)
	}
	var pr domain.Problems
	if self && actor.Role != domain.RolePlatformAdmin {
		if err := a.creds.CheckPassword(ctx, cmd.UserID, cmd.CurrentPassword); err != nil {
			pr.Add("currentPassword", "R-ACT-03", "the current password is wrong", "当前密码错误")
		}
	}
	pr.Merge("", auth.CheckPassword("password", cmd.Password, u.Email(), u.Name()))
	if err := pr.Err(); err != nil {
		return err
	}
	if err := a.setPassword(ctx, cmd.UserID, u.Email(), cmd.Password); err != nil {
		return err
	}
	return a.sessions.EndSessionsOf(ctx, cmd.UserID)
}

// AccountExists reports whether an account with this email exists
// (operator commands: the first administrator, the demo seed).
func (a *App) AccountExists(ctx context.Context, email string) (bool, error) {
	id := account.ID(email)
	l, err := a.load(ctx, UserStream(id))
	if err != nil {
		return false, err
	}
	u, err := foldUser(id, l)
	if err != nil {
		return false, err
	}
	return u.Exists(), nil
}

// ResolveActor builds the actor an account signs in as: its role, its
// organisation and that organisation's university and authority. A missing
// or deactivated account is ErrForbidden.
func (a *App) ResolveActor(ctx context.Context, userID uuid.UUID) (domain.Actor, error) {
	l, err := a.load(ctx, UserStream(userID))
	if err != nil {
		return domain.Actor{}, err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return domain.Actor{}, err
	}
	if !u.Active() {
		return domain.Actor{}, fmt.Errorf("account %s cannot sign in: %w", userID, domain.ErrForbidden)
	}
	actor := domain.Actor{UserID: userID, Name: u.Name(), Role: u.Role(), OrgID: u.OrgID()}
	// Walk up the tree: unit → university → authority (institute → academy → bureau).
	for id, depth := u.OrgID(), 0; id != uuid.Nil && depth < 3; depth++ {
		o, err := a.organisation(ctx, id)
		if err != nil {
			return domain.Actor{}, err
		}
		switch o.Kind().Part() {
		case org.University:
			actor.University = o.ID()
		case org.Authority:
			actor.Authority = o.ID()
		case "":
			return domain.Actor{}, fmt.Errorf("organisation %s of account %s: %w", id, userID, domain.ErrNotFound)
		}
		id = o.ParentID()
	}
	return actor, nil
}
