package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/eventstore"
)

// FundingPlanStream holds one bureau's funding plan for one year's call
// (R-FUND-05); its id is funding.PlanID.
func FundingPlanStream(id uuid.UUID) string { return "fundingplan-" + id.String() }

// FundingStandingStream holds the bureau's clawbacks and suspensions of
// one institute (R-FUND-08); its id is the institute's.
func FundingStandingStream(id uuid.UUID) string { return "fundinginstitute-" + id.String() }

var (
	fundingPlans = kind[*funding.Plan, funding.Event]{"funding plan", domain.KindFunding, FundingPlanStream, funding.NewPlan, funding.DecodePlan}
	standings    = kind[*funding.Standing, funding.Event]{"funding standing of", domain.KindFunding, FundingStandingStream, funding.NewStanding, funding.DecodeStanding}
)

// FundingIndex finds funding applications by the read models: an
// institute's granted ones (its obligations, R-FUND-06), a call's
// applications handed in to the bureau (the plan, R-FUND-05), and a
// bureau's institutes. The streams confirm what it proposes.
type FundingIndex interface {
	FundedOf(ctx context.Context, institute uuid.UUID) ([]uuid.UUID, error)
	CallApplications(ctx context.Context, bureau uuid.UUID, year int) ([]uuid.UUID, error)
	// Institutes are the institutes of the academies under bureau (all
	// of them for uuid.Nil).
	Institutes(ctx context.Context, bureau uuid.UUID) ([]uuid.UUID, error)
}

func (a *App) fundingIndex() (FundingIndex, error) {
	ix, ok := a.overdue.(FundingIndex)
	if !ok {
		return nil, fmt.Errorf("funding: %w: the read models do not index funding applications", ErrMissingDependency)
	}
	return ix, nil
}

func (a *App) readFunding(ctx context.Context, id uuid.UUID) (*funding.Funding, error) {
	l, err := a.load(ctx, FundingStream(id))
	if err != nil {
		return nil, err
	}
	return fundings.fold(id, l)
}

func (a *App) readPlan(ctx context.Context, bureau uuid.UUID, year int) (*funding.Plan, eventstore.Version, error) {
	id := funding.PlanID(bureau, year)
	l, err := a.load(ctx, FundingPlanStream(id))
	if err != nil {
		return nil, 0, err
	}
	p, err := fundingPlans.fold(id, l)
	return p, l.version, err
}

func (a *App) readStanding(ctx context.Context, institute uuid.UUID) (*funding.Standing, error) {
	l, err := a.load(ctx, FundingStandingStream(institute))
	if err != nil {
		return nil, err
	}
	return standings.fold(institute, l)
}

// withCommandID gives meta the command id and correlation the command
// path would give it, so that what a command writes to a second stream
// (a claim on the funding plan) derives from the same id.
func withCommandID(meta Meta) Meta {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	if meta.CorrelationID == "" {
		meta.CorrelationID = meta.CommandID.String()
	}
	return meta
}

// claimPlan writes, before a review decision on application f of a call
// is written to f's stream, the claim to the call's plan at the version
// it was read undecided (R-FUND-05): the plan's decision and the review
// decisions of its call are one expected-version write on the plan's
// stream, so they cannot both succeed against an undecided plan. A plan
// decided first refuses the claim (409 R-FUND-05) and nothing is written;
// a claim first makes the plan's decision read the application again
// (still under review: refused; decided: counted). The claim's command id
// derives from the decision's, so a retried decision claims once.
func (a *App) claimPlan(ctx context.Context, actor domain.Actor, meta Meta, f *funding.Funding, action string) error {
	if f.Year() == 0 {
		return nil
	}
	m := Meta{CommandID: uuid.NewSHA1(meta.CommandID, []byte("fundingplan-claim")), CorrelationID: meta.CorrelationID, CausationID: meta.CommandID.String()}
	_, err := decideOn(ctx, a, actor, m, "ClaimFundingPlan", fundingPlans, funding.PlanID(f.Place().Bureau, f.Year()),
		func(*funding.Plan, loaded) error { return nil }, // the application's scope authorised the decision
		func(pl *funding.Plan, _ policy.Policy) error { return pl.Claim(actor, f.ID(), action, a.clock.Now()) })
	return err
}

// reviewFunding is the bureau's rejection or return, through the call's
// plan: refused once it is decided (R-FUND-05).
func (a *App) reviewFunding(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID, d procedure.Decision, text string) (Result, error) {
	meta = withCommandID(meta)
	return onRecord(ctx, a, actor, meta, command, fundings, id, toReview, func(f *funding.Funding, p policy.Policy) error {
		if err := (textField{"reason", text}).check(p); err != nil {
			return err
		}
		if err := f.Decide(actor, d, "", text, a.clock.Now()); err != nil {
			return err
		}
		return a.claimPlan(ctx, actor, meta, f, strings.ToLower(string(d)))
	})
}

