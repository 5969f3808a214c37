package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/policy"
)

// Recognition and the guide (seed 003 parts 10–11, R-NOM-05/06): the
// steering committee's decisions and the hosts' updates live in the
// cycle's stream.

// onCycle runs decide on a cycle as its stream says now.
func (a *App) onCycle(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID,
	decide func(c *nomination.Cycle, p policy.Policy) error) (Result, error) {
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	return a.execute(ctx, actor, meta, command, NominationCycleStream(id), id, func(l loaded) (decision, error) {
		c, err := foldCycle(id, l)
		if err != nil {
			return decision{}, err
		}
		if !c.Exists() {
			return decision{}, fmt.Errorf("nomination cycle %s: %w", id, domain.ErrNotFound)
		}
		if err := decide(c, pol); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(c.Pending()), policy: pol.Version}, nil
	})
}

// readFile is a unit's file the actor may read, as its stream says now.
func (a *App) readFile(ctx context.Context, actor domain.Actor, id uuid.UUID) (*nomination.File, error) {
	l, err := a.load(ctx, NominationStream(id))
	if err != nil {
		return nil, err
	}
	f, err := nominationFiles.fold(id, l)
	if err != nil {
		return nil, err
	}
	if len(l.events) == 0 || !domain.Allows(actor, domain.KindNomination, domain.Read, f.Scope()) {
		return nil, fmt.Errorf("nomination file %s: %w", id, domain.ErrNotFound)
	}
	return f, nil
}

// DecideRecommendation is the steering committee's decision on one
// recommended conference: recognised with its English name, or declined
// with a reason.
type DecideRecommendation struct {
	NominationID     uuid.UUID `json:"-"`
	RecommendationID uuid.UUID `json:"-"`
	NameEn           string    `json:"nameEn,omitempty"`
	Reason           string    `json:"reason,omitempty"`
}

// RecogniseConference records the recognition (R-NOM-06) in the file's
// cycle; the unit's priority (previous guide's resources) is marked.
func (a *App) RecogniseConference(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideRecommendation) (Result, error) {
	f, err := a.readFile(ctx, actor, cmd.NominationID)
	if err != nil {
		return Result{}, err
	}
	unit, err := a.organisation(ctx, f.Unit())
	if err != nil {
		return Result{}, err
	}
	return a.onCycle(ctx, actor, meta, "RecogniseConference", f.Cycle(), func(c *nomination.Cycle, p policy.Policy) error {
		return c.Recognise(actor, nomination.Recognise{File: f, UnitName: unit.NameZh(), Recommendation: cmd.RecommendationID, NameEn: cmd.NameEn}, p, a.clock.Now())
	})
}

// DeclineConference records the steering committee declining it.
func (a *App) DeclineConference(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideRecommendation) (Result, error) {
	f, err := a.readFile(ctx, actor, cmd.NominationID)
	if err != nil {
		return Result{}, err
	}
	return a.onCycle(ctx, actor, meta, "DeclineConference", f.Cycle(), func(c *nomination.Cycle, p policy.Policy) error {
		return c.Decline(actor, f, cmd.RecommendationID, cmd.Reason, p, a.clock.Now())
	})
}

// PublishGuide publishes the cycle's guide (R-NOM-06).
func (a *App) PublishGuide(ctx context.Context, actor domain.Actor, meta Meta, cycleID uuid.UUID) (Result, error) {
	return a.onCycle(ctx, actor, meta, "PublishGuide", cycleID, func(c *nomination.Cycle, _ policy.Policy) error {
		return c.PublishGuide(actor, a.clock.Now())
	})
}

// Guide is a cycle's recognised conferences: once published, for
// everyone; before, for the organiser's staff.
type Guide struct {
	Cycle     uuid.UUID               `json:"cycleId"`
	Year      int                     `json:"year"`
	Title     string                  `json:"title"`
	Published bool                    `json:"published"`
	Items     []nomination.GuideEntry `json:"items"`
	// Declined: the recommendations the steering committee declined,
	// with their reasons: every one for the organiser's staff; a
	// recommending unit's own for its contact (once published); empty
	// for anyone else.
	Declined []DeclinedRecommendation `json:"declined"`
}

// DeclinedRecommendation is one declined recommendation of a file.
type DeclinedRecommendation struct {
	Recommendation uuid.UUID `json:"recommendationId"`
	File           uuid.UUID `json:"nominationId"`
	Reason         string    `json:"reason"`
	At             time.Time `json:"at"`
}

