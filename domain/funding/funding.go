package funding

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

// Place is an institute's place in its academy's tree: the institute (the
// unit's part), the academy (the university's), the bureau (the
// authority's).
type Place struct {
	Institute, Academy, Bureau uuid.UUID
}

// Funding is the aggregate: one institute's application for one
// conference.
type Funding struct {
	id        uuid.UUID
	owner     uuid.UUID
	place     Place
	status    Status
	app       Application
	flags     Flags
	year      int  // the call's year once submitted
	submitted bool // it reached the bureau at least once
	grantFen  int64
	after     after
	pending   []Event
}

// after is what happened once granted (R-FUND-05, R-FUND-06, R-FUND-09).
type after struct {
	acknowledged bool
	progress     int
	summary      *SummaryFiled
	reminded     map[domain.Date][]int
	overdue      map[domain.Date]bool
	files        []uuid.UUID // the evidence and the reports' files
}

// New is an application not yet drafted, with the given id.
func New(id uuid.UUID) *Funding { return &Funding{id: id} }

func (f *Funding) ID() uuid.UUID            { return f.id }
func (f *Funding) Status() Status           { return f.status }
func (f *Funding) Application() Application { return f.app }
func (f *Funding) Flags() Flags             { return f.flags }
func (f *Funding) Place() Place             { return f.place }

// Year is the call's year once submitted (the conference's year of
// opening), 0 before.
func (f *Funding) Year() int { return f.year }

// GrantFen is the amount the bureau granted; 0 unless granted.
func (f *Funding) GrantFen() int64 { return f.grantFen }

// RefersTo reports whether the application refers to the upload: its
// approval scan, its proof, the evidence and the reports' files.
func (f *Funding) RefersTo(file uuid.UUID) bool {
	return file != uuid.Nil && (f.app.Approval.ScanFileID == file || slices.Contains(f.app.Statements.Proof, file) ||
		slices.Contains(f.after.files, file))
}

// Exists reports whether it was drafted.
func (f *Funding) Exists() bool { return f.status != "" }

// Scope is its place in the tree: the institute as unit, the academy as
// university, the bureau as authority, which sees it once submitted.
func (f *Funding) Scope() domain.Scope {
	return domain.Scope{Owner: f.owner, Unit: f.place.Institute, University: f.place.Academy, Authority: f.place.Bureau, AtAuthority: f.submitted}
}

// Pending are the events recorded by behaviour methods since New.
func (f *Funding) Pending() []Event { return slices.Clone(f.pending) }

// Apply folds one stored event into the state; it never fails.
func (f *Funding) Apply(e Event) {
	switch e := e.(type) {
	case Drafted:
		f.id, f.owner, f.place = e.ID, e.Owner, Place{Institute: e.Institute, Academy: e.Academy, Bureau: e.Bureau}
		f.app, f.flags, f.status = e.Application, e.Flags, StatusDraft
	case Edited:
		f.app, f.flags = e.Application, e.Flags
	case Submitted:
		f.status, f.year, f.submitted = StatusSubmitted, e.Year, true
	case Withdrawn:
		f.status = StatusWithdrawn
	case Granted:
		f.status, f.grantFen = StatusGranted, e.AmountFen
	case Rejected:
		f.status = StatusRejected
	case Returned:
		f.status = StatusReturned
	case Acknowledged:
		f.after.acknowledged = true
		f.after.files = append(f.after.files, e.Evidence...)
	case ProgressFiled:
		f.after.progress++
		f.after.files = append(f.after.files, e.Files...)
	case SummaryFiled:
		sf := e
		f.after.summary = &sf
		f.after.files = append(f.after.files, e.Files...)
	case SummaryReminded:
		if f.after.reminded == nil {
			f.after.reminded = map[domain.Date][]int{}
		}
		f.after.reminded[e.DueDate] = append(f.after.reminded[e.DueDate], e.DaysBefore)
	case SummaryOverdue:
		if f.after.overdue == nil {
			f.after.overdue = map[domain.Date]bool{}
		}
		f.after.overdue[e.DueDate] = true
	}
}

func (f *Funding) record(e Event) {
	f.Apply(e)
	f.pending = append(f.pending, e)
}

// admin reports whether a acts for the application's institute: its
// administrator (a unit admin of the institute), who applies (seed 002).
func (f *Funding) admin(a domain.Actor) bool {
	return a.Role == domain.RoleUnitAdmin && a.OrgID == f.place.Institute
}

// Draft starts an application of the actor's institute. The actor must be
// an institute's administrator (place names the institute it belongs to,
// as the command found it: zero when the actor's organisation is not an
// institute).
func (f *Funding) Draft(a domain.Actor, place Place, app Application, p policy.Policy, now time.Time) error {
	if a.Role != domain.RoleUnitAdmin || place.Institute == uuid.Nil || place.Institute != a.OrgID {
		return fmt.Errorf("draft funding application: only an institute's administrator applies (seed 002): %w", domain.ErrForbidden)
	}
	if f.Exists() {
		return fmt.Errorf("draft funding application %s: already exists: %w", f.id, domain.ErrConflict)
	}
	flags, err := Check(&app, p.Funding, p.Text)
	if err != nil {
		return err
	}
	f.record(Drafted{ID: f.id, Owner: a.UserID, Institute: place.Institute, Academy: place.Academy, Bureau: place.Bureau,
		Application: app, Flags: flags, At: now})
	return nil
}

