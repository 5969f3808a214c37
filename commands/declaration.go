package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/filestore"
)

// DeclarationStream is the stream of one declaration.
func DeclarationStream(id uuid.UUID) string { return "declaration-" + id.String() }

// DeclarationIDFor is the one declaration a forecast can start: deriving
// the id from the forecast makes a second start find the first.
func DeclarationIDFor(forecastID uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(forecastID, []byte("declaration"))
}

func foldDeclaration(id uuid.UUID, l loaded) (*declaration.Declaration, error) {
	return declarations.fold(id, l)
}

// StartDeclaration opens a declaration (R-DECL-01/02): from an approved
// forecast when ForecastID is set, else directly for a small
// natural-science conference with Form as its first draft.
type StartDeclaration struct {
	ForecastID         uuid.UUID        `json:"forecastId,omitempty"`
	NoticeAcknowledged bool             `json:"noticeAcknowledged"`
	Form               declaration.Form `json:"form"`
}

// StartDeclaration records the start. Starting again from the same forecast
// returns the declaration already started, whatever its state.
func (a *App) StartDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd StartDeclaration) (Result, error) {
	if meta.CommandID == uuid.Nil {
		meta.CommandID = uuid.New()
	}
	pol, err := a.policies.Current(ctx)
	if err != nil {
		return Result{}, err
	}
	if cmd.ForecastID == uuid.Nil {
		id := uuid.NewSHA1(meta.CommandID, []byte("declaration"))
		return a.execute(ctx, actor, meta, "StartDeclaration", DeclarationStream(id), id, func(l loaded) (decision, error) {
			d := declaration.New(id)
			if err := d.StartDirect(actor, cmd.Form, cmd.NoticeAcknowledged, pol, pol.Declaration, a.clock.Now()); err != nil {
				return decision{}, err
			}
			return decision{events: asEvents(d.Pending()), policy: pol.Version}, nil
		})
	}
	fl, err := a.load(ctx, ForecastStream(cmd.ForecastID))
	if err != nil {
		return Result{}, err
	}
	f, err := foldForecast(cmd.ForecastID, fl)
	if err != nil {
		return Result{}, err
	}
	if len(fl.events) == 0 || !domain.Allows(actor, domain.KindForecast, domain.Read, f.Scope()) {
		return Result{}, fmt.Errorf("forecast %s: %w", cmd.ForecastID, domain.ErrNotFound)
	}
	// Who may start one is checked before looking for one already started:
	// the declaration's id answers only to the forecast's applicant, not to
	// everyone who may read the forecast.
	snap := declaration.ForecastSnapshot{ID: f.ID(), ApplicantID: f.ApplicantID(), Status: f.Status(), Details: f.Details()}
	if err := declaration.MayStartFromForecast(actor, snap); err != nil {
		return Result{}, err
	}
	id := DeclarationIDFor(cmd.ForecastID)
	return a.execute(ctx, actor, meta, "StartDeclaration", DeclarationStream(id), id, func(l loaded) (decision, error) {
		if len(l.events) > 0 {
			return decision{}, nil // one declaration per forecast: this is it
		}
		d := declaration.New(id)
		if err := d.StartFromForecast(actor, snap, cmd.NoticeAcknowledged, a.clock.Now()); err != nil {
			return decision{}, err
		}
		return decision{events: asEvents(d.Pending()), policy: pol.Version}, nil
	})
}

// Section is one section of the declaration form, ready to save (R-DECL-15).
type Section struct {
	Name string
	save func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error
	// attachments are the uploads the section refers to, by field path and
	// the rule that asks for them.
	attachments []attachmentRef
}

type attachmentRef struct {
	path, rule string
	file       declaration.Attachment
}

// Files describes uploaded files, so a form can only refer to uploads its
// applicant made, exactly as they were stored, and deletes a person's
// uploads when their personal data is erased (PIPL).
type Files interface {
	Stat(ctx context.Context, id uuid.UUID) (filestore.File, error)
	EraseOwner(ctx context.Context, owner uuid.UUID) (int, error)
}

// checkAttachments refuses a reference to an upload that does not exist,
// is someone else's, or does not match what was stored (R-DECL-07/20).
func (a *App) checkAttachments(ctx context.Context, actor domain.Actor, refs []attachmentRef) error {
	var pr domain.Problems
	for _, r := range refs {
		if r.file.IsZero() {
			continue
		}
		f, err := a.files.Stat(ctx, r.file.ID)
		switch {
		case errors.Is(err, filestore.ErrNotFound), err == nil && f.OwnerID != actor.UserID:
			pr.Add(r.path+".id", r.rule, "no such upload of yours; upload the file first", "未找到您上传的该文件，请先上传")
		case err != nil:
			return err
		case f.SHA256 != r.file.SHA256 || f.Size != r.file.Size || f.ContentType != r.file.ContentType:
			pr.Add(r.path+".sha256", r.rule, "does not match the stored upload (hash, size or type)", "与已上传文件的哈希、大小或类型不符")
		}
	}
	return pr.Err()
}

