// Package summary owns the summary of a held conference (会议总结,
// R-SUM-01..04): it opens only after the end date, is due within two
// calendar months after it, is saved as drafts and submitted with every
// rule checked at once, and the school (学校国际处) accepts it or returns it
// with a reason; a returned summary is edited and submitted again. Its
// parameters that policy.Policy does not hold yet are Rules.
//
// Scope (domain.Allows) is the caller's business; files are references
// that the file store checks.
package summary

import (
	"fmt"
	"slices"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/google/uuid"
)

// Status is where a summary stands.
type Status string

const (
	StatusDraft     Status = "draft"     // 草稿
	StatusSubmitted Status = "submitted" // 已提交
	StatusAccepted  Status = "accepted"  // 审核通过
	StatusReturned  Status = "returned"  // 退回修改
)

// Zh is the Chinese label.
func (s Status) Zh() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusSubmitted:
		return "已提交"
	case StatusAccepted:
		return "审核通过"
	case StatusReturned:
		return "退回修改"
	}
	return "未开始"
}

// Reviewer is the role that accepts or returns summaries (R-SUM-04: 学校将
// 对总结内容是否丰富、翔实和完整进行审核).
const Reviewer = domain.RoleSchoolAdmin

// Snapshot is what a summary needs of its conference.
type Snapshot struct {
	ID          uuid.UUID
	ApplicantID uuid.UUID
	Scope       domain.Scope
	Status      declaration.Status
	NameZh      string
	EndDate     domain.Date // the effective end date, after any approved change
}

// Summary is the aggregate. Build it with New, replay history with Apply,
// then call one behaviour method and store Pending.
type Summary struct {
	id         uuid.UUID // the conference (declaration)
	status     Status
	applicant  uuid.UUID
	unit       uuid.UUID
	university uuid.UUID
	authority  uuid.UUID
	end, due   domain.Date
	content    Content
	returned   Returned
	pending    []Event
}

// New is the empty summary of the conference with the given id.
func New(declarationID uuid.UUID) *Summary { return &Summary{id: declarationID} }

func (s *Summary) ID() uuid.UUID    { return s.id }
func (s *Summary) Status() Status   { return s.status }
func (s *Summary) Exists() bool     { return s.status != "" }
func (s *Summary) Content() Content { return s.content.clone() }

// DueDate is the last day to submit (R-SUM-02).
func (s *Summary) DueDate() domain.Date { return s.due }

// Returned is the last return (zero when never returned).
func (s *Summary) Returned() Returned { return s.returned }

// Overdue reports whether, on today, the summary is past its due date and
// neither submitted nor accepted (R-SUM-02). A returned summary counts as
// not handed in.
func (s *Summary) Overdue(today domain.Date) bool {
	return s.status != StatusSubmitted && s.status != StatusAccepted && today.After(s.due)
}

// Scope places the summary in the organisation tree (R-ACT-02).
func (s *Summary) Scope() domain.Scope {
	return domain.Scope{Owner: s.applicant, Unit: s.unit, University: s.university, Authority: s.authority, AtAuthority: true}
}

// Pending are the events recorded by behaviour methods since New, in order.
func (s *Summary) Pending() []Event { return slices.Clone(s.pending) }

// Apply folds one stored event into the state; it never fails.
func (s *Summary) Apply(e Event) {
	switch e := e.(type) {
	case Opened:
		s.id, s.applicant, s.unit, s.university, s.authority = e.DeclarationID, e.ApplicantID, e.UnitID, e.UniversityID, e.AuthorityID
		s.end, s.due = e.EndDate, e.DueDate
		s.status = StatusDraft
	case Saved:
		s.content = e.Content.clone()
		s.status = StatusDraft
	case Submitted:
		s.status = StatusSubmitted
	case Accepted:
		s.status = StatusAccepted
	case Returned:
		s.status, s.returned = StatusReturned, e
	}
}

func (s *Summary) record(e Event) {
	s.Apply(e)
	s.pending = append(s.pending, e)
}

// Open starts the summary of an approved conference, on a day after its
// end date in Asia/Shanghai (R-SUM-01; 在会议举办日期之前，总结提交入口属于关闭
// 状态). Only its applicant opens it.
func (s *Summary) Open(a domain.Actor, snap Snapshot, r Rules, now time.Time) error {
	if a.Role != domain.RoleApplicant || snap.ApplicantID != a.UserID {
		return fmt.Errorf("open summary of %s: only its applicant may: %w", s.id, domain.ErrForbidden)
	}
	if snap.ID != s.id {
		return fmt.Errorf("open summary of %s: snapshot of %s: %w", s.id, snap.ID, domain.ErrNotFound)
	}
	if s.Exists() {
		return fmt.Errorf("open summary of %s: already open: %w", s.id, domain.ErrConflict)
	}
	if snap.Status != declaration.StatusAuthorityApproved {
		return &domain.StateError{Rule: "R-SUM-01", Status: string(snap.Status), Action: "open summary",
			Message: fmt.Sprintf("only an approved conference has a summary; it is %s", snap.Status),
			Zh:      fmt.Sprintf("仅已获批的会议可以提交总结，当前状态为“%s”", snap.Status.Zh())}
	}
	today := domain.DateOf(now)
	if snap.EndDate.IsZero() || !today.After(snap.EndDate) {
		return &domain.StateError{Rule: "R-SUM-01", Status: string(snap.Status), Action: "open summary",
			Message: fmt.Sprintf("the summary opens after the conference ends on %s; today is %s (Asia/Shanghai)", snap.EndDate, today),
			Zh:      fmt.Sprintf("会议结束（%s）之后方可填写总结，今天是%s", snap.EndDate, today)}
	}
	sc := snap.Scope
	s.record(Opened{DeclarationID: s.id, ApplicantID: a.UserID, UnitID: sc.Unit, UniversityID: sc.University,
		AuthorityID: sc.Authority, EndDate: snap.EndDate, DueDate: r.DueDate(snap.EndDate), At: now})
	return nil
}

// Save replaces the content as a draft: only its applicant, in draft or
// returned; format errors come at once, missing parts wait for Submit.
func (s *Summary) Save(a domain.Actor, c Content, p policy.Policy, r Rules, now time.Time) error {
	if err := s.own(a, procedure.Edit); err != nil {
		return err
	}
	c = c.normalized()
	if err := check(c, p, r, false); err != nil {
		return err
	}
	s.record(Saved{Content: c, At: now})
	return nil
}

// Submit hands the summary in when every rule of R-SUM-03 passes, all
// errors at once. A late submission is accepted and marked Late (R-SUM-02).
func (s *Summary) Submit(a domain.Actor, p policy.Policy, r Rules, now time.Time) error {
	if err := s.own(a, procedure.Submit); err != nil {
		return err
	}
	if err := check(s.content, p, r, true); err != nil {
		return err
	}
	s.record(Submitted{DueDate: s.due, Late: domain.DateOf(now).After(s.due), At: now})
	return nil
}

// Accept is the school's acceptance (R-SUM-04).
func (s *Summary) Accept(a domain.Actor, comment string, now time.Time) error {
	return s.Decide(a, procedure.Approve, procedure.School, comment, now)
}

// Return sends the summary back with a reason (R-SUM-04).
func (s *Summary) Return(a domain.Actor, reason string, now time.Time) error {
	return s.Decide(a, procedure.Return, "", reason, now)
}
