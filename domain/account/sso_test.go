package account_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
)

// An account a single sign-on opens is a pending applicant: no mobile
// needed, an institutional address required (R-ACT-03), and it may not
// sign in until its unit's admin (or a platform admin) confirms it.
func TestOpenFromSSOWaitsForTheUnitAdmin(t *testing.T) {
	n := account.NewUser{Email: "wang.wu@example.edu.cn", Name: "王五", OrgID: unitID, StaffNo: "S1"}
	u := account.New(account.ID(n.Email))
	if err := u.OpenFromSSO(n, org.Unit, domains, "sso:demo", policy.Default()); err != nil {
		t.Fatal(err)
	}
	if u.Active() || !u.AwaitingConfirmation() || u.Role() != domain.RoleApplicant {
		t.Fatalf("active %v, awaiting %v, role %s", u.Active(), u.AwaitingConfirmation(), u.Role())
	}
	c := u.Pending()[0].(account.Created)
	if !c.Pending || c.Via != "sso:demo" {
		t.Errorf("created = %+v", c)
	}

	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New()}
	if err := u.Confirm(other); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("another unit's admin confirms: %v", err)
	}
	self := domain.Actor{UserID: u.ID(), Role: domain.RoleApplicant, OrgID: unitID}
	if err := u.Confirm(self); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("the account confirms itself: %v", err)
	}
	unitAdmin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unitID}
	if err := u.Confirm(unitAdmin); err != nil {
		t.Fatal(err)
	}
	if !u.Active() || len(u.Pending()) != 2 {
		t.Fatalf("after confirming: active %v, %d events", u.Active(), len(u.Pending()))
	}
	if err := u.Confirm(unitAdmin); err != nil || len(u.Pending()) != 2 {
		t.Errorf("confirming again: %v, %d events", err, len(u.Pending()))
	}

	outside := account.NewUser{Email: "x@elsewhere.org", Name: "某人", OrgID: unitID}
	err := account.New(account.ID(outside.Email)).OpenFromSSO(outside, org.Unit, domains, "sso:demo", policy.Default())
	if got := fieldErrors(t, err); len(got) != 1 || got[0] != "email R-ACT-03" {
		t.Errorf("an address outside the university: %v", err)
	}
}
