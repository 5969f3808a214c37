package projections

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
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
