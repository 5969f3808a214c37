package nomination

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/org"
)

// Event names as stored; never change one.
const (
	// A cycle's and the code registry's events have prefixes of their
	// own: "nomination." names a unit's file (the approval log follows
	// it).
	EventCycleOpened = "nomination_cycle.opened"
	EventCycleEdited = "nomination_cycle.edited"

	EventRecognised         = "nomination_cycle.recognised"
	EventDeclined           = "nomination_cycle.declined"
	EventGuidePublished     = "nomination_cycle.guide_published"
	EventConferenceUpdated  = "nomination_cycle.conference_updated"
	EventResourcesSubmitted = "nomination_cycle.resources_submitted"
	EventQualityTracked     = "nomination_cycle.quality_tracked"

	EventCodeIssued  = "invitation_code.issued"
	EventCodeRevoked = "invitation_code.revoked"
	EventCodeUsed    = "invitation_code.used"
)

// EventTypes lists every nomination event name.
func EventTypes() []string {
	return append([]string{EventCycleOpened, EventCycleEdited, EventRecognised, EventDeclined, EventGuidePublished, EventConferenceUpdated,
		EventResourcesSubmitted, EventQualityTracked, EventCodeIssued, EventCodeRevoked, EventCodeUsed}, fileEventTypes...)
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

// Recognised: the steering committee recognised a conference (R-NOM-06).
type Recognised struct {
	Entry GuideEntry `json:"entry"`
	By    uuid.UUID  `json:"by"`
	At    time.Time  `json:"at"`
}

// Declined: the steering committee declined a recommendation.
type Declined struct {
	File           uuid.UUID `json:"nominationId"`
	Recommendation uuid.UUID `json:"recommendationId"`
	Reason         string    `json:"reason"`
	By             uuid.UUID `json:"by"`
	At             time.Time `json:"at"`
}

// GuidePublished: the guide is out: the catalogue and the public list.
type GuidePublished struct {
	Conferences int       `json:"conferences"`
	By          uuid.UUID `json:"by"`
	At          time.Time `json:"at"`
}

// ConferenceUpdated: the host updated a recognised conference at least
// two weeks before it opens (R-NOM-05).
type ConferenceUpdated struct {
	Recommendation uuid.UUID   `json:"recommendationId"`
	Opening        domain.Date `json:"openingDate"`
	Place          string      `json:"place"`
	By             uuid.UUID   `json:"by"`
	At             time.Time   `json:"at"`
}

// ResourcesSubmitted: the host's resources after the conference (R-NOM-05).
type ResourcesSubmitted struct {
	Recommendation uuid.UUID `json:"recommendationId"`
	Resources      Resources `json:"resources"`
	By             uuid.UUID `json:"by"`
	At             time.Time `json:"at"`
}

// QualityTracked: the host takes part in quality tracking (R-NOM-06).
type QualityTracked struct {
	Recommendation uuid.UUID `json:"recommendationId"`
	By             uuid.UUID `json:"by"`
	At             time.Time `json:"at"`
}

func (Recognised) EventType() string         { return EventRecognised }
func (Declined) EventType() string           { return EventDeclined }
func (GuidePublished) EventType() string     { return EventGuidePublished }
func (ConferenceUpdated) EventType() string  { return EventConferenceUpdated }
func (ResourcesSubmitted) EventType() string { return EventResourcesSubmitted }
func (QualityTracked) EventType() string     { return EventQualityTracked }

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
	case EventRecognised:
		return decode[Recognised](eventType, data)
	case EventDeclined:
		return decode[Declined](eventType, data)
	case EventGuidePublished:
		return decode[GuidePublished](eventType, data)
	case EventConferenceUpdated:
		return decode[ConferenceUpdated](eventType, data)
	case EventResourcesSubmitted:
		return decode[ResourcesSubmitted](eventType, data)
	case EventQualityTracked:
		return decode[QualityTracked](eventType, data)
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
