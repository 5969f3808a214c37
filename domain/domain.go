// Package domain holds what every aggregate shares: actors and their roles
// (R-ACT-01), the errors a decision can end in, and field-level validation
// errors carrying rule ids. It does no I/O.
package domain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Role is what an account may do (R-ACT-01).
type Role string

const (
	RoleApplicant         Role = "applicant"
	RoleUnitAdmin         Role = "unit_admin"
	RoleSchoolAdmin       Role = "school_admin"
	RoleAuthorityReviewer Role = "authority_reviewer"
	RoleAuditor           Role = "auditor"
	RoleAnalyst           Role = "analyst"
	RolePlatformAdmin     Role = "platform_admin"
	// RoleSystem is the platform itself acting on a clock (the deadline
	// engine); no account has it, so it is not in Roles.
	RoleSystem Role = "system"
)

// Roles lists every role in a stable order.
var Roles = []Role{RoleApplicant, RoleUnitAdmin, RoleSchoolAdmin, RoleAuthorityReviewer, RoleAuditor, RoleAnalyst, RolePlatformAdmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Actor is who issues a command: an account, its role and its place in the
// organisation tree (R-ACT-02). University and Authority are filled from the
// tree so scope checks need no lookups.
type Actor struct {
	UserID     uuid.UUID
	Name       string
	Role       Role
	OrgID      uuid.UUID // the organisation the account belongs to
	University uuid.UUID // zero for authority-level accounts
	Authority  uuid.UUID
}

// Errors a decision can end in. Callers match them with errors.Is.
var (
	// ErrForbidden: the actor's role or scope does not allow the action (403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such record, or one the actor may not see (404).
	ErrNotFound = errors.New("not found")
	// ErrWrongState: the record's status does not allow the action (409).
	ErrWrongState = errors.New("wrong state")
	// ErrConflict: the action collides with existing data (409).
	ErrConflict = errors.New("conflict")
)

// StateError says which rule a status transition broke.
type StateError struct {
	Rule    string
	Status  string
	Action  string
	Message string // English
	Zh      string // Chinese
}

func (e *StateError) Error() string {
	return fmt.Sprintf("%s: cannot %s in status %q (%s)", e.Rule, e.Action, e.Status, e.Message)
}

// Unwrap makes errors.Is(err, ErrWrongState) hold.
func (e *StateError) Unwrap() error { return ErrWrongState }

// FieldError is one broken rule on one field.
type FieldError struct {
	Path    string `json:"path"`    // JSON path of the field, e.g. "organisations[1].nameEn"
	Rule    string `json:"rule"`    // rule id from rules.md, or "SCHEMA" for shape errors
	Message string `json:"message"` // English
	Zh      string `json:"zh"`      // Chinese
}

// ValidationError carries every field error found at once (R-DECL-15).
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, fmt.Sprintf("%s: %s (%s)", f.Path, f.Message, f.Rule))
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Problems collects field errors; its zero value is ready to use.
type Problems struct {
	fields []FieldError
}

// Add records a field error.
func (p *Problems) Add(path, rule, en, zh string) {
	p.fields = append(p.fields, FieldError{Path: path, Rule: rule, Message: en, Zh: zh})
}

// Merge records the field errors of err when it is a *ValidationError, with
// prefix in front of each path.
func (p *Problems) Merge(prefix string, err error) {
	var ve *ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			if prefix != "" {
				f.Path = prefix + "." + f.Path
			}
			p.fields = append(p.fields, f)
		}
	}
}

// Err is nil when nothing was added, else a *ValidationError.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: p.fields}
}

// Warning is advice a reviewer sees; it does not block (e.g. R-FC-03).
type Warning struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Zh      string `json:"zh"`
}
