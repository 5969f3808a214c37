package projections

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
)

// ReviewTimesName is the review times' stored name.
const ReviewTimesName = "review_times"

// ReviewTimes is the service level of every review level (issue 17 part
// 10): one row per decision a reviewing level took on a record, with how
// long the record waited at that level (from entering the status the level
// decides in to the decision) and since its submission, in the record's
// scope. review_records follows each record's status to know when it
// entered it.
type ReviewTimes struct{}

func (ReviewTimes) Name() string     { return ReviewTimesName }
func (ReviewTimes) Version() int     { return 1 }
func (ReviewTimes) Tables() []string { return []string{"review_records", "review_times"} }

func (ReviewTimes) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE review_records (
    record_kind   text        NOT NULL,
    record_id     uuid        NOT NULL,
    status        text        NOT NULL,
    level         text,
    since         timestamptz NOT NULL,
    submitted_at  timestamptz,
    applicant_id  uuid        NOT NULL,
    unit_id       uuid        NOT NULL,
    university_id uuid        NOT NULL,
    authority_id  uuid        NOT NULL,
    at_authority  boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (record_kind, record_id)
);
CREATE TABLE review_times (
    record_kind      text             NOT NULL,
    record_id        uuid             NOT NULL,
    number           bigint           NOT NULL,
    level            text             NOT NULL,
    decision         text             NOT NULL,
    status_before    text             NOT NULL,
    status_after     text             NOT NULL,
    actor_id         uuid,
    entered_at       timestamptz      NOT NULL,
    decided_at       timestamptz      NOT NULL,
    submitted_at     timestamptz,
    hours            double precision NOT NULL,
    hours_since_submission double precision,
    applicant_id     uuid             NOT NULL,
    unit_id          uuid             NOT NULL,
    university_id    uuid             NOT NULL,
    authority_id     uuid             NOT NULL,
    at_authority     boolean          NOT NULL,
    PRIMARY KEY (record_kind, record_id, number)
);
CREATE INDEX review_times_unit ON review_times (record_kind, unit_id, level);`)
	return err
}

// reviewLevels is who decides in each status of each kind: the level
// (unit, school, authority, bureau), or applicant where the owner holds it.
var reviewLevels = map[string]map[procedure.State]procedure.Level{
	forecast.Flow.Name: forecast.Flow.Holders(), declaration.Flow.Name: declaration.Flow.Holders(),
	change.Flow.Name: change.Flow.Holders(), summary.Flow.Name: summary.Flow.Holders(), funding.Flow.Name: funding.Flow.Holders(),
}

func (ReviewTimes) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
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
	at := e.Metadata.RecordedAt
	if sc := s.created; sc != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO review_records (record_kind, record_id, status, since, applicant_id, unit_id, university_id, authority_id, at_authority)
			VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8) ON CONFLICT (record_kind, record_id) DO NOTHING`,
			k.name, id, at, sc.Owner, sc.Unit, sc.University, sc.Authority, sc.AtAuthority); err != nil {
			return err
		}
	}
	if s.status == "" {
		return nil
	}
	var before string
	var level *string
	var since time.Time
	var submitted *time.Time
	err = tx.QueryRow(ctx, `SELECT status, level, since, submitted_at FROM review_records WHERE record_kind = $1 AND record_id = $2`, k.name, id).
		Scan(&before, &level, &since, &submitted)
	if err != nil {
		return fmt.Errorf("review times of %s %s: %w", k.name, id, err)
	}
	if s.status == before {
		return nil // a draft saved again, an upload: the record stays where it was
	}
	levels := reviewLevels[k.name]
	after := levels[procedure.State(s.status)]
	// A reviewing level decided: the record leaves a status that level
	// holds, by the hand of that level's role.
	if level != nil && *level != string(procedure.Applicant) {
		if role, ok := procedure.Level(*level).Role(); ok && string(role) == e.Metadata.Role {
			var sinceSubmission *float64
			if submitted != nil {
				h := at.Sub(*submitted).Hours()
				sinceSubmission = &h
			}
			if _, err := tx.Exec(ctx, `INSERT INTO review_times (record_kind, record_id, number, level, decision, status_before, status_after, actor_id,
					entered_at, decided_at, submitted_at, hours, hours_since_submission, applicant_id, unit_id, university_id, authority_id, at_authority)
				SELECT record_kind, record_id, $3, $4, $5, $6, $7, $8, $9, $10, submitted_at, $11, $12, applicant_id, unit_id, university_id, authority_id,
					at_authority OR $7 = $13
				FROM review_records WHERE record_kind = $1 AND record_id = $2
				ON CONFLICT (record_kind, record_id, number) DO NOTHING`,
				k.name, id, e.Number, *level, s.action, before, s.status, uuidOrNil(e.Metadata.ActorID), since, at, at.Sub(since).Hours(),
				sinceSubmission, k.atAuthority); err != nil {
				return err
			}
		}
	}
	// A submission: the owner hands the record to a reviewing level.
	submit := (level == nil || *level == string(procedure.Applicant)) && after != "" && after != procedure.Applicant
	var newLevel *string
	if after != "" {
		l := string(after)
		newLevel = &l
	}
	_, err = tx.Exec(ctx, `UPDATE review_records SET status = $3, level = $4, since = $5,
			submitted_at = CASE WHEN $6 THEN $5 ELSE submitted_at END, at_authority = at_authority OR $3 = $7
		WHERE record_kind = $1 AND record_id = $2`, k.name, id, s.status, newLevel, at, submit, k.atAuthority)
	if err != nil {
		return err
	}
	if s.status == k.atAuthority {
		_, err = tx.Exec(ctx, `UPDATE review_times SET at_authority = true WHERE record_kind = $1 AND record_id = $2 AND NOT at_authority`, k.name, id)
	}
	return err
}

