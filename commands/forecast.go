package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// ForecastStream is the stream of one forecast.
func ForecastStream(id uuid.UUID) string { return "forecast-" + id.String() }

// foldForecast replays a forecast's stream.
func foldForecast(id uuid.UUID, l loaded) (*forecast.Forecast, error) { return forecasts.fold(id, l) }

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
