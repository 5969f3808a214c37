package projections

import (
	"context"
	"fmt"
	"strings"
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

// statusRow is a record_status row being folded in memory by ApplyBatch.
type statusRow struct {
	kind       string
	id         uuid.UUID
	version    int64
	status     string
	holderRole *string
	holderOrg  *uuid.UUID
	holderUser *uuid.UUID
	since      time.Time
	scope      domain.Scope
	// stored: the row was in the table before the batch (it is updated,
	// not inserted).
	stored bool
}

// step applies one event's status as Apply's UPDATE does.
func (r *statusRow) step(k *recordKind, e eventstore.RecordedEvent, s step) error {
	h, held := k.holders[s.status]
	if !(s.edit && r.status == s.status) {
		r.since = e.Metadata.RecordedAt
	}
	r.version, r.status = int64(e.Number), s.status
	r.holderRole, r.holderOrg, r.holderUser = nil, nil, nil
	if held {
		if h.role != "" {
			role := string(h.role)
			r.holderRole = &role
		}
		var org uuid.UUID
		switch h.org {
		case "unit_id":
			org = r.scope.Unit
		case "university_id":
			org = r.scope.University
		case "authority_id":
			org = r.scope.Authority
		default:
			return fmt.Errorf("status view: %s's holder in %s: no column %q", k.name, s.status, h.org)
		}
		r.holderOrg = &org
	}
	if h.applicant {
		owner := r.scope.Owner
		r.holderUser = &owner
	}
	r.scope.AtAuthority = r.scope.AtAuthority || s.status == k.atAuthority
	return nil
}

// statusKey is a record_status row's primary key.
type statusKey struct {
	kind string
	id   uuid.UUID
}

// statusColumns are a statusRow's columns, in the order of its values.
var statusColumns = []string{"record_kind", "record_id", "version", "status", "holder_role", "holder_org", "holder_user", "since",
	"applicant_id", "unit_id", "university_id", "authority_id", "at_authority"}

func (r *statusRow) values() []any {
	return []any{r.kind, r.id, r.version, r.status, r.holderRole, r.holderOrg, r.holderUser, r.since,
		r.scope.Owner, r.scope.Unit, r.scope.University, r.scope.Authority, r.scope.AtAuthority}
}

// ApplyBatch applies events as Apply would one by one, folding each
// record's events into its row in memory: it reads the rows the batch's
// records already have (one query), applies every event to them or to the
// rows the batch creates, and writes each row once, the stored ones in one
// UPDATE and the new ones by COPY (copyMin or more) or one INSERT.
func (v StatusView) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	return v.applyShared(ctx, tx, newSharedBatch(events))
}