// Eligibility is whether an institute may apply today to the call for
// Year (R-FUND-06, R-FUND-08): the bars, each naming why, the record
// it comes from and until when.
type Eligibility struct {
	Institute uuid.UUID          `json:"institute"`
	Year      int                `json:"year"`
	Eligible  bool               `json:"eligible"`
	Bars      []funding.Bar      `json:"bars"`
	Sanctions []funding.Sanction `json:"sanctions"`
}

// eligibility reads an institute's bars from its streams: its standing and
// its granted applications (the read model proposes them).
func (a *App) eligibility(ctx context.Context, institute uuid.UUID, year int, p policy.Policy) (Eligibility, error) {
	s, err := a.readStanding(ctx, institute)
	if err != nil {
		return Eligibility{}, err
	}
	ix, err := a.fundingIndex()
	if err != nil {
		return Eligibility{}, err
	}
	ids, err := ix.FundedOf(ctx, institute)
	if err != nil {
		return Eligibility{}, err
	}
	var funded []funding.Obligation
	for _, id := range ids {
		f, err := a.readFunding(ctx, id)
		if err != nil {
			return Eligibility{}, err
		}
		if o, ok := f.Obligation(p.Funding); ok && f.Place().Institute == institute {
			funded = append(funded, o)
		}
	}
	bars := funding.Bars(domain.DateOf(a.clock.Now()), year, s.Sanctions(), funded)
	sanctions := s.Sanctions()
	if bars == nil {
		bars = []funding.Bar{}
	}
	if sanctions == nil {
		sanctions = []funding.Sanction{}
	}
	return Eligibility{Institute: institute, Year: year, Eligible: len(bars) == 0, Bars: bars, Sanctions: sanctions}, nil
}

// instituteScope is an institute's place, found from its organisation
// stream, as a scope: the bureau sees it, its administrators see it.
func (a *App) institute(ctx context.Context, id uuid.UUID) (funding.Place, error) {
	o, err := a.organisation(ctx, id)
	if err != nil {
		return funding.Place{}, err
	}
	if o.Kind() != org.Institute {
		return funding.Place{}, fmt.Errorf("institute %s: %w", id, domain.ErrNotFound)
	}
	ac, err := a.organisation(ctx, o.ParentID())
	if err != nil {
		return funding.Place{}, err
	}
	return funding.Place{Institute: id, Academy: ac.ID(), Bureau: ac.ParentID()}, nil
}

// InstituteEligibility answers whether the institute may apply to the
// call for year today (R-FUND-06, R-FUND-08), from the streams: for its
// administrators, its bureau, auditors and analysts; anyone else is told
// it is not found.
func (a *App) InstituteEligibility(ctx context.Context, actor domain.Actor, institute uuid.UUID, year int) (Eligibility, error) {
	place, err := a.institute(ctx, institute)
	if err != nil {
		return Eligibility{}, err
	}
	sc := domain.Scope{Unit: place.Institute, University: place.Academy, Authority: place.Bureau, AtAuthority: true}
	if !domain.Allows(actor, domain.KindFunding, domain.Read, sc) {
		return Eligibility{}, fmt.Errorf("institute %s: %w", institute, domain.ErrNotFound)
	}
	p, err := a.policies.Current(ctx)
	if err != nil {
		return Eligibility{}, err
	}
	return a.eligibility(ctx, institute, year, p)
}

// DecideFundingPlan is the decision over the year's funding plan
// (院领导审定, R-FUND-05), recorded by the bureau's reviewer.
type DecideFundingPlan struct {
	Year    int    `json:"year"`
	Comment string `json:"comment" text:"multiline"`
}

