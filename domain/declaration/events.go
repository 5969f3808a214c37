package declaration

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Event names as stored. They are part of the stored history: never derive
// them from Go type names and never change one.
const (
	EventStarted             = "declaration.started"
	EventApplicantSaved      = "declaration.applicant_saved"
	EventBasicSaved          = "declaration.basic_saved"
	EventAttendanceSaved     = "declaration.attendance_saved"
	EventHostingSaved        = "declaration.hosting_saved"
	EventBudgetSaved         = "declaration.budget_saved"
	EventStatementsSaved     = "declaration.statements_saved"
	EventContentSaved        = "declaration.content_saved"
	EventPeopleSaved         = "declaration.people_saved"
	EventAgendaSaved         = "declaration.agenda_saved"
	EventContactsSaved       = "declaration.contacts_saved"
	EventSubmitted           = "declaration.submitted"
	EventWithdrawn           = "declaration.withdrawn"
	EventApprovedAtUnit      = "declaration.approved_at_unit"
	EventApprovedAtSchool    = "declaration.approved_at_school"
	EventApprovedByAuthority = "declaration.approved_by_authority"
	EventRejected            = "declaration.rejected"
)

// EventTypes lists every declaration event name.
func EventTypes() []string {
	return []string{EventStarted, EventApplicantSaved, EventBasicSaved, EventAttendanceSaved,
		EventHostingSaved, EventBudgetSaved, EventStatementsSaved, EventContentSaved, EventPeopleSaved,
		EventAgendaSaved, EventContactsSaved, EventSubmitted, EventWithdrawn, EventApprovedAtUnit,
		EventApprovedAtSchool, EventApprovedByAuthority, EventRejected}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("declaration: unknown event type")

// Event is a fact in a declaration's history. At, in every event, is the
// decision time read from the policy clock (the lead times depend on it);
// who decided travels in the store's metadata.
type Event interface {
	EventType() string
}

// Started: an applicant acknowledged the notice and opened a draft
// (R-DECL-01, R-DECL-02), from an approved forecast (ForecastID) or, for a
// small natural-science conference, directly (ForecastID is uuid.Nil).
type Started struct {
	DeclarationID uuid.UUID `json:"declarationId"`
	ApplicantID   uuid.UUID `json:"applicantId"`
	UnitID        uuid.UUID `json:"unitId"`
	UniversityID  uuid.UUID `json:"universityId"`
	AuthorityID   uuid.UUID `json:"authorityId"`
	ForecastID    uuid.UUID `json:"forecastId,omitzero"`
	Form          Form      `json:"form"`
	At            time.Time `json:"at"`
}

// The section events replace one section of the draft (R-DECL-15). Saving
// a submitted or rejected declaration returns it to draft: it must be
// submitted again, so a reviewer never sees a half-edited form.

// ApplicantSaved replaces the applicant's details.
type ApplicantSaved struct {
	Applicant Applicant `json:"applicant"`
	At        time.Time `json:"at"`
}

// BasicSaved replaces the basic information; Warnings are the names'.
type BasicSaved struct {
	Basic    Basic            `json:"basic"`
	Warnings []domain.Warning `json:"warnings,omitempty"`
	At       time.Time        `json:"at"`
}

// AttendanceSaved replaces the attendance counts.
type AttendanceSaved struct {
	Attendance Attendance `json:"attendance"`
	At         time.Time  `json:"at"`
}

// HostingSaved replaces the hosting organisations.
type HostingSaved struct {
	Hosting []Organisation `json:"hosting"`
	At      time.Time      `json:"at"`
}

// BudgetSaved replaces the budget lines.
type BudgetSaved struct {
	Budget []BudgetLine `json:"budget"`
	At     time.Time    `json:"at"`
}

// StatementsSaved replaces the special statements.
type StatementsSaved struct {
	Statements Statements `json:"statements"`
	At         time.Time  `json:"at"`
}

// ContentSaved replaces theme, topics, previous editions, Taiwan statement
// and background.
type ContentSaved struct {
	Content Content   `json:"content"`
	At      time.Time `json:"at"`
}

// PeopleSaved replaces every group of key people (also by a spreadsheet
// import).
type PeopleSaved struct {
	People People    `json:"people"`
	At     time.Time `json:"at"`
}

// AgendaSaved replaces the agenda.
type AgendaSaved struct {
	Agenda []AgendaItem `json:"agenda"`
	At     time.Time    `json:"at"`
}

// ContactsSaved replaces the contacts.
type ContactsSaved struct {
	Contacts []Contact `json:"contacts"`
	At       time.Time `json:"at"`
}

// Submitted: the applicant acknowledged the commitment letter and every
// rule passed (个人申请, R-DECL-15). Lead records the computed category,
// the filing mode, the date the university must file by and the NGO filing
// deadline (R-DECL-05, R-DECL-11); Warnings are for reviewers.
type Submitted struct {
	Lead Lead `json:"lead"`
	// Similar is the R-DECL-19 check in force, so reviewers' warnings are
	// computed with the policy the submission was decided under.
	Similar  policy.SimilarCheck `json:"similar"`
	Warnings []domain.Warning    `json:"warnings,omitempty"`
	At       time.Time           `json:"at"`
}

// Withdrawn: the applicant withdrew it before the authority decided.
type Withdrawn struct {
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// ApprovedAtUnit: the unit admin passed the first review (单位初审通过); the
// applicant is notified to fetch the approval form (R-DECL-17).
type ApprovedAtUnit struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// ApprovedAtSchool: the university's international office passed it and
// files the request with the authority, online or on paper, by FileBy
// (R-DECL-05). Late says the approval came after FileBy.
type ApprovedAtSchool struct {
	Comment string      `json:"comment,omitempty"`
	Filing  Filing      `json:"filing"`
	FileBy  domain.Date `json:"fileBy"`
	Late    bool        `json:"late,omitempty"`
	At      time.Time   `json:"at"`
}

// ApprovedByAuthority: the authority approved the conference (获批).
type ApprovedByAuthority struct {
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
}

// Rejected: a reviewer sent it back with a reason. Stage is the status it
// was rejected in and so tells which level rejected it.
type Rejected struct {
	Stage  Status    `json:"stage"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

func (Started) EventType() string             { return EventStarted }
func (ApplicantSaved) EventType() string      { return EventApplicantSaved }
func (BasicSaved) EventType() string          { return EventBasicSaved }
func (AttendanceSaved) EventType() string     { return EventAttendanceSaved }
func (HostingSaved) EventType() string        { return EventHostingSaved }
func (BudgetSaved) EventType() string         { return EventBudgetSaved }
func (StatementsSaved) EventType() string     { return EventStatementsSaved }
func (ContentSaved) EventType() string        { return EventContentSaved }
func (PeopleSaved) EventType() string         { return EventPeopleSaved }
func (AgendaSaved) EventType() string         { return EventAgendaSaved }
func (ContactsSaved) EventType() string       { return EventContactsSaved }
func (Submitted) EventType() string           { return EventSubmitted }
func (Withdrawn) EventType() string           { return EventWithdrawn }
func (ApprovedAtUnit) EventType() string      { return EventApprovedAtUnit }
func (ApprovedAtSchool) EventType() string    { return EventApprovedAtSchool }
func (ApprovedByAuthority) EventType() string { return EventApprovedByAuthority }
func (Rejected) EventType() string            { return EventRejected }

// decoders maps each stored name to its decoder.
var decoders = map[string]func([]byte) (Event, error){
	EventStarted:             decode[Started],
	EventApplicantSaved:      decode[ApplicantSaved],
	EventBasicSaved:          decode[BasicSaved],
	EventAttendanceSaved:     decode[AttendanceSaved],
	EventHostingSaved:        decode[HostingSaved],
	EventBudgetSaved:         decode[BudgetSaved],
	EventStatementsSaved:     decode[StatementsSaved],
	EventContentSaved:        decode[ContentSaved],
	EventPeopleSaved:         decode[PeopleSaved],
	EventAgendaSaved:         decode[AgendaSaved],
	EventContactsSaved:       decode[ContactsSaved],
	EventSubmitted:           decode[Submitted],
	EventWithdrawn:           decode[Withdrawn],
	EventApprovedAtUnit:      decode[ApprovedAtUnit],
	EventApprovedAtSchool:    decode[ApprovedAtSchool],
	EventApprovedByAuthority: decode[ApprovedByAuthority],
	EventRejected:            decode[Rejected],
}

// Decode reads a stored event by its name. Unknown JSON fields are ignored
// so that older code can read newer events.
func Decode(eventType string, data []byte) (Event, error) {
	d, ok := decoders[eventType]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
	}
	e, err := d(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

func decode[E Event](data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err
	}
	return e, nil
}