// QueryIndexes: Apply finds its rows by primary key; review_times_unit
// serves the service level query only, and a rebuild builds it after the
// fill.
func (ReviewTimes) QueryIndexes() []string { return []string{"review_times_unit"} }

// reviewKey is a record of review_records.
type reviewKey struct {
	kind string
	id   uuid.UUID
}

// reviewRecord is a review_records row in memory, as ApplyBatch folds the
// batch's events into it. Its times are as the table holds them (whole
// microseconds), so that the hours computed from them are Apply's.
type reviewRecord struct {
	status                                 string
	level                                  *string
	since                                  time.Time
	submittedAt                            *time.Time
	applicant, unit, university, authority uuid.UUID
	atAuthority                            bool
	// stored: the row was in the table before the batch; dirty: the
	// batch changed it.
	stored, dirty bool
}

// reviewTime is a review_times row made in memory.
type reviewTime struct {
	key                         reviewKey
	number                      int64
	level, decision             string
	before, after               string
	actor                       *uuid.UUID
	entered, decided            time.Time
	submitted                   *time.Time
	hours                       float64
	sinceSubmission             *float64
	applicant, unit, university uuid.UUID
	authority                   uuid.UUID
	atAuthority                 bool
}

var reviewRecordColumns = []string{"record_kind", "record_id", "status", "level", "since", "submitted_at", "applicant_id", "unit_id",
	"university_id", "authority_id", "at_authority"}

var reviewTimeColumns = []string{"record_kind", "record_id", "number", "level", "decision", "status_before", "status_after", "actor_id",
	"entered_at", "decided_at", "submitted_at", "hours", "hours_since_submission", "applicant_id", "unit_id", "university_id",
	"authority_id", "at_authority"}

// microseconds is t as PostgreSQL stores it (pgx drops the nanoseconds).
func microseconds(t time.Time) time.Time { return t.Truncate(time.Microsecond) }

// ApplyBatch applies events as Apply would one by one, with the records
// they follow read from review_records once for the whole batch (one
// statement) and folded in memory: a batch's decisions and status changes
// are then written together, new rows by COPY, rather than a read and two
// writes per event (a read per event also sent the queued writes each
// time: a round trip per event).
func (r ReviewTimes) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	return r.applyShared(ctx, tx, newSharedBatch(events))
}

