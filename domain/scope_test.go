package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// TestScopeModelR_ACT_02 walks every role over records placed around its
// own organisation: its own, a sibling unit's, another school's, another
// authority's, before and after submission to the authority.
func TestScopeModelR_ACT_02(t *testing.T) {
	auth, otherAuth := uuid.New(), uuid.New()
	school, otherSchool := uuid.New(), uuid.New()
	unit, siblingUnit := uuid.New(), uuid.New()
	me, someone := uuid.New(), uuid.New()
	mine := domain.Scope{Owner: me, Unit: unit, University: school, Authority: auth}
	sibling := domain.Scope{Owner: someone, Unit: siblingUnit, University: school, Authority: auth}
	elsewhere := domain.Scope{Owner: someone, Unit: uuid.New(), University: otherSchool, Authority: otherAuth}
	submitted := func(s domain.Scope) domain.Scope { s.AtAuthority = true; return s }

	type want struct{ mine, sibling, submitted, elsewhere bool }
	for _, c := range []struct {
		actor        domain.Actor
		read, review want
	}{
		{domain.Actor{UserID: me, Role: domain.RoleApplicant, OrgID: unit}, want{true, false, true, false}, want{}},
		{domain.Actor{UserID: someone, Role: domain.RoleUnitAdmin, OrgID: unit}, want{true, false, true, false}, want{true, false, true, false}},
		{domain.Actor{UserID: someone, Role: domain.RoleUnitAdmin, OrgID: siblingUnit}, want{false, true, false, false}, want{false, true, false, false}},
		{domain.Actor{UserID: someone, Role: domain.RoleSchoolAdmin, OrgID: school}, want{true, true, true, false}, want{true, true, true, false}},
		{domain.Actor{UserID: someone, Role: domain.RoleAuthorityReviewer, OrgID: auth}, want{false, false, true, false}, want{false, false, true, false}},
		{domain.Actor{UserID: someone, Role: domain.RoleAuditor, OrgID: auth}, want{true, true, true, true}, want{}},
		{domain.Actor{UserID: someone, Role: domain.RoleAnalyst, OrgID: auth}, want{true, true, true, true}, want{}},
		{domain.Actor{UserID: me, Role: domain.RolePlatformAdmin, OrgID: auth}, want{}, want{}},
		{domain.Actor{Role: domain.RoleSystem}, want{true, true, true, true}, want{}},
	} {
		for _, k := range []domain.Kind{domain.KindForecast, domain.KindDeclaration, domain.KindChange, domain.KindSummary, domain.KindFunding, domain.KindHistory} {
			for act, w := range map[domain.Action]want{domain.Read: c.read, domain.Review: c.review} {
				got := want{
					domain.Allows(c.actor, k, act, mine), domain.Allows(c.actor, k, act, sibling),
					domain.Allows(c.actor, k, act, submitted(mine)), domain.Allows(c.actor, k, act, submitted(elsewhere)),
				}
				if got != w {
					t.Errorf("%s %s %s: mine, sibling, submitted, elsewhere = %v, want %v", c.actor.Role, act, k, got, w)
				}
			}
		}
	}
	// Files and notifications are their owner's, whatever the role.
	for _, r := range domain.Roles {
		a := domain.Actor{UserID: me, Role: r, OrgID: unit}
		for _, k := range []domain.Kind{domain.KindFile, domain.KindNotification} {
			if !domain.Allows(a, k, domain.Read, domain.Scope{Owner: me}) || !domain.Allows(a, k, domain.Read, mine) ||
				domain.Allows(a, k, domain.Read, sibling) || domain.Allows(a, k, domain.Review, mine) {
				t.Errorf("%s %s: a %s reads its own only and reviews none", r, k, k)
			}
		}
	}
	// What the model does not list is refused: an unknown kind, an actor
	// without the id its place needs.
	if domain.Allows(domain.Actor{Role: domain.RoleAuditor}, "delegate", domain.Read, mine) {
		t.Error("an unknown kind is readable")
	}
	if domain.Allows(domain.Actor{Role: domain.RoleApplicant}, domain.KindForecast, domain.Read, domain.Scope{}) {
		t.Error("an applicant without an id reads a record without an owner")
	}
}

// TestNominationScopeR_ACT_02 (seed 003): a recommending unit's contact
// reads its own unit's file only; the organiser's staff read every one of
// its units' files, submitted or not, and decide only on submitted ones;
// another association sees none; applicants none.
func TestNominationScopeR_ACT_02(t *testing.T) {
	assoc, unit := uuid.New(), uuid.New()
	file := domain.Scope{Unit: unit, Authority: assoc}
	sent := domain.Scope{Unit: unit, Authority: assoc, AtAuthority: true}
	contact := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit, Authority: assoc}
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: uuid.New(), Authority: assoc}
	staff := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: assoc, Authority: assoc}
	elsewhere := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: uuid.New()}
	k := domain.KindNomination
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"contact reads its file", domain.Allows(contact, k, domain.Read, file), true},
		{"another unit reads it", domain.Allows(other, k, domain.Read, file), false},
		{"staff read a draft", domain.Allows(staff, k, domain.Read, file), true},
		{"staff decide on a draft", domain.Allows(staff, k, domain.Review, file), false},
		{"staff decide on a submitted file", domain.Allows(staff, k, domain.Review, sent), true},
		{"another association reads it", domain.Allows(elsewhere, k, domain.Read, sent), false},
		{"an applicant reads it", domain.Allows(domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: unit}, k, domain.Read, file), false},
	} {
		if c.got != c.want {
			t.Errorf("R-ACT-02 %s: %v, want %v", c.name, c.got, c.want)
		}
	}
}
