package projections

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
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
	// Keyword matches anywhere in the names, the applicant, the unit and
	// the department. Sorted by anything but submittedAt, a keyword's
	// matches are its newest TotalCap matches in that order: when more
	// match (totalCapped), the rest are found by a longer keyword or in the
	// order of submission.
	Keyword  string
	Sort     string
	Desc     bool
	Page     int
	PageSize int
	// Cursor, when set, is where the page starts: after the row a previous
	// page's NextCursor names, in the same order (Page is then 1).
	Cursor *ForecastCursor
}

// ForecastCursor is a place in the forecast list: a row's sort value and
// id in one order. Clients get it as an opaque string (NextCursor).
type ForecastCursor struct {
	Sort  string    `json:"s"`
	Desc  bool      `json:"d"`
	Value *string   `json:"v"`
	ID    uuid.UUID `json:"i"`
}

// String is the cursor as clients see it: base64url of its JSON.
func (c ForecastCursor) String() string {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings, a bool and a UUID
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseForecastCursor reads a cursor a page gave; ok is false for anything
// else (not base64url JSON, an unknown sort, a value its column cannot
// hold).
func parseForecastCursor(s string) (ForecastCursor, bool) {
	var c ForecastCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == uuid.Nil {
		return c, false
	}
	col, ok := forecastSorts[c.Sort]
	if !ok {
		return c, false
	}
	if c.Value == nil {
		return c, forecastList.nullable[col]
	}
	v := *c.Value
	switch sortTypes[col] {
	case "timestamptz":
		_, err = time.Parse(time.RFC3339Nano, v)
	case "date":
		_, err = domain.ParseDate(v)
	case "int":
		_, err = strconv.ParseInt(v, 10, 32)
	default:
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			err = errors.New("not text")
		}
	}
	return c, err == nil
}

