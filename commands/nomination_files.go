package commands

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/eventstore"
)

// NominationFilter selects and orders the files of one cycle; without a
// Cycle, the newest cycle the actor takes part in (NominationCycles'
// first).
type NominationFilter struct {
	Cycle    uuid.UUID
	Statuses []nomination.Status
	Kinds    []org.Kind
	// Keyword matches the unit's name (a substring).
	Keyword string
	// Sort is unitName (default), status, updatedAt, recommendations or
	// plan; Desc reverses it.
	Sort           string
	Desc           bool
	Page, PageSize int
}

// NominationRow is one unit's file in the organiser's list.
type NominationRow struct {
	ID              uuid.UUID          `json:"id"`
	Cycle           uuid.UUID          `json:"cycleId"`
	Unit            uuid.UUID          `json:"unitId"`
	UnitName        string             `json:"unitName"`
	Kind            org.Kind           `json:"kind"`
	Status          nomination.Status  `json:"status"`
	Version         eventstore.Version `json:"version"`
	Plan            int                `json:"plan"`
	Recommendations int                `json:"recommendations"`
	Experts         int                `json:"experts"`
	// Submitted: it reached the organiser at least once.
	Submitted bool      `json:"submitted"`
	Priority  bool      `json:"priority"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NominationPage is one page of the list of Cycle's files; Cycle is nil
// when the actor takes part in no cycle.
type NominationPage struct {
	Cycle    *uuid.UUID      `json:"cycleId"`
	Items    []NominationRow `json:"items"`
	Total    int             `json:"total"`
	Page     int             `json:"page"`
	PageSize int             `json:"pageSize"`
}

// NominationFiles lists the started files of a cycle the actor may read,
// across units: the organiser's staff every unit of their association, a
// unit's contact its own, auditors and analysts every one (R-ACT-02);
// filtered, sorted and paged. Each row is its file's stream now.
func (a *App) NominationFiles(ctx context.Context, actor domain.Actor, f NominationFilter) (NominationPage, error) {
	rows, cycle, err := a.nominationRows(ctx, actor, f)
	if err != nil {
		return NominationPage{}, err
	}
	page := NominationPage{Items: []NominationRow{}, Total: len(rows), Page: max(f.Page, 1), PageSize: f.PageSize}
	if cycle != uuid.Nil {
		page.Cycle = &cycle
	}
	if page.PageSize <= 0 {
		page.PageSize = 20
	}
	from := (page.Page - 1) * page.PageSize
	if from < len(rows) {
		page.Items = rows[from:min(from+page.PageSize, len(rows))]
	}
	return page, nil
}

// ExportNominationFiles is every row of the filter, unpaged.
func (a *App) ExportNominationFiles(ctx context.Context, actor domain.Actor, f NominationFilter) ([]NominationRow, error) {
	rows, _, err := a.nominationRows(ctx, actor, f)
	return rows, err
}

// nominationRows are the rows of f's cycle, and which cycle that is: the
// named one (not found when never opened), else the newest the actor
// takes part in (uuid.Nil and no rows when none).
func (a *App) nominationRows(ctx context.Context, actor domain.Actor, f NominationFilter) ([]NominationRow, uuid.UUID, error) {
	ix, err := a.nominationIndex()
	if err != nil {
		return nil, uuid.Nil, err
	}
	if f.Cycle == uuid.Nil {
		organiser, ok := cycleOrganiserFor(actor)
		if !ok {
			return []NominationRow{}, uuid.Nil, nil
		}
		ids, err := ix.NominationCycleIDs(ctx, organiser)
		if err != nil || len(ids) == 0 {
			return []NominationRow{}, uuid.Nil, err
		}
		f.Cycle = ids[0]
	} else if _, _, err := a.readCycle(ctx, f.Cycle); err != nil {
		return nil, uuid.Nil, err
	}
	rows, err := a.cycleRows(ctx, ix, actor, f)
	return rows, f.Cycle, err
}

func (a *App) cycleRows(ctx context.Context, ix NominationIndex, actor domain.Actor, f NominationFilter) ([]NominationRow, error) {
	var units []uuid.UUID
	var err error
	switch actor.Role {
	case domain.RoleAuthorityReviewer:
		units, err = ix.RecommendingUnits(ctx, actor.OrgID)
	case domain.RoleUnitAdmin:
		units = []uuid.UUID{actor.OrgID}
	case domain.RoleAuditor, domain.RoleAnalyst:
		units, err = ix.RecommendingUnits(ctx, uuid.Nil)
	}
	if err != nil {
		return nil, err
	}
	kw := strings.TrimSpace(f.Keyword)
	out := []NominationRow{}
	for _, unit := range units {
		id := nomination.FileID(f.Cycle, unit)
		l, err := a.load(ctx, NominationStream(id))
		if err != nil {
			return nil, err
		}
		file, err := nominationFiles.fold(id, l)
		if err != nil {
			return nil, err
		}
		if len(l.events) == 0 || !file.Exists() || !domain.Allows(actor, domain.KindNomination, domain.Read, file.Scope()) {
			continue
		}
		if len(f.Statuses) > 0 && !slices.Contains(f.Statuses, file.Status()) || len(f.Kinds) > 0 && !slices.Contains(f.Kinds, file.Kind()) {
			continue
		}
		o, err := a.organisation(ctx, unit)
		if err != nil {
			return nil, err
		}
		if kw != "" && !strings.Contains(strings.ToLower(o.NameZh()), strings.ToLower(kw)) {
			continue
		}
		out = append(out, NominationRow{ID: id, Cycle: f.Cycle, Unit: unit, UnitName: o.NameZh(), Kind: file.Kind(), Status: file.Status(),
			Version: l.version, Plan: len(file.Plan()), Recommendations: len(file.List()), Experts: len(file.Experts()),
			Submitted: file.Scope().AtAuthority, Priority: file.Priority(), UpdatedAt: l.events[len(l.events)-1].Metadata.RecordedAt})
	}
	by := func(x, y NominationRow) int {
		switch f.Sort {
		case "status":
			return strings.Compare(string(x.Status), string(y.Status))
		case "updatedAt":
			return x.UpdatedAt.Compare(y.UpdatedAt)
		case "recommendations":
			return cmp.Compare(x.Recommendations, y.Recommendations)
		case "plan":
			return cmp.Compare(x.Plan, y.Plan)
		}
		return strings.Compare(x.UnitName, y.UnitName)
	}
	slices.SortStableFunc(out, func(x, y NominationRow) int {
		c := by(x, y)
		if f.Desc {
			c = -c
		}
		return cmp.Or(c, strings.Compare(x.ID.String(), y.ID.String()))
	})
	return out, nil
}
