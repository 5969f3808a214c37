package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/filestore"
)

// AttachSignedForm records the unit admin's upload of the signed and
// stamped forecast application form (R-FC-08).
type AttachSignedForm struct {
	ForecastID uuid.UUID
	File       filestore.File
}

// AttachSignedForm adds the uploaded scan to the forecast's record; it shows
// in the forecast, its history and its approval log.
func (a *App) AttachSignedForm(ctx context.Context, actor domain.Actor, meta Meta, cmd AttachSignedForm) (Result, error) {
	f := cmd.File
	return onRecord(ctx, a, actor, meta, "AttachSignedForm", forecasts, cmd.ForecastID, toReview, func(fc *forecast.Forecast, p policy.Policy) error {
		if err := (textField{"name", f.Name}).check(p); err != nil {
			return err
		}
		return fc.AttachSignedForm(actor, forecast.SignedForm{ID: f.ID, SHA256: f.SHA256, Name: f.Name, ContentType: f.ContentType, Size: f.Size}, a.clock.Now())
	})
}

// MayAttachSignedForm answers, before an upload is stored, what
// AttachSignedForm would answer about who and when: a forecast outside
// the actor's scope is not found (R-ACT-02), another level or role is
// forbidden, a status before the unit's approval is a wrong state
// (R-FC-08). AttachSignedForm checks again on the version it appends to.
func (a *App) MayAttachSignedForm(ctx context.Context, actor domain.Actor, forecastID uuid.UUID) error {
	l, err := a.load(ctx, ForecastStream(forecastID))
	if err != nil {
		return err
	}
	f, err := foldForecast(forecastID, l)
	if err != nil {
		return err
	}
	if err := authorise(actor, domain.KindForecast, fmt.Sprintf("forecast %s", forecastID), len(l.events) > 0, f.Scope(), toReview); err != nil {
		return err
	}
	return f.MayAttachSignedForm(actor)
}
