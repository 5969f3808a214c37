package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// NominationIndex is what the read models index for the nominations (seed
// 003): the cycles by organiser and the recommending units by association
// (every one's for uuid.Nil). Each cycle and each unit's file is then read
// from its own stream.
type NominationIndex interface {
	NominationCycleIDs(ctx context.Context, organiser uuid.UUID) ([]uuid.UUID, error)
	RecommendingUnits(ctx context.Context, association uuid.UUID) ([]uuid.UUID, error)
}

func (a *App) nominationIndex() (NominationIndex, error) {
	ix, ok := a.overdue.(NominationIndex)
	if !ok {
		return nil, fmt.Errorf("nominations: %w: the read models do not index nomination cycles", ErrMissingDependency)
	}
	return ix, nil
}

// CycleState is where a cycle stands today.
type CycleState string

const (
	CycleCollecting  CycleState = "collecting"  // 征集中: up to the collection deadline, included
	CycleRecognising CycleState = "recognising" // 认定中: after the deadline, the guide not yet published
	CyclePublished   CycleState = "published"   // 已发布: the guide is out
)

// The tasks of a cycle's to-do list (what the web inbox shows).
const (
	// The unit's contact: start the file, hand it in (or again, once
	// returned), wait for the notice to run, handle its objections, upload
	// the resources of a recognised conference that has opened.
	TaskStartFile       = "start_file"
	TaskHandIn          = "hand_in"
	TaskRevise          = "revise"
	TaskNoticeRunning   = "notice_running"
	TaskObjections      = "handle_objections"
	TaskUploadResources = "upload_resources"
	// The organiser's staff: recognise the submitted files' conferences,
	// publish the guide.
	TaskRecognise    = "recognise"
	TaskPublishGuide = "publish_guide"
)

// CycleTask is one thing the actor must do next in a cycle: Due is the
// day it must be done by (the collection deadline, the recognition date)
// or, for a running notice, the first day the list may be submitted;
// Count how many files or conferences it concerns.
type CycleTask struct {
	Task  string      `json:"task"`
	Due   domain.Date `json:"due,omitzero"`
	File  uuid.UUID   `json:"nominationId,omitzero"`
	Count int         `json:"count,omitempty"`
}

// CycleFile is a unit's own file in a cycle.
type CycleFile struct {
	ID              uuid.UUID          `json:"id"`
	Version         eventstore.Version `json:"version"`
	Status          nomination.Status  `json:"status"`
	Plan            int                `json:"plan"`
	Recommendations int                `json:"recommendations"`
}

// NominationCycleRow is one cycle in the list: its key dates (the spec),
// its state today, the recognised conferences so far, for a unit's
// contact the unit's own file, and the actor's to-do list.
type NominationCycleRow struct {
	ID         uuid.UUID            `json:"id"`
	Version    eventstore.Version   `json:"version"`
	Organiser  uuid.UUID            `json:"organiser"`
	Edition    int                  `json:"edition"`
	Spec       nomination.CycleSpec `json:"spec"`
	State      CycleState           `json:"state"`
	Recognised int                  `json:"recognised"`
	File       *CycleFile           `json:"file,omitempty"`
	Todo       []CycleTask          `json:"todo"`
}

