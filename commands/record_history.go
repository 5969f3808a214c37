package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/eventstore"
)

// RecordHistory is a record's history rebuilt from its own stream, as an
// auditor reads a declaration's: every event with who recorded it, the
// status before and after, the policy version it was decided under, its
// hash, and the chain check over the whole stream.
type RecordHistory struct {
	ID         uuid.UUID           `json:"id"`
	AsOf       *time.Time          `json:"asOf,omitempty"`
	AtRevision *eventstore.Version `json:"atRevision,omitempty"`
	Version    eventstore.Version  `json:"version"`
	Status     string              `json:"status"`
	Entries    []HistoryEntry      `json:"entries"`
	// ChainIntact and BrokenAt as in ForecastHistory.
	ChainIntact bool   `json:"chainIntact"`
	BrokenAt    uint64 `json:"brokenAt,omitempty"`
}

// recordHistory replays the stream of record id of kind k up to the
// Point at. Who may read it is decided by the record as it is now (the
// record's own read grants: whoever reads the record reads its history);
// one the actor may not read is not found, before anything of its range
// is told.
func recordHistory[R record[E], E event](ctx context.Context, a *App, actor domain.Actor, k kind[R, E], id uuid.UUID, at Point,
	status func(R) string) (RecordHistory, error) {
	if err := at.Check(); err != nil {
		return RecordHistory{}, err
	}
	l, err := a.load(ctx, k.stream(id))
	if err != nil {
		return RecordHistory{}, err
	}
	whole, err := k.fold(id, l)
	if err != nil {
		return RecordHistory{}, err
	}
	if len(l.events) == 0 || !whole.Exists() || !domain.Allows(actor, k.scope, domain.Read, whole.Scope()) {
		return RecordHistory{}, fmt.Errorf("%s %s: %w", k.name, id, domain.ErrNotFound)
	}
	cut, err := l.upTo(at, k.name)
	if err != nil {
		return RecordHistory{}, err
	}
	r := k.new(id)
	entries, version, err := replay(cut, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := k.decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := status(r)
		r.Apply(ev)
		return before, status(r), nil
	})
	if err != nil {
		return RecordHistory{}, err
	}
	broken := eventstore.VerifyChain(l.events)
	return RecordHistory{ID: id, AsOf: at.AsOf, AtRevision: at.Revision, Version: version, Status: status(r), Entries: entries,
		ChainIntact: broken == 0, BrokenAt: broken}, nil
}

// FundingHistory replays a funding application's stream (its review, the
// plan's effect on it, its obligations and the deadline engine's facts)
// up to the Point at, for whoever may read the application.
func (a *App) FundingHistory(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (RecordHistory, error) {
	return recordHistory(ctx, a, actor, fundings, id, at, func(f *funding.Funding) string { return string(f.Status()) })
}

// NominationHistory replays a unit's nomination file up to the Point at,
// for whoever may read the file (its unit's contacts, the organiser,
// auditors, analysts).
func (a *App) NominationHistory(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (RecordHistory, error) {
	return recordHistory(ctx, a, actor, nominationFiles, id, at, func(f *nomination.File) string { return string(f.Status()) })
}
