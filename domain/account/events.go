package account

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

// Event names as stored; never change one.
const (
	EventCreated        = "user.created"
	EventRoleChanged    = "user.role_changed"
	EventDeactivated    = "user.deactivated"
	EventReactivated    = "user.reactivated"
	EventProfileUpdated = "user.profile_updated"
	EventConfirmed      = "user.confirmed"
)

// EventTypes lists every account event name.
func EventTypes() []string {
	return []string{EventCreated, EventRoleChanged, EventDeactivated, EventReactivated, EventProfileUpdated, EventConfirmed}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("account: unknown event type")

// Event is a fact in an account's history. Credentials are never part of
// one: the command layer keeps them in a table of its own.
type Event interface {
	EventType() string
}

// Created: an account was registered (R-ACT-03) or created by a platform
// admin. Email is lower-cased; ID is ID(Email).
type Created struct {
	ID      uuid.UUID   `json:"id" personal:"id"`
	Email   string      `json:"email" personal:"field"`
	Name    string      `json:"name" personal:"field"`
	Role    domain.Role `json:"role"`
	OrgID   uuid.UUID   `json:"orgId"`
	Mobile  string      `json:"mobile,omitempty" personal:"field"`
	StaffNo string      `json:"staffNo,omitempty" personal:"field"`
	// Pending: opened by a sign-in through a university's identity
	// provider (Via names it, "sso:<id>") for someone without an account;
	// it may not sign in until its unit's admin confirms it.
	Pending bool   `json:"pending,omitempty"`
	Via     string `json:"via,omitempty"`
}

// Confirmed: the unit's admin (or a platform admin) confirmed a pending
// account, which may sign in from now on.
type Confirmed struct{}

// RoleChanged: a platform admin moved the account to another role or
// organisation.
type RoleChanged struct {
	Role  domain.Role `json:"role"`
	OrgID uuid.UUID   `json:"orgId"`
}

// Deactivated: the account can no longer sign in.
type Deactivated struct{}

// Reactivated: a deactivated account can sign in again.
type Reactivated struct{}

// ProfileUpdated: the profile fields were replaced (R-ACT-03).
type ProfileUpdated struct {
	Name        string `json:"name" personal:"field"`
	Mobile      string `json:"mobile,omitempty" personal:"field"`
	OfficePhone string `json:"officePhone,omitempty" personal:"field"`
	Title       string `json:"title,omitempty"`
	Remarks     string `json:"remarks,omitempty" personal:"field"` // free text about the person
}

func (Created) EventType() string        { return EventCreated }
func (RoleChanged) EventType() string    { return EventRoleChanged }
func (Deactivated) EventType() string    { return EventDeactivated }
func (Reactivated) EventType() string    { return EventReactivated }
func (ProfileUpdated) EventType() string { return EventProfileUpdated }
func (Confirmed) EventType() string      { return EventConfirmed }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventCreated:
		return decode[Created](eventType, data)
	case EventRoleChanged:
		return decode[RoleChanged](eventType, data)
	case EventDeactivated:
		return decode[Deactivated](eventType, data)
	case EventReactivated:
		return decode[Reactivated](eventType, data)
	case EventProfileUpdated:
		return decode[ProfileUpdated](eventType, data)
	case EventConfirmed:
		return decode[Confirmed](eventType, data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
}

func decode[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
