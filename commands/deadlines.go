package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
)

// onDeadlines decides on a conference's deadline stream with the
// conference as it stands in its declaration, change and summary streams.
func (a *App) onDeadlines(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID,
	act func(t *deadline.Tracker, c deadline.Conference, p policy.Policy) error) (Result, error) {
	return onConference(ctx, a, actor, meta, command, deadlines, id, func(t *deadline.Tracker, c conference, p policy.Policy) error {
		s, err := a.readSummary(ctx, id)
		if err != nil {
			return err
		}
		return act(t, conferenceOf(c.declaration, c.change, s, p), p)
	})
}

// CheckDeadlines is the deadline engine's decision on one conference: it
// records every deadline passed and every reminder due today that is not
// recorded yet (R-SUM-02, R-DECL-05, R-DECL-11, R-CHG-02). Running it
// again, or from two engines at once, records nothing twice: the append's
// expected version makes the slower one decide again on the faster one's
// facts.
func (a *App) CheckDeadlines(ctx context.Context, id uuid.UUID) (Result, error) {
	return a.onDeadlines(ctx, deadline.Engine, Meta{}, "CheckDeadlines", id,
		func(t *deadline.Tracker, c deadline.Conference, p policy.Policy) error {
			t.Check(c, p, a.clock.Now())
			return nil
		})
}

// ConfirmNGOFiling is the applicant's confirmation that the overseas NGO's
// temporary activity was filed with the provincial public security bureau
// (R-DECL-11).
type ConfirmNGOFiling struct {
	DeclarationID uuid.UUID              `json:"-"`
	FiledOn       domain.Date            `json:"filedOn"`
	Receipt       declaration.Attachment `json:"receipt,omitzero"`
}

// ConfirmNGOFiling records the confirmation, which closes the NGO filing
// deadline.
func (a *App) ConfirmNGOFiling(ctx context.Context, actor domain.Actor, meta Meta, cmd ConfirmNGOFiling) (Result, error) {
	return a.onDeadlines(ctx, actor, meta, "ConfirmNGOFiling", cmd.DeclarationID,
		func(t *deadline.Tracker, c deadline.Conference, p policy.Policy) error {
			if err := t.ConfirmNGOFiling(actor, c, cmd.FiledOn, cmd.Receipt, a.clock.Now()); err != nil {
				return err
			}
			return a.checkAttachments(ctx, actor, []attachmentRef{{"receipt", "R-DECL-11", cmd.Receipt}})
		})
}

// OverdueSummaries finds an overdue summary in a blocked scope (R-SUM-02);
// a read model answers it.
type OverdueSummaries interface {
	FirstOverdue(ctx context.Context, scope policy.BlockScope, applicantID, unitID, universityID uuid.UUID,
		today domain.Date, r policy.SummaryRules) (*declaration.OverdueRef, error)
}

// blockingSummary is the overdue summary that blocks actor from submitting
// a declaration in unit and university, nil when none (R-SUM-02). The read
// model proposes it; the summary's own stream confirms it is still not in,
// so a summary just handed in never blocks while the read model catches up.
func (a *App) blockingSummary(ctx context.Context, actor domain.Actor, sc domain.Scope, p policy.Policy) (*declaration.OverdueRef, error) {
	today := domain.DateOf(a.clock.Now())
	ref, err := a.overdue.FirstOverdue(ctx, p.Summary.BlockScope, actor.UserID, sc.Unit, sc.University, today, p.Summary)
	if err != nil || ref == nil {
		return nil, err
	}
	s, err := a.readSummary(ctx, ref.DeclarationID)
	if err != nil {
		return nil, fmt.Errorf("confirm overdue summary %s: %w", ref.DeclarationID, err)
	}
	if s.Exists() && !s.Overdue(today) {
		return nil, nil
	}
	return ref, nil
}
