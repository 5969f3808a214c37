// Package congress owns a congress of a science association (代表大会,
// seed 004) as its organiser sets it up: the reference date ages are
// counted at, the electing units invited, and each unit's allotment
// (R-DEL-01): the committee candidates' and the representatives' quotas,
// each with its minimums (grassroots workers, aged 45 or younger at the
// reference date, ethnic minorities, democratic parties, women), and the
// counts of special invited representatives, observers, guests and staff.
// A unit's allotment can change until the unit reports (R-DEL-04).
package congress

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// Rule is the rule id of the allotment.
const Rule = "R-DEL-01"

// MaxCount bounds every quota and count: no congress has more seats.
const MaxCount = 10000

// Quota is one kind of seat (委员候选人名额 or 代表名额): how many, and the
// least of each indicator among them (不少于).
type Quota struct {
	Seats           int `json:"seats"`
	Grassroots      int `json:"grassroots"`      // 基层工作者
	Under45         int `json:"under45"`         // 45岁以下 (45 included, R-CLS-00)
	Minority        int `json:"minority"`        // 少数民族
	DemocraticParty int `json:"democraticParty"` // 民主党派
	Women           int `json:"women"`           // 女性工作者
}

// Allotment is what a unit is given.
type Allotment struct {
	Committee       Quota `json:"committee"`       // 委员候选人
	Representatives Quota `json:"representatives"` // 代表 (committee candidates count here too, R-DEL-02)
	SpecialInvited  int   `json:"specialInvited"`  // 特邀代表
	Observers       int   `json:"observers"`       // 列席代表
	Guests          int   `json:"guests"`          // 参会嘉宾
	Staff           int   `json:"staff"`           // 工作人员
}

// Indicator names one minimum of a quota, for messages and the quota view.
type Indicator struct {
	Key, En, Zh string
	Of          func(Quota) int
}

// Indicators are a quota's minimums in the seed's order.
var Indicators = []Indicator{
	{"grassroots", "grassroots workers", "基层工作者", func(q Quota) int { return q.Grassroots }},
	{"under45", "aged 45 or younger", "45岁以下", func(q Quota) int { return q.Under45 }},
	{"minority", "ethnic minorities", "少数民族", func(q Quota) int { return q.Minority }},
	{"democraticParty", "democratic parties", "民主党派", func(q Quota) int { return q.DemocraticParty }},
	{"women", "women", "女性工作者", func(q Quota) int { return q.Women }},
}

func checkCount(pr *domain.Problems, path string, n int) {
	if n < 0 || n > MaxCount {
		pr.Add(path, Rule, fmt.Sprintf("must be a whole number from 0 to %d", MaxCount), fmt.Sprintf("须为0至%d的整数", MaxCount))
	}
}

func checkQuota(pr *domain.Problems, path string, q Quota) {
	checkCount(pr, path+".seats", q.Seats)
	for _, ind := range Indicators {
		n := ind.Of(q)
		checkCount(pr, path+"."+ind.Key, n)
		if n > q.Seats && q.Seats >= 0 {
			pr.Add(path+"."+ind.Key, Rule, fmt.Sprintf("at least %d %s cannot be met with %d seats", n, ind.En, q.Seats),
				fmt.Sprintf("%s不少于%d位，超过名额%d位，无法满足", ind.Zh, n, q.Seats))
		}
	}
}

// Check reports what is wrong with an allotment: negative or huge numbers,
// a minimum above its quota's seats.
func (a Allotment) Check() error {
	var pr domain.Problems
	checkQuota(&pr, "committee", a.Committee)
	checkQuota(&pr, "representatives", a.Representatives)
	checkCount(&pr, "specialInvited", a.SpecialInvited)
	checkCount(&pr, "observers", a.Observers)
	checkCount(&pr, "guests", a.Guests)
	checkCount(&pr, "staff", a.Staff)
	return pr.Err()
}

// Unit is an invited electing unit and its allotment.
type Unit struct {
	ID        uuid.UUID `json:"id"`
	Allotment Allotment `json:"allotment"`
	Reported  bool      `json:"reported"`
}

// Congress is the aggregate.
type Congress struct {
	id            uuid.UUID
	organiser     uuid.UUID
	name          string
	referenceDate domain.Date
	units         []Unit
	pending       []Event
}

// New is a congress not yet created.
func New(id uuid.UUID) *Congress { return &Congress{id: id} }

func (c *Congress) ID() uuid.UUID              { return c.id }
func (c *Congress) Organiser() uuid.UUID       { return c.organiser }
func (c *Congress) Name() string               { return c.name }
func (c *Congress) ReferenceDate() domain.Date { return c.referenceDate }
func (c *Congress) Exists() bool               { return c.organiser != uuid.Nil }

// Units are the invited units in the order invited.
func (c *Congress) Units() []Unit { return slices.Clone(c.units) }

