// Package forecast owns the annual conference forecast (预报, R-FC-01..07,
// 09): the details an applicant fills in and their validation, the
// collection window, the review flow from the unit through the university to
// the authority, and the events that record it.
//
// Which unit or university an actor may act on is checked by the caller with
// domain.Allows; this package checks roles, ownership and status, the
// review chain as its Flow declares it (flow.go, domain/procedure).
package forecast

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

// Status is where a forecast stands (R-FC-05).
type Status string

const (
	StatusSubmitted      Status = "submitted"       // 个人申请
	StatusUnitApproved   Status = "unit_approved"   // 单位初审通过
	StatusSchoolApproved Status = "school_approved" // 单位终审通过
	StatusApproved       Status = "approved"        // 预报审核通过
	StatusRejected       Status = "rejected"        // 审核驳回
	StatusWithdrawn      Status = "withdrawn"       // 已删除
)

// Statuses lists every status, for list filters (R-FC-09).
var Statuses = []Status{StatusSubmitted, StatusUnitApproved, StatusSchoolApproved, StatusApproved, StatusRejected, StatusWithdrawn}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Zh is the label the seed uses.
func (s Status) Zh() string {
	switch s {
	case StatusSubmitted:
		return "个人申请"
	case StatusUnitApproved:
		return "单位初审通过"
	case StatusSchoolApproved:
		return "单位终审通过"
	case StatusApproved:
		return "预报审核通过"
	case StatusRejected:
		return "审核驳回"
	case StatusWithdrawn:
		return "已删除"
	}
	return "新建"
}

// statusNew names the status of a forecast not yet submitted in errors.
const statusNew = "new"

// Forecast is the aggregate. Build it with New, replay history with Apply,
// then call one behaviour method and store Pending.
type Forecast struct {
	id          uuid.UUID
	status      Status
	applicant   uuid.UUID
	unit        uuid.UUID
	university  uuid.UUID
	authority   uuid.UUID
	atAuthority bool
	planYear    int
	details     Details
	computed    classify.Scale
	warnings    []domain.Warning
	submittedAt time.Time
	rejection   Rejected
	signedForms []SignedForm
	pending     []Event
}

// New is an empty forecast with the given id.
func New(id uuid.UUID) *Forecast { return &Forecast{id: id} }

func (f *Forecast) ID() uuid.UUID          { return f.id }
func (f *Forecast) Status() Status         { return f.status }
func (f *Forecast) PlanYear() int          { return f.planYear }
func (f *Forecast) ApplicantID() uuid.UUID { return f.applicant }

// Exists reports whether the forecast was submitted.
func (f *Forecast) Exists() bool { return f.status != "" }

// Details are the current details, a copy.
func (f *Forecast) Details() Details {
	d := f.details
	d.Organisations = slices.Clone(d.Organisations)
	return d
}

// Computed is the scale computed from the current details (R-CLS-05).
func (f *Forecast) Computed() classify.Scale { return f.computed }

// Warnings are the current details' warnings, for reviewers.
func (f *Forecast) Warnings() []domain.Warning { return slices.Clone(f.warnings) }

// SubmittedAt is when the forecast was first submitted.
func (f *Forecast) SubmittedAt() time.Time { return f.submittedAt }

// Rejection is the last rejection (zero when never rejected); it is kept
// after a revision so the applicant can still read it.
func (f *Forecast) Rejection() Rejected { return f.rejection }

// Scope places the forecast in the organisation tree (R-ACT-02).
func (f *Forecast) Scope() domain.Scope {
	return domain.Scope{Owner: f.applicant, Unit: f.unit, University: f.university,
		Authority: f.authority, AtAuthority: f.atAuthority}
}

// Pending are the events recorded by behaviour methods since New, in order.
func (f *Forecast) Pending() []Event { return slices.Clone(f.pending) }

