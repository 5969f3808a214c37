package projections

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
)

// Queries reads the read models through the rm views, applying the
// caller's scope (R-ACT-02) in every query.
type Queries struct {
	pool *pgxpool.Pool
}

// NewQueries reads through pool.
func NewQueries(pool *pgxpool.Pool) *Queries { return &Queries{pool: pool} }

// recordID takes the id out of a stream name like "forecast-<uuid>".
func recordID(stream, prefix string) (uuid.UUID, error) {
	id, err := uuid.Parse(strings.TrimPrefix(stream, prefix))
	if err != nil || !strings.HasPrefix(stream, prefix) {
		return uuid.Nil, fmt.Errorf("stream %q is not %s<uuid>", stream, prefix)
	}
	return id, nil
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
	f := ForecastFilter{Sort: "submittedAt", Desc: true, Page: 1, PageSize: 20}
	var bad []domain.FieldError
	fail := func(param, en, zh string) {
		bad = append(bad, domain.FieldError{Path: "query:" + param, Rule: "SCHEMA", Message: en, Zh: zh})
	}
	known := map[string]bool{"status": true, "scale": true, "planYear": true, "unitId": true, "q": true, "sort": true, "order": true, "page": true, "pageSize": true}
	for k := range q {
		if !known[k] {
			fail(k, "unknown query parameter", "未知的查询参数")
		}
	}
	for _, s := range splitList(q.Get("status")) {
		if !forecast.Status(s).Valid() {
			fail("status", fmt.Sprintf("unknown status %q", s), "未知的状态")
		}
		f.Statuses = append(f.Statuses, s)
	}
	for _, s := range splitList(q.Get("scale")) {
		if !classify.Scale(s).Valid() {
			fail("scale", fmt.Sprintf("unknown scale %q; want small, general or major", s), "未知的会议规模")
		}
		f.Scales = append(f.Scales, s)
	}
	if v := q.Get("planYear"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 2000 || y > 2200 {
			fail("planYear", "want a year such as 2027", "年度格式错误")
		}
		f.PlanYear = y
	}
	if v := q.Get("unitId"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			fail("unitId", "want a UUID", "单位ID格式错误")
		}
		f.UnitID = id
	}
	f.Keyword = strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(f.Keyword) > 100 {
		fail("q", "at most 100 characters", "关键词最多100个字符")
	}
	if v := q.Get("sort"); v != "" {
		if _, ok := forecastSorts[v]; !ok {
			fail("sort", "unknown sort column", "未知的排序字段")
		}
		f.Sort = v
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		f.Desc = false
	default:
		fail("order", "want asc or desc", "排序方向应为asc或desc")
	}
	f.Page = intParam(q, "page", 1, 1, 1_000_000, fail)
	f.PageSize = intParam(q, "pageSize", 20, 1, 100, fail)
	return f, bad
}

func intParam(q url.Values, name string, def, lo, hi int, fail func(string, string, string)) int {
	v := q.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		fail(name, fmt.Sprintf("want a whole number from %d to %d", lo, hi), fmt.Sprintf("应为%d至%d的整数", lo, hi))
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

// scopeOf restricts rows to what the actor may read (R-ACT-02).
func scopeOf(a domain.Actor, w *where) error {
	switch a.Role {
	case domain.RoleApplicant:
		w.add("applicant_id = ?", a.UserID)
	case domain.RoleUnitAdmin:
		w.add("unit_id = ?", a.OrgID)
	case domain.RoleSchoolAdmin:
		w.add("university_id = ?", a.OrgID)
	case domain.RoleAuthorityReviewer:
		w.add("authority_id = ? AND at_authority", a.OrgID)
	case domain.RoleAuditor, domain.RoleAnalyst:
	default:
		return fmt.Errorf("list records: %w", domain.ErrForbidden)
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
		return
	}
	w.add(`search LIKE ?`, likePattern(k))
}

// ListForecasts returns one page of the forecasts the actor may see.
func (q *Queries) ListForecasts(ctx context.Context, a domain.Actor, f ForecastFilter) (ForecastPage, error) {
	var w where
	if err := scopeOf(a, &w); err != nil {
		return ForecastPage{}, err
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	} else {
		w.add("status <> 'withdrawn'")
	}
	if len(f.Scales) > 0 {
		w.add("scale = ANY(?)", f.Scales)
	}
	if f.PlanYear != 0 {
		w.add("plan_year = ?", f.PlanYear)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	keyword(&w, f.Keyword)
	dir := "ASC"
	if f.Desc {
		dir = "DESC"
	}
	col := forecastSorts[f.Sort]
	if col == "" {
		col = "submitted_at"
	}
	page := ForecastPage{Items: []ForecastRow{}, Page: f.Page, PageSize: f.PageSize}
	if err := q.pool.QueryRow(ctx, `SELECT count(*) FROM rm.forecasts WHERE `+w.String(), w.args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count forecasts: %w", err)
	}
	args := append(w.args, f.PageSize, (f.Page-1)*f.PageSize)
	rows, err := q.pool.Query(ctx, fmt.Sprintf(`SELECT id::text, version, applicant_id::text, applicant_name, unit_id::text, unit_name, plan_year,
			name_zh, name_en, COALESCE(to_char(start_date, 'YYYY-MM-DD'), ''), type, scale, computed_scale, chinese_count, foreign_count,
			status, submitted_at, updated_at
		FROM rm.forecasts WHERE %s ORDER BY %s %s NULLS LAST, id %s LIMIT $%d OFFSET $%d`,
		w.String(), col, dir, dir, len(args)-1, len(args)), args...)
	if err != nil {
		return page, fmt.Errorf("list forecasts: %w", err)
	}
	page.Items, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ForecastRow, error) {
		var r ForecastRow
		err := row.Scan(&r.ID, &r.Version, &r.ApplicantID, &r.ApplicantName, &r.UnitID, &r.UnitName, &r.PlanYear,
			&r.NameZh, &r.NameEn, &r.StartDate, &r.Type, &r.Scale, &r.ComputedScale, &r.ChineseCount, &r.ForeignCount,
			&r.Status, &r.SubmittedAt, &r.UpdatedAt)
		return r, err
	})
	if err != nil {
		return page, fmt.Errorf("list forecasts: %w", err)
	}
	return page, nil
}

// notFound turns "no row" into the domain's not found.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, domain.ErrNotFound)
	}
	return err
}
