package declaration

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
)

// Facts are what the declaration's gates read at the time of a decision.
type Facts struct {
	Status Status
	// Overdue is a conference whose overdue summary blocks a submission
	// (R-SUM-02); nil when nothing blocks.
	Overdue *OverdueRef
}

// noOverdueSummary is the R-SUM-02 gate on submission.
var noOverdueSummary = procedure.Gate[Facts]{Name: "no overdue summary", Rule: "R-SUM-02", Check: func(f Facts) error {
	o := f.Overdue
	if o == nil {
		return nil
	}
	return &domain.StateError{Rule: "R-SUM-02", Status: string(f.Status), Action: "submit",
		Message: fmt.Sprintf("the summary of %q was due on %s and is overdue; no new declaration can be submitted until it is in",
			o.NameZh, o.DueDate),
		Zh: fmt.Sprintf("会议“%s”的总结应于%s前提交，现已逾期；提交总结前不能继续申报会议", o.NameZh, o.DueDate)}
}}

// Flow is the declaration's procedure (R-DECL-15, R-DECL-16): the unit,
// the university's international office and the authority approve in
// turn, each rejection leading to a status of its own; the applicant edits
// (back to draft) and resubmits after the unit's or the school's rejection,
// and may withdraw until the authority decides.
var Flow = procedure.Procedure[Facts]{
	Name: "declaration", Noun: "declaration", NounZh: "申报", Rule: "R-DECL-16", OwnerRule: "R-DECL-16",
	Steps: []procedure.Step[Facts]{
		{Level: procedure.Unit, Awaits: "submitted", Approved: "unit_approved", Rejected: "unit_rejected"},
		{Level: procedure.School, Awaits: "unit_approved", Approved: "school_approved", Rejected: "school_rejected"},
		{Level: procedure.Authority, Awaits: "school_approved", Approved: "authority_approved", Rejected: "authority_rejected"},
	},
	Owner: map[procedure.Decision]procedure.Owner[Facts]{
		procedure.Edit: {From: procedure.States(StatusDraft, StatusSubmitted, StatusUnitRejected, StatusSchoolRejected), To: "draft"},
		procedure.Submit: {From: procedure.States(StatusDraft, StatusUnitRejected, StatusSchoolRejected), To: "submitted",
			Gates: []procedure.Gate[Facts]{noOverdueSummary}},
		procedure.Withdraw: {From: procedure.States(StatusDraft, StatusSubmitted, StatusUnitApproved, StatusUnitRejected,
			StatusSchoolApproved, StatusSchoolRejected), To: "withdrawn"},
	},
	Label: procedure.Labels[Status],
}

// reviewEvents record the declaration's review decisions. The school's
// approval records that the office files the request with the authority,
// online or on paper, by the date the submission computed (R-DECL-05), and
// whether that date has already passed.
func (d *Declaration) reviewEvents() procedure.Events[Event] {
	return procedure.Events[Event]{
		{Decision: procedure.Approve, At: procedure.Unit}: func(r procedure.Decided) Event { return ApprovedAtUnit{Comment: r.Text, At: r.Now} },
		{Decision: procedure.Approve, At: procedure.School}: func(r procedure.Decided) Event {
			return ApprovedAtSchool{Comment: r.Text, Filing: d.lead.Filing, FileBy: d.lead.FileBy,
				Late: domain.DateOf(r.Now).After(d.lead.FileBy), At: r.Now}
		},
		{Decision: procedure.Approve, At: procedure.Authority}: func(r procedure.Decided) Event {
			return ApprovedByAuthority{Comment: r.Text, At: r.Now}
		},
		{Decision: procedure.Reject}: func(r procedure.Decided) Event { return Rejected{Stage: Status(r.Stage), Reason: r.Text, At: r.Now} },
	}
}

// Decide records the decision dec of level at (at is "" for a rejection:
// the level holding the declaration) by reviewer a, as Flow allows it.
func (d *Declaration) Decide(a domain.Actor, dec procedure.Decision, at procedure.Level, text string, now time.Time) error {
	e, err := procedure.Record(&Flow, d.reviewEvents(), procedure.State(d.status), a.Role, dec, at, text, now, Facts{Status: d.status})
	if err != nil {
		return fmt.Errorf("declaration %s: %w", d.id, err)
	}
	d.record(e)
	return nil
}

// own checks that a may take the owner's action dec now (R-DECL-16), then
// the action's gates.
func (d *Declaration) own(a domain.Actor, dec procedure.Decision, overdue *OverdueRef) error {
	owner := a.Role == domain.RoleApplicant && a.UserID == d.applicant
	if _, err := Flow.Own(procedure.State(d.status), owner, dec, Facts{Status: d.status, Overdue: overdue}); err != nil {
		return fmt.Errorf("declaration %s: %w", d.id, err)
	}
	return nil
}
