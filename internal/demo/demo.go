// Package demo creates the demonstration organisation tree and one account
// per role, through the same commands an administrator uses. The embedded
// server runs it on first start; tests use it as their fixture.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/policy"
)

// System is the actor that seeds: a platform administrator that is no account.
var System = domain.Actor{UserID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:system")), Name: "system", Role: domain.RolePlatformAdmin}

// Account is one demo login.
type Account struct {
	Role     domain.Role `json:"role"`
	Email    string      `json:"email"`
	Password string      `json:"password"` // "" for an account Kept: its password is not known here
	UserID   uuid.UUID   `json:"userId"`
	OrgID    uuid.UUID   `json:"orgId"`
	Outcome  Outcome     `json:"-"`
}

// Outcome is what a seed did to one account.
type Outcome string

const (
	Created Outcome = "created"        // new account with a new password
	Kept    Outcome = "kept"           // existed: left as it was, password unchanged
	Reset   Outcome = "password reset" // existed: given a new password (Options.ResetPasswords)
)

// Options control a seed.
type Options struct {
	// Password gives each new account's password (nil: a random one each).
	Password func(domain.Role) string
	// Window, when set, opens the forecast window for the demo university's
	// next plan year (R-FC-01) so the demo can be tried outside September.
	Window *policy.WindowOverride
	// ResetPasswords gives demo accounts that exist already a new password;
	// without it they are left as they are (Kept).
	ResetPasswords bool
}

// Tree is what Seed created.
type Tree struct {
	Authority   uuid.UUID
	University  uuid.UUID
	Unit        uuid.UUID // 计算机学院
	OtherUnit   uuid.UUID // 经济与管理学院, for scope checks
	Accounts    []Account
	OtherUnitAd Account // the other unit's admin
	OtherApp    Account // an applicant of the other unit
}

// Account returns the demo account of a role.
func (t Tree) Account(r domain.Role) Account {
	for _, a := range t.Accounts {
		if a.Role == r {
			return a
		}
	}
	return Account{}
}

// Domain is the demo university's email domain.
const Domain = "demo-univ.edu.cn"

// Password makes a random password meeting the password rule.
func Password() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b) // crypto/rand does not fail on Linux
	return "Demo-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)) + "7"
}

// Seed creates the tree and accounts, and gives accounts that exist already
// the new passwords (the test fixture's behaviour; SeedWith chooses).
func Seed(ctx context.Context, app *commands.App, password func(domain.Role) string, window *policy.WindowOverride) (Tree, error) {
	return SeedWith(ctx, app, Options{Password: password, Window: window, ResetPasswords: true})
}

// SeedWith creates (or finds) the tree and accounts as opts says. Each
// account's Outcome tells what was done to it.
func SeedWith(ctx context.Context, app *commands.App, opts Options) (Tree, error) {
	password, window := opts.Password, opts.Window
	if password == nil {
		password = func(domain.Role) string { return Password() }
	}
	var t Tree
	m := func(name string) commands.Meta {
		return commands.Meta{CommandID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:demo:"+name))}
	}
	org := func(name string, cmd commands.CreateOrganisation) (uuid.UUID, error) {
		res, err := app.CreateOrganisation(ctx, System, m("org:"+name), cmd)
		if err != nil {
			return uuid.Nil, fmt.Errorf("demo organisation %s: %w", cmd.NameEn, err)
		}
		return res.ID, nil
	}
	var err error
	if t.Authority, err = org("authority", commands.CreateOrganisation{Kind: "authority", NameZh: "示范主管部门国际合作司", NameEn: "Demo Authority, Department of International Cooperation"}); err != nil {
		return t, err
	}
	if t.University, err = org("university", commands.CreateOrganisation{Kind: "university", NameZh: "示范大学", NameEn: "Demo University", ParentID: t.Authority, EmailDomains: []string{Domain}}); err != nil {
		return t, err
	}
	if t.Unit, err = org("unit", commands.CreateOrganisation{Kind: "unit", NameZh: "计算机学院", NameEn: "School of Computing", ParentID: t.University}); err != nil {
		return t, err
	}
	if t.OtherUnit, err = org("unit2", commands.CreateOrganisation{Kind: "unit", NameZh: "经济与管理学院", NameEn: "School of Economics and Management", ParentID: t.University}); err != nil {
		return t, err
	}
	user := func(key string, role domain.Role, orgID uuid.UUID, name, email string) (Account, error) {
		a := Account{Role: role, Email: email, OrgID: orgID, Outcome: Created}
		exists, err := app.AccountExists(ctx, email)
		if err != nil {
			return a, fmt.Errorf("demo account %s: %w", email, err)
		}
		if exists && !opts.ResetPasswords {
			a.UserID, a.Outcome = account.ID(email), Kept
			return a, nil
		}
		if exists {
			a.Outcome = Reset
		}
		a.Password = password(role)
		// The same command again (the id derives from the key) appends
		// nothing and sets the password: that is the reset.
		res, err := app.CreateUser(ctx, System, m("user:"+key), commands.CreateUser{
			Email: email, Name: name, Role: role, OrgID: orgID, Mobile: "13800000000", Password: a.Password,
		})
		if err != nil {
			return a, fmt.Errorf("demo account %s: %w", email, err)
		}
		a.UserID = res.ID
		return a, nil
	}
	people := []struct {
		role  domain.Role
		org   uuid.UUID
		name  string
		email string
	}{
		{domain.RoleApplicant, t.Unit, "张明远", "applicant@" + Domain},
		{domain.RoleUnitAdmin, t.Unit, "李静怡", "unit-admin@" + Domain},
		{domain.RoleSchoolAdmin, t.University, "王立群", "school-admin@" + Domain},
		{domain.RoleAuthorityReviewer, t.Authority, "赵文博", "reviewer@authority.demo.gov.cn"},
		{domain.RoleAuditor, t.Authority, "孙审计", "auditor@authority.demo.gov.cn"},
		{domain.RoleAnalyst, t.University, "周分析", "analyst@" + Domain},
		{domain.RolePlatformAdmin, t.University, "吴管理", "admin@" + Domain},
	}
	for _, p := range people {
		a, err := user(string(p.role), p.role, p.org, p.name, p.email)
		if err != nil {
			return t, err
		}
		t.Accounts = append(t.Accounts, a)
	}
	if t.OtherUnitAd, err = user("unit2-admin", domain.RoleUnitAdmin, t.OtherUnit, "陈经管", "econ-admin@"+Domain); err != nil {
		return t, err
	}
	if t.OtherApp, err = user("unit2-applicant", domain.RoleApplicant, t.OtherUnit, "刘经济", "econ-applicant@"+Domain); err != nil {
		return t, err
	}
	if window != nil {
		p, err := app.Policies().Current(ctx)
		if err != nil {
			return t, err
		}
		w := *window
		w.UniversityID = t.University
		for _, o := range p.WindowOverrides {
			if o.UniversityID == w.UniversityID && o.PlanYear == w.PlanYear {
				return t, nil // seeded before: that window stands
			}
		}
		p.WindowOverrides = append(p.WindowOverrides, w)
		p.Version = fmt.Sprintf("%s+demo-window-%d", p.Version, w.PlanYear)
		if _, err := app.PublishPolicy(ctx, System, m(p.Version), p); err != nil {
			return t, fmt.Errorf("demo policy: %w", err)
		}
	}
	return t, nil
}
