package procedure

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
)

// Level is who decides at one step of a procedure.
type Level string

const (
	Unit      Level = "unit"      // 单位: the applicant's school or department
	School    Level = "school"    // 学校国际处: the university's international office
	Authority Level = "authority" // 上级主管部门: the supervising authority
	Bureau    Level = "bureau"    // 主管局; an academy's 国际合作局
	Organiser Level = "organiser" // 主办方
	Committee Level = "committee" // 评审委员会
)

// levelRoles are the roles that decide at each level. A level without a
// role has no accounts yet: nobody decides there until it gets one.
var levelRoles = map[Level]domain.Role{
	Unit:      domain.RoleUnitAdmin,
	School:    domain.RoleSchoolAdmin,
	Authority: domain.RoleAuthorityReviewer,
	// An academy's bureau (国际合作局) plays the authority's part: its
	// reviewers are authority reviewers (conference funding, seed 002).
	Bureau: domain.RoleAuthorityReviewer,
	// A science association's staff organise the important-conference
	// nominations (seed 003): authority reviewers of the association.
	Organiser: domain.RoleAuthorityReviewer,
}

var levelZh = map[Level]string{
	Unit: "单位", School: "学校国际处", Authority: "上级主管部门", Bureau: "主管局", Organiser: "主办方", Committee: "评审委员会",
}

// Role is the role deciding at l; ok is false for a level without accounts.
func (l Level) Role() (r domain.Role, ok bool) {
	r, ok = levelRoles[l]
	return r, ok
}

// Zh is the level's Chinese name.
func (l Level) Zh() string { return levelZh[l] }

// State is a record's status, as its package's Status type spells it.
type State string

// Decision is what someone does to a record.
type Decision string

const (
	Approve  Decision = "approve"  // a level passes the record on (审核通过)
	Reject   Decision = "reject"   // a level refuses it, with a reason (驳回)
	Return   Decision = "return"   // a level sends it back for revision, with a reason (退回修改)
	Revoke   Decision = "revoke"   // a level takes back its own approval, with a reason (撤销)
	Withdraw Decision = "withdraw" // the owner takes it back (撤回)
	Submit   Decision = "submit"   // the owner hands it in (提交)
	Edit     Decision = "edit"     // the owner changes it (修改)
)

var decisionZh = map[Decision]string{
	Approve: "审核通过", Reject: "驳回", Return: "退回修改", Revoke: "撤销", Withdraw: "撤回", Submit: "提交", Edit: "修改",
}

// needsReason: decisions that send a record back must say why.
func (d Decision) needsReason() bool { return d == Reject || d == Return || d == Revoke }

// Gate is a check a transition must pass besides the state: a quota, a
// report-all, a notice period, a deadline. F is the procedure's facts type:
// what its gates read, filled by the aggregate at the time of the decision.
// Check returns the rule's own error (a *domain.StateError or a
// *domain.ValidationError naming the rule) or nil.
type Gate[F any] struct {
	Name  string // for people and docs: "quota", "notice period"
	Rule  string
	Check func(F) error
}

// Step is one level's review: the state it decides on and where each of
// its decisions leads. A decision whose target is "" is not offered.
type Step[F any] struct {
	Level    Level
	Awaits   State
	Approved State
	Rejected State
	Returned State
	// Revocable lets the level revoke its approval back to Awaits while
	// the record is still in Approved (the next level has not decided).
	Revocable bool
	// Gates are checked, in order, on approval at this step.
	Gates []Gate[F]
}

// Owner is one thing the record's owner may do: from which states, where
// it leads ("" keeps the state), and its gates, checked in order after the
// state. From nil allows every state, the record not existing yet ("")
// included: the procedure's gates then say what is allowed.
type Owner[F any] struct {
	From  []State
	To    State
	Gates []Gate[F]
}

