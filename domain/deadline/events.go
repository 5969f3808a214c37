package deadline

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
	EventReminded           = "deadline.reminded"
	EventSummaryOverdue     = "deadline.summary_overdue"
	EventFilingOverdue      = "deadline.filing_overdue"
	EventNGOFilingOverdue   = "deadline.ngo_filing_overdue"
	EventChangeWindowClosed = "deadline.change_window_closed"
	EventNGOFiled           = "deadline.ngo_filed"
)

// EventTypes lists every deadline event name.
func EventTypes() []string {
	return []string{EventReminded, EventSummaryOverdue, EventFilingOverdue, EventNGOFilingOverdue,
		EventChangeWindowClosed, EventNGOFiled}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("deadline: unknown event type")

// Event is a fact in a conference's deadline history.
type Event interface {
	EventType() string
}

// Ref names the conference a deadline fact is about and where it sits in
// the organisation tree, so read models and notifications need no lookup.
type Ref struct {
	DeclarationID uuid.UUID `json:"declarationId"`
	NameZh        string    `json:"nameZh"`
	ApplicantID   uuid.UUID `json:"applicantId"`
	UnitID        uuid.UUID `json:"unitId"`
	UniversityID  uuid.UUID `json:"universityId"`
	AuthorityID   uuid.UUID `json:"authorityId"`
}

// Passed is a deadline that passed: DueDate was the last day, and the
// engine noticed on Today (Asia/Shanghai).
type Passed struct {
	Ref
	DueDate domain.Date `json:"dueDate"`
	Today   domain.Date `json:"today"`
	At      time.Time   `json:"at"`
}

// Reminded: a reminder went out DaysBefore days before DueDate.
type Reminded struct {
	Ref
	Kind       Kind        `json:"kind"`
	DueDate    domain.Date `json:"dueDate"`
	DaysBefore int         `json:"daysBefore"`
	At         time.Time   `json:"at"`
}

// SummaryOverdue: the summary was not in by its due date (R-SUM-02); while
// it stays out, the blocked scope cannot submit declarations.
type SummaryOverdue struct{ Passed }

// FilingOverdue: the university had not passed the declaration by the day
// it must file with the authority (R-DECL-05).
type FilingOverdue struct{ Passed }

// NGOFilingOverdue: the overseas NGO's temporary activity was not
// confirmed as filed with the public security bureau by its day (R-DECL-11).
type NGOFilingOverdue struct{ Passed }

// ChangeWindowClosed: the last day to request a change passed (R-CHG-02).
type ChangeWindowClosed struct{ Passed }

// NGOFiled: the applicant confirmed the NGO filing with the provincial
// public security bureau (R-DECL-11), on FiledOn, with the receipt when
// there is one.
type NGOFiled struct {
	Ref
	FiledOn    domain.Date            `json:"filedOn"`
	Attachment declaration.Attachment `json:"attachment,omitzero"`
	At         time.Time              `json:"at"`
}

func (Reminded) EventType() string           { return EventReminded }
func (SummaryOverdue) EventType() string     { return EventSummaryOverdue }
func (FilingOverdue) EventType() string      { return EventFilingOverdue }
func (NGOFilingOverdue) EventType() string   { return EventNGOFilingOverdue }
func (ChangeWindowClosed) EventType() string { return EventChangeWindowClosed }
func (NGOFiled) EventType() string           { return EventNGOFiled }

// Decode reads a stored event by its name. Unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventReminded:
		return decode[Reminded](eventType, data)
	case EventSummaryOverdue:
		return decode[SummaryOverdue](eventType, data)
	case EventFilingOverdue:
		return decode[FilingOverdue](eventType, data)
	case EventNGOFilingOverdue:
		return decode[NGOFilingOverdue](eventType, data)
	case EventChangeWindowClosed:
		return decode[ChangeWindowClosed](eventType, data)
	case EventNGOFiled:
		return decode[NGOFiled](eventType, data)
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