// cursorAfter is the cursor naming r's place in order (sort, desc).
func cursorAfter(r ForecastRow, sort string, desc bool) ForecastCursor {
	var v string
	switch forecastSorts[sort] {
	case "submitted_at":
		v = r.SubmittedAt.UTC().Format(time.RFC3339Nano)
	case "updated_at":
		v = r.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case "start_date":
		v = r.StartDate
	case "plan_year":
		v = strconv.Itoa(r.PlanYear)
	case "name_zh":
		v = r.NameZh
	case "name_en":
		v = r.NameEn
	case "status":
		v = r.Status
	case "scale":
		v = r.Scale
	case "applicant_name":
		v = r.ApplicantName
	case "unit_name":
		v = r.UnitName
	case "foreign_count":
		v = strconv.Itoa(r.ForeignCount)
	case "chinese_count":
		v = strconv.Itoa(r.ChineseCount)
	}
	c := ForecastCursor{Sort: sort, Desc: desc, ID: uuid.MustParse(r.ID)}
	if v != "" || forecastSorts[sort] != "start_date" {
		c.Value = &v
	}
	return c
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
	p := readParams(q, "status", "scale", "planYear", "unitId", "cursor")
	f.Statuses = p.list("status", "status", "未知的状态", func(s string) bool { return forecast.Status(s).Valid() })
	f.Scales = p.scales()
	f.PlanYear = p.year("planYear")
	f.UnitID = p.uuid("unitId", "单位ID格式错误")
	f.Keyword = p.keyword()
	p.sort(forecastSorts, &f.Sort, &f.Desc)
	f.Page, f.PageSize = p.page()
	if v := q.Get("cursor"); v != "" {
		c, ok := parseForecastCursor(v)
		switch {
		case !ok || len(v) > 4096:
			p.fail("cursor", "not a cursor this list gave", "游标无效")
		case c.Sort != f.Sort || c.Desc != f.Desc:
			p.fail("cursor", "the cursor is for another sort or order", "游标与排序不符")
		case q.Get("page") != "":
			p.fail("page", "page and cursor exclude each other", "页码与游标不能同时使用")
		default:
			f.Cursor = &c
		}
	}
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
	// keyword says a keyword condition is among conds: conds[kw], for the
	// lower-cased keyword kwText.
	keyword bool
	kw      int
	kwText  string
	// scope are the conditions of the actor's scope among conds (scopeOf).
	scope []int
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
	c := &where{conds: slices.Clone(w.conds), args: slices.Clone(w.args), keyword: w.keyword, kw: w.kw, kwText: w.kwText, scope: w.scope}
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

// param matches a condition's numbered argument.
var param = regexp.MustCompile(`\$[0-9]+`)

// pick is the conditions conds[i] of w for each i of which, in that
// order, with their arguments numbered afresh from $1: a statement may
// not pass an argument it does not use.
func (w *where) pick(which ...int) ([]string, []any) {
	var args []any
	renumbered := map[string]string{}
	conds := make([]string, len(which))
	for j, i := range which {
		conds[j] = param.ReplaceAllStringFunc(w.conds[i], func(p string) string {
			if r, ok := renumbered[p]; ok {
				return r
			}
			n, _ := strconv.Atoi(p[1:])
			args = append(args, w.args[n-1])
			renumbered[p] = "$" + strconv.Itoa(len(args))
			return renumbered[p]
		})
	}
	return conds, args
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
	first := len(w.conds)
	defer func() {
		for i := first; i < len(w.conds); i++ {
			w.scope = append(w.scope, i)
		}
	}()
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
	w.keyword, w.kw, w.kwText = true, len(w.conds), k
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

// ListForecasts returns one page of the forecasts the actor may see, from
// f.Page or after f.Cursor.
func (q *Queries) ListForecasts(ctx context.Context, a domain.Actor, f ForecastFilter) (ForecastPage, error) {
	w, err := forecastWhere(a, f)
	if err != nil {
		return ForecastPage{}, err
	}
	page := ForecastPage{Page: f.Page, PageSize: f.PageSize}
	at := pageAt{page: f.Page, size: f.PageSize, bounded: true}
	if f.Cursor != nil {
		at.page, page.Page = 1, 1
		at.after = &keyset{value: f.Cursor.Value, id: f.Cursor.ID}
	}
	var more bool
	page.Items, more, page.Total, page.TotalCapped, err = listPageAt(ctx, q.pool, forecastList, w,
		listOrder{col: cmp.Or(forecastSorts[f.Sort], "submitted_at"), desc: f.Desc}, at,
		func(row pgx.CollectableRow) (ForecastRow, error) {
			var r ForecastRow
			err := row.Scan(&r.ID, &r.Version, &r.ApplicantID, &r.ApplicantName, &r.UnitID, &r.UnitName, &r.PlanYear,
				&r.NameZh, &r.NameEn, &r.StartDate, &r.Type, &r.Scale, &r.ComputedScale, &r.ChineseCount, &r.ForeignCount,
				&r.Status, &r.SubmittedAt, &r.UpdatedAt)
			return r, err
		})
	if err == nil && more {
		page.NextCursor = cursorAfter(page.Items[len(page.Items)-1], cmp.Or(f.Sort, "submittedAt"), f.Desc).String()
	}
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
	rareByText: true,
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
	// rareByText says the view's text indexes carry the unit and its
	// gram index whole words (forecastGrams), which rareKeywordIDs asks
	// for; a rare keyword (rareKeyword) is then found from them.
	rareByText bool
}

// listPage reads one page of the rows of l that w selects, ordered by
// sortCol (then id) and scanned by scan, and counts them up to TotalCap
// (listPageAt without a cursor or a bound).
func listPage[T any](ctx context.Context, pool DB, l listView, w *where, sortCol string, desc bool, page, size int,
	scan func(pgx.CollectableRow) (T, error)) (items []T, total int64, capped bool, err error) {
	items, _, total, capped, err = listPageAt(ctx, pool, l, w, listOrder{col: sortCol, desc: desc}, pageAt{page: page, size: size}, scan)
	return items, total, capped, err
}

// listOrder is a list's order: a column, then id, one direction.
type listOrder struct {
	col  string
	desc bool
}

// pageAt is which page listPageAt reads.
type pageAt struct {
	page, size int
	// after, when set, is the keyset position the page starts after
	// (page is then 1): the page costs what the first one does however
	// deep it is, and rows inserted before that position do not shift it.
	after *keyset
	// bounded: a keyword's matches in an order other than l.countOrder's
	// are the newest TotalCap matches in that order (see
	// ForecastFilter.Keyword); without it, all of them.
	bounded bool
}

// keyset is a row's place in a listOrder: its sort value (as text, null
// when null) and its id.
type keyset struct {
	value *string
	id    uuid.UUID
}

// listPageAt reads one page of the rows of l that w selects, in order o and
// scanned by scan, and counts them up to TotalCap; more says a row follows
// the page's last one. The page's ids are found first and then their rows,
// so the rows a page skips or filters out are read from an index where one
// covers w, and only the page's own rows from the table. A page that ends
// the list tells the total without counting: a rare keyword costs one
// search of the text index, not two.
func listPageAt[T any](ctx context.Context, pool DB, l listView, w *where, o listOrder, at pageAt,
	scan func(pgx.CollectableRow) (T, error)) (items []T, more bool, total int64, capped bool, err error) {
	offset := (at.page - 1) * at.size
	// newest are a bounded list's matches, TotalCap+1 at most, or every
	// match of a rare keyword.
	var newest []uuid.UUID
	bounded := at.bounded && l.countOrder != "" && w.keyword && !strings.HasPrefix(l.countOrder, o.col+" ")
	if rare, err := rareKeyword(ctx, pool, l, w); err != nil {
		return nil, false, 0, false, err
	} else if rare {
		found, err := rareKeywordIDs(ctx, pool, l, w)
		if err != nil {
			return nil, false, 0, false, err
		}
		// More than TotalCap serve a bounded list as they are; an
		// unbounded one's page may lie beyond them, and reads the
		// matches in order as a common keyword's.
		if len(found) <= TotalCap || bounded {
			newest = append(make([]uuid.UUID, 0, len(found)), found...) // not nil when none match
		}
	}
	if newest == nil {
		if w, err = commonShortKeyword(ctx, pool, l, w); err != nil {
			return nil, false, 0, false, err
		}
	}
	if bounded && newest == nil {
		// One read of the newest matches (from the scope index, which
		// carries the search text) gives the page its rows and the total.
		rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT id FROM rm.%s WHERE %s ORDER BY %s LIMIT %d`, l.view, w.String(), l.countOrder, TotalCap+1), w.args...)
		if err != nil {
			return nil, false, 0, false, fmt.Errorf("list %s: %w", l.view, err)
		}
		if newest, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return nil, false, 0, false, fmt.Errorf("list %s: %w", l.view, err)
		}
		newest = append(make([]uuid.UUID, 0, len(newest)), newest...) // not nil when none match
	}
	ids, args := pageIDs(l, w, o, at, newest)
	args = append(args, at.size+1, offset)
	// The outer ORDER BY names the table's columns: the page's columns
	// may be named alike (id::text is "id").
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.%s p WHERE p.id = ANY(ARRAY(%s LIMIT $%d OFFSET $%d))
		ORDER BY %s`, l.columns, l.view, ids, len(args)-1, len(args), orderBy("p.", o.col, o.desc, l.nullable[o.col])), args...)
	if err != nil {
		return nil, false, 0, false, fmt.Errorf("list %s: %w", l.view, err)
	}
	items, err = pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, false, 0, false, fmt.Errorf("list %s: %w", l.view, err)
	}
	if more = len(items) > at.size; more {
		items = items[:at.size]
	}
	if n := len(items); newest != nil {
		total = int64(len(newest))
	} else if at.after == nil && (!more && n > 0 || n == 0 && offset == 0) {
		total = int64(offset + n)
	} else if total, err = countCapped(ctx, pool, l, w); err != nil {
		return nil, false, 0, false, err
	}
	if total > TotalCap {
		total, capped = TotalCap, true
	}
	return items, more, total, capped, nil
}

