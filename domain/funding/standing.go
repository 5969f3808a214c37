package funding

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// An institute's standing with the bureau (第十二条, R-FUND-08): the
// clawbacks and suspensions the bureau recorded, each with its reason and
// period, which the eligibility check honours.

// Standing event names as stored; never change one.
const (
	EventClawedBack = "fundinginstitute.clawed_back"
	EventSuspended  = "fundinginstitute.suspended"
	EventReferred   = "fundinginstitute.referred"
)

// StandingEventTypes lists every standing event name.
func StandingEventTypes() []string { return []string{EventClawedBack, EventSuspended, EventReferred} }

// Period is a sanction's period, both days included; a clawback's may be
// zero (no bar on applying).
type Period struct {
	From  domain.Date `json:"from,omitzero"`
	Until domain.Date `json:"until,omitzero"`
}

// Covers reports whether day falls in the period.
func (p Period) Covers(day domain.Date) bool {
	return !p.Until.IsZero() && !day.Before(p.From) && !day.After(p.Until)
}

// ClawedBack: the bureau claws AmountFen of a grant back for misuse, with
// its reason; while Period lasts the institute may not apply.
type ClawedBack struct {
	Institute uuid.UUID `json:"institute"`
	FundingID uuid.UUID `json:"fundingId"`
	AmountFen int64     `json:"amountFen"`
	Reason    string    `json:"reason"`
	Period    Period    `json:"period"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

// Suspended: the bureau suspends the institute's applications for Period,
// with its reason.
type Suspended struct {
	Institute uuid.UUID `json:"institute"`
	Reason    string    `json:"reason"`
	Period    Period    `json:"period"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

// Referred: the bureau refers the institute's case to the department
// To for further handling (移交相关部门进一步处理), with its reason; it
// bars no application by itself.
type Referred struct {
	Institute uuid.UUID `json:"institute"`
	To        string    `json:"to"`
	Reason    string    `json:"reason"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

func (ClawedBack) EventType() string { return EventClawedBack }
func (Suspended) EventType() string  { return EventSuspended }
func (Referred) EventType() string   { return EventReferred }

// DecodeStanding reads a stored standing event by its name.
func DecodeStanding(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventClawedBack:
		return decode[ClawedBack](eventType, data)
	case EventSuspended:
		return decode[Suspended](eventType, data)
	case EventReferred:
		return decode[Referred](eventType, data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
}

// Sanction is one clawback or suspension as the eligibility check reads it.
type Sanction struct {
	Kind   string `json:"kind"` // clawback, suspension, referral
	Reason string `json:"reason"`
	// To is the department a referral went to.
	To        string      `json:"to,omitempty"`
	Period    Period      `json:"period"`
	FundingID uuid.UUID   `json:"fundingId,omitzero"`
	AmountFen int64       `json:"amountFen,omitempty"`
	On        domain.Date `json:"on"`
}

// Standing is the aggregate of an institute's sanctions.
type Standing struct {
	institute uuid.UUID
	sanctions []Sanction
	clawed    map[uuid.UUID]int64
	pending   []Event
}

// NewStanding is an institute's standing with no sanction.
func NewStanding(institute uuid.UUID) *Standing {
	return &Standing{institute: institute, clawed: map[uuid.UUID]int64{}}
}

// Sanctions are the recorded sanctions, oldest first.
func (s *Standing) Sanctions() []Sanction { return slices.Clone(s.sanctions) }

// Pending are the events recorded since NewStanding.
func (s *Standing) Pending() []Event { return slices.Clone(s.pending) }

// Apply folds one stored event.
func (s *Standing) Apply(e Event) {
	switch e := e.(type) {
	case ClawedBack:
		s.sanctions = append(s.sanctions, Sanction{Kind: "clawback", Reason: e.Reason, Period: e.Period, FundingID: e.FundingID, AmountFen: e.AmountFen, On: domain.DateOf(e.At)})
		s.clawed[e.FundingID] += e.AmountFen
	case Suspended:
		s.sanctions = append(s.sanctions, Sanction{Kind: "suspension", Reason: e.Reason, Period: e.Period, On: domain.DateOf(e.At)})
	case Referred:
		s.sanctions = append(s.sanctions, Sanction{Kind: "referral", Reason: e.Reason, To: e.To, On: domain.DateOf(e.At)})
	}
}

func (s *Standing) record(e Event) {
	s.Apply(e)
	s.pending = append(s.pending, e)
}

// bureau refuses anyone but a reviewer of the institute's bureau.
func bureau(a domain.Actor, place Place, action string) error {
	if a.Role != domain.RoleAuthorityReviewer || a.OrgID != place.Bureau || place.Bureau == uuid.Nil {
		return fmt.Errorf("%s: only the institute's bureau (R-FUND-08): %w", action, domain.ErrForbidden)
	}
	return nil
}

func checkPeriod(pr *domain.Problems, p Period, required bool, today domain.Date) {
	switch {
	case p.From.IsZero() && p.Until.IsZero() && !required:
	case p.From.IsZero():
		pr.Add("period.from", "R-FUND-08", "required: the first day of the period", "必填：起始日期")
	case p.Until.IsZero():
		pr.Add("period.until", "R-FUND-08", "required: the last day of the period", "必填：截止日期")
	case p.Until.Before(p.From):
		pr.Add("period.until", "R-FUND-08", "must not be before period.from", "不得早于起始日期")
	case p.Until.Before(today):
		pr.Add("period.until", "R-FUND-08", fmt.Sprintf("must not be before today (%s)", today), fmt.Sprintf("不得早于今天（%s）", today))
	}
}

// ClawBack records the bureau's clawback of amountFen of the granted
// application f (R-FUND-08): no more than granted less what was clawed
// back before, with a reason and an optional period barring applications.
func (s *Standing) ClawBack(a domain.Actor, f *Funding, amountFen int64, reason string, period Period, t policy.TextLimits, now time.Time) error {
	if err := bureau(a, f.place, "claw back a grant"); err != nil {
		return err
	}
	if f.status != StatusGranted {
		return &domain.StateError{Rule: "R-FUND-08", Status: string(f.status), Action: "claw back a grant",
			Message: "only a granted application's funds can be clawed back", Zh: "仅可追回已资助的经费"}
	}
	var pr domain.Problems
	reason = strings.TrimSpace(reason)
	if pr.Required("reason", "R-FUND-08", reason) {
		pr.MaxChars("reason", "SCHEMA", reason, t.Long)
	}
	left := f.grantFen - s.clawed[f.id]
	switch {
	case amountFen < 1:
		pr.Add("amountFen", "SCHEMA", "must be more than 0 fen", "须大于0")
	case amountFen > left:
		pr.Add("amountFen", "R-FUND-08", fmt.Sprintf("at most the %s yuan granted and not yet clawed back", yuan(left)),
			fmt.Sprintf("不得超过已资助且未追回的%s元", yuan(left)))
	}
	checkPeriod(&pr, period, false, domain.DateOf(now))
	if err := pr.Err(); err != nil {
		return err
	}
	s.record(ClawedBack{Institute: s.institute, FundingID: f.id, AmountFen: amountFen, Reason: reason, Period: period, By: a.UserID, At: now})
	return nil
}

// Suspend records the bureau's suspension of the institute's applications
// for period, with a reason (R-FUND-08).
func (s *Standing) Suspend(a domain.Actor, place Place, reason string, period Period, t policy.TextLimits, now time.Time) error {
	if err := bureau(a, place, "suspend an institute"); err != nil {
		return err
	}
	var pr domain.Problems
	reason = strings.TrimSpace(reason)
	if pr.Required("reason", "R-FUND-08", reason) {
		pr.MaxChars("reason", "SCHEMA", reason, t.Long)
	}
	checkPeriod(&pr, period, true, domain.DateOf(now))
	if err := pr.Err(); err != nil {
		return err
	}
	s.record(Suspended{Institute: s.institute, Reason: reason, Period: period, By: a.UserID, At: now})
	return nil
}

// Refer records the bureau's referral of the institute's case to the
// department to for further handling, with a reason (第十二条: 移交相关部门
// 进一步处理, R-FUND-08). It bars no application: a suspension does.
func (s *Standing) Refer(a domain.Actor, place Place, to, reason string, t policy.TextLimits, now time.Time) error {
	if err := bureau(a, place, "refer an institute's case"); err != nil {
		return err
	}
	var pr domain.Problems
	to, reason = strings.TrimSpace(to), strings.TrimSpace(reason)
	if pr.Required("to", "R-FUND-08", to) {
		pr.MaxChars("to", "SCHEMA", to, t.Short)
	}
	if pr.Required("reason", "R-FUND-08", reason) {
		pr.MaxChars("reason", "SCHEMA", reason, t.Long)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	s.record(Referred{Institute: s.institute, To: to, Reason: reason, By: a.UserID, At: now})
	return nil
}

// Bar is one reason an institute may not apply today: its rule, the
// record it names, and until when ("" until: while the cause lasts).
type Bar struct {
	Rule      string      `json:"rule"`
	Message   string      `json:"message"`
	Zh        string      `json:"zh"`
	Until     domain.Date `json:"until,omitzero"`
	FundingID uuid.UUID   `json:"fundingId,omitzero"`
}

// Bars are why the institute may not apply on today to the call for
// callYear (R-FUND-06, R-FUND-08): a sanction whose period covers today;
// a funded summary overdue and still not in; a funded conference of the
// year before the call's whose summary came in late (it lost the next
// year's eligibility). None when it may.
func Bars(today domain.Date, callYear int, sanctions []Sanction, funded []Obligation) []Bar {
	var out []Bar
	for _, s := range sanctions {
		if !s.Period.Covers(today) {
			continue
		}
		what, whatZh := "suspended", "暂停申请资助"
		if s.Kind == "clawback" {
			what, whatZh = "barred after a clawback", "因追回资助暂停申请"
		}
		out = append(out, Bar{Rule: "R-FUND-08", Until: s.Period.Until, FundingID: s.FundingID,
			Message: fmt.Sprintf("the institute's applications are %s from %s until %s: %s", what, s.Period.From, s.Period.Until, s.Reason),
			Zh:      fmt.Sprintf("本单位自%s至%s%s：%s", s.Period.From, s.Period.Until, whatZh, s.Reason)})
	}
	for _, o := range funded {
		switch {
		case o.FiledOn.IsZero() && today.After(o.DueDate):
			out = append(out, Bar{Rule: "R-FUND-06", FundingID: o.FundingID,
				Message: fmt.Sprintf("the summary report of the funded conference %s was due on %s and is not in: the institute may not apply until it is", o.NameZh, o.DueDate),
				Zh:      fmt.Sprintf("获资助会议“%s”的总结报告应于%s前提交，至今未交，本单位不得申请资助", o.NameZh, o.DueDate)})
		case !o.FiledOn.IsZero() && o.FiledOn.After(o.DueDate) && o.Year == callYear-1:
			until := domain.Date{Year: callYear - 1, Month: time.December, Day: 31}
			out = append(out, Bar{Rule: "R-FUND-06", FundingID: o.FundingID, Until: until,
				Message: fmt.Sprintf("the summary report of the funded conference %s was due on %s and came in late on %s: the institute may not apply in the call for %d", o.NameZh, o.DueDate, o.FiledOn, callYear),
				Zh:      fmt.Sprintf("获资助会议“%s”的总结报告应于%s前提交，逾期至%s提交，本单位不得申请%d年度资助", o.NameZh, o.DueDate, o.FiledOn, callYear)})
		}
	}
	return out
}