// NominationGuide reads the guide; an unpublished one is not found but
// for the organiser's staff.
func (a *App) NominationGuide(ctx context.Context, actor domain.Actor, cycleID uuid.UUID) (Guide, error) {
	c, _, err := a.readCycle(ctx, cycleID)
	if err != nil {
		return Guide{}, err
	}
	staff := actor.Role == domain.RoleAuthorityReviewer && actor.OrgID == c.Organiser()
	if !c.Published() && !staff {
		return Guide{}, fmt.Errorf("guide of %s: %w", cycleID, domain.ErrNotFound)
	}
	items := c.Guide()
	for i := range items {
		// A conference's resources are for the staff and its host, who
		// reads back what it submitted.
		if !staff && (actor.OrgID == uuid.Nil || items[i].Unit != actor.OrgID) {
			items[i].Resources = nil
		}
	}
	declined := []DeclinedRecommendation{}
	for _, d := range c.Declines() {
		// A recommending unit reads its own declines and their reasons
		// once the guide is out; the staff all of them.
		if !staff {
			if actor.OrgID == uuid.Nil {
				continue
			}
			l, err := a.load(ctx, NominationStream(d.File))
			if err != nil {
				return Guide{}, err
			}
			f, err := nominationFiles.fold(d.File, l)
			if err != nil {
				return Guide{}, err
			}
			if f.Unit() != actor.OrgID {
				continue
			}
		}
		declined = append(declined, DeclinedRecommendation{Recommendation: d.Recommendation, File: d.File, Reason: d.Reason, At: d.At})
	}
	return Guide{Cycle: cycleID, Year: c.Spec().Year, Title: c.Spec().Title, Published: c.Published(), Items: nonNilSlice(items), Declined: declined}, nil
}

// GuideRefersToFile reports whether a conference of the cycle's guide
// lists the upload among its resources (an expert summary, proceedings)
// as actor reads the guide: the organiser's staff every conference's, the
// host its own.
func (a *App) GuideRefersToFile(ctx context.Context, actor domain.Actor, cycleID, file uuid.UUID) (bool, error) {
	g, err := a.NominationGuide(ctx, actor, cycleID)
	if err != nil {
		return false, err
	}
	for _, it := range g.Items {
		if it.Resources != nil && it.Resources.Refers(file) {
			return true, nil
		}
	}
	return false, nil
}

// UpdateGuideConference is the host's update of a recognised conference.
type UpdateGuideConference struct {
	CycleID, RecommendationID uuid.UUID   `json:"-"`
	Opening                   domain.Date `json:"openingDate"`
	Place                     string      `json:"place"`
}

// UpdateGuideConference records it at least two weeks before the
// conference opens (R-NOM-05).
func (a *App) UpdateGuideConference(ctx context.Context, actor domain.Actor, meta Meta, cmd UpdateGuideConference) (Result, error) {
	return a.onCycle(ctx, actor, meta, "UpdateGuideConference", cmd.CycleID, func(c *nomination.Cycle, p policy.Policy) error {
		return c.UpdateConference(actor, cmd.RecommendationID, cmd.Opening, cmd.Place, p, a.clock.Now())
	})
}

// SubmitConferenceResources is the host's resources after a conference.
type SubmitConferenceResources struct {
	CycleID, RecommendationID uuid.UUID            `json:"-"`
	Resources                 nomination.Resources `json:"-"`
}

// SubmitConferenceResources records them once the conference opened
// (R-NOM-05); uploads must be the actor's.
func (a *App) SubmitConferenceResources(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitConferenceResources) (Result, error) {
	if err := a.checkResourceFiles(ctx, actor, cmd.Resources); err != nil {
		return Result{}, err
	}
	return a.onCycle(ctx, actor, meta, "SubmitConferenceResources", cmd.CycleID, func(c *nomination.Cycle, p policy.Policy) error {
		return c.SubmitResources(actor, cmd.RecommendationID, cmd.Resources, p, a.clock.Now())
	})
}

func (a *App) checkResourceFiles(ctx context.Context, actor domain.Actor, r nomination.Resources) error {
	var pr domain.Problems
	for path, ids := range map[string][]uuid.UUID{"summaries": r.Summaries, "proceedings": r.Proceedings} {
		for i, id := range ids {
			pr.Merge("", a.checkUpload(ctx, actor, fmt.Sprintf("%s[%d]", path, i), "R-NOM-05", id, uuid.Nil))
		}
	}
	return pr.Err()
}

// TrackConferenceQuality records the host's part in quality tracking.
func (a *App) TrackConferenceQuality(ctx context.Context, actor domain.Actor, meta Meta, cycleID, recommendationID uuid.UUID) (Result, error) {
	return a.onCycle(ctx, actor, meta, "TrackConferenceQuality", cycleID, func(c *nomination.Cycle, _ policy.Policy) error {
		return c.TrackQuality(actor, recommendationID, a.clock.Now())
	})
}

// SubmitPreviousResources is the previous guide's resources sent with the
// list.
type SubmitPreviousResources struct {
	NominationID uuid.UUID            `json:"-"`
	Resources    nomination.Resources `json:"-"`
}

// SubmitPreviousResources records them on the unit's file (priority at
// recognition).
func (a *App) SubmitPreviousResources(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitPreviousResources) (Result, error) {
	if err := a.checkResourceFiles(ctx, actor, cmd.Resources); err != nil {
		return Result{}, err
	}
	return onNomination(ctx, a, actor, meta, "SubmitPreviousResources", cmd.NominationID, func(f *nomination.File, _ *nomination.Cycle, p policy.Policy) error {
		return f.SubmitPreviousResources(actor, cmd.Resources, p, a.clock.Now())
	})
}
