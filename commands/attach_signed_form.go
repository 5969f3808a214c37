package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
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
	return a.review(ctx, actor, meta, "AttachSignedForm", cmd.ForecastID, textField{"name", f.Name}, func(fc *forecast.Forecast) error {
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
	if len(l.events) == 0 || !domain.CanRead(actor, f.Scope()) {
		return fmt.Errorf("forecast %s: %w", forecastID, domain.ErrNotFound)
	}
	if !domain.CanReview(actor, f.Scope()) {
		return fmt.Errorf("AttachSignedForm: %w", domain.ErrForbidden)
	}
	return f.MayAttachSignedForm(actor)
}
