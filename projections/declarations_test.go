package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

// submitAt is when the tests submit: Saturday 2026-10-31, 10:00 in Shanghai.
var submitAt = time.Date(2026, 10, 31, 10, 0, 0, 0, domain.Shanghai)

func day(m time.Month, d int) domain.Date { return domain.Date{Year: 2027, Month: m, Day: d} }

// conference is what varies between the test declarations.
type conference struct {
	nameZh, nameEn, theme, applicant string
	start                            domain.Date
	foreign                          int
}

// form is a complete, rule-abiding general natural-science form.
func (c conference) form() declaration.Form {
	return declaration.Form{
		Applicant: declaration.Applicant{Name: c.applicant, Title: "教授", Unit: "示范大学", Department: "计算机学院",
			Mobile: "13800000000", Email: "a@demo-univ.edu.cn"},
		Basic: declaration.Basic{NameZh: c.nameZh, NameEn: c.nameEn, StartDate: c.start, EndDate: c.start.AddDays(2),
			CommitmentDate: day(time.January, 15), Location: declaration.Local, Province: "湖北省", Address: "示范路1号",
			Type: classify.NaturalScience, Scale: classify.General},
		Attendance: declaration.Attendance{Foreign: c.foreign, Mainland: 100, HKMacaoTaiwan: 10},
		Hosting:    []declaration.Organisation{{Role: forecast.Host, NameZh: "示范大学", NameEn: "Demo University"}},
		Budget: []declaration.BudgetLine{
			{Source: declaration.SelfRaised, Amount: "50000"},
			{Source: declaration.RegistrationFees, Amount: "80000.5"},
			{Source: declaration.SelfRaised, Amount: "0.25"},
		},
		Content: declaration.Content{Theme: c.theme, Topics: []string{"专题一"},
			TaiwanStatement: "不涉及台湾问题。", Background: "促进国际交流与合作。"},
		People: declaration.People{
			Chairs:  []declaration.Person{{Name: "李四", Nationality: "中国", Institution: "示范大学", Title: "教授"}},
			Foreign: []declaration.Person{{Name: "Jane Roe", Nationality: "英国", Institution: "Example College", Title: "Professor"}},
		},
		Agenda: []declaration.AgendaItem{{Date: c.start, Time: "09:00-10:30", Participants: "全体代表", Content: "开幕式"}},
		Contacts: []declaration.Contact{
			{Kind: declaration.ConferenceContact, Name: "王五", Phone: "027-87540000", Email: "wangwu@demo-univ.edu.cn"},
			{Kind: declaration.InternationalOfficeContact, Name: "赵六", Phone: "13900000000", Email: "zhaoliu@demo-univ.edu.cn"},
		},
	}
}

// decl writes one declaration's events as the commands would: decided by
// the aggregate, appended to declaration-<id> with metadata and hash chain.
type decl struct {
	t      *testing.T
	f      *fixture
	d      *declaration.Declaration
	stored int
	prev   string
}

func (f *fixture) startDeclaration(t *testing.T, a domain.Actor, c conference) *decl {
	t.Helper()
	x := &decl{t: t, f: f, d: declaration.New(uuid.New())}
	form := c.form()
	snap := declaration.ForecastSnapshot{ID: uuid.New(), ApplicantID: a.UserID, Status: forecast.StatusApproved,
		Details: forecast.Details{NameZh: c.nameZh, NameEn: c.nameEn, StartDate: c.start, Type: classify.NaturalScience, Scale: classify.General}}
	at := submitAt.AddDate(0, 0, -1)
	x.do(a, at, x.d.StartFromForecast(a, snap, true, at))
	p, r := policy.Default(), declaration.DefaultRules()
	x.do(a, at, x.d.SaveApplicant(a, form.Applicant, p, at))
	x.do(a, at, x.d.SaveBasic(a, form.Basic, p, r, at))
	x.do(a, at, x.d.SaveAttendance(a, form.Attendance, at))
	x.do(a, at, x.d.SaveHosting(a, form.Hosting, p, at))
	x.do(a, at, x.d.SaveBudget(a, form.Budget, p, at))
	x.do(a, at, x.d.SaveStatements(a, form.Statements, at))
	x.do(a, at, x.d.SaveContent(a, form.Content, p, at))
	x.do(a, at, x.d.SavePeople(a, form.People, p, at))
	x.do(a, at, x.d.SaveAgenda(a, form.Agenda, p, at))
	x.do(a, at, x.d.SaveContacts(a, form.Contacts, p, at))
	return x
}

