package nomination

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// Recognition, the guide and after it (seed 003 一(五)5, 二(七), 三; parts
// 10–11, R-NOM-05/06). The steering committee's decisions live in the
// cycle's stream: the guide is the cycle's.

// Resources are a conference's resources: report videos as links, expert
// summaries and proceedings as uploads.
type Resources struct {
	Videos      []string    `json:"videos,omitempty"`
	Summaries   []uuid.UUID `json:"summaries,omitempty"`
	Proceedings []uuid.UUID `json:"proceedings,omitempty"`
}

func (r Resources) empty() bool {
	return len(r.Videos) == 0 && len(r.Summaries) == 0 && len(r.Proceedings) == 0
}

// Refers reports whether the upload is one of the resources' files.
func (r Resources) Refers(upload uuid.UUID) bool {
	return upload != uuid.Nil && (slices.Contains(r.Summaries, upload) || slices.Contains(r.Proceedings, upload))
}

func (r *Resources) check(pr *domain.Problems, p policy.Policy) {
	for i, v := range r.Videos {
		v = strings.TrimSpace(v)
		r.Videos[i] = v
		if !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
			pr.Add(fmt.Sprintf("videos[%d]", i), "R-NOM-05", "must be a link (http:// or https://)", "须为视频链接（http://或https://）")
		}
		pr.MaxChars(fmt.Sprintf("videos[%d]", i), "SCHEMA", v, p.Text.Short)
	}
	if r.empty() {
		pr.Add("videos", "R-NOM-05", "required: at least one video, expert summary or proceedings", "必填：至少一项学术报告视频、专家观点综述或会议论文集")
	}
}

// GuideEntry is one recognised conference of the guide.
type GuideEntry struct {
	Recommendation uuid.UUID      `json:"recommendationId"`
	File           uuid.UUID      `json:"nominationId"`
	Unit           uuid.UUID      `json:"unitId"`
	UnitName       string         `json:"unitName"`
	Name           string         `json:"name"`
	NameEn         string         `json:"nameEn"`
	Host           string         `json:"host"`
	Opening        domain.Date    `json:"openingDate"`
	Place          string         `json:"place,omitempty"`
	Field          string         `json:"field,omitempty"`
	Kind           ConferenceKind `json:"kind"`
	// Priority: the unit also submitted the previous guide's resources.
	Priority  bool       `json:"priority"`
	Resources *Resources `json:"resources,omitempty"`
	// Tracked: the host takes part in quality tracking (R-NOM-06).
	Tracked bool `json:"qualityTracked"`
}

// Recognise is what the organiser's staff recognise: a recommendation on
// a submitted file, with the English name the catalogue needs.
type Recognise struct {
	File           *File
	UnitName       string
	Recommendation uuid.UUID
	NameEn         string
}

func (c *Cycle) decided(rec uuid.UUID) bool {
	return slices.ContainsFunc(c.guide, func(g GuideEntry) bool { return g.Recommendation == rec }) || slices.ContainsFunc(c.declined, func(d Declined) bool { return d.Recommendation == rec })
}

// Recognise records the steering committee's recognition of one
// recommended conference (R-NOM-06): on a file submitted to this cycle,
// not decided before, before the guide is published.
func (c *Cycle) Recognise(a domain.Actor, r Recognise, p policy.Policy, now time.Time) error {
	rec, err := c.decidable(a, r.File, r.Recommendation)
	if err != nil {
		return err
	}
	var pr domain.Problems
	nameEn := text(&pr, "nameEn", r.NameEn, true, p.Text.Short)
	if err := pr.Err(); err != nil {
		return err
	}
	c.record(Recognised{Entry: GuideEntry{Recommendation: rec.ID, File: r.File.ID(), Unit: r.File.Unit(), UnitName: r.UnitName,
		Name: rec.Name, NameEn: nameEn, Host: rec.Host, Opening: rec.Opening, Place: rec.Place, Field: rec.Field, Kind: rec.Kind,
		Priority: r.File.Priority()}, By: a.UserID, At: now})
	return nil
}

