package delegation

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
	EventNomineeAdded        = "delegation.nominee_added"
	EventNomineeApproved     = "delegation.nominee_approved"
	EventNomineeRejected     = "delegation.nominee_rejected"
	EventNomineeRevoked      = "delegation.nominee_revoked"
	EventNomineeDeregistered = "delegation.nominee_deregistered"
	EventReported            = "delegation.reported"
	EventNomineeEdited       = "delegation.nominee_edited"
	EventFinalApproved       = "delegation.nominee_final_approved"
	EventFinalRejected       = "delegation.nominee_final_rejected"
	EventNomineeDisabled     = "delegation.nominee_disabled"
	EventNomineeEnabled      = "delegation.nominee_enabled"
	EventAttachmentsSet      = "delegation.nominee_attachments_set"
)

// EventTypes lists every delegation event name.
func EventTypes() []string {
	return []string{EventNomineeAdded, EventNomineeApproved, EventNomineeRejected, EventNomineeRevoked, EventNomineeDeregistered, EventReported,
		EventNomineeEdited, EventFinalApproved, EventFinalRejected, EventNomineeDisabled, EventNomineeEnabled, EventAttachmentsSet}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("delegation: unknown event type")

// Event is a fact in a delegation's history.
type Event interface{ EventType() string }

// NomineeAdded: the unit added a nominee within its quota (R-DEL-02). The
// nominee is a person of their own (PIPL): the nominee id is the person's
// id, and their name, birth date and details are written encrypted under
// their data key (internal/personal), read back in clear until they are
// erased. The indicators computed from the details at the reference date
// stay in clear: the quota counts hold once the person is gone.
type NomineeAdded struct {
	Congress   uuid.UUID   `json:"congress"`
	Unit       uuid.UUID   `json:"unit"`
	Organiser  uuid.UUID   `json:"organiser"`
	Nominee    uuid.UUID   `json:"nominee" personal:"id"`
	Name       string      `json:"name" personal:"field"`
	BirthDate  domain.Date `json:"birthDate,omitzero" personal:"field"`
	Identity   Identity    `json:"identity"`
	Profile    Profile     `json:"profile" personal:"field"`
	Indicators Indicators  `json:"indicators"`
	By         uuid.UUID   `json:"by"`
	At         time.Time   `json:"at"`
}

// NomineeApproved: the unit's initial review passed the nominee (初审通过).
type NomineeApproved struct {
	Nominee uuid.UUID `json:"nominee" personal:"id"`
	Opinion string    `json:"opinion,omitempty" personal:"field"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeRejected: the unit's initial review refused the nominee, with an
// opinion; the nominee goes to the "not approved" list (R-DEL-03).
type NomineeRejected struct {
	Nominee uuid.UUID `json:"nominee" personal:"id"`
	Opinion string    `json:"opinion" personal:"field"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeRevoked: the unit took back its approval or rejection (撤销):
// the nominee awaits the initial review again (R-DEL-03).
type NomineeRevoked struct {
	Nominee uuid.UUID `json:"nominee"`
	From    Status    `json:"from"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeDeregistered: the unit removed the nominee (注销, R-DEL-08).
type NomineeDeregistered struct {
	Nominee uuid.UUID `json:"nominee"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// AllReported: the unit reported every approved nominee to the organiser
// (全部上报, R-DEL-04) with every indicator met.
type AllReported struct {
	Nominees []uuid.UUID `json:"nominees"`
	By       uuid.UUID   `json:"by"`
	At       time.Time   `json:"at"`
}

// NomineeEdited: the unit changed a nominee's name or details (not its
// identity); a nominee the organiser rejected goes back to it (R-DEL-05),
// one the unit rejected back to the initial review.
// Its personal fields are encrypted as NomineeAdded's.
type NomineeEdited struct {
	Nominee    uuid.UUID   `json:"nominee" personal:"id"`
	Name       string      `json:"name" personal:"field"`
	BirthDate  domain.Date `json:"birthDate,omitzero" personal:"field"`
	Profile    Profile     `json:"profile" personal:"field"`
	Indicators Indicators  `json:"indicators"`
	Next       Status      `json:"next"`
	By         uuid.UUID   `json:"by"`
	At         time.Time   `json:"at"`
}

// NomineeFinalApproved: the organiser's final review passed the nominee (终审审核通过).
type NomineeFinalApproved struct {
	Nominee uuid.UUID `json:"nominee" personal:"id"`
	Opinion string    `json:"opinion,omitempty" personal:"field"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeFinalRejected: the organiser's final review refused the nominee, with
// an opinion (终审审核不通过); the unit may edit and resubmit it (R-DEL-05).
type NomineeFinalRejected struct {
	Nominee uuid.UUID `json:"nominee" personal:"id"`
	Opinion string    `json:"opinion" personal:"field"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeDisabled: the unit disabled the nominee's account (禁用, R-DEL-08).
type NomineeDisabled struct {
	Nominee uuid.UUID `json:"nominee"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeEnabled: the unit enabled the nominee's account again (启用).
type NomineeEnabled struct {
	Nominee uuid.UUID `json:"nominee"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// NomineeAttachmentsSet: the unit's files attached to the nominee, all of
// them (上传文件). The files (their names say whose they are) are the
// nominee's personal fields, encrypted as NomineeAdded's.
type NomineeAttachmentsSet struct {
	Nominee uuid.UUID    `json:"nominee" personal:"id"`
	Files   []Attachment `json:"files" personal:"field"`
	By      uuid.UUID    `json:"by"`
	At      time.Time    `json:"at"`
}

func (NomineeDisabled) EventType() string       { return EventNomineeDisabled }
func (NomineeEnabled) EventType() string        { return EventNomineeEnabled }
func (NomineeAttachmentsSet) EventType() string { return EventAttachmentsSet }

func (NomineeEdited) EventType() string        { return EventNomineeEdited }
func (NomineeFinalApproved) EventType() string { return EventFinalApproved }
func (NomineeFinalRejected) EventType() string { return EventFinalRejected }

func (NomineeAdded) EventType() string        { return EventNomineeAdded }
func (NomineeApproved) EventType() string     { return EventNomineeApproved }
func (NomineeRejected) EventType() string     { return EventNomineeRejected }
func (NomineeRevoked) EventType() string      { return EventNomineeRevoked }
func (NomineeDeregistered) EventType() string { return EventNomineeDeregistered }
func (AllReported) EventType() string         { return EventReported }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventNomineeAdded:
		return decode[NomineeAdded](eventType, data)
	case EventNomineeApproved:
		return decode[NomineeApproved](eventType, data)
	case EventNomineeRejected:
		return decode[NomineeRejected](eventType, data)
	case EventNomineeRevoked:
		return decode[NomineeRevoked](eventType, data)
	case EventNomineeDeregistered:
		return decode[NomineeDeregistered](eventType, data)
	case EventNomineeEdited:
		return decode[NomineeEdited](eventType, data)
	case EventFinalApproved:
		return decode[NomineeFinalApproved](eventType, data)
	case EventFinalRejected:
		return decode[NomineeFinalRejected](eventType, data)
	case EventReported:
		return decode[AllReported](eventType, data)
	case EventNomineeDisabled:
		return decode[NomineeDisabled](eventType, data)
	case EventNomineeEnabled:
		return decode[NomineeEnabled](eventType, data)
	case EventAttachmentsSet:
		return decode[NomineeAttachmentsSet](eventType, data)
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