// applyShared is ApplyBatch taking the events' steps from b.
func (ReviewTimes) applyShared(ctx context.Context, tx pgx.Tx, b *sharedBatch) error {
	type decoded struct {
		e   eventstore.RecordedEvent
		k   *recordKind
		s   step
		key reviewKey
	}
	ds := make([]decoded, 0, len(b.events))
	keys := map[reviewKey]bool{}
	for i, e := range b.events {
		k, id, s, ok, err := b.record(i)
		if err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
		if !ok {
			continue
		}
		key := reviewKey{k.name, id}
		ds, keys[key] = append(ds, decoded{e, k, s, key}), true
	}
	if len(ds) == 0 {
		return nil
	}
	records, err := loadReviewRecords(ctx, tx, keys)
	if err != nil {
		return err
	}
	var (
		order     []reviewKey // records to write, in the order the batch first changed them
		times     []*reviewTime
		timesOf   = map[reviewKey][]*reviewTime{}
		authority []reviewKey // stored records whose stored times reach the authority
	)
	dirty := func(key reviewKey, r *reviewRecord) {
		if !r.dirty {
			r.dirty = true
			order = append(order, key)
		}
	}
	for _, d := range ds {
		e, k, s, key := d.e, d.k, d.s, d.key
		at := e.Metadata.RecordedAt
		r := records[key]
		if sc := s.created; sc != nil && r == nil {
			r = &reviewRecord{since: microseconds(at), applicant: sc.Owner, unit: sc.Unit, university: sc.University,
				authority: sc.Authority, atAuthority: sc.AtAuthority}
			records[key] = r
			dirty(key, r)
		}
		if s.status == "" {
			continue
		}
		if r == nil {
			return fmt.Errorf("apply %s %s#%d: review times of %s %s: %w", e.Type, e.StreamID, e.Number, k.name, key.id, pgx.ErrNoRows)
		}
		if s.status == r.status {
			continue
		}
		after := reviewLevels[k.name][procedure.State(s.status)]
		if r.level != nil && *r.level != string(procedure.Applicant) {
			if role, ok := procedure.Level(*r.level).Role(); ok && string(role) == e.Metadata.Role && !hasTime(timesOf[key], int64(e.Number)) {
				t := &reviewTime{key: key, number: int64(e.Number), level: *r.level, decision: s.action, before: r.status, after: s.status,
					actor: uuidOrNil(e.Metadata.ActorID), entered: r.since, decided: at, submitted: r.submittedAt, hours: at.Sub(r.since).Hours(),
					applicant: r.applicant, unit: r.unit, university: r.university, authority: r.authority,
					atAuthority: r.atAuthority || s.status == k.atAuthority}
				if r.submittedAt != nil {
					h := at.Sub(*r.submittedAt).Hours()
					t.sinceSubmission = &h
				}
				times, timesOf[key] = append(times, t), append(timesOf[key], t)
			}
		}
		submit := (r.level == nil || *r.level == string(procedure.Applicant)) && after != "" && after != procedure.Applicant
		dirty(key, r)
		r.level = nil
		if after != "" {
			l := string(after)
			r.level = &l
		}
		r.status, r.since = s.status, microseconds(at)
		if submit {
			sub := r.since
			r.submittedAt = &sub
		}
		if s.status == k.atAuthority {
			r.atAuthority = true
			for _, t := range timesOf[key] {
				t.atAuthority = true
			}
			if r.stored {
				authority = append(authority, key)
			}
		}
	}
	if err := markAtAuthority(ctx, tx, authority); err != nil {
		return err
	}
	if err := writeReviewRecords(ctx, tx, order, records); err != nil {
		return err
	}
	return insertReviewTimes(ctx, tx, times, records)
}

func hasTime(ts []*reviewTime, number int64) bool {
	for _, t := range ts {
		if t.number == number {
			return true
		}
	}
	return false
}

