package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// RequestChange asks to change an approved conference (变更申请,
// R-CHG-01..04).
type RequestChange struct {
	DeclarationID uuid.UUID       `json:"-"`
	Proposal      change.Proposal `json:"proposal"`
}

// RequestChange records the applicant's change request after every rule:
// the conference approved by the authority, the request on time and the
// first one, the proposal valid, attachments the applicant's own uploads.
func (a *App) RequestChange(ctx context.Context, actor domain.Actor, meta Meta, cmd RequestChange) (Result, error) {
	return onConference(ctx, a, actor, meta, "RequestChange", changes, cmd.DeclarationID, func(c *change.Change, conf conference, p policy.Policy) error {
		d := conf.declaration
		f := d.Form()
		snap := change.Snapshot{ID: d.ID(), ApplicantID: d.ApplicantID(), Scope: d.Scope(), Status: d.Status(),
			Values: change.ValuesOf(f), Flags: f.Statements.Flags}
		x := cmd.Proposal
		if err := c.Request(actor, snap, uuid.New(), x, p, p.Change, a.clock.Now()); err != nil {
			return err
		}
		refs := []attachmentRef{{"proposal.attachment", "R-CHG-04", x.Attachment}}
		if pl := x.Changes.Place; pl != nil {
			refs = append(refs, attachmentRef{"proposal.changes.place.localApproval", "R-DECL-07", pl.LocalApproval})
		}
		return a.checkAttachments(ctx, actor, refs)
	})
}

// DecideChange is the school's decision on a change request: a comment for
// an approval, the reason for a rejection.
type DecideChange struct {
	DeclarationID uuid.UUID
	Text          string
}

// ApproveChange approves the pending change request: the conference takes
// the new values (R-CHG-04).
func (a *App) ApproveChange(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideChange) (Result, error) {
	return review(ctx, a, actor, meta, "ApproveChange", changes, cmd.DeclarationID, procedure.Approve, procedure.School, cmd.Text)
}

// RejectChange rejects it with a reason; the request still counts
// (R-CHG-03).
func (a *App) RejectChange(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideChange) (Result, error) {
	return review(ctx, a, actor, meta, "RejectChange", changes, cmd.DeclarationID, procedure.Reject, "", cmd.Text)
}
