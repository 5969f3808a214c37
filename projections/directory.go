package projections

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/eventstore"
)

// DirectoryName is the directory's stored name.
const DirectoryName = "directory"

// Directory lists organisations and accounts for administrators, for the
// organisation pickers, and for putting names to actors in logs.
type Directory struct{}

func (Directory) Name() string { return DirectoryName }
func (Directory) Version() int { return 3 }
func (Directory) Tables() []string {
	return []string{"organisations", "users", "congresses", "nomination_cycles"}
}

func (Directory) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE organisations (
    id            uuid PRIMARY KEY,
    kind          text        NOT NULL,
    name_zh       text        NOT NULL,
    name_en       text        NOT NULL,
    parent_id     uuid,
    email_domains text[]      NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE TABLE users (
    id           uuid PRIMARY KEY,
    email        text        NOT NULL,
    name         text        NOT NULL,
    role         text        NOT NULL,
    org_id       uuid        NOT NULL,
    mobile       text        NOT NULL,
    staff_no     text        NOT NULL,
    office_phone text        NOT NULL DEFAULT '',
    title        text        NOT NULL DEFAULT '',
    remarks      text        NOT NULL DEFAULT '',
    active       boolean     NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE INDEX users_org ON users (org_id);
CREATE TABLE congresses (
    id             uuid PRIMARY KEY,
    organiser_id   uuid        NOT NULL,
    name           text        NOT NULL,
    reference_date date        NOT NULL,
    unit_ids       uuid[]      NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL
);
CREATE INDEX congresses_organiser ON congresses (organiser_id);
CREATE INDEX congresses_units ON congresses USING gin (unit_ids);
CREATE TABLE nomination_cycles (
    id           uuid PRIMARY KEY,
    organiser_id uuid        NOT NULL,
    year         integer     NOT NULL,
    created_at   timestamptz NOT NULL
);
CREATE INDEX nomination_cycles_organiser ON nomination_cycles (organiser_id);`)
	return err
}

func (Directory) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	at := e.Metadata.RecordedAt
	switch {
	case strings.HasPrefix(e.Type, "org."):
		id, ev, err := decodeRecord(e, "org-", org.Decode)
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case org.Created:
			var parent *uuid.UUID
			if ev.ParentID != uuid.Nil {
				parent = &ev.ParentID
			}
			_, err = tx.Exec(ctx, `INSERT INTO organisations (id, kind, name_zh, name_en, parent_id, email_domains, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, string(ev.Kind), ev.NameZh, ev.NameEn, parent, nonNil(ev.EmailDomains), at)
		case org.Renamed:
			_, err = tx.Exec(ctx, `UPDATE organisations SET name_zh = $2, name_en = $3 WHERE id = $1`, id, ev.NameZh, ev.NameEn)
		case org.EmailDomainsSet:
			_, err = tx.Exec(ctx, `UPDATE organisations SET email_domains = $2 WHERE id = $1`, id, nonNil(ev.EmailDomains))
		}
		return err
	case strings.HasPrefix(e.Type, "congress."):
		id, ev, err := decodeRecord(e, "congress-", congress.Decode)
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case congress.Created:
			_, err = tx.Exec(ctx, `INSERT INTO congresses (id, organiser_id, name, reference_date, created_at) VALUES ($1, $2, $3, $4, $5)`,
				id, ev.Organiser, ev.Name, ev.ReferenceDate.String(), at)
		case congress.UnitInvited:
			_, err = tx.Exec(ctx, `UPDATE congresses SET unit_ids = array_append(unit_ids, $2) WHERE id = $1 AND NOT $2 = ANY(unit_ids)`, id, ev.Unit)
		}
		return err
	case e.Type == nomination.EventCycleOpened:
		// Only the opening: the cycle's data is read from its stream.
		id, ev, err := decodeRecord(e, "nomination_cycle-", nomination.Decode)
		if err != nil {
			return err
		}
		if o, ok := ev.(nomination.CycleOpened); ok {
			_, err = tx.Exec(ctx, `INSERT INTO nomination_cycles (id, organiser_id, year, created_at) VALUES ($1, $2, $3, $4)`,
				id, o.Organiser, o.Spec.Year, at)
		}
		return err
	case strings.HasPrefix(e.Type, "user."):
		id, ev, err := decodeRecord(e, "user-", account.Decode)
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case account.Created:
			// A pending account (opened by a single sign-on) is not active
			// until its unit's admin confirms it.
			_, err = tx.Exec(ctx, `INSERT INTO users (id, email, name, role, org_id, mobile, staff_no, active, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`, id, ev.Email, ev.Name, string(ev.Role), ev.OrgID, ev.Mobile, ev.StaffNo, !ev.Pending, at)
		case account.Confirmed:
			_, err = tx.Exec(ctx, `UPDATE users SET active = true, updated_at = $2 WHERE id = $1`, id, at)
		case account.RoleChanged:
			_, err = tx.Exec(ctx, `UPDATE users SET role = $2, org_id = $3, updated_at = $4 WHERE id = $1`, id, string(ev.Role), ev.OrgID, at)
		case account.Deactivated:
			_, err = tx.Exec(ctx, `UPDATE users SET active = false, updated_at = $2 WHERE id = $1`, id, at)
		case account.Reactivated:
			_, err = tx.Exec(ctx, `UPDATE users SET active = true, updated_at = $2 WHERE id = $1`, id, at)
		case account.ProfileUpdated:
			_, err = tx.Exec(ctx, `UPDATE users SET name = $2, mobile = $3, office_phone = $4, title = $5, remarks = $6, updated_at = $7 WHERE id = $1`,
				id, ev.Name, ev.Mobile, ev.OfficePhone, ev.Title, ev.Remarks, at)
		}
		return err
	}
	return nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// OrganisationRow is one organisation.