// DecideFundingPlan records the plan of the actor's bureau's call for
// cmd.Year: once, with every application handed in reviewed, its grants
// within the call's budget; the applications are the read model's,
// confirmed on their streams.
func (a *App) DecideFundingPlan(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideFundingPlan) (Result, error) {
	if actor.Role != domain.RoleAuthorityReviewer {
		return Result{}, fmt.Errorf("decide the funding plan: role %s may not (R-FUND-05): %w", actor.Role, domain.ErrForbidden)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	call, ok := pol.Funding.Call(actor.OrgID, cmd.Year)
	if !ok {
		var pr domain.Problems
		pr.Add("year", "R-FUND-03", fmt.Sprintf("your bureau published no call for %d", cmd.Year), fmt.Sprintf("本局未发布%d年度资助征集通知", cmd.Year))
		return Result{}, pr.Err()
	}
	id := funding.PlanID(call.Bureau, call.Year)
	// The applications are read after the plan's stream was loaded, on
	// every attempt: a review decision's claim written since (R-FUND-05)
	// makes the append at the loaded version fail and the next attempt
	// read that application again.
	return decideOn(ctx, a, actor, meta, "DecideFundingPlan", fundingPlans, id, func(*funding.Plan, loaded) error { return nil },
		func(pl *funding.Plan, p policy.Policy) error {
			apps, err := a.planApplications(ctx, call, pl.Claimed())
			if err != nil {
				return err
			}
			return pl.Decide(actor, call, apps, cmd.Comment, p.Text, a.clock.Now())
		})
}

// planApplications are the call's applications that reached the bureau,
// as their streams say: those the read model lists and those the plan's
// claims name (the read model may not have caught up with them).
func (a *App) planApplications(ctx context.Context, call policy.FundingCall, claimed []uuid.UUID) ([]funding.PlanApplication, error) {
	ix, err := a.fundingIndex()
	if err != nil {
		return nil, err
	}
	listed, err := ix.CallApplications(ctx, call.Bureau, call.Year)
	if err != nil {
		return nil, err
	}
	ids := append(slices.Clone(listed), claimed...)
	slices.SortFunc(ids, func(x, y uuid.UUID) int { return strings.Compare(x.String(), y.String()) })
	ids = slices.Compact(ids)
	names := map[uuid.UUID]string{}
	var out []funding.PlanApplication
	for _, id := range ids {
		f, err := a.readFunding(ctx, id)
		if err != nil {
			return nil, err
		}
		if f.Year() != call.Year || f.Place().Bureau != call.Bureau {
			continue
		}
		switch f.Status() {
		case funding.StatusSubmitted, funding.StatusGranted, funding.StatusRejected, funding.StatusReturned:
		default:
			continue
		}
		inst := f.Place().Institute
		if _, ok := names[inst]; !ok {
			o, err := a.organisation(ctx, inst)
			if err != nil {
				return nil, err
			}
			names[inst] = o.NameZh()
		}
		app := f.Application()
		out = append(out, funding.PlanApplication{ID: id, Institute: inst, InstituteName: names[inst], NameZh: app.Conference.NameZh,
			Category: app.Category, Status: f.Status(), RequestedFen: app.RequestedFen, GrantedFen: f.GrantFen()})
	}
	return out, nil
}

// FundingPlan is a bureau's plan for a year's call as its stream says.
type FundingPlan struct {
	Bureau     uuid.UUID            `json:"bureau"`
	BureauName string               `json:"bureauName"`
	Year       int                  `json:"year"`
	BudgetFen  int64                `json:"budgetFen"`
	Version    eventstore.Version   `json:"version"`
	Decided    *funding.PlanDecided `json:"decided,omitempty"`
}

// DecidedFundingPlan reads the plan of the call for year of the actor's
// bureau, or of the institute's bureau for its administrators (the
// notice is addressed to them); auditors and analysts name the bureau.
func (a *App) DecidedFundingPlan(ctx context.Context, actor domain.Actor, bureau uuid.UUID, year int) (FundingPlan, error) {
	if bureau == uuid.Nil {
		bureau = actor.Authority
		if actor.Role == domain.RoleAuthorityReviewer {
			bureau = actor.OrgID
		}
	}
	sc := domain.Scope{Authority: bureau, AtAuthority: true}
	if actor.Role == domain.RoleUnitAdmin {
		sc.Unit = actor.OrgID
	}
	if bureau == uuid.Nil || !domain.Allows(actor, domain.KindFunding, domain.Read, sc) {
		return FundingPlan{}, fmt.Errorf("funding plan for %d: %w", year, domain.ErrNotFound)
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return FundingPlan{}, err
	}
	call, ok := pol.Funding.Call(bureau, year)
	if !ok {
		return FundingPlan{}, fmt.Errorf("funding plan for %d: no call: %w", year, domain.ErrNotFound)
	}
	p, v, err := a.readPlan(ctx, bureau, year)
	if err != nil {
		return FundingPlan{}, err
	}
	o, err := a.organisation(ctx, bureau)
	if err != nil {
		return FundingPlan{}, err
	}
	return FundingPlan{Bureau: bureau, BureauName: o.NameZh(), Year: year, BudgetFen: call.BudgetFen, Version: v, Decided: p.Decided()}, nil
}

// CheckFundingDeadlines is the deadline engine's decision on one funding
// application (R-FUND-06): the summary's reminders and overdue fact, each
// once.
func (a *App) CheckFundingDeadlines(ctx context.Context, id uuid.UUID) (Result, error) {
	return decideOn(ctx, a, deadline.Engine, Meta{}, "CheckFundingDeadlines", fundings, id, func(*funding.Funding, loaded) error { return nil },
		func(f *funding.Funding, p policy.Policy) error {
			f.CheckDeadlines(p, a.clock.Now())
			return nil
		})
}

// CheckFundingPlans is the deadline engine's decision on every published
// call's plan (R-FUND-05): one not decided by 31 December before its year
// is recorded overdue, once. It answers how many facts it recorded.
func (a *App) CheckFundingPlans(ctx context.Context) (int, error) {
	p, err := a.policies.Current(ctx)
	if err != nil {
		return 0, err
	}
	today := domain.DateOf(a.clock.Now())
	n := 0
	for _, call := range p.Funding.Calls {
		if !today.After(policy.PlanDue(call.Year)) {
			continue
		}
		res, err := decideOn(ctx, a, deadline.Engine, Meta{}, "CheckFundingPlan", fundingPlans, funding.PlanID(call.Bureau, call.Year),
			func(*funding.Plan, loaded) error { return nil },
			func(pl *funding.Plan, _ policy.Policy) error {
				pl.CheckDeadline(call, a.clock.Now())
				return nil
			})
		if err != nil {
			return n, err
		}
		n += res.Appended
	}
	return n, nil
}
