package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

// AddPlanEntries adds conferences to a unit's annual plan (征集内容 1):
// one, several, or an imported sheet's rows (Cells place each row's
// errors in the sheet).
type AddPlanEntries struct {
	NominationID uuid.UUID                 `json:"-"`
	Entries      []nomination.PlanEntry    `json:"entries"`
	Cells        []func(key string) string `json:"-"`
}

// PlanEntriesAdded are the entries recorded, with their ids.
type PlanEntriesAdded struct {
	Result
	Entries []nomination.PlanEntry `json:"entries"`
}

// AddPlanEntries records the entries all at once or none, each opening in
// the cycle's window (R-NOM-05); ids derive from the command id.
func (a *App) AddPlanEntries(ctx context.Context, actor domain.Actor, meta Meta, cmd AddPlanEntries) (PlanEntriesAdded, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	var added []nomination.PlanEntry
	n := 0
	ids := func() uuid.UUID { n++; return uuid.NewSHA1(meta.CommandID, []byte{byte(n >> 8), byte(n), 'p'}) }
	res, err := onNomination(ctx, a, actor, meta, "AddPlanEntries", cmd.NominationID, func(f *nomination.File, c *nomination.Cycle, p policy.Policy) error {
		var err error
		added, err = f.AddPlanEntries(actor, cmd.Entries, cmd.Cells, c.Spec(), p, ids, a.clock.Now())
		return err
	})
	if err != nil {
		return PlanEntriesAdded{}, err
	}
	if added == nil {
		added = []nomination.PlanEntry{}
	}
	return PlanEntriesAdded{Result: res, Entries: added}, nil
}

// RemovePlanEntry takes a conference out of the plan.
type RemovePlanEntry struct {
	NominationID, EntryID uuid.UUID
}

// RemovePlanEntry records the removal.
func (a *App) RemovePlanEntry(ctx context.Context, actor domain.Actor, meta Meta, cmd RemovePlanEntry) (Result, error) {
	return onNomination(ctx, a, actor, meta, "RemovePlanEntry", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, _ policy.Policy) error {
		return f.RemovePlanEntry(actor, cmd.EntryID, a.clock.Now())
	})
}

// SaveNominationScheme records the recommendation scheme (推荐方案).
type SaveNominationScheme struct {
	NominationID uuid.UUID         `json:"-"`
	Scheme       nomination.Scheme `json:"-"`
}

// SaveNominationScheme records the scheme: principles, standards,
// process, contact person.
func (a *App) SaveNominationScheme(ctx context.Context, actor domain.Actor, meta Meta, cmd SaveNominationScheme) (Result, error) {
	return onNomination(ctx, a, actor, meta, "SaveNominationScheme", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.SaveScheme(actor, cmd.Scheme, p, a.clock.Now())
	})
}
