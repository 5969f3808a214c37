package projections

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// ForecastListName is the forecast list's stored name.
const ForecastListName = "forecast_list"

// ForecastList is the list of forecasts reviewers and applicants search
// (R-FC-09): filters by scale, status, plan year and unit, keyword over both
// names, applicant and unit (Chinese substrings included), sorting, pages.
type ForecastList struct{}

func (ForecastList) Name() string     { return ForecastListName }
func (ForecastList) Version() int     { return 6 }
func (ForecastList) Tables() []string { return []string{"forecasts"} }

// QueryIndexes: Apply finds its row by id; every other index serves the
// list (built after the bulk of a rebuild).
func (ForecastList) QueryIndexes() []string {
	return append([]string{"forecasts_search", "forecasts_grams", "forecasts_unit", "forecasts_university",
		"forecasts_authority", "forecasts_all", "forecasts_applicant", "forecasts_status"}, slices.Sorted(maps.Keys(forecastSortIndexes))...)
}

// sortIncludes are the columns each sort index carries besides its key:
// every scope's and every filter's but the keyword's, so that a page in
// any scope and with any filter but a keyword reads its ids, the rows it
// skips and the count from the index alone, in order, and stops early.
const sortIncludes = ` INCLUDE (university_id, unit_id, authority_id, at_authority, status, scale, plan_year)`

// forecastSortIndexes are the indexes that serve each sort of the list
// (forecastSorts) but the default, submittedAt, which the scope indexes
// serve: the sort column then id, read forwards for ascending and
// backwards for descending. The nullable start date sorts its nulls last
// either way (orderBy), which one btree order cannot give in both
// directions, so it has one index per direction.
//
// Besides those, which serve every scope and filter:
//   - forecasts_listed_by_status and forecasts_listed_by_start_date_desc
//     hold the listed forecasts only (not withdrawn, which the list leaves
//     out unless asked for, and which forecastWhere then says in so many
//     words). Read backwards, the full status index starts with every
//     withdrawn forecast, a sixth of the table, before its first listed
//     one; the latest start dates may likewise be withdrawn forecasts'.
//   - forecasts_unit_by_<column> and forecasts_authority_by_<column>: a
//     unit's listed forecasts, and those submitted to an authority, in
//     each order. Walking the whole table's order for them passes every
//     other unit's forecasts, and those still inside the university (two
//     in three: the latest start dates, say, are often not yet decided).
//     A unit holds one forecast in forty here; walking the whole table's
//     order to find its twenty would pass some 800 others if the unit's
//     forecasts were spread evenly through that order, and whole
//     stretches of it when they are not (a unit's conferences share their
//     topics, and so their names).
var forecastSortIndexes = func() map[string]string {
	m := map[string]string{}
	for _, col := range forecastSorts {
		if col == "submitted_at" {
			continue
		}
		m["forecasts_by_"+col] = `CREATE INDEX forecasts_by_` + col + ` ON forecasts (` + col + `, id)` + sortIncludes
		m["forecasts_unit_by_"+col] = `CREATE INDEX forecasts_unit_by_` + col + ` ON forecasts (unit_id, ` + col + `, id)` + unitIncludes + listed
		m["forecasts_authority_by_"+col] = `CREATE INDEX forecasts_authority_by_` + col + ` ON forecasts (authority_id, ` + col + `, id)` +
			authorityIncludes + listedAtAuthority
	}
	m["forecasts_authority_by_start_date_desc"] = `CREATE INDEX forecasts_authority_by_start_date_desc ON forecasts (authority_id, start_date DESC NULLS LAST, id DESC)` +
		authorityIncludes + listedAtAuthority
	m["forecasts_by_start_date_desc"] = `CREATE INDEX forecasts_by_start_date_desc ON forecasts (start_date DESC NULLS LAST, id DESC)` + sortIncludes
	m["forecasts_unit_by_start_date_desc"] = `CREATE INDEX forecasts_unit_by_start_date_desc ON forecasts (unit_id, start_date DESC NULLS LAST, id DESC)` +
		unitIncludes + listed
	m["forecasts_listed_by_status"] = `CREATE INDEX forecasts_listed_by_status ON forecasts (status, id)` + sortIncludes + listed
	m["forecasts_listed_by_start_date_desc"] = `CREATE INDEX forecasts_listed_by_start_date_desc ON forecasts (start_date DESC NULLS LAST, id DESC)` +
		sortIncludes + listed
	return m
}()

// unitIncludes are what a unit's sort index carries: the columns its
// filters test (the unit's own scope is its key).
const unitIncludes = ` INCLUDE (status, scale, plan_year)`

