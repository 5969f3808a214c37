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

// The year's funding plan (第八条, R-FUND-05): once the bureau has reviewed
// every application of its call, the plan is decided as a whole (院领导审定)
// with its totals per category against the call's budget, before the year
// ends; the formal notice (正式行文) lists what it funds. After the
// decision no grant of that call changes.

// Plan event names as stored; never change one.
const (
	EventPlanDecided       = "fundingplan.decided"
	EventPlanOverdue       = "fundingplan.undecided_overdue"
	EventPlanReviewClaimed = "fundingplan.review_claimed"
)

// PlanEventTypes lists every plan event name.
func PlanEventTypes() []string {
	return []string{EventPlanDecided, EventPlanOverdue, EventPlanReviewClaimed}
}

// PlanID is the id of a bureau's plan for the call of year.
func PlanID(bureau uuid.UUID, year int) uuid.UUID {
	return uuid.NewSHA1(bureau, fmt.Appendf(nil, "funding-plan-%d", year))
}

// PlanLine is one funded conference of the plan.
type PlanLine struct {
	FundingID     uuid.UUID `json:"fundingId"`
	Institute     uuid.UUID `json:"institute"`
	InstituteName string    `json:"instituteName"`
	NameZh        string    `json:"nameZh"`
	Category      int       `json:"category"`
	RequestedFen  int64     `json:"requestedFen"`
	GrantedFen    int64     `json:"grantedFen"`
}

// CategoryTotal sums one category of the plan: the applications the
// bureau reviewed, how many it funds, what they asked and were granted.
type CategoryTotal struct {
	Category     int   `json:"category"`
	Applications int   `json:"applications"`
	Funded       int   `json:"funded"`
	RequestedFen int64 `json:"requestedFen"`
	GrantedFen   int64 `json:"grantedFen"`
}

// PlanDecided: the plan of the call for Year was decided, funding Lines
// with GrantedFen in all against BudgetFen; Late when decided after the
// year end (the overdue fact was due).
type PlanDecided struct {
	Bureau     uuid.UUID       `json:"bureau"`
	Year       int             `json:"year"`
	BudgetFen  int64           `json:"budgetFen"`
	GrantedFen int64           `json:"grantedFen"`
	Totals     []CategoryTotal `json:"totals"`
	Lines      []PlanLine      `json:"lines"`
	Comment    string          `json:"comment,omitempty"`
	Late       bool            `json:"late,omitempty"`
	By         uuid.UUID       `json:"by"`
	At         time.Time       `json:"at"`
}

// PlanOverdue: the deadline engine found the plan of the call for Year
// not decided by DueDate (31 December before, R-FUND-05), on Today.
type PlanOverdue struct {
	Bureau  uuid.UUID   `json:"bureau"`
	Year    int         `json:"year"`
	DueDate domain.Date `json:"dueDate"`
	Today   domain.Date `json:"today"`
	At      time.Time   `json:"at"`
}

