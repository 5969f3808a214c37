package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/eventstore"
)

// UnitOverview is one invited unit in the organiser's overview of a
// congress: its allotment, how many nominees it added, how many of them
// it reported and how the final review stands.
type UnitOverview struct {
	Unit      uuid.UUID          `json:"unit"`
	UnitName  string             `json:"unitName"`
	Allotment congress.Allotment `json:"allotment"`
	// Allotted is the people the allotment admits: the representatives'
	// seats (committee candidates take one too, R-DEL-02) and the special
	// invited, observers, guests and staff.
	Allotted      int  `json:"allotted"`
	Added         int  `json:"added"`
	Approved      int  `json:"approved"` // passed the initial review, not yet reported
	Reported      int  `json:"reported"` // reported: awaiting, passed or refused the final review
	FinalApproved int  `json:"finalApproved"`
	FinalRejected int  `json:"finalRejected"`
	HasReported   bool `json:"hasReported"`
	// QuotaMet says whether every indicator of the quota view is met by
	// the nominees approved or reported (R-DEL-04).
	QuotaMet bool `json:"quotaMet"`
}

// CongressOverview is the organiser's view across its invited units.
type CongressOverview struct {
	Congress      uuid.UUID      `json:"congress"`
	Name          string         `json:"name"`
	ReferenceDate domain.Date    `json:"referenceDate"`
	Units         []UnitOverview `json:"units"`
	// NotReported are the invited units that have not reported all.
	NotReported []uuid.UUID  `json:"notReported"`
	Totals      UnitOverview `json:"totals"`
}

// CongressOverview sums every invited unit's delegation for the
// organiser (and auditors, analysts): counts only, no personal field.
func (a *App) CongressOverview(ctx context.Context, actor domain.Actor, id uuid.UUID) (CongressOverview, error) {
	l, err := a.load(ctx, CongressStream(id))
	if err != nil {
		return CongressOverview{}, err
	}
	c, err := congresses.fold(id, l)
	if err != nil {
		return CongressOverview{}, err
	}
	if len(l.events) == 0 || !c.Exists() || !domain.Allows(actor, domain.KindCongress, domain.Read, c.Scope()) {
		return CongressOverview{}, fmt.Errorf("congress %s: %w", id, domain.ErrNotFound)
	}
	out := CongressOverview{Congress: id, Name: c.Name(), ReferenceDate: c.ReferenceDate(), Units: []UnitOverview{}, NotReported: []uuid.UUID{}}
	for _, u := range c.Units() {
		d, _, err := a.delegationOf(ctx, id, u.ID)
		if err != nil {
			return CongressOverview{}, err
		}
		o, err := a.organisation(ctx, u.ID)
		if err != nil {
			return CongressOverview{}, err
		}
		al := u.Allotment
		v := UnitOverview{Unit: u.ID, UnitName: o.NameZh(), Allotment: al, HasReported: u.Reported,
			Allotted: al.Representatives.Seats + al.SpecialInvited + al.Observers + al.Guests + al.Staff, QuotaMet: true}
		for _, n := range d.Nominees() {
			v.Added++
			switch n.Status {
			case delegation.Approved:
				v.Approved++
			case delegation.Reported:
				v.Reported++
			case delegation.FinalApproved:
				v.Reported++
				v.FinalApproved++
			case delegation.FinalRejected:
				v.Reported++
				v.FinalRejected++
			}
		}
		for _, line := range d.Tally(al) {
			v.QuotaMet = v.QuotaMet && line.Met
		}
		if !u.Reported {
			out.NotReported = append(out.NotReported, u.ID)
		}
		t := &out.Totals
		t.Allotted, t.Added, t.Approved, t.Reported = t.Allotted+v.Allotted, t.Added+v.Added, t.Approved+v.Approved, t.Reported+v.Reported
		t.FinalApproved, t.FinalRejected = t.FinalApproved+v.FinalApproved, t.FinalRejected+v.FinalRejected
		out.Units = append(out.Units, v)
	}
	out.Totals.HasReported = len(out.NotReported) == 0
	out.Totals.QuotaMet = !slices.ContainsFunc(out.Units, func(u UnitOverview) bool { return !u.QuotaMet })
	return out, nil
}

// delegationOf folds a unit's delegation to a congress (empty when the
// unit added no one yet).
func (a *App) delegationOf(ctx context.Context, congressID, unit uuid.UUID) (*delegation.Delegation, loaded, error) {
	id := delegation.ID(congressID, unit)
	l, err := a.load(ctx, DelegationStream(id))
	if err != nil {
		return nil, l, err
	}
	d, err := delegations.fold(id, l)
	return d, l, err
}

// NomineeHistory is one nominee's history rebuilt by replaying its unit's
// delegation stream: the events that concern the nominee, each with the
// nominee's status before and after it.
type NomineeHistory struct {
	Congress uuid.UUID          `json:"congress"`
	Unit     uuid.UUID          `json:"unit"`
	Nominee  uuid.UUID          `json:"nominee"`
	Stream   string             `json:"stream"`
	Version  eventstore.Version `json:"version"`
	Status   delegation.Status  `json:"status"`
	StatusZh string             `json:"statusZh"`
	// Deregistered: the unit removed the nominee (R-DEL-08); the history
	// stays.
	Deregistered bool           `json:"deregistered"`
	Entries      []HistoryEntry `json:"entries"`
	// ChainIntact covers the whole delegation stream (see ForecastHistory).
	ChainIntact bool   `json:"chainIntact"`
	BrokenAt    uint64 `json:"brokenAt,omitempty"`
}

