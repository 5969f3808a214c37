package summary

import (
	"fmt"
	"strings"
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
		{Level: procedure.School, Awaits: procedure.State(StatusSubmitted),
			Approved: procedure.State(StatusAccepted), Returned: procedure.State(StatusReturned)},
	},
	Owner: map[procedure.Decision]procedure.Owner[procedure.None]{
		procedure.Edit:   {From: []procedure.State{procedure.State(StatusDraft), procedure.State(StatusReturned)}, To: procedure.State(StatusDraft)},
		procedure.Submit: {From: []procedure.State{procedure.State(StatusDraft), procedure.State(StatusReturned)}, To: procedure.State(StatusSubmitted)},
	},
	Label: func(s procedure.State) string { return Status(s).Zh() },
}

// Decide records the school's decision d on a submitted summary, as Flow
// allows it: acceptance (Approve) or a return with a reason.
func (s *Summary) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	if _, err := Flow.Review(procedure.State(s.status), a.Role, d, at, text, procedure.None{}); err != nil {
		return fmt.Errorf("summary %s: %w", s.id, err)
	}
	text = strings.TrimSpace(text)
	switch d {
	case procedure.Approve:
		s.record(Accepted{Comment: text, At: now})
	case procedure.Return:
		s.record(Returned{Reason: text, At: now})
	default:
		return fmt.Errorf("summary %s: no event records %s: %w", s.id, d, domain.ErrForbidden)
	}
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
