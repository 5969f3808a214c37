package account_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Shared table helpers.
var (
	fieldErrors = domaintest.FieldErrors
)

var (
	admin   = domain.Actor{UserID: uuid.New(), Role: domain.RolePlatformAdmin}
	unitID  = uuid.New()
	domains = []string{"example.edu.cn"}
)

func newUser() account.NewUser {
	return account.NewUser{Email: "Zhang.San@Example.edu.cn ", Name: "张三", OrgID: unitID, Mobile: "13800000000"}
}

// R-ACT-03: one account per email: the id is derived from the normalised
// address.
func TestID(t *testing.T) {
	a := account.ID("zhang.san@example.edu.cn")
	if b := account.ID("  ZHANG.SAN@example.EDU.CN "); b != a {
		t.Errorf("ID differs by case and spaces: %s, %s", a, b)
	}
	if b := account.ID("li.si@example.edu.cn"); b == a {
		t.Error("ID is the same for different addresses")
	}
	if a.Version() != 5 {
		t.Errorf("ID version = %d; want 5", a.Version())
	}
}

// R-ACT-01/02: a role fits only its kind of organisation; in an academy's
// tree the institute's administrator is a unit admin and the bureau's
// reviewers authority reviewers, and there are no applicants or school
// admins (seed 002).
func TestRoleFits(t *testing.T) {
	kinds := org.Kinds
	fits := map[domain.Role][]org.Kind{
		domain.RoleApplicant:         {org.Unit},
		domain.RoleUnitAdmin:         {org.Unit, org.Institute, org.NationalSociety, org.SocietyUnion, org.ProvincialAssociation, org.UniversityAssociation},
		domain.RoleSchoolAdmin:       {org.University},
		domain.RoleAuthorityReviewer: {org.Authority, org.Bureau, org.Association},
		domain.RoleAuditor:           kinds,
		domain.RoleAnalyst:           kinds,
		domain.RolePlatformAdmin:     kinds,
	}
	for _, r := range domain.Roles {
		for _, k := range append(kinds, "") {
			if got, want := account.RoleFits(r, k), slices.Contains(fits[r], k); got != want {
				t.Errorf("R-ACT-02 RoleFits(%s, %q) = %v; want %v", r, k, got, want)
			}
		}
	}
}

// R-ACT-03: self-registration creates applicants in a unit, with a real
// name, a mobile number and an institutional email.
func TestRegister(t *testing.T) {
	tests := []struct {
		name string
		edit func(*account.NewUser)
		kind org.Kind
		want []string
	}{
		{"R-ACT-03 complete", func(*account.NewUser) {}, org.Unit, nil},
		{"R-ACT-03 staff number optional", func(n *account.NewUser) { n.StaffNo = "" }, org.Unit, nil},
		{"R-ACT-03 subdomain address", func(n *account.NewUser) { n.Email = "z@mail.example.edu.cn" }, org.Unit, nil},
		{"R-ACT-03 outside address", func(n *account.NewUser) { n.Email = "zhang.san@gmail.com" }, org.Unit, []string{"email R-ACT-03"}},
		{"R-ACT-03 not an address", func(n *account.NewUser) { n.Email = "zhang.san" }, org.Unit, []string{"email R-ACT-03"}},
		{"R-ACT-03 name and mobile required", func(n *account.NewUser) { n.Name, n.Mobile = "", "" }, org.Unit, []string{"name R-ACT-03", "mobile R-ACT-03"}},
		{"R-ACT-03 bad mobile", func(n *account.NewUser) { n.Mobile = "02787654321" }, org.Unit, []string{"mobile R-ACT-03"}},
		{"R-ACT-03 registration is for applicants", func(n *account.NewUser) { n.Role = domain.RoleSchoolAdmin }, org.Unit, []string{"role R-ACT-03", "orgId R-ACT-02"}},
		{"R-ACT-02 applicant in a university", func(*account.NewUser) {}, org.University, []string{"orgId R-ACT-02"}},
		{"R-ACT-02 unknown organisation", func(*account.NewUser) {}, "", []string{"orgId R-ACT-02"}},
		{"R-ACT-02 no organisation", func(n *account.NewUser) { n.OrgID = uuid.Nil }, org.Unit, []string{"orgId R-ACT-02"}},
	}
	p := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newUser()
			tt.edit(&n)
			u := account.New(account.ID(n.Email))
			err := u.Register(n, tt.kind, domains, p)
			if got := fieldErrors(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("Register errors = %q; want %q", got, tt.want)
			}
			if err == nil && (u.Role() != domain.RoleApplicant || !u.Active()) {
				t.Errorf("registered role %s, active %v; want an active applicant", u.Role(), u.Active())
			}
		})
	}
}

