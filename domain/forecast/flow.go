package forecast

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// Flow is the forecast's procedure (R-FC-05, R-FC-06): the unit, the
// university's international office and the authority approve in turn,
// each may reject back to the applicant, who revises (resubmitting) or
// withdraws while submitted or rejected.
var Flow = procedure.Procedure[procedure.None]{
	Name: "forecast", Noun: "forecast", NounZh: "预报", Rule: "R-FC-05", OwnerRule: "R-FC-06",
	Steps: []procedure.Step[procedure.None]{
		{Level: procedure.Unit, Awaits: "submitted", Approved: "unit_approved", Rejected: "rejected"},
		{Level: procedure.School, Awaits: "unit_approved", Approved: "school_approved", Rejected: "rejected"},
		{Level: procedure.Authority, Awaits: "school_approved", Approved: "approved", Rejected: "rejected"},
	},
	Owner: map[procedure.Decision]procedure.Owner[procedure.None]{
		procedure.Edit:     {From: procedure.States(StatusSubmitted, StatusRejected), To: "submitted"},
		procedure.Withdraw: {From: procedure.States(StatusSubmitted, StatusRejected), To: "withdrawn"},
	},
	Label: procedure.Labels[Status],
}

// reviewEvents record the forecast's review decisions.
var reviewEvents = procedure.Events[Event]{
	{Decision: procedure.Approve, At: procedure.Unit}: func(r procedure.Decided) Event { return ApprovedAtUnit{Comment: r.Text, At: r.Now} },
	{Decision: procedure.Approve, At: procedure.School}: func(r procedure.Decided) Event {
		return ApprovedAtSchool{Comment: r.Text, At: r.Now}
	},
	{Decision: procedure.Approve, At: procedure.Authority}: func(r procedure.Decided) Event {
		return ApprovedByAuthority{Comment: r.Text, At: r.Now}
	},
	{Decision: procedure.Reject}: func(r procedure.Decided) Event { return Rejected{Stage: Status(r.Stage), Reason: r.Text, At: r.Now} },
}

// Decide records the decision d of level at (at is "" for a rejection: the
// level holding the forecast) by reviewer a, as Flow allows it.
func (f *Forecast) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	e, err := procedure.Record(&Flow, reviewEvents, procedure.State(f.status), a.Role, d, at, text, now, procedure.None{})
	if err != nil {
		return fmt.Errorf("forecast %s: %w", f.id, err)
	}
	f.record(e)
	return nil
}

// own checks that a may take the owner's action d now (R-FC-06).
func (f *Forecast) own(a domain.Actor, d procedure.Decision) error {
	owner := a.Role == domain.RoleApplicant && a.UserID == f.applicant
	if _, err := Flow.Own(procedure.State(f.status), owner, d, procedure.None{}); err != nil {
		return fmt.Errorf("forecast %s: %w", f.id, err)
	}
	return nil
}