// concerns says whether a delegation event is about nominee: every event
// on one nominee names it as "nominee", the report names them as
// "nominees" (so an event type added later is followed too).
func concerns(data json.RawMessage, nominee uuid.UUID) bool {
	var about struct {
		Nominee  uuid.UUID   `json:"nominee"`
		Nominees []uuid.UUID `json:"nominees"`
	}
	_ = json.Unmarshal(data, &about) // a payload without either names no one
	return about.Nominee == nominee || slices.Contains(about.Nominees, nominee)
}

// NomineeHistory replays the unit's delegation stream for one nominee.
// Whoever may read the delegation reads it (R-ACT-02): its unit, the
// organiser once reported, auditors; anyone else gets not found.
func (a *App) NomineeHistory(ctx context.Context, actor domain.Actor, congressID, unit, nominee uuid.UUID) (NomineeHistory, error) {
	return a.NomineeHistoryAt(ctx, actor, congressID, unit, nominee, Point{})
}

// NomineeHistoryAt is NomineeHistory up to the Point at (a revision of the
// delegation's stream or a time): the entries then, and the nominee's
// status then; who may read it is decided as it is now.
func (a *App) NomineeHistoryAt(ctx context.Context, actor domain.Actor, congressID, unit, nominee uuid.UUID, at Point) (NomineeHistory, error) {
	if err := at.Check(); err != nil {
		return NomineeHistory{}, err
	}
	d, whole, err := a.delegationOf(ctx, congressID, unit)
	if err != nil {
		return NomineeHistory{}, err
	}
	notFound := fmt.Errorf("nominee %s of unit %s: %w", nominee, unit, domain.ErrNotFound)
	if !d.Exists() || !domain.Allows(actor, domain.KindHistory, domain.Read, d.Scope()) || d.Congress() != congressID {
		return NomineeHistory{}, notFound
	}
	l, err := whole.upTo(at, "delegation")
	if err != nil {
		return NomineeHistory{}, err
	}
	replayed := delegation.New(d.ID())
	status := func() delegation.Status {
		if n, ok := replayed.Nominee(nominee); ok {
			return n.Status
		}
		return ""
	}
	var mine []eventstore.RecordedEvent
	entries, _, err := replay(l, func(e eventstore.RecordedEvent) (string, string, error) {
		ev, err := delegation.Decode(e.Type, e.Data)
		if err != nil {
			return "", "", err
		}
		before := status()
		replayed.Apply(ev)
		if concerns(e.Data, nominee) {
			mine = append(mine, e)
		}
		return string(before), string(status()), nil
	})
	if err != nil {
		return NomineeHistory{}, err
	}
	h := NomineeHistory{Congress: congressID, Unit: unit, Nominee: nominee, Stream: l.id, Version: l.version, Entries: []HistoryEntry{}}
	for i, e := range l.events {
		if slices.ContainsFunc(mine, func(m eventstore.RecordedEvent) bool { return m.Number == e.Number }) {
			h.Entries = append(h.Entries, entries[i])
		}
	}
	if len(h.Entries) == 0 {
		return NomineeHistory{}, notFound
	}
	personal := domain.Allows(actor, domain.KindNomineePersonal, domain.Read, d.Scope())
	for i := range h.Entries {
		if h.Entries[i].Data, err = nomineeData(h.Entries[i].Data, personal); err != nil {
			return NomineeHistory{}, err
		}
	}
	n, ok := replayed.Nominee(nominee)
	h.Deregistered = !ok
	if ok {
		h.Status, h.StatusZh = n.Status, n.Status.Zh()
	}
	broken := eventstore.VerifyChain(whole.events)
	h.ChainIntact, h.BrokenAt = broken == 0, broken
	return h, nil
}

// nomineeData is an event's payload as a reader of a nominee's history
// may see it: the ID number masked for who may read the personal fields
// (the unit, the organiser once reported), and without the name, birth
// date and details for anyone else (auditors; issue 20 part 8).
func nomineeData(data json.RawMessage, personal bool) (json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("nominee history: %w", err)
	}
	if _, has := m["profile"]; !has {
		return data, nil
	}
	if !personal {
		delete(m, "name")
		delete(m, "birthDate")
		delete(m, "profile")
		return json.Marshal(m)
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(m["profile"], &p); err != nil || p == nil {
		return data, nil // an erased profile reads as its zero value
	}
	var id string
	if raw, ok := p["idNumber"]; ok && json.Unmarshal(raw, &id) == nil {
		masked, err := json.Marshal(delegation.MaskID(id))
		if err != nil {
			return nil, err
		}
		p["idNumber"] = masked
	}
	var err error
	if m["profile"], err = json.Marshal(p); err != nil {
		return nil, err
	}
	return json.Marshal(m)
}