// authorityIncludes are what an authority's sort index carries: the
// columns its filters test (unitId among them).
const authorityIncludes = ` INCLUDE (unit_id, status, scale, plan_year)`

// listedAtAuthority is an authority's sort indexes' predicate: its scope's
// (scopeOf) and listed's.
const listedAtAuthority = ` WHERE at_authority AND status <> 'withdrawn'`

// listed is the partial indexes' predicate: the forecasts the list shows
// unless asked for withdrawn ones. forecastWhere states it literally in
// every query that leaves withdrawn forecasts out, so that the planner
// can prove it whatever the other arguments.
const listed = ` WHERE status <> 'withdrawn'`

func (ForecastList) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE forecasts (
    id              uuid PRIMARY KEY,
    version         bigint      NOT NULL,
    applicant_id    uuid        NOT NULL,
    applicant_name  text        NOT NULL,
    unit_id         uuid        NOT NULL,
    unit_name       text        NOT NULL,
    university_id   uuid        NOT NULL,
    authority_id    uuid        NOT NULL,
    at_authority    boolean     NOT NULL DEFAULT false,
    plan_year       int         NOT NULL,
    name_zh         text        NOT NULL,
    name_en         text        NOT NULL,
    start_date      date,
    type            text        NOT NULL,
    scale           text        NOT NULL,
    computed_scale  text        NOT NULL,
    chinese_count   int         NOT NULL,
    foreign_count   int         NOT NULL,
    status          text        NOT NULL,
    submitted_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    search          text        NOT NULL,
    grams           text[]      NOT NULL
);
-- The text indexes carry the unit too, as a one-element array that only
-- a rare keyword's query names (rareKeywordIDs): a unit's matches are then
-- found within the index, not among all the keyword's matches or all the
-- unit's rows. The grams hold whole words besides (forecastGrams).
CREATE INDEX forecasts_search ON forecasts USING gin ((ARRAY[unit_id]), search public.gin_trgm_ops);
CREATE INDEX forecasts_grams ON forecasts USING gin ((ARRAY[unit_id]), grams);
-- Each scope's forecasts in the list's order, carrying every column its
-- filters test but the grams: a page, the pages it skips and the capped
-- count are read from the index alone and stop early (listPage,
-- forecastList.countOrder). The keys ascend, as forecasts arrive, so new
-- entries fill the last page; the default order, newest first, reads them
-- backwards. An applicant's few forecasts need no more than the order.
CREATE INDEX forecasts_unit ON forecasts (unit_id, submitted_at, id)
    INCLUDE (university_id, status, scale, plan_year, search);
CREATE INDEX forecasts_university ON forecasts (university_id, submitted_at, id)
    INCLUDE (unit_id, status, scale, plan_year, search);
CREATE INDEX forecasts_authority ON forecasts (authority_id, submitted_at, id)
    INCLUDE (unit_id, status, scale, plan_year, search) WHERE at_authority;
CREATE INDEX forecasts_all ON forecasts (submitted_at, id)
    INCLUDE (unit_id, status, scale, plan_year, search);