// Unit is one invited unit (ok false: not invited).
func (c *Congress) Unit(id uuid.UUID) (Unit, bool) {
	i := c.unitIndex(id)
	if i < 0 {
		return Unit{}, false
	}
	return c.units[i], true
}

func (c *Congress) unitIndex(id uuid.UUID) int {
	return slices.IndexFunc(c.units, func(u Unit) bool { return u.ID == id })
}

// Scope is where the congress sits: its organiser plays the authority.
func (c *Congress) Scope() domain.Scope {
	return domain.Scope{Authority: c.organiser, AtAuthority: true}
}

// Pending are the events recorded since New or the last fold.
func (c *Congress) Pending() []Event { return slices.Clone(c.pending) }

func (c *Congress) record(e Event) {
	c.Apply(e)
	c.pending = append(c.pending, e)
}

// Apply folds one stored event into the state; it never fails.
func (c *Congress) Apply(e Event) {
	switch e := e.(type) {
	case Created:
		c.id, c.organiser, c.name, c.referenceDate = e.ID, e.Organiser, e.Name, e.ReferenceDate
	case UnitInvited:
		if c.unitIndex(e.Unit) < 0 {
			c.units = append(c.units, Unit{ID: e.Unit})
		}
	case QuotaAllotted:
		if i := c.unitIndex(e.Unit); i >= 0 {
			c.units[i].Allotment = e.Allotment
		}
	case UnitReported:
		if i := c.unitIndex(e.Unit); i >= 0 {
			c.units[i].Reported = true
		}
	}
}

// organiser checks that a is a reviewer of the organiser (市科协).
func (c *Congress) mayOrganise(a domain.Actor, what string) error {
	if a.Role != domain.RoleAuthorityReviewer || a.OrgID != c.organiser {
		return fmt.Errorf("%s of congress %s: only its organiser's reviewers may (%s): %w", what, c.id, Rule, domain.ErrForbidden)
	}
	return nil
}

// Create sets up the congress; by must be a reviewer of organiser (the
// caller checked that organiser may organise congresses).
func (c *Congress) Create(by domain.Actor, organiser uuid.UUID, name string, ref domain.Date, p policy.Policy, now time.Time) error {
	if c.Exists() {
		return fmt.Errorf("create congress %s: %w", c.id, domain.ErrConflict)
	}
	if by.Role != domain.RoleAuthorityReviewer || by.OrgID != organiser {
		return fmt.Errorf("create congress: role %s of %s may not (%s): %w", by.Role, by.OrgID, Rule, domain.ErrForbidden)
	}
	name = strings.TrimSpace(name)
	var pr domain.Problems
	if pr.Required("name", Rule, name) {
		pr.MaxChars("name", Rule, name, p.Text.Short)
	}
	if ref.IsZero() {
		pr.Add("referenceDate", Rule, "required: the date ages are counted at", "必填：计算年龄的基准日期")
	}
	if err := pr.Err(); err != nil {
		return err
	}
	c.record(Created{ID: c.id, Organiser: organiser, Name: name, ReferenceDate: ref, By: by.UserID, At: now})
	return nil
}

// Allot invites unit (when not yet invited) and gives it a (R-DEL-01);
// an unchanged allotment records nothing. A unit that reported keeps its
// allotment (R-DEL-04).
func (c *Congress) Allot(by domain.Actor, unit uuid.UUID, a Allotment, now time.Time) error {
	if !c.Exists() {
		return fmt.Errorf("allot in congress %s: %w", c.id, domain.ErrNotFound)
	}
	if err := c.mayOrganise(by, "allot"); err != nil {
		return err
	}
	if unit == c.organiser {
		var pr domain.Problems
		pr.Add("unitId", Rule, "the organiser does not elect in its own congress", "主办单位不能作为受邀单位")
		return pr.Err()
	}
	if err := a.Check(); err != nil {
		return err
	}
	u, invited := c.Unit(unit)
	if u.Reported {
		return &domain.StateError{Rule: Rule, Status: "reported", Action: "allot",
			Message: "the unit has reported its nominees: its quotas can no longer change", Zh: "该单位已全部上报，名额不可再修改"}
	}
	if !invited {
		c.record(UnitInvited{Unit: unit, At: now})
	}
	if !invited || u.Allotment != a {
		c.record(QuotaAllotted{Unit: unit, Allotment: a, At: now})
	}
	return nil
}

// MarkReported records that unit reported all its nominees (R-DEL-04);
// the nominations check the quotas before.
func (c *Congress) MarkReported(unit uuid.UUID, now time.Time) error {
	u, ok := c.Unit(unit)
	if !ok {
		return fmt.Errorf("unit %s in congress %s: %w", unit, c.id, domain.ErrNotFound)
	}
	if u.Reported {
		return &domain.StateError{Rule: "R-DEL-04", Status: "reported", Action: "report",
			Message: "the unit has reported already", Zh: "该单位已全部上报"}
	}
	c.record(UnitReported{Unit: unit, At: now})
	return nil
}
