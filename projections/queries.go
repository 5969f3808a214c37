package projections

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
)

// Queries reads the read models through the rm views, applying the
// caller's scope (R-ACT-02) in every query.
type Queries struct {
	pool DB
}

// DB is what the queries read through: a pool, or one that sends each
// request's reads to a replica (internal/replica).
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// NewQueries reads through pool.
func NewQueries(pool DB) *Queries { return &Queries{pool: pool} }

// recordID takes the id out of a stream name like "forecast-<uuid>".
func recordID(stream, prefix string) (uuid.UUID, error) {
	id, err := uuid.Parse(strings.TrimPrefix(stream, prefix))
	if err != nil || !strings.HasPrefix(stream, prefix) {
		return uuid.Nil, fmt.Errorf("stream %q is not %s<uuid>", stream, prefix)
	}
	return id, nil
}

// decodeRecord reads an event with its package's Decode and takes its
// record's id out of the stream name (prefix<uuid>).
func decodeRecord[E any](e eventstore.RecordedEvent, prefix string, decode func(eventType string, data []byte) (E, error)) (uuid.UUID, E, error) {
	ev, err := decode(e.Type, e.Data)
	if err != nil {
		return uuid.Nil, ev, err
	}
	id, err := recordID(e.StreamID, prefix)
	return id, ev, err
}

// ForecastFilter selects and orders a page of forecasts.
type ForecastFilter struct {
	Statuses []string
	Scales   []string
	PlanYear int
	UnitID   uuid.UUID
	Keyword  string
	Sort     string
	Desc     bool
	Page     int
	PageSize int
}

// forecastSorts maps the sort names clients use to columns.
var forecastSorts = map[string]string{
	"submittedAt": "submitted_at", "updatedAt": "updated_at", "startDate": "start_date", "planYear": "plan_year",
	"nameZh": "name_zh", "nameEn": "name_en", "status": "status", "scale": "scale", "applicantName": "applicant_name",
	"unitName": "unit_name", "foreignCount": "foreign_count", "chineseCount": "chinese_count",
}