// Decline records the steering committee declining a recommendation.
func (c *Cycle) Decline(a domain.Actor, f *File, recommendation uuid.UUID, reason string, p policy.Policy, now time.Time) error {
	if _, err := c.decidable(a, f, recommendation); err != nil {
		return err
	}
	var pr domain.Problems
	reason = text(&pr, "reason", reason, true, p.Text.Long)
	if err := pr.Err(); err != nil {
		return err
	}
	c.record(Declined{File: f.ID(), Recommendation: recommendation, Reason: reason, By: a.UserID, At: now})
	return nil
}

func (c *Cycle) decidable(a domain.Actor, f *File, recommendation uuid.UUID) (Recommendation, error) {
	if !c.organiserStaff(a) {
		return Recommendation{}, fmt.Errorf("nomination cycle %s: only its organiser's steering committee recognises (R-NOM-06): %w", c.id, domain.ErrForbidden)
	}
	if f.Cycle() != c.id || !f.Exists() {
		return Recommendation{}, fmt.Errorf("nomination file %s: %w", f.ID(), domain.ErrNotFound)
	}
	i := slices.IndexFunc(f.list, func(r Recommendation) bool { return r.ID == recommendation })
	if i < 0 {
		return Recommendation{}, fmt.Errorf("recommendation %s: %w", recommendation, domain.ErrNotFound)
	}
	switch {
	case f.status != StatusSubmitted:
		return Recommendation{}, &domain.StateError{Rule: "R-NOM-06", Status: string(f.status), Action: "recognise",
			Message: "only a submitted list is recognised", Zh: "仅对已提交的推荐名单进行认定"}
	case c.published:
		return Recommendation{}, &domain.StateError{Rule: "R-NOM-06", Status: "published", Action: "recognise",
			Message: "the guide is published", Zh: "指南已发布"}
	case c.decided(recommendation):
		return Recommendation{}, &domain.StateError{Rule: "R-NOM-06", Status: "decided", Action: "recognise",
			Message: "the conference was decided already", Zh: "该会议已认定"}
	}
	return f.list[i], nil
}

// PublishGuide publishes the guide: the recognised conferences as a
// bilingual catalogue and a public list (R-NOM-06); once.
func (c *Cycle) PublishGuide(a domain.Actor, now time.Time) error {
	if !c.organiserStaff(a) {
		return fmt.Errorf("nomination cycle %s: only its organiser publishes the guide: %w", c.id, domain.ErrForbidden)
	}
	if c.published {
		return &domain.StateError{Rule: "R-NOM-06", Status: "published", Action: "publish the guide", Message: "published already", Zh: "指南已发布"}
	}
	if len(c.guide) == 0 {
		var pr domain.Problems
		pr.Add("guide", "R-NOM-06", "no conference is recognised yet", "尚无认定的会议")
		return pr.Err()
	}
	c.record(GuidePublished{Conferences: len(c.guide), By: a.UserID, At: now})
	return nil
}

// Guide is the recognised conferences; Published whether the guide is out.
func (c *Cycle) Guide() []GuideEntry { return slices.Clone(c.guide) }

// Declines are the steering committee's declined recommendations, each
// with its reason, in the order decided.
func (c *Cycle) Declines() []Declined { return slices.Clone(c.declined) }
func (c *Cycle) Published() bool      { return c.published }

// hostEntry finds a published guide's conference the actor's unit
// recommended.
func (c *Cycle) hostEntry(a domain.Actor, recommendation uuid.UUID) (int, error) {
	i := slices.IndexFunc(c.guide, func(g GuideEntry) bool { return g.Recommendation == recommendation })
	if i < 0 || !c.published || a.Role != domain.RoleUnitAdmin || a.OrgID != c.guide[i].Unit {
		return 0, fmt.Errorf("guide conference %s: %w", recommendation, domain.ErrNotFound)
	}
	return i, nil
}

