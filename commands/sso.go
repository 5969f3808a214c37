package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/org"
)

// StaffDirectory finds a university's accounts by staff number (the
// directory read model).
type StaffDirectory interface {
	StaffAccounts(ctx context.Context, universityID uuid.UUID, staffNo string) ([]uuid.UUID, error)
}

// SSO maps the identities a university's identity provider vouches for
// onto accounts (issue 17 part 1).
type SSO struct {
	app   *App
	staff StaffDirectory
}

// SSO returns the single sign-on commands; staff finds accounts by staff
// number.
func (a *App) SSO(staff StaffDirectory) *SSO { return &SSO{app: a, staff: staff} }

// SSOIdentity is who a provider signed in, with what the configuration
// adds: the provider's university and the unit its unit attribute maps to.
type SSOIdentity struct {
	Provider     string
	Subject      string
	Email        string
	StaffNo      string
	Name         string
	UniversityID uuid.UUID
	// UnitID is where a new account opens (uuid.Nil: nowhere, so none is
	// opened).
	UnitID uuid.UUID
}

// SSORefusal is a signed-in identity that gets no session: Code names the
// reason (the problem type), Detail and Zh say it.
type SSORefusal struct {
	Code   string
	Detail string
	Zh     string
	// Opened: this sign-in opened the pending account.
	Opened bool
}

func (e *SSORefusal) Error() string { return "single sign-on: " + e.Code + ": " + e.Detail }

// Refusal codes.
const (
	SSOAccountPending   = "sso-account-pending"
	SSONoAccount        = "sso-no-account"
	SSOAccountElsewhere = "sso-account-elsewhere"
	SSOAmbiguous        = "sso-staff-number-ambiguous"
	SSOAccountInactive  = "sso-account-inactive"
)

// ssoNamespace derives the command id that opens a pending account from
// the provider and subject, so a second sign-in replays the first.
var ssoNamespace = uuid.MustParse("0b5f3c9e-8f0e-4f57-9c43-2a6d1e7b5c11")

// SignIn finds the account of id: by staff number among the university's
// accounts, else by an email under the university's domains (an address
// the provider asserts outside them is not trusted). A found account must
// belong to the provider's university and be active. Without one, a
// pending applicant account is opened in id.UnitID (an event on the
// account's stream, on the one command path) and the answer is the
// SSOAccountPending refusal until the unit's admin confirms it
// (ConfirmAccount).
func (s *SSO) SignIn(ctx context.Context, id SSOIdentity) (domain.Actor, error) {
	uni, err := s.app.organisation(ctx, id.UniversityID)
	if err != nil {
		return domain.Actor{}, err
	}
	if uni.Kind() != org.University {
		return domain.Actor{}, fmt.Errorf("single sign-on %s: universityId %s is no university", id.Provider, id.UniversityID)
	}
	email := account.NormalizeEmail(id.Email)
	trusted := org.EmailInDomains(email, uni.EmailDomains())
	var userID uuid.UUID
	if staffNo := strings.TrimSpace(id.StaffNo); staffNo != "" {
		ids, err := s.staff.StaffAccounts(ctx, uni.ID(), staffNo)
		if err != nil {
			return domain.Actor{}, err
		}
		if len(ids) > 1 {
			return domain.Actor{}, &SSORefusal{Code: SSOAmbiguous,
				Detail: fmt.Sprintf("%d accounts of the university hold staff number %s; a platform admin must correct them", len(ids), staffNo),
				Zh:     fmt.Sprintf("本校有%d个账号使用工号 %s，请联系平台管理员更正", len(ids), staffNo)}
		}
		if len(ids) == 1 {
			userID = ids[0]
		}
	}
	if userID == uuid.Nil && trusted {
		if ok, err := s.app.AccountExists(ctx, email); err != nil {
			return domain.Actor{}, err
		} else if ok {
			userID = account.ID(email)
		}
	}
	if userID != uuid.Nil {
		return s.existing(ctx, id, userID)
	}
	return domain.Actor{}, s.open(ctx, id, uni, email, trusted)
}