// NominationCycles lists the cycles the actor takes part in, newest year
// first: an association's staff its own cycles, a recommending unit's
// contact its association's, auditors and analysts every one; anyone
// else none (R-ACT-02, the grants of domain.KindNomination). Each row is
// read from the cycle's stream (and the files' streams) now.
func (a *App) NominationCycles(ctx context.Context, actor domain.Actor) ([]NominationCycleRow, error) {
	ix, err := a.nominationIndex()
	if err != nil {
		return nil, err
	}
	organiser, ok := cycleOrganiserFor(actor)
	if !ok {
		return []NominationCycleRow{}, nil
	}
	ids, err := ix.NominationCycleIDs(ctx, organiser)
	if err != nil {
		return nil, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return nil, err
	}
	today := domain.DateOf(a.clock.Now())
	out := make([]NominationCycleRow, 0, len(ids))
	for _, id := range ids {
		c, l, err := a.readCycle(ctx, id)
		if err != nil {
			return nil, err
		}
		row := NominationCycleRow{ID: id, Version: l.version, Organiser: c.Organiser(), Edition: c.Edition(), Spec: c.Spec(),
			State: cycleState(c, today), Recognised: len(c.Guide()), Todo: []CycleTask{}}
		switch {
		case actor.Role == domain.RoleUnitAdmin:
			if err := a.unitTasks(ctx, actor, c, pol, today, &row); err != nil {
				return nil, err
			}
		case actor.Role == domain.RoleAuthorityReviewer && c.Organiser() == actor.OrgID:
			if err := a.organiserTasks(ctx, ix, c, &row); err != nil {
				return nil, err
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// cycleOrganiserFor is whose cycles the actor reads: uuid.Nil for every
// organiser's; ok is false for none.
func cycleOrganiserFor(actor domain.Actor) (uuid.UUID, bool) {
	f := domain.FilterFor(actor, domain.KindNomination, domain.Read)
	switch {
	case f.Place == domain.Everywhere:
		return uuid.Nil, true
	case f.Place == domain.OwnAuthority:
		return f.ID, true
	case f.Place == domain.OwnUnit && actor.Authority != uuid.Nil:
		// A unit takes part in its association's cycles.
		return actor.Authority, true
	}
	return uuid.Nil, false
}

func cycleState(c *nomination.Cycle, today domain.Date) CycleState {
	switch {
	case c.Published():
		return CyclePublished
	case today.After(c.Spec().Deadline):
		return CycleRecognising
	}
	return CycleCollecting
}

// unitTasks fills in the unit's own file and what its contact must do.
func (a *App) unitTasks(ctx context.Context, actor domain.Actor, c *nomination.Cycle, pol policy.Policy, today domain.Date, row *NominationCycleRow) error {
	id := nomination.FileID(c.ID(), actor.OrgID)
	l, err := a.load(ctx, NominationStream(id))
	if err != nil {
		return err
	}
	f, err := nominationFiles.fold(id, l)
	if err != nil {
		return err
	}
	spec := c.Spec()
	open := !today.After(spec.Deadline)
	if !f.Exists() {
		if open {
			row.Todo = append(row.Todo, CycleTask{Task: TaskStartFile, Due: spec.Deadline})
		}
		return nil
	}
	row.File = &CycleFile{ID: id, Version: l.version, Status: f.Status(), Plan: len(f.Plan()), Recommendations: len(f.List())}
	if f.Status() != nomination.StatusSubmitted && open {
		n, err := f.NoticeState(pol.WorkCalendar, today)
		if err != nil {
			return err
		}
		if n.Published && !n.Complete && !n.ListChanged {
			row.Todo = append(row.Todo, CycleTask{Task: TaskNoticeRunning, Due: n.SubmittableFrom, File: id})
		}
		if n.Unhandled > 0 {
			row.Todo = append(row.Todo, CycleTask{Task: TaskObjections, File: id, Count: n.Unhandled})
		}
		task := TaskHandIn
		if f.Status() == nomination.StatusReturned {
			task = TaskRevise
		}
		row.Todo = append(row.Todo, CycleTask{Task: task, Due: spec.Deadline, File: id})
	}
	if c.Published() {
		waiting := 0
		for _, g := range c.Guide() {
			if g.Unit == actor.OrgID && g.Resources == nil && !today.Before(g.Opening) {
				waiting++
			}
		}
		if waiting > 0 {
			row.Todo = append(row.Todo, CycleTask{Task: TaskUploadResources, Count: waiting})
		}
	}
	return nil
}

// organiserTasks is what the organiser's staff must do: recognise the
// conferences of the submitted files (by the schedule's recognition
// date), then publish the guide.
func (a *App) organiserTasks(ctx context.Context, ix NominationIndex, c *nomination.Cycle, row *NominationCycleRow) error {
	if c.Published() {
		return nil
	}
	units, err := ix.RecommendingUnits(ctx, c.Organiser())
	if err != nil {
		return err
	}
	files := 0
	for _, unit := range units {
		id := nomination.FileID(c.ID(), unit)
		l, err := a.load(ctx, NominationStream(id))
		if err != nil {
			return err
		}
		f, err := nominationFiles.fold(id, l)
		if err != nil {
			return err
		}
		if f.Status() != nomination.StatusSubmitted {
			continue
		}
		for _, r := range f.List() {
			if !c.Decided(r.ID) {
				files++
				break
			}
		}
	}
	spec := c.Spec()
	if files > 0 {
		row.Todo = append(row.Todo, CycleTask{Task: TaskRecognise, Due: spec.Schedule.RecognitionBy, Count: files})
	}
	if len(c.Guide()) > 0 {
		row.Todo = append(row.Todo, CycleTask{Task: TaskPublishGuide, Due: spec.Schedule.CatalogueBy})
	}
	return nil
}
