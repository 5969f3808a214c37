package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// CurrentForecast is a forecast as its stream says now, with the stream's
// version for If-Match: what a GET answers. Unlike ForecastHistory it folds
// the stream once and builds no entries.
type CurrentForecast struct {
	ID          uuid.UUID
	Version     eventstore.Version
	Status      forecast.Status
	Details     forecast.Details
	SignedForms []forecast.SignedForm
	// Warnings are the current details' warnings (R-FC-03), as a
	// declaration's view shows its own.
	Warnings []domain.Warning
}

// Forecast reads a forecast the actor may see from its stream; one they may
// not see is not found (R-ACT-02).
func (a *App) Forecast(ctx context.Context, actor domain.Actor, id uuid.UUID) (CurrentForecast, error) {
	return a.ForecastAt(ctx, actor, id, Point{})
}

// ForecastAt is the forecast as it stood at the Point at (a time or a
// revision of its stream); who may read it is decided by the forecast as
// it is now.
func (a *App) ForecastAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (CurrentForecast, error) {
	l, err := a.load(ctx, ForecastStream(id))
	if err != nil {
		return CurrentForecast{}, err
	}
	f, err := foldForecast(id, l)
	if err != nil {
		return CurrentForecast{}, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindForecast, domain.Read, f.Scope()) {
		return CurrentForecast{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
	}
	if !at.IsZero() {
		if l, err = l.upTo(at, "forecast"); err != nil {
			return CurrentForecast{}, err
		}
		if f, err = foldForecast(id, l); err != nil {
			return CurrentForecast{}, err
		}
	}
	forms := f.SignedForms()
	if forms == nil {
		forms = []forecast.SignedForm{}
	}
	warnings := f.Warnings()
	if warnings == nil {
		warnings = []domain.Warning{}
	}
	return CurrentForecast{ID: id, Version: l.version, Status: f.Status(), Details: f.Details(), SignedForms: forms, Warnings: warnings}, nil
}

// CurrentDeclaration is a declaration as its stream says now, with the
// stream's version for If-Match: what a GET answers. Unlike
// DeclarationHistory it reads only the declaration's own stream (not its
// change, summary and deadline streams) and folds it once.
type CurrentDeclaration struct {
	ID       uuid.UUID
	Version  eventstore.Version
	Status   declaration.Status
	Form     declaration.Form
	Lead     declaration.Lead
	Warnings []domain.Warning
}

// Declaration reads a declaration the actor may see from its stream; one
// they may not see is not found (R-ACT-02).
func (a *App) Declaration(ctx context.Context, actor domain.Actor, id uuid.UUID) (CurrentDeclaration, error) {
	return a.DeclarationAt(ctx, actor, id, Point{})
}

// DeclarationAt is the declaration as it stood at the Point at (a time or
// a revision of its stream); who may read it is decided by the declaration
// as it is now.
func (a *App) DeclarationAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (CurrentDeclaration, error) {
	l, err := a.load(ctx, DeclarationStream(id))
	if err != nil {
		return CurrentDeclaration{}, err
	}
	d, err := foldDeclaration(id, l)
	if err != nil {
		return CurrentDeclaration{}, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindDeclaration, domain.Read, d.Scope()) {
		return CurrentDeclaration{}, fmt.Errorf("declaration %s: %w", id, domain.ErrNotFound)
	}
	if !at.IsZero() {
		if l, err = l.upTo(at, "declaration"); err != nil {
			return CurrentDeclaration{}, err
		}
		if d, err = foldDeclaration(id, l); err != nil {
			return CurrentDeclaration{}, err
		}
	}
	warnings := d.Warnings()
	if warnings == nil {
		warnings = []domain.Warning{}
	}
	lead := d.Lead()
	if lead == (declaration.Lead{}) && at.IsZero() {
		// Never submitted: the lead its form gives under the policy in
		// force, so the applicant sees the last day to submit (R-DECL-05).
		pol, err := a.policies.Current(ctx)
		if err != nil {
			return CurrentDeclaration{}, err
		}
		lead, _ = declaration.LeadFor(pol, pol.Declaration, d.Form()) // a form too incomplete for it has none
	}
	return CurrentDeclaration{ID: id, Version: l.version, Status: d.Status(), Form: d.Form(), Lead: lead, Warnings: warnings}, nil
}