// Procedure is the shape of one approval procedure, declared once per
// kind of record as data and interpreted by Review and Own.
type Procedure[F any] struct {
	// Name is the kind of record ("forecast"); Noun and NounZh name one in
	// messages.
	Name, Noun, NounZh string
	// Rule is the rule a review decision out of turn breaks; OwnerRule the
	// one an owner's action in the wrong state breaks.
	Rule, OwnerRule string
	// Steps are the review levels in order.
	Steps []Step[F]
	// Owner lists what the owner may do: Edit, Submit, Withdraw.
	Owner map[Decision]Owner[F]
	// Label is a state's Chinese label, for messages.
	Label func(State) string
}

// None is the facts type of a procedure without gates.
type None struct{}

// Step finds the step decided at level l.
func (p *Procedure[F]) Step(l Level) (Step[F], bool) {
	for _, s := range p.Steps {
		if s.Level == l {
			return s, true
		}
	}
	return Step[F]{}, false
}

// stepOf finds the step the role decides at.
func (p *Procedure[F]) stepOf(r domain.Role) (Step[F], bool) {
	for _, s := range p.Steps {
		if role, ok := s.Level.Role(); ok && role == r {
			return s, true
		}
	}
	return Step[F]{}, false
}

// After is the state a decision at the step awaiting stage leads to, ""
// when there is no such step or decision: a stored rejection names its
// stage, and this says where it left the record.
func (p *Procedure[F]) After(d Decision, stage State) State {
	for _, s := range p.Steps {
		if s.Awaits == stage {
			return s.target(d)
		}
	}
	return ""
}

func (s Step[F]) target(d Decision) State {
	switch d {
	case Approve:
		return s.Approved
	case Reject:
		return s.Rejected
	case Return:
		return s.Returned
	case Revoke:
		if s.Revocable {
			return s.Awaits
		}
	}
	return ""
}

// Holders says who holds the record in each state: the level whose step
// awaits it, or the owner (Applicant) in a state the owner may edit or
// submit from. A state in neither is final.
func (p *Procedure[F]) Holders() map[State]Level {
	out := map[State]Level{}
	for _, d := range []Decision{Edit, Submit} {
		for _, s := range p.Owner[d].From {
			if s != "" {
				out[s] = Applicant
			}
		}
	}
	for _, s := range p.Steps {
		out[s.Awaits] = s.Level
	}
	return out
}

// Awaiting is the state in which level l decides: for the authority, the
// state that submits the record to it. It is "" when no step is at l.
func (p *Procedure[F]) Awaiting(l Level) State {
	s, _ := p.Step(l)
	return s.Awaits
}

// Applicant is the owner's level in Holders.
const Applicant Level = "applicant"

// Review interprets a reviewer's decision d, by an actor of role, on a
// record in state; at is the level the command names (approve at unit) or
// "" for the level that holds the record (a rejection). The checks come in
// one order: the role decides at that level (domain.ErrForbidden), the
// record exists (domain.ErrNotFound), it awaits that level
// (*domain.StateError of Rule), the decision is offered there, a reason is
// given where one is needed (*domain.ValidationError at "reason"), then the
// step's gates. The answer is the state the decision leads to.
func (p *Procedure[F]) Review(state State, role domain.Role, d Decision, at Level, text string, facts F) (State, error) {
	step, ok := p.stepOf(role)
	if !ok || (at != "" && step.Level != at) {
		return "", fmt.Errorf("%s: role %s may not: %w", p.action(d, at), role, domain.ErrForbidden)
	}
	if state == "" {
		return "", fmt.Errorf("%s %s: %w", p.action(d, at), p.Noun, domain.ErrNotFound)
	}
	from := step.Awaits
	if d == Revoke {
		from = step.Approved
	}
	if state != from {
		return "", &domain.StateError{Rule: p.Rule, Status: string(state), Action: p.action(d, at),
			Message: fmt.Sprintf("%s needs status %s; the %s is %s", p.action(d, at), from, p.Noun, state),
			Zh: fmt.Sprintf("仅“%s”状态的%s可以由%s%s，当前状态为“%s”", p.Label(from), p.NounZh, step.Level.Zh(),
				decisionZh[d], p.Label(state))}
	}
	next := step.target(d)
	if next == "" {
		return "", fmt.Errorf("%s: the %s procedure offers no %s at the %s: %w", p.action(d, at), p.Name, d, step.Level, domain.ErrForbidden)
	}
	if d.needsReason() && strings.TrimSpace(text) == "" {
		var pr domain.Problems
		pr.Add("reason", p.Rule, fmt.Sprintf("a decision to %s needs a reason", d), decisionZh[d]+"须填写理由")
		return "", pr.Err()
	}
	if d == Approve {
		if err := check(step.Gates, facts); err != nil {
			return "", err
		}
	}
	return next, nil
}

