package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/inbox"
)

// InboxStream is the stream of one user's inbox read marks.
func InboxStream(userID uuid.UUID) string { return "inbox-" + userID.String() }

// MarkNotificationsRead marks notifications of the actor's own inbox read.
type MarkNotificationsRead struct {
	IDs []uuid.UUID `json:"ids,omitempty"`
	All bool        `json:"all,omitempty"`
}

// MarkNotificationsRead records the read mark on the actor's inbox stream;
// only one's own inbox can be marked, as the stream is chosen by the actor.
// Ids of notifications that are not the actor's change nothing.
func (a *App) MarkNotificationsRead(ctx context.Context, actor domain.Actor, meta Meta, cmd MarkNotificationsRead) (Result, error) {
	ev, err := inbox.NewRead(cmd.IDs, cmd.All, a.clock.Now())
	if err != nil {
		return Result{}, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, "MarkNotificationsRead", InboxStream(actor.UserID), actor.UserID, func(loaded) (decision, error) {
		return decision{events: []event{ev}, policy: pol.Version}, nil
	})
}
