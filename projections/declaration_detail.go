package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/eventstore"
)

// DeclarationDetailName is the declaration detail's stored name.
const DeclarationDetailName = "declaration_detail"

// DeclarationDetail keeps each declaration's current form with its totals
// (R-DECL-18 detail view): budget sums by source, people by group, agenda
// and contacts, and what the last submission computed.
type DeclarationDetail struct{}

func (DeclarationDetail) Name() string     { return DeclarationDetailName }
func (DeclarationDetail) Version() int     { return 2 }
func (DeclarationDetail) Tables() []string { return []string{"declaration_details"} }

func (DeclarationDetail) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE declaration_details (
    id            uuid PRIMARY KEY,
    version       bigint      NOT NULL,
    status        text        NOT NULL,
    applicant_id  uuid        NOT NULL,
    unit_id       uuid        NOT NULL,
    university_id uuid        NOT NULL,
    authority_id  uuid        NOT NULL,
    at_authority  boolean     NOT NULL DEFAULT false,
    forecast_id   uuid,
    form          jsonb       NOT NULL,
    budget_fen    bigint      NOT NULL,
    totals        jsonb       NOT NULL,
    lead          jsonb,
    warnings      jsonb       NOT NULL DEFAULT '[]',
    rejection     jsonb,
    submitted_at  timestamptz,
    updated_at    timestamptz NOT NULL,
    -- R-CHG-04: an approved change's values are in form, the values
    -- before it in original; a requested change waits in pending_change.
    changed        boolean     NOT NULL DEFAULT false,
    changed_at     timestamptz,
    change_status  text        NOT NULL DEFAULT '',
    pending_change jsonb,
    original       jsonb
);`)
	return err
}

func (DeclarationDetail) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	if strings.HasPrefix(e.Type, "change.") {
		return applyDeclarationChange(ctx, tx, e, "declaration_details", func(c *columns, id uuid.UUID, p pendingChange) error {
			var f declaration.Form
			if err := tx.QueryRow(ctx, `SELECT form FROM declaration_details WHERE id = $1`, id).Scan(&f); err != nil {
				return fmt.Errorf("read form of declaration %s: %w", id, err)
			}
			setForm(c, withValues(f, p.New))
			c.set("original", p.Old)
			return nil
		}, func(c columns, id uuid.UUID) error {
			_, err := tx.Exec(ctx, c.update("declaration_details", "id = $1", 1), append([]any{id}, c.values...)...)
			return err
		})
	}
	if !strings.HasPrefix(e.Type, "declaration.") {
		return nil
	}
	id, ev, err := decodeDeclaration(e)
	if err != nil {
		return err
	}
	var c columns
	c.set("version", e.Number)
	c.set("status", string(declarationStatusAfter(ev)))
	c.set("updated_at", e.Metadata.RecordedAt)
	switch ev := ev.(type) {
	case declaration.Started:
		var forecastID *uuid.UUID
		if ev.ForecastID != uuid.Nil {
			forecastID = &ev.ForecastID
		}
		for _, kv := range []struct {
			col string
			v   any
		}{
			{"id", id}, {"applicant_id", ev.ApplicantID}, {"unit_id", ev.UnitID}, {"university_id", ev.UniversityID},
			{"authority_id", ev.AuthorityID}, {"forecast_id", forecastID},
		} {
			c.set(kv.col, kv.v)
		}
		setForm(&c, ev.Form)
		_, err := tx.Exec(ctx, c.insert("declaration_details"), c.values...)
		return err
	case declaration.Submitted:
		c.set("lead", ev.Lead)
		c.set("warnings", nonNil(ev.Warnings))
		c.set("submitted_at", e.Metadata.RecordedAt)
	case declaration.Rejected:
		c.set("rejection", ev)
	case declaration.ApprovedAtSchool:
		c.set("at_authority", true)
	case declaration.BasicSaved:
		c.set("warnings", nonNil(ev.Warnings))
	}
	if strings.HasSuffix(e.Type, "_saved") { // a section save
		var f declaration.Form
		if err := tx.QueryRow(ctx, `SELECT form FROM declaration_details WHERE id = $1`, id).Scan(&f); err != nil {
			return fmt.Errorf("read form of declaration %s: %w", id, err)
		}
		setForm(&c, saved(f, ev))
	}
	_, err = tx.Exec(ctx, c.update("declaration_details", "id = $1", 1), append([]any{id}, c.values...)...)
	return err
}

// saved is f after a section save. The aggregate's fold replaces the
// section, so the read model cannot drift from the domain.
func saved(f declaration.Form, ev declaration.Event) declaration.Form {
	d := declaration.New(uuid.Nil)
	d.Apply(declaration.Started{Form: f})
	d.Apply(ev)
	return d.Form()
}

func setForm(c *columns, f declaration.Form) {
	t := totalsOf(f)
	c.set("form", f)
	c.set("budget_fen", t.Budget.TotalFen)
	c.set("totals", t)
}

// FormTotals are what the detail view sums up from the form.
type FormTotals struct {
	Budget      BudgetTotals `json:"budget"`
	People      PeopleCounts `json:"people"`
	AgendaItems int          `json:"agendaItems"`
	Contacts    int          `json:"contacts"`
}

// BudgetTotals sums the budget lines exactly, in fen (R-DECL-10). Blank
// (draft) amounts count as 0.
type BudgetTotals struct {
	TotalFen    int64                        `json:"totalFen"`
	Total       string                       `json:"total"` // yuan with two decimals
	BySourceFen map[declaration.Source]int64 `json:"bySourceFen"`
}

// PeopleCounts counts the key people by group (R-DECL-13).
type PeopleCounts struct {
	Chairs        int `json:"chairs"`
	ViceChairs    int `json:"viceChairs"`
	Foreign       int `json:"foreign"`
	Mainland      int `json:"mainland"`
	HKMacaoTaiwan int `json:"hkMacaoTaiwan"`
	Total         int `json:"total"`
}

func totalsOf(f declaration.Form) FormTotals {
	b := BudgetTotals{BySourceFen: map[declaration.Source]int64{}}
	for _, l := range f.Budget {
		fen := declaration.FenOf(l.Amount)
		b.TotalFen += fen
		b.BySourceFen[l.Source] += fen
	}
	b.Total = declaration.FormatFen(b.TotalFen)
	p := f.People
	people := PeopleCounts{Chairs: len(p.Chairs), ViceChairs: len(p.ViceChairs), Foreign: len(p.Foreign),
		Mainland: len(p.Mainland), HKMacaoTaiwan: len(p.HKMacaoTaiwan)}
	people.Total = people.Chairs + people.ViceChairs + people.Foreign + people.Mainland + people.HKMacaoTaiwan
	return FormTotals{Budget: b, People: people, AgendaItems: len(f.Agenda), Contacts: len(f.Contacts)}
}

// DeclarationView is one declaration's detail.
type DeclarationView struct {
	ID          uuid.UUID             `json:"id"`
	Version     int64                 `json:"version"`
	Status      string                `json:"status"`
	ForecastID  *uuid.UUID            `json:"forecastId"`
	Direct      bool                  `json:"direct"`
	Form        declaration.Form      `json:"form"`
	Totals      FormTotals            `json:"totals"`
	Lead        *declaration.Lead     `json:"lead"`      // of the last submission
	Warnings    []domain.Warning      `json:"warnings"`  // of the last save of the names or submission
	Rejection   *declaration.Rejected `json:"rejection"` // the last, kept after edits
	SubmittedAt *time.Time            `json:"submittedAt"`
	UpdatedAt   time.Time             `json:"updatedAt"`
	// Changed says Form holds the values of an approved change (R-CHG-04),
	// approved at ChangedAt; Original are the values before it (nil when
	// unchanged). ChangeStatus is where the change request stands ("",
	// requested, approved, rejected).
	Changed      bool           `json:"changed"`
	ChangedAt    *time.Time     `json:"changedAt"`
	ChangeStatus string         `json:"changeStatus"`
	Original     *change.Values `json:"original"`
}

// DeclarationDetail is one declaration with its form and totals, if the
// actor may read it (R-ACT-02); otherwise it is not found.
func (q *Queries) DeclarationDetail(ctx context.Context, a domain.Actor, id uuid.UUID) (DeclarationView, error) {
	var v DeclarationView
	var sc domain.Scope
	err := q.pool.QueryRow(ctx, `SELECT id, version, status, forecast_id, form, totals, lead, warnings, rejection, submitted_at, updated_at,
			changed, changed_at, change_status, original, applicant_id, unit_id, university_id, authority_id, at_authority
		FROM rm.declaration_details WHERE id = $1`, id).
		Scan(&v.ID, &v.Version, &v.Status, &v.ForecastID, &v.Form, &v.Totals, &v.Lead, &v.Warnings, &v.Rejection, &v.SubmittedAt, &v.UpdatedAt,
			&v.Changed, &v.ChangedAt, &v.ChangeStatus, &v.Original, &sc.Owner, &sc.Unit, &sc.University, &sc.Authority, &sc.AtAuthority)
	if err != nil {
		return DeclarationView{}, notFound(err, "declaration "+id.String())
	}
	if !domain.Allows(a, domain.KindDeclaration, domain.Read, sc) {
		return DeclarationView{}, notFound(pgx.ErrNoRows, "declaration "+id.String())
	}
	v.Direct = v.ForecastID == nil
	return v, nil
}

// CanReadFile reports whether a may download an upload that some
// declaration's form refers to through a typed attachment field
// (declaration.Form.Attachments: basic.localApproval and
// hosting[].background): whoever may read such a declaration may. The
// match is by JSON containment on those fields, never by the id appearing
// somewhere in the form's text, which an applicant could write into free
// text to reach another's upload.
//
// Whether a may read such a declaration is the scope model's SQL filter
// (domain.FilterFor), the same one the declaration lists apply.
func (q *Queries) CanReadFile(ctx context.Context, a domain.Actor, fileID uuid.UUID) (bool, error) {
	w := &where{}
	w.add(`(form @> jsonb_build_object('basic', jsonb_build_object('localApproval', jsonb_build_object('id', ?::text)))
		OR form @> jsonb_build_object('hosting', jsonb_build_array(jsonb_build_object('background', jsonb_build_object('id', ?::text)))))`,
		fileID.String(), fileID.String())
	if err := scopeOf(a, domain.KindDeclaration, recordScope, w); err != nil {
		return false, err
	}
	var ok bool
	err := q.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM rm.declaration_details WHERE `+w.String()+`)`, w.args...).Scan(&ok)
	return ok, err
}
