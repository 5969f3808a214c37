// Package account owns user accounts (R-ACT-01..03): who they are, their
// role and organisation, whether they may sign in, and their profile. The
// rule it enforces is that a role fits the kind of organisation it belongs
// to. Passwords and activation codes are not here: the command layer keeps
// credentials outside the event history.
package account

import (
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// namespace is the UUIDv5 namespace of account ids; never change it.
var namespace = uuid.MustParse("6f1c2b1e-4d0a-5c7e-9a41-3b8e2f5d7c90")

// ID is the account id of an email address: a UUIDv5 of the trimmed,
// lower-cased address, so the event store's no-stream check on "user-<id>"
// allows one account per email (R-ACT-03).
func ID(email string) uuid.UUID { return uuid.NewSHA1(namespace, []byte(NormalizeEmail(email))) }

// NormalizeEmail is the form accounts store and compare addresses in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// RoleFits reports whether an account of role r may belong to an
// organisation of kind k (R-ACT-01/02): applicants belong to a unit, unit
// admins to a unit or an institute (its administrator, who applies for
// funding), school admins to a university, authority reviewers to an
// authority or an academy's bureau (who reviews the funding applications);
// a recommending unit's contact (seed 003) is a unit admin of the unit, the
// association's staff authority reviewers; auditors, analysts and platform admins to any organisation. An academy
// has no school admins and its institutes no applicants: the universities'
// procedures, which start with an applicant and pass a school, never reach
// an academy.
func RoleFits(r domain.Role, k org.Kind) bool {
	switch r {
	case domain.RoleApplicant:
		return k == org.Unit
	case domain.RoleUnitAdmin:
		return k == org.Unit || k == org.Institute || k.Recommending()
	case domain.RoleSchoolAdmin:
		return k == org.University
	case domain.RoleAuthorityReviewer:
		return k == org.Authority || k == org.Bureau || k == org.Association
	case domain.RoleAuditor, domain.RoleAnalyst, domain.RolePlatformAdmin:
		return k.Valid()
	}
	return false
}

// NewUser is what registration or a platform admin supplies.
type NewUser struct {
	Email   string      `json:"email"`
	Name    string      `json:"name"`
	Role    domain.Role `json:"role"`
	OrgID   uuid.UUID   `json:"orgId"`
	Mobile  string      `json:"mobile,omitempty"`
	StaffNo string      `json:"staffNo,omitempty"`
}

// Profile is what a user maintains about themself (R-ACT-03).
type Profile struct {
	Name        string `json:"name"`
	Mobile      string `json:"mobile,omitempty"`
	OfficePhone string `json:"officePhone,omitempty"`
	Title       string `json:"title,omitempty"`
	Remarks     string `json:"remarks,omitempty" text:"multiline"`
}

// User is the aggregate.
type User struct {
	id       uuid.UUID
	email    string
	role     domain.Role
	org      uuid.UUID
	staffNo  string
	profile  Profile
	inactive bool
	// awaiting: opened by a single sign-on, not yet confirmed.
	awaiting bool
	pending  []Event
}

// New is an account not yet created; id must be ID(email).
func New(id uuid.UUID) *User { return &User{id: id} }

func (u *User) ID() uuid.UUID     { return u.id }
func (u *User) Email() string     { return u.email }
func (u *User) Name() string      { return u.profile.Name }
func (u *User) Role() domain.Role { return u.role }
func (u *User) OrgID() uuid.UUID  { return u.org }
func (u *User) StaffNo() string   { return u.staffNo }
func (u *User) Profile() Profile  { return u.profile }

// Exists reports whether the account was created.
func (u *User) Exists() bool { return u.email != "" }

// Active reports whether the account exists and may sign in: not
// deactivated, nor awaiting its unit admin's confirmation.
func (u *User) Active() bool { return u.Exists() && !u.inactive && !u.awaiting }

// AwaitingConfirmation reports whether the account was opened by a single
// sign-on and its unit's admin has not confirmed it yet.
func (u *User) AwaitingConfirmation() bool { return u.awaiting }

// Pending are the events recorded by behaviour methods since New.
func (u *User) Pending() []Event { return slices.Clone(u.pending) }

func (u *User) record(e Event) {
	u.Apply(e)
	u.pending = append(u.pending, e)
}

func (u *User) isSelf(a domain.Actor) bool { return a.UserID == u.id }

// Apply folds one stored event into the state; it never fails.
func (u *User) Apply(e Event) {
	switch e := e.(type) {
	case Created:
		u.id, u.email, u.role, u.org, u.staffNo = e.ID, e.Email, e.Role, e.OrgID, e.StaffNo
		u.profile = Profile{Name: e.Name, Mobile: e.Mobile}
		u.awaiting = e.Pending
	case Confirmed:
		u.awaiting = false
	case RoleChanged:
		u.role, u.org = e.Role, e.OrgID
	case Deactivated:
		u.inactive = true
	case Reactivated:
		u.inactive = false
	case ProfileUpdated:
		u.profile = Profile(e)
	}
}

// Register creates an applicant account from self-registration (R-ACT-03):
// real name, mobile, optional staff number, a unit, and an institutional
// email under one of universityDomains, the domains of the unit's
// university. The caller has verified the activation code.
func (u *User) Register(n NewUser, orgKind org.Kind, universityDomains []string, p policy.Policy) error {
	if n.Role == "" {
		n.Role = domain.RoleApplicant
	}
	var pr domain.Problems
	if n.Role != domain.RoleApplicant {
		pr.Add("role", "R-ACT-03", "registration creates applicant accounts only", "自行注册仅可创建教职工账号")
	}
	if domain.ValidEmail(NormalizeEmail(n.Email)) && !org.EmailInDomains(n.Email, universityDomains) {
		pr.Add("email", "R-ACT-03",
			fmt.Sprintf("must be an institutional address of the university (%s)", strings.Join(universityDomains, ", ")),
			fmt.Sprintf("须为所属高校的单位邮箱（%s）", strings.Join(universityDomains, "、")))
	}
	return u.create(n, orgKind, p, &pr)
}

// Invited is a new user registering with a recommending unit's invitation
// code (seed 003, R-NOM-01): the account becomes the unit's contact, a unit
// admin of the unit. The command checked the code against the registry;
// the organisation must be a recommending unit.
func (u *User) Invited(n NewUser, orgKind org.Kind, p policy.Policy) error {
	n.Role = domain.RoleUnitAdmin
	pr := new(domain.Problems)
	if !orgKind.Recommending() {
		pr.Add("code", "R-NOM-01", "the code's unit is not a recommending unit", "邀请码所属单位不是推荐单位")
	}
	return u.create(n, orgKind, p, pr)
}

// OpenFromSSO opens a pending applicant account for someone a university's
// identity provider signed in (via names it) who has no account yet: an
// institutional email under universityDomains and a unit of that
// university. The mobile number is not required (the provider does not
// give one); the account may not sign in until Confirm.
func (u *User) OpenFromSSO(n NewUser, orgKind org.Kind, universityDomains []string, via string, p policy.Policy) error {
	n.Role = domain.RoleApplicant
	var pr domain.Problems
	if domain.ValidEmail(NormalizeEmail(n.Email)) && !org.EmailInDomains(n.Email, universityDomains) {
		pr.Add("email", "R-ACT-03",
			fmt.Sprintf("must be an institutional address of the university (%s)", strings.Join(universityDomains, ", ")),
			fmt.Sprintf("须为所属高校的单位邮箱（%s）", strings.Join(universityDomains, "、")))
	}
	if err := u.createWith(n, orgKind, p, &pr, false); err != nil {
		return err
	}
	c := u.pending[len(u.pending)-1].(Created)
	c.Pending, c.Via = true, via
	u.pending = u.pending[:len(u.pending)-1]
	u.record(c)
	return nil
}

// Confirm lets a pending account sign in: its unit's admin or a platform
// admin may. An account not awaiting confirmation records nothing.
func (u *User) Confirm(by domain.Actor) error {
	if !u.Exists() {
		return fmt.Errorf("confirm account %s: %w", u.id, domain.ErrNotFound)
	}
	if !(by.Role == domain.RoleUnitAdmin && by.OrgID == u.org) && by.Role != domain.RolePlatformAdmin {
		return fmt.Errorf("confirm account %s: only its unit's admin or a platform admin may: %w", u.email, domain.ErrForbidden)
	}
	if u.awaiting {
		u.record(Confirmed{})
	}
	return nil
}

// Create is a platform admin creating an account of any role, which must
// fit the kind of its organisation (R-ACT-01/02).
func (u *User) Create(by domain.Actor, n NewUser, orgKind org.Kind, p policy.Policy) error {
	if err := platformAdmin(by, "create account"); err != nil {
		return err
	}
	return u.create(n, orgKind, p, new(domain.Problems))
}

func (u *User) create(n NewUser, orgKind org.Kind, p policy.Policy, pr *domain.Problems) error {
	return u.createWith(n, orgKind, p, pr, n.Role == domain.RoleApplicant)
}

func (u *User) createWith(n NewUser, orgKind org.Kind, p policy.Policy, pr *domain.Problems, mobileRequired bool) error {
	if u.Exists() {
		return fmt.Errorf("create account %s: %w", u.email, domain.ErrConflict)
	}
	email := NormalizeEmail(n.Email)
	if pr.Required("email", "R-ACT-03", email) {
		if !domain.ValidEmail(email) {
			pr.Add("email", "R-ACT-03", "must be an email address such as name@example.org", "须为有效的电子邮件地址")
		} else if ID(email) != u.id {
			// The command layer names the stream after ID(email); anything
			// else would defeat the one-account-per-email check.
			return fmt.Errorf("create account: id %s is not ID(%q)", u.id, email)
		}
	}
	checkRole(pr, n.Role, n.OrgID, orgKind)
	prof := checkProfile(pr, Profile{Name: n.Name, Mobile: n.Mobile}, mobileRequired, p)
	staffNo := strings.TrimSpace(n.StaffNo)
	pr.MaxChars("staffNo", "R-ACT-03", staffNo, p.Text.Short)
	if err := pr.Err(); err != nil {
		return err
	}
	u.record(Created{ID: u.id, Email: email, Name: prof.Name, Role: n.Role, OrgID: n.OrgID, Mobile: prof.Mobile, StaffNo: staffNo})
	return nil
}

// ChangeRole moves the account to role in organisation orgID of kind
// orgKind; the same role and organisation again records nothing. Admins may
// not change their own role, so the platform cannot lose its last admin by
// accident.
func (u *User) ChangeRole(by domain.Actor, role domain.Role, orgID uuid.UUID, orgKind org.Kind) error {
	if err := u.adminMayChange(by, "change role"); err != nil {
		return err
	}
	var pr domain.Problems
	checkRole(&pr, role, orgID, orgKind)
	if err := pr.Err(); err != nil {
		return err
	}
	if role != u.role || orgID != u.org {
		u.record(RoleChanged{Role: role, OrgID: orgID})
	}
	return nil
}

// Deactivate stops the account from signing in; an inactive account stays
// inactive without a new event.
func (u *User) Deactivate(by domain.Actor) error {
	if err := u.adminMayChange(by, "deactivate account"); err != nil {
		return err
	}
	if !u.inactive {
		u.record(Deactivated{})
	}
	return nil
}

// Reactivate lets a deactivated account sign in again.
func (u *User) Reactivate(by domain.Actor) error {
	if err := u.adminMayChange(by, "reactivate account"); err != nil {
		return err
	}
	if u.inactive {
		u.record(Reactivated{})
	}
	return nil
}

// UpdateProfile replaces the profile (R-ACT-03); the user themself or a
// platform admin may. An unchanged profile records nothing.
func (u *User) UpdateProfile(by domain.Actor, prof Profile, p policy.Policy) error {
	if !u.Exists() {
		return fmt.Errorf("update profile %s: %w", u.id, domain.ErrNotFound)
	}
	if !u.isSelf(by) && by.Role != domain.RolePlatformAdmin {
		return fmt.Errorf("update profile %s: only the user or a platform admin may: %w", u.email, domain.ErrForbidden)
	}
	var pr domain.Problems
	prof = checkProfile(&pr, prof, u.role == domain.RoleApplicant, p)
	if err := pr.Err(); err != nil {
		return err
	}
	if prof != u.profile {
		u.record(ProfileUpdated(prof))
	}
	return nil
}

func (u *User) adminMayChange(by domain.Actor, what string) error {
	if err := platformAdmin(by, what); err != nil {
		return err
	}
	if !u.Exists() {
		return fmt.Errorf("%s %s: %w", what, u.id, domain.ErrNotFound)
	}
	if u.isSelf(by) {
		return fmt.Errorf("%s %s: not on one's own account: %w", what, u.email, domain.ErrForbidden)
	}
	return nil
}

func platformAdmin(a domain.Actor, what string) error {
	if a.Role != domain.RolePlatformAdmin {
		return fmt.Errorf("%s: role %s may not (R-ACT-01): %w", what, a.Role, domain.ErrForbidden)
	}
	return nil
}

// checkRole reports a role that does not exist or does not fit orgKind, the
// kind of orgID as the caller found it ("" when there is no such
// organisation).
func checkRole(pr *domain.Problems, role domain.Role, orgID uuid.UUID, orgKind org.Kind) {
	if !pr.Required("role", "R-ACT-01", string(role)) {
		return
	}
	if !role.Valid() {
		pr.Add("role", "R-ACT-01", fmt.Sprintf("unknown role %q", role), fmt.Sprintf("未知角色“%s”", role))
		return
	}
	switch {
	case orgID == uuid.Nil:
		pr.Add("orgId", "R-ACT-02", "required", "必填")
	case !orgKind.Valid():
		pr.Add("orgId", "R-ACT-02", "no such organisation", "组织不存在")
	case !RoleFits(role, orgKind):
		pr.Add("orgId", "R-ACT-02",
			fmt.Sprintf("a %s belongs to %s, not to a %s", role, fitting(role), orgKind),
			fmt.Sprintf("角色“%s”须隶属于%s", role, fittingZh(role)))
	}
}

func fitting(r domain.Role) string {
	switch r {
	case domain.RoleSchoolAdmin:
		return "a university"
	case domain.RoleAuthorityReviewer:
		return "an authority"
	}
	return "a unit"
}

func fittingZh(r domain.Role) string {
	switch r {
	case domain.RoleSchoolAdmin:
		return "高校"
	case domain.RoleAuthorityReviewer:
		return "上级主管部门"
	}
	return "院系"
}

// checkProfile trims prof and reports what is wrong with it; applicants must
// keep a mobile number, as they register with one.
func checkProfile(pr *domain.Problems, prof Profile, mobileRequired bool, p policy.Policy) Profile {
	t := strings.TrimSpace
	prof = Profile{Name: t(prof.Name), Mobile: t(prof.Mobile), OfficePhone: t(prof.OfficePhone), Title: t(prof.Title), Remarks: t(prof.Remarks)}
	if pr.Required("name", "R-ACT-03", prof.Name) {
		pr.MaxChars("name", "R-ACT-03", prof.Name, p.Text.Short)
	}
	if (!mobileRequired || pr.Required("mobile", "R-ACT-03", prof.Mobile)) && prof.Mobile != "" && !domain.ValidMobile(prof.Mobile) {
		pr.Add("mobile", "R-ACT-03", "must be a mainland mobile number: 11 digits starting with 1", "须为11位大陆手机号码（以1开头）")
	}
	if prof.OfficePhone != "" && !validPhone(prof.OfficePhone) {
		pr.Add("officePhone", "R-ACT-03",
			"must be a phone number: at least 7 digits, with only spaces, +, -, parentheses or 转 between them",
			"须为有效的电话号码：至少7位数字，仅可包含空格、+、-、括号或“转”")
	}
	pr.MaxChars("officePhone", "R-ACT-03", prof.OfficePhone, p.Text.Short)
	pr.MaxChars("title", "R-ACT-03", prof.Title, p.Text.Short)
	pr.MaxChars("remarks", "R-ACT-03", prof.Remarks, p.Text.Long)
	return prof
}

func validPhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-()转", r):
		default:
			return false
		}
	}
	return digits >= 7
}
