package projections_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/projections"
)

// effective are the conference's values, after an approved change.
func (c *conf) effective() change.Values {
	if v, ok := c.chg.Effective(); ok {
		return v
	}
	return change.ValuesOf(c.d.Form())
}

func (c *conf) summarySnapshot() summary.Snapshot {
	v := c.effective()
	return summary.Snapshot{ID: c.id(), ApplicantID: c.d.ApplicantID(), Scope: c.d.Scope(), Status: c.d.Status(),
		NameZh: v.NameZh, EndDate: v.Dates.End}
}

// handIn opens (when not open), saves x and submits the summary at now.
func (c *conf) handIn(x summary.Content, now time.Time) {
	c.t.Helper()
	p, r := policy.Default(), summary.DefaultRules()
	if !c.sum.Exists() {
		put(c.sumS, c.app, now, c.sum.Open(c.app, c.summarySnapshot(), r, now), c.sum.Pending())
	}
	put(c.sumS, c.app, now, c.sum.Save(c.app, x, p, r, now), c.sum.Pending())
	put(c.sumS, c.app, now, c.sum.Submit(c.app, p, r, now), c.sum.Pending())
}

// checkDeadlines runs the deadline engine's decision for the conference at
// now.
func (c *conf) checkDeadlines(now time.Time) {
	c.t.Helper()
	v, sc := c.effective(), c.d.Scope()
	dc := deadline.Conference{
		Ref: deadline.Ref{DeclarationID: c.id(), NameZh: v.NameZh, ApplicantID: sc.Owner, UnitID: sc.Unit,
			UniversityID: sc.University, AuthorityID: sc.Authority},
		Status: c.d.Status(), Submitted: true, FileBy: c.d.Lead().FileBy,
		OriginalStart: c.d.Form().Basic.StartDate, End: v.Dates.End, SummaryStatus: c.sum.Status(),
	}
	c.tracker.Check(dc, policy.Default(), now)
	put(c.trackerS, deadline.Engine, now, nil, c.tracker.Pending())
}

// summaryContent is a complete summary (R-SUM-03) with the given actual
// attendance and papers.
func summaryContent(attendance []summary.CountryCount, papersDomestic, papersForeign int) summary.Content {
	photos := make([]summary.Photo, 3)
	for i := range photos {
		photos[i] = summary.Photo{File: attachment(fmt.Sprintf("p%d.jpg", i), "image/jpeg"),
			Caption: "开幕式，主席台左起：示例人物，示例大学教授；2027年5月10日，示例市"}
	}
	return summary.Content{
		Academic:   strings.Repeat("学", 3000),
		Attendance: attendance, PapersDomestic: papersDomestic, PapersForeign: papersForeign,
		Proceedings: "论文集已由示例出版社出版", Photos: photos, ProceedingsFile: attachment("论文集.pdf", "application/pdf"),
		Domestic: []summary.Attendee{{Name: "示例甲", Country: "中国", Institution: "示例大学", Title: "教授"}},
		Foreign:  []summary.Attendee{{Name: "Alex Example", Country: "Germany", Institution: "Example Institute"}},
	}
}