func (x *decl) submit(a domain.Actor) {
	x.do(a, submitAt, x.d.Submit(a, true, nil, policy.Default(), declaration.DefaultRules(), submitAt))
}

// do appends what the behaviour just decided, acting as a at now.
func (x *decl) do(a domain.Actor, now time.Time, err error) {
	x.t.Helper()
	if err != nil {
		x.t.Fatal(err)
	}
	stream := "declaration-" + x.d.ID().String()
	for _, e := range x.d.Pending()[x.stored:] {
		data, err := json.Marshal(e)
		if err != nil {
			x.t.Fatal(err)
		}
		md := eventstore.Metadata{ActorID: a.UserID.String(), Role: string(a.Role), OrgID: a.OrgID.String(), Command: "test",
			CommandID: uuid.NewString(), RecordedAt: now.UTC(), PolicyVersion: "test", SchemaVersion: commands.SchemaVersion, PrevHash: x.prev}
		ed := eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: md}
		if _, err := x.f.store.Append(context.Background(), stream, eventstore.Version(x.stored), []eventstore.EventData{ed}); err != nil {
			x.t.Fatal(err)
		}
		x.stored++
		x.prev = eventstore.Hash(eventstore.RecordedEvent{ID: ed.ID, StreamID: stream, Number: uint64(x.stored), Type: ed.Type, Data: data, Metadata: md})
	}
}

func (x *decl) id() uuid.UUID { return x.d.ID() }