// loadReviewRecords reads the stored review_records rows of keys.
func loadReviewRecords(ctx context.Context, tx pgx.Tx, keys map[reviewKey]bool) (map[reviewKey]*reviewRecord, error) {
	var kinds []string
	ids := make([]uuid.UUID, 0, len(keys))
	for k := range keys {
		if !slices.Contains(kinds, k.kind) {
			kinds = append(kinds, k.kind)
		}
		ids = append(ids, k.id)
	}
	// Both columns of the primary key by = ANY: found through it whatever
	// the planner guesses of a fresh generation without statistics.
	rows, err := tx.Query(ctx, `SELECT record_kind, record_id, status, level, since, submitted_at, applicant_id, unit_id, university_id,
			authority_id, at_authority
		FROM review_records WHERE record_kind = ANY($1) AND record_id = ANY($2)`, kinds, ids)
	if err != nil {
		return nil, fmt.Errorf("review records: %w", err)
	}
	out := make(map[reviewKey]*reviewRecord, len(keys))
	var key reviewKey
	r := &reviewRecord{stored: true}
	_, err = pgx.ForEachRow(rows, []any{&key.kind, &key.id, &r.status, &r.level, &r.since, &r.submittedAt, &r.applicant, &r.unit,
		&r.university, &r.authority, &r.atAuthority}, func() error {
		if keys[key] {
			c := *r
			if r.level != nil {
				l := *r.level
				c.level = &l
			}
			if r.submittedAt != nil {
				t := *r.submittedAt
				c.submittedAt = &t
			}
			out[key] = &c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("review records: %w", err)
	}
	return out, nil
}

// markAtAuthority marks the stored review times of keys as at the
// authority.
func markAtAuthority(ctx context.Context, tx pgx.Tx, keys []reviewKey) error {
	if len(keys) == 0 {
		return nil
	}
	kinds, ids := make([]string, len(keys)), make([]uuid.UUID, len(keys))
	for i, k := range keys {
		kinds[i], ids[i] = k.kind, k.id
	}
	_, err := tx.Exec(ctx, `UPDATE review_times t SET at_authority = true
		FROM unnest($1::text[], $2::uuid[]) AS v(kind, id)
		WHERE t.record_kind = v.kind AND t.record_id = v.id AND t.record_id = ANY($2) AND NOT t.at_authority`, kinds, ids)
	return err
}

func (r *reviewRecord) values(k reviewKey) []any {
	return []any{k.kind, k.id, r.status, r.level, r.since, r.submittedAt, r.applicant, r.unit, r.university, r.authority, r.atAuthority}
}

// writeReviewRecords writes the records the batch wrote: the stored ones
// by one UPDATE, the new ones by COPY (or one INSERT when few).
func writeReviewRecords(ctx context.Context, tx pgx.Tx, order []reviewKey, records map[reviewKey]*reviewRecord) error {
	var fresh [][]any
	var stored []*reviewRecord
	var storedKeys []reviewKey
	for _, k := range order {
		r := records[k]
		if r.stored {
			stored, storedKeys = append(stored, r), append(storedKeys, k)
		} else {
			fresh = append(fresh, r.values(k))
		}
	}
	if len(stored) > 0 {
		n := len(stored)
		kinds, ids, statuses := make([]string, n), make([]uuid.UUID, n), make([]string, n)
		levels, sinces, submitted := make([]*string, n), make([]time.Time, n), make([]*time.Time, n)
		authority := make([]bool, n)
		for i, r := range stored {
			kinds[i], ids[i], statuses[i], levels[i], sinces[i], submitted[i], authority[i] =
				storedKeys[i].kind, storedKeys[i].id, r.status, r.level, r.since, r.submittedAt, r.atAuthority
		}
		if _, err := tx.Exec(ctx, `UPDATE review_records r SET status = v.status, level = v.level, since = v.since,
				submitted_at = v.submitted_at, at_authority = v.at_authority
			FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::boolean[])
				AS v(kind, id, status, level, since, submitted_at, at_authority)
			WHERE r.record_kind = v.kind AND r.record_id = v.id AND r.record_id = ANY($2)`,
			kinds, ids, statuses, levels, sinces, submitted, authority); err != nil {
			return err
		}
	}
	return copyRows(ctx, tx, "review_records", reviewRecordColumns, fresh)
}

// copyRows inserts rows into table by COPY, or by INSERTs queued on the
// batch's pipeline when fewer than copyMin.
func copyRows(ctx context.Context, tx pgx.Tx, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if len(rows) < copyMin {
		marks := make([]string, len(columns))
		for i := range marks {
			marks[i] = fmt.Sprintf("$%d", i+1)
		}
		sql := `INSERT INTO ` + table + ` (` + strings.Join(columns, ", ") + `) VALUES (` + strings.Join(marks, ", ") + `)`
		for _, r := range rows {
			if _, err := tx.Exec(ctx, sql, r...); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %d rows into %s: %w", len(rows), table, err)
	}
	return nil
}

func (t *reviewTime) values() []any {
	return []any{t.key.kind, t.key.id, t.number, t.level, t.decision, t.before, t.after, t.actor, t.entered, t.decided, t.submitted,
		t.hours, t.sinceSubmission, t.applicant, t.unit, t.university, t.authority, t.atAuthority}
}

// insertReviewTimes writes the batch's decisions: those of records new in
// the batch by COPY (they cannot be in the table yet), those of stored
// records skipping any the table holds already, as Apply does.
func insertReviewTimes(ctx context.Context, tx pgx.Tx, times []*reviewTime, records map[reviewKey]*reviewRecord) error {
	var fresh [][]any
	for _, t := range times {
		if records[t.key].stored {
			v := t.values()
			marks := make([]string, len(v))
			for i := range marks {
				marks[i] = fmt.Sprintf("$%d", i+1)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO review_times (`+strings.Join(reviewTimeColumns, ", ")+`) VALUES (`+strings.Join(marks, ", ")+`)
				ON CONFLICT (record_kind, record_id, number) DO NOTHING`, v...); err != nil {
				return err
			}
			continue
		}
		fresh = append(fresh, t.values())
	}
	return copyRows(ctx, tx, "review_times", reviewTimeColumns, fresh)
}

// statsParams are the parameters every analytics read shares: the record
// kind and the year, university and unit it counts.
type statsParams struct {
	Kind         string
	Year         int
	UniversityID uuid.UUID
	UnitID       uuid.UUID
}

// statsKinds are the kinds each analytics read counts; the first is the
// default.
var (
	reviewKinds = []string{declaration.Flow.Name, forecast.Flow.Name, change.Flow.Name, summary.Flow.Name, funding.Flow.Name}
	listKinds   = []string{declaration.Flow.Name, forecast.Flow.Name}
)

func readStats(q url.Values, kinds []string, own ...string) (*params, statsParams) {
	p := readParams(q, append([]string{"kind", "year", "universityId", "unitId"}, own...)...)
	for _, k := range []string{"q", "sort", "order", "page", "pageSize"} {
		if q.Has(k) {
			p.fail(k, "unknown query parameter", "未知的查询参数")
		}
	}
	f := statsParams{Kind: cmp.Or(q.Get("kind"), kinds[0]), Year: p.year("year"),
		UniversityID: p.uuid("universityId", "学校ID格式错误"), UnitID: p.uuid("unitId", "单位ID格式错误")}
	if !slices.Contains(kinds, f.Kind) {
		p.fail("kind", fmt.Sprintf("unknown kind %q (want one of %v)", f.Kind, kinds), "未知的记录类型")
	}
	return p, f
}

// where is the scope of the actor over kind's rows, and the filter's
// university and unit.
func (f statsParams) where(a domain.Actor) (where, error) {
	var w where
	if err := scopeOf(a, domain.Kind(f.Kind), recordScope, &w); err != nil {
		return w, err
	}
	if f.UniversityID != uuid.Nil {
		w.add("university_id = ?", f.UniversityID)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	return w, nil
}

// ReviewTimesFilter selects the decisions the service levels count.
type ReviewTimesFilter struct {
	statsParams
	Level string
}

// ParseReviewTimesFilter reads kind (declaration, forecast, change,
// summary or funding; default declaration), year (of the decision),
// universityId, unitId and level, reporting every bad one.
func ParseReviewTimesFilter(q url.Values) (ReviewTimesFilter, []domain.FieldError) {
	p, sp := readStats(q, reviewKinds, "level")
	f := ReviewTimesFilter{statsParams: sp, Level: q.Get("level")}
	if l := procedure.Level(f.Level); f.Level != "" {
		if _, ok := l.Role(); !ok {
			p.fail("level", fmt.Sprintf("unknown level %q (want unit, school, authority or bureau)", f.Level), "未知的审核层级")
		}
	}
	return f, p.bad
}

// ReviewTime is the service level of one level of one unit: how many
// decisions it took and how long records waited at it, in hours.
type ReviewTime struct {
	UnitID      uuid.UUID `json:"unitId"`
	UnitName    string    `json:"unitName"`
	Level       string    `json:"level"`
	Decisions   int64     `json:"decisions"`
	AvgHours    float64   `json:"avgHours"`
	MedianHours float64   `json:"medianHours"`
	P90Hours    float64   `json:"p90Hours"`
	MaxHours    float64   `json:"maxHours"`
	// AvgHoursSinceSubmission is from the (latest) submission to the
	// decision, over the decisions that had one.
	AvgHoursSinceSubmission *float64 `json:"avgHoursSinceSubmission"`
}

// ReviewTimes are the service levels of a kind, per unit and level.
type ReviewTimesStats struct {
	Kind  string       `json:"kind"`
	Items []ReviewTime `json:"items"`
}

// ReviewTimesByUnit answers the time at each review level per unit, over
// the decisions in the actor's scope (R-ACT-02).
func (q *Queries) ReviewTimesByUnit(ctx context.Context, a domain.Actor, f ReviewTimesFilter) (ReviewTimesStats, error) {
	w, err := f.where(a)
	if err != nil {
		return ReviewTimesStats{}, err
	}
	w.add("record_kind = ?", f.Kind)
	if f.Year != 0 {
		w.add("extract(year FROM decided_at AT TIME ZONE 'Asia/Shanghai') = ?", f.Year)
	}
	if f.Level != "" {
		w.add("level = ?", f.Level)
	}
	rows, err := q.pool.Query(ctx, `SELECT t.unit_id, COALESCE(o.name_zh, ''), t.level, count(*), avg(t.hours),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY t.hours), percentile_cont(0.9) WITHIN GROUP (ORDER BY t.hours), max(t.hours),
			avg(t.hours_since_submission)
		FROM (SELECT * FROM rm.review_times WHERE `+w.String()+`) t LEFT JOIN rm.organisations o ON o.id = t.unit_id
		GROUP BY t.unit_id, o.name_zh, t.level
		ORDER BY o.name_zh, t.unit_id, CASE t.level WHEN 'unit' THEN 0 WHEN 'school' THEN 1 ELSE 2 END`, w.args...)
	if err != nil {
		return ReviewTimesStats{}, fmt.Errorf("review times: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ReviewTime, error) {
		var r ReviewTime
		err := row.Scan(&r.UnitID, &r.UnitName, &r.Level, &r.Decisions, &r.AvgHours, &r.MedianHours, &r.P90Hours, &r.MaxHours, &r.AvgHoursSinceSubmission)
		return r, err
	})
	if err != nil {
		return ReviewTimesStats{}, fmt.Errorf("review times: %w", err)
	}
	return ReviewTimesStats{Kind: f.Kind, Items: nonNil(items)}, nil
}

// LeadTimesFilter selects the submitted records whose lead times count.
type LeadTimesFilter struct{ statsParams }

// ParseLeadTimesFilter reads kind (declaration or forecast), year (of the
// conference's start), universityId and unitId.
func ParseLeadTimesFilter(q url.Values) (LeadTimesFilter, []domain.FieldError) {
	p, sp := readStats(q, listKinds)
	return LeadTimesFilter{sp}, p.bad
}

// LeadTime is, for one unit, the days from a record's (latest) submission
// to its conference's first day (Asia/Shanghai calendar days).
type LeadTime struct {
	UnitID     uuid.UUID `json:"unitId"`
	UnitName   string    `json:"unitName"`
	Records    int64     `json:"records"`
	AvgDays    float64   `json:"avgDays"`
	MedianDays float64   `json:"medianDays"`
	MinDays    int64     `json:"minDays"`
	MaxDays    int64     `json:"maxDays"`
}

// LeadTimesStats are the lead times of a kind, per unit.
type LeadTimesStats struct {
	Kind  string     `json:"kind"`
	Items []LeadTime `json:"items"`
}

// listTable is the list view of a kind and its year column.
func listTable(kind string) (table, year string) {
	if kind == forecast.Flow.Name {
		return "rm.forecasts", "plan_year"
	}
	return "rm.declarations", "extract(year FROM start_date)::int"
}

// LeadTimes answers submission → conference start per unit, over the
// submitted records in the actor's scope.
func (q *Queries) LeadTimes(ctx context.Context, a domain.Actor, f LeadTimesFilter) (LeadTimesStats, error) {
	w, err := f.where(a)
	if err != nil {
		return LeadTimesStats{}, err
	}
	table, year := listTable(f.Kind)
	w.add("submitted_at IS NOT NULL AND start_date IS NOT NULL")
	if f.Year != 0 {
		w.add(year+" = ?", f.Year)
	}
	rows, err := q.pool.Query(ctx, `SELECT unit_id, min(unit_name), count(*), avg(days), percentile_cont(0.5) WITHIN GROUP (ORDER BY days), min(days), max(days)
		FROM (SELECT unit_id, unit_name, start_date - (submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS days FROM `+table+` WHERE `+w.String()+`) t
		GROUP BY unit_id ORDER BY min(unit_name), unit_id`, w.args...)
	if err != nil {
		return LeadTimesStats{}, fmt.Errorf("lead times: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (LeadTime, error) {
		var r LeadTime
		err := row.Scan(&r.UnitID, &r.UnitName, &r.Records, &r.AvgDays, &r.MedianDays, &r.MinDays, &r.MaxDays)
		return r, err
	})
	if err != nil {
		return LeadTimesStats{}, fmt.Errorf("lead times: %w", err)
	}
	return LeadTimesStats{Kind: f.Kind, Items: nonNil(items)}, nil
}

// CountsFilter selects the records counted and what they are grouped by.
type CountsFilter struct {
	statsParams
	By string
}

// countsBy are the groupings of Counts and their columns.
var countsBy = map[string]string{"unit": "unit_id::text", "scale": "scale", "type": "type", "status": "status"}

// ParseCountsFilter reads kind (declaration or forecast), by (unit, scale,
// type, status or year; default status), year, universityId and unitId.
func ParseCountsFilter(q url.Values) (CountsFilter, []domain.FieldError) {
	p, sp := readStats(q, listKinds, "by")
	f := CountsFilter{statsParams: sp, By: cmp.Or(q.Get("by"), "status")}
	if _, ok := countsBy[f.By]; !ok && f.By != "year" {
		p.fail("by", fmt.Sprintf("unknown grouping %q (want unit, scale, type, status or year)", f.By), "未知的分组方式")
	}
	return f, p.bad
}

// Count is how many records have one value of the grouping; Name is the
// unit's name when grouped by unit.
type Count struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty"`
	Count int64  `json:"count"`
}

// CountsStats are the counts of a kind by one grouping.
type CountsStats struct {
	Kind  string  `json:"kind"`
	By    string  `json:"by"`
	Total int64   `json:"total"`
	Items []Count `json:"items"`
}

// Counts answers how many records of the kind the actor may see there
// are by unit, scale, type, status or year (a declaration's conference
// start, a forecast's plan year; "" when not set yet).
func (q *Queries) Counts(ctx context.Context, a domain.Actor, f CountsFilter) (CountsStats, error) {
	w, err := f.where(a)
	if err != nil {
		return CountsStats{}, err
	}
	table, year := listTable(f.Kind)
	if f.Year != 0 {
		w.add(year+" = ?", f.Year)
	}
	col, ok := countsBy[f.By]
	if !ok {
		col = year + "::text"
	}
	rows, err := q.pool.Query(ctx, `SELECT COALESCE(`+col+`, ''), `+map[bool]string{true: "min(unit_name)", false: "''"}[f.By == "unit"]+`, count(*)
		FROM `+table+` WHERE `+w.String()+` GROUP BY 1 ORDER BY 3 DESC, 1`, w.args...)
	if err != nil {
		return CountsStats{}, fmt.Errorf("counts: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Count, error) {
		var c Count
		err := row.Scan(&c.Key, &c.Name, &c.Count)
		return c, err
	})
	if err != nil {
		return CountsStats{}, fmt.Errorf("counts: %w", err)
	}
	out := CountsStats{Kind: f.Kind, By: f.By, Items: nonNil(items)}
	for _, c := range items {
		out.Total += c.Count
	}
	return out, nil
}
