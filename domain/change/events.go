package change

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/google/uuid"
)

// Event names as stored. They are part of the stored history: never derive
// them from Go type names and never change one.
const (
	EventRequested = "change.requested"
	EventApproved  = "change.approved"
	EventRejected  = "change.rejected"
)

// EventTypes lists every change event name.
func EventTypes() []string {
	return []string{EventRequested, EventApproved, EventRejected}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("change: unknown event type")

// Event is a fact in a conference's change history. At, in every event, is
// the decision time read from the policy clock (R-CHG-02 depends on it);
// who decided travels in the store's metadata.
type Event interface {
	EventType() string
}

// Requested: the applicant asked to change an approved conference
// (R-CHG-01..04). Old are the conference's values when asked, New the
// values it would have on approval, so the history keeps both; Changed
// names the fields that differ. Seq counts the conference's requests from 1
// (R-CHG-03).
type Requested struct {
	RequestID     uuid.UUID              `json:"requestId"`
	DeclarationID uuid.UUID              `json:"declarationId"`
	ApplicantID   uuid.UUID              `json:"applicantId"`
	UnitID        uuid.UUID              `json:"unitId"`
	UniversityID  uuid.UUID              `json:"universityId"`
	AuthorityID   uuid.UUID              `json:"authorityId"`
	Seq           int                    `json:"seq"`
	Description   string                 `json:"description"`
	Changed       []Field                `json:"changed"`
	Old           Values                 `json:"old"`
	New           Values                 `json:"new"`
	Attachment    declaration.Attachment `json:"attachment,omitzero"`
	Warnings      []domain.Warning       `json:"warnings,omitempty"`
	// RequestBy is the last day the request was allowed (R-CHG-02).
	RequestBy domain.Date `json:"requestBy"`
	At        time.Time   `json:"at"`
}

// Approved: the school approved the request; the conference's values are
// now Requested.New (R-CHG-04).
type Approved struct {
	RequestID uuid.UUID `json:"requestId"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// Rejected: the school rejected the request with a reason; the conference
// keeps Requested.Old, and the request still counts (R-CHG-03).
type Rejected struct {
	RequestID uuid.UUID `json:"requestId"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

func (Requested) EventType() string { return EventRequested }
func (Approved) EventType() string  { return EventApproved }
func (Rejected) EventType() string  { return EventRejected }

// Decode reads a stored event by its name. Unknown JSON fields are ignored
// so that older code can read newer events.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventRequested:
		return decode[Requested](eventType, data)
	case EventApproved:
		return decode[Approved](eventType, data)
	case EventRejected:
		return decode[Rejected](eventType, data)
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

// Attachments are the uploads a request refers to through its typed
// fields: the material for the school (R-CHG-04) and the location
// approvals of the values before and after (R-DECL-07).
func (e Requested) Attachments() []declaration.Attachment {
	var out []declaration.Attachment
	for _, a := range []declaration.Attachment{e.Attachment, e.Old.Place.LocalApproval, e.New.Place.LocalApproval} {
		if !a.IsZero() {
			out = append(out, a)
		}
	}
	return out
}
