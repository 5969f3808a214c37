// Package deadlines runs the deadline engine: on every tick it asks the
// deadline watch (a read model) which conferences may have a deadline to
// record today, and has the command layer decide each on its streams
// (commands.App.CheckDeadlines), and once a day it applies the policy's
// retention rules (commands.App.ApplyRetention). Facts are recorded once per due date
// however many engines run and however often they restart: the store's
// expected version settles races, and the watch only narrows the search.
package deadlines

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// Candidates finds the conferences, and the funded applications (seed
// 002), that may have a deadline fact due.
type Candidates interface {
	DeadlineCandidates(ctx context.Context, today domain.Date, p policy.Policy, after uuid.UUID, limit int) (ids []uuid.UUID, last uuid.UUID, more bool, err error)
	FundingDeadlineCandidates(ctx context.Context, today domain.Date, p policy.Policy, after uuid.UUID, limit int) (ids []uuid.UUID, last uuid.UUID, more bool, err error)
}

// Deciders records the facts of one conference, of one funded application
// (its summary, R-FUND-06) and of the published calls' plans (R-FUND-05).
type Deciders interface {
	CheckDeadlines(ctx context.Context, id uuid.UUID) (commands.Result, error)
	CheckFundingDeadlines(ctx context.Context, id uuid.UUID) (commands.Result, error)
	CheckFundingPlans(ctx context.Context) (int, error)
	// ApplyRetention erases the people the policy's retention rules no
	// longer keep (PIPL), each once however often it runs.
	ApplyRetention(ctx context.Context, actor domain.Actor, now time.Time) ([]uuid.UUID, error)
}

// Retention is the actor the engine applies the retention rules as: a
// platform administrator's right (erasure), recorded under its own name.
var Retention = domain.Actor{UserID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:retention")),
	Name: "retention (deadline engine)", Role: domain.RolePlatformAdmin}

// PolicySource gives the policy in force.
type PolicySource interface {
	Current(ctx context.Context) (policy.Policy, error)
}

// Engine is one deadline engine.
type Engine struct {
	Candidates Candidates
	App        Deciders
	Policies   PolicySource
	Clock      commands.Clock
	Log        *slog.Logger
	// Interval between ticks; one minute when zero.
	Interval time.Duration
	// Batch is how many candidates one query fetches; 500 when zero.
	Batch int
	// Observe, when set, hears of every tick Run makes (for metrics).
	Observe func(Stats, error)
	// Erased, when set, is told of each person retention erased (serve
	// rebuilds the read models).
	Erased func(ctx context.Context, subject uuid.UUID)

	mu sync.Mutex
	// retainedOn is the day retention last ran to the end: it runs on
	// the first tick of each day (by the engine's clock).
	retainedOn domain.Date
}

// Stats says what one tick did.
type Stats struct {
	Checked  int // conferences decided
	Recorded int // of which something was appended
	Failed   int
	Erased   int // people retention erased
}

// Tick checks every candidate once. A failure on one conference is logged
// and counted; the others go on.
func (e *Engine) Tick(ctx context.Context) (Stats, error) {
	var st Stats
	p, err := e.Policies.Current(ctx)
	if err != nil {
		return st, err
	}
	batch := e.Batch
	if batch <= 0 {
		batch = 500
	}
	today := domain.DateOf(e.Clock.Now())
	for _, src := range []struct {
		what   string
		find   func(context.Context, domain.Date, policy.Policy, uuid.UUID, int) ([]uuid.UUID, uuid.UUID, bool, error)
		decide func(context.Context, uuid.UUID) (commands.Result, error)
	}{
		{"declaration", e.Candidates.DeadlineCandidates, e.App.CheckDeadlines},
		{"funding", e.Candidates.FundingDeadlineCandidates, e.App.CheckFundingDeadlines},
	} {
		after := uuid.Nil
		for {
			ids, last, more, err := src.find(ctx, today, p, after, batch)
			if err != nil {
				return st, err
			}
			for _, id := range ids {
				st.Checked++
				res, err := src.decide(ctx, id)
				switch {
				case err != nil:
					if ctx.Err() != nil {
						return st, ctx.Err()
					}
					st.Failed++
					e.log().Warn("deadline check failed", src.what, id, "err", err)
				case res.Appended > 0:
					st.Recorded++
				}
			}
			if !more {
				break
			}
			after = last
		}
	}
	n, err := e.App.CheckFundingPlans(ctx)
	switch {
	case err != nil && ctx.Err() != nil:
		return st, ctx.Err()
	case err != nil:
		st.Failed++
		e.log().Warn("funding plan deadline check failed", "err", err)
	case n > 0:
		st.Recorded++
	}
	if err := e.retain(ctx, today, &st); err != nil {
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		st.Failed++
		e.log().Warn("retention failed", "err", err)
	}
	return st, nil
}

// retain applies the retention rules once a day. Each person is erased
// once: the erasure's command id derives from the person, so another
// engine, a restart or the operator's `econf personal retention` on the
// same day records nothing twice. A failed run is tried again next tick.
func (e *Engine) retain(ctx context.Context, today domain.Date, st *Stats) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.retainedOn == today {
		return nil
	}
	erased, err := e.App.ApplyRetention(ctx, Retention, e.Clock.Now())
	st.Erased += len(erased)
	for _, p := range erased {
		e.log().Info("personal data erased by retention", "subject", p)
		if e.Erased != nil {
			e.Erased(ctx, p)
		}
	}
	if err != nil {
		return err
	}
	e.retainedOn = today
	return nil
}

// Run ticks until ctx ends.
func (e *Engine) Run(ctx context.Context) error {
	iv := e.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	for {
		st, err := e.Tick(ctx)
		if e.Observe != nil && ctx.Err() == nil {
			e.Observe(st, err)
		}
		if err != nil && ctx.Err() == nil {
			e.log().Error("deadline tick", "err", err)
		} else if st.Recorded > 0 || st.Failed > 0 || st.Erased > 0 {
			e.log().Info("deadline tick", "checked", st.Checked, "recorded", st.Recorded, "failed", st.Failed, "erased", st.Erased)
		}
		if err := sleep(ctx, iv); err != nil {
			return nil
		}
	}
}

func (e *Engine) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.Default()
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
