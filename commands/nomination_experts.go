package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

// InviteExpert is a named expert the unit invites to nominate (专家提名).
type InviteExpert struct {
	NominationID uuid.UUID         `json:"-"`
	Expert       nomination.Expert `json:"-"`
}

// InvitedExpert is the expert recorded, with its id.
type InvitedExpert struct {
	Result
	Expert nomination.Expert `json:"expert"`
}

// InviteExpert records the expert: name, institution, title or position.
func (a *App) InviteExpert(ctx context.Context, actor domain.Actor, meta Meta, cmd InviteExpert) (InvitedExpert, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("expert"))
	var e nomination.Expert
	res, err := onNomination(ctx, a, actor, meta, "InviteExpert", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		var err error
		e, err = f.InviteExpert(actor, cmd.Expert, p, id, a.clock.Now())
		return err
	})
	if err != nil {
		return InvitedExpert{}, err
	}
	e.ID = id
	return InvitedExpert{Result: res, Expert: e}, nil
}

// NominateConferences is an invited expert's nomination form (attachment
// 1), filled online: any number of conferences, each with its reason.
type NominateConferences struct {
	NominationID uuid.UUID              `json:"-"`
	ExpertID     uuid.UUID              `json:"-"`
	Nominations  []nomination.Nominated `json:"nominations"`
}

// NominateConferences records the expert's nominations, replacing earlier
// ones.
func (a *App) NominateConferences(ctx context.Context, actor domain.Actor, meta Meta, cmd NominateConferences) (Result, error) {
	return onNomination(ctx, a, actor, meta, "NominateConferences", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.Nominate(actor, cmd.ExpertID, cmd.Nominations, p, a.clock.Now())
	})
}

// SetReviewCommittee is the review committee (专家评审委员会).
type SetReviewCommittee struct {
	NominationID uuid.UUID           `json:"-"`
	Members      []nomination.Member `json:"members"`
}

// SetReviewCommittee records the committee (R-NOM-04): at least the
// policy's least size, no nominating expert unless justified.
func (a *App) SetReviewCommittee(ctx context.Context, actor domain.Actor, meta Meta, cmd SetReviewCommittee) (Result, error) {
	return onNomination(ctx, a, actor, meta, "SetReviewCommittee", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.SetCommittee(actor, cmd.Members, p, a.clock.Now())
	})
}

// RecordCommitteeOpinion is the committee's result and opinion with the
// scan of its signed opinion form (attachment 2).
type RecordCommitteeOpinion struct {
	NominationID uuid.UUID          `json:"-"`
	Opinion      nomination.Opinion `json:"-"`
}

// RecordCommitteeOpinion records it; the scan must be the actor's upload
// of kind nomination_scan.
func (a *App) RecordCommitteeOpinion(ctx context.Context, actor domain.Actor, meta Meta, cmd RecordCommitteeOpinion) (Result, error) {
	return onNomination(ctx, a, actor, meta, "RecordCommitteeOpinion", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		known := uuid.Nil
		if o, ok := f.Opinion(); ok {
			known = o.Scan
		}
		if err := a.checkUpload(ctx, actor, "scanFileId", "R-NOM-04", cmd.Opinion.Scan, known); err != nil {
			return err
		}
		return f.RecordOpinion(actor, cmd.Opinion, p, a.clock.Now())
	})
}