// ParseForecastFilter reads a filter from query parameters, reporting every
// bad one.
func ParseForecastFilter(q url.Values) (ForecastFilter, []domain.FieldError) {
	f := ForecastFilter{Sort: "submittedAt", Desc: true}
	p := readParams(q, "status", "scale", "planYear", "unitId")
	f.Statuses = p.list("status", "status", "未知的状态", func(s string) bool { return forecast.Status(s).Valid() })
	f.Scales = p.scales()
	f.PlanYear = p.year("planYear")
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.Keyword = p.keyword()
	p.sort(forecastSorts, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	return f, p.bad
}

// params reads a list's query parameters, collecting every bad one as a
// field error; the lists share keyword, sort, order and paging.
type params struct {
	q   url.Values
	bad []domain.FieldError
}

// readParams reports every parameter that is neither one of the list's
// own nor a shared one.
func readParams(q url.Values, own ...string) *params {
	p := &params{q: q}
	known := map[string]bool{"q": true, "sort": true, "order": true, "page": true, "pageSize": true}
	for _, k := range own {
		known[k] = true
	}
	for k := range q {
		if !known[k] {
			p.fail(k, "unknown query parameter", "未知的查询参数")
		}
	}
	return p
}

func (p *params) fail(param, en, zh string) {
	p.bad = append(p.bad, domain.FieldError{Path: "query:" + param, Rule: "SCHEMA", Message: en, Zh: zh})
}

// list reads a comma-separated list of values valid accepts; what and zh
// name the thing in errors.
func (p *params) list(name, what, zh string, valid func(string) bool) []string {
	var out []string
	for _, s := range splitList(p.q.Get(name)) {
		if !valid(s) {
			p.fail(name, fmt.Sprintf("unknown %s %q", what, s), zh)
		}
		out = append(out, s)
	}
	return out
}

// scales reads the scale list both lists filter by.
func (p *params) scales() []string {
	return p.list("scale", "scale (want small, general or major)", "未知的会议规模", func(s string) bool { return classify.Scale(s).Valid() })
}

func (p *params) year(name string) int {
	v := p.q.Get(name)
	if v == "" {
		return 0
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2200 {
		p.fail(name, "want a year such as 2027", "年度格式错误")
	}
	return y
}

func (p *params) uuid(name, zh string) uuid.UUID {
	v := p.q.Get(name)
	if v == "" {
		return uuid.Nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		p.fail(name, "want a UUID", zh)
	}
	return id
}

// date reads a YYYY-MM-DD date; the zero date when absent or bad.
func (p *params) date(name string) domain.Date {
	v := p.q.Get(name)
	if v == "" {
		return domain.Date{}
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		p.fail(name, "want a date YYYY-MM-DD", "日期格式应为YYYY-MM-DD")
	}
	return d
}

// dateRange reads from and to, which must be in order when both are given.
func (p *params) dateRange(from, to string) (domain.Date, domain.Date) {
	f, t := p.date(from), p.date(to)
	if !f.IsZero() && !t.IsZero() && t.Before(f) {
		p.fail(to, fmt.Sprintf("%s is before %s", to, from), "结束日期早于开始日期")
	}
	return f, t
}

func (p *params) keyword() string {
	k := strings.TrimSpace(p.q.Get("q"))
	if utf8.RuneCountInString(k) > 100 {
		p.fail("q", "at most 100 characters", "关键词最多100个字符")
	}
	return k
}

// sort reads sort (one of sorts) and order; absent, the defaults in sort
// and desc stay.
func (p *params) sort(sorts map[string]string, sort *string, desc *bool) {
	if v := p.q.Get("sort"); v != "" {
		if _, ok := sorts[v]; !ok {
			p.fail("sort", "unknown sort column", "未知的排序字段")
		}
		*sort = v
	}
	switch p.q.Get("order") {
	case "":
	case "desc":
		*desc = true
	case "asc":
		*desc = false
	default:
		p.fail("order", "want asc or desc", "排序方向应为asc或desc")
	}
}

func (p *params) page() (page, size int) {
	return p.int("page", 1, 1, 1_000_000), p.int("pageSize", 20, 1, 100)
}

func (p *params) int(name string, def, lo, hi int) int {
	v := p.q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, fmt.Sprintf("want a whole number from %d to %d", lo, hi), fmt.Sprintf("应为%d至%d的整数", lo, hi))
		return def
	}
	return n
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// where builds a WHERE clause from conditions with numbered arguments.
type where struct {
	conds []string
	args  []any
	// gram is the condition on the gram array, if any, which no btree
	// index of the lists carries.
	gram *gramCond
}

// gramCond is where a short keyword's condition on the gram array sits
// among a where's conditions and arguments, and the LIKE pattern that
// means the same on the search text ("" if none does).
type gramCond struct {
	cond, arg int
	pattern   string
}

// likeForGram is w with its gram condition tested by LIKE on the search
// text instead, which selects the same rows: what an index carrying the
// search text can answer by itself.
func (w *where) likeForGram() *where {
	c := &where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
	c.conds[w.gram.cond] = "search LIKE $" + strconv.Itoa(w.gram.arg+1)
	c.args[w.gram.arg] = w.gram.pattern
	return c
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return "true"
	}
	return strings.Join(w.conds, " AND ")
}

// scopeColumns name the columns where a table keeps a record's
// domain.Scope.
type scopeColumns struct {
	owner, unit, university, authority string
	// submitted is the boolean column of Scope.AtAuthority.
	submitted string
}

// recordScope is how every procedure's table keeps its records' scope.
var recordScope = scopeColumns{owner: "applicant_id", unit: "unit_id", university: "university_id", authority: "authority_id", submitted: "at_authority"}

// scopeOf restricts rows of kind k to those the actor may read
// (R-ACT-02): the SQL form of domain.FilterFor, as domain.Allows is its
// in-memory form, so a list and a detail never disagree. A role with no
// reading scope (the platform admin) gets no rows: records outside one's
// scope do not exist for one, so a list of them is empty, as reading one
// of them is a 404, never a 403.
func scopeOf(a domain.Actor, k domain.Kind, cols scopeColumns, w *where) error {
	f := domain.FilterFor(a, k, domain.Read)
	if f.Place == domain.Nowhere {
		w.add("false")
		return nil
	}
	if f.Place != domain.Everywhere {
		col := map[domain.Place]string{domain.OwnRecord: cols.owner, domain.OwnUnit: cols.unit,
			domain.OwnUniversity: cols.university, domain.OwnAuthority: cols.authority}[f.Place]
		if col == "" {
			return fmt.Errorf("scope of %s: the table has no column for place %d", k, f.Place)
		}
		w.add(col+" = ?", f.ID)
	}
	if f.Submitted {
		if cols.submitted == "" {
			return fmt.Errorf("scope of %s: the table has no column saying a record was submitted", k)
		}
		w.add(cols.submitted)
	}
	return nil
}

