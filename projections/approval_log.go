package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/jsondiff"
)

// ApprovalLogName is the approval log's stored name.
const ApprovalLogName = "approval_log"

// ApprovalLog is the 报批日志 of every record kind (recordKinds): every
// start, section save, submission, revision, withdrawal and decision, with
// actor, role, time, comment and the status before and after; a reviewer's
// decision also names the revision it was made on (decided_on: the record
// as its events before the decision left it).
type ApprovalLog struct{}

func (ApprovalLog) Name() string     { return ApprovalLogName }
func (ApprovalLog) Version() int     { return 7 }
func (ApprovalLog) Tables() []string { return []string{"approval_log"} }

func (ApprovalLog) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE approval_log (
    record_kind   text        NOT NULL,
    record_id     uuid        NOT NULL,
    number        bigint      NOT NULL,
    event_type    text        NOT NULL,
    action        text        NOT NULL,
    action_zh     text        NOT NULL,
    actor_id      uuid,
    actor_role    text        NOT NULL,
    actor_org     uuid,
    at            timestamptz NOT NULL,
    comment       text        NOT NULL,
    status_before text        NOT NULL,
    status_after  text        NOT NULL,
    policy        text        NOT NULL,
    decided_on    bigint,
    PRIMARY KEY (record_kind, record_id, number)
);`)
	return err
}

func (ApprovalLog) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
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
	var decidedOn *int64
	if s.decision && e.Number > 1 {
		n := int64(e.Number) - 1
		decidedOn = &n
	}
	_, err = tx.Exec(ctx, `INSERT INTO approval_log (record_kind, record_id, number, event_type, action, action_zh, actor_id, actor_role, actor_org,
			at, comment, status_before, status_after, policy, decided_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
			COALESCE((SELECT status_after FROM approval_log WHERE record_kind = $1 AND record_id = $2 ORDER BY number DESC LIMIT 1), ''),
			COALESCE(NULLIF($12, ''), (SELECT status_after FROM approval_log WHERE record_kind = $1 AND record_id = $2 ORDER BY number DESC LIMIT 1), ''),
			$13, $14)`,
		k.name, id, e.Number, e.Type, s.action, s.actionZh, uuidOrNil(e.Metadata.ActorID), e.Metadata.Role, uuidOrNil(e.Metadata.OrgID),
		e.Metadata.RecordedAt, s.comment, s.status, e.Metadata.PolicyVersion, decidedOn)
	return err
}

// ApplyBatch writes the batch's entries as Apply would one by one: by
// COPY when there are copyMin or more (a rebuild's batches), else in one
// statement. An entry's status before is its record's last status after:
// known in memory from the entry before it in the batch, or else read from
// the table as it was before the batch (by lastStatuses before a COPY, by
// the statement's subquery otherwise).
func (l ApprovalLog) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	return l.applyShared(ctx, tx, newSharedBatch(events))
}

// applyShared is ApplyBatch taking the events' steps from b.
func (ApprovalLog) applyShared(ctx context.Context, tx pgx.Tx, b *sharedBatch) error {
	type record struct {
		kind string
		id   uuid.UUID
	}
	last := map[record]*string{} // nil: the table's
	var (
		kinds, types, actions, actionsZh, roles, comments, statuses, policies []string
		ids                                                                   []uuid.UUID
		numbers                                                               []int64
		actors, orgs                                                          []*uuid.UUID
		ats                                                                   []time.Time
		befores                                                               []*string
		decided                                                               []*int64
	)
	for i, e := range b.events {
		k, id, s, ok, err := b.record(i)
		if err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
		if !ok {
			continue
		}
		var decidedOn *int64
		if s.decision && e.Number > 1 {
			n := int64(e.Number) - 1
			decidedOn = &n
		}
		r := record{k.name, id}
		before := last[r]
		if s.status != "" {
			st := s.status
			last[r] = &st
		} else {
			last[r] = before
		}
		kinds, ids, numbers, types = append(kinds, k.name), append(ids, id), append(numbers, int64(e.Number)), append(types, e.Type)
		actions, actionsZh = append(actions, s.action), append(actionsZh, s.actionZh)
		actors, roles, orgs = append(actors, uuidOrNil(e.Metadata.ActorID)), append(roles, e.Metadata.Role), append(orgs, uuidOrNil(e.Metadata.OrgID))
		ats, comments, befores, statuses = append(ats, e.Metadata.RecordedAt), append(comments, s.comment), append(befores, before), append(statuses, s.status)
		policies, decided = append(policies, e.Metadata.PolicyVersion), append(decided, decidedOn)
	}
	if len(kinds) == 0 {
		return nil
	}
	if len(kinds) >= copyMin {
		if err := lastStatuses(ctx, tx, kinds, ids, befores); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"approval_log"}, approvalLogColumns, pgx.CopyFromSlice(len(kinds), func(i int) ([]any, error) {
			before := ""
			if befores[i] != nil {
				before = *befores[i]
			}
			after := statuses[i]
			if after == "" {
				after = before
			}
			return []any{kinds[i], ids[i], numbers[i], types[i], actions[i], actionsZh[i], actors[i], roles[i], orgs[i], ats[i], comments[i],
				before, after, policies[i], decided[i]}, nil
		}))
		if err != nil {
			return fmt.Errorf("copy %d approval log entries, the first %s %s#%d: %w", len(kinds), kinds[0], ids[0], numbers[0], err)
		}
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO approval_log (record_kind, record_id, number, event_type, action, action_zh, actor_id, actor_role, actor_org,
			at, comment, status_before, status_after, policy, decided_on)
		SELECT v.kind, v.id, v.number, v.type, v.action, v.action_zh, v.actor_id, v.actor_role, v.actor_org, v.at, v.comment,
			COALESCE(v.before, t.last, ''), COALESCE(NULLIF(v.status, ''), v.before, t.last, ''), v.policy, v.decided_on
		FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[], $9::uuid[],
				$10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[])
			WITH ORDINALITY AS v(kind, id, number, type, action, action_zh, actor_id, actor_role, actor_org, at, comment, before, status, policy, decided_on, ord)
		LEFT JOIN LATERAL (SELECT status_after AS last FROM approval_log l WHERE v.before IS NULL AND l.record_kind = v.kind AND l.record_id = v.id
			ORDER BY l.number DESC LIMIT 1) t ON true
		ORDER BY v.ord`,
		kinds, ids, numbers, types, actions, actionsZh, actors, roles, orgs, ats, comments, befores, statuses, policies, decided)
	return err
}