func (s *SSO) existing(ctx context.Context, id SSOIdentity, userID uuid.UUID) (domain.Actor, error) {
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return domain.Actor{}, err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return domain.Actor{}, err
	}
	if u.AwaitingConfirmation() {
		return domain.Actor{}, pendingRefusal(false)
	}
	actor, err := s.app.ResolveActor(ctx, userID)
	if errors.Is(err, domain.ErrForbidden) {
		return domain.Actor{}, &SSORefusal{Code: SSOAccountInactive, Detail: "your account is deactivated", Zh: "您的账号已停用"}
	}
	if err != nil {
		return domain.Actor{}, err
	}
	if actor.University != id.UniversityID {
		return domain.Actor{}, &SSORefusal{Code: SSOAccountElsewhere,
			Detail: "the matching account does not belong to this identity provider's university; sign in with its password",
			Zh:     "匹配到的账号不属于该统一身份认证所在高校，请使用密码登录"}
	}
	return actor, nil
}

func pendingRefusal(opened bool) *SSORefusal {
	r := &SSORefusal{Code: SSOAccountPending, Opened: opened,
		Detail: "your account awaits your unit admin's confirmation; you can sign in once it is confirmed",
		Zh:     "您的账号正等待所在单位管理员确认，确认后即可登录"}
	if opened {
		r.Detail = "an account was opened for you and awaits your unit admin's confirmation; you can sign in once it is confirmed"
		r.Zh = "已为您开立账号，正等待所在单位管理员确认，确认后即可登录"
	}
	return r
}

func (s *SSO) open(ctx context.Context, id SSOIdentity, uni *org.Organisation, email string, trusted bool) error {
	if !trusted {
		return &SSORefusal{Code: SSONoAccount,
			Detail: fmt.Sprintf("no account matches this sign-in (staff number %q, email %q), and a new one needs an institutional email of the university (%s)",
				id.StaffNo, id.Email, strings.Join(uni.EmailDomains(), ", ")),
			Zh: fmt.Sprintf("未找到与本次登录（工号“%s”，邮箱“%s”）匹配的账号；开立新账号需要本校单位邮箱（%s）",
				id.StaffNo, id.Email, strings.Join(uni.EmailDomains(), "、"))}
	}
	unit, err := s.app.organisation(ctx, id.UnitID)
	if err != nil {
		return err
	}
	if id.UnitID == uuid.Nil || unit.ParentID() != uni.ID() {
		return &SSORefusal{Code: SSONoAccount,
			Detail: "no account matches this sign-in, and the identity provider names no unit of the university to open one in; ask your unit admin or a platform admin",
			Zh:     "未找到匹配的账号，且统一身份认证未提供本校的所属单位，无法开立账号；请联系单位管理员或平台管理员"}
	}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return err
	}
	userID := account.ID(email)
	name := strings.TrimSpace(id.Name)
	actor := domain.Actor{UserID: userID, Name: name, Role: domain.RoleApplicant, OrgID: unit.ID()}
	meta := Meta{CommandID: uuid.NewSHA1(ssoNamespace, []byte(id.Provider+"\n"+id.Subject))}
	_, err = s.app.execute(ctx, actor, meta, "OpenAccountFromSSO", UserStream(userID), userID, func(l loaded) (decision, error) {
		u, err := foldUser(userID, l)
		if err != nil {
			return decision{}, err
		}
		if u.Exists() {
			return decision{}, fmt.Errorf("open account %s: %w", email, domain.ErrConflict)
		}
		nu := account.NewUser{Email: email, Name: name, OrgID: unit.ID(), StaffNo: id.StaffNo}
		if err := u.OpenFromSSO(nu, unit.Kind(), uni.EmailDomains(), "sso:"+id.Provider, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
	if err != nil {
		return err
	}
	return pendingRefusal(true)
}

// ConfirmAccount lets an account opened by a single sign-on sign in; the
// account's unit admin or a platform admin may.
type ConfirmAccount struct {
	UserID uuid.UUID `json:"-"`
}

// ConfirmAccount records the confirmation (nothing when the account is not
// awaiting one).
func (a *App) ConfirmAccount(ctx context.Context, actor domain.Actor, meta Meta, cmd ConfirmAccount) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "ConfirmAccount", UserStream(cmd.UserID), cmd.UserID, func(l loaded) (decision, error) {
		u, err := foldUser(cmd.UserID, l)
		if err != nil {
			return decision{}, err
		}
		if err := u.Confirm(actor); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(u.Pending()), policy: pol.Version}, nil
	})
}