// Apply folds one stored event into the state. It never fails: history is
// fact, and an unknown event is ignored.
func (f *Forecast) Apply(e Event) {
	switch e := e.(type) {
	case Submitted:
		f.id, f.applicant, f.unit, f.university, f.authority = e.ForecastID, e.ApplicantID, e.UnitID, e.UniversityID, e.AuthorityID
		f.planYear, f.details, f.computed, f.warnings = e.PlanYear, e.Details, e.Computed, e.Warnings
		f.submittedAt = e.At
		f.status = StatusSubmitted
	case Revised:
		f.details, f.computed, f.warnings = e.Details, e.Computed, e.Warnings
		f.status = StatusSubmitted
	case Withdrawn:
		f.status = StatusWithdrawn
	case ApprovedAtUnit:
		f.status = StatusUnitApproved
	case ApprovedAtSchool:
		f.status = StatusSchoolApproved
		f.atAuthority = true
	case ApprovedByAuthority:
		f.status = StatusApproved
	case Rejected:
		f.status = StatusRejected
		f.rejection = e
	case SignedFormAttached:
		f.signedForms = append(f.signedForms, e.File)
	}
}

// SignedForms are the signed and stamped forms uploaded so far (R-FC-08).
func (f *Forecast) SignedForms() []SignedForm { return slices.Clone(f.signedForms) }

// AttachSignedForm records the unit admin's upload of the signed and
// stamped application form (R-FC-08: 学院审核完毕签字盖章后由单位系统管理员上传),
// possible once the unit has approved the forecast and while it is not
// rejected or withdrawn. Which unit may is the caller's scope check.
func (f *Forecast) AttachSignedForm(a domain.Actor, file SignedForm, now time.Time) error {
	if err := f.MayAttachSignedForm(a); err != nil {
		return err
	}
	if file.ID == uuid.Nil || file.SHA256 == "" {
		var p domain.Problems
		p.Add("file", "R-FC-08", "an uploaded file is required", "请上传文件")
		return p.Err()
	}
	f.record(SignedFormAttached{File: file, At: now})
	return nil
}

// MayAttachSignedForm reports whether a may attach a signed form now: the
// role and the forecast's status, without the file, so that an upload can
// be refused before anything is stored.
func (f *Forecast) MayAttachSignedForm(a domain.Actor) error {
	if a.Role != domain.RoleUnitAdmin {
		return fmt.Errorf("attach signed form: only the unit admin uploads it (R-FC-08): %w", domain.ErrForbidden)
	}
	switch f.status {
	case StatusUnitApproved, StatusSchoolApproved, StatusApproved:
		return nil
	}
	return &domain.StateError{Rule: "R-FC-08", Status: string(f.status), Action: "attach signed form",
		Message: "the signed form is uploaded after the unit's approval; the forecast is " + string(f.status),
		Zh:      "单位初审通过后方可上传签字盖章的预报申请表，当前状态为“" + f.status.Zh() + "”"}
}

func (f *Forecast) record(e Event) {
	f.Apply(e)
	f.pending = append(f.pending, e)
}

// Submit records a new forecast by applicant a (R-ACT-01). The plan year is
// the year after now's year in Asia/Shanghai, and now must fall inside the
// window for a's university and that plan year (R-FC-01).
//
// Outside the window the answer is a *domain.StateError (409), not a field
// error: nothing the applicant typed is wrong and no edit can fix it; the
// collection for that plan year is simply not open.
func (f *Forecast) Submit(a domain.Actor, d Details, p policy.Policy, now time.Time) error {
	if a.Role != domain.RoleApplicant {
		return fmt.Errorf("submit forecast: role %s may not (R-ACT-01): %w", a.Role, domain.ErrForbidden)
	}
	if a.OrgID == uuid.Nil || a.University == uuid.Nil || a.Authority == uuid.Nil {
		return fmt.Errorf("submit forecast: applicant %s has no unit, university or authority: %w", a.UserID, domain.ErrForbidden)
	}
	if f.Exists() {
		return fmt.Errorf("submit forecast %s: already submitted: %w", f.id, domain.ErrConflict)
	}
	today := domain.DateOf(now)
	planYear := today.Year + 1
	if open, closed := p.ForecastWindow(a.University, planYear); today.Before(open) || today.After(closed) {
		en, zh := "the window has not opened yet", "填报尚未开始"
		if today.After(closed) {
			en, zh = "late forecasts are not accepted", "原则上不予补报"
		}
		return &domain.StateError{Rule: "R-FC-01", Status: statusNew, Action: "submit",
			Message: fmt.Sprintf("forecasts for %d are accepted from %s to %s (Asia/Shanghai); today is %s: %s",
				planYear, open, closed, today, en),
			Zh: fmt.Sprintf("%d年度国际会议预报的填报时间为%s至%s，今天是%s：%s",
				planYear, open, closed, today, zh)}
	}
	d = d.normalized()
	warnings, err := Validate(p, d, planYear)
	if err != nil {
		return err
	}
	f.record(Submitted{ForecastID: f.id, ApplicantID: a.UserID, UnitID: a.OrgID, UniversityID: a.University,
		AuthorityID: a.Authority, PlanYear: planYear, Details: d, Computed: computed(p, d),
		Warnings: warnings, At: now})
	return nil
}

