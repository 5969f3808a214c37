package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/jsondiff"
)

// Point says how far a read folds a record's stream: to its end (the zero
// Point), up to a time (AsOf: the events recorded by then), or up to a
// stream revision (Revision: the record after its first N events, N from 1
// to the stream's last). A read takes one or the other, never both.
type Point struct {
	AsOf     *time.Time
	Revision *eventstore.Version
}

// AtRevision is the Point of revision n.
func AtRevision(n eventstore.Version) Point { return Point{Revision: &n} }

// IsZero says the read folds the whole stream.
func (p Point) IsZero() bool { return p.AsOf == nil && p.Revision == nil }

// Check refuses a Point that names both a time and a revision.
func (p Point) Check() error {
	if p.AsOf != nil && p.Revision != nil {
		return &domain.ValidationError{Fields: []domain.FieldError{{Path: "query:atRevision", Rule: "SCHEMA",
			Message: "give either asOf or atRevision, not both", Zh: "asOf与atRevision只能指定其一"}}}
	}
	return nil
}

// RevisionRule is the rule id of an atRevision outside the record's stream.
const RevisionRule = "REVISION"

// upTo is l cut at p: its events up to revision p.Revision, or those
// recorded by p.AsOf; the zero Point leaves it whole. A revision outside 1
// to the stream's last is a validation error on query:atRevision saying
// which revisions there are (what names the record); a time before the
// record's first event is not found.
func (l loaded) upTo(p Point, what string) (loaded, error) {
	if err := p.Check(); err != nil {
		return loaded{}, err
	}
	keep := len(l.events)
	switch {
	case p.Revision != nil:
		n := *p.Revision
		if n < 1 || n > l.version {
			return loaded{}, revisionOutOfRange(what, n, l.version)
		}
		keep = 0
		for keep < len(l.events) && eventstore.Version(l.events[keep].Number) <= n {
			keep++
		}
	case p.AsOf != nil:
		keep = 0
		for keep < len(l.events) && !l.events[keep].Metadata.RecordedAt.After(*p.AsOf) {
			keep++
		}
		if keep == 0 {
			return loaded{}, fmt.Errorf("%s did not exist at %s: %w", l.id, p.AsOf.Format(time.RFC3339), domain.ErrNotFound)
		}
	}
	cut := loaded{id: l.id, events: l.events[:keep]}
	if keep > 0 {
		cut.version = eventstore.Version(cut.events[keep-1].Number)
	}
	return cut, nil
}

// revisionOutOfRange is the error of revision n of a stream whose last
// revision is last.
func revisionOutOfRange(what string, n, last eventstore.Version) error {
	f := domain.FieldError{Path: "query:atRevision", Rule: RevisionRule,
		Message: fmt.Sprintf("want a revision from 1 to %d, the %s's last; got %d", last, what, n),
		Zh:      fmt.Sprintf("版本号应在1到%d（该记录的最新版本）之间，收到%d", last, n)}
	if last == 0 {
		f.Message = fmt.Sprintf("the %s has no revisions yet; atRevision %d does not exist", what, n)
		f.Zh = fmt.Sprintf("该记录（%s）尚无任何版本，不存在第%d版", what, n)
	}
	return &domain.ValidationError{Fields: []domain.FieldError{f}}
}

// revisionKind tells the revision reads (RecordAt, RecordDiff,
// DecisionChanges) about one kind of record: its noun, its kind in the
// scope model, its stream, its state endpoint, and its state as that
// endpoint shows it, folded from a stream.
type revisionKind struct {
	noun   string
	access domain.Kind
	stream func(uuid.UUID) string
	path   func(uuid.UUID) string
	// pathOf, when set, is the record's address from its stream, for a
	// record addressed by more than its id (a unit's delegation: by its
	// congress and unit).
	pathOf func(id uuid.UUID, l loaded) (string, error)
	// state is the record folded from l, without its id and version (a
	// diff of two revisions shows what changed, not that the version
	// did), and its scope.
	state func(id uuid.UUID, l loaded) (any, domain.Scope, error)
}

