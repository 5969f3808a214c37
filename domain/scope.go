package domain

import "github.com/google/uuid"

// Scope is where a record sits in the organisation tree and who owns it.
type Scope struct {
	Owner      uuid.UUID // the applicant
	Unit       uuid.UUID
	University uuid.UUID
	Authority  uuid.UUID
	// AtAuthority is true once the record has been submitted to the
	// authority (it reached school approval at least once).
	AtAuthority bool
}

// CanRead reports whether a may see a record in scope s (R-ACT-02). A record
// outside scope must be answered as not found, so callers turn false into
// ErrNotFound.
func CanRead(a Actor, s Scope) bool {
	switch a.Role {
	case RoleApplicant:
		return a.UserID == s.Owner
	case RoleUnitAdmin:
		return a.OrgID == s.Unit
	case RoleSchoolAdmin:
		return a.OrgID == s.University
	case RoleAuthorityReviewer:
		return a.OrgID == s.Authority && s.AtAuthority
	case RoleAuditor, RoleAnalyst, RoleSystem:
		return true
	}
	return false
}

// CanReview reports whether a reviews records of scope s at the level of
// their role (R-ACT-02): unit admins their unit, school admins their
// university, authority reviewers what was submitted to their authority.
func CanReview(a Actor, s Scope) bool {
	switch a.Role {
	case RoleUnitAdmin, RoleSchoolAdmin, RoleAuthorityReviewer:
		return CanRead(a, s)
	}
	return false
}
