package summary

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// Flow is the summary's procedure (R-SUM-04): the applicant edits and
// submits it as a draft or once returned; the school (学校国际处) accepts
// it or returns it for revision with a reason. Opening it (R-SUM-01) is
// its creation, outside the flow.
var Flow = procedure.Procedure[procedure.None]{
	Name: "summary", Noun: "summary", NounZh: "总结", Rule: "R-SUM-04", OwnerRule: "R-SUM-04",
	Steps: []procedure.Step[procedure.None]{
		{Level: procedure.School, Awaits: "submitted", Approved: "accepted", Returned: "returned"},
	},
	Owner: map[procedure.Decision]procedure.Owner[procedure.None]{
		procedure.Edit:   {From: procedure.States(StatusDraft, StatusReturned), To: "draft"},
		procedure.Submit: {From: procedure.States(StatusDraft, StatusReturned), To: "submitted"},
	},
	Label: procedure.Labels[Status],
}

// reviewEvents record the school's acceptance (Approve) and its return
// for revision with a reason.
var reviewEvents = procedure.Events[Event]{
	{Decision: procedure.Approve}: func(r procedure.Decided) Event { return Accepted{Comment: r.Text, At: r.Now} },
	{Decision: procedure.Return}:  func(r procedure.Decided) Event { return Returned{Reason: r.Text, At: r.Now} },
}

// Decide records the school's decision d on a submitted summary, as Flow
// allows it.
func (s *Summary) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	e, err := procedure.Record(&Flow, reviewEvents, procedure.State(s.status), a.Role, d, at, text, now, procedure.None{})
	if err != nil {
		return fmt.Errorf("summary %s: %w", s.id, err)
	}
	s.record(e)
	return nil
}

// own checks that a may take the owner's action d now (R-SUM-04).
func (s *Summary) own(a domain.Actor, d procedure.Decision) error {
	owner := a.Role == domain.RoleApplicant && a.UserID == s.applicant
	if _, err := Flow.Own(procedure.State(s.status), owner, d, procedure.None{}); err != nil {
		return fmt.Errorf("summary %s: %w", s.id, err)
	}
	return nil
}
