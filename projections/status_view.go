package projections

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// StatusViewName is the status view's stored name.
const StatusViewName = "status_view"

// StatusView says for each record its current stage, who holds it and
// since when (报批状态).
type StatusView struct{}

func (StatusView) Name() string     { return StatusViewName }
func (StatusView) Version() int     { return 1 }
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
	if !strings.HasPrefix(e.Type, "forecast.") {
		return nil
	}
	ev, err := forecast.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	id, err := recordID(e.StreamID, "forecast-")
	if err != nil {
		return err
	}
	if s, ok := ev.(forecast.Submitted); ok {
		_, err := tx.Exec(ctx, `INSERT INTO record_status (record_kind, record_id, version, status, since, applicant_id, unit_id, university_id, authority_id)
			VALUES ('forecast', $1, 0, '', $2, $3, $4, $5, $6)`, id, e.Metadata.RecordedAt, s.ApplicantID, s.UnitID, s.UniversityID, s.AuthorityID)
		if err != nil {
			return err
		}
	}
	status, ok := statusAfter(ev)
	if !ok {
		return nil
	}
	var role domain.Role
	holderOrg := "NULL"
	holderUser := "NULL"
	switch status {
	case forecast.StatusSubmitted:
		role, holderOrg = domain.RoleUnitAdmin, "unit_id"
	case forecast.StatusUnitApproved:
		role, holderOrg = domain.RoleSchoolAdmin, "university_id"
	case forecast.StatusSchoolApproved:
		role, holderOrg = domain.RoleAuthorityReviewer, "authority_id"
	case forecast.StatusRejected:
		role, holderOrg, holderUser = domain.RoleApplicant, "unit_id", "applicant_id"
	}
	_, err = tx.Exec(ctx, `UPDATE record_status SET version = $2, status = $3, since = $4,
			holder_role = NULLIF($5, ''), holder_org = `+holderOrg+`, holder_user = `+holderUser+`,
			at_authority = at_authority OR $3 = 'school_approved'
		WHERE record_kind = 'forecast' AND record_id = $1`, id, e.Number, string(status), e.Metadata.RecordedAt, string(role))
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
	st, sc, err := q.recordStatus(ctx, "forecast", id)
	if err != nil {
		return st, err
	}
	if !domain.CanRead(a, sc) {
		return RecordStatus{}, notFound(pgx.ErrNoRows, "forecast "+id.String())
	}
	return st, nil
}
