package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
)

// WithdrawForecast deletes a forecast from consideration (R-FC-06). Its
// history stays in the stream.
type WithdrawForecast struct {
	ForecastID uuid.UUID
	Reason     string
}

// WithdrawForecast withdraws a submitted or rejected forecast.
func (a *App) WithdrawForecast(ctx context.Context, actor domain.Actor, meta Meta, cmd WithdrawForecast) (Result, error) {
	return onRecord(ctx, a, actor, meta, "WithdrawForecast", forecasts, cmd.ForecastID, toRead, func(f *forecast.Forecast, p policy.Policy) error {
		if err := (textField{"reason", cmd.Reason}).check(p); err != nil {
			return err
		}
		return f.Withdraw(actor, cmd.Reason, a.clock.Now())
	})
}
