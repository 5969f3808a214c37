package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
)

// CongressStream holds one congress (seed 004): its reference date, the
// units invited and their allotments.
func CongressStream(id uuid.UUID) string { return "congress-" + id.String() }

var congresses = kind[*congress.Congress, congress.Event]{"congress", domain.KindCongress, CongressStream, congress.New, congress.Decode}

// CreateCongress is an organiser setting up a congress (换届活动).
type CreateCongress struct {
	Name          string      `json:"name"`
	ReferenceDate domain.Date `json:"referenceDate"`
}

// CreateCongress records a congress of the actor's organisation: only a
// reviewer of an authority (a city association, 市科协, plays the
// authority's part) organises one. The id derives from the command id.
func (a *App) CreateCongress(ctx context.Context, actor domain.Actor, meta Meta, cmd CreateCongress) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	if actor.Role != domain.RoleAuthorityReviewer {
		return Result{}, fmt.Errorf("create congress: role %s may not (%s: the organiser's reviewers do): %w", actor.Role, congress.Rule, domain.ErrForbidden)
	}
	k, err := a.kindOf(ctx, actor.OrgID)
	if err != nil {
		return Result{}, err
	}
	if k.Part() != org.Authority {
		return Result{}, fmt.Errorf("create congress: %s is not an organiser (%s): %w", actor.OrgID, congress.Rule, domain.ErrForbidden)
	}
	id := uuid.NewSHA1(meta.CommandID, []byte("congress"))
	return decideOn(ctx, a, actor, meta, "CreateCongress", congresses, id, func(*congress.Congress, loaded) error { return nil },
		func(c *congress.Congress, p policy.Policy) error {
			return c.Create(actor, actor.OrgID, cmd.Name, cmd.ReferenceDate, p, a.clock.Now())
		})
}

// AllotQuota invites a unit to a congress (when not yet invited) and gives
// it its quotas and counts (R-DEL-01).
type AllotQuota struct {
	CongressID uuid.UUID          `json:"-"`
	UnitID     uuid.UUID          `json:"-"`
	Allotment  congress.Allotment `json:"allotment"`
}

// AllotQuota checks that the unit is an organisation that can elect (a
// unit, an institute or a university) before the congress decides.
func (a *App) AllotQuota(ctx context.Context, actor domain.Actor, meta Meta, cmd AllotQuota) (Result, error) {
	var unitKind org.Kind
	return decideOn(ctx, a, actor, meta, "AllotQuota", congresses, cmd.CongressID, func(c *congress.Congress, l loaded) error {
		if err := authorise(actor, domain.KindCongress, fmt.Sprintf("congress %s", cmd.CongressID), len(l.events) > 0 && c.Exists(), c.Scope(), toReview); err != nil {
			return err
		}
		var err error
		unitKind, err = a.kindOf(ctx, cmd.UnitID)
		return err
	}, func(c *congress.Congress, _ policy.Policy) error {
		var pr domain.Problems
		switch unitKind {
		case org.Unit, org.Institute, org.University:
		default:
			pr.Add("unitId", congress.Rule, "no such electing unit: invite a unit, an institute or a university", "受邀单位不存在（须为院系、研究所或高校）")
			return pr.Err()
		}
		pr.Merge("allotment", cmd.Allotment.Check())
		if err := pr.Err(); err != nil {
			return err
		}
		return c.Allot(actor, cmd.UnitID, cmd.Allotment, a.clock.Now())
	})
}

// CurrentCongress is a congress as its stream says now; an invited unit
// sees only its own allotment.
type CurrentCongress struct {
	ID            uuid.UUID          `json:"id"`
	Version       eventstore.Version `json:"version"`
	Organiser     uuid.UUID          `json:"organiser"`
	Name          string             `json:"name"`
	ReferenceDate domain.Date        `json:"referenceDate"`
	Units         []congress.Unit    `json:"units"`
}

// Congress reads a congress: its organiser's reviewers, auditors and
// analysts see it whole; the administrators of an invited unit see it
// with their unit alone; to anyone else it does not exist (R-ACT-02).
func (a *App) Congress(ctx context.Context, actor domain.Actor, id uuid.UUID) (CurrentCongress, error) {
	return a.CongressAt(ctx, actor, id, Point{})
}

// CongressAt is the congress as it stood at the Point at (a revision of
// its stream or a time), for whoever may read it as it is now: an invited
// unit's administrators see their own unit's line only, as it was then
// (none before they were invited).
func (a *App) CongressAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (CurrentCongress, error) {
	if err := at.Check(); err != nil {
		return CurrentCongress{}, err
	}
	l, err := a.load(ctx, CongressStream(id))
	if err != nil {
		return CurrentCongress{}, err
	}
	c, err := congresses.fold(id, l)
	if err != nil {
		return CurrentCongress{}, err
	}
	if len(l.events) == 0 || !c.Exists() {
		return CurrentCongress{}, fmt.Errorf("congress %s: %w", id, domain.ErrNotFound)
	}
	all := domain.Allows(actor, domain.KindCongress, domain.Read, c.Scope())
	if _, invited := c.Unit(actor.OrgID); !all && (!invited || actor.Role != domain.RoleUnitAdmin && actor.Role != domain.RoleSchoolAdmin) {
		return CurrentCongress{}, fmt.Errorf("congress %s: %w", id, domain.ErrNotFound)
	}
	if at.Revision != nil || at.AsOf != nil {
		if l, err = l.upTo(at, "congress"); err != nil {
			return CurrentCongress{}, err
		}
		if c, err = congresses.fold(id, l); err != nil {
			return CurrentCongress{}, err
		}
	}
	out := CurrentCongress{ID: id, Version: l.version, Organiser: c.Organiser(), Name: c.Name(), ReferenceDate: c.ReferenceDate(), Units: c.Units()}
	if !all {
		out.Units = []congress.Unit{}
		if u, ok := c.Unit(actor.OrgID); ok {
			out.Units = append(out.Units, u)
		}
	}
	if out.Units == nil {
		out.Units = []congress.Unit{}
	}
	return out, nil
}
