package commands

import (
	"context"

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
