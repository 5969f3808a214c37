package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
)

// HistoryEntry is one event of a record as an auditor reads it.
type HistoryEntry struct {
	Number        uint64    `json:"number"`
	Type          string    `json:"type"`
	ActorID       string    `json:"actorId"`
	Role          string    `json:"role"`
	OrgID         string    `json:"orgId,omitempty"`
	Command       string    `json:"command"`
	At            time.Time `json:"at"`
	Comment       string    `json:"comment,omitempty"`
	StatusBefore  string    `json:"statusBefore"`
	StatusAfter   string    `json:"statusAfter"`
	PolicyVersion string    `json:"policyVersion,omitempty"`
	// SimulatedClock: recorded on a training instance's simulated clock
	// (At is then the simulated time).
	SimulatedClock bool            `json:"simulatedClock,omitempty"`
	Hash           string          `json:"hash"`
	Data           json.RawMessage `json:"data"`
}

// ForecastHistory is a forecast's history rebuilt from its stream.
type ForecastHistory struct {
	ID   uuid.UUID  `json:"id"`
	AsOf *time.Time `json:"asOf,omitempty"`
	// AtRevision is the revision asked for: the forecast after its first
	// AtRevision events.
	AtRevision *eventstore.Version `json:"atRevision,omitempty"`
	Version    eventstore.Version  `json:"version"`
	Status     forecast.Status     `json:"status"`
	Details    forecast.Details    `json:"details"`
	// SignedForms are the signed and stamped forms uploaded (R-FC-08).
	SignedForms []forecast.SignedForm `json:"signedForms"`
	Entries     []HistoryEntry        `json:"entries"`
	// ChainIntact says whether every event names its predecessor's hash. A
	// rewritten event k makes it false, and BrokenAt is k+1: the first event
	// whose recorded predecessor hash no longer matches. (The newest event
	// has no successor to vouch for it.)
	ChainIntact bool   `json:"chainIntact"`
	BrokenAt    uint64 `json:"brokenAt,omitempty"`
}

// replay turns a stream (already cut at the Point read) into history
// entries, folding each event with step, which returns the status before
// and after it.
func replay(l loaded, step func(e eventstore.RecordedEvent) (before, after string, err error)) (entries []HistoryEntry, version eventstore.Version, err error) {
	entries = []HistoryEntry{}
	for _, e := range l.events {
		before, after, err := step(e)
		if err != nil {
			return nil, 0, fmt.Errorf("replay %s#%d: %w", l.id, e.Number, err)
		}
		entries = append(entries, HistoryEntry{
			Number: e.Number, Type: e.Type, ActorID: e.Metadata.ActorID, Role: e.Metadata.Role, OrgID: e.Metadata.OrgID,
			Command: e.Metadata.Command, At: e.Metadata.RecordedAt, Comment: commentOf(e.Data),
			StatusBefore: before, StatusAfter: after, PolicyVersion: e.Metadata.PolicyVersion, SimulatedClock: e.Metadata.SimulatedClock,
			Hash: eventstore.Hash(e), Data: e.Data,
		})
		version = eventstore.Version(e.Number)
	}
	return entries, version, nil
}

// ForecastHistory replays a forecast's stream, up to asOf when given. Only
// who may read the forecast (auditors read any) gets it (R-ACT-02).
func (a *App) ForecastHistory(ctx context.Context, actor domain.Actor, id uuid.UUID, asOf *time.Time) (ForecastHistory, error) {
	return a.ForecastHistoryAt(ctx, actor, id, Point{AsOf: asOf})
}

