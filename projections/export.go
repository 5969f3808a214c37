package projections

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
)

// ExportKind is what an exported column holds, so that a spreadsheet can
// type its cells.
type ExportKind int

const (
	// ExportText cells are strings.
	ExportText ExportKind = iota
	// ExportNumber cells are int64.
	ExportNumber
	// ExportDate cells are time.Time at midnight UTC of the calendar day.
	ExportDate
	// ExportDateTime cells are time.Time holding the Beijing wall-clock
	// time in UTC, as spreadsheets have no time zones.
	ExportDateTime
)

// ExportColumn is one column of an export.
type ExportColumn struct {
	Header string // Chinese, with the English in brackets
	Kind   ExportKind
	Width  float64 // a suggested width in characters
}

// ExportSink receives an export as it is read: the columns once, then
// every row in order. A row's cells are nil (empty), string, int64 or
// time.Time according to the column's kind; the slice is reused for the
// next row. An error from the sink stops the export and is returned.
type ExportSink interface {
	Columns(cols []ExportColumn) error
	Row(cells []any) error
}

// exportColumn is an exported column and the SQL selecting it; label, when
// set, turns a stored code into its Chinese label.
type exportColumn struct {
	ExportColumn
	expr  string
	label func(string) string
}

func col(header string, kind ExportKind, width float64, expr string) exportColumn {
	return exportColumn{ExportColumn: ExportColumn{Header: header, Kind: kind, Width: width}, expr: expr}
}

func labelled(header string, width float64, expr string, label func(string) string) exportColumn {
	c := col(header, ExportText, width, expr)
	c.label = label
	return c
}

func zh[T interface {
	~string
	Zh() string
}](s string) string {
	return T(s).Zh()
}

// forecastExport are the columns of the forecast list export (R-FC-09).
var forecastExport = []exportColumn{
	col("预报编号 (ID)", ExportText, 38, "id::text"),
	col("计划年度 (Plan year)", ExportNumber, 10, "plan_year"),
	col("会议中文名称 (Chinese name)", ExportText, 40, "name_zh"),
	col("会议英文名称 (English name)", ExportText, 40, "name_en"),
	col("开始日期 (Start date)", ExportDate, 14, "start_date"),
	labelled("会议类型 (Type)", 12, "type", zh[classify.Type]),
	labelled("申报规模 (Declared scale)", 16, "scale", zh[classify.Scale]),
	labelled("认定规模 (Computed scale)", 16, "computed_scale", zh[classify.Scale]),
	col("中方人数 (Chinese attendees)", ExportNumber, 10, "chinese_count"),
	col("外方人数 (Foreign attendees)", ExportNumber, 10, "foreign_count"),
	col("申请人 (Applicant)", ExportText, 12, "applicant_name"),
	col("所在单位 (Unit)", ExportText, 20, "unit_name"),
	labelled("状态 (Status)", 14, "status", zh[forecast.Status]),
	col("提交时间 (Submitted at)", ExportDateTime, 20, "submitted_at"),
	col("更新时间 (Updated at)", ExportDateTime, 20, "updated_at"),
}

// declarationExport are the columns of the declaration list export
// (R-DECL-18).
var declarationExport = []exportColumn{
	col("申报编号 (ID)", ExportText, 38, "id::text"),
	col("会议中文名称 (Chinese name)", ExportText, 40, "name_zh"),
	col("会议英文名称 (English name)", ExportText, 40, "name_en"),
	col("开始日期 (Start date)", ExportDate, 14, "start_date"),
	col("结束日期 (End date)", ExportDate, 14, "end_date"),
	labelled("会议类型 (Type)", 12, "type", zh[classify.Type]),
	labelled("申报规模 (Declared scale)", 16, "scale", zh[classify.Scale]),
	labelled("认定类别 (Category)", 16, "NULLIF(category, '')", zh[classify.Scale]),
	col("境外人数 (Foreign attendees)", ExportNumber, 10, "foreign_count"),
	col("境内人数 (Domestic attendees)", ExportNumber, 10, "domestic_count"),
	col("总人数 (Total attendees)", ExportNumber, 10, "total_count"),
	col("举办省份 (Province)", ExportText, 12, "NULLIF(province, '')"),
	col("申请人 (Applicant)", ExportText, 12, "applicant_name"),
	col("所在单位 (Unit)", ExportText, 20, "unit_name"),
	col("预报编号 (Forecast ID)", ExportText, 38, "forecast_id::text"),
	labelled("状态 (Status)", 14, "status", zh[declaration.Status]),
	labelled("报备方式 (Filing)", 16, "filing", zh[policy.Filing]),
	col("报备截止日期 (File by)", ExportDate, 14, "file_by"),
	col("提交时间 (Submitted at)", ExportDateTime, 20, "submitted_at"),
	col("更新时间 (Updated at)", ExportDateTime, 20, "updated_at"),
}