// pageIDs is the query of the ids of the rows of a page in order (to which
// the caller appends LIMIT and OFFSET) and its arguments. A bounded list
// (pageAt.bounded) and a rare keyword page through the first TotalCap of
// newest, the newest matches.
func pageIDs(l listView, w *where, o listOrder, at pageAt, newest []uuid.UUID) (string, []any) {
	args := slices.Clip(w.args)
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	nullable := l.nullable[o.col]
	order := orderBy("", o.col, o.desc, nullable)
	if newest != nil {
		// Their rows' sort values by primary key, then their page in the
		// order asked for (w is in newest already). OFFSET 0 keeps the
		// planner from walking the sort column's index for them instead,
		// testing each entry against the array: it takes them for spread
		// evenly through that order, and a keyword's matches cluster in
		// the names (123,000 entries passed at 1M).
		args = nil
		from := fmt.Sprintf(`(SELECT id, %s FROM rm.%s WHERE id = ANY(%s::uuid[]) OFFSET 0) m`, o.col, l.view, arg(newest[:min(len(newest), TotalCap)]))
		cond := "true"
		if at.after != nil {
			cond = afterCond(o, nullable, at.after, arg, true)
		}
		return fmt.Sprintf(`SELECT id FROM %s WHERE %s ORDER BY %s`, from, cond, order), args
	}
	if at.after == nil {
		return fmt.Sprintf(`SELECT id FROM rm.%s WHERE %s ORDER BY %s`, l.view, w.String(), order), args
	}
	if !nullable || at.after.value == nil {
		return fmt.Sprintf(`SELECT id FROM rm.%s WHERE %s AND %s ORDER BY %s`, l.view, w.String(),
			afterCond(o, nullable, at.after, arg, false), order), args
	}
	// After a value of a nullable column: the later values, each part read
	// in order from its index, then the nulls, which come last.
	return fmt.Sprintf(`SELECT id FROM ((SELECT id, 0 AS part, %[1]s FROM rm.%[2]s WHERE %[3]s AND %[4]s ORDER BY %[5]s LIMIT %[6]s)
		UNION ALL (SELECT id, 1, %[1]s FROM rm.%[2]s WHERE %[3]s AND %[1]s IS NULL ORDER BY %[5]s LIMIT %[6]s)) a ORDER BY part, %[5]s`,
		o.col, l.view, w.String(), afterCond(o, false, at.after, arg, false), order, arg(at.size+1)), args
}

