// Package change owns the change request of an approved conference (会议变更,
// R-CHG-01..04): the applicant asks, at least two calendar months before
// the original start, at most once per conference, to change its names,
// theme, type (会议性质), scale, place or dates, with a description and an
// optional attachment; the university's international office approves or
// rejects it; on approval the conference takes the new values, and the
// history keeps the old ones in the request. Its parameters that
// policy.Policy does not hold yet are Rules.
//
// The aggregate is the change history of one conference; which stream holds
// it is the command layer's business, and so is domain.Allows (scope):
// this package checks roles, ownership, status and dates.
//
// The reviewer is the school admin (学校国际处): the seed (000 §四) says the
// description is material "为会议申报人提供给学校管理员的材料" and that the
// applicant then waits for the result, so the school decides; the authority
// is not part of the online flow.
package change

import (
	"fmt"
	"slices"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

// Status is where the latest change request stands.
type Status string

const (
	StatusNone      Status = ""          // no request yet
	StatusRequested Status = "requested" // 待审核
	StatusApproved  Status = "approved"  // 变更通过
	StatusRejected  Status = "rejected"  // 变更驳回
)

// Zh is the Chinese label.
func (s Status) Zh() string {
	switch s {
	case StatusRequested:
		return "待审核"
	case StatusApproved:
		return "变更通过"
	case StatusRejected:
		return "变更驳回"
	}
	return "未申请变更"
}

// Reviewer is the role that decides change requests (see the package
// comment).
const Reviewer = domain.RoleSchoolAdmin

// Snapshot is what a change request needs of its conference; the command
// layer fills it from the declaration aggregate.
type Snapshot struct {
	ID          uuid.UUID
	ApplicantID uuid.UUID
	Scope       domain.Scope
	Status      declaration.Status
	Values      Values
	Flags       classify.Flags
}

// Change is the aggregate. Build it with New, replay history with Apply,
// then call one behaviour method and store Pending.
type Change struct {
	id          uuid.UUID // the conference (declaration)
	status      Status
	requests    int
	request     Requested
	decision    Event
	applicant   uuid.UUID
	unit        uuid.UUID
	university  uuid.UUID
	authority   uuid.UUID
	warnings    []domain.Warning
	pending     []Event
	approvedNew *Values
}

// New is the empty change history of the conference with the given
// (declaration) id.
func New(declarationID uuid.UUID) *Change { return &Change{id: declarationID} }

func (c *Change) ID() uuid.UUID  { return c.id }
func (c *Change) Status() Status { return c.status }

// Requests is how many change requests the conference made (R-CHG-03).
func (c *Change) Requests() int { return c.requests }

// Exists reports whether a change was ever requested.
func (c *Change) Exists() bool { return c.requests > 0 }

// Latest is the latest request, with both old and new values (zero when
// none).
func (c *Change) Latest() Requested {
	r := c.request
	r.Changed = slices.Clone(r.Changed)
	return r
}

// Decision is the latest request's Approved or Rejected event; nil while
// undecided.
func (c *Change) Decision() Event { return c.decision }

// Warnings are the new names' warnings, for the reviewer (R-FC-03).
func (c *Change) Warnings() []domain.Warning { return slices.Clone(c.warnings) }

// Effective is the conference's values once its change was approved
// (R-CHG-04), with changed true; otherwise the values the latest request
// started from and false (zero values when never requested).
func (c *Change) Effective() (v Values, changed bool) {
	if c.approvedNew != nil {
		return *c.approvedNew, true
	}
	return c.request.Old, false
}

// Scope places the change in the organisation tree (R-ACT-02); a change
// exists only for a conference the authority approved.
func (c *Change) Scope() domain.Scope {
	return domain.Scope{Owner: c.applicant, Unit: c.unit, University: c.university,
		Authority: c.authority, AtAuthority: true}
}

// Pending are the events recorded by behaviour methods since New, in order.
func (c *Change) Pending() []Event { return slices.Clone(c.pending) }

// Apply folds one stored event into the state. It never fails: history is
// fact, and an unknown event is ignored.
func (c *Change) Apply(e Event) {
	switch e := e.(type) {
	case Requested:
		c.id, c.applicant, c.unit, c.university, c.authority = e.DeclarationID, e.ApplicantID, e.UnitID, e.UniversityID, e.AuthorityID
		c.request, c.requests, c.decision, c.warnings = e, e.Seq, nil, slices.Clone(e.Warnings)
		c.status = StatusRequested
	case Approved:
		v := c.request.New
		c.approvedNew, c.decision = &v, e
		c.status = StatusApproved
	case Rejected:
		c.decision = e
		c.status = StatusRejected
	}
}

func (c *Change) record(e Event) {
	c.Apply(e)
	c.pending = append(c.pending, e)
}

// Request records a change request by the conference's applicant
// (R-CHG-01..04), checked in this order: the conference is approved by the
// authority (R-CHG-01); it has not used up its requests, a rejected one
// included (R-CHG-03); today (Asia/Shanghai) is on or before the original
// start minus Rules.LeadMonths calendar months (R-CHG-02); then every field
// error of the proposal at once (R-CHG-04). The request records the values
// before and after.
func (c *Change) Request(a domain.Actor, snap Snapshot, requestID uuid.UUID, x Proposal, p policy.Policy, r Rules, now time.Time) error {
	if a.Role != domain.RoleApplicant {
		return fmt.Errorf("request change: role %s may not (R-ACT-01): %w", a.Role, domain.ErrForbidden)
	}
	if snap.ID != c.id {
		return fmt.Errorf("request change of %s: snapshot of %s: %w", c.id, snap.ID, domain.ErrNotFound)
	}
	current := snap.Values
	if v, ok := c.Effective(); ok {
		current = v
	}
	start := current.Dates.Start
	today := domain.DateOf(now)
	last := start.AddMonths(-r.LeadMonths)
	facts := Facts{Conference: snap.Status, Status: c.status, Requests: c.requests, Rules: r, Start: start, Last: last, Today: today}
	if _, err := Flow.Own(procedure.State(c.status), snap.ApplicantID == a.UserID, procedure.Submit, facts); err != nil {
		return fmt.Errorf("request change of %s: %w", c.id, err)
	}
	x = x.normalized()
	nv, changed, unchanged := x.Changes.apply(current)
	var pr domain.Problems
	warnings := check(&pr, p, r, x, nv, changed, unchanged, snap.Flags, today)
	if err := pr.Err(); err != nil {
		return err
	}
	s := snap.Scope
	c.record(Requested{RequestID: requestID, DeclarationID: c.id, ApplicantID: a.UserID, UnitID: s.Unit,
		UniversityID: s.University, AuthorityID: s.Authority, Seq: c.requests + 1, Description: x.Description,
		Changed: changed, Old: current, New: nv, Attachment: x.Attachment, Warnings: warnings,
		RequestBy: last, At: now})
	return nil
}

// Approve accepts the pending request (R-CHG-04): the conference takes
// its new values.
func (c *Change) Approve(a domain.Actor, comment string, now time.Time) error {
	return c.Decide(a, procedure.Approve, procedure.School, comment, now)
}

// Reject refuses the pending request with a reason (R-CHG-04); the request
// still counts (R-CHG-03).
func (c *Change) Reject(a domain.Actor, reason string, now time.Time) error {
	return c.Decide(a, procedure.Reject, "", reason, now)
}
