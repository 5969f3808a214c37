package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// HistoryEntry is one event of a record as an auditor reads it.
type HistoryEntry struct {
	Number        uint64          `json:"number"`
	Type          string          `json:"type"`
	ActorID       string          `json:"actorId"`
	Role          string          `json:"role"`
	OrgID         string          `json:"orgId,omitempty"`
	Command       string          `json:"command"`
	At            time.Time       `json:"at"`
	Comment       string          `json:"comment,omitempty"`
	StatusBefore  string          `json:"statusBefore"`
	StatusAfter   string          `json:"statusAfter"`
	PolicyVersion string          `json:"policyVersion,omitempty"`
	Hash          string          `json:"hash"`
	Data          json.RawMessage `json:"data"`
}

// ForecastHistory is a forecast's history rebuilt from its stream.
type ForecastHistory struct {
	ID      uuid.UUID          `json:"id"`
	AsOf    *time.Time         `json:"asOf,omitempty"`
	Version eventstore.Version `json:"version"`
	Status  forecast.Status    `json:"status"`
	Details forecast.Details   `json:"details"`
	Entries []HistoryEntry     `json:"entries"`
	// ChainIntact says whether every event names its predecessor's hash. A
	// rewritten event k makes it false, and BrokenAt is k+1: the first event
	// whose recorded predecessor hash no longer matches. (The newest event
	// has no successor to vouch for it.)
	ChainIntact bool   `json:"chainIntact"`
	BrokenAt    uint64 `json:"brokenAt,omitempty"`
}

// ForecastHistory replays a forecast's stream, up to asOf when given. Only
// who may read the forecast (auditors read any) gets it (R-ACT-02).
func (a *App) ForecastHistory(ctx context.Context, actor domain.Actor, id uuid.UUID, asOf *time.Time) (ForecastHistory, error) {
	l, err := a.load(ctx, ForecastStream(id))
	if err != nil {
		return ForecastHistory{}, err
	}
	if len(l.events) == 0 {
		return ForecastHistory{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
	}
	whole, err := foldForecast(id, l)
	if err != nil {
		return ForecastHistory{}, err
	}
	if !domain.CanRead(actor, whole.Scope()) {
		return ForecastHistory{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
	}
	h := ForecastHistory{ID: id, AsOf: asOf, Entries: []HistoryEntry{}}
	broken := eventstore.VerifyChain(l.events)
	h.ChainIntact, h.BrokenAt = broken == 0, broken
	f := forecast.New(id)
	for _, e := range l.events {
		if asOf != nil && e.Metadata.RecordedAt.After(*asOf) {
			break
		}
		ev, err := forecast.Decode(e.Type, e.Data)
		if err != nil {
			return ForecastHistory{}, fmt.Errorf("replay %s#%d: %w", l.id, e.Number, err)
		}
		before := f.Status()
		f.Apply(ev)
		h.Entries = append(h.Entries, HistoryEntry{
			Number: e.Number, Type: e.Type, ActorID: e.Metadata.ActorID, Role: e.Metadata.Role, OrgID: e.Metadata.OrgID,
			Command: e.Metadata.Command, At: e.Metadata.RecordedAt, Comment: commentOf(e.Data),
			StatusBefore: string(before), StatusAfter: string(f.Status()), PolicyVersion: e.Metadata.PolicyVersion,
			Hash: eventstore.Hash(e), Data: e.Data,
		})
		h.Version = eventstore.Version(e.Number)
	}
	if len(h.Entries) == 0 {
		return ForecastHistory{}, fmt.Errorf("forecast %s did not exist at %s: %w", id, asOf.Format(time.RFC3339), domain.ErrNotFound)
	}
	h.Status, h.Details = f.Status(), f.Details()
	return h, nil
}

// commentOf picks the free text a reviewer or applicant gave with an event.
func commentOf(data json.RawMessage) string {
	var c struct {
		Comment string `json:"comment"`
		Reason  string `json:"reason"`
	}
	_ = json.Unmarshal(data, &c) // payloads without either field leave both empty
	if c.Reason != "" {
		return c.Reason
	}
	return c.Comment
}