// afterCond is the condition that a row comes after position k in order o:
// a row comparison an index on (column, id) reads from. A null value is
// the nulls' place, last; orNull adds that every null follows a value
// (where no index is to serve it).
func afterCond(o listOrder, nullable bool, k *keyset, arg func(any) string, orNull bool) string {
	op := " > "
	if o.desc {
		op = " < "
	}
	id := arg(k.id) + "::uuid"
	if k.value == nil {
		return o.col + " IS NULL AND id" + op + id
	}
	c := "(" + o.col + ", id)" + op + "(" + arg(*k.value) + "::text::" + cmp.Or(sortTypes[o.col], "text") + ", " + id + ")"
	if nullable && orNull {
		c = "(" + c + " OR " + o.col + " IS NULL)"
	}
	return c
}

// sortTypes are the SQL types of the lists' sort columns (for a keyset's
// value, sent as text); a column not named is text.
var sortTypes = map[string]string{"submitted_at": "timestamptz", "updated_at": "timestamptz", "start_date": "date",
	"plan_year": "int", "chinese_count": "int", "foreign_count": "int"}

// A keyword is rare in a scope when fewer than rareMatches of the scope's
// newest rareProbeRows rows (in the list's countOrder) hold it. A page in
// order then finds few matches early and walks the scope's index far, or
// all of it when its forecasts hold none (a unit admin's keyword that only
// other units' forecasts hold: the unit's 250,000 index entries at 10M
// rows, 67 ms); the text indexes find its matches directly instead
// (rareKeywordIDs). The probe reads rareProbeRows index entries at most,
// whatever the table's size; a keyword rarer than rareMatches in
// rareProbeRows has some 1,000 matches in 10M rows if spread evenly.
const rareProbeRows = 10_000

var rareMatches = 10 // a variable for tests