CREATE INDEX forecasts_applicant ON forecasts (applicant_id, submitted_at, id);
CREATE INDEX forecasts_status ON forecasts (status, plan_year);
`)
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(forecastSortIndexes)) {
		if _, err := tx.Exec(ctx, forecastSortIndexes[name]); err != nil {
			return err
		}
	}
	return nil
}

func (l ForecastList) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, ok, err := decodeForecast(e)
	if !ok || err != nil {
		return err
	}
	return l.apply(ctx, tx, e, id, ev)
}

// decodeForecast reads a forecast event and its forecast's id; ok is false
// for events of other records.
func decodeForecast(e eventstore.RecordedEvent) (uuid.UUID, forecast.Event, bool, error) {
	if !strings.HasPrefix(e.Type, "forecast.") {
		return uuid.UUID{}, nil, false, nil
	}
	id, ev, err := decodeRecord(e, "forecast-", forecast.Decode)
	if err != nil {
		return uuid.UUID{}, nil, false, err
	}
	return id, ev, true, nil
}

// decisionDone is what a forecast's decisions (every event but a submission
// or revision) leave on its row: the last one's version and time, the last
// status given, and whether it has reached the authority.
type decisionDone struct {
	version   int64
	status    *string
	at        time.Time
	authority bool
}

// ApplyBatch applies events in order as Apply would one by one, but
// gathers each forecast's decisions and writes them at the end in one
// statement for the whole batch, rather than one UPDATE per event. A
// submission or revision is written as it comes, after the decisions its
// forecast had gathered before it, so each row sees its events in order.
//
// A forecast submitted within the batch (every forecast, in a rebuild) is
// folded in memory instead: its later events in the batch change the row
// before it is written, and the batch's new rows go in together at the
// end, by COPY when there are copyMin or more.
func (l ForecastList) ApplyBatch(ctx context.Context, tx pgx.Tx, events []eventstore.RecordedEvent) error {
	return l.applyShared(ctx, tx, newSharedBatch(events))
}

// applyShared is ApplyBatch taking the decoded events from b.
func (l ForecastList) applyShared(ctx context.Context, tx pgx.Tx, b *sharedBatch) error {
	pending := map[uuid.UUID]*decisionDone{}
	var order []uuid.UUID
	fresh := map[uuid.UUID]*forecastRow{}
	var freshOrder []*forecastRow
	for i, e := range b.events {
		id, ev, ok, err := b.forecast(i)
		if err != nil {
			return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
		}
		if !ok {
			continue
		}
		if r, ok := fresh[id]; ok {
			r.fold(e, ev)
			continue
		}
		if sub, ok := ev.(forecast.Submitted); ok {
			if _, decided := pending[id]; !decided {
				r := newForecastRow(e, id, sub)
				fresh[id] = r
				freshOrder = append(freshOrder, r)
				continue
			}
		}
		switch ev.(type) {
		case forecast.Submitted, forecast.Revised:
			if d, ok := pending[id]; ok {
				delete(pending, id)
				if err := writeDecisions(ctx, tx, []uuid.UUID{id}, []*decisionDone{d}); err != nil {
					return err
				}
			}
			if err := l.apply(ctx, tx, e, id, ev); err != nil {
				return fmt.Errorf("apply %s %s#%d: %w", e.Type, e.StreamID, e.Number, err)
			}
			continue
		}
		d, ok := pending[id]
		if !ok {
			d = &decisionDone{}
			pending[id] = d
			order = append(order, id)
		}
		d.version, d.at = int64(e.Number), e.Metadata.RecordedAt
		if status, ok := statusAfter(ev); ok {
			st := string(status)
			d.status = &st
			d.authority = d.authority || status == forecast.StatusSchoolApproved
		}
	}
	ids := make([]uuid.UUID, 0, len(pending))
	ds := make([]*decisionDone, 0, len(pending))
	for _, id := range order {
		if d, ok := pending[id]; ok {
			ids, ds = append(ids, id), append(ds, d)
		}
	}
	if err := writeDecisions(ctx, tx, ids, ds); err != nil {
		return err
	}
	return insertForecasts(ctx, tx, freshOrder)
}

// copyMin is how many new rows a batch needs before they go in by COPY
// (two round trips, whatever their number) rather than as INSERTs queued
// on the batch's pipeline.
const copyMin = 8

// forecastColumns are a forecastRow's columns, in the order of its values.
var forecastColumns = []string{"id", "version", "applicant_id", "applicant_name", "unit_id", "unit_name", "university_id", "authority_id",
	"at_authority", "plan_year", "name_zh", "name_en", "start_date", "type", "scale", "computed_scale", "chinese_count",
	"foreign_count", "status", "submitted_at", "updated_at", "search", "grams"}

// forecastRow is a forecast list row being built in memory: one submitted
// within the batch being applied.
type forecastRow struct {
	id                         uuid.UUID
	version                    int64
	applicantID                uuid.UUID
	applicantName              string
	unitID                     uuid.UUID
	unitName                   string
	universityID, authorityID  uuid.UUID
	atAuthority                bool
	planYear                   int
	nameZh, nameEn             string
	startDate                  *time.Time
	typ, scale, computedScale  string
	chineseCount, foreignCount int
	status                     string
	submittedAt, updatedAt     time.Time
	search                     string
	grams                      []string
}

func newForecastRow(e eventstore.RecordedEvent, id uuid.UUID, ev forecast.Submitted) *forecastRow {
	r := &forecastRow{id: id, applicantID: ev.ApplicantID, unitID: ev.UnitID, universityID: ev.UniversityID,
		authorityID: ev.AuthorityID, planYear: ev.PlanYear, submittedAt: e.Metadata.RecordedAt}
	r.details(e, ev.Details, string(ev.Computed))
	return r
}

// details sets what a submission or revision sets (as apply does).
func (r *forecastRow) details(e eventstore.RecordedEvent, d forecast.Details, computed string) {
	r.version, r.updatedAt, r.status = int64(e.Number), e.Metadata.RecordedAt, string(forecast.StatusSubmitted)
	r.applicantName, r.unitName, r.nameZh, r.nameEn = d.Applicant.Name, d.Applicant.Unit, d.NameZh, d.NameEn
	r.startDate = nil
	if !d.StartDate.IsZero() {
		t := d.StartDate.Time()
		r.startDate = &t
	}
	r.typ, r.scale, r.computedScale = string(d.Type), string(d.Scale), computed
	r.chineseCount, r.foreignCount = d.ChineseCount, d.ForeignCount
	r.search = forecastSearch(d)
	r.grams = forecastGrams(r.search)
}

// fold applies a later event of the row's forecast, as apply would.
func (r *forecastRow) fold(e eventstore.RecordedEvent, ev forecast.Event) {
	if rev, ok := ev.(forecast.Revised); ok {
		r.details(e, rev.Details, string(rev.Computed))
		return
	}
	r.version, r.updatedAt = int64(e.Number), e.Metadata.RecordedAt
	if status, ok := statusAfter(ev); ok {
		r.status = string(status)
		r.atAuthority = r.atAuthority || status == forecast.StatusSchoolApproved
	}
}

func (r *forecastRow) values() []any {
	var start any
	if r.startDate != nil {
		start = *r.startDate
	}
	return []any{r.id, r.version, r.applicantID, r.applicantName, r.unitID, r.unitName, r.universityID, r.authorityID,
		r.atAuthority, r.planYear, r.nameZh, r.nameEn, start, r.typ, r.scale, r.computedScale, r.chineseCount,
		r.foreignCount, r.status, r.submittedAt, r.updatedAt, r.search, r.grams}
}

// insertForecastSQL inserts one forecastRow.
var insertForecastSQL = func() string {
	ps := make([]string, len(forecastColumns))
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", i+1)
	}
	return "INSERT INTO forecasts (" + strings.Join(forecastColumns, ", ") + ") VALUES (" + strings.Join(ps, ", ") + ")"
}()

// insertForecasts writes the batch's new rows.
func insertForecasts(ctx context.Context, tx pgx.Tx, rows []*forecastRow) error {
	if len(rows) < copyMin {
		for _, r := range rows {
			if _, err := tx.Exec(ctx, insertForecastSQL, r.values()...); err != nil {
				return err
			}
		}
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"forecasts"}, forecastColumns, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		return rows[i].values(), nil
	}))
	if err != nil {
		return fmt.Errorf("copy %d new forecasts, the first %s: %w", len(rows), rows[0].id, err)
	}
	return nil
}

// writeDecisions writes gathered decisions, one forecast per row of the
// arrays, in one UPDATE.
func writeDecisions(ctx context.Context, tx pgx.Tx, ids []uuid.UUID, ds []*decisionDone) error {
	if len(ids) == 0 {
		return nil
	}
	versions := make([]int64, len(ds))
	statuses := make([]*string, len(ds))
	ats := make([]time.Time, len(ds))
	authority := make([]bool, len(ds))
	for i, d := range ds {
		versions[i], statuses[i], ats[i], authority[i] = d.version, d.status, d.at, d.authority
	}
	if len(ids) == 1 {
		_, err := tx.Exec(ctx, `UPDATE forecasts SET version = $2, status = COALESCE($3, status), updated_at = $4,
				at_authority = at_authority OR $5 WHERE id = $1`, ids[0], versions[0], statuses[0], ats[0], authority[0])
		return err
	}
	// f.id = ANY($1) lets the rows be found by primary key whatever the
	// planner guesses of the unnest (a fresh generation has no statistics,
	// and a join alone was planned as a scan of the whole table).
	_, err := tx.Exec(ctx, `UPDATE forecasts f SET version = v.version, status = COALESCE(v.status, f.status), updated_at = v.at,
			at_authority = f.at_authority OR v.authority
		FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::timestamptz[], $5::boolean[]) AS v(id, version, status, at, authority)
		WHERE f.id = v.id AND f.id = ANY($1::uuid[])`, ids, versions, statuses, ats, authority)
	return err
}

func (ForecastList) apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, id uuid.UUID, ev forecast.Event) error {
	var err error
	at := e.Metadata.RecordedAt
	switch ev := ev.(type) {
	case forecast.Submitted:
		d := ev.Details
		_, err = tx.Exec(ctx, `INSERT INTO forecasts (id, version, applicant_id, applicant_name, unit_id, unit_name, university_id, authority_id,
				plan_year, name_zh, name_en, start_date, type, scale, computed_scale, chinese_count, foreign_count, status, submitted_at, updated_at, search, grams)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20, $21)`,
			id, e.Number, ev.ApplicantID, d.Applicant.Name, ev.UnitID, d.Applicant.Unit, ev.UniversityID, ev.AuthorityID,
			ev.PlanYear, d.NameZh, d.NameEn, dateOrNil(d.StartDate.String()), string(d.Type), string(d.Scale), string(ev.Computed),
			d.ChineseCount, d.ForeignCount, string(forecast.StatusSubmitted), at, forecastSearch(d), forecastGrams(forecastSearch(d)))
	case forecast.Revised:
		d := ev.Details
		_, err = tx.Exec(ctx, `UPDATE forecasts SET version = $2, applicant_name = $3, unit_name = $4, name_zh = $5, name_en = $6,
				start_date = $7, type = $8, scale = $9, computed_scale = $10, chinese_count = $11, foreign_count = $12,
				status = $13, updated_at = $14, search = $15, grams = $16 WHERE id = $1`,
			id, e.Number, d.Applicant.Name, d.Applicant.Unit, d.NameZh, d.NameEn, dateOrNil(d.StartDate.String()), string(d.Type), string(d.Scale),
			string(ev.Computed), d.ChineseCount, d.ForeignCount, string(forecast.StatusSubmitted), at, forecastSearch(d), forecastGrams(forecastSearch(d)))
	default:
		status, ok := statusAfter(ev)
		if !ok {
			// An event that leaves the status (a signed form uploaded) still
			// moves the version the list shows.
			_, err = tx.Exec(ctx, `UPDATE forecasts SET version = $2, updated_at = $3 WHERE id = $1`, id, e.Number, at)
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE forecasts SET version = $2, status = $3, updated_at = $4,
				at_authority = at_authority OR $3 = 'school_approved' WHERE id = $1`, id, e.Number, string(status), at)
	}
	return err
}