// ForecastHistoryAt replays a forecast's stream up to the Point at: its
// end, a time or a revision.
func (a *App) ForecastHistoryAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (ForecastHistory, error) {
	if err := at.Check(); err != nil {
		return ForecastHistory{}, err
	}
	l, err := a.load(ctx, ForecastStream(id))
	if err != nil {
		return ForecastHistory{}, err
	}
	if len(l.events) == 0 {
		return ForecastHistory{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
	}
	// Who may read it is decided by the forecast as it is now: a fold of
	// the whole stream, checked before a cut's range is told; read to its
	// end, the replay below is that fold.
	if !at.IsZero() {
		whole, err := foldForecast(id, l)
		if err != nil {
			return ForecastHistory{}, err
		}
		if !domain.Allows(actor, domain.KindHistory, domain.Read, whole.Scope()) {
			return ForecastHistory{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
		}
	}
	cut, err := l.upTo(at, "forecast")
	if err != nil {
		return ForecastHistory{}, err
	}
	f := forecast.New(id)
	entries, version, err := replay(cut, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := forecast.Decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := f.Status()
		f.Apply(ev)
		return string(before), string(f.Status()), nil
	})
	if err != nil {
		return ForecastHistory{}, err
	}
	if at.IsZero() && !domain.Allows(actor, domain.KindHistory, domain.Read, f.Scope()) {
		return ForecastHistory{}, fmt.Errorf("forecast %s: %w", id, domain.ErrNotFound)
	}
	broken := eventstore.VerifyChain(l.events)
	forms := f.SignedForms()
	if forms == nil {
		forms = []forecast.SignedForm{}
	}
	return ForecastHistory{ID: id, AsOf: at.AsOf, AtRevision: at.Revision, Version: version, Status: f.Status(), Details: f.Details(),
		SignedForms: forms, Entries: entries, ChainIntact: broken == 0, BrokenAt: broken}, nil
}

// DeclarationHistory is a declaration's history rebuilt from its stream.
type DeclarationHistory struct {
	ID   uuid.UUID  `json:"id"`
	AsOf *time.Time `json:"asOf,omitempty"`
	// AtRevision is the revision of the declaration's stream asked for;
	// its other streams are then replayed up to the time that revision
	// was recorded.
	AtRevision  *eventstore.Version `json:"atRevision,omitempty"`
	Version     eventstore.Version  `json:"version"`
	Status      declaration.Status  `json:"status"`
	Form        declaration.Form    `json:"form"`
	Lead        declaration.Lead    `json:"lead,omitzero"`
	Warnings    []domain.Warning    `json:"warnings"`
	Entries     []HistoryEntry      `json:"entries"`
	ChainIntact bool                `json:"chainIntact"`
	BrokenAt    uint64              `json:"brokenAt,omitempty"`
	// Effective are the conference's values now: the form's, or the
	// approved change's new ones (R-CHG-04); Changed says which.
	Effective change.Values `json:"effective"`
	Changed   bool          `json:"changed"`
	// Change, Summary and Deadlines replay the conference's other streams
	// the same way (R-CHG-*, R-SUM-*, the deadline engine's facts); each
	// has its own chain check.
	Change    RelatedHistory `json:"change"`
	Summary   RelatedHistory `json:"summary"`
	Deadlines RelatedHistory `json:"deadlines"`
}

// RelatedHistory is one of a conference's aftercare streams replayed.
type RelatedHistory struct {
	Stream      string             `json:"stream"`
	Version     eventstore.Version `json:"version"`
	Status      string             `json:"status,omitempty"`
	Entries     []HistoryEntry     `json:"entries"`
	ChainIntact bool               `json:"chainIntact"`
	BrokenAt    uint64             `json:"brokenAt,omitempty"`
}

// relatedOf replays one aftercare stream up to asOf; an empty or not yet
// existing one is an empty history.
func relatedOf(l loaded, asOf *time.Time, step func(e eventstore.RecordedEvent) (before, after string, err error)) (RelatedHistory, error) {
	stream := l.id
	h := RelatedHistory{Stream: stream, Entries: []HistoryEntry{}, ChainIntact: true}
	status := ""
	if n := len(l.events); n > 0 && (asOf == nil || !l.events[0].Metadata.RecordedAt.After(*asOf)) {
		cut, err := l.upTo(Point{AsOf: asOf}, stream)
		if err != nil {
			return h, err
		}
		entries, version, err := replay(cut, func(e eventstore.RecordedEvent) (string, string, error) {
			before, after, err := step(e)
			status = after
			return before, after, err
		})
		if err != nil {
			return h, err
		}
		h.Entries, h.Version = entries, version
	}
	h.BrokenAt = eventstore.VerifyChain(l.events)
	h.ChainIntact = h.BrokenAt == 0
	h.Status = status
	return h, nil
}

// DeclarationHistory replays a declaration's stream, up to asOf when given;
// without asOf it is also the declaration's current state, never behind a
// write.
func (a *App) DeclarationHistory(ctx context.Context, actor domain.Actor, id uuid.UUID, asOf *time.Time) (DeclarationHistory, error) {
	return a.DeclarationHistoryAt(ctx, actor, id, Point{AsOf: asOf})
}

// DeclarationHistoryAt replays a declaration's stream up to the Point at:
// its end, a time or a revision of the declaration's own stream. The
// change, summary and deadline streams are replayed up to the same time:
// at a revision, the time that revision was recorded.
func (a *App) DeclarationHistoryAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (DeclarationHistory, error) {
	if err := at.Check(); err != nil {
		return DeclarationHistory{}, err
	}
	// The four streams are read at once (loadAll: in one query where the
	// store can, else concurrently), not one after another (issue 16,
	// target 5). Nothing of the related streams is told before the
	// declaration's own decides who may read.
	streams, err := a.loadAll(ctx, DeclarationStream(id), ChangeStream(id), SummaryStream(id), DeadlineStream(id))
	if err != nil {
		return DeclarationHistory{}, err
	}
	l := streams[0]
	if len(l.events) == 0 {
		return DeclarationHistory{}, fmt.Errorf("declaration %s: %w", id, domain.ErrNotFound)
	}
	// Who may read it is decided by the declaration as it is now: a fold of
	// the whole stream, checked before a cut's range is told; read to its
	// end, the replay below is that fold.
	if !at.IsZero() {
		whole, err := foldDeclaration(id, l)
		if err != nil {
			return DeclarationHistory{}, err
		}
		if !domain.Allows(actor, domain.KindHistory, domain.Read, whole.Scope()) {
			return DeclarationHistory{}, fmt.Errorf("declaration %s: %w", id, domain.ErrNotFound)
		}
	}
	cut, err := l.upTo(at, "declaration")
	if err != nil {
		return DeclarationHistory{}, err
	}
	asOf := at.AsOf
	if at.Revision != nil {
		t := cut.events[len(cut.events)-1].Metadata.RecordedAt
		asOf = &t
	}
	d := declaration.New(id)
	entries, version, err := replay(cut, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := declaration.Decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := d.Status()
		d.Apply(ev)
		return string(before), string(d.Status()), nil
	})
	if err != nil {
		return DeclarationHistory{}, err
	}
	if at.IsZero() && !domain.Allows(actor, domain.KindHistory, domain.Read, d.Scope()) {
		return DeclarationHistory{}, fmt.Errorf("declaration %s: %w", id, domain.ErrNotFound)
	}
	broken := eventstore.VerifyChain(l.events)
	warnings := d.Warnings()
	if warnings == nil {
		warnings = []domain.Warning{}
	}
	h := DeclarationHistory{ID: id, AsOf: at.AsOf, AtRevision: at.Revision, Version: version, Status: d.Status(), Form: d.Form(), Lead: d.Lead(),
		Warnings: warnings, Entries: entries, ChainIntact: broken == 0, BrokenAt: broken}
	c := change.New(id)
	if h.Change, err = relatedOf(streams[1], asOf, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := change.Decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := c.Status()
		c.Apply(ev)
		return string(before), string(c.Status()), nil
	}); err != nil {
		return DeclarationHistory{}, err
	}
	h.Effective = effective(d, c)
	_, h.Changed = c.Effective()
	s := summary.New(id)
	if h.Summary, err = relatedOf(streams[2], asOf, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := summary.Decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := s.Status()
		s.Apply(ev)
		return string(before), string(s.Status()), nil
	}); err != nil {
		return DeclarationHistory{}, err
	}
	if h.Deadlines, err = relatedOf(streams[3], asOf, func(e eventstore.RecordedEvent) (string, string, error) {
		if _, err := deadline.Decode(e.Type, e.Data); err != nil {
			return "", "", err
		}
		return "", "", nil
	}); err != nil {
		return DeclarationHistory{}, err
	}
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