type OrganisationRow struct {
	ID           uuid.UUID  `json:"id"`
	Kind         string     `json:"kind"`
	NameZh       string     `json:"nameZh"`
	NameEn       string     `json:"nameEn"`
	ParentID     *uuid.UUID `json:"parentId,omitempty"`
	EmailDomains []string   `json:"emailDomains"`
}

// Organisations lists the whole tree, roots (authorities, bureaus) first,
// then universities and academies, then units and institutes.
func (q *Queries) Organisations(ctx context.Context) ([]OrganisationRow, error) {
	rows, err := q.pool.Query(ctx, `SELECT id, kind, name_zh, name_en, parent_id, email_domains FROM rm.organisations
		ORDER BY CASE WHEN kind IN ('authority', 'bureau') THEN 0 WHEN kind IN ('university', 'academy') THEN 1 ELSE 2 END, name_zh, id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[OrganisationRow])
}

// UserRow is one account as administrators see it.
type UserRow struct {
	ID        uuid.UUID `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	OrgID     uuid.UUID `json:"orgId"`
	Mobile    string    `json:"mobile"`
	StaffNo   string    `json:"staffNo"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
}

// StaffAccounts are the accounts of a university (its own or its units')
// holding staff number staffNo: the single sign-on maps a provider's staff
// number through it.
func (q *Queries) StaffAccounts(ctx context.Context, universityID uuid.UUID, staffNo string) ([]uuid.UUID, error) {
	rows, err := q.pool.Query(ctx, `SELECT u.id FROM rm.users u JOIN rm.organisations o ON o.id = u.org_id
		WHERE u.staff_no = $2 AND $2 <> '' AND (o.id = $1 OR o.parent_id = $1) ORDER BY u.id`, universityID, strings.TrimSpace(staffNo))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// Users lists accounts, of one organisation when org is set, matching a
// keyword over name and email when one is given.
func (q *Queries) Users(ctx context.Context, orgID uuid.UUID, kw string) ([]UserRow, error) {
	var w where
	if orgID != uuid.Nil {
		w.add("org_id = ?", orgID)
	}
	if kw != "" {
		w.add("(lower(name) LIKE ? OR email LIKE ?)", likePattern(kw), likePattern(kw))
	}
	rows, err := q.pool.Query(ctx, `SELECT id, email, name, role, org_id, mobile, staff_no, active, created_at FROM rm.users
		WHERE `+w.String()+` ORDER BY created_at, id LIMIT 1000`, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[UserRow])
}

// CongressRow is one congress (换届活动) in the list of those an actor may
// open.
type CongressRow struct {
	ID            uuid.UUID `json:"id"`
	OrganiserID   uuid.UUID `json:"organiserId"`
	Name          string    `json:"name"`
	ReferenceDate string    `json:"referenceDate"`
	CreatedAt     time.Time `json:"createdAt"`
}

// Congresses lists the congresses actor may open, newest first: its
// organiser's reviewers theirs, auditors and analysts every one (the
// congress's grants, domain.Access), an electing unit's administrators
// those their unit is invited to (R-DEL-01).
func (q *Queries) Congresses(ctx context.Context, actor domain.Actor) ([]CongressRow, error) {
	var w where
	f := domain.FilterFor(actor, domain.KindCongress, domain.Read)
	switch {
	case f.Place == domain.Everywhere:
	case f.Place == domain.OwnAuthority:
		w.add("organiser_id = ?", f.ID)
	case (actor.Role == domain.RoleUnitAdmin || actor.Role == domain.RoleSchoolAdmin) && actor.OrgID != uuid.Nil:
		w.add("unit_ids @> ARRAY[?]::uuid[]", actor.OrgID)
	default:
		return []CongressRow{}, nil
	}
	rows, err := q.pool.Query(ctx, `SELECT id, organiser_id, name, to_char(reference_date, 'YYYY-MM-DD'), created_at FROM rm.congresses
		WHERE `+w.String()+` ORDER BY created_at DESC, id LIMIT 1000`, w.args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[CongressRow])
}

// NominationCycleIDs are the ids of the nomination cycles (seed 003)
// organised by organiser (every organiser's for uuid.Nil), the newest
// first: the index the cycles list reads each cycle's stream from.
func (q *Queries) NominationCycleIDs(ctx context.Context, organiser uuid.UUID) ([]uuid.UUID, error) {
	var arg *uuid.UUID
	if organiser != uuid.Nil {
		arg = &organiser
	}
	rows, err := q.pool.Query(ctx, `SELECT id FROM rm.nomination_cycles
		WHERE ($1::uuid IS NULL OR organiser_id = $1) ORDER BY year DESC, created_at DESC, id LIMIT 1000`, arg)
	if err != nil {
		return nil, fmt.Errorf("nomination cycles: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}

// RecommendingUnits are the ids of the recommending units registered
// under association (every association's when it is uuid.Nil), by their
// Chinese names: whose nomination files the organiser lists (seed 003).
func (q *Queries) RecommendingUnits(ctx context.Context, association uuid.UUID) ([]uuid.UUID, error) {
	var arg *uuid.UUID
	if association != uuid.Nil {
		arg = &association
	}
	rows, err := q.pool.Query(ctx, `SELECT id FROM rm.organisations
		WHERE kind IN ('national_society', 'society_union', 'provincial_association', 'university_association')
		AND ($1::uuid IS NULL OR parent_id = $1) ORDER BY name_zh, id`, arg)
	if err != nil {
		return nil, fmt.Errorf("recommending units: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}