// Own interprets the owner's action d on a record in state: the record
// exists (unless the action may create it), the actor owns it
// (domain.ErrForbidden), the state allows the action (*domain.StateError
// of OwnerRule), then its gates. The answer is the state it leads to.
func (p *Procedure[F]) Own(state State, owner bool, d Decision, facts F) (State, error) {
	o, ok := p.Owner[d]
	if !ok {
		return "", fmt.Errorf("%s %s: the procedure offers no %s: %w", d, p.Noun, d, domain.ErrForbidden)
	}
	if state == "" && o.From != nil {
		return "", fmt.Errorf("%s %s: %w", d, p.Noun, domain.ErrNotFound)
	}
	if !owner {
		return "", fmt.Errorf("%s %s: only its applicant may: %w", d, p.Noun, domain.ErrForbidden)
	}
	if o.From != nil && !slices.Contains(o.From, state) {
		en, zh := make([]string, len(o.From)), make([]string, len(o.From))
		for i, s := range o.From {
			en[i], zh[i] = string(s), "“"+p.Label(s)+"”"
		}
		return "", &domain.StateError{Rule: p.OwnerRule, Status: string(state), Action: string(d),
			Message: fmt.Sprintf("a %s can %s only in %s; it is %s", p.Noun, d, strings.Join(en, ", "), state),
			Zh:      fmt.Sprintf("仅%s状态的%s可以%s，当前状态为“%s”", strings.Join(zh, "、"), p.NounZh, decisionZh[d], p.Label(state))}
	}
	if err := check(o.Gates, facts); err != nil {
		return "", err
	}
	if o.To == "" {
		return state, nil
	}
	return o.To, nil
}

func check[F any](gates []Gate[F], facts F) error {
	for _, g := range gates {
		if err := g.Check(facts); err != nil {
			return err
		}
	}
	return nil
}

func (p *Procedure[F]) action(d Decision, at Level) string {
	if at == "" {
		return string(d) + " " + p.Noun
	}
	return fmt.Sprintf("%s %s at %s", d, p.Noun, at)
}

// Move is a decision at a level; At is "" for one taken by whichever level
// holds the record (a rejection, a return).
type Move struct {
	Decision Decision
	At       Level
}

// Decided is a decision the procedure allowed, for its event: the state it
// was taken in, the state it leads to, the free text trimmed, and when.
type Decided struct {
	Stage, Next State
	Text        string
	Now         time.Time
}

// Events builds, for each move a procedure offers, the event that records
// it. The event types are the package's own, stored under names that never
// change.
type Events[E any] map[Move]func(Decided) E

// Record interprets a reviewer's decision with Review and, when it is
// allowed, builds its event from events.
func Record[F, E any](p *Procedure[F], events Events[E], state State, role domain.Role, d Decision, at Level, text string,
	now time.Time, facts F) (E, error) {
	var none E
	next, err := p.Review(state, role, d, at, text, facts)
	if err != nil {
		return none, err
	}
	build, ok := events[Move{d, at}]
	if !ok {
		build, ok = events[Move{d, ""}]
	}
	if !ok {
		return none, fmt.Errorf("%s: no event records it: %w", p.action(d, at), domain.ErrForbidden)
	}
	return build(Decided{Stage: state, Next: next, Text: strings.TrimSpace(text), Now: now}), nil
}

// States converts a package's statuses to states, for declarations.
func States[S ~string](ss ...S) []State {
	out := make([]State, len(ss))
	for i, s := range ss {
		out[i] = State(s)
	}
	return out
}

// Labels is a Label for a package's status type with a Zh method.
func Labels[S interface {
	~string
	Zh() string
}](s State) string {
	return S(s).Zh()
}
