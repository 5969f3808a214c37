// Package signup owns the rules of self-registration and password reset
// (R-ACT-03): a one-time code mailed to the address, valid for a limited
// time and a limited number of wrong guesses. Its events hold references
// (the account id, the unit), never the address, the code or the password:
// those stay in operational tables the command layer erases once used.
package signup

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// Event names as stored; never change one.
const (
	EventRegistrationRequested = "registration.requested"
	EventRegistrationActivated = "registration.activated"
	EventResetRequested        = "password_reset.requested"
	EventResetCompleted        = "password_reset.completed"
)

// MaxWrongCodes is how many wrong codes a code survives; the next wrong one
// voids it.
const MaxWrongCodes = 5

// RegistrationRequested: someone asked for an applicant account; the code
// went to the address of account UserID.
type RegistrationRequested struct {
	RegistrationID uuid.UUID `json:"registrationId"`
	UserID         uuid.UUID `json:"userId"`
	UnitID         uuid.UUID `json:"unitId"`
	UniversityID   uuid.UUID `json:"universityId"`
	ExpiresAt      time.Time `json:"expiresAt"`
	At             time.Time `json:"at"`
}

// RegistrationActivated: the right code came back and the account was
// created (its user.created event holds the account's data).
type RegistrationActivated struct {
	RegistrationID uuid.UUID `json:"registrationId"`
	UserID         uuid.UUID `json:"userId"`
	At             time.Time `json:"at"`
}

// ResetRequested: a password reset code went to the account's address.
type ResetRequested struct {
	RequestID uuid.UUID `json:"requestId"`
	UserID    uuid.UUID `json:"userId"`
	ExpiresAt time.Time `json:"expiresAt"`
	At        time.Time `json:"at"`
}

// ResetCompleted: the right code came back and the password was replaced.
type ResetCompleted struct {
	RequestID uuid.UUID `json:"requestId"`
	UserID    uuid.UUID `json:"userId"`
	At        time.Time `json:"at"`
}

func (RegistrationRequested) EventType() string { return EventRegistrationRequested }
func (RegistrationActivated) EventType() string { return EventRegistrationActivated }
func (ResetRequested) EventType() string        { return EventResetRequested }
func (ResetCompleted) EventType() string        { return EventResetCompleted }

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("signup: unknown event type")

// Decode reads a stored event by its name.
func Decode(eventType string, data []byte) (any, error) {
	var e any
	switch eventType {
	case EventRegistrationRequested:
		e = new(RegistrationRequested)
	case EventRegistrationActivated:
		e = new(RegistrationActivated)
	case EventResetRequested:
		e = new(ResetRequested)
	case EventResetCompleted:
		e = new(ResetCompleted)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
	}
	if err := json.Unmarshal(data, e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

// Attempt is one try of a code as the store counted it.
type Attempt struct {
	// Found is false when no code is pending for the address.
	Found bool
	// Tries counts every try of this code, this one included.
	Tries     int
	ExpiresAt time.Time
	// Match reports whether the code given is the one mailed.
	Match bool
}

// Check decides a try (R-ACT-03): an unknown address answers like a wrong
// code, so the answer does not tell which addresses have one pending; an
// expired code or one with more than MaxWrongCodes wrong tries before is
// void even when right. The error is a field error on path.
func Check(path string, a Attempt, now time.Time) error {
	var pr domain.Problems
	wrongBefore := a.Tries - 1 // a right try ends the code's life, so every earlier one was wrong
	switch {
	case !a.Found:
		pr.Add(path, "R-ACT-03", "the code is wrong", "验证码错误")
	case wrongBefore >= MaxWrongCodes+1 || (!a.Match && wrongBefore >= MaxWrongCodes):
		pr.Add(path, "R-ACT-03", fmt.Sprintf("too many wrong codes (%d): this code is void; ask for a new one", MaxWrongCodes+1),
			fmt.Sprintf("验证码错误次数过多（%d次），该验证码已失效，请重新获取", MaxWrongCodes+1))
	case !now.Before(a.ExpiresAt):
		pr.Add(path, "R-ACT-03", "the code has expired; ask for a new one", "验证码已过期，请重新获取")
	case !a.Match:
		left := MaxWrongCodes - wrongBefore
		pr.Add(path, "R-ACT-03", fmt.Sprintf("the code is wrong; %d more wrong codes void it", left),
			fmt.Sprintf("验证码错误，再错%d次将失效", left))
	}
	return pr.Err()
}
