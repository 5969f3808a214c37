package forecast

import (
	"fmt"
	"strings"
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
		{Level: procedure.Unit, Awaits: state(StatusSubmitted), Approved: state(StatusUnitApproved), Rejected: state(StatusRejected)},
		{Level: procedure.School, Awaits: state(StatusUnitApproved), Approved: state(StatusSchoolApproved), Rejected: state(StatusRejected)},
		{Level: procedure.Authority, Awaits: state(StatusSchoolApproved), Approved: state(StatusApproved), Rejected: state(StatusRejected)},
	},
	Owner: map[procedure.Decision]procedure.Owner[procedure.None]{
		procedure.Edit:     {From: states(StatusSubmitted, StatusRejected), To: state(StatusSubmitted)},
		procedure.Withdraw: {From: states(StatusSubmitted, StatusRejected), To: state(StatusWithdrawn)},
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
// level holding the forecast) by reviewer a, as Flow allows it.
func (f *Forecast) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	if _, err := Flow.Review(state(f.status), a.Role, d, at, text, procedure.None{}); err != nil {
		return fmt.Errorf("forecast %s: %w", f.id, err)
	}
	text = strings.TrimSpace(text)
	var e Event
	switch {
	case d == procedure.Reject:
		e = Rejected{Stage: f.status, Reason: text, At: now}
	case d == procedure.Approve && at == procedure.Unit:
		e = ApprovedAtUnit{Comment: text, At: now}
	case d == procedure.Approve && at == procedure.School:
		e = ApprovedAtSchool{Comment: text, At: now}
	case d == procedure.Approve && at == procedure.Authority:
		e = ApprovedByAuthority{Comment: text, At: now}
	default:
		return fmt.Errorf("forecast %s: no event records %s at %q: %w", f.id, d, at, domain.ErrForbidden)
	}
	f.record(e)
	return nil
}

// own checks that a may take the owner's action d now (R-FC-06).
func (f *Forecast) own(a domain.Actor, d procedure.Decision) error {
	owner := a.Role == domain.RoleApplicant && a.UserID == f.applicant
	if _, err := Flow.Own(state(f.status), owner, d, procedure.None{}); err != nil {
		return fmt.Errorf("forecast %s: %w", f.id, err)
	}
	return nil
}
