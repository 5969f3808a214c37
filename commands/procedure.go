package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/summary"
)

// aggregate is what the command path needs of every aggregate: a fold
// and the events a decision recorded.
type aggregate[E event] interface {
	Apply(E)
	Pending() []E
}

// record is an aggregate with a place of its own in the organisation tree.
type record[E event] interface {
	aggregate[E]
	Exists() bool
	Scope() domain.Scope
}

// reviewed is a record whose reviewers decide through its procedure
// (domain/procedure): approve, reject, return, revoke.
type reviewed[E event] interface {
	record[E]
	Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error
}

// kind tells the command path about one kind of record: its name in
// errors, its kind in the scope model (domain.Access), its stream, and how
// to fold it.
type kind[R aggregate[E], E event] struct {
	name   string
	scope  domain.Kind
	stream func(uuid.UUID) string
	new    func(uuid.UUID) R
	decode func(eventType string, data []byte) (E, error)
}

func (k kind[R, E]) fold(id uuid.UUID, l loaded) (R, error) { return fold(k.new(id), l, k.decode) }

// The kinds of record whose procedures run on this path.
var (
	forecasts    = kind[*forecast.Forecast, forecast.Event]{"forecast", domain.KindForecast, ForecastStream, forecast.New, forecast.Decode}
	declarations = kind[*declaration.Declaration, declaration.Event]{"declaration", domain.KindDeclaration, DeclarationStream, declaration.New, declaration.Decode}
	changes      = kind[*change.Change, change.Event]{"change request of", domain.KindChange, ChangeStream, change.New, change.Decode}
	summaries    = kind[*summary.Summary, summary.Event]{"summary", domain.KindSummary, SummaryStream, summary.New, summary.Decode}
	// A conference's deadline facts are authorised as the conference
	// (onConference).
	deadlines = kind[*deadline.Tracker, deadline.Event]{"deadlines of", domain.KindDeclaration, DeadlineStream, deadline.New, deadline.Decode}
)

// access is what a command needs of the record's scope.
type access int

const (
	toRead   access = iota // the owner's commands: seeing it is enough, the aggregate checks ownership
	toReview               // reviewers: their level of the tree must review it
)

// authorise checks the actor against the record's scope before anything
// else is decided (R-ACT-02): a record that does not exist, or that the
// actor may not see, is not found; one they see but do not review at their
// level is forbidden.
func authorise(actor domain.Actor, k domain.Kind, what string, exists bool, s domain.Scope, as access) error {
	if !exists || !domain.Allows(actor, k, domain.Read, s) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	if as == toReview && !domain.Allows(actor, k, domain.Review, s) {
		return fmt.Errorf("%s: %w", what, domain.ErrForbidden)
	}
	return nil
}

// decideOn is the one command path: load the record's stream (execute),
// fold it, authorise the actor before anything else is read or decided,
// let decide (the aggregate: state, then rules) record events, and append
// them at the version loaded. execute adds the idempotency by command id,
// the version check, the retry on a lost race and the metadata. authorise
// may keep what it read for decide (the conference of an aftercare record).
func decideOn[R aggregate[E], E event](ctx context.Context, a *App, actor domain.Actor, meta Meta, command string,
	k kind[R, E], id uuid.UUID, authorise func(r R, l loaded) error, decide func(r R, p policy.Policy) error) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, command, k.stream(id), id, func(l loaded) (decision, error) {
		r, err := k.fold(id, l)
		if err != nil {
			return decision{}, err
		}
		if err := authorise(r, l); err != nil {
			return decision{}, err
		}
		if err := decide(r, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(r.Pending()), policy: pol.Version}, nil
	})
}

// onRecord runs decide on an existing record, authorised by its own scope.
func onRecord[R record[E], E event](ctx context.Context, a *App, actor domain.Actor, meta Meta, command string,
	k kind[R, E], id uuid.UUID, as access, decide func(r R, p policy.Policy) error) (Result, error) {
	return decideOn(ctx, a, actor, meta, command, k, id, func(r R, l loaded) error {
		return authorise(actor, k.scope, fmt.Sprintf("%s %s", k.name, id), len(l.events) > 0 && r.Exists(), r.Scope(), as)
	}, decide)
}

// conference is an approved conference as its declaration and change
// streams say now: what its aftercare records (change request, summary,
// deadlines) are decided against.
type conference struct {
	declaration *declaration.Declaration
	change      *change.Change
}

// onConference runs decide on one of a conference's aftercare records,
// which may not exist yet: the conference's scope authorises (R-ACT-02).
func onConference[R aggregate[E], E event](ctx context.Context, a *App, actor domain.Actor, meta Meta, command string,
	k kind[R, E], id uuid.UUID, decide func(r R, c conference, p policy.Policy) error) (Result, error) {
	var c conference
	return decideOn(ctx, a, actor, meta, command, k, id, func(R, loaded) error {
		var err error
		if c.declaration, err = a.readDeclaration(ctx, actor, id); err != nil {
			return err
		}
		c.change, err = a.readChange(ctx, id)
		return err
	}, func(r R, p policy.Policy) error { return decide(r, c, p) })
}

// review is a reviewer's decision d on a record of kind k, at level at ("",
// for a rejection or return: the level holding it), with its free text: a
// comment, or the reason where the decision sends the record back. The
// text is bounded by the policy's limit (SCHEMA) before the procedure
// looks at the state.
func review[R reviewed[E], E event](ctx context.Context, a *App, actor domain.Actor, meta Meta, command string,
	k kind[R, E], id uuid.UUID, d procedure.Decision, at procedure.Level, text string) (Result, error) {
	path := "comment"
	if d != procedure.Approve {
		path = "reason"
	}
	return onRecord(ctx, a, actor, meta, command, k, id, toReview, func(r R, p policy.Policy) error {
		if err := (textField{path, text}).check(p); err != nil {
			return err
		}
		return r.Decide(actor, d, at, text, a.clock.Now())
	})
}