func forecastSearch(d forecast.Details) string {
	return boundedSearch(searchText(d.NameZh, d.NameEn, d.Applicant.Name, d.Applicant.Unit, d.Applicant.Department))
}

// maxSearchBytes bounds the search text, which the scope indexes carry: a
// btree entry may not pass 2,704 bytes. The default policy's longest names,
// applicant, unit and department in Chinese come to some 2,060 bytes.
const maxSearchBytes = 2400

// boundedSearch cuts s to maxSearchBytes at a character boundary; a
// keyword found only past the cut is not found.
func boundedSearch(s string) string {
	if len(s) <= maxSearchBytes {
		return s
	}
	cut := maxSearchBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// statusAfter is the status a decision event leaves a forecast in.
func statusAfter(ev forecast.Event) (forecast.Status, bool) {
	switch ev.(type) {
	case forecast.Submitted, forecast.Revised:
		return forecast.StatusSubmitted, true
	case forecast.ApprovedAtUnit:
		return forecast.StatusUnitApproved, true
	case forecast.ApprovedAtSchool:
		return forecast.StatusSchoolApproved, true
	case forecast.ApprovedByAuthority:
		return forecast.StatusApproved, true
	case forecast.Rejected:
		return forecast.StatusRejected, true
	case forecast.Withdrawn:
		return forecast.StatusWithdrawn, true
	}
	return "", false
}

func dateOrNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ForecastRow is one forecast in the list.
type ForecastRow struct {
	ID            string    `json:"id"`
	Version       int64     `json:"version"`
	ApplicantID   string    `json:"applicantId"`
	ApplicantName string    `json:"applicantName"`
	UnitID        string    `json:"unitId"`
	UnitName      string    `json:"unitName"`
	PlanYear      int       `json:"planYear"`
	NameZh        string    `json:"nameZh"`
	NameEn        string    `json:"nameEn"`
	StartDate     string    `json:"startDate"`
	Type          string    `json:"type"`
	Scale         string    `json:"scale"`
	ComputedScale string    `json:"computedScale"`
	ChineseCount  int       `json:"chineseCount"`
	ForeignCount  int       `json:"foreignCount"`
	Status        string    `json:"status"`
	SubmittedAt   time.Time `json:"submittedAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// ForecastPage is one page of the list.
type ForecastPage struct {
	Items []ForecastRow `json:"items"`
	Total int64         `json:"total"`
	// TotalCapped says more than Total (= TotalCap) forecasts match.
	TotalCapped bool `json:"totalCapped"`
	Page        int  `json:"page"`
	PageSize    int  `json:"pageSize"`
	// NextCursor, when more forecasts follow the page, starts the next
	// page after its last row (the cursor parameter).
	NextCursor string `json:"nextCursor,omitempty"`
}