// RecordKinds are the kinds of record read at a revision, by the names
// the approval log gives them.
var recordKinds = map[string]revisionKind{
	"forecast": {noun: "forecast", access: domain.KindForecast, stream: ForecastStream,
		path: func(id uuid.UUID) string { return "/api/v1/forecasts/" + id.String() },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			f, err := foldForecast(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			return struct {
				Status      forecast.Status       `json:"status"`
				Details     forecast.Details      `json:"details"`
				SignedForms []forecast.SignedForm `json:"signedForms"`
				Warnings    []domain.Warning      `json:"warnings"`
			}{f.Status(), f.Details(), orEmpty(f.SignedForms()), orEmpty(f.Warnings())}, f.Scope(), nil
		}},
	"declaration": {noun: "declaration", access: domain.KindDeclaration, stream: DeclarationStream,
		path: func(id uuid.UUID) string { return "/api/v1/declarations/" + id.String() },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			d, err := foldDeclaration(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			return struct {
				Status   declaration.Status `json:"status"`
				Form     declaration.Form   `json:"form"`
				Lead     declaration.Lead   `json:"lead,omitzero"`
				Warnings []domain.Warning   `json:"warnings"`
			}{d.Status(), d.Form(), d.Lead(), orEmpty(d.Warnings())}, d.Scope(), nil
		}},
	"change": {noun: "change request", access: domain.KindChange, stream: ChangeStream,
		path: func(id uuid.UUID) string { return "/api/v1/declarations/" + id.String() + "/change-request" },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			c, err := foldChange(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			return struct {
				Status   change.Status    `json:"status"`
				Requests int              `json:"requests"`
				Request  change.Requested `json:"request"`
				Decision change.Event     `json:"decision"`
				Warnings []domain.Warning `json:"warnings"`
			}{c.Status(), c.Requests(), c.Latest(), c.Decision(), orEmpty(c.Warnings())}, c.Scope(), nil
		}},
	"summary": {noun: "summary", access: domain.KindSummary, stream: SummaryStream,
		path: func(id uuid.UUID) string { return "/api/v1/declarations/" + id.String() + "/summary" },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			s, err := foldSummary(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			var returned *summary.Returned
			if r := s.Returned(); r.Reason != "" {
				returned = &r
			}
			return struct {
				Status   summary.Status    `json:"status"`
				DueDate  domain.Date       `json:"dueDate,omitzero"`
				Content  summary.Content   `json:"content"`
				Returned *summary.Returned `json:"returned,omitempty"`
			}{s.Status(), s.DueDate(), s.Content(), returned}, s.Scope(), nil
		}},
	"funding": {noun: "funding application", access: domain.KindFunding, stream: FundingStream,
		path: func(id uuid.UUID) string { return "/api/v1/funding/" + id.String() },
		state: func(id uuid.UUID, l loaded) (any, domain.Scope, error) {
			f, err := fundings.fold(id, l)
			if err != nil {
				return nil, domain.Scope{}, err
			}
			return struct {
				Status      funding.Status      `json:"status"`
				Application funding.Application `json:"application"`
				Flags       funding.Flags       `json:"flags"`
				GrantedFen  int64               `json:"grantedFen,omitempty"`
			}{f.Status(), f.Application(), f.Flags(), f.GrantFen()}, f.Scope(), nil
		}},
}

// RecordRevision is a record as its stream stood at one revision.
type RecordRevision struct {
	Kind     string             `json:"kind"`
	ID       uuid.UUID          `json:"id"`
	Version  eventstore.Version `json:"version"`
	Latest   eventstore.Version `json:"latestVersion"`
	State    any                `json:"state"`
	RecordAt string             `json:"url"`
}

// revisions is one record's stream, loaded once for reads at several
// revisions by an actor who may read the record.
type revisions struct {
	k    revisionKind
	id   uuid.UUID
	l    loaded
	path string
}

// openRevisions loads the record kind/id for actor: not found when there
// is no such record, or the actor may not read it (R-ACT-02) as it is now.
func (a *App) openRevisions(ctx context.Context, actor domain.Actor, kind string, id uuid.UUID) (revisions, error) {
	k, ok := recordKinds[kind]
	if !ok {
		return revisions{}, fmt.Errorf("record kind %q: %w", kind, domain.ErrNotFound)
	}
	l, err := a.load(ctx, k.stream(id))
	if err != nil {
		return revisions{}, err
	}
	if len(l.events) == 0 {
		return revisions{}, fmt.Errorf("%s %s: %w", k.noun, id, domain.ErrNotFound)
	}
	_, sc, err := k.state(id, l)
	if err != nil {
		return revisions{}, err
	}
	if !domain.Allows(actor, k.access, domain.Read, sc) {
		return revisions{}, fmt.Errorf("%s %s: %w", k.noun, id, domain.ErrNotFound)
	}
	path := ""
	if k.pathOf != nil {
		if path, err = k.pathOf(id, l); err != nil {
			return revisions{}, err
		}
	} else {
		path = k.path(id)
	}
	return revisions{k: k, id: id, l: l, path: path}, nil
}

// at is the record at Point p.
func (r revisions) at(p Point) (RecordRevision, error) {
	cut, err := r.l.upTo(p, r.k.noun)
	if err != nil {
		return RecordRevision{}, err
	}
	st, _, err := r.k.state(r.id, cut)
	if err != nil {
		return RecordRevision{}, err
	}
	return RecordRevision{Kind: string(r.k.access), ID: r.id, Version: cut.version, Latest: r.l.version, State: st,
		RecordAt: RevisionURL(r.path, cut.version)}, nil
}

// RevisionURL is the address of a record's state endpoint at revision n.
func RevisionURL(path string, n eventstore.Version) string {
	return fmt.Sprintf("%s?atRevision=%d", path, n)
}