// rareKeyword tells whether w's keyword is rare in w's scope (see
// rareProbeRows), for a list found by text (listView.rareByText) with a
// countOrder, whose scope indexes carry the search text: the probe reads
// them alone. A short keyword is tested
// by LIKE there; one whose grams LIKE cannot stand for is not probed.
func rareKeyword(ctx context.Context, pool DB, l listView, w *where) (bool, error) {
	if !l.rareByText || l.countOrder == "" || !w.keyword {
		return false, nil
	}
	if w.gram != nil {
		if w.gram.pattern == "" {
			return false, nil
		}
		w = w.likeForGram()
	}
	conds, args := w.pick(append(slices.Clone(w.scope), w.kw)...)
	scope := "true"
	if len(conds) > 1 {
		scope = strings.Join(conds[:len(conds)-1], " AND ")
	}
	var n int
	err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM (SELECT 1 FROM (SELECT search FROM rm.%s WHERE %s ORDER BY %s LIMIT %d) s
		WHERE %s LIMIT %d) m`, l.view, scope, l.countOrder, rareProbeRows, conds[len(conds)-1], rareMatches), args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("list %s: %w", l.view, err)
	}
	return n < rareMatches, nil
}

// unitCond matches the condition that a row is one unit's, as scopeOf and
// the filters write it.
var unitCond = regexp.MustCompile(`^unit_id = (\$[0-9]+)$`)

// rareKeywordIDs are the ids of the rows of l that w selects, newest first
// (countOrder), TotalCap+1 at most, found from the text indexes alone
// (forecasts_search, forecasts_grams): the subquery behind OFFSET 0 is
// planned to return every match, for which the scope's btree walk is
// dearer than the text index, and a unit's condition is asked of the
// unit the text indexes carry, as no btree can answer it in that form. A
// keyword's whole words (keywordWords), which every match holds, are
// asked of the gram index: a word in few rows ("（12345）") finds them at
// once where each of its trigrams is in many.
func rareKeywordIDs(ctx context.Context, pool DB, l listView, w *where) ([]uuid.UUID, error) {
	ws := keywordWords(w.kwText)
	// With words, the keyword's own condition is tested on the rows they
	// find, outside the subquery: else the planner ANDs the trigram
	// index's bitmap in, whose every trigram is common (692 buffers at 1M
	// rows for "研讨会（12345）", against 4 for the word's).
	var which []int
	for i := range w.conds {
		if i != w.kw || len(ws) == 0 {
			which = append(which, i)
		}
	}
	outer := "true"
	if len(ws) > 0 {
		which = append(which, w.kw)
	}
	conds, args := w.pick(which...)
	if len(ws) > 0 {
		outer, conds = conds[len(conds)-1], conds[:len(conds)-1]
		args = append(args, ws)
		conds = append(conds, "grams @> $"+strconv.Itoa(len(args))+"::text[]")
	}
	for i, c := range conds {
		if m := unitCond.FindStringSubmatch(c); m != nil {
			conds[i] = "ARRAY[unit_id] @> ARRAY[" + m[1] + "::uuid]"
		}
	}
	col, _, _ := strings.Cut(l.countOrder, " ")
	rows, err := pool.Query(ctx, fmt.Sprintf(`SELECT id FROM (SELECT id, %s, search FROM rm.%s WHERE %s OFFSET 0) m WHERE %s ORDER BY %s LIMIT %d`,
		col, l.view, strings.Join(conds, " AND "), outer, l.countOrder, TotalCap+1), args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", l.view, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", l.view, err)
	}
	return ids, nil
}

// commonShortKeyword is w with a short keyword's gram condition tested by
// LIKE on the search text instead when the planner expects many matches
// (likeCountRows or more): the scope indexes carry the search text, so a
// page and its count then read the matches in order from the index alone
// and stop early, rather than collect every match from the gram index and
// visit each one's table row. A rare one stays with the gram index, which
// finds its few matches at once.
func commonShortKeyword(ctx context.Context, pool DB, l listView, w *where) (*where, error) {
	if l.countOrder == "" || w.gram == nil || w.gram.pattern == "" {
		return w, nil
	}
	var plan []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := pool.QueryRow(ctx, `EXPLAIN (FORMAT JSON) SELECT 1 FROM rm.`+l.view+` WHERE `+w.String(), w.args...).Scan(&plan); err != nil {
		return nil, fmt.Errorf("list %s: %w", l.view, err)
	}
	if len(plan) == 1 && plan[0].Plan.Rows >= likeCountRows {
		return w.likeForGram(), nil
	}
	return w, nil
}

// likeCountRows is how many matches the planner must expect of a short
// keyword before countCapped reads the scope index in order rather than
// the gram index. A keyword in 20,000 rows of a million meets TotalCap+1
// matches within some 50,000 index entries; the gram index would collect
// all 20,000 and visit a table row for each match it counts.
var likeCountRows = 20_000.0 // a variable for tests

// countCapped counts the rows of l that w selects, up to TotalCap+1. With
// l.countOrder it reads them in that order, from a covering index, and
// stops at the cap; a short keyword's gram condition, which no such index
// carries, keeps it off them (commonShortKeyword has turned a common one
// into LIKE already).
func countCapped(ctx context.Context, pool DB, l listView, w *where) (int64, error) {
	order := ""
	if l.countOrder != "" && w.gram == nil {
		order = " ORDER BY " + l.countOrder
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
