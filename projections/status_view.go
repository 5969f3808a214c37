package projections

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// StatusViewName is the status view's stored name.
const StatusViewName = "status_view"

// StatusView says for each record its current stage, who holds it and
// since when (报批状态).
type StatusView struct{}

func (StatusView) Name() string     { return StatusViewName }
func (StatusView) Version() int     { return 6 }
func (StatusView) Tables() []string { return []string{"record_status"} }

func (StatusView) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE record_status (
    record_kind   text        NOT NULL,
    record_id     uuid        NOT NULL,
    version       bigint      NOT NULL,
    status        text        NOT NULL,
    holder_role   text,
    holder_org    uuid,
    holder_user   uuid,
    since         timestamptz NOT NULL,
    applicant_id  uuid        NOT NULL,
    unit_id       uuid        NOT NULL,
    university_id uuid        NOT NULL,
    authority_id  uuid        NOT NULL,
    at_authority  boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (record_kind, record_id)
);`)
	return err
}

func (StatusView) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	k, ok := kindOf(e.Type)
	if !ok {
		return nil
	}
	s, err := k.read(e.Type, e.Data)
	if err != nil {
		return err
	}
	id, err := recordID(e.StreamID, k.streamPrefix)
	if err != nil {
		return err
	}
	if sc := s.created; sc != nil {
		// A kind may be created again (a second change request where the
		// policy allows one): the record and its scope stay.
		_, err := tx.Exec(ctx, `INSERT INTO record_status (record_kind, record_id, version, status, since, applicant_id, unit_id, university_id, authority_id,
				at_authority)
			VALUES ($1, $2, 0, '', $3, $4, $5, $6, $7, $8) ON CONFLICT (record_kind, record_id) DO NOTHING`,
			k.name, id, e.Metadata.RecordedAt, sc.Owner, sc.Unit, sc.University, sc.Authority, sc.AtAuthority)
		if err != nil {
			return err
		}
	}
	if s.status == "" {
		return nil
	}
	h, held := k.holders[s.status]
	holderOrg, holderUser := "NULL", "NULL"
	if held {
		holderOrg = h.org
	}
	if h.applicant {
		holderUser = "applicant_id"
	}
	_, err = tx.Exec(ctx, `UPDATE record_status SET version = $3, status = $4,
			since = CASE WHEN $7 AND status = $4 THEN since ELSE $5 END,
			holder_role = NULLIF($6, ''), holder_org = `+holderOrg+`, holder_user = `+holderUser+`,
			at_authority = at_authority OR $4 = $8
		WHERE record_kind = $1 AND record_id = $2`,
		k.name, id, e.Number, s.status, e.Metadata.RecordedAt, string(h.role), s.edit, k.atAuthority)
	return err
}

// RecordStatus is the status view of one record.
type RecordStatus struct {
	Kind       string     `json:"kind"`
	ID         uuid.UUID  `json:"id"`
	Version    int64      `json:"version"`
	Status     string     `json:"status"`
	HolderRole string     `json:"holderRole,omitempty"`
	HolderOrg  *uuid.UUID `json:"holderOrgId,omitempty"`
	HolderUser *uuid.UUID `json:"holderUserId,omitempty"`
	Since      time.Time  `json:"since"`
	Final      bool       `json:"final"`
}

// recordScope reads a record's scope and status row.
func (q *Queries) recordStatus(ctx context.Context, kind string, id uuid.UUID) (RecordStatus, domain.Scope, error) {
	var st RecordStatus
	var sc domain.Scope
	var role *string
	err := q.pool.QueryRow(ctx, `SELECT version, status, holder_role, holder_org, holder_user, since,
			applicant_id, unit_id, university_id, authority_id, at_authority
		FROM rm.record_status WHERE record_kind = $1 AND record_id = $2`, kind, id).
		Scan(&st.Version, &st.Status, &role, &st.HolderOrg, &st.HolderUser, &st.Since,
			&sc.Owner, &sc.Unit, &sc.University, &sc.Authority, &sc.AtAuthority)
	if err != nil {
		return st, sc, notFound(err, kind+" "+id.String())
	}
	st.Kind, st.ID = kind, id
	if role != nil {
		st.HolderRole = *role
	}
	st.Final = st.HolderRole == ""
	return st, sc, nil
}

// ForecastStatus is the status view of one forecast the actor may see.
func (q *Queries) ForecastStatus(ctx context.Context, a domain.Actor, id uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "forecast", id)
}

// DeclarationStatus is the status view of one declaration the actor may
// see: its stage and who holds it (R-DECL-18).
func (q *Queries) DeclarationStatus(ctx context.Context, a domain.Actor, id uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "declaration", id)
}

// FundingStatus is the status view of one funding application the actor
// may see (seed 002): its stage and who holds it, the institute's
// administrators or the bureau's reviewers once submitted.
func (q *Queries) FundingStatus(ctx context.Context, a domain.Actor, id uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "funding", id)
}

// NominationStatus is the status view of a unit's nomination file (seed
// 003) if the actor may see it: its unit's contacts, the organiser's
// staff.
func (q *Queries) NominationStatus(ctx context.Context, a domain.Actor, id uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "nomination", id)
}

// DelegationStatus is the status view of a unit's delegation to a
// congress (seed 004) if the actor may see it: nominating with the unit's
// administrators, reported with the organiser's reviewers.
func (q *Queries) DelegationStatus(ctx context.Context, a domain.Actor, id uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "delegation", id)
}

// ChangeStatus is the status view of a conference's change request (kind
// "change", the declaration's id) if the actor may see it: requested with
// the school admins, or decided (R-CHG-04).
func (q *Queries) ChangeStatus(ctx context.Context, a domain.Actor, declarationID uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "change", declarationID)
}

// SummaryStatus is the status view of a conference's summary (kind
// "summary", the declaration's id) if the actor may see it (R-SUM-04).
func (q *Queries) SummaryStatus(ctx context.Context, a domain.Actor, declarationID uuid.UUID) (RecordStatus, error) {
	return q.readableStatus(ctx, a, "summary", declarationID)
}

// readableStatus is a record's status view if a may read the record, and
// not found otherwise (R-ACT-02).
func (q *Queries) readableStatus(ctx context.Context, a domain.Actor, kind string, id uuid.UUID) (RecordStatus, error) {
	st, sc, err := q.recordStatus(ctx, kind, id)
	if err != nil {
		return st, err
	}
	if !domain.Allows(a, domain.Kind(kind), domain.Read, sc) {
		return RecordStatus{}, notFound(pgx.ErrNoRows, kind+" "+id.String())
	}
	return st, nil
}