// RecordAt is the record kind/id ("forecast", "declaration", "change",
// "summary", "funding") as it stood at the Point p, for an actor who may
// read it as it is now.
func (a *App) RecordAt(ctx context.Context, actor domain.Actor, kind string, id uuid.UUID, p Point) (RecordRevision, error) {
	if err := p.Check(); err != nil {
		return RecordRevision{}, err
	}
	r, err := a.openRevisions(ctx, actor, kind, id)
	if err != nil {
		return RecordRevision{}, err
	}
	return r.at(p)
}

// RecordDiff is what changed in a record between two revisions.
type RecordDiff struct {
	Kind    string             `json:"kind"`
	ID      uuid.UUID          `json:"id"`
	From    eventstore.Version `json:"from"`
	To      eventstore.Version `json:"to"`
	Changes []jsondiff.Change  `json:"changes"`
}

// RecordDiff compares the record kind/id at revisions from and to, field
// by field (each from 1 to the stream's last; a revision outside it is a
// validation error on query:from or query:to). Without to, it is the last
// revision; without from, the one before to (to itself at revision 1).
func (a *App) RecordDiff(ctx context.Context, actor domain.Actor, kind string, id uuid.UUID, fromAt, toAt *eventstore.Version) (RecordDiff, error) {
	r, err := a.openRevisions(ctx, actor, kind, id)
	if err != nil {
		return RecordDiff{}, err
	}
	to := r.l.version
	if toAt != nil {
		to = *toAt
	}
	from := max(to, 2) - 1
	if fromAt != nil {
		from = *fromAt
	}
	var bad []domain.FieldError
	for _, c := range []struct {
		name string
		n    eventstore.Version
	}{{"from", from}, {"to", to}} {
		if c.n < 1 || c.n > r.l.version {
			bad = append(bad, domain.FieldError{Path: "query:" + c.name, Rule: RevisionRule,
				Message: fmt.Sprintf("want a revision from 1 to %d, the %s's last; got %d", r.l.version, r.k.noun, c.n),
				Zh:      fmt.Sprintf("版本号应在1到%d（该记录的最新版本）之间，收到%d", r.l.version, c.n)})
		}
	}
	if len(bad) > 0 {
		return RecordDiff{}, &domain.ValidationError{Fields: bad}
	}
	changes, err := r.diff(from, to)
	if err != nil {
		return RecordDiff{}, err
	}
	return RecordDiff{Kind: string(r.k.access), ID: id, From: from, To: to, Changes: changes}, nil
}

// diff compares two revisions known to be in the stream.
func (r revisions) diff(from, to eventstore.Version) ([]jsondiff.Change, error) {
	a, err := r.at(AtRevision(from))
	if err != nil {
		return nil, err
	}
	b, err := r.at(AtRevision(to))
	if err != nil {
		return nil, err
	}
	return jsondiff.Values(a.State, b.State)
}

// LoggedDecision is one reviewer's decision in a record's approval log:
// its event number and the role that took it.
type LoggedDecision struct {
	Number uint64
	Role   string
}

// DecisionChanges is what a decision was made on: Revision, the record as
// the reviewer saw it (every event before the decision; commands run
// against the stream's last version), its URL, and the changes since
// the revision an earlier decision was made on (Since; 0 and no changes
// for a record's first decision).
type DecisionChanges struct {
	Revision eventstore.Version
	URL      string
	Since    eventstore.Version
	Changes  []jsondiff.Change
}

// DecisionChanges answers, for each decision of the record kind/id in log
// order, what it was made on and what changed since the decision it is
// compared with: the same role's previous decision (what that reviewer
// last saw), else the record's previous decision of any role. So a
// school that rejected and now approves sees exactly what the applicant
// changed in between.
func (a *App) DecisionChanges(ctx context.Context, actor domain.Actor, kind string, id uuid.UUID, decisions []LoggedDecision) ([]DecisionChanges, error) {
	if len(decisions) == 0 {
		return nil, nil
	}
	r, err := a.openRevisions(ctx, actor, kind, id)
	if err != nil {
		return nil, err
	}
	out := make([]DecisionChanges, len(decisions))
	for i, d := range decisions {
		rev := eventstore.Version(d.Number - 1)
		if d.Number < 2 || rev > r.l.version {
			return nil, fmt.Errorf("decision %d of %s %s is not in its stream of %d events", d.Number, r.k.noun, id, r.l.version)
		}
		out[i] = DecisionChanges{Revision: rev, URL: RevisionURL(r.path, rev)}
		prev := -1
		for j := i - 1; j >= 0; j-- {
			if decisions[j].Role == d.Role {
				prev = j
				break
			}
		}
		if prev < 0 {
			prev = i - 1
		}
		if prev < 0 {
			continue
		}
		out[i].Since = out[prev].Revision
		if out[i].Changes, err = r.diff(out[i].Since, rev); err != nil {
			return nil, err
		}
	}
	return out, nil
}
