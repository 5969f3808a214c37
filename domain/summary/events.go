package summary

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

// Event names as stored. They are part of the stored history: never derive
// them from Go type names and never change one.
const (
	EventOpened    = "summary.opened"
	EventSaved     = "summary.saved"
	EventSubmitted = "summary.submitted"
	EventAccepted  = "summary.accepted"
	EventReturned  = "summary.returned"
)

// EventTypes lists every summary event name.
func EventTypes() []string {
	return []string{EventOpened, EventSaved, EventSubmitted, EventAccepted, EventReturned}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("summary: unknown event type")

// Event is a fact in a summary's history. At is the decision time read
// from the policy clock; who decided travels in the store's metadata.
type Event interface {
	EventType() string
}

// Opened: the applicant opened the summary after the end date (R-SUM-01);
// DueDate follows from it (R-SUM-02).
type Opened struct {
	DeclarationID uuid.UUID   `json:"declarationId"`
	ApplicantID   uuid.UUID   `json:"applicantId"`
	UnitID        uuid.UUID   `json:"unitId"`
	UniversityID  uuid.UUID   `json:"universityId"`
	AuthorityID   uuid.UUID   `json:"authorityId"`
	EndDate       domain.Date `json:"endDate"`
	DueDate       domain.Date `json:"dueDate"`
	At            time.Time   `json:"at"`
}

// Saved replaces the content (draft).
type Saved struct {
	Content Content   `json:"content"`
	At      time.Time `json:"at"`
}

// Submitted: the summary passed R-SUM-03 and awaits the school; Late says
// it came after DueDate (R-SUM-02).
type Submitted struct {
	DueDate domain.Date `json:"dueDate"`
	Late    bool        `json:"late"`
	At      time.Time   `json:"at"`
}

// Accepted: the school accepted it (R-SUM-04).
type Accepted struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Returned: the school sent it back with a reason (R-SUM-04).
type Returned struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func (Opened) EventType() string    { return EventOpened }
func (Saved) EventType() string     { return EventSaved }
func (Submitted) EventType() string { return EventSubmitted }
func (Accepted) EventType() string  { return EventAccepted }
func (Returned) EventType() string  { return EventReturned }

// Decode reads a stored event by its name. Unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventOpened:
		return decode[Opened](eventType, data)
	case EventSaved:
		return decode[Saved](eventType, data)
	case EventSubmitted:
		return decode[Submitted](eventType, data)
	case EventAccepted:
		return decode[Accepted](eventType, data)
	case EventReturned:
		return decode[Returned](eventType, data)
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