// ReviewClaimed: a reviewer of the bureau took Decision on application
// FundingID of this plan's call while the plan was undecided. It is
// written to the plan's stream at the version the plan was read at,
// before the decision is written to the application's stream, so the
// plan's decision and a review decision of its call are ordered by one
// stream's expected version (R-FUND-05): a decision of the plan loses to
// a claim written after it read the plan, and a claim to a plan decided
// before it. The application's stream says whether and how it was
// decided (a claim whose decision lost its own race decides nothing).
type ReviewClaimed struct {
	FundingID uuid.UUID `json:"fundingId"`
	Decision  string    `json:"decision"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

func (PlanDecided) EventType() string   { return EventPlanDecided }
func (PlanOverdue) EventType() string   { return EventPlanOverdue }
func (ReviewClaimed) EventType() string { return EventPlanReviewClaimed }

// DecodePlan reads a stored plan event by its name.
func DecodePlan(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventPlanDecided:
		return decode[PlanDecided](eventType, data)
	case EventPlanOverdue:
		return decode[PlanOverdue](eventType, data)
	case EventPlanReviewClaimed:
		return decode[ReviewClaimed](eventType, data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
}

// Plan is the aggregate: one bureau's plan for one year's call.
type Plan struct {
	id      uuid.UUID
	decided *PlanDecided
	overdue bool
	claimed []uuid.UUID // the applications reviewed under it, once each
	pending []Event
}

// NewPlan is a plan not yet decided, with the given id (PlanID).
func NewPlan(id uuid.UUID) *Plan { return &Plan{id: id} }

func (p *Plan) ID() uuid.UUID { return p.id }

// Decided is the decision, nil before.
func (p *Plan) Decided() *PlanDecided { return p.decided }

// Pending are the events recorded since NewPlan.
func (p *Plan) Pending() []Event { return slices.Clone(p.pending) }

// Apply folds one stored event.
func (p *Plan) Apply(e Event) {
	switch e := e.(type) {
	case PlanDecided:
		d := e
		p.decided = &d
	case PlanOverdue:
		p.overdue = true
	case ReviewClaimed:
		if !slices.Contains(p.claimed, e.FundingID) {
			p.claimed = append(p.claimed, e.FundingID)
		}
	}
}

// Claimed are the applications a review decision was taken on under this
// plan: the plan's decision reads each from its stream beside those the
// read model lists (which may lag behind).
func (p *Plan) Claimed() []uuid.UUID { return slices.Clone(p.claimed) }

// Claim records that a reviewer of the call's bureau takes decision d on
// application id while the plan is undecided (R-FUND-05); refused once it
// is decided. The command writes the claim before the decision itself.
func (p *Plan) Claim(a domain.Actor, id uuid.UUID, d string, now time.Time) error {
	if a.Role != domain.RoleAuthorityReviewer {
		return fmt.Errorf("review under the funding plan: role %s may not (R-FUND-05): %w", a.Role, domain.ErrForbidden)
	}
	if err := p.closed(d); err != nil {
		return err
	}
	p.record(ReviewClaimed{FundingID: id, Decision: d, By: a.UserID, At: now})
	return nil
}

func (p *Plan) record(e Event) {
	p.Apply(e)
	p.pending = append(p.pending, e)
}

// PlanApplication is an application of the call as the command found it
// (handed in to the bureau at least once; drafts and withdrawn ones are
// not part of the plan).
type PlanApplication struct {
	ID            uuid.UUID
	Institute     uuid.UUID
	InstituteName string
	NameZh        string
	Category      int
	Status        Status
	RequestedFen  int64
	GrantedFen    int64
}

// closed refuses action once the plan was decided (R-FUND-05).
func (p *Plan) closed(action string) error {
	if p.decided == nil {
		return nil
	}
	on := domain.DateOf(p.decided.At)
	return &domain.StateError{Rule: "R-FUND-05", Status: "plan decided", Action: action,
		Message: fmt.Sprintf("the funding plan for %d was decided on %s: its grants are final", p.decided.Year, on),
		Zh:      fmt.Sprintf("%d年度资助计划已于%s审定，不再调整", p.decided.Year, on)}
}

// Decide records the plan of call (院领导审定, R-FUND-05) by a reviewer of
// its bureau: once; only when every application handed in was reviewed
// (none still submitted); the grants in all within the call's budget.
func (p *Plan) Decide(a domain.Actor, call policy.FundingCall, apps []PlanApplication, comment string, t policy.TextLimits, now time.Time) error {
	if a.Role != domain.RoleAuthorityReviewer || a.OrgID != call.Bureau || call.Bureau == uuid.Nil {
		return fmt.Errorf("decide the funding plan: only a reviewer of the call's bureau (R-FUND-05): %w", domain.ErrForbidden)
	}
	if err := p.closed("decide the funding plan"); err != nil {
		if se, ok := err.(*domain.StateError); ok {
			se.Message = fmt.Sprintf("the funding plan for %d was decided on %s: a plan is decided once", p.decided.Year, domain.DateOf(p.decided.At))
			se.Zh = fmt.Sprintf("%d年度资助计划已于%s审定，不能重复审定", p.decided.Year, domain.DateOf(p.decided.At))
		}
		return err
	}
	var waiting []string
	for _, x := range apps {
		if x.Status == StatusSubmitted {
			waiting = append(waiting, x.NameZh)
		}
	}
	if len(waiting) > 0 {
		return &domain.StateError{Rule: "R-FUND-05", Status: "under review", Action: "decide the funding plan",
			Message: fmt.Sprintf("%d application(s) still await the bureau's review: %s", len(waiting), strings.Join(waiting, "; ")),
			Zh:      fmt.Sprintf("尚有%d项申请未审核：%s", len(waiting), strings.Join(waiting, "；"))}
	}
	d := PlanDecided{Bureau: call.Bureau, Year: call.Year, BudgetFen: call.BudgetFen, By: a.UserID, At: now,
		Comment: strings.TrimSpace(comment), Late: domain.DateOf(now).After(policy.PlanDue(call.Year))}
	totals := make([]CategoryTotal, 3)
	for i := range totals {
		totals[i].Category = i + 1
	}
	for _, x := range apps {
		if x.Category < 1 || x.Category > 3 {
			continue
		}
		ct := &totals[x.Category-1]
		ct.Applications++
		ct.RequestedFen += x.RequestedFen
		if x.Status == StatusGranted {
			ct.Funded++
			ct.GrantedFen += x.GrantedFen
			d.GrantedFen += x.GrantedFen
			d.Lines = append(d.Lines, PlanLine{FundingID: x.ID, Institute: x.Institute, InstituteName: x.InstituteName, NameZh: x.NameZh,
				Category: x.Category, RequestedFen: x.RequestedFen, GrantedFen: x.GrantedFen})
		}
	}
	d.Totals = totals
	slices.SortStableFunc(d.Lines, func(a, b PlanLine) int {
		if a.Category != b.Category {
			return a.Category - b.Category
		}
		return strings.Compare(a.NameZh, b.NameZh)
	})
	var pr domain.Problems
	pr.MaxChars("comment", "SCHEMA", d.Comment, t.Long)
	if d.GrantedFen > call.BudgetFen {
		pr.Add("grantedFen", "R-FUND-05",
			fmt.Sprintf("the plan grants %s yuan, above the call's budget of %s", yuan(d.GrantedFen), yuan(call.BudgetFen)),
			fmt.Sprintf("资助计划合计%s元，超过本年度资助总额%s元", yuan(d.GrantedFen), yuan(call.BudgetFen)))
	}
	if err := pr.Err(); err != nil {
		return err
	}
	p.record(d)
	return nil
}

// CheckDeadline is the deadline engine's decision on the plan of call
// (R-FUND-05): not decided by 31 December before the call's year, it is
// recorded overdue, once.
func (p *Plan) CheckDeadline(call policy.FundingCall, now time.Time) {
	due := policy.PlanDue(call.Year)
	if p.decided != nil || p.overdue || !domain.DateOf(now).After(due) {
		return
	}
	p.record(PlanOverdue{Bureau: call.Bureau, Year: call.Year, DueDate: due, Today: domain.DateOf(now), At: now})
}
