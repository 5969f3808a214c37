package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/eventstore"
)

// CurrentFunding is an application as its stream says now.
type CurrentFunding struct {
	ID          uuid.UUID           `json:"id"`
	Version     eventstore.Version  `json:"version"`
	Status      funding.Status      `json:"status"`
	Application funding.Application `json:"application"`
	Flags       funding.Flags       `json:"flags"`
	// GrantedFen is what the bureau granted, once granted (R-FUND-05).
	GrantedFen int64 `json:"grantedFen,omitempty"`
}

// Funding reads an application the actor may see from its stream: its
// institute's administrators, the bureau once it was submitted, auditors
// and analysts; one they may not see is not found (R-ACT-02).
func (a *App) Funding(ctx context.Context, actor domain.Actor, id uuid.UUID) (CurrentFunding, error) {
	return a.FundingAt(ctx, actor, id, Point{})
}

// FundingAt is the application as it stood at the Point at (a time or a
// revision of its stream); who may read it is decided by the application
// as it is now.
func (a *App) FundingAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (CurrentFunding, error) {
	l, err := a.load(ctx, FundingStream(id))
	if err != nil {
		return CurrentFunding{}, err
	}
	f, err := fundings.fold(id, l)
	if err != nil {
		return CurrentFunding{}, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindFunding, domain.Read, f.Scope()) {
		return CurrentFunding{}, fmt.Errorf("funding application %s: %w", id, domain.ErrNotFound)
	}
	if !at.IsZero() {
		if l, err = l.upTo(at, "funding application"); err != nil {
			return CurrentFunding{}, err
		}
		if f, err = fundings.fold(id, l); err != nil {
			return CurrentFunding{}, err
		}
	}
	return CurrentFunding{ID: id, Version: l.version, Status: f.Status(), Application: f.Application(), Flags: f.Flags(), GrantedFen: f.GrantFen()}, nil
}

// FundingRefersToFile reports whether the application, which the actor
// may read, refers to the upload (a file is readable through a record
// that refers to it, R-ACT-02): the bureau reads the institute's approval
// scan, proof, evidence and reports.
func (a *App) FundingRefersToFile(ctx context.Context, actor domain.Actor, id, file uuid.UUID) (bool, error) {
	l, err := a.load(ctx, FundingStream(id))
	if err != nil {
		return false, err
	}
	f, err := fundings.fold(id, l)
	if err != nil {
		return false, err
	}
	return len(l.events) > 0 && domain.Allows(actor, domain.KindFunding, domain.Read, f.Scope()) && f.RefersTo(file), nil
}
