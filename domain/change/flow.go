package change

import (
	"fmt"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/procedure"
)

// Facts are what a change request's gates read when it is asked for.
type Facts struct {
	Conference declaration.Status // the conference's status (R-CHG-01)
	Status     Status             // the latest request's
	Requests   int                // made so far, a rejected one included (R-CHG-03)
	Rules      Rules
	// Start is the conference's current start date, Last the last day to
	// ask (R-CHG-02), Today the day asked (Asia/Shanghai).
	Start, Last, Today domain.Date
}

// The gates of a request, in the order they are checked.
var (
	conferenceApproved = procedure.Gate[Facts]{Name: "conference approved", Rule: "R-CHG-01", Check: func(f Facts) error {
		if f.Conference == declaration.StatusAuthorityApproved {
			return nil
		}
		return &domain.StateError{Rule: "R-CHG-01", Status: string(f.Conference), Action: "request change",
			Message: fmt.Sprintf("only a conference approved by the authority can be changed; it is %s", f.Conference),
			Zh:      fmt.Sprintf("仅已获批的会议可以申请变更，当前状态为“%s”", f.Conference.Zh())}
	}}
	quota = procedure.Gate[Facts]{Name: "quota", Rule: "R-CHG-03", Check: func(f Facts) error {
		if f.Requests < f.Rules.MaxRequests {
			return nil
		}
		return &domain.StateError{Rule: "R-CHG-03", Status: string(f.Status), Action: "request change",
			Message: fmt.Sprintf("a conference can request a change %d time(s), a rejected request included; it has made %d",
				f.Rules.MaxRequests, f.Requests),
			Zh: fmt.Sprintf("每个会议只能申请变更%d次（被驳回的申请也计入），该会议已申请%d次", f.Rules.MaxRequests, f.Requests)}
	}}
	oneAtATime = procedure.Gate[Facts]{Name: "one request at a time", Rule: "R-CHG-04", Check: func(f Facts) error {
		if f.Status != StatusRequested {
			return nil
		}
		return &domain.StateError{Rule: "R-CHG-04", Status: string(f.Status), Action: "request change",
			Message: "a change request is awaiting review", Zh: "已有变更申请等待审核"}
	}}
	noticePeriod = procedure.Gate[Facts]{Name: "notice period", Rule: "R-CHG-02", Check: func(f Facts) error {
		if !f.Start.IsZero() && !f.Today.After(f.Last) {
			return nil
		}
		return &domain.StateError{Rule: "R-CHG-02", Status: string(f.Conference), Action: "request change",
			Message: fmt.Sprintf("a change is requested at least %d months before the original start: for a start on %s, by %s; today is %s (Asia/Shanghai)",
				f.Rules.LeadMonths, f.Start, f.Last, f.Today),
			Zh: fmt.Sprintf("须在原定会议时间的前%d个月申请变更：原定开会日期为%s，最迟应于%s申请，今天是%s",
				f.Rules.LeadMonths, f.Start, f.Last, f.Today)}
	}}
)

// Flow is the change request's procedure (R-CHG-01..04), the smallest
// real one: the applicant asks (Submit, from any state: the gates say
// when), the school approves or rejects with a reason.
var Flow = procedure.Procedure[Facts]{
	Name: "change", Noun: "change request", NounZh: "变更申请", Rule: "R-CHG-04", OwnerRule: "R-CHG-04",
	Steps: []procedure.Step[Facts]{
		{Level: procedure.School, Awaits: "requested", Approved: "approved", Rejected: "rejected"},
	},
	Owner: map[procedure.Decision]procedure.Owner[Facts]{
		procedure.Submit: {To: "requested",
			Gates: []procedure.Gate[Facts]{conferenceApproved, quota, oneAtATime, noticePeriod}},
	},
	Label: procedure.Labels[Status],
}

// reviewEvents record the school's decisions on the pending request.
func (c *Change) reviewEvents() procedure.Events[Event] {
	return procedure.Events[Event]{
		{Decision: procedure.Approve}: func(r procedure.Decided) Event {
			return Approved{RequestID: c.request.RequestID, Comment: r.Text, At: r.Now}
		},
		{Decision: procedure.Reject}: func(r procedure.Decided) Event {
			return Rejected{RequestID: c.request.RequestID, Reason: r.Text, At: r.Now}
		},
	}
}

// Decide records the school's decision d on the pending request, as Flow
// allows it: approval gives the conference its new values (R-CHG-04), a
// rejection keeps the old ones and still counts (R-CHG-03).
func (c *Change) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	e, err := procedure.Record(&Flow, c.reviewEvents(), procedure.State(c.status), a.Role, d, at, text, now, Facts{})
	if err != nil {
		return fmt.Errorf("change of %s: %w", c.id, err)
	}
	c.record(e)
	return nil
}