// UpdateConference records the host's update of a recognised conference
// (R-NOM-05): at least UpdateLeadDays (two weeks) before it opens, the
// new opening still inside the window.
func (c *Cycle) UpdateConference(a domain.Actor, recommendation uuid.UUID, opening domain.Date, place string, p policy.Policy, now time.Time) error {
	i, err := c.hostEntry(a, recommendation)
	if err != nil {
		return err
	}
	g := c.guide[i]
	today, lead := domain.DateOf(now), max(p.Nomination.UpdateLeadDays, 1)
	if last := g.Opening.AddDays(-lead); today.After(last) {
		return &domain.StateError{Rule: "R-NOM-05", Status: "recognised", Action: "update the conference",
			Message: fmt.Sprintf("updates close %d days before the conference opens (last day %s)", lead, last),
			Zh:      fmt.Sprintf("会议信息须至少于会议召开%d天前更新（最后一天为%s）", lead, last)}
	}
	var pr domain.Problems
	place = text(&pr, "place", place, true, p.Text.Short)
	switch {
	case opening.IsZero():
		pr.Add("openingDate", "SCHEMA", "required (YYYY-MM-DD)", "必填：开幕日期")
	case !c.spec.InWindow(opening):
		pr.Add("openingDate", "R-NOM-02", fmt.Sprintf("the conference must open from %s to %s", c.spec.WindowStart, c.spec.WindowEnd),
			fmt.Sprintf("会议须于%s至%s期间召开", c.spec.WindowStart, c.spec.WindowEnd))
	}
	if err := pr.Err(); err != nil {
		return err
	}
	if opening != g.Opening || place != g.Place {
		c.record(ConferenceUpdated{Recommendation: recommendation, Opening: opening, Place: place, By: a.UserID, At: now})
	}
	return nil
}

// SubmitResources records the host's resources once the conference has
// opened (R-NOM-05): video links, expert summaries, proceedings.
func (c *Cycle) SubmitResources(a domain.Actor, recommendation uuid.UUID, r Resources, p policy.Policy, now time.Time) error {
	i, err := c.hostEntry(a, recommendation)
	if err != nil {
		return err
	}
	if opening := c.guide[i].Opening; domain.DateOf(now).Before(opening) {
		return &domain.StateError{Rule: "R-NOM-05", Status: "recognised", Action: "submit resources",
			Message: fmt.Sprintf("resources come after the conference opens on %s", opening), Zh: fmt.Sprintf("会议资源须于会议召开（%s）后提交", opening)}
	}
	var pr domain.Problems
	r.check(&pr, p)
	if err := pr.Err(); err != nil {
		return err
	}
	c.record(ResourcesSubmitted{Recommendation: recommendation, Resources: r, By: a.UserID, At: now})
	return nil
}

// TrackQuality records that the host takes part in quality tracking and
// evaluation (R-NOM-06); once.
func (c *Cycle) TrackQuality(a domain.Actor, recommendation uuid.UUID, now time.Time) error {
	i, err := c.hostEntry(a, recommendation)
	if err != nil {
		return err
	}
	if !c.guide[i].Tracked {
		c.record(QualityTracked{Recommendation: recommendation, By: a.UserID, At: now})
	}
	return nil
}

// applyGuide folds the guide's events.
func (c *Cycle) applyGuide(e Event) {
	at := func(rec uuid.UUID) *GuideEntry {
		for i := range c.guide {
			if c.guide[i].Recommendation == rec {
				return &c.guide[i]
			}
		}
		return &GuideEntry{}
	}
	switch e := e.(type) {
	case Recognised:
		c.guide = append(c.guide, e.Entry)
	case Declined:
		c.declined = append(c.declined, e)
	case GuidePublished:
		c.published = true
	case ConferenceUpdated:
		g := at(e.Recommendation)
		g.Opening, g.Place = e.Opening, e.Place
	case ResourcesSubmitted:
		r := e.Resources
		at(e.Recommendation).Resources = &r
	case QualityTracked:
		at(e.Recommendation).Tracked = true
	}
}

// Decided reports whether the steering committee recognised or declined
// the recommendation already (R-NOM-06).
func (c *Cycle) Decided(recommendation uuid.UUID) bool { return c.decided(recommendation) }