// The sections of the form, each built from its typed content.
func ApplicantSection(x declaration.Applicant) Section {
	return Section{"applicant", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveApplicant(a, x, p, now)
	}, nil}
}

func BasicSection(x declaration.Basic) Section {
	return Section{"basic", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveBasic(a, x, p, p.Declaration, now)
	}, []attachmentRef{{"basic.localApproval", "R-DECL-07", x.LocalApproval}}}
}

func AttendanceSection(x declaration.Attendance) Section {
	return Section{"attendance", func(d *declaration.Declaration, a domain.Actor, _ policy.Policy, now time.Time) error {
		return d.SaveAttendance(a, x, now)
	}, nil}
}

func HostingSection(x []declaration.Organisation) Section {
	refs := make([]attachmentRef, len(x))
	for i, o := range x {
		refs[i] = attachmentRef{fmt.Sprintf("hosting[%d].background", i), "R-DECL-20", o.Background}
	}
	return Section{"hosting", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveHosting(a, x, p, now)
	}, refs}
}

func BudgetSection(x []declaration.BudgetLine) Section {
	return Section{"budget", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveBudget(a, x, p, now)
	}, nil}
}

func StatementsSection(x declaration.Statements) Section {
	return Section{"statements", func(d *declaration.Declaration, a domain.Actor, _ policy.Policy, now time.Time) error {
		return d.SaveStatements(a, x, now)
	}, nil}
}

func ContentSection(x declaration.Content) Section {
	return Section{"content", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveContent(a, x, p, now)
	}, nil}
}

func PeopleSection(x declaration.People) Section {
	return Section{"people", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SavePeople(a, x, p, now)
	}, nil}
}

func AgendaSection(x []declaration.AgendaItem) Section {
	return Section{"agenda", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveAgenda(a, x, p, now)
	}, nil}
}

func ContactsSection(x []declaration.Contact) Section {
	return Section{"contacts", func(d *declaration.Declaration, a domain.Actor, p policy.Policy, now time.Time) error {
		return d.SaveContacts(a, x, p, now)
	}, nil}
}

// SaveDeclarationSection saves one section as a draft; format errors of the
// section come back all at once, completeness waits for submit (R-DECL-15).
//
// Scope, ownership and status come first: only then are the uploads the
// section refers to looked at, their errors answered with the section's.
func (a *App) SaveDeclarationSection(ctx context.Context, actor domain.Actor, meta Meta, id uuid.UUID, s Section) (Result, error) {
	return onRecord(ctx, a, actor, meta, "SaveDeclarationSection", declarations, id, toRead, func(d *declaration.Declaration, p policy.Policy) error {
		err := s.save(d, actor, p, a.clock.Now())
		var ve *domain.ValidationError
		if err != nil && !errors.As(err, &ve) {
			return err
		}
		files := a.checkAttachments(ctx, actor, s.attachments)
		if files != nil && !errors.As(files, new(*domain.ValidationError)) {
			return files
		}
		var pr domain.Problems
		pr.Merge("", err)
		pr.Merge("", files)
		return pr.Err()
	})
}

// SubmitDeclaration sends the declaration to its unit (个人申请).
type SubmitDeclaration struct {
	DeclarationID          uuid.UUID `json:"-"`
	CommitmentAcknowledged bool      `json:"commitmentAcknowledged"`
}

// SubmitDeclaration checks every rule (R-DECL-*) and records the submission;
// an overdue summary in the policy's blocking scope refuses it (R-SUM-02).
func (a *App) SubmitDeclaration(ctx context.Context, actor domain.Actor, meta Meta, cmd SubmitDeclaration) (Result, error) {
	return onRecord(ctx, a, actor, meta, "SubmitDeclaration", declarations, cmd.DeclarationID, toRead, func(d *declaration.Declaration, p policy.Policy) error {
		overdue, err := a.blockingSummary(ctx, actor, d.Scope(), p)
		if err != nil {
			return err
		}
		return d.Submit(actor, cmd.CommitmentAcknowledged, overdue, p, p.Declaration, a.clock.Now())
	})
}