// ExportForecasts writes every forecast the actor may list (R-ACT-02) that
// f selects, in f's order, to sink as the rows arrive from the database;
// f's page is ignored.
func (q *Queries) ExportForecasts(ctx context.Context, a domain.Actor, f ForecastFilter, sink ExportSink) error {
	w, err := forecastWhere(a, f)
	if err != nil {
		return err
	}
	return q.export(ctx, "forecasts", forecastExport, w, cmp.Or(forecastSorts[f.Sort], "submitted_at"), f.Desc, sink)
}

// ExportDeclarations writes every declaration the actor may list
// (R-ACT-02) that f selects, in f's order, to sink as the rows arrive from
// the database; f's page is ignored.
func (q *Queries) ExportDeclarations(ctx context.Context, a domain.Actor, f DeclarationFilter, sink ExportSink) error {
	w, err := declarationWhere(a, f)
	if err != nil {
		return err
	}
	return q.export(ctx, "declarations", declarationExport, w, cmp.Or(declarationSorts[f.Sort], "updated_at"), f.Desc, sink)
}

// forecastWhere selects what ListForecasts lists for a and f.
func forecastWhere(a domain.Actor, f ForecastFilter) (*where, error) {
	var w where
	if err := scopeOf(a, domain.KindForecast, recordScope, &w); err != nil {
		return nil, err
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	}
	if !slices.Contains(f.Statuses, string(forecast.StatusWithdrawn)) {
		// Said even when the statuses asked for imply it: the partial
		// indexes of listed forecasts (see forecastSortIndexes) serve a
		// query whose plan can prove their predicate from the text alone.
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
	return &w, nil
}

// declarationWhere selects what ListDeclarations lists for a and f.
func declarationWhere(a domain.Actor, f DeclarationFilter) (*where, error) {
	var w where
	if err := scopeOf(a, domain.KindDeclaration, recordScope, &w); err != nil {
		return nil, err
	}
	if len(f.Statuses) > 0 {
		w.add("status = ANY(?)", f.Statuses)
	} else {
		w.add("status <> 'withdrawn'")
	}
	if len(f.Types) > 0 {
		w.add("type = ANY(?)", f.Types)
	}
	if len(f.Scales) > 0 {
		w.add("scale = ANY(?)", f.Scales)
	}
	if f.UnitID != uuid.Nil {
		w.add("unit_id = ?", f.UnitID)
	}
	if f.Year != 0 {
		w.add("start_date >= make_date(?, 1, 1) AND start_date < make_date(?, 1, 1)", f.Year, f.Year+1)
	}
	for _, b := range []struct {
		cond string
		d    domain.Date
	}{
		{"start_date >= ?::date", f.StartFrom}, {"start_date <= ?::date", f.StartTo},
		{"end_date >= ?::date", f.EndFrom}, {"end_date <= ?::date", f.EndTo},
	} {
		if !b.d.IsZero() {
			w.add(b.cond, b.d.String())
		}
	}
	keyword(&w, f.Keyword)
	return &w, nil
}

// export streams the rows of rm.<view> that w selects, ordered as the
// lists order them, to sink. pgx hands rows over as it reads them off the
// connection, and PostgreSQL stops sending while the client does not read,
// so only a network buffer's worth of rows is ever in memory.
func (q *Queries) export(ctx context.Context, view string, cols []exportColumn, w *where, sortCol string, desc bool, sink ExportSink) error {
	exprs := make([]string, len(cols))
	heads := make([]ExportColumn, len(cols))
	for i, c := range cols {
		exprs[i], heads[i] = c.expr, c.ExportColumn
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	rows, err := q.pool.Query(ctx, fmt.Sprintf(`SELECT %s FROM rm.%s WHERE %s ORDER BY %s %s NULLS LAST, id %s`,
		strings.Join(exprs, ", "), view, w.String(), sortCol, dir, dir), w.args...)
	if err != nil {
		return fmt.Errorf("export %s: %w", view, err)
	}
	defer rows.Close()
	if err := sink.Columns(heads); err != nil {
		return err
	}
	cells := make([]any, len(cols))
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("export %s: %w", view, err)
		}
		for i, c := range cols {
			if cells[i], err = c.cell(vals[i]); err != nil {
				return fmt.Errorf("export %s: %w", view, err)
			}
		}
		if err := sink.Row(cells); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("export %s: %w", view, err)
	}
	return nil
}

// cell turns a value as pgx decodes it into the cell the column's kind
// promises.
func (c exportColumn) cell(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch c.Kind {
	case ExportText:
		s, ok := v.(string)
		if !ok {
			break
		}
		if c.label != nil {
			s = c.label(s)
		}
		return s, nil
	case ExportNumber:
		switch n := v.(type) {
		case int16:
			return int64(n), nil
		case int32:
			return int64(n), nil
		case int64:
			return n, nil
		}
	case ExportDate:
		if t, ok := v.(time.Time); ok {
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	case ExportDateTime:
		if t, ok := v.(time.Time); ok {
			t = t.In(domain.Shanghai)
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), nil
		}
	}
	return nil, fmt.Errorf("column %s: unexpected %T", c.Header, v)
}