// applyShared is ApplyBatch taking the events' steps from b.
func (StatusView) applyShared(ctx context.Context, tx pgx.Tx, b *sharedBatch) error {
	type event struct {
		k  *recordKind
		id uuid.UUID
		s  step
		e  eventstore.RecordedEvent
	}
	var evs []event
	var kinds []string
	var ids []uuid.UUID
	var keys []statusKey
	seen := map[statusKey]bool{}
	for i, e := range b.events {
		k, id, s, ok, err := b.record(i)
		if err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
		if !ok || s.created == nil && s.status == "" {
			continue
		}
		evs = append(evs, event{k, id, s, e})
		if key := (statusKey{k.name, id}); !seen[key] {
			seen[key] = true
			keys = append(keys, key)
			kinds, ids = append(kinds, k.name), append(ids, id)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	rows, err := loadStatusRows(ctx, tx, kinds, ids)
	if err != nil {
		return err
	}
	var fresh []*statusRow
	for _, v := range evs {
		key := statusKey{v.k.name, v.id}
		r := rows[key]
		if sc := v.s.created; sc != nil && r == nil {
			r = &statusRow{kind: v.k.name, id: v.id, since: v.e.Metadata.RecordedAt, scope: *sc}
			rows[key] = r
			fresh = append(fresh, r)
		}
		if r == nil || v.s.status == "" {
			continue // Apply's UPDATE finds no row, or there is none to make
		}
		if err := r.step(v.k, v.e, v.s); err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", v.e.Type, v.e.StreamID, v.e.Number, err)
		}
	}
	var stored []*statusRow
	for _, key := range keys {
		if r := rows[key]; r != nil && r.stored {
			stored = append(stored, r)
		}
	}
	if err := updateStatusRows(ctx, tx, stored); err != nil {
		return err
	}
	return insertStatusRows(ctx, tx, fresh)
}

// loadStatusRows reads the rows of the records named, those there are.
func loadStatusRows(ctx context.Context, tx pgx.Tx, kinds []string, ids []uuid.UUID) (map[statusKey]*statusRow, error) {
	rows, err := tx.Query(ctx, `SELECT r.record_kind, r.record_id, r.version, r.status, r.holder_role, r.holder_org, r.holder_user, r.since,
			r.applicant_id, r.unit_id, r.university_id, r.authority_id, r.at_authority
		FROM record_status r JOIN unnest($1::text[], $2::uuid[]) AS k(kind, id) ON r.record_kind = k.kind AND r.record_id = k.id
		WHERE r.record_id = ANY($2::uuid[])`, kinds, ids)
	if err != nil {
		return nil, err
	}
	out := map[statusKey]*statusRow{}
	var r statusRow
	_, err = pgx.ForEachRow(rows, []any{&r.kind, &r.id, &r.version, &r.status, &r.holderRole, &r.holderOrg, &r.holderUser, &r.since,
		&r.scope.Owner, &r.scope.Unit, &r.scope.University, &r.scope.Authority, &r.scope.AtAuthority}, func() error {
		row := r
		row.stored = true
		out[statusKey{row.kind, row.id}] = &row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the batch's status rows: %w", err)
	}
	return out, nil
}

// updateStatusRows writes back rows that were in the table, in one UPDATE
// (the scope never changes but for at_authority).
func updateStatusRows(ctx context.Context, tx pgx.Tx, rows []*statusRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	kinds, statuses := make([]string, n), make([]string, n)
	ids := make([]uuid.UUID, n)
	versions := make([]int64, n)
	roles := make([]*string, n)
	orgs, users := make([]*uuid.UUID, n), make([]*uuid.UUID, n)
	since := make([]time.Time, n)
	atAuthority := make([]bool, n)
	for i, r := range rows {
		kinds[i], ids[i], versions[i], statuses[i], roles[i], orgs[i], users[i], since[i], atAuthority[i] =
			r.kind, r.id, r.version, r.status, r.holderRole, r.holderOrg, r.holderUser, r.since, r.scope.AtAuthority
	}
	_, err := tx.Exec(ctx, `UPDATE record_status r SET version = v.version, status = v.status, holder_role = v.role, holder_org = v.org,
			holder_user = v.usr, since = v.since, at_authority = v.at_authority
		FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::timestamptz[], $9::boolean[])
			AS v(kind, id, version, status, role, org, usr, since, at_authority)
		WHERE r.record_kind = v.kind AND r.record_id = v.id AND r.record_id = ANY($2::uuid[])`,
		kinds, ids, versions, statuses, roles, orgs, users, since, atAuthority)
	return err
}

// insertStatusRows writes the batch's new rows: by COPY when there are
// copyMin or more, else in one INSERT.
func insertStatusRows(ctx context.Context, tx pgx.Tx, rows []*statusRow) error {
	if len(rows) == 0 {
		return nil
	}
	if len(rows) >= copyMin {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"record_status"}, statusColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			return rows[i].values(), nil
		}))
		if err != nil {
			return fmt.Errorf("copy %d new status rows, the first %s %s: %w", len(rows), rows[0].kind, rows[0].id, err)
		}
		return nil
	}
	for _, r := range rows {
		if _, err := tx.Exec(ctx, `INSERT INTO record_status (`+strings.Join(statusColumns, ", ")+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`, r.values()...); err != nil {
			return err
		}
	}
	return nil
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
