package commands

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
)

// Important-conference nominations (seed 003): the organiser's cycles, the
// code registry, the units' nomination files.

// NominationCycleStream holds one organiser's cycle.
func NominationCycleStream(id uuid.UUID) string { return "nomination_cycle-" + id.String() }

// InvitationCodeStream is the one registry of invitation codes (R-NOM-01).
const InvitationCodeStream = "invitation-codes"

func foldCycle(id uuid.UUID, l loaded) (*nomination.Cycle, error) {
	return fold(nomination.NewCycle(id), l, nomination.Decode)
}

func foldRegistry(l loaded) (*nomination.Registry, error) {
	return fold(nomination.NewRegistry(nomination.RegistryID), l, nomination.Decode)
}

// isAssociation reports whether the actor's organisation is an
// association (seed 003's organiser).
func (a *App) isAssociation(ctx context.Context, actor domain.Actor) (bool, error) {
	k, err := a.kindOf(ctx, actor.OrgID)
	return k == org.Association, err
}

// readCycle is a cycle as its stream says now; not found when never opened.
func (a *App) readCycle(ctx context.Context, id uuid.UUID) (*nomination.Cycle, loaded, error) {
	l, err := a.load(ctx, NominationCycleStream(id))
	if err != nil {
		return nil, l, err
	}
	c, err := foldCycle(id, l)
	if err != nil {
		return nil, l, err
	}
	if !c.Exists() {
		return nil, l, fmt.Errorf("nomination cycle %s: %w", id, domain.ErrNotFound)
	}
	return c, l, nil
}

// readRegistry is the code registry as its stream says now.
func (a *App) readRegistry(ctx context.Context) (*nomination.Registry, error) {
	l, err := a.load(ctx, InvitationCodeStream)
	if err != nil {
		return nil, err
	}
	return foldRegistry(l)
}

// newInvitationCode draws a six-digit code the registry never issued.
func newInvitationCode(r *nomination.Registry) (string, error) {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			return "", err
		}
		if c := fmt.Sprintf("%06d", 100000+n.Int64()); !r.Known(c) {
			return c, nil
		}
	}
}
