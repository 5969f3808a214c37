package commands

import (
	"context"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

// AddRecommendation puts a conference on a unit's list.
type AddRecommendation struct {
	NominationID   uuid.UUID                 `json:"-"`
	Recommendation nomination.Recommendation `json:"-"`
}

// AddedRecommendation is the recommendation recorded, with its id.
type AddedRecommendation struct {
	Result
	Recommendation nomination.Recommendation `json:"recommendation"`
}

// AddRecommendation records it: an eligible conference opening in the
// window, a mechanism one with its editions by the cut-off, a single one
// with its reason (R-NOM-02), within every quota (R-NOM-03). The id
// derives from the command id.
func (a *App) AddRecommendation(ctx context.Context, actor domain.Actor, meta Meta, cmd AddRecommendation) (AddedRecommendation, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("recommendation"))
	var r nomination.Recommendation
	res, err := onNomination(ctx, a, actor, meta, "AddRecommendation", cmd.NominationID, func(f *nomination.File, c *nomination.Cycle, p policy.Policy) error {
		var err error
		r, err = f.AddRecommendation(actor, cmd.Recommendation, c.Spec(), p, id, a.clock.Now())
		return err
	})
	if err != nil {
		return AddedRecommendation{}, err
	}
	if res.Replayed {
		f, err := a.Nomination(ctx, actor, cmd.NominationID)
		if err != nil {
			return AddedRecommendation{}, err
		}
		for _, x := range f.Recommendations {
			if x.ID == id {
				r = x
			}
		}
	}
	return AddedRecommendation{Result: res, Recommendation: r}, nil
}

// RemoveRecommendation takes a conference off the list.
type RemoveRecommendation struct {
	NominationID, RecommendationID uuid.UUID
}

// RemoveRecommendation records the removal.
func (a *App) RemoveRecommendation(ctx context.Context, actor domain.Actor, meta Meta, cmd RemoveRecommendation) (Result, error) {
	return onNomination(ctx, a, actor, meta, "RemoveRecommendation", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, _ policy.Policy) error {
		return f.RemoveRecommendation(actor, cmd.RecommendationID, a.clock.Now())
	})
}

// NominationQuota is a file's indicator view (R-NOM-03): allowed and used
// by quota line; the same readers as the file.
func (a *App) NominationQuota(ctx context.Context, actor domain.Actor, id uuid.UUID) (nomination.Quota, error) {
	f, err := a.Nomination(ctx, actor, id)
	if err != nil {
		return nomination.Quota{}, err
	}
	return f.Quota, nil
}