// runDeclarations starts a runner over every read model; sync waits until
// it has applied everything appended so far.
func (f *fixture) runDeclarations(t *testing.T) (sync func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	r, err := projections.NewRunner(f.pool, f.store, f.log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()
	return func() {
		t.Helper()
		head, _ := f.head(t)
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if err := r.WaitFor(wctx, head); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *fixture) actorOf(t *testing.T, id uuid.UUID) domain.Actor {
	t.Helper()
	a, err := f.app.ResolveActor(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDeclarations (R-DECL-16, R-DECL-18, R-DECL-19, R-ACT-02) drives declarations of two units through the review
// chain and checks every declaration read model against them.
func TestDeclarations(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, school := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin)
	authority, auditor := f.actor(t, domain.RoleAuthorityReviewer), f.actor(t, domain.RoleAuditor)
	otherApp, otherUnit := f.actorOf(t, f.tree.OtherApp.UserID), f.actorOf(t, f.tree.OtherUnitAd.UserID)

	// A, submitted first, goes all the way; B, another unit's, is the same
	// theme two weeks later; C the same theme three months later; D a
	// different theme in the same weeks; E stays a draft.
	a := f.startDeclaration(t, app, conference{"计算材料学国际研讨会", "International Workshop on Computational Materials", "计算材料学的新方法", "张三", day(time.April, 20), 40})
	a.submit(app)
	b := f.startDeclaration(t, otherApp, conference{"第三届计算材料学国际会议", "Third International Conference on Computational Materials", "计算材料学的新方法", "刘经济", day(time.May, 4), 30})
	b.submit(otherApp)
	c := f.startDeclaration(t, app, conference{"计算材料学前沿国际研讨会", "International Workshop on Frontiers of Computational Materials", "计算材料学的新方法", "张三", day(time.July, 20), 50})
	c.submit(app)
	d := f.startDeclaration(t, app, conference{"数字经济国际学术会议", "International Conference on Digital Economy", "数字经济与治理", "张三", day(time.April, 25), 20})
	d.submit(app)
	e := f.startDeclaration(t, app, conference{"量子计算国际研讨会", "International Workshop on Quantum Computing", "量子计算", "张三", day(time.June, 10), 45})
	sync()

	status := func(x *decl, wantStatus string, wantRole domain.Role, wantOrg, wantUser uuid.UUID) {
		t.Helper()
		st, err := q.DeclarationStatus(ctx, auditor, x.id())
		if err != nil {
			t.Fatal(err)
		}
		org, user := uuid.Nil, uuid.Nil
		if st.HolderOrg != nil {
			org = *st.HolderOrg
		}
		if st.HolderUser != nil {
			user = *st.HolderUser
		}
		if st.Status != wantStatus || st.HolderRole != string(wantRole) || org != wantOrg || user != wantUser || st.Final != (wantRole == "") {
			t.Errorf("%s: status %s held by %s %s %s (final %v); want %s held by %s %s %s",
				x.id(), st.Status, st.HolderRole, org, user, st.Final, wantStatus, wantRole, wantOrg, wantUser)
		}
	}
	sees := func(who domain.Actor, x *decl) bool {
		t.Helper()
		_, err := q.DeclarationDetail(ctx, who, x.id())
		if err != nil && !errors.Is(err, domain.ErrNotFound) {
			t.Fatal(err)
		}
		p, lerr := q.ListDeclarations(ctx, who, projections.DeclarationFilter{Page: 1, PageSize: 100})
		if lerr != nil {
			t.Fatal(lerr)
		}
		listed := slices.ContainsFunc(p.Items, func(r projections.DeclarationRow) bool { return r.ID == x.id().String() })
		if listed != (err == nil) {
			t.Errorf("%s: listed %v but detail readable %v", x.id(), listed, err == nil)
		}
		return listed
	}

	// The review chain of A, with holders and scope at each stage.
	status(a, "submitted", domain.RoleUnitAdmin, f.tree.Unit, uuid.Nil)
	status(e, "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)
	status(b, "submitted", domain.RoleUnitAdmin, f.tree.OtherUnit, uuid.Nil)
	now := submitAt.Add(time.Hour)
	a.do(unit, now, a.d.ApproveAtUnit(unit, "同意", now))
	sync()
	status(a, "unit_approved", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)
	if sees(authority, a) {
		t.Error("the authority sees a declaration before the school approved it")
	}
	a.do(school, now, a.d.ApproveAtSchool(school, "同意报送", now))
	sync()
	status(a, "school_approved", domain.RoleAuthorityReviewer, f.tree.Authority, uuid.Nil)
	if !sees(authority, a) {
		t.Error("the authority does not see a declaration the school approved")
	}
	a.do(authority, now, a.d.ApproveByAuthority(authority, "批准", now))
	d.do(unit, now, d.d.Reject(unit, "主题不明确", now))
	sync()
	status(a, "authority_approved", "", uuid.Nil, uuid.Nil)
	status(d, "unit_rejected", domain.RoleApplicant, f.tree.Unit, app.UserID)
	basic := d.d.Form().Basic
	basic.Address = "示范路2号"
	d.do(app, now, d.d.SaveBasic(app, basic, policy.Default(), declaration.DefaultRules(), now))
	sync()
	status(d, "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)

	// Scope (R-ACT-02).
	for _, tc := range []struct {
		who  string
		a    domain.Actor
		want []*decl
	}{
		{"applicant", app, []*decl{a, c, d, e}},
		{"other applicant", otherApp, []*decl{b}},
		{"unit admin", unit, []*decl{a, c, d, e}},
		{"other unit admin", otherUnit, []*decl{b}},
		{"school admin", school, []*decl{a, b, c, d, e}},
		{"authority", authority, []*decl{a}},
		{"auditor", auditor, []*decl{a, b, c, d, e}},
	} {
		for _, x := range []*decl{a, b, c, d, e} {
			if got, want := sees(tc.a, x), slices.Contains(tc.want, x); got != want {
				t.Errorf("%s sees %s: %v; want %v", tc.who, x.id(), got, want)
			}
		}
	}

	// Filters, keyword and dates.
	list := func(who domain.Actor, query string) []string {
		t.Helper()
		v, err := url.ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		filter, bad := projections.ParseDeclarationFilter(v)
		if len(bad) > 0 {
			t.Fatalf("%s: %v", query, bad)
		}
		p, err := q.ListDeclarations(ctx, who, filter)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range p.Items {
			names = append(names, r.NameZh)
		}
		if filter.Page == 1 && int(p.Total) != len(names) {
			t.Errorf("%s: total %d, %d items", query, p.Total, len(names))
		}
		return names
	}
	names := func(xs ...*decl) []string {
		var out []string
		for _, x := range xs {
			out = append(out, x.d.Form().Basic.NameZh)
		}
		return out
	}
	for query, want := range map[string][]*decl{
		"q=材料&sort=startDate&order=asc":    {a, b, c},
		"q=量子&sort=startDate":              {e},
		"q=材料学国际&sort=startDate&order=asc": {a, b},
		"q=刘经济":                                                                 {b},
		"q=经济&sort=startDate&order=asc":                                         {d, b},
		"q=COMPUTATIONAL materials&sort=startDate&order=asc":                    {a, b, c},
		"q=计算机学院&sort=startDate&order=asc":                                      {a, d, e, c},
		"status=submitted,unit_rejected&sort=startDate&order=asc":               {b, c},
		"status=draft&sort=startDate&order=asc":                                 {d, e},
		"startFrom=2027-04-21&startTo=2027-05-31&sort=startDate&order=asc":      {d, b},
		"endFrom=2027-04-22&endTo=2027-04-22":                                   {a},
		"year=2027&type=natural_science&scale=general&sort=startDate&order=asc": {a, d, b, e, c},
		"year=2028":                                    {},
		"unitId=" + f.tree.OtherUnit.String():          {b},
		"sort=foreignCount&order=asc":                  {d, b, a, e, c},
		"sort=foreignCount&order=desc":                 {c, e, a, b, d},
		"sort=startDate&order=desc":                    {c, e, b, d, a},
		"sort=totalCount&order=desc&page=2&pageSize=2": {a, b},
	} {
		if got := list(school, query); !slices.Equal(got, names(want...)) {
			t.Errorf("%s: got %q; want %q", query, got, names(want...))
		}
	}
	for _, col := range []string{"nameZh", "nameEn", "unitName", "applicantName", "status", "type", "scale", "endDate", "submittedAt", "updatedAt"} {
		asc, desc := list(school, "sort="+col+"&order=asc"), list(school, "sort="+col+"&order=desc")
		slices.Reverse(desc)
		// Ties fall back on the id in the same direction, so one order is
		// the other reversed, but for nulls, which come last both ways.
		if len(asc) != 5 || col != "submittedAt" && !slices.Equal(asc, desc) {
			t.Errorf("sort %s: asc %q, desc reversed %q", col, asc, desc)
		}
	}
	if got := list(school, "sort=nameZh&order=asc"); !slices.IsSorted(got) {
		t.Errorf("sort by nameZh: %q", got)
	}
	if got := list(school, "sort=submittedAt&order=desc"); got[4] != names(e)[0] {
		t.Errorf("sort by submittedAt: the draft never submitted is not last: %q", got)
	}
	if got := list(school, "q=数字经济国际"); !slices.Equal(got, names(d)) {
		t.Errorf("数字经济国际: %q", got)
	}
	if got := list(school, "status=withdrawn"); len(got) != 0 {
		t.Errorf("withdrawn: %q", got)
	}

	// The list row of A.
	p, err := q.ListDeclarations(ctx, authority, projections.DeclarationFilter{Page: 1, PageSize: 10})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("authority list: %v %v", p, err)
	}
	row := p.Items[0]
	if row.UnitName != "计算机学院" || row.ApplicantName != "张三" || row.Direct || row.ForecastID == nil || row.StartDate != "2027-04-20" ||
		row.EndDate != "2027-04-22" || row.Category != "general" || row.DomesticCount != 110 || row.TotalCount != 150 ||
		row.SubmittedAt == nil || row.Filing == nil || row.FileBy == nil || row.Status != "authority_approved" || row.Province != "湖北省" {
		t.Errorf("row of A: %+v", row)
	}

	// Detail with totals.
	v, err := q.DeclarationDetail(ctx, unit, a.id())
	if err != nil {
		t.Fatal(err)
	}
	if v.Totals.Budget.TotalFen != 13000075 || v.Totals.Budget.Total != "130000.75" ||
		v.Totals.Budget.BySourceFen[declaration.SelfRaised] != 5000025 || v.Totals.Budget.BySourceFen[declaration.RegistrationFees] != 8000050 {
		t.Errorf("budget totals: %+v", v.Totals.Budget)
	}
	if v.Totals.People != (projections.PeopleCounts{Chairs: 1, Foreign: 1, Total: 2}) || v.Totals.AgendaItems != 1 || v.Totals.Contacts != 2 {
		t.Errorf("totals: %+v", v.Totals)
	}
	if v.Status != "authority_approved" || v.Form.Basic.NameZh != "计算材料学国际研讨会" || v.Form.Content.Theme != "计算材料学的新方法" ||
		v.Lead == nil || v.Lead.Category != classify.General || v.Direct || v.Version != 15 {
		t.Errorf("detail: %+v", v)
	}
	if vd, err := q.DeclarationDetail(ctx, app, d.id()); err != nil || vd.Rejection == nil || vd.Rejection.Reason != "主题不明确" ||
		vd.Status != "draft" || vd.Form.Basic.Address != "示范路2号" {
		t.Errorf("detail of D: %+v %v", vd, err)
	}
	if _, err := q.DeclarationDetail(ctx, otherUnit, a.id()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other unit reads A: %v; want not found", err)
	}

	// The approval log.
	log, err := q.ApprovalLog(ctx, unit, "declaration", d.id())
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range log {
		lines = append(lines, l.Action+": "+l.StatusBefore+" → "+l.StatusAfter+" "+l.Comment)
	}
	want := []string{"started:  → draft ", "saved applicant: draft → draft ", "saved basic information: draft → draft ",
		"saved attendance: draft → draft ", "saved hosting organisations: draft → draft ", "saved budget: draft → draft ",
		"saved statements: draft → draft ", "saved content: draft → draft ", "saved key people: draft → draft ",
		"saved agenda: draft → draft ", "saved contacts: draft → draft ", "submitted: draft → submitted ",
		"rejected by the unit: submitted → unit_rejected 主题不明确", "saved basic information: unit_rejected → draft "}
	if !slices.Equal(lines, want) {
		t.Errorf("log of D:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if log[12].ActionZh != "单位初审驳回" || log[12].ActorName != "李静怡" || log[12].ActorRole != "unit_admin" || log[1].ActionZh != "保存申请人信息" {
		t.Errorf("rejection line: %+v", log[12])
	}
	log, err = q.ApprovalLog(ctx, authority, "declaration", a.id())
	if err != nil || len(log) != 15 || log[14].StatusBefore != "school_approved" || log[14].StatusAfter != "authority_approved" || log[14].Comment != "批准" {
		t.Errorf("log of A: %v %+v", err, log)
	}
	if _, err := q.ApprovalLog(ctx, authority, "declaration", b.id()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("authority reads B's log: %v; want not found", err)
	}

	// Similar conferences (R-DECL-19).
	similar := func(who domain.Actor, x *decl) ([]projections.SimilarDeclaration, error) {
		t.Helper()
		return q.SimilarDeclarations(ctx, who, x.id())
	}
	if s, err := similar(school, b); err != nil || len(s) != 1 || s[0].ID != a.id().String() || s[0].Reason != "same_theme" ||
		s[0].Score != 1 || s[0].UnitName != "计算机学院" || s[0].UniversityName != "示范大学" || s[0].Status != "authority_approved" || !s[0].Readable {
		t.Errorf("similar to B: %+v %v", s, err)
	}
	if s, err := similar(unit, a); err != nil || len(s) != 1 || s[0].ID != b.id().String() || s[0].Readable || s[0].UnitName != "经济与管理学院" {
		t.Errorf("similar to A for its unit: %+v %v", s, err)
	}
	for _, x := range []*decl{c, d, e} {
		if s, err := similar(auditor, x); err != nil || len(s) != 0 {
			t.Errorf("similar to %s: %+v %v; want none", x.d.Form().Basic.NameZh, s, err)
		}
	}
	if _, err := similar(app, a); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("applicant asks for similar: %v; want forbidden", err)
	}
	if _, err := similar(otherUnit, a); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("other unit asks for similar to A: %v; want not found", err)
	}
	// Withdrawing B takes it out of the warnings.
	b.do(otherApp, now, b.d.Withdraw(otherApp, "改期", now))
	sync()
	if s, err := similar(unit, a); err != nil || len(s) != 0 {
		t.Errorf("similar to A after B withdrew: %+v %v", s, err)
	}
	status(b, "withdrawn", "", uuid.Nil, uuid.Nil)
}

// TestParseDeclarationFilter (R-DECL-18) reports every bad parameter as a field error.
func TestParseDeclarationFilter(t *testing.T) {
	v := url.Values{
		"status": {"submitted,bogus"}, "type": {"x"}, "scale": {"huge"}, "unitId": {"nope"}, "year": {"27"},
		"startFrom": {"2027-13-01"}, "endFrom": {"2027-05-02"}, "endTo": {"2027-05-01"}, "sort": {"id"}, "order": {"up"},
		"page": {"0"}, "pageSize": {"1000"}, "foo": {"1"}, "q": {strings.Repeat("长", 101)},
	}
	_, bad := projections.ParseDeclarationFilter(v)
	var got []string
	for _, e := range bad {
		got = append(got, strings.TrimPrefix(e.Path, "query:"))
	}
	slices.Sort(got)
	want := []string{"endTo", "foo", "order", "page", "pageSize", "q", "scale", "sort", "startFrom", "status", "type", "unitId", "year"}
	if !slices.Equal(got, want) {
		t.Errorf("bad parameters: %q; want %q", got, want)
	}
	f, bad := projections.ParseDeclarationFilter(url.Values{"startFrom": {"2027-04-01"}, "startTo": {"2027-04-30"}, "sort": {"nameEn"}, "order": {"asc"}})
	if len(bad) != 0 || f.StartFrom != day(time.April, 1) || f.StartTo != day(time.April, 30) || f.Sort != "nameEn" || f.Desc || f.Page != 1 || f.PageSize != 20 {
		t.Errorf("good filter: %+v %v", f, bad)
	}
}