// keyword matches a keyword anywhere in the search text: by trigram index
// from three characters, by the one- and two-character gram index below.
func keyword(w *where, k string) {
	if k == "" {
		return
	}
	k = strings.ToLower(k)
	if n := utf8.RuneCountInString(k); n <= 2 && !strings.ContainsAny(k, " |") {
		w.add("grams @> ARRAY[?]::text[]", k)
		w.gram = &gramCond{cond: len(w.conds) - 1, arg: len(w.args) - 1}
		if !strings.ContainsFunc(k, unicode.IsSpace) { // the grams have no spaces
			w.gram.pattern = likePattern(k)
		}
		return
	}
	w.add(`search LIKE ?`, likePattern(k))
}

// ListForecasts returns one page of the forecasts the actor may see.
func (q *Queries) ListForecasts(ctx context.Context, a domain.Actor, f ForecastFilter) (ForecastPage, error) {
	w, err := forecastWhere(a, f)
	if err != nil {
		return ForecastPage{}, err
	}
	page := ForecastPage{Page: f.Page, PageSize: f.PageSize}
	page.Items, page.Total, page.TotalCapped, err = listPage(ctx, q.pool, forecastList, w, cmp.Or(forecastSorts[f.Sort], "submitted_at"), f.Desc, f.Page, f.PageSize,
		func(row pgx.CollectableRow) (ForecastRow, error) {
			var r ForecastRow
			err := row.Scan(&r.ID, &r.Version, &r.ApplicantID, &r.ApplicantName, &r.UnitID, &r.UnitName, &r.PlanYear,
				&r.NameZh, &r.NameEn, &r.StartDate, &r.Type, &r.Scale, &r.ComputedScale, &r.ChineseCount, &r.ForeignCount,
				&r.Status, &r.SubmittedAt, &r.UpdatedAt)
			return r, err
		})
	return page, err
}

// forecastList is the forecast list's view; see ForecastList.Setup for its
// indexes.
var forecastList = listView{
	view: "forecasts",
	columns: `id::text, version, applicant_id::text, applicant_name, unit_id::text, unit_name, plan_year,
		name_zh, name_en, COALESCE(to_char(start_date, 'YYYY-MM-DD'), ''), type, scale, computed_scale, chinese_count, foreign_count,
		status, submitted_at, updated_at`,
	nullable:   map[string]bool{"start_date": true},
	countOrder: "submitted_at DESC, id DESC",
}

// TotalCap is the most matching rows a list counts. The count is what a
// page of a large list costs most, since it reads every match however
// small the page; past the cap a page says total = TotalCap and
// totalCapped (a client shows "1000+"). Up to the cap the total is exact.
// At a million rows, counting 1,000 matches of a keyword that one row in
// sixteen has takes some 7 ms from an index and every further 1,000 as
// much again (docs/performance.md, "List queries").
const TotalCap = 1000

// listView is what listPage needs to know of a list's view.
type listView struct {
	view    string
	columns string // the page's columns, as scan reads them
	// nullable are the sort columns that may be null; their nulls come
	// last either way. The other columns sort without NULLS LAST, which
	// lets an index serve the order in both directions.
	nullable map[string]bool
	// countOrder, when set, is the order in which an index of each scope
	// holds the view's rows together with every column the filters test
	// but the grams. The count then reads the matches in that order from
	// the index alone and stops after TotalCap+1 of them, rather than
	// collect every match of a common keyword from the text index and
	// visit each one's table row.
	countOrder string
}

