// Package nomination owns the important-conference nominations (重要学术会议
// 征集, seed 003, R-NOM-01..06): the organiser's cycle, the recommending
// units' invitation codes, and each unit's nomination file for a cycle
// (annual plan, recommendation scheme, expert nominations, review
// committee, recommendation list, submission).
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

// Schedule is the cycle's timetable after the collection deadline (三、进度
// 安排): the steering committee recognises by RecognitionBy, the bilingual
// catalogue is published by CatalogueBy, the list of recognised conferences
// by ListBy.
type Schedule struct {
	RecognitionBy domain.Date `json:"recognitionBy"`
	CatalogueBy   domain.Date `json:"catalogueBy"`
	ListBy        domain.Date `json:"listBy"`
}

// CycleSpec is what the organiser sets for one year's collection.
type CycleSpec struct {
	Year  int    `json:"year"`
	Title string `json:"title"`
	// Deadline is the collection deadline (征集时间 … 止), included.
	Deadline domain.Date `json:"deadline"`
	// WindowStart and WindowEnd bound the conferences' opening dates, both
	// included (2023-01-01 to 2024-03-31 in the seed, R-NOM-02).
	WindowStart domain.Date `json:"windowStart"`
	WindowEnd   domain.Date `json:"windowEnd"`
	// MechanismCutoff: a mechanism conference has held its editions by
	// this day, included (2022-12-31, R-NOM-02).
	MechanismCutoff domain.Date `json:"mechanismCutoff"`
	// Fields are the fields the conferences centre on (the eight of 征集
	// 内容与领域).
	Fields   []string `json:"fields"`
	Schedule Schedule `json:"schedule"`
}

// SeedFields are the eight fields of seed 003.
var SeedFields = []string{"数理科学", "化学科学", "生命科学", "地球科学", "工程与材料科学", "信息科学", "管理科学", "医学科学"}

// InWindow reports whether a conference opening on d opens inside the
// cycle's window (R-NOM-02).
func (s CycleSpec) InWindow(d domain.Date) bool {
	return !d.Before(s.WindowStart) && !d.After(s.WindowEnd)
}

// check normalises the spec and reports every problem at once.
func (s *CycleSpec) check(p policy.Policy) error {
	var pr domain.Problems
	const rule = "R-NOM-02"
	if s.Year < 2000 || s.Year > 9999 {
		pr.Add("year", "SCHEMA", "must be a year between 2000 and 9999", "须为2000至9999之间的年份")
	}
	s.Title = strings.TrimSpace(s.Title)
	if pr.Required("title", "SCHEMA", s.Title) {
		pr.MaxChars("title", "SCHEMA", s.Title, p.Text.Short)
	}
	dates := []struct {
		path, zh string
		d        domain.Date
	}{
		{"deadline", "征集截止日期", s.Deadline}, {"windowStart", "会议召开时间范围起始日", s.WindowStart},
		{"windowEnd", "会议召开时间范围截止日", s.WindowEnd}, {"mechanismCutoff", "机制性会议届次截止日", s.MechanismCutoff},
		{"schedule.recognitionBy", "认定截止日期", s.Schedule.RecognitionBy}, {"schedule.catalogueBy", "目录发布日期", s.Schedule.CatalogueBy},
		{"schedule.listBy", "名单公布日期", s.Schedule.ListBy},
	}
	missing := false
	for _, d := range dates {
		if d.d.IsZero() {
			pr.Add(d.path, "SCHEMA", "required (YYYY-MM-DD)", "必填："+d.zh)
			missing = true
		}
	}
	if !missing {
		if s.WindowEnd.Before(s.WindowStart) {
			pr.Add("windowEnd", rule, "must not be before windowStart", "会议召开时间范围截止日不得早于起始日")
		}
		if !s.MechanismCutoff.Before(s.WindowStart) {
			pr.Add("mechanismCutoff", rule, "must be before windowStart: editions held before the window", "机制性会议届次截止日须早于会议召开时间范围起始日")
		}
		if s.Schedule.RecognitionBy.Before(s.Deadline) {
			pr.Add("schedule.recognitionBy", "SCHEMA", "must not be before the deadline", "认定截止日期不得早于征集截止日期")
		}
		if s.Schedule.CatalogueBy.Before(s.Schedule.RecognitionBy) {
			pr.Add("schedule.catalogueBy", "SCHEMA", "must not be before recognitionBy", "目录发布日期不得早于认定截止日期")
		}
		if s.Schedule.ListBy.Before(s.Schedule.RecognitionBy) {
			pr.Add("schedule.listBy", "SCHEMA", "must not be before recognitionBy", "名单公布日期不得早于认定截止日期")
		}
	}
	fields := make([]string, 0, len(s.Fields))
	if len(s.Fields) == 0 {
		pr.Add("fields", "SCHEMA", "required: the fields of the collection", "必填：征集领域")
	}
	for i, f := range s.Fields {
		f = strings.TrimSpace(f)
		path := fmt.Sprintf("fields[%d]", i)
		switch {
		case f == "":
			pr.Add(path, "SCHEMA", "required", "必填")
		case slices.Contains(fields, f):
			pr.Add(path, "SCHEMA", fmt.Sprintf("%s is listed twice", f), fmt.Sprintf("领域“%s”重复", f))
		default:
			pr.MaxChars(path, "SCHEMA", f, p.Text.Short)
		}
		fields = append(fields, f)
	}
	s.Fields = fields
	return pr.Err()
}

