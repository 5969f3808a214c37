package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/eventstore"
)

// CurrentNominationCycle is a cycle as its stream says now.
type CurrentNominationCycle struct {
	ID        uuid.UUID            `json:"id"`
	Version   eventstore.Version   `json:"version"`
	Organiser uuid.UUID            `json:"organiser"`
	Edition   int                  `json:"edition"`
	Spec      nomination.CycleSpec `json:"spec"`
}

// NominationCycle reads a cycle: its notice is public to every account
// (the units work from it).
func (a *App) NominationCycle(ctx context.Context, _ domain.Actor, id uuid.UUID) (CurrentNominationCycle, error) {
	c, l, err := a.readCycle(ctx, id)
	if err != nil {
		return CurrentNominationCycle{}, err
	}
	return CurrentNominationCycle{ID: id, Version: l.version, Organiser: c.Organiser(), Edition: c.Edition(), Spec: c.Spec()}, nil
}