// Edit replaces the application while the institute holds it; the same
// application again records nothing.
func (f *Funding) Edit(a domain.Actor, app Application, p policy.Policy, now time.Time) error {
	if _, err := Flow.Own(procedure.State(f.status), f.admin(a), procedure.Edit, Facts{}); err != nil {
		return fmt.Errorf("funding application %s: %w", f.id, err)
	}
	flags, err := Check(&app, p.Funding, p.Text)
	if err != nil {
		return err
	}
	if !equal(app, f.app) {
		f.record(Edited{Application: app, Flags: flags, At: now})
	}
	return nil
}

// Submit hands the application in to the bureau's call (R-FUND-03) for an
// approved conference (R-FUND-02); facts carry the call and the approval
// as the command found them, Today and Opening are filled here. The
// application is checked again under the policy in force.
func (f *Funding) Submit(a domain.Actor, facts Facts, p policy.Policy, now time.Time) error {
	facts.Today, facts.Opening, facts.Year = domain.DateOf(now), f.app.Conference.OpeningDate, f.app.Conference.OpeningDate.Year
	if _, err := Flow.Own(procedure.State(f.status), f.admin(a), procedure.Submit, facts); err != nil {
		return fmt.Errorf("funding application %s: %w", f.id, err)
	}
	app := f.app
	if _, err := Check(&app, p.Funding, p.Text); err != nil {
		return err
	}
	f.record(Submitted{Year: facts.Year, By: a.UserID, At: now})
	return nil
}

// Withdraw takes the application back before the bureau decides.
func (f *Funding) Withdraw(a domain.Actor, now time.Time) error {
	if _, err := Flow.Own(procedure.State(f.status), f.admin(a), procedure.Withdraw, Facts{}); err != nil {
		return fmt.Errorf("funding application %s: %w", f.id, err)
	}
	f.record(Withdrawn{By: a.UserID, At: now})
	return nil
}

// reviewEvents record the bureau's decisions.
var reviewEvents = procedure.Events[Event]{
	{Decision: procedure.Reject}: func(r procedure.Decided) Event { return Rejected{Reason: r.Text, At: r.Now} },
	{Decision: procedure.Return}: func(r procedure.Decided) Event { return Returned{Reason: r.Text, At: r.Now} },
}

// Decide records the bureau's rejection or return (at is "": the level
// holding it) with its reason, as Flow allows it. A grant needs its
// amount: Grant.
func (f *Funding) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	facts := Facts{}
	if d == procedure.Approve {
		facts = f.grantFacts(0, policy.Policy{})
	}
	e, err := procedure.Record(&Flow, reviewEvents, procedure.State(f.status), a.Role, d, at, text, now, facts)
	if err != nil {
		return fmt.Errorf("funding application %s: %w", f.id, err)
	}
	f.record(e)
	return nil
}

// Grant records the bureau's grant of amountFen with an optional comment:
// no more than requested (R-FUND-05), no more than the category's cap
// under the policy in force (R-FUND-04).
func (f *Funding) Grant(a domain.Actor, amountFen int64, comment string, p policy.Policy, now time.Time) error {
	if _, err := Flow.Review(procedure.State(f.status), a.Role, procedure.Approve, procedure.Bureau, comment, f.grantFacts(amountFen, p)); err != nil {
		return fmt.Errorf("funding application %s: %w", f.id, err)
	}
	f.record(Granted{AmountFen: amountFen, Comment: strings.TrimSpace(comment), At: now})
	return nil
}

func (f *Funding) grantFacts(amountFen int64, p policy.Policy) Facts {
	cat, _ := p.Funding.Category(f.app.Category)
	return Facts{GrantFen: amountFen, RequestedFen: f.app.RequestedFen, CapFen: cat.CapFen, Category: f.app.Category}
}

func equal(a, b Application) bool {
	return a.Conference == b.Conference && a.Approval == b.Approval && a.Category == b.Category && a.Nature == b.Nature &&
		a.AcademyFirstHost == b.AcademyFirstHost && a.Attendance == b.Attendance && a.RequestedFen == b.RequestedFen &&
		a.Statements.ForeignLeaders == b.Statements.ForeignLeaders && a.Statements.Sensitive == b.Statements.Sensitive &&
		a.Statements.AcademyName == b.Statements.AcademyName && a.Statements.AcademyLeaders == b.Statements.AcademyLeaders &&
		slices.Equal(a.Statements.Proof, b.Statements.Proof) && a.Budget.TotalFen == b.Budget.TotalFen &&
		slices.Equal(a.Budget.Sources, b.Budget.Sources)
}
