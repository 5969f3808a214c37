package nomination

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain/org"
)

// Event names as stored; never change one.
const (
	// A cycle's and the code registry's events have prefixes of their
	// own: "nomination." names a unit's file (the approval log follows
	// it).
	EventCycleOpened = "nomination_cycle.opened"
	EventCycleEdited = "nomination_cycle.edited"

	EventCodeIssued  = "invitation_code.issued"
	EventCodeRevoked = "invitation_code.revoked"
	EventCodeUsed    = "invitation_code.used"
)

// EventTypes lists every nomination event name.
func EventTypes() []string {
	return append([]string{EventCycleOpened, EventCycleEdited, EventCodeIssued, EventCodeRevoked, EventCodeUsed}, fileEventTypes...)
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("nomination: unknown event type")

// Event is a fact in a cycle's, the code registry's or a unit's
// nomination file's history; each aggregate folds its own.
type Event interface{ EventType() string }

// CycleOpened: an association's staff opened a cycle (edition 1).
type CycleOpened struct {
	ID        uuid.UUID `json:"id"`
	Organiser uuid.UUID `json:"organiser"`
	Spec      CycleSpec `json:"spec"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

// CycleEdited: the organiser changed the cycle; Edition counts from 1.
type CycleEdited struct {
	Spec    CycleSpec `json:"spec"`
	Edition int       `json:"edition"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// CodeIssued: the organiser issued a recommending unit its invitation code
// (R-NOM-01), as attachment 3 lists it: category, number, name, code.
type CodeIssued struct {
	Association uuid.UUID `json:"association"`
	Unit        uuid.UUID `json:"unit"`
	Kind        org.Kind  `json:"kind"`
	Category    string    `json:"category"`
	Number      string    `json:"number"`
	Name        string    `json:"name"`
	Code        string    `json:"code"`
	By          uuid.UUID `json:"by"`
	At          time.Time `json:"at"`
}

// CodeRevoked: the organiser revoked a unit's code; it is never valid again.
type CodeRevoked struct {
	Unit   uuid.UUID `json:"unit"`
	Code   string    `json:"code"`
	Reason string    `json:"reason,omitempty"`
	By     uuid.UUID `json:"by"`
	At     time.Time `json:"at"`
}

// CodeUsed: a new user registered with the code and became the unit's
// contact; a used code admits nobody else.
type CodeUsed struct {
	Unit uuid.UUID `json:"unit"`
	Code string    `json:"code"`
	User uuid.UUID `json:"user"`
	At   time.Time `json:"at"`
}

func (CycleOpened) EventType() string { return EventCycleOpened }
func (CycleEdited) EventType() string { return EventCycleEdited }
func (CodeIssued) EventType() string  { return EventCodeIssued }
func (CodeRevoked) EventType() string { return EventCodeRevoked }
func (CodeUsed) EventType() string    { return EventCodeUsed }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventCycleOpened:
		return decode[CycleOpened](eventType, data)
	case EventCycleEdited:
		return decode[CycleEdited](eventType, data)
	case EventCodeIssued:
		return decode[CodeIssued](eventType, data)
	case EventCodeRevoked:
		return decode[CodeRevoked](eventType, data)
	case EventCodeUsed:
		return decode[CodeUsed](eventType, data)
	}
	if e, ok, err := decodeFile(eventType, data); ok {
		return e, err
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