func computed(p policy.Policy, d Details) classify.Scale {
	return classify.Classify(p, d.Type, d.ForeignCount, d.Total(), d.Flags).Scale
}

// Revise replaces the details and resubmits (R-FC-05); only the applicant
// who submitted it, and only while submitted or rejected (R-FC-06).
//
// The window is not checked: the seed allows 修改 in 个人申请 and 审核驳回
// without a time limit, and a forecast rejected during the October review is
// normally fixed after the September window has closed. The plan year stays
// the one of the original submission.
func (f *Forecast) Revise(a domain.Actor, d Details, p policy.Policy, now time.Time) error {
	if err := f.own(a, procedure.Edit); err != nil {
		return err
	}
	d = d.normalized()
	warnings, err := Validate(p, d, f.planYear)
	if err != nil {
		return err
	}
	f.record(Revised{Details: d, Computed: computed(p, d), Warnings: warnings, At: now})
	return nil
}

// Withdraw deletes the forecast (删除); only its applicant, only while
// submitted or rejected (R-FC-06). The reason is optional.
func (f *Forecast) Withdraw(a domain.Actor, reason string, now time.Time) error {
	if err := f.own(a, procedure.Withdraw); err != nil {
		return err
	}
	f.record(Withdrawn{Reason: strings.TrimSpace(reason), At: now})
	return nil
}

// ApproveAtUnit is the unit admin's first review (单位初审).
func (f *Forecast) ApproveAtUnit(a domain.Actor, comment string, now time.Time) error {
	return f.Decide(a, procedure.Approve, procedure.Unit, comment, now)
}

// ApproveAtSchool is the university international office's review
// (单位终审); it hands the forecast to the authority.
func (f *Forecast) ApproveAtSchool(a domain.Actor, comment string, now time.Time) error {
	return f.Decide(a, procedure.Approve, procedure.School, comment, now)
}

// ApproveByAuthority puts the forecast into next year's plan (预报审核通过).
func (f *Forecast) ApproveByAuthority(a domain.Actor, comment string, now time.Time) error {
	return f.Decide(a, procedure.Approve, procedure.Authority, comment, now)
}

// Reject sends the forecast back to its applicant (R-FC-05). Only the
// reviewer level that currently holds it may, and the reason is required.
func (f *Forecast) Reject(a domain.Actor, reason string, now time.Time) error {
	return f.Decide(a, procedure.Reject, "", reason, now)
}

// CanStartDeclaration reports whether a formal declaration may start from
// this forecast: only once approved by the authority (R-FC-07).
func (f *Forecast) CanStartDeclaration() error {
	if !f.Exists() {
		return fmt.Errorf("start declaration from forecast %s: %w", f.id, domain.ErrNotFound)
	}
	if f.status != StatusApproved {
		return &domain.StateError{Rule: "R-FC-07", Status: string(f.status), Action: actDeclare.en,
			Message: fmt.Sprintf("a declaration starts only from an approved forecast; it is %s", f.status),
			Zh:      fmt.Sprintf("仅“预报审核通过”状态的预报可以开始正式申报，当前状态为“%s”", f.status.Zh())}
	}
	return nil
}

// action names a behaviour in errors.
type action struct{ en, past, zh string }

var (
	actDeclare = action{"start declaration", "declared", "开始正式申报"}
)
