package projections_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/projections"
)

// recordSink keeps what an export writes; it stops the export with
// errStop after stopAfter rows when that is set.
type recordSink struct {
	cols      []projections.ExportColumn
	rows      [][]any
	stopAfter int
}

var errStop = errors.New("stop")

func (s *recordSink) Columns(cols []projections.ExportColumn) error {
	if s.cols != nil || s.rows != nil {
		return errors.New("columns twice or after rows")
	}
	s.cols = cols
	return nil
}

func (s *recordSink) Row(cells []any) error {
	if s.cols == nil {
		return errors.New("a row before the columns")
	}
	if len(cells) != len(s.cols) {
		return errors.New("a row of another width than the columns")
	}
	s.rows = append(s.rows, slices.Clone(cells))
	if s.stopAfter > 0 && len(s.rows) == s.stopAfter {
		return errStop
	}
	return nil
}

// ids is the first column of every row.
func (s *recordSink) ids() []string {
	out := make([]string, len(s.rows))
	for i, r := range s.rows {
		out[i] = r[0].(string)
	}
	return out
}

// TestExportsMatchTheLists: for every role and several filters an export
// holds exactly the rows the list shows, in the same order (R-ACT-02), with
// typed cells.
func TestExportsMatchTheLists(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, school := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin)
	auditor, admin := f.actor(t, domain.RoleAuditor), f.actor(t, domain.RolePlatformAdmin)
	otherApp, otherUnit := f.actorOf(t, f.tree.OtherApp.UserID), f.actorOf(t, f.tree.OtherUnitAd.UserID)

	submit := func(a domain.Actor, nameZh, nameEn, applicant string) uuid.UUID {
		t.Helper()
		res, err := f.app.SubmitForecast(ctx, a, commands.Meta{}, commands.SubmitForecast{Details: details(nameZh, nameEn, applicant)})
		if err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	approved := submit(app, "2027年量子计算国际研讨会", "Workshop on Quantum Computing", "张明远")
	if _, err := f.app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: approved}); err != nil {
		t.Fatal(err)
	}
	submit(app, "2027年数字经济国际学术会议", "Conference on Digital Economy", "张明远")
	withdrawn := submit(app, "2027年计算语言学国际会议", "Conference on Computational Linguistics", "张明远")
	if _, err := f.app.WithdrawForecast(ctx, app, commands.Meta{}, commands.WithdrawForecast{ForecastID: withdrawn}); err != nil {
		t.Fatal(err)
	}
	submit(otherApp, "2027年国际经济论坛", "Economics Forum", "刘经济")
	a := f.startDeclaration(t, app, conference{"计算材料学国际研讨会", "International Workshop on Computational Materials", "计算材料学的新方法", "张三", day(time.April, 20), 40})
	a.submit(app)
	f.startDeclaration(t, otherApp, conference{"第三届计算材料学国际会议", "Third International Conference on Computational Materials", "计算材料学", "刘经济", day(time.May, 4), 30}).submit(otherApp)
	f.startDeclaration(t, app, conference{"量子计算国际研讨会", "International Workshop on Quantum Computing", "量子计算", "张三", day(time.June, 10), 45})
	sync()

	actors := map[string]domain.Actor{"applicant": app, "unit": unit, "school": school, "auditor": auditor, "other applicant": otherApp, "other unit": otherUnit}
	forecastFilters := map[string]projections.ForecastFilter{
		"default":        {Sort: "submittedAt", Desc: true},
		"withdrawn":      {Statuses: []string{"withdrawn"}, Sort: "submittedAt", Desc: true},
		"keyword":        {Keyword: "国际会议", Sort: "nameZh"},
		"two characters": {Keyword: "经济", Sort: "nameZh", Desc: true},
		"unit":           {UnitID: unit.OrgID, Sort: "status"},
	}
	for an, actor := range actors {
		for fn, filter := range forecastFilters {
			var sink recordSink
			if err := q.ExportForecasts(ctx, actor, filter, &sink); err != nil {
				t.Fatalf("%s, %s: %v", an, fn, err)
			}
			filter.Page, filter.PageSize = 1, 100
			page, err := q.ListForecasts(ctx, actor, filter)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range page.Items {
				want = append(want, r.ID)
			}
			if got := sink.ids(); !slices.Equal(got, want) {
				t.Errorf("forecasts as %s, %s: export %v; list %v", an, fn, got, want)
			}
		}
	}
	// The scopes differ, so the comparisons above are not of empty sets.
	for an, want := range map[string]int{"unit": 2, "other unit": 1, "school": 3, "other applicant": 1} {
		var sink recordSink
		if err := q.ExportForecasts(ctx, actors[an], projections.ForecastFilter{}, &sink); err != nil || len(sink.rows) != want {
			t.Errorf("%s exports %d forecasts (%v); want %d", an, len(sink.rows), err, want)
		}
	}
	declarationFilters := map[string]projections.DeclarationFilter{
		"default": {Sort: "updatedAt", Desc: true},
		"drafts":  {Statuses: []string{"draft"}, Sort: "nameZh"},
		"keyword": {Keyword: "计算材料", Sort: "startDate"},
		"range":   {StartFrom: day(time.April, 1), StartTo: day(time.May, 31), Sort: "startDate", Desc: true},
	}
	for an, actor := range actors {
		for fn, filter := range declarationFilters {
			var sink recordSink
			if err := q.ExportDeclarations(ctx, actor, filter, &sink); err != nil {
				t.Fatalf("%s, %s: %v", an, fn, err)
			}
			filter.Page, filter.PageSize = 1, 100
			page, err := q.ListDeclarations(ctx, actor, filter)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range page.Items {
				want = append(want, r.ID)
			}
			if got := sink.ids(); !slices.Equal(got, want) {
				t.Errorf("declarations as %s, %s: export %v; list %v", an, fn, got, want)
			}
		}
	}

	// The cells are typed and labelled in Chinese; times are Beijing time.
	var fc recordSink
	if err := q.ExportForecasts(ctx, unit, projections.ForecastFilter{Statuses: []string{"unit_approved"}}, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.rows) != 1 {
		t.Fatalf("unit-approved forecasts: %d rows", len(fc.rows))
	}
	row := map[string]any{}
	for i, c := range fc.cols {
		row[c.Header] = fc.rows[0][i]
	}
	for header, want := range map[string]any{
		"预报编号 (ID)": approved.String(), "计划年度 (Plan year)": int64(2027), "会议中文名称 (Chinese name)": "2027年量子计算国际研讨会",
		"开始日期 (Start date)": time.Date(2027, 5, 10, 0, 0, 0, 0, time.UTC), "会议类型 (Type)": "自然科学", "申报规模 (Declared scale)": "一般国际会议",
		"外方人数 (Foreign attendees)": int64(40), "状态 (Status)": "单位初审通过", "所在单位 (Unit)": "计算机学院",
		"提交时间 (Submitted at)": time.Date(2026, 9, 10, 10, 0, 0, 0, time.UTC),
	} {
		if got := row[header]; got != want {
			t.Errorf("%s: %#v; want %#v", header, got, want)
		}
	}
	var dc recordSink
	if err := q.ExportDeclarations(ctx, app, projections.DeclarationFilter{Statuses: []string{"submitted"}}, &dc); err != nil {
		t.Fatal(err)
	}
	if len(dc.rows) != 1 || len(dc.cols) != 20 {
		t.Fatalf("the applicant's submitted declarations: %d rows of %d columns", len(dc.rows), len(dc.cols))
	}
	row = map[string]any{}
	for i, c := range dc.cols {
		row[c.Header] = dc.rows[0][i]
	}
	for header, want := range map[string]any{
		"申报编号 (ID)": a.id().String(), "结束日期 (End date)": time.Date(2027, 4, 22, 0, 0, 0, 0, time.UTC), "总人数 (Total attendees)": int64(150),
		"状态 (Status)": "个人申请", "认定类别 (Category)": "一般国际会议",
	} {
		if got := row[header]; got != want {
			t.Errorf("%s: %#v; want %#v", header, got, want)
		}
	}

	// A role without a list scope gets no rows (R-ACT-02: records outside
	// one's scope do not exist for one).
	var none recordSink
	if err := q.ExportForecasts(ctx, admin, projections.ForecastFilter{}, &none); err != nil || len(none.rows) != 0 {
		t.Errorf("platform admin: %v, rows %v; want none", err, none.rows)
	}
}

// TestExportStreamsRowByRow: the sink gets each row as it is read, and an
// error from it stops the read at once.
func TestExportStreamsRowByRow(t *testing.T) {
	f := newFixture(t)
	sync := f.runDeclarations(t)
	f.submitMany(t, 5)
	sync()
	q := projections.NewQueries(f.pool)
	sink := recordSink{stopAfter: 2}
	err := q.ExportForecasts(context.Background(), f.actor(t, domain.RoleSchoolAdmin), projections.ForecastFilter{Sort: "submittedAt"}, &sink)
	if !errors.Is(err, errStop) || len(sink.rows) != 2 {
		t.Fatalf("stopped after 2 of 5 rows: %v, %d rows", err, len(sink.rows))
	}
	// The connection went back to the pool usable.
	all := recordSink{}
	if err := q.ExportForecasts(context.Background(), f.actor(t, domain.RoleSchoolAdmin), projections.ForecastFilter{}, &all); err != nil || len(all.rows) != 5 {
		t.Fatalf("export after a stopped one: %v, %d rows", err, len(all.rows))
	}
}
