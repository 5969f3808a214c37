// Package declaration owns the formal declaration of an international
// conference (国际会议申报, R-DECL-01..16, 20): starting it from an approved
// forecast or, for a small natural-science conference, directly; the form,
// saved section by section as a draft and validated per field; the submit
// that checks every rule at once, classification and lead times included;
// the review flow from the unit through the university to the authority;
// and the events that record it. Its parameters that policy.Policy does not
// hold yet are Rules.
//
// Which unit or university an actor may act on is checked by the caller with
// domain.Allows; this package checks roles, ownership and status, the
// review chain as its Flow declares it (flow.go, domain/procedure). Files
// are references (Attachment): the file store checks them.
package declaration

import (
	"fmt"
	"slices"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

// Status is where a declaration stands (R-DECL-16).
type Status string

const (
	StatusDraft             Status = "draft"              // 保存会议信息
	StatusSubmitted         Status = "submitted"          // 个人申请
	StatusUnitApproved      Status = "unit_approved"      // 单位初审通过
	StatusUnitRejected      Status = "unit_rejected"      // 单位初审驳回
	StatusSchoolApproved    Status = "school_approved"    // 学校审核通过
	StatusSchoolRejected    Status = "school_rejected"    // 学校审核驳回
	StatusAuthorityApproved Status = "authority_approved" // 获批
	StatusAuthorityRejected Status = "authority_rejected" // 上级主管部门驳回
	StatusWithdrawn         Status = "withdrawn"          // 已撤回
)

// Statuses lists every status, for list filters.
var Statuses = []Status{StatusDraft, StatusSubmitted, StatusUnitApproved, StatusUnitRejected,
	StatusSchoolApproved, StatusSchoolRejected, StatusAuthorityApproved, StatusAuthorityRejected, StatusWithdrawn}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Zh is the label the seed uses where it names one.
func (s Status) Zh() string {
	switch s {
	case StatusDraft:
		return "保存会议信息"
	case StatusSubmitted:
		return "个人申请"
	case StatusUnitApproved:
		return "单位初审通过"
	case StatusUnitRejected:
		return "单位初审驳回"
	case StatusSchoolApproved:
		return "学校审核通过"
	case StatusSchoolRejected:
		return "学校审核驳回"
	case StatusAuthorityApproved:
		return "获批"
	case StatusAuthorityRejected:
		return "上级主管部门驳回"
	case StatusWithdrawn:
		return "已撤回"
	}
	return "新建"
}

// Declaration is the aggregate. Build it with New, replay history with
// Apply, then call one behaviour method and store Pending.
type Declaration struct {
	id          uuid.UUID
	status      Status
	applicant   uuid.UUID
	unit        uuid.UUID
	university  uuid.UUID
	authority   uuid.UUID
	atAuthority bool
	forecast    uuid.UUID
	form        Form
	warnings    []domain.Warning
	lead        Lead
	submittedAt time.Time
	rejection   Rejected
	pending     []Event
}

// New is an empty declaration with the given id.
func New(id uuid.UUID) *Declaration { return &Declaration{id: id} }

func (d *Declaration) ID() uuid.UUID          { return d.id }
func (d *Declaration) Status() Status         { return d.status }
func (d *Declaration) ApplicantID() uuid.UUID { return d.applicant }

// ForecastID is the forecast it started from; uuid.Nil when started
// directly (R-DECL-01).
func (d *Declaration) ForecastID() uuid.UUID { return d.forecast }

// Direct reports whether it started without a forecast, as a small
// natural-science conference (R-DECL-01).
func (d *Declaration) Direct() bool { return d.Exists() && d.forecast == uuid.Nil }

// Exists reports whether the declaration was started.
func (d *Declaration) Exists() bool { return d.status != "" }

// Form is the current form, a deep copy.
func (d *Declaration) Form() Form { return d.form.clone() }

// Warnings are the names' warnings of the last save or submit.
func (d *Declaration) Warnings() []domain.Warning { return slices.Clone(d.warnings) }

// Lead is what the last submission computed: category, filing mode and
// deadlines (R-DECL-05, R-DECL-11); zero before the first submission.
func (d *Declaration) Lead() Lead { return d.lead }

// Category is the scale computed at the last submission (R-CLS-05).
func (d *Declaration) Category() classify.Scale { return d.lead.Category }

// FilingDeadline is the last day the university files its request with the
// authority, and how (R-DECL-05).
func (d *Declaration) FilingDeadline() (domain.Date, Filing) { return d.lead.FileBy, d.lead.Filing }

// NGOFilingDeadline is the last day to file an overseas NGO's temporary
// activity; ok is false when there is none (R-DECL-11).
func (d *Declaration) NGOFilingDeadline() (date domain.Date, ok bool) {
	return d.lead.NGOFileBy, !d.lead.NGOFileBy.IsZero()
}

// SubmittedAt is when it was last submitted.
func (d *Declaration) SubmittedAt() time.Time { return d.submittedAt }

// Rejection is the last rejection (zero when never rejected); it is kept
// after edits so the applicant can still read it.
func (d *Declaration) Rejection() Rejected { return d.rejection }

// Scope places the declaration in the organisation tree (R-ACT-02).
func (d *Declaration) Scope() domain.Scope {
	return domain.Scope{Owner: d.applicant, Unit: d.unit, University: d.university,
		Authority: d.authority, AtAuthority: d.atAuthority}
}

// Pending are the events recorded by behaviour methods since New, in order.
func (d *Declaration) Pending() []Event { return slices.Clone(d.pending) }

// Apply folds one stored event into the state. It never fails: history is
// fact, and an unknown event is ignored.
func (d *Declaration) Apply(e Event) {
	switch e := e.(type) {
	case Started:
		d.id, d.applicant, d.unit, d.university, d.authority = e.DeclarationID, e.ApplicantID, e.UnitID, e.UniversityID, e.AuthorityID
		d.forecast, d.form = e.ForecastID, e.Form.clone()
		d.status = StatusDraft
	case ApplicantSaved:
		d.form.Applicant = e.Applicant
		d.status = StatusDraft
	case BasicSaved:
		d.form.Basic, d.warnings = e.Basic, slices.Clone(e.Warnings)
		d.status = StatusDraft
	case AttendanceSaved:
		d.form.Attendance = e.Attendance
		d.status = StatusDraft
	case HostingSaved:
		d.form.Hosting = slices.Clone(e.Hosting)
		d.status = StatusDraft
	case BudgetSaved:
		d.form.Budget = slices.Clone(e.Budget)
		d.status = StatusDraft
	case StatementsSaved:
		d.form.Statements = e.Statements
		d.status = StatusDraft
	case ContentSaved:
		d.form.Content = Form{Content: e.Content}.clone().Content
		d.status = StatusDraft
	case PeopleSaved:
		d.form.People = Form{People: e.People}.clone().People
		d.status = StatusDraft
	case AgendaSaved:
		d.form.Agenda = slices.Clone(e.Agenda)
		d.status = StatusDraft
	case ContactsSaved:
		d.form.Contacts = slices.Clone(e.Contacts)
		d.status = StatusDraft
	case Submitted:
		d.lead, d.warnings, d.submittedAt = e.Lead, slices.Clone(e.Warnings), e.At
		d.status = StatusSubmitted
	case Withdrawn:
		d.status = StatusWithdrawn
	case ApprovedAtUnit:
		d.status = StatusUnitApproved
	case ApprovedAtSchool:
		d.status = StatusSchoolApproved
		d.atAuthority = true
	case ApprovedByAuthority:
		d.status = StatusAuthorityApproved
	case Rejected:
		// The stage names the level that rejected; the flow says where
		// that leaves the declaration.
		if to := Flow.After(procedure.Reject, procedure.State(e.Stage)); to != "" {
			d.status = Status(to)
		}
		d.rejection = e
	}
}

func (d *Declaration) record(e Event) {
	d.Apply(e)
	d.pending = append(d.pending, e)
}

// ForecastSnapshot is what a declaration needs of its forecast; the command
// layer fills it from the forecast aggregate.
type ForecastSnapshot struct {
	ID          uuid.UUID
	ApplicantID uuid.UUID
	Status      forecast.Status
	Details     forecast.Details
}

// StartFromForecast opens a draft from an approved forecast (R-DECL-01,
// R-FC-07) once its applicant acknowledged the notice (R-DECL-02). The
// forecast's fields are copied: its Chinese attendee estimate becomes the
// mainland count (the applicant splits off Hong Kong, Macao and Taiwan),
// its free-text funding source is not a budget line and is left out.
// Nothing is validated: a draft may be incomplete, and submit checks all.
//
// That a forecast starts at most one declaration is the command layer's
// business (for instance a declaration id derived from the forecast id).
func (d *Declaration) StartFromForecast(a domain.Actor, f ForecastSnapshot, noticeAcknowledged bool, now time.Time) error {
	if err := MayStartFromForecast(a, f); err != nil {
		return err
	}
	if err := d.mayStart(a); err != nil {
		return err
	}
	if f.Status != forecast.StatusApproved {
		return &domain.StateError{Rule: "R-FC-07", Status: string(f.Status), Action: "start declaration",
			Message: fmt.Sprintf("a declaration starts only from an approved forecast; it is %s", f.Status),
			Zh:      fmt.Sprintf("仅“预报审核通过”状态的预报可以开始正式申报，当前状态为“%s”", f.Status.Zh())}
	}
	if err := noticeRead(noticeAcknowledged); err != nil {
		return err
	}
	d.record(Started{DeclarationID: d.id, ApplicantID: a.UserID, UnitID: a.OrgID, UniversityID: a.University,
		AuthorityID: a.Authority, ForecastID: f.ID, Form: fromForecast(f.Details).normalized(), At: now})
	return nil
}

func fromForecast(x forecast.Details) Form {
	location := OtherCity
	if x.Local {
		location = Local
	}
	hosting := make([]Organisation, len(x.Organisations))
	for i, o := range x.Organisations {
		hosting[i] = Organisation{Role: o.Role, NameZh: o.NameZh, NameEn: o.NameEn}
	}
	a := x.Applicant
	return Form{
		Applicant: Applicant{Name: a.Name, StaffNo: a.StaffNo, Title: a.Title, Unit: a.Unit,
			Department: a.Department, Mobile: a.Mobile, Email: a.Email},
		Basic: Basic{NameZh: x.NameZh, NameEn: x.NameEn, StartDate: x.StartDate, CommitmentDate: x.CommitmentDate,
			Location: location, Province: x.Province, Address: x.Address, Type: x.Type, Scale: x.Scale},
		Attendance: Attendance{Foreign: x.ForeignCount, Mainland: x.ChineseCount},
		Hosting:    hosting,
		Statements: Statements{Flags: x.Flags},
	}
}

// StartDirect opens a draft without a forecast, allowed only for a small
// natural-science conference (R-DECL-01, R-CLS-02): natural science, no
// sensitive issue or other major trigger, at most
// policy.Classification.SmallMaxForeign foreign guests. The notice must be
// acknowledged (R-DECL-02). f may be partly filled; its fields are checked
// as a draft save would, and the declared scale is set to small.
func (d *Declaration) StartDirect(a domain.Actor, f Form, noticeAcknowledged bool, p policy.Policy, r Rules, now time.Time) error {
	if err := d.mayStart(a); err != nil {
		return err
	}
	if err := noticeRead(noticeAcknowledged); err != nil {
		return err
	}
	f = f.normalized()
	f.Basic.Scale = classify.Small
	c := &checker{p: p, r: r}
	c.applicant(f.Applicant)
	c.basic(f.Basic)
	countsOK := c.attendance(f.Attendance)
	c.hosting(f.Hosting)
	c.budget(f.Budget)
	c.content(f.Content)
	c.people(f.People)
	c.agenda(f.Agenda)
	c.contacts(f.Contacts)
	if countsOK {
		c.small(f, "R-DECL-01")
	}
	if err := c.pr.Err(); err != nil {
		return err
	}
	d.record(Started{DeclarationID: d.id, ApplicantID: a.UserID, UnitID: a.OrgID, UniversityID: a.University,
		AuthorityID: a.Authority, Form: f, At: now})
	return nil
}

// MayStartFromForecast reports whether a may start the declaration of
// forecast f at all: only its own applicant may (R-ACT-01). It says
// nothing about whether one was started, so the command layer asks it
// before looking, and answers an existing declaration only to who passes.
func MayStartFromForecast(a domain.Actor, f ForecastSnapshot) error {
	if err := mayStartAs(a); err != nil {
		return err
	}
	if f.ApplicantID != a.UserID {
		return fmt.Errorf("start declaration from forecast %s: not the applicant's forecast: %w", f.ID, domain.ErrForbidden)
	}
	return nil
}

func mayStartAs(a domain.Actor) error {
	if a.Role != domain.RoleApplicant {
		return fmt.Errorf("start declaration: role %s may not (R-ACT-01): %w", a.Role, domain.ErrForbidden)
	}
	if a.OrgID == uuid.Nil || a.University == uuid.Nil || a.Authority == uuid.Nil {
		return fmt.Errorf("start declaration: applicant %s has no unit, university or authority: %w", a.UserID, domain.ErrForbidden)
	}
	return nil
}

func (d *Declaration) mayStart(a domain.Actor) error {
	if err := mayStartAs(a); err != nil {
		return err
	}
	if d.Exists() {
		return fmt.Errorf("start declaration %s: already started: %w", d.id, domain.ErrConflict)
	}
	return nil
}

func noticeRead(acknowledged bool) error {
	if acknowledged {
		return nil
	}
	var pr domain.Problems
	pr.Add("noticeAcknowledged", "R-DECL-02",
		"read and acknowledge the declaration notice first", "请先仔细阅读并勾选确认《国际会议申报须知》")
	return pr.Err()
}

// The section saves (R-DECL-15) replace one section of the form. Each
// checks that section's format and returns all its field errors at once;
// missing fields are accepted until Submit. Only the applicant saves, in
// draft, submitted, unit_rejected or school_rejected (R-DECL-16); a save
// returns a submitted or rejected declaration to draft.

// SaveApplicant saves the applicant's details.
func (d *Declaration) SaveApplicant(a domain.Actor, x Applicant, p policy.Policy, now time.Time) error {
	x = x.normalized()
	return d.save(a, p, Rules{}, func(c *checker) Event { c.applicant(x); return ApplicantSaved{Applicant: x, At: now} })
}

// SaveBasic saves the basic information: names (R-DECL-03, R-FC-03), dates
// (R-DECL-04), location (R-DECL-07), type and declared scale.
func (d *Declaration) SaveBasic(a domain.Actor, b Basic, p policy.Policy, r Rules, now time.Time) error {
	b = b.normalized()
	return d.save(a, p, r, func(c *checker) Event { return BasicSaved{Basic: b, Warnings: c.basic(b), At: now} })
}

// SaveAttendance saves the attendance counts (R-DECL-08).
func (d *Declaration) SaveAttendance(a domain.Actor, x Attendance, now time.Time) error {
	return d.save(a, policy.Policy{}, Rules{}, func(c *checker) Event { c.attendance(x); return AttendanceSaved{Attendance: x, At: now} })
}

// SaveHosting saves the hosting organisations (R-DECL-09, R-DECL-20).
func (d *Declaration) SaveHosting(a domain.Actor, orgs []Organisation, p policy.Policy, now time.Time) error {
	orgs = normalizeHosting(orgs)
	return d.save(a, p, Rules{}, func(c *checker) Event { c.hosting(orgs); return HostingSaved{Hosting: orgs, At: now} })
}

// SaveBudget saves the budget lines (R-DECL-10).
func (d *Declaration) SaveBudget(a domain.Actor, lines []BudgetLine, p policy.Policy, now time.Time) error {
	lines = normalizeBudget(lines)
	return d.save(a, p, Rules{}, func(c *checker) Event { c.budget(lines); return BudgetSaved{Budget: lines, At: now} })
}

// SaveStatements saves the special statements (R-DECL-11).
func (d *Declaration) SaveStatements(a domain.Actor, s Statements, now time.Time) error {
	return d.save(a, policy.Policy{}, Rules{}, func(*checker) Event { return StatementsSaved{Statements: s, At: now} })
}

// SaveContent saves theme, topics, previous editions, the Taiwan statement
// and the background (R-DECL-12).
func (d *Declaration) SaveContent(a domain.Actor, x Content, p policy.Policy, now time.Time) error {
	x = x.normalized()
	return d.save(a, p, Rules{}, func(c *checker) Event { c.content(x); return ContentSaved{Content: x, At: now} })
}

// SavePeople replaces every group of key people (R-DECL-13); a spreadsheet
// import replaces the whole list through it, so that a file with a bad row
// changes nothing.
func (d *Declaration) SavePeople(a domain.Actor, x People, p policy.Policy, now time.Time) error {
	x = x.normalized()
	return d.save(a, p, Rules{}, func(c *checker) Event { c.people(x); return PeopleSaved{People: x, At: now} })
}

// SaveAgenda saves the agenda (R-DECL-14).
func (d *Declaration) SaveAgenda(a domain.Actor, items []AgendaItem, p policy.Policy, now time.Time) error {
	items = normalizeAgenda(items)
	return d.save(a, p, Rules{}, func(c *checker) Event { c.agenda(items); return AgendaSaved{Agenda: items, At: now} })
}

// SaveContacts saves the contacts (R-DECL-14).
func (d *Declaration) SaveContacts(a domain.Actor, cs []Contact, p policy.Policy, now time.Time) error {
	cs = normalizeContacts(cs)
	return d.save(a, p, Rules{}, func(c *checker) Event { c.contacts(cs); return ContactsSaved{Contacts: cs, At: now} })
}

// save checks that a may edit, then lets check run a section's draft rules
// and build the event, recorded when no rule broke.
func (d *Declaration) save(a domain.Actor, p policy.Policy, r Rules, check func(*checker) Event) error {
	if err := d.own(a, procedure.Edit, nil); err != nil {
		return err
	}
	c := &checker{p: p, r: r}
	e := check(c)
	if err := c.pr.Err(); err != nil {
		return err
	}
	d.record(e)
	return nil
}

// OverdueRef names a conference whose summary is overdue and so blocks the
// applicant from submitting (R-SUM-02). The command layer looks it up under
// the policy's blocking scope and passes nil when nothing blocks.
type OverdueRef struct {
	DeclarationID uuid.UUID
	NameZh        string
	DueDate       domain.Date
}

// Submit sends the declaration for review (个人申请, R-DECL-15): only its
// applicant, from draft or after a rejection, not while a summary is
// overdue, and only when every rule passes; all field errors come at once.
// The commitment letter must be acknowledged (R-DECL-02). Submitted records
// the computed category, the filing mode and the dates that follow
// (R-DECL-05, R-DECL-11).
func (d *Declaration) Submit(a domain.Actor, commitmentAcknowledged bool, overdue *OverdueRef, p policy.Policy, r Rules, now time.Time) error {
	if err := d.own(a, procedure.Submit, overdue); err != nil {
		return err
	}
	f := d.form
	c := &checker{p: p, r: r, full: true}
	c.applicant(f.Applicant)
	warnings := c.basic(f.Basic)
	countsOK := c.attendance(f.Attendance)
	c.hosting(f.Hosting)
	c.budget(f.Budget)
	c.statements(f.Statements)
	c.content(f.Content)
	c.people(f.People)
	c.agenda(f.Agenda)
	c.contacts(f.Contacts)
	today := domain.DateOf(now)
	c.crossSection(f, countsOK, d.Direct(), today)
	if !commitmentAcknowledged {
		c.pr.Add("commitmentAcknowledged", "R-DECL-02",
			"read and accept the commitment letter", "请仔细阅读并勾选“本人已认真阅读并同意以上承诺”")
	}
	if err := c.pr.Err(); err != nil {
		return err
	}
	lead, _ := LeadFor(p, r, f) // complete forms always have a lead
	d.record(Submitted{Lead: lead, Similar: r.Similar, Warnings: warnings, At: now})
	return nil
}

// Withdraw takes the declaration back (撤回); only its applicant, before the
// authority decides (R-DECL-16). The reason is optional.
func (d *Declaration) Withdraw(a domain.Actor, reason string, now time.Time) error {
	if err := d.own(a, procedure.Withdraw, nil); err != nil {
		return err
	}
	d.record(Withdrawn{Reason: trim(reason), At: now})
	return nil
}

// ApproveAtUnit is the unit admin's first review (单位初审).
func (d *Declaration) ApproveAtUnit(a domain.Actor, comment string, now time.Time) error {
	return d.Decide(a, procedure.Approve, procedure.Unit, comment, now)
}

// ApproveAtSchool is the university international office's review (see
// Decide for what it records).
func (d *Declaration) ApproveAtSchool(a domain.Actor, comment string, now time.Time) error {
	return d.Decide(a, procedure.Approve, procedure.School, comment, now)
}

// ApproveByAuthority approves the conference (获批).
func (d *Declaration) ApproveByAuthority(a domain.Actor, comment string, now time.Time) error {
	return d.Decide(a, procedure.Approve, procedure.Authority, comment, now)
}

// Reject sends the declaration back to its applicant (R-DECL-16). Only the
// reviewer level that currently holds it may, and the reason is required.
func (d *Declaration) Reject(a domain.Actor, reason string, now time.Time) error {
	return d.Decide(a, procedure.Reject, "", reason, now)
}
