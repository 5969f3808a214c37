package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// ForecastStream is the stream of one forecast.
func ForecastStream(id uuid.UUID) string { return "forecast-" + id.String() }

// foldForecast replays a forecast's stream.
func foldForecast(id uuid.UUID, l loaded) (*forecast.Forecast, error) {
	return fold(forecast.New(id), l, forecast.Decode)
}

// onForecast runs act on an existing forecast the actor may see; one they
// may not see is answered as not found (R-ACT-02).
func (a *App) onForecast(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID,
	act func(f *forecast.Forecast, p policy.Policy) error) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, command, ForecastStream(id), id, func(l loaded) (decision, error) {
		if len(l.events) == 0 {
			return decision{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
		}
		f, err := foldForecast(id, l)
		if err != nil {
			return decision{}, err
		}
		if !domain.CanRead(actor, f.Scope()) {
			return decision{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
		}
		if err := act(f, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(f.Pending()), policy: pol.Version}, nil
	})
}

// withWarnings adds to a submission's or revision's result the warnings
// its details drew (R-FC-03). A replayed command decided nothing this
// time: its warnings are those of the forecast as that run left it.
func (a *App) withWarnings(ctx context.Context, id uuid.UUID, res Result, err error) (Result, error) {
	if err != nil || !res.Replayed {
		return res, err
	}
	l, err := a.load(ctx, ForecastStream(id))
	if err != nil {
		return Result{}, err
	}
	for i, e := range l.events {
		if eventstore.Version(e.Number) == res.Version {
			l.events = l.events[:i+1]
			break
		}
	}
	f, err := foldForecast(id, l)
	if err != nil {
		return Result{}, err
	}
	res.Warnings = f.Warnings()
	return res, nil
}

// review is onForecast for reviewers: besides seeing the record, the actor
// must review at its level of the tree (R-ACT-02). text is the comment or
// reason given, bounded by the policy's limit for free text.
func (a *App) review(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID, text textField,
	act func(f *forecast.Forecast) error) (Result, error) {
	return a.onForecast(ctx, actor, meta, command, id, func(f *forecast.Forecast, p policy.Policy) error {
		if !domain.CanReview(actor, f.Scope()) {
			return fmt.Errorf("%s: %w", command, domain.ErrForbidden)
		}
		if err := text.check(p); err != nil {
			return err
		}
		return act(f)
	})
}

// textField is a free-text comment or reason and its JSON path.
type textField struct {
	path, value string
}

func (t textField) check(p policy.Policy) error {
	var pr domain.Problems
	pr.MaxChars(t.path, "SCHEMA", t.value, p.Text.Long)
	return pr.Err()
}

// asEvents widens an aggregate's pending events to the command layer's.
func asEvents[E event](es []E) []event {
	out := make([]event, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}
