package commands

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
)

// onSummary runs act on a conference's summary. The summary's scope is its
// conference's: one the actor may not see is not found (R-ACT-02).
func (a *App) onSummary(ctx context.Context, actor domain.Actor, meta Meta, command string, id uuid.UUID,
	act func(s *summary.Summary, snap summary.Snapshot, p policy.Policy) error) (Result, error) {
	return onConference(ctx, a, actor, meta, command, summaries, id, func(s *summary.Summary, c conference, p policy.Policy) error {
		d, v := c.declaration, effective(c.declaration, c.change)
		snap := summary.Snapshot{ID: id, ApplicantID: d.ApplicantID(), Scope: d.Scope(), Status: d.Status(),
			NameZh: v.NameZh, EndDate: v.Dates.End}
		return act(s, snap, p)
	})
}

// OpenSummary opens the summary once the conference has ended (R-SUM-01).
func (a *App) OpenSummary(ctx context.Context, actor domain.Actor, meta Meta, id uuid.UUID) (Result, error) {
	return a.onSummary(ctx, actor, meta, "OpenSummary", id, func(s *summary.Summary, snap summary.Snapshot, p policy.Policy) error {
		return s.Open(actor, snap, p.Summary, a.clock.Now())
	})
}

// SaveSummary keeps the content as a draft (R-SUM-03 formats), opening the
// summary first when this is its first save (R-SUM-01). Photos and the
// proceedings file must be the applicant's own uploads as stored.
func (a *App) SaveSummary(ctx context.Context, actor domain.Actor, meta Meta, id uuid.UUID, content summary.Content) (Result, error) {
	return a.onSummary(ctx, actor, meta, "SaveSummary", id, func(s *summary.Summary, snap summary.Snapshot, p policy.Policy) error {
		now := a.clock.Now()
		if !s.Exists() {
			if err := s.Open(actor, snap, p.Summary, now); err != nil {
				return err
			}
		}
		if err := s.Save(actor, content, p, p.Summary, now); err != nil {
			return err
		}
		refs := []attachmentRef{{"proceedingsFile", "R-SUM-03", content.ProceedingsFile}}
		for i, ph := range content.Photos {
			refs = append(refs, attachmentRef{fmt.Sprintf("photos[%d].file", i), "R-SUM-03", ph.File})
		}
		return a.checkAttachments(ctx, actor, refs)
	})
}

// SubmitSummary hands the summary in when R-SUM-03 holds; a late one is
// marked so (R-SUM-02). It lifts the block on new declarations.
func (a *App) SubmitSummary(ctx context.Context, actor domain.Actor, meta Meta, id uuid.UUID) (Result, error) {
	return a.onSummary(ctx, actor, meta, "SubmitSummary", id, func(s *summary.Summary, _ summary.Snapshot, p policy.Policy) error {
		return s.Submit(actor, p, p.Summary, a.clock.Now())
	})
}

// DecideSummary is the school's review of a summary (R-SUM-04): a comment
// for an acceptance, the reason for a return.
type DecideSummary struct {
	DeclarationID uuid.UUID
	Text          string
}

// AcceptSummary accepts a submitted summary (R-SUM-04).
func (a *App) AcceptSummary(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideSummary) (Result, error) {
	return review(ctx, a, actor, meta, "AcceptSummary", summaries, cmd.DeclarationID, procedure.Approve, procedure.School, cmd.Text)
}

// ReturnSummary returns it with a reason for more work (R-SUM-04).
func (a *App) ReturnSummary(ctx context.Context, actor domain.Actor, meta Meta, cmd DecideSummary) (Result, error) {
	return review(ctx, a, actor, meta, "ReturnSummary", summaries, cmd.DeclarationID, procedure.Return, "", cmd.Text)
}

// SummaryView is a conference's summary as its stream says now: never
// behind a write.
type SummaryView struct {
	DeclarationID uuid.UUID          `json:"declarationId"`
	Version       eventstore.Version `json:"version"`
	NameZh        string             `json:"nameZh"`
	EndDate       domain.Date        `json:"endDate,omitzero"`
	// Status is "" until the summary is opened (R-SUM-01).
	Status  summary.Status `json:"status"`
	DueDate domain.Date    `json:"dueDate,omitzero"`
	Overdue bool           `json:"overdue"`
	// OpensOn is the first day the summary can be opened (R-SUM-01).
	OpensOn  domain.Date       `json:"opensOn,omitzero"`
	Content  summary.Content   `json:"content"`
	Returned *summary.Returned `json:"returned,omitempty"`
}

// Summary reads the summary of a conference the actor may see; an approved
// conference whose summary is not opened yet answers with its dates.
func (a *App) Summary(ctx context.Context, actor domain.Actor, id uuid.UUID) (SummaryView, error) {
	return a.SummaryAt(ctx, actor, id, Point{})
}

// SummaryAt is the summary as it stood at the Point at: a time or a
// revision of the summary's own stream. The conference's name and dates
// are those in force now.
func (a *App) SummaryAt(ctx context.Context, actor domain.Actor, id uuid.UUID, at Point) (SummaryView, error) {
	if err := at.Check(); err != nil {
		return SummaryView{}, err
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return SummaryView{}, err
	}
	// The three streams in one read where the store can (loadAll); the
	// declaration decides who may read before the others are looked at.
	streams, err := a.loadAll(ctx, DeclarationStream(id), ChangeStream(id), SummaryStream(id))
	if err != nil {
		return SummaryView{}, err
	}
	d, err := readableDeclaration(actor, id, streams[0])
	if err != nil {
		return SummaryView{}, err
	}
	c, err := foldChange(id, streams[1])
	if err != nil {
		return SummaryView{}, err
	}
	l := streams[2]
	if at.AsOf != nil && (len(l.events) == 0 || l.events[0].Metadata.RecordedAt.After(*at.AsOf)) {
		l.events, l.version = nil, 0 // not opened yet then
	} else if l, err = l.upTo(at, "summary"); err != nil {
		return SummaryView{}, err
	}
	s, err := foldSummary(id, l)
	if err != nil {
		return SummaryView{}, err
	}
	v := effective(d, c)
	today := domain.DateOf(a.clock.Now())
	out := SummaryView{DeclarationID: id, Version: l.version, NameZh: v.NameZh, EndDate: v.Dates.End,
		Status: s.Status(), Content: s.Content(), OpensOn: v.Dates.End.AddDays(1)}
	if s.Exists() {
		out.DueDate, out.Overdue = s.DueDate(), s.Overdue(today)
	} else if d.Status() == declaration.StatusAuthorityApproved {
		out.DueDate, out.Overdue = pol.Summary.DueDate(v.Dates.End), pol.Summary.Overdue(v.Dates.End, today)
	}
	if r := s.Returned(); r.Reason != "" {
		out.Returned = &r
	}
	// Lists a draft has not filled yet answer as empty lists, not null;
	// what it has filled stays.
	sc := &out.Content
	sc.Attendance, sc.Photos = orEmpty(sc.Attendance), orEmpty(sc.Photos)
	sc.Domestic, sc.Foreign = orEmpty(sc.Domestic), orEmpty(sc.Foreign)
	return out, nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
