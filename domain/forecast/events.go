package forecast

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/google/uuid"
)

// Event names as stored. They are part of the stored history: never derive
// them from Go type names and never change one.
const (
	EventSubmitted           = "forecast.submitted"
	EventRevised             = "forecast.revised"
	EventWithdrawn           = "forecast.withdrawn"
	EventApprovedAtUnit      = "forecast.approved_at_unit"
	EventApprovedAtSchool    = "forecast.approved_at_school"
	EventApprovedByAuthority = "forecast.approved_by_authority"
	EventRejected            = "forecast.rejected"
	EventSignedFormAttached  = "forecast.signed_form_attached"
)

// EventTypes lists every forecast event name.
func EventTypes() []string {
	return []string{EventSubmitted, EventRevised, EventWithdrawn, EventApprovedAtUnit,
		EventApprovedAtSchool, EventApprovedByAuthority, EventRejected, EventSignedFormAttached}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("forecast: unknown event type")

// Event is a fact in a forecast's history. At, in every event, is the
// decision time read from the policy clock (the rules depend on it: the
// window, the plan year); who decided travels in the store's metadata.
type Event interface {
	EventType() string
}

// Submitted: an applicant sent a new forecast (R-FC-01, R-FC-04).
type Submitted struct {
	ForecastID   uuid.UUID        `json:"forecastId"`
	ApplicantID  uuid.UUID        `json:"applicantId"`
	UnitID       uuid.UUID        `json:"unitId"`
	UniversityID uuid.UUID        `json:"universityId"`
	AuthorityID  uuid.UUID        `json:"authorityId"`
	PlanYear     int              `json:"planYear"`
	Details      Details          `json:"details"`
	Computed     classify.Scale   `json:"computed"`
	Warnings     []domain.Warning `json:"warnings,omitempty"`
	At           time.Time        `json:"at"`
}

// Revised: the applicant changed the details and resubmitted (R-FC-05/06).
type Revised struct {
	Details  Details          `json:"details"`
	Computed classify.Scale   `json:"computed"`
	Warnings []domain.Warning `json:"warnings,omitempty"`
	At       time.Time        `json:"at"`
}

// Withdrawn: the applicant deleted the forecast (R-FC-06).
type Withdrawn struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// ApprovedAtUnit: the unit admin passed the first review (单位初审通过).
type ApprovedAtUnit struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// ApprovedAtSchool: the university's international office passed it
// (单位终审通过); from here the authority sees it.
type ApprovedAtSchool struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// ApprovedByAuthority: the authority put it into next year's plan
// (预报审核通过).
type ApprovedByAuthority struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Rejected: a reviewer sent it back with a reason (审核驳回). Stage is the
// status it was rejected in, and so tells which level rejected it.
type Rejected struct {
	Stage  Status    `json:"stage"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// SignedForm is an uploaded scan of the signed and stamped forecast
// application form (R-FC-08), as the file store keeps it.
type SignedForm struct {
	ID          uuid.UUID `json:"id"`
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
}

// SignedFormAttached: the unit admin uploaded the signed and stamped form
// (R-FC-08). A later upload adds to the record; none replaces history.
type SignedFormAttached struct {
	File SignedForm `json:"file"`
	At   time.Time  `json:"at"`
}

func (SignedFormAttached) EventType() string { return EventSignedFormAttached }

func (Submitted) EventType() string           { return EventSubmitted }
func (Revised) EventType() string             { return EventRevised }
func (Withdrawn) EventType() string           { return EventWithdrawn }
func (ApprovedAtUnit) EventType() string      { return EventApprovedAtUnit }
func (ApprovedAtSchool) EventType() string    { return EventApprovedAtSchool }
func (ApprovedByAuthority) EventType() string { return EventApprovedByAuthority }
func (Rejected) EventType() string            { return EventRejected }

// Decode reads a stored event by its name. Unknown JSON fields are ignored
// so that older code can read newer events.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventSubmitted:
		return decode[Submitted](eventType, data)
	case EventRevised:
		return decode[Revised](eventType, data)
	case EventWithdrawn:
		return decode[Withdrawn](eventType, data)
	case EventApprovedAtUnit:
		return decode[ApprovedAtUnit](eventType, data)
	case EventApprovedAtSchool:
		return decode[ApprovedAtSchool](eventType, data)
	case EventApprovedByAuthority:
		return decode[ApprovedByAuthority](eventType, data)
	case EventRejected:
		return decode[Rejected](eventType, data)
	case EventSignedFormAttached:
		return decode[SignedFormAttached](eventType, data)
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