func (s CycleSpec) equal(t CycleSpec) bool {
	return s.Year == t.Year && s.Title == t.Title && s.Deadline == t.Deadline && s.WindowStart == t.WindowStart &&
		s.WindowEnd == t.WindowEnd && s.MechanismCutoff == t.MechanismCutoff && slices.Equal(s.Fields, t.Fields) && s.Schedule == t.Schedule
}

// Cycle is the aggregate: one organiser's collection for one year. Its
// spec is versioned: every edit is a new edition, the history keeps each.
type Cycle struct {
	id        uuid.UUID
	organiser uuid.UUID
	spec      CycleSpec
	edition   int
	guide     []GuideEntry
	declined  []Declined
	published bool
	pending   []Event
}

// NewCycle is a cycle not yet opened, with the given id.
func NewCycle(id uuid.UUID) *Cycle { return &Cycle{id: id} }

func (c *Cycle) ID() uuid.UUID        { return c.id }
func (c *Cycle) Organiser() uuid.UUID { return c.organiser }
func (c *Cycle) Spec() CycleSpec      { s := c.spec; s.Fields = slices.Clone(s.Fields); return s }
func (c *Cycle) Edition() int         { return c.edition }
func (c *Cycle) Exists() bool         { return c.edition > 0 }
func (c *Cycle) Pending() []Event     { return slices.Clone(c.pending) }
func (c *Cycle) record(e Event)       { c.Apply(e); c.pending = append(c.pending, e) }
func (c *Cycle) organiserStaff(a domain.Actor) bool {
	return a.Role == domain.RoleAuthorityReviewer && a.OrgID == c.organiser && c.organiser != uuid.Nil
}

// Apply folds one stored event into the state; it never fails.
func (c *Cycle) Apply(e Event) {
	switch e := e.(type) {
	case CycleOpened:
		c.id, c.organiser, c.spec, c.edition = e.ID, e.Organiser, e.Spec, 1
	case CycleEdited:
		c.spec, c.edition = e.Spec, e.Edition
	default:
		c.applyGuide(e)
	}
}

// Open records a new cycle of the actor's association. association is
// whether the actor's organisation is an association, as the command found
// it: only an association's staff (authority reviewers) organise.
func (c *Cycle) Open(a domain.Actor, association bool, s CycleSpec, p policy.Policy, now time.Time) error {
	if a.Role != domain.RoleAuthorityReviewer || !association {
		return fmt.Errorf("open nomination cycle: only an association's staff organise (seed 003): %w", domain.ErrForbidden)
	}
	if c.Exists() {
		return fmt.Errorf("nomination cycle %s: already opened: %w", c.id, domain.ErrConflict)
	}
	if err := s.check(p); err != nil {
		return err
	}
	c.record(CycleOpened{ID: c.id, Organiser: a.OrgID, Spec: s, By: a.UserID, At: now})
	return nil
}

// Edit replaces the spec as a new edition; the same spec records nothing.
func (c *Cycle) Edit(a domain.Actor, s CycleSpec, p policy.Policy, now time.Time) error {
	if !c.Exists() {
		return fmt.Errorf("nomination cycle %s: %w", c.id, domain.ErrNotFound)
	}
	if !c.organiserStaff(a) {
		return fmt.Errorf("nomination cycle %s: only its organiser edits it: %w", c.id, domain.ErrForbidden)
	}
	if err := s.check(p); err != nil {
		return err
	}
	if !s.equal(c.spec) {
		c.record(CycleEdited{Spec: s, Edition: c.edition + 1, By: a.UserID, At: now})
	}
	return nil
}