// listPage reads one page of the rows of l that w selects, ordered by
// sortCol (then id) and scanned by scan, and counts them up to TotalCap.
// The page's ids are found first and then their rows, so the rows a page
// skips or filters out are read from an index where one covers w, and only
// the page's own rows from the table. A page that is not full ends the
// list and so tells the total without counting: a rare keyword costs one
// search of the text index, not two.
func listPage[T any](ctx context.Context, pool DB, l listView, w *where, sortCol string, desc bool, page, size int,
	scan func(pgx.CollectableRow) (T, error)) (items []T, total int64, capped bool, err error) {
	offset := (page - 1) * size
	args := append(slices.Clip(w.args), size, offset)
	// The outer ORDER BY names the table's columns: the page's columns
	// may be named alike (id::text is "id").
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.%s p WHERE p.id = ANY(ARRAY(
			SELECT id FROM rm.%s WHERE %s ORDER BY %s LIMIT $%d OFFSET $%d))
		ORDER BY %s`, l.columns, l.view, l.view, w.String(), orderBy("", sortCol, desc, l.nullable[sortCol]), len(args)-1, len(args),
		orderBy("p.", sortCol, desc, l.nullable[sortCol])), args...)
	if err != nil {
		return nil, 0, false, fmt.Errorf("list %s: %w", l.view, err)
	}
	items, err = pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, 0, false, fmt.Errorf("list %s: %w", l.view, err)
	}
	if n := len(items); n > 0 && n < size || n == 0 && offset == 0 {
		total = int64(offset + n)
	} else if total, err = countCapped(ctx, pool, l, w); err != nil {
		return nil, 0, false, err
	}
	if total > TotalCap {
		total, capped = TotalCap, true
	}
	return items, total, capped, nil
}

// likeCountRows is how many matches the planner must expect of a short
// keyword before countCapped reads the scope index in order rather than
// the gram index. A keyword in 20,000 rows of a million meets TotalCap+1
// matches within some 50,000 index entries; the gram index would collect
// all 20,000 and visit a table row for each match it counts.
var likeCountRows = 20_000.0 // a variable for tests

// countCapped counts the rows of l that w selects, up to TotalCap+1. With
// l.countOrder it reads them in that order, from a covering index, and
// stops at the cap. A short keyword's gram condition keeps the count off
// such an index, so when the planner expects many matches the count tests
// the same keyword by LIKE on the search text instead; a rare one stays
// with the gram index, which finds its few matches at once.
func countCapped(ctx context.Context, pool DB, l listView, w *where) (int64, error) {
	order := ""
	if l.countOrder != "" {
		if w.gram != nil && w.gram.pattern != "" {
			var plan []struct {
				Plan struct {
					Rows float64 `json:"Plan Rows"`
				}
			}
			if err := pool.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 FROM rm.`+l.view+` WHERE `+w.String(), w.args...).Scan(&plan); err != nil {
				return 0, fmt.Errorf("count %s: %w", l.view, err)
			}
			if len(plan) == 1 && plan[0].Plan.Rows >= likeCountRows {
				w = w.likeForGram()
			}
		}
		if w.gram == nil {
			order = " ORDER BY " + l.countOrder
		}
	}
	var n int64
	args := append(slices.Clip(w.args), TotalCap+1)
	if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM rm.%s WHERE %s%s LIMIT $%d) s`,
		l.view, w.String(), order, len(args)), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", l.view, err)
	}
	return n, nil
}

// orderBy orders by col, then id, in one direction, both qualified by
// table; a nullable column's nulls come last.
func orderBy(table, col string, desc, nullable bool) string {
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	nulls := ""
	if nullable {
		nulls = " NULLS LAST"
	}
	return table + col + dir + nulls + ", " + table + "id" + dir
}

// pageOf counts the rows of rm.<view> that w selects and reads one page of
// columns, ordered by sortCol (nulls last, then id) and scanned by scan.
func pageOf[T any](ctx context.Context, pool DB, view, columns string, w *where, sortCol string, desc bool, page, size int,
	scan func(pgx.CollectableRow) (T, error)) ([]T, int64, error) {
	var total int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm.`+view+` WHERE `+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", view, err)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	args := append(slices.Clip(w.args), size, (page-1)*size)
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.%s WHERE %s ORDER BY %s %s NULLS LAST, id %s LIMIT $%d OFFSET $%d`,
		columns, view, w.String(), sortCol, dir, dir, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", view, err)
	}
	items, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", view, err)
	}
	return items, total, nil
}

// notFound turns "no row" into the domain's not found.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return err
}
