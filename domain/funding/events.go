package funding

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

// Event names as stored; never change one.
const (
	EventDrafted   = "funding.drafted"
	EventEdited    = "funding.edited"
	EventSubmitted = "funding.submitted"
	EventWithdrawn = "funding.withdrawn"
	EventGranted   = "funding.granted"
	EventRejected  = "funding.rejected"
	EventReturned  = "funding.returned"
	// After the grant (R-FUND-05, R-FUND-06, R-FUND-09).
	EventAcknowledged    = "funding.acknowledged"
	EventProgressFiled   = "funding.progress_reported"
	EventSummaryFiled    = "funding.summary_filed"
	EventSummaryReminded = "funding.summary_reminded"
	EventSummaryOverdue  = "funding.summary_overdue"
)

// EventTypes lists every funding event name.
func EventTypes() []string {
	return []string{EventDrafted, EventEdited, EventSubmitted, EventWithdrawn, EventGranted, EventRejected, EventReturned,
		EventAcknowledged, EventProgressFiled, EventSummaryFiled, EventSummaryReminded, EventSummaryOverdue}
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

// Granted: the bureau funds the conference with AmountFen, no more than
// requested (R-FUND-05) nor the category's cap (R-FUND-04).
type Granted struct {
	AmountFen int64     `json:"amountFen"`
	Comment   string    `json:"comment,omitempty"`
	At        time.Time `json:"at"`
}

// Rejected: the bureau refuses to fund it, with its reason.
type Rejected struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Returned: the bureau sends it back to the institute for revision, with
// its reason; the institute edits and submits again.
type Returned struct {
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Acknowledged: the funded conference acknowledges the funder
// (中国科学院国际合作局资助) in its materials (R-FUND-05, 第十三条), with the
// uploaded evidence.
type Acknowledged struct {
	Evidence []uuid.UUID `json:"evidence"`
	Note     string      `json:"note,omitempty"`
	By       uuid.UUID   `json:"by"`
	At       time.Time   `json:"at"`
}

// ProgressFiled: a progress report during the preparation (进展情况,
// R-FUND-09, 第十四条).
type ProgressFiled struct {
	Text  string      `json:"text"`
	Files []uuid.UUID `json:"files,omitempty"`
	By    uuid.UUID   `json:"by"`
	At    time.Time   `json:"at"`
}

// SummaryFiled: the summary report after the conference (R-FUND-06,
// 第十五条–第十六条), with its results and media; Late when handed in after
// DueDate.
type SummaryFiled struct {
	Text    string      `json:"text"`
	Files   []uuid.UUID `json:"files,omitempty"`
	DueDate domain.Date `json:"dueDate"`
	Late    bool        `json:"late,omitempty"`
	By      uuid.UUID   `json:"by"`
	At      time.Time   `json:"at"`
}

// SummaryReminded: the deadline engine reminded the institute DaysBefore
// days before the summary's DueDate.
type SummaryReminded struct {
	Institute  uuid.UUID   `json:"institute"`
	DueDate    domain.Date `json:"dueDate"`
	DaysBefore int         `json:"daysBefore"`
	At         time.Time   `json:"at"`
}

// SummaryOverdue: the deadline engine found the summary not in by DueDate
// (R-FUND-06), noticed on Today; recorded once per due date.
type SummaryOverdue struct {
	Institute uuid.UUID   `json:"institute"`
	DueDate   domain.Date `json:"dueDate"`
	Today     domain.Date `json:"today"`
	At        time.Time   `json:"at"`
}

func (Acknowledged) EventType() string    { return EventAcknowledged }
func (ProgressFiled) EventType() string   { return EventProgressFiled }
func (SummaryFiled) EventType() string    { return EventSummaryFiled }
func (SummaryReminded) EventType() string { return EventSummaryReminded }
func (SummaryOverdue) EventType() string  { return EventSummaryOverdue }

func (Drafted) EventType() string   { return EventDrafted }
func (Edited) EventType() string    { return EventEdited }
func (Submitted) EventType() string { return EventSubmitted }
func (Withdrawn) EventType() string { return EventWithdrawn }
func (Granted) EventType() string   { return EventGranted }
func (Rejected) EventType() string  { return EventRejected }
func (Returned) EventType() string  { return EventReturned }

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
	case EventGranted:
		return decode[Granted](eventType, data)
	case EventRejected:
		return decode[Rejected](eventType, data)
	case EventReturned:
		return decode[Returned](eventType, data)
	case EventAcknowledged:
		return decode[Acknowledged](eventType, data)
	case EventProgressFiled:
		return decode[ProgressFiled](eventType, data)
	case EventSummaryFiled:
		return decode[SummaryFiled](eventType, data)
	case EventSummaryReminded:
		return decode[SummaryReminded](eventType, data)
	case EventSummaryOverdue:
		return decode[SummaryOverdue](eventType, data)
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
