package funding

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Event names as stored; never change one.
const (
	EventDrafted   = "funding.drafted"
	EventEdited    = "funding.edited"
	EventSubmitted = "funding.submitted"
	EventWithdrawn = "funding.withdrawn"
)

// EventTypes lists every funding event name.
func EventTypes() []string {
	return []string{EventDrafted, EventEdited, EventSubmitted, EventWithdrawn}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("funding: unknown event type")

// Event is a fact in an application's history.
type Event interface{ EventType() string }

// Drafted: an institute's administrator started an application; the
// institute, its academy and bureau are its place in the tree.
type Drafted struct {
	ID          uuid.UUID   `json:"id"`
	Owner       uuid.UUID   `json:"owner"`
	Institute   uuid.UUID   `json:"institute"`
	Academy     uuid.UUID   `json:"academy"`
	Bureau      uuid.UUID   `json:"bureau"`
	Application Application `json:"application"`
	Flags       Flags       `json:"flags"`
	At          time.Time   `json:"at"`
}

// Edited: the application was changed in draft, withdrawn or returned.
type Edited struct {
	Application Application `json:"application"`
	Flags       Flags       `json:"flags"`
	At          time.Time   `json:"at"`
}

// Submitted: the institute's administrator handed it in to the bureau's
// call for conferences opening in Year (R-FUND-03).
type Submitted struct {
	Year int       `json:"year"`
	By   uuid.UUID `json:"by"`
	At   time.Time `json:"at"`
}

// Withdrawn: the institute took it back before the bureau decided.
type Withdrawn struct {
	By uuid.UUID `json:"by"`
	At time.Time `json:"at"`
}

func (Drafted) EventType() string   { return EventDrafted }
func (Edited) EventType() string    { return EventEdited }
func (Submitted) EventType() string { return EventSubmitted }
func (Withdrawn) EventType() string { return EventWithdrawn }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventDrafted:
		return decode[Drafted](eventType, data)
	case EventEdited:
		return decode[Edited](eventType, data)
	case EventSubmitted:
		return decode[Submitted](eventType, data)
	case EventWithdrawn:
		return decode[Withdrawn](eventType, data)
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