func TestRegisterRecords(t *testing.T) {
	n := newUser()
	n.StaffNo = " T0001 "
	u := account.New(account.ID(n.Email))
	if err := u.Register(n, org.Unit, domains, policy.Default()); err != nil {
		t.Fatal(err)
	}
	want := account.Created{ID: account.ID(n.Email), Email: "zhang.san@example.edu.cn", Name: "张三", Role: domain.RoleApplicant,
		OrgID: unitID, Mobile: "13800000000", StaffNo: "T0001"}
	if got := u.Pending(); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("Pending() = %+v; want [%+v]", got, want)
	}
	if err := u.Register(n, org.Unit, domains, policy.Default()); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second Register = %v; want ErrConflict", err)
	}
	if err := account.New(uuid.New()).Register(n, org.Unit, domains, policy.Default()); err == nil {
		t.Error("Register into a stream not named after ID(email) = nil; want an error")
	}
}

// R-ACT-01/02: platform admins create any role, fitted to its organisation.
func TestCreate(t *testing.T) {
	tests := []struct {
		name string
		by   domain.Actor
		role domain.Role
		kind org.Kind
		want string
	}{
		{"R-ACT-02 school admin in a university", admin, domain.RoleSchoolAdmin, org.University, ""},
		{"R-ACT-02 school admin in a unit", admin, domain.RoleSchoolAdmin, org.Unit, "orgId R-ACT-02"},
		{"R-ACT-02 reviewer in an authority", admin, domain.RoleAuthorityReviewer, org.Authority, ""},
		{"R-ACT-02 reviewer in a university", admin, domain.RoleAuthorityReviewer, org.University, "orgId R-ACT-02"},
		{"R-ACT-02 unit admin in a unit", admin, domain.RoleUnitAdmin, org.Unit, ""},
		{"R-ACT-02 auditor anywhere", admin, domain.RoleAuditor, org.University, ""},
		{"R-ACT-01 unknown role", admin, "superuser", org.Unit, "role R-ACT-01"},
		{"R-ACT-01 role required", admin, "", org.Unit, "role R-ACT-01"},
		{"R-ACT-01 school admin may not", domain.Actor{UserID: uuid.New(), Role: domain.RoleSchoolAdmin}, domain.RoleApplicant, org.Unit, "forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newUser()
			n.Role = tt.role
			n.Mobile = "" // optional outside applicants
			if tt.role == domain.RoleApplicant {
				n.Mobile = "13800000000"
			}
			err := account.New(account.ID(n.Email)).Create(tt.by, n, tt.kind, policy.Default())
			var got string
			switch {
			case errors.Is(err, domain.ErrForbidden):
				got = "forbidden"
			case err != nil:
				got = strings.Join(fieldErrors(t, err), ",")
			}
			if got != tt.want {
				t.Errorf("Create = %q; want %q", got, tt.want)
			}
		})
	}
}

func registered(t *testing.T) *account.User {
	t.Helper()
	n := newUser()
	u := account.New(account.ID(n.Email))
	if err := u.Register(n, org.Unit, domains, policy.Default()); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestAdminActions(t *testing.T) {
	u := registered(t)
	self := domain.Actor{UserID: u.ID(), Role: domain.RoleApplicant}
	schoolID := uuid.New()

	if err := u.ChangeRole(self, domain.RoleSchoolAdmin, schoolID, org.University); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-ACT-01 ChangeRole by the user = %v; want ErrForbidden", err)
	}
	if got := fieldErrors(t, u.ChangeRole(admin, domain.RoleSchoolAdmin, schoolID, org.Unit)); !slices.Equal(got, []string{"orgId R-ACT-02"}) {
		t.Errorf("R-ACT-02 ChangeRole to school admin of a unit = %q; want orgId R-ACT-02", got)
	}
	if err := u.ChangeRole(admin, domain.RoleSchoolAdmin, schoolID, org.University); err != nil {
		t.Fatal(err)
	}
	if err := u.ChangeRole(admin, domain.RoleSchoolAdmin, schoolID, org.University); err != nil {
		t.Fatal(err)
	}
	if u.Role() != domain.RoleSchoolAdmin || u.OrgID() != schoolID {
		t.Errorf("after ChangeRole: %s in %s; want school_admin in %s", u.Role(), u.OrgID(), schoolID)
	}

	if err := u.Deactivate(self); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("Deactivate by the user = %v; want ErrForbidden", err)
	}
	if err := u.Deactivate(admin); err != nil || u.Active() {
		t.Fatalf("Deactivate = %v, Active() = %v; want nil, false", err, u.Active())
	}
	if err := u.Deactivate(admin); err != nil {
		t.Fatal(err)
	}
	if err := u.Reactivate(admin); err != nil || !u.Active() {
		t.Fatalf("Reactivate = %v, Active() = %v; want nil, true", err, u.Active())
	}

	selfAdmin := domain.Actor{UserID: uuid.New(), Role: domain.RolePlatformAdmin}
	me := account.New(selfAdmin.UserID)
	if err := me.Deactivate(selfAdmin); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Deactivate before Create = %v; want ErrNotFound", err)
	}

	var types []string
	for _, e := range u.Pending() {
		types = append(types, e.EventType())
	}
	if want := []string{"user.created", "user.role_changed", "user.deactivated", "user.reactivated"}; !slices.Equal(types, want) {
		t.Errorf("events = %q; want %q (repeats record nothing)", types, want)
	}
}

