package projections

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/eventstore"
)

// ChangeRequestsName is the change request list's stored name.
const ChangeRequestsName = "change_requests"

// ChangeRequests lists the change requests of approved conferences
// (R-CHG-01..04): one row per conference that asked, holding its latest
// request with the values before and after, the description, the
// attachment and the school's decision. The event stream keeps every
// request; this is what reviewers and applicants search.
type ChangeRequests struct{}

func (ChangeRequests) Name() string     { return ChangeRequestsName }
func (ChangeRequests) Version() int     { return 1 }
func (ChangeRequests) Tables() []string { return []string{"change_requests"} }

func (ChangeRequests) Setup(ctx context.Context, tx pgx.Tx) error {
	// id is the conference's (declaration's) id: one row per conference.
	_, err := tx.Exec(ctx, `
CREATE TABLE change_requests (
    id            uuid PRIMARY KEY,
    request_id    uuid        NOT NULL,
    seq           int         NOT NULL,
    status        text        NOT NULL,
    applicant_id  uuid        NOT NULL,
    unit_id       uuid        NOT NULL,
    university_id uuid        NOT NULL,
    authority_id  uuid        NOT NULL,
    at_authority  boolean     NOT NULL DEFAULT true, -- only approved conferences change
    name_zh       text        NOT NULL,              -- before the change
    new_name_zh   text        NOT NULL,
    description   text        NOT NULL,
    changed       text[]      NOT NULL,
    old_values    jsonb       NOT NULL,
    new_values    jsonb       NOT NULL,
    attachment    jsonb,
    warnings      jsonb       NOT NULL DEFAULT '[]',
    requested_at  timestamptz NOT NULL,
    request_by    date,
    decided_at    timestamptz,
    comment       text        NOT NULL DEFAULT '',
    reason        text        NOT NULL DEFAULT '',
    search        text        NOT NULL,
    grams         text[]      NOT NULL
);
CREATE INDEX change_requests_applicant ON change_requests (applicant_id, requested_at DESC);
CREATE INDEX change_requests_unit ON change_requests (unit_id, requested_at DESC);
CREATE INDEX change_requests_university ON change_requests (university_id, status, requested_at DESC);
CREATE INDEX change_requests_authority ON change_requests (authority_id, requested_at DESC);
CREATE INDEX change_requests_requested ON change_requests (requested_at DESC);
CREATE INDEX change_requests_search ON change_requests USING gin (search public.gin_trgm_ops);
CREATE INDEX change_requests_grams ON change_requests USING gin (grams);`)
	return err
}

func (ChangeRequests) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	if !strings.HasPrefix(e.Type, "change.") {
		return nil
	}
	id, ev, err := decodeChange(e)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case change.Requested:
		var attachment *declaration.Attachment
		if !ev.Attachment.IsZero() {
			attachment = &ev.Attachment
		}
		changed := make([]string, len(ev.Changed))
		for i, f := range ev.Changed {
			changed[i] = string(f)
		}
		search := searchText(ev.Old.NameZh, ev.New.NameZh, ev.Old.NameEn, ev.New.NameEn)
		// A later request (when the policy allows more than one) replaces
		// the row; the stream keeps the earlier ones.
		_, err = tx.Exec(ctx, `INSERT INTO change_requests (id, request_id, seq, status, applicant_id, unit_id, university_id, authority_id,
			name_zh, new_name_zh, description, changed, old_values, new_values, attachment, warnings, requested_at, request_by, search, grams)
		VALUES ($1, $2, $3, 'requested', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (id) DO UPDATE SET request_id = EXCLUDED.request_id, seq = EXCLUDED.seq, status = 'requested',
			applicant_id = EXCLUDED.applicant_id, unit_id = EXCLUDED.unit_id, university_id = EXCLUDED.university_id,
			authority_id = EXCLUDED.authority_id, name_zh = EXCLUDED.name_zh, new_name_zh = EXCLUDED.new_name_zh,
			description = EXCLUDED.description, changed = EXCLUDED.changed, old_values = EXCLUDED.old_values,
			new_values = EXCLUDED.new_values, attachment = EXCLUDED.attachment, warnings = EXCLUDED.warnings,
			requested_at = EXCLUDED.requested_at, request_by = EXCLUDED.request_by, decided_at = NULL, comment = '', reason = '',
			search = EXCLUDED.search, grams = EXCLUDED.grams`,
			id, ev.RequestID, ev.Seq, ev.ApplicantID, ev.UnitID, ev.UniversityID, ev.AuthorityID,
			ev.Old.NameZh, ev.New.NameZh, ev.Description, changed, ev.Old, ev.New, attachment, nonNil(ev.Warnings),
			ev.At, dayArg(ev.RequestBy), search, grams(search))
	case change.Approved:
		_, err = tx.Exec(ctx, `UPDATE change_requests SET status = 'approved', decided_at = $3, comment = $4
			WHERE id = $1 AND request_id = $2`, id, ev.RequestID, ev.At, ev.Comment)
	case change.Rejected:
		_, err = tx.Exec(ctx, `UPDATE change_requests SET status = 'rejected', decided_at = $3, reason = $4
			WHERE id = $1 AND request_id = $2`, id, ev.RequestID, ev.At, ev.Reason)
	}
	return err
}

