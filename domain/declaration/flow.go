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
		{Level: procedure.Unit, Awaits: state(StatusSubmitted), Approved: state(StatusUnitApproved), Rejected: state(StatusUnitRejected)},
		{Level: procedure.School, Awaits: state(StatusUnitApproved), Approved: state(StatusSchoolApproved), Rejected: state(StatusSchoolRejected)},
		{Level: procedure.Authority, Awaits: state(StatusSchoolApproved), Approved: state(StatusAuthorityApproved), Rejected: state(StatusAuthorityRejected)},
	},
	Owner: map[procedure.Decision]procedure.Owner[Facts]{
		procedure.Edit: {From: states(StatusDraft, StatusSubmitted, StatusUnitRejected, StatusSchoolRejected), To: state(StatusDraft)},
		procedure.Submit: {From: states(StatusDraft, StatusUnitRejected, StatusSchoolRejected), To: state(StatusSubmitted),
			Gates: []procedure.Gate[Facts]{noOverdueSummary}},
		procedure.Withdraw: {From: states(StatusDraft, StatusSubmitted, StatusUnitApproved, StatusUnitRejected,
			StatusSchoolApproved, StatusSchoolRejected), To: state(StatusWithdrawn)},
	},
	Label: func(s procedure.State) string { return Status(s).Zh() },
}

func state(s Status) procedure.State { return procedure.State(s) }

func states(ss ...Status) []procedure.State {
	out := make([]procedure.State, len(ss))
	for i, s := range ss {
		out[i] = state(s)
	}
	return out
}

// Decide records the decision d of level at (at is "" for a rejection: the
// level holding the declaration) by reviewer a, as Flow allows it. The
// school's approval records that the office files the request with the
// authority, online or on paper, by the date the submission computed
// (R-DECL-05), and whether that date has already passed.
func (d *Declaration) Decide(a domain.Actor, dec procedure.Decision, at procedure.Level, text string, now time.Time) error {
	if _, err := Flow.Review(state(d.status), a.Role, dec, at, text, Facts{Status: d.status}); err != nil {
		return fmt.Errorf("declaration %s: %w", d.id, err)
	}
	text = trim(text)
	var e Event
	switch {
	case dec == procedure.Reject:
		e = Rejected{Stage: d.status, Reason: text, At: now}
	case dec == procedure.Approve && at == procedure.Unit:
		e = ApprovedAtUnit{Comment: text, At: now}
	case dec == procedure.Approve && at == procedure.School:
		e = ApprovedAtSchool{Comment: text, Filing: d.lead.Filing, FileBy: d.lead.FileBy,
			Late: domain.DateOf(now).After(d.lead.FileBy), At: now}
	case dec == procedure.Approve && at == procedure.Authority:
		e = ApprovedByAuthority{Comment: text, At: now}
	default:
		return fmt.Errorf("declaration %s: no event records %s at %q: %w", d.id, dec, at, domain.ErrForbidden)
	}
	d.record(e)
	return nil
}

// own checks that a may take the owner's action dec now (R-DECL-16), then
// the action's gates.
func (d *Declaration) own(a domain.Actor, dec procedure.Decision, overdue *OverdueRef) error {
	owner := a.Role == domain.RoleApplicant && a.UserID == d.applicant
	if _, err := Flow.Own(state(d.status), owner, dec, Facts{Status: d.status, Overdue: overdue}); err != nil {
		return fmt.Errorf("declaration %s: %w", d.id, err)
	}
	return nil
}