// approvalLogColumns are the columns an approval log entry is copied into.
var approvalLogColumns = []string{"record_kind", "record_id", "number", "event_type", "action", "action_zh", "actor_id", "actor_role", "actor_org",
	"at", "comment", "status_before", "status_after", "policy", "decided_on"}

// lastStatuses fills in each entry's status before that the batch did not
// know (befores[i] nil: its record's first entry in the batch, or one after
// entries that set no status) with its record's last status after in the
// table, read in one query, as the statement of a smaller batch reads it;
// a record without entries there keeps nil (no status).
func lastStatuses(ctx context.Context, tx pgx.Tx, kinds []string, ids []uuid.UUID, befores []*string) error {
	type record struct {
		kind string
		id   uuid.UUID
	}
	seen := map[record]bool{}
	var ks []string
	var rs []uuid.UUID
	for i, b := range befores {
		if r := (record{kinds[i], ids[i]}); b == nil && !seen[r] {
			seen[r] = true
			ks, rs = append(ks, r.kind), append(rs, r.id)
		}
	}
	if len(ks) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT v.kind, v.id, t.last FROM unnest($1::text[], $2::uuid[]) AS v(kind, id)
		CROSS JOIN LATERAL (SELECT status_after AS last FROM approval_log l WHERE l.record_kind = v.kind AND l.record_id = v.id
			ORDER BY l.number DESC LIMIT 1) t`, ks, rs)
	if err != nil {
		return err
	}
	last := map[record]*string{}
	var r record
	var st string
	if _, err := pgx.ForEachRow(rows, []any{&r.kind, &r.id, &st}, func() error {
		v := st
		last[r] = &v
		return nil
	}); err != nil {
		return fmt.Errorf("read the last statuses of %d records: %w", len(ks), err)
	}
	for i, b := range befores {
		if b == nil {
			befores[i] = last[record{kinds[i], ids[i]}]
		}
	}
	return nil
}

func uuidOrNil(s string) *uuid.UUID {
	id, err := uuid.Parse(s)
	if err != nil {
		return nil
	}
	return &id
}

// LogEntry is one line of the approval log.
type LogEntry struct {
	Number       int64      `json:"number"`
	EventType    string     `json:"eventType"`
	Action       string     `json:"action"`
	ActionZh     string     `json:"actionZh"`
	ActorID      *uuid.UUID `json:"actorId,omitempty"`
	ActorName    string     `json:"actorName"`
	ActorRole    string     `json:"actorRole"`
	At           time.Time  `json:"at"`
	Comment      string     `json:"comment"`
	StatusBefore string     `json:"statusBefore"`
	StatusAfter  string     `json:"statusAfter"`
	Policy       string     `json:"policyVersion"`
	// DecidedOn is, for a reviewer's decision, the revision of the record
	// it was made on; RecordURL reads the record at that revision, and
	// Changes (with ChangesSince, the revision compared with) say what
	// changed since the previous decision: the API fills those from the
	// record's stream (commands.DecisionChanges).
	DecidedOn    *int64            `json:"decidedOnRevision,omitempty"`
	RecordURL    string            `json:"recordUrl,omitempty"`
	ChangesSince *int64            `json:"changesSinceRevision,omitempty"`
	Changes      []jsondiff.Change `json:"changes,omitzero"`
}

// ApprovalLog lists a record's log, oldest first, if the actor may see it;
// kind is "forecast", "declaration", "change" or "summary". A conference's
// change and summary records carry the declaration's id, so the kind is
// what tells them apart: a log is always one (kind, id).
func (q *Queries) ApprovalLog(ctx context.Context, a domain.Actor, kind string, id uuid.UUID) ([]LogEntry, error) {
	if _, err := q.readableStatus(ctx, a, kind, id); err != nil {
		return nil, err
	}
	rows, err := q.pool.Query(ctx, `SELECT l.number, l.event_type, l.action, l.action_zh, l.actor_id, COALESCE(u.name, ''), l.actor_role,
			l.at, l.comment, l.status_before, l.status_after, l.policy, l.decided_on
		FROM rm.approval_log l LEFT JOIN rm.users u ON u.id = l.actor_id
		WHERE l.record_kind = $1 AND l.record_id = $2 ORDER BY l.number`, kind, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (LogEntry, error) {
		var e LogEntry
		err := row.Scan(&e.Number, &e.EventType, &e.Action, &e.ActionZh, &e.ActorID, &e.ActorName, &e.ActorRole,
			&e.At, &e.Comment, &e.StatusBefore, &e.StatusAfter, &e.Policy, &e.DecidedOn)
		return e, err
	})
}