// decodeChange reads a change event and the conference id in its stream
// (change-<declaration id>).
func decodeChange(e eventstore.RecordedEvent) (uuid.UUID, change.Event, error) {
	return decodeRecord(e, "change-", change.Decode)
}

// dayArg is a calendar date as a date parameter; NULL when zero.
func dayArg(d domain.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// ChangeFilter selects a page of change requests, newest first. Zero
// fields select everything.
type ChangeFilter struct {
	Statuses     []string // requested, approved, rejected
	UnitID       uuid.UUID
	UniversityID uuid.UUID
	Keyword      string // over the conference's names before and after
	Ascending    bool   // oldest first; newest first by default
	Page         int
	PageSize     int
}

// ParseChangeFilter reads a filter from query parameters (status as a
// comma-separated list, unitId, universityId, q, sort (requestedAt only),
// order (desc by default), page, pageSize),
// reporting every bad one.
func ParseChangeFilter(q url.Values) (ChangeFilter, []domain.FieldError) {
	var f ChangeFilter
	p := readParams(q, "status", "unitId", "universityId")
	f.Statuses = p.list("status", "change status (want requested, approved or rejected)", "未知的变更状态", func(s string) bool {
		return s == string(change.StatusRequested) || s == string(change.StatusApproved) || s == string(change.StatusRejected)
	})
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.UniversityID = p.uuid("universityId", "学校ID格式错误")
	f.Keyword = p.keyword()
	sort, desc := "requestedAt", true
	p.sort(map[string]string{"requestedAt": "requested_at"}, &sort, &desc)
	f.Ascending = !desc
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// ChangeRequestRow is one conference's (latest) change request in the list.
type ChangeRequestRow struct {
	DeclarationID uuid.UUID  `json:"declarationId"`
	RequestID     uuid.UUID  `json:"requestId"`
	Seq           int        `json:"seq"`    // the conference's requests counted from 1 (R-CHG-03)
	Status        string     `json:"status"` // requested, approved, rejected
	ApplicantID   uuid.UUID  `json:"applicantId"`
	UnitID        uuid.UUID  `json:"unitId"`
	UniversityID  uuid.UUID  `json:"universityId"`
	AuthorityID   uuid.UUID  `json:"authorityId"`
	NameZh        string     `json:"nameZh"`    // the conference's name when it asked
	NewNameZh     string     `json:"newNameZh"` // the name it has on approval (the same when unchanged)
	Description   string     `json:"description"`
	Changed       []string   `json:"changed"` // nameZh, nameEn, theme, type, scale, place, dates
	RequestedAt   time.Time  `json:"requestedAt"`
	RequestBy     string     `json:"requestBy"` // the last day it could be asked (R-CHG-02), YYYY-MM-DD
	DecidedAt     *time.Time `json:"decidedAt"`
	Comment       string     `json:"comment"` // the approval's comment
	Reason        string     `json:"reason"`  // the rejection's reason
}

// ChangeRequestPage is one page of change requests.
type ChangeRequestPage struct {
	Items    []ChangeRequestRow `json:"items"`
	Total    int64              `json:"total"`
	Page     int                `json:"page"`
	PageSize int                `json:"pageSize"`
}

// ChangeRequestView is a conference's latest change request with both
// sets of values (R-CHG-04: history keeps both).
type ChangeRequestView struct {
	ChangeRequestRow
	Old        change.Values           `json:"old"`
	New        change.Values           `json:"new"`
	Attachment *declaration.Attachment `json:"attachment"`
	Warnings   []domain.Warning        `json:"warnings"` // the new names' warnings (R-FC-03)
}

const changeRequestColumns = `id, request_id, seq, status, applicant_id, unit_id, university_id, authority_id,
	name_zh, new_name_zh, description, changed, requested_at, COALESCE(to_char(request_by, 'YYYY-MM-DD'), ''),
	decided_at, comment, reason`

func (r *ChangeRequestRow) scan(row pgx.Row, more ...any) error {
	return row.Scan(append([]any{&r.DeclarationID, &r.RequestID, &r.Seq, &r.Status, &r.ApplicantID, &r.UnitID, &r.UniversityID,
		&r.AuthorityID, &r.NameZh, &r.NewNameZh, &r.Description, &r.Changed, &r.RequestedAt, &r.RequestBy,
		&r.DecidedAt, &r.Comment, &r.Reason}, more...)...)
}

// ChangeRequests returns one page of the change requests the actor may
// see (R-ACT-02: an applicant their own, a unit admin their unit's, a
// school admin their university's, an authority reviewer their
// authority's, auditors and analysts all), newest first.
func (q *Queries) ChangeRequests(ctx context.Context, a domain.Actor, f ChangeFilter) (ChangeRequestPage, error) {
	var w where
	if err := scopeOf(a, domain.KindChange, recordScope, &w); err != nil {
		return ChangeRequestPage{}, err
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	if f.UniversityID != uuid.Nil {
		w.add("university_id = ?", f.UniversityID)
	}
	keyword(&w, f.Keyword)
	page := ChangeRequestPage{Page: max(f.Page, 1), PageSize: min(cmp.Or(f.PageSize, 20), 100)}
	var err error
	page.Items, page.Total, err = pageOf(ctx, q.pool, "change_requests", changeRequestColumns, &w, "requested_at", !f.Ascending, page.Page, page.PageSize,
		func(row pgx.CollectableRow) (ChangeRequestRow, error) {
			var r ChangeRequestRow
			err := r.scan(row)
			return r, err
		})
	if page.Items == nil {
		page.Items = []ChangeRequestRow{}
	}
	return page, err
}

// ChangeRequest is the change request of the conference declarationID, if
// the actor may read it (R-ACT-02); otherwise, or when the conference
// never asked for a change, it is not found.
func (q *Queries) ChangeRequest(ctx context.Context, a domain.Actor, declarationID uuid.UUID) (ChangeRequestView, error) {
	var v ChangeRequestView
	what := "change request of declaration " + declarationID.String()
	err := v.scan(q.pool.QueryRow(ctx, `SELECT `+changeRequestColumns+`, old_values, new_values, attachment, warnings
		FROM rm.change_requests WHERE id = $1`, declarationID), &v.Old, &v.New, &v.Attachment, &v.Warnings)
	if err != nil {
		return ChangeRequestView{}, notFound(err, what)
	}
	sc := domain.Scope{Owner: v.ApplicantID, Unit: v.UnitID, University: v.UniversityID, Authority: v.AuthorityID, AtAuthority: true}
	if !domain.Allows(a, domain.KindChange, domain.Read, sc) {
		return ChangeRequestView{}, notFound(pgx.ErrNoRows, what)
	}
	if v.Warnings == nil {
		v.Warnings = []domain.Warning{}
	}
	return v, nil
}

// pendingChange is a requested change kept by a declaration read model
// until the school decides: each read model owns its tables, so the
// declaration list and detail keep their own copy of the request's values.
type pendingChange struct {
	RequestID uuid.UUID     `json:"requestId"`
	Old       change.Values `json:"old"`
	New       change.Values `json:"new"`
}

// withValues is f with a conference's changeable values (R-CHG-01) set to
// v, as an approved change leaves it (R-CHG-04).
func withValues(f declaration.Form, v change.Values) declaration.Form {
	b := &f.Basic
	b.NameZh, b.NameEn, b.Type, b.Scale = v.NameZh, v.NameEn, v.Type, v.Scale.Declared
	b.Location, b.Province, b.Address, b.LocalApproval = v.Place.Location, v.Place.Province, v.Place.Address, v.Place.LocalApproval
	b.StartDate, b.EndDate = v.Dates.Start, v.Dates.End
	f.Attendance = v.Scale.Attendance
	f.Content.Theme = v.Theme
	return f
}

// applyDeclarationChange follows a conference's change request in the
// declaration read model table (declarations or declaration_details): the
// request's values wait in pending_change; on approval, set receives them
// and adds the columns to change (R-CHG-04); the history stays in the
// change stream.
func applyDeclarationChange(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, table string,
	set func(c *columns, id uuid.UUID, p pendingChange) error, update func(c columns, id uuid.UUID) error) error {
	id, ev, err := decodeChange(e)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case change.Requested:
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET change_status = 'requested', pending_change = $2 WHERE id = $1`,
			id, pendingChange{RequestID: ev.RequestID, Old: ev.Old, New: ev.New})
	case change.Rejected:
		_, err = tx.Exec(ctx, `UPDATE `+table+` SET change_status = 'rejected', pending_change = NULL WHERE id = $1`, id)
	case change.Approved:
		var p *pendingChange
		err = tx.QueryRow(ctx, `SELECT pending_change FROM `+table+` WHERE id = $1`, id).Scan(&p)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if p == nil || p.RequestID != ev.RequestID {
			return nil // not the request kept: nothing to apply
		}
		var c columns
		if err := set(&c, id, *p); err != nil {
			return err
		}
		c.set("changed", true)
		c.set("changed_at", ev.At)
		c.set("change_status", string(change.StatusApproved))
		c.set("pending_change", nil)
		err = update(c, id)
	}
	return err
}