// TestSummaries proves the summaries read model: due and overdue on either
// side of policy.SummaryRules.LatestOverdueEnd and the blocking scopes
// (R-SUM-02), a returned summary counting as not handed in (R-SUM-04), the
// statistics of accepted summaries only (R-SUM-03), the effective end date
// after an approved change (R-CHG-04), and scope (R-ACT-02).
func TestSummaries(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, school := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin)
	authority, auditor, analyst := f.actor(t, domain.RoleAuthorityReviewer), f.actor(t, domain.RoleAuditor), f.actor(t, domain.RoleAnalyst)
	admin := f.actor(t, domain.RolePlatformAdmin)
	otherApp, otherUnit := f.actorOf(t, f.tree.OtherApp.UserID), f.actorOf(t, f.tree.OtherUnitAd.UserID)
	// An applicant of another university under the same authority.
	farApp := domain.Actor{UserID: uuid.New(), Name: "钱远", Role: domain.RoleApplicant, OrgID: uuid.New(), University: uuid.New(), Authority: f.tree.Authority}
	r := policy.Default().Summary

	s1 := f.approved(t, app, conference{"计算材料学国际研讨会", "International Workshop on Computational Materials", "计算材料学的新方法", "张三", day(time.April, 20), 40})
	s2 := f.approved(t, otherApp, conference{"数字经济国际学术会议", "International Conference on Digital Economy", "数字经济与治理", "刘经济", day(time.May, 4), 20})
	s3 := f.approved(t, app, conference{"量子计算国际研讨会", "International Workshop on Quantum Computing", "量子计算", "张三", day(time.June, 10), 45})
	s4 := f.approved(t, app, conference{"海洋科学国际研讨会", "International Workshop on Ocean Science", "海洋观测", "张三", day(time.April, 20), 35})
	far := f.approved(t, farApp, conference{"生物医学工程国际研讨会", "International Workshop on Biomedical Engineering", "生物医学工程", "钱远", day(time.April, 21), 25})
	pending := f.startDeclaration(t, app, conference{"天文学国际研讨会", "International Workshop on Astronomy", "射电天文", "张三", day(time.April, 12), 30})
	pending.submit(app)

	// s4 moves by an approved change: its summary is due after the new end.
	s4.requestChange(change.Proposal{Description: "合作方日程调整，会议延期并更名。",
		Changes: change.Changes{NameZh: ptr("海洋科学与技术国际研讨会"), Dates: &change.Dates{Start: day(time.May, 25), End: day(time.May, 27)}}},
		shanghaiAt(time.January, 5, 9))
	put(s4.chgS, school, shanghaiAt(time.January, 10, 9), s4.chg.Approve(school, "", shanghaiAt(time.January, 10, 9)), s4.chg.Pending())

	content1 := summaryContent([]summary.CountryCount{{Region: summary.Mainland, Count: 120}, {Region: summary.HongKong, Count: 5},
		{Region: summary.Taiwan, Count: 3}, {Region: summary.Foreign, Country: "德国", Count: 12}, {Region: summary.Foreign, Country: "日本", Count: 9}}, 80, 25)
	content2 := summaryContent([]summary.CountryCount{{Region: summary.Mainland, Count: 50}, {Region: summary.Macao, Count: 2},
		{Region: summary.Foreign, Country: "德国", Count: 8}, {Region: summary.Foreign, Country: "美国", Count: 20}}, 30, 10)
	content3 := summaryContent([]summary.CountryCount{{Region: summary.Mainland, Count: 999}, {Region: summary.Foreign, Country: "法国", Count: 500}}, 1, 1)

	s2.handIn(content2, shanghaiAt(time.May, 10, 10))
	put(s2.sumS, school, shanghaiAt(time.May, 12, 10), s2.sum.Accept(school, "内容翔实", shanghaiAt(time.May, 12, 10)), s2.sum.Pending())
	s3.handIn(content3, shanghaiAt(time.June, 20, 10))
	s1.checkDeadlines(shanghaiAt(time.June, 20, 1)) // a reminder three days before
	s1.checkDeadlines(shanghaiAt(time.June, 23, 1)) // overdue
	sync()

	list := func(who domain.Actor, query string, today domain.Date) []uuid.UUID {
		t.Helper()
		v, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		filter, bad := projections.ParseSummaryFilter(v)
		if len(bad) > 0 {
			t.Fatalf("%s: %v", query, bad)
		}
		p, err := q.Summaries(ctx, who, filter, today, r)
		if err != nil {
			t.Fatal(err)
		}
		out := []uuid.UUID{}
		for _, x := range p.Items {
			out = append(out, x.DeclarationID)
		}
		if filter.Page == 1 && int(p.Total) != len(out) {
			t.Errorf("%s: total %d, %d items", query, p.Total, len(out))
		}
		return out
	}
	of := func(xs ...*conf) []uuid.UUID {
		out := []uuid.UUID{}
		for _, x := range xs {
			out = append(out, x.id())
		}
		return out
	}
	row := func(who domain.Actor, x *conf, today domain.Date) projections.SummaryRow {
		t.Helper()
		p, err := q.Summaries(ctx, who, projections.SummaryFilter{PageSize: 100}, today, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, y := range p.Items {
			if y.DeclarationID == x.id() {
				return y
			}
		}
		t.Fatalf("%s not listed", x.id())
		return projections.SummaryRow{}
	}
	firstOverdue := func(scope policy.BlockScope, a domain.Actor, today domain.Date) uuid.UUID {
		t.Helper()
		ref, err := q.FirstOverdue(ctx, scope, a.UserID, a.OrgID, a.University, today, r)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			return uuid.Nil
		}
		return ref.DeclarationID
	}
	standing := func(a domain.Actor, scope policy.BlockScope, today domain.Date) projections.Standing {
		t.Helper()
		p := policy.Default()
		p.Summary.BlockScope = scope
		s, err := q.Standing(ctx, a, today, p)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	ids := func(items []projections.StandingItem) []uuid.UUID {
		out := []uuid.UUID{}
		for _, x := range items {
			out = append(out, x.DeclarationID)
		}
		return out
	}
	jun22, jun23, jun24 := day(time.June, 22), day(time.June, 23), day(time.June, 24)
	// A colleague of the applicant in the same unit, with nothing of their own.
	colleague := domain.Actor{UserID: uuid.New(), Role: domain.RoleApplicant, OrgID: f.tree.Unit, University: f.tree.University, Authority: f.tree.Authority}

	t.Run("R-SUM-02 due and overdue on either side of the due date", func(t *testing.T) {
		if got := r.LatestOverdueEnd(jun23); got != day(time.April, 22) {
			t.Fatalf("LatestOverdueEnd(%s) = %s; the test's dates assume 2027-04-22", jun23, got)
		}
		for _, tc := range []struct {
			query string
			today domain.Date
			want  []*conf
		}{
			{"state=overdue", jun22, nil},
			{"state=due", jun22, []*conf{s1, far, s4}},
			{"state=overdue", jun23, []*conf{s1}},      // ended 04-22: due 06-22, passed
			{"state=due", jun23, []*conf{far, s4}},     // ended 04-23: due 06-23, today
			{"state=overdue", jun24, []*conf{s1, far}}, // both passed
			{"state=submitted,accepted", jun24, []*conf{s2, s3}},
			{"state=due,overdue&order=desc", jun24, []*conf{s4, far, s1}},
		} {
			if got := list(auditor, tc.query, tc.today); !slices.Equal(got, of(tc.want...)) {
				t.Errorf("%s on %s: %v; want %v", tc.query, tc.today, got, of(tc.want...))
			}
		}
		if got := firstOverdue(policy.BlockApplicant, app, jun22); got != uuid.Nil {
			t.Errorf("first overdue on the due date: %v; want none", got)
		}
		ref, err := q.FirstOverdue(ctx, policy.BlockApplicant, app.UserID, f.tree.Unit, f.tree.University, jun23, r)
		if err != nil || ref == nil || *ref != (declaration.OverdueRef{DeclarationID: s1.id(), NameZh: "计算材料学国际研讨会", DueDate: jun22}) {
			t.Errorf("first overdue the day after: %+v %v", ref, err)
		}
		x := row(school, s1, jun23)
		if x.Status != "" || x.State != "overdue" || !x.Overdue || x.DueDate != jun22 || x.EndDate != day(time.April, 22) ||
			x.LastReminder == nil || x.LastReminder.DaysBefore != 3 || x.LastReminder.DueDate != jun22 ||
			x.OverdueRecorded == nil || x.OverdueRecorded.DueDate != jun22 || x.ApplicantName != "张三" {
			t.Errorf("row of s1 on %s: %+v", jun23, x)
		}
		if x := row(school, s1, jun22); x.Overdue || x.State != "due" {
			t.Errorf("row of s1 on its due date: %+v", x)
		}
	})

	t.Run("R-CHG-04 the due date follows an approved change", func(t *testing.T) {
		x := row(unit, s4, jun24)
		if x.NameZh != "海洋科学与技术国际研讨会" || x.StartDate != day(time.May, 25) || x.EndDate != day(time.May, 27) ||
			x.DueDate != day(time.July, 27) || !x.Changed || x.Overdue || x.State != "due" {
			t.Errorf("row of s4: %+v", x)
		}
	})

	t.Run("R-SUM-02 blocking scope", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			scope policy.BlockScope
			a     domain.Actor
			today domain.Date
			want  *conf
		}{
			{"applicant: the owner", policy.BlockApplicant, app, jun23, s1},
			{"applicant: someone else in the unit", policy.BlockApplicant, colleague, jun23, nil},
			{"unit: someone else in the unit", policy.BlockUnit, colleague, jun23, s1},
			{"unit: another unit", policy.BlockUnit, otherApp, jun23, nil},
			{"university: another unit", policy.BlockUniversity, otherApp, jun23, s1},
			{"university: another university, not yet", policy.BlockUniversity, farApp, jun23, nil},
			{"university: another university", policy.BlockUniversity, farApp, jun24, far},
		} {
			want := uuid.Nil
			if tc.want != nil {
				want = tc.want.id()
			}
			if got := firstOverdue(tc.scope, tc.a, tc.today); got != want {
				t.Errorf("%s: first overdue %v; want %v", tc.name, got, want)
			}
		}
		if _, err := q.FirstOverdue(ctx, "school", app.UserID, f.tree.Unit, f.tree.University, jun23, r); err == nil {
			t.Error("first overdue in an unknown scope: no error")
		}

		s := standing(app, policy.BlockApplicant, jun23)
		if !s.Blocked || s.BlockingTotal != 1 || !slices.Equal(ids(s.Blocking), of(s1)) || !s.Blocking[0].Own ||
			s.Blocking[0].DueDate != jun22 || s.Blocking[0].NameZh != "计算材料学国际研讨会" || s.BlockScope != policy.BlockApplicant {
			t.Errorf("standing of the applicant: %+v", s)
		}
		if !slices.Equal(ids(s.Due), of(s1, s4)) || !s.Due[0].Overdue || !s.Due[0].Ended || s.Due[1].Overdue || !s.Due[1].Ended ||
			s.Due[1].DueDate != day(time.July, 27) {
			t.Errorf("what the applicant owes: %+v", s.Due)
		}
		for _, tc := range []struct {
			scope   policy.BlockScope
			blocked bool
		}{{policy.BlockApplicant, false}, {policy.BlockUnit, false}, {policy.BlockUniversity, true}} {
			s := standing(otherApp, tc.scope, jun23)
			if s.Blocked != tc.blocked || len(s.Due) != 0 {
				t.Errorf("standing of the other unit's applicant under %s: %+v", tc.scope, s)
			}
			if tc.blocked && (!slices.Equal(ids(s.Blocking), of(s1)) || s.Blocking[0].Own || s.Blocking[0].DueDate != jun22) {
				t.Errorf("what blocks the other unit's applicant: %+v", s.Blocking)
			}
		}
		if s := standing(colleague, policy.BlockUnit, jun23); !s.Blocked || !slices.Equal(ids(s.Blocking), of(s1)) {
			t.Errorf("standing of a colleague under unit scope: %+v", s)
		}
		if _, err := q.Standing(ctx, unit, jun23, policy.Default()); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("standing of a unit admin: %v; want forbidden", err)
		}
	})

	// Handed in late: the block lifts.
	s1.handIn(content1, shanghaiAt(time.June, 24, 9))
	sync()
	t.Run("R-SUM-02 a submitted summary lifts the block", func(t *testing.T) {
		for _, scope := range []policy.BlockScope{policy.BlockApplicant, policy.BlockUnit, policy.BlockUniversity} {
			if got := firstOverdue(scope, app, jun24); got != uuid.Nil {
				t.Errorf("%s: first overdue %v after s1 was submitted", scope, got)
			}
		}
		if s := standing(app, policy.BlockApplicant, jun24); s.Blocked || !slices.Equal(ids(s.Due), of(s4)) {
			t.Errorf("standing after submitting: %+v", s)
		}
		x := row(app, s1, jun24)
		if x.Status != "submitted" || x.State != "submitted" || x.Overdue || !x.Late || x.SubmittedAt == nil || x.OpenedAt == nil {
			t.Errorf("row of s1 submitted: %+v", x)
		}
	})

	// The school returns it.
	jun25 := day(time.June, 25)
	put(s1.sumS, school, shanghaiAt(time.June, 25, 9), s1.sum.Return(school, "照片说明不完整，请补充人员姓名", shanghaiAt(time.June, 25, 9)), s1.sum.Pending())
	sync()
	t.Run("R-SUM-04 a returned summary shows its reason and is not handed in", func(t *testing.T) {
		x := row(app, s1, jun25)
		if x.Status != "returned" || x.State != "returned" || !x.Overdue || x.ReturnReason != "照片说明不完整，请补充人员姓名" || x.ReturnedAt == nil {
			t.Errorf("row of s1 returned: %+v", x)
		}
		if got := firstOverdue(policy.BlockApplicant, app, jun25); got != s1.id() {
			t.Errorf("first overdue with s1 returned: %v; want s1", got)
		}
		if s := standing(app, policy.BlockApplicant, jun25); !s.Blocked || s.Due[0].Status != "returned" {
			t.Errorf("standing with s1 returned: %+v", s)
		}
		for query, want := range map[string][]*conf{
			"state=returned":  {s1},
			"state=overdue":   {s1},
			"state=submitted": {s3},
			"state=accepted":  {s2},
		} {
			if got := list(school, query, jun25); !slices.Equal(got, of(want...)) {
				t.Errorf("%s: %v; want %v", query, got, of(want...))
			}
		}
		// Submitted and returned summaries count nowhere in the statistics.
		st, err := q.SummaryStatistics(ctx, analyst, projections.StatsFilter{})
		if err != nil || st.Conferences != 1 || st.Domestic != 52 || st.Foreign != 28 {
			t.Errorf("statistics with only s2 accepted: %+v %v", st, err)
		}
	})

	// Edited, handed in again and accepted.
	s1.handIn(content1, shanghaiAt(time.June, 26, 9))
	put(s1.sumS, school, shanghaiAt(time.June, 27, 9), s1.sum.Accept(school, "同意", shanghaiAt(time.June, 27, 9)), s1.sum.Pending())
	sync()
	jun27 := day(time.June, 27)

	t.Run("R-SUM-03 statistics of accepted summaries, Hong Kong, Macao and Taiwan domestic", func(t *testing.T) {
		x := row(school, s1, jun27)
		if x.State != "accepted" || x.AcceptedAt == nil || x.Comment != "同意" || x.ReturnReason == "" {
			t.Errorf("row of s1 accepted: %+v", x)
		}
		st, err := q.SummaryStatistics(ctx, analyst, projections.StatsFilter{Year: 2027})
		if err != nil {
			t.Fatal(err)
		}
		want := []projections.AttendanceCount{
			{Region: "mainland", Domestic: true, Count: 170},
			{Region: "foreign", Country: "德国", Count: 20},
			{Region: "foreign", Country: "美国", Count: 20},
			{Region: "foreign", Country: "日本", Count: 9},
			{Region: "hong_kong", Domestic: true, Count: 5},
			{Region: "taiwan", Domestic: true, Count: 3},
			{Region: "macao", Domestic: true, Count: 2},
		}
		if st.Conferences != 2 || !slices.Equal(st.Attendance, want) || st.Domestic != 180 || st.Foreign != 49 || st.Total != 229 ||
			st.PapersDomestic != 110 || st.PapersForeign != 35 {
			t.Errorf("statistics: %+v\nwant attendance %+v", st, want)
		}
		for _, tc := range []struct {
			who               string
			a                 domain.Actor
			f                 projections.StatsFilter
			n, domestic, frgn int64
		}{
			{"school admin", school, projections.StatsFilter{}, 2, 180, 49},
			{"unit admin", unit, projections.StatsFilter{}, 1, 128, 21},
			{"other unit admin", otherUnit, projections.StatsFilter{}, 1, 52, 28},
			{"applicant", app, projections.StatsFilter{}, 1, 128, 21},
			{"other university's applicant", farApp, projections.StatsFilter{}, 0, 0, 0},
			{"auditor", auditor, projections.StatsFilter{}, 2, 180, 49},
			{"authority", authority, projections.StatsFilter{}, 2, 180, 49},
			{"analyst by unit", analyst, projections.StatsFilter{UnitID: f.tree.OtherUnit}, 1, 52, 28},
			{"analyst by university", analyst, projections.StatsFilter{UniversityID: f.tree.University}, 2, 180, 49},
			{"analyst, another university", analyst, projections.StatsFilter{UniversityID: farApp.University}, 0, 0, 0},
			{"analyst, 2028", analyst, projections.StatsFilter{Year: 2028}, 0, 0, 0},
		} {
			st, err := q.SummaryStatistics(ctx, tc.a, tc.f)
			if err != nil || st.Conferences != tc.n || st.Domestic != tc.domestic || st.Foreign != tc.frgn || st.Attendance == nil {
				t.Errorf("%s: %+v %v; want %d conferences, %d domestic, %d foreign", tc.who, st, err, tc.n, tc.domestic, tc.frgn)
			}
		}
		// R-ACT-02: no scope, no conferences counted.
		if st, err := q.SummaryStatistics(ctx, admin, projections.StatsFilter{}); err != nil || st.Conferences != 0 {
			t.Errorf("platform admin asks for statistics: %+v %v; want none counted", st, err)
		}
	})

	t.Run("R-ACT-02 summary list scope", func(t *testing.T) {
		for _, tc := range []struct {
			who   string
			a     domain.Actor
			query string
			want  []*conf
		}{
			{"applicant", app, "", []*conf{s1, s4, s3}},
			{"other applicant", otherApp, "", []*conf{s2}},
			{"other university's applicant", farApp, "", []*conf{far}},
			{"unit admin", unit, "", []*conf{s1, s4, s3}},
			{"other unit admin", otherUnit, "", []*conf{s2}},
			{"school admin", school, "", []*conf{s1, s2, s4, s3}},
			{"authority", authority, "", []*conf{s1, far, s2, s4, s3}},
			{"auditor", auditor, "", []*conf{s1, far, s2, s4, s3}},
			{"analyst", analyst, "", []*conf{s1, far, s2, s4, s3}},
			{"by unit", school, "unitId=" + f.tree.OtherUnit.String(), []*conf{s2}},
			{"by university", auditor, "universityId=" + f.tree.University.String(), []*conf{s1, s2, s4, s3}},
			{"by year", auditor, "year=2028", nil},
			{"by keyword", auditor, "q=海洋", []*conf{s4}},
			{"by applicant name", auditor, "q=刘经济", []*conf{s2}},
			{"newest end first", school, "sort=endDate&order=desc", []*conf{s3, s4, s2, s1}},
			{"page 2", auditor, "page=2&pageSize=2", []*conf{s2, s4}},
		} {
			if got := list(tc.a, tc.query, jun27); !slices.Equal(got, of(tc.want...)) {
				t.Errorf("%s (%s): %v; want %v", tc.who, tc.query, got, of(tc.want...))
			}
		}
		// R-ACT-02: outside one's scope records do not exist: no rows.
		if page, err := q.Summaries(ctx, admin, projections.SummaryFilter{}, jun27, r); err != nil || page.Total != 0 || len(page.Items) != 0 {
			t.Errorf("platform admin lists summaries: %+v %v; want an empty page", page, err)
		}
		if _, bad := projections.ParseSummaryFilter(url.Values{"state": {"late"}, "year": {"27"}, "sort": {"x"}, "foo": {"1"}}); len(bad) != 4 {
			t.Errorf("bad summary filter: %v", bad)
		}
		if _, bad := projections.ParseStatsFilter(url.Values{"year": {"2027"}, "page": {"2"}, "unitId": {"x"}}); len(bad) != 2 {
			t.Errorf("bad statistics filter: %v", bad)
		}
	})
}
