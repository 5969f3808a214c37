package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
)

// The aftercare of an approved conference (its change request, summary and
// deadlines) lives in streams of its own keyed by the declaration id, so
// the declaration's stream stays the approval record and each aggregate is
// decided on its own version.

// readDeclaration loads and folds a declaration for a decision elsewhere;
// one the actor may not see is not found (R-ACT-02).
func (a *App) readDeclaration(ctx context.Context, actor domain.Actor, id uuid.UUID) (*declaration.Declaration, error) {
	l, err := a.load(ctx, DeclarationStream(id))
	if err != nil {
		return nil, err
	}
	return readableDeclaration(actor, id, l)
}

// readableDeclaration folds a loaded declaration stream; one the actor may
// not see is not found (R-ACT-02).
func readableDeclaration(actor domain.Actor, id uuid.UUID, l loaded) (*declaration.Declaration, error) {
	d, err := foldDeclaration(id, l)
	if err != nil {
		return nil, err
	}
	if err := authorise(actor, domain.KindDeclaration, fmt.Sprintf("declaration %s", id), d.Exists(), d.Scope(), toRead); err != nil {
		return nil, err
	}
	return d, nil
}

func foldChange(id uuid.UUID, l loaded) (*change.Change, error) { return changes.fold(id, l) }

func foldSummary(id uuid.UUID, l loaded) (*summary.Summary, error) { return summaries.fold(id, l) }

func (a *App) readChange(ctx context.Context, id uuid.UUID) (*change.Change, error) {
	l, err := a.load(ctx, ChangeStream(id))
	if err != nil {
		return nil, err
	}
	return foldChange(id, l)
}

func (a *App) readSummary(ctx context.Context, id uuid.UUID) (*summary.Summary, error) {
	l, err := a.load(ctx, SummaryStream(id))
	if err != nil {
		return nil, err
	}
	return foldSummary(id, l)
}

// effective is a conference's values after any approved change (R-CHG-04).
func effective(d *declaration.Declaration, c *change.Change) change.Values {
	if v, ok := c.Effective(); ok {
		return v
	}
	return change.ValuesOf(d.Form())
}

// conferenceOf is what the deadline engine needs of a conference. The NGO
// filing day follows the effective start: a change of dates moves it.
func conferenceOf(d *declaration.Declaration, c *change.Change, s *summary.Summary, p policy.Policy) deadline.Conference {
	v, sc, lead := effective(d, c), d.Scope(), d.Lead()
	ngo := lead.NGOFileBy
	if !ngo.IsZero() && !v.Dates.Start.IsZero() {
		ngo = v.Dates.Start.AddDays(-p.Declaration.NGOFilingDays)
	}
	return deadline.Conference{
		Ref: deadline.Ref{DeclarationID: d.ID(), NameZh: v.NameZh, ApplicantID: sc.Owner, UnitID: sc.Unit,
			UniversityID: sc.University, AuthorityID: sc.Authority},
		Status: d.Status(), Submitted: !lead.FileBy.IsZero(), FileBy: lead.FileBy, NGOFileBy: ngo,
		OriginalStart: d.Form().Basic.StartDate, End: v.Dates.End, SummaryStatus: s.Status(),
	}
}

// RefersToFile reports whether the conference's change request, summary or
// deadline facts refer to the upload through a typed attachment field (a
// change's material or location approval, a summary's photos or
// proceedings, an NGO filing receipt), for an actor who may read the
// conference; uploads are then served to that actor. A file id that merely
// appears in free text (a description, a summary's prose) refers to
// nothing: only what a command attached, checked as the applicant's own
// upload, grants a reader the file.
func (a *App) RefersToFile(ctx context.Context, actor domain.Actor, declarationID, fileID uuid.UUID) (bool, error) {
	// The declaration and its three aftercare streams in one read where the
	// store can; nothing of the latter is looked at unless the actor may
	// read the declaration.
	streams, err := a.loadAll(ctx, DeclarationStream(declarationID), ChangeStream(declarationID), SummaryStream(declarationID), DeadlineStream(declarationID))
	if err != nil {
		return false, err
	}
	if _, err := readableDeclaration(actor, declarationID, streams[0]); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return false, nil
		}
		return false, err
	}
	for i, s := range []struct {
		stream string
		refs   func(eventType string, data []byte) ([]declaration.Attachment, error)
	}{
		{ChangeStream(declarationID), changeAttachments},
		{SummaryStream(declarationID), summaryAttachments},
		{DeadlineStream(declarationID), deadlineAttachments},
	} {
		for _, e := range streams[i+1].events {
			refs, err := s.refs(e.Type, e.Data)
			if err != nil {
				return false, fmt.Errorf("%s#%d: %w", s.stream, e.Number, err)
			}
			for _, r := range refs {
				if r.ID == fileID {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

// changeAttachments, summaryAttachments and deadlineAttachments decode one
// event of their stream and list the uploads its typed fields refer to.
func changeAttachments(eventType string, data []byte) ([]declaration.Attachment, error) {
	ev, err := change.Decode(eventType, data)
	if r, ok := ev.(change.Requested); ok && err == nil {
		return r.Attachments(), nil
	}
	return nil, err
}

func summaryAttachments(eventType string, data []byte) ([]declaration.Attachment, error) {
	ev, err := summary.Decode(eventType, data)
	if s, ok := ev.(summary.Saved); ok && err == nil {
		return s.Content.Attachments(), nil
	}
	return nil, err
}

func deadlineAttachments(eventType string, data []byte) ([]declaration.Attachment, error) {
	ev, err := deadline.Decode(eventType, data)
	if f, ok := ev.(deadline.NGOFiled); ok && err == nil && !f.Attachment.IsZero() {
		return []declaration.Attachment{f.Attachment}, nil
	}
	return nil, err
}

// Today is the policy clock's date in Asia/Shanghai, for queries that
// judge due dates (R-POL-02).
func (a *App) Today() domain.Date { return domain.DateOf(a.clock.Now()) }