// Admins cannot lock themselves out.
func TestAdminCannotDemoteOrDeactivateSelf(t *testing.T) {
	n := account.NewUser{Email: "admin@example.org", Name: "管理员", Role: domain.RolePlatformAdmin, OrgID: uuid.New()}
	u := account.New(account.ID(n.Email))
	if err := u.Create(admin, n, org.Authority, policy.Default()); err != nil {
		t.Fatal(err)
	}
	me := domain.Actor{UserID: u.ID(), Role: domain.RolePlatformAdmin}
	if err := u.Deactivate(me); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("Deactivate self = %v; want ErrForbidden", err)
	}
	if err := u.ChangeRole(me, domain.RoleAnalyst, n.OrgID, org.Authority); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("ChangeRole self = %v; want ErrForbidden", err)
	}
}

// R-ACT-03: the profile: office phone, title, remarks.
func TestUpdateProfile(t *testing.T) {
	tests := []struct {
		name string
		prof account.Profile
		want []string
	}{
		{"R-ACT-03 complete", account.Profile{Name: "张三", Mobile: "13900000000", OfficePhone: "010-12345678转123", Title: "副教授", Remarks: "无"}, nil},
		{"R-ACT-03 name required, applicant keeps a mobile", account.Profile{}, []string{"name R-ACT-03", "mobile R-ACT-03"}},
		{"R-ACT-03 bad phone numbers", account.Profile{Name: "张三", Mobile: "139", OfficePhone: "call me"}, []string{"mobile R-ACT-03", "officePhone R-ACT-03"}},
		{"R-ACT-03 short phone", account.Profile{Name: "张三", Mobile: "13900000000", OfficePhone: "12-34"}, []string{"officePhone R-ACT-03"}},
		{"R-ACT-03 remarks too long", account.Profile{Name: "张三", Mobile: "13900000000", Remarks: strings.Repeat("备", 2001)}, []string{"remarks R-ACT-03"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := registered(t)
			self := domain.Actor{UserID: u.ID(), Role: domain.RoleApplicant}
			if got := fieldErrors(t, u.UpdateProfile(self, tt.prof, policy.Default())); !slices.Equal(got, tt.want) {
				t.Errorf("UpdateProfile errors = %q; want %q", got, tt.want)
			}
		})
	}

	u := registered(t)
	other := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin}
	prof := account.Profile{Name: "张三", Mobile: "13800000000", Title: "教授"}
	if err := u.UpdateProfile(other, prof, policy.Default()); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("UpdateProfile by someone else = %v; want ErrForbidden", err)
	}
	if err := u.UpdateProfile(admin, prof, policy.Default()); err != nil {
		t.Errorf("UpdateProfile by a platform admin = %v; want nil", err)
	}
	if u.Profile() != prof || u.Name() != "张三" {
		t.Errorf("Profile() = %+v; want %+v", u.Profile(), prof)
	}
}

func TestReplayAndDecode(t *testing.T) {
	u := registered(t)
	if err := u.UpdateProfile(admin, account.Profile{Name: "张三", Mobile: "13800000000", OfficePhone: "010-12345678", Title: "教授"}, policy.Default()); err != nil {
		t.Fatal(err)
	}
	if err := u.ChangeRole(admin, domain.RoleUnitAdmin, unitID, org.Unit); err != nil {
		t.Fatal(err)
	}
	if err := u.Deactivate(admin); err != nil {
		t.Fatal(err)
	}
	replayed := account.New(u.ID())
	for _, e := range u.Pending() {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(string(b)), "password") {
			t.Errorf("%s carries a password: %s", e.EventType(), b)
		}
		back, err := account.Decode(e.EventType(), b)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(back)
	}
	type view struct {
		ID      uuid.UUID
		Email   string
		Role    domain.Role
		Org     uuid.UUID
		StaffNo string
		Profile account.Profile
		Active  bool
	}
	snap := func(u *account.User) view {
		return view{u.ID(), u.Email(), u.Role(), u.OrgID(), u.StaffNo(), u.Profile(), u.Active()}
	}
	if got, want := snap(replayed), snap(u); got != want {
		t.Errorf("replayed = %+v; want %+v", got, want)
	}
	for _, name := range account.EventTypes() {
		if e, err := account.Decode(name, []byte(`{}`)); err != nil || e.EventType() != name {
			t.Errorf("Decode(%s) = %v, %v", name, e, err)
		}
	}
	if _, err := account.Decode("user.password_changed", []byte(`{}`)); !errors.Is(err, account.ErrUnknownEvent) {
		t.Errorf("Decode(unknown) = %v; want ErrUnknownEvent", err)
	}
}
