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
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

// stream appends an aggregate's decided events to its stream as the
// commands would: with metadata and the hash chain.
type stream struct {
	t      *testing.T
	f      *fixture
	name   string
	stored int
	prev   string
}

// put appends what the behaviour just decided (err must be nil), acting
// as a at now; pending is the aggregate's Pending, all of it since New.
func put[E interface{ EventType() string }](s *stream, a domain.Actor, now time.Time, err error, pending []E) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	for _, e := range pending[s.stored:] {
		data, err := json.Marshal(e)
		if err != nil {
			s.t.Fatal(err)
		}
		md := eventstore.Metadata{ActorID: a.UserID.String(), Role: string(a.Role), OrgID: a.OrgID.String(), Command: "test",
			CommandID: uuid.NewString(), RecordedAt: now.UTC(), PolicyVersion: "test", SchemaVersion: commands.SchemaVersion, PrevHash: s.prev}
		ed := eventstore.EventData{ID: uuid.New(), Type: e.EventType(), Data: data, Metadata: md}
		if _, err := s.f.store.Append(context.Background(), s.name, eventstore.Version(s.stored), []eventstore.EventData{ed}); err != nil {
			s.t.Fatal(err)
		}
		s.stored++
		s.prev = eventstore.Hash(eventstore.RecordedEvent{ID: ed.ID, StreamID: s.name, Number: uint64(s.stored), Type: ed.Type, Data: data, Metadata: md})
	}
}

// conf is an approved conference with its change, summary and deadline
// histories.
type conf struct {
	*decl
	app      domain.Actor
	chg      *change.Change
	chgS     *stream
	sum      *summary.Summary
	sumS     *stream
	tracker  *deadline.Tracker
	trackerS *stream
}

// approved declares c as a and takes it through unit, school and
// authority.
func (f *fixture) approved(t *testing.T, a domain.Actor, c conference) *conf {
	t.Helper()
	x := f.startDeclaration(t, a, c)
	x.submit(a)
	unit, school, authority := f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin), f.actor(t, domain.RoleAuthorityReviewer)
	now := submitAt.Add(time.Hour)
	x.do(unit, now, x.d.ApproveAtUnit(unit, "同意", now))
	x.do(school, now, x.d.ApproveAtSchool(school, "同意报送", now))
	x.do(authority, now, x.d.ApproveByAuthority(authority, "批准", now))
	id := x.id()
	return &conf{decl: x, app: a,
		chg: change.New(id), chgS: &stream{t: t, f: f, name: commands.ChangeStream(id)},
		sum: summary.New(id), sumS: &stream{t: t, f: f, name: commands.SummaryStream(id)},
		tracker: deadline.New(id), trackerS: &stream{t: t, f: f, name: commands.DeadlineStream(id)}}
}

func (c *conf) requestChange(x change.Proposal, now time.Time) {
	c.t.Helper()
	f := c.d.Form()
	snap := change.Snapshot{ID: c.id(), ApplicantID: c.d.ApplicantID(), Scope: c.d.Scope(), Status: c.d.Status(),
		Values: change.ValuesOf(f), Flags: f.Statements.Flags}
	put(c.chgS, c.app, now, c.chg.Request(c.app, snap, uuid.New(), x, policy.Default(), change.DefaultRules(), now), c.chg.Pending())
}

func attachment(name, contentType string) declaration.Attachment {
	return declaration.Attachment{ID: uuid.New(), SHA256: strings.Repeat("cd", 32), Name: name, ContentType: contentType, Size: 4096}
}

func shanghaiAt(m time.Month, d, h int) time.Time {
	return time.Date(2027, m, d, h, 0, 0, 0, domain.Shanghai)
}

// TestChangeRequests proves R-CHG-04 in the read models: a requested change
// leaves the conference as it is, an approved one makes the lists and the
// detail show the new values while the change request keeps the old ones
// next to them, a rejected one changes nothing; and R-ACT-02 for the
// change request list.
func TestChangeRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, school := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin)
	authority, auditor, analyst := f.actor(t, domain.RoleAuthorityReviewer), f.actor(t, domain.RoleAuditor), f.actor(t, domain.RoleAnalyst)
	admin := f.actor(t, domain.RolePlatformAdmin)
	otherApp, otherUnit := f.actorOf(t, f.tree.OtherApp.UserID), f.actorOf(t, f.tree.OtherUnitAd.UserID)

	a := f.approved(t, app, conference{"计算材料学国际研讨会", "International Workshop on Computational Materials", "计算材料学的新方法", "张三", day(time.April, 20), 40})
	b := f.approved(t, otherApp, conference{"数字经济国际学术会议", "International Conference on Digital Economy", "数字经济与治理", "刘经济", day(time.May, 4), 20})
	c := f.approved(t, app, conference{"量子计算国际研讨会", "International Workshop on Quantum Computing", "量子计算", "张三", day(time.June, 10), 45})
	d := f.approved(t, app, conference{"海洋科学国际研讨会", "International Workshop on Ocean Science", "海洋观测", "张三", day(time.July, 6), 35})

	newScale := change.Scale{Declared: classify.General, Attendance: declaration.Attendance{Foreign: 60, Mainland: 120, HKMacaoTaiwan: 20}}
	a.requestChange(change.Proposal{Description: "因合作方调整，会议更名并延期，规模扩大。",
		Changes: change.Changes{NameZh: ptr("计算材料学与人工智能国际研讨会"), NameEn: ptr("International Workshop on Computational Materials and AI"),
			Theme: ptr("计算材料学与人工智能"), Scale: &newScale,
			Place: &change.Place{Location: declaration.Local, Province: "湖北省", Address: "示范路9号学术交流中心"},
			Dates: &change.Dates{Start: day(time.May, 18), End: day(time.May, 20)}},
		Attachment: attachment("变更说明.pdf", "application/pdf")}, shanghaiAt(time.January, 5, 9))
	b.requestChange(change.Proposal{Description: "主题调整。", Changes: change.Changes{Theme: ptr("数字经济与全球治理")}}, shanghaiAt(time.January, 6, 9))
	c.requestChange(change.Proposal{Description: "场地冲突，延后一周。",
		Changes: change.Changes{Dates: &change.Dates{Start: day(time.June, 17), End: day(time.June, 19)}}}, shanghaiAt(time.January, 7, 9))
	sync()

	row := func(who domain.Actor, x *conf) projections.DeclarationRow {
		t.Helper()
		p, err := q.ListDeclarations(ctx, who, projections.DeclarationFilter{Page: 1, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			if r.ID == x.id().String() {
				return r
			}
		}
		t.Fatalf("%s not listed", x.id())
		return projections.DeclarationRow{}
	}
	detail := func(who domain.Actor, x *conf) projections.DeclarationView {
		t.Helper()
		v, err := q.DeclarationDetail(ctx, who, x.id())
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("R-CHG-04 a requested change leaves the conference as it is", func(t *testing.T) {
		r := row(school, a)
		if r.NameZh != "计算材料学国际研讨会" || r.StartDate != "2027-04-20" || r.Changed || r.ChangedAt != nil || r.ChangeStatus != "requested" {
			t.Errorf("row of A while requested: %+v", r)
		}
		if v := detail(school, a); v.Changed || v.Original != nil || v.ChangeStatus != "requested" || v.Form.Basic.NameZh != "计算材料学国际研讨会" {
			t.Errorf("detail of A while requested: changed %v, status %q, name %q", v.Changed, v.ChangeStatus, v.Form.Basic.NameZh)
		}
	})

	approvedAt := shanghaiAt(time.January, 10, 15)
	put(a.chgS, school, approvedAt, a.chg.Approve(school, "同意变更", approvedAt), a.chg.Pending())
	rejectedAt := shanghaiAt(time.January, 11, 15)
	put(b.chgS, school, rejectedAt, b.chg.Reject(school, "主题调整理由不充分", rejectedAt), b.chg.Pending())
	sync()

	t.Run("R-CHG-04 the list and the detail show the approved values", func(t *testing.T) {
		r := row(unit, a)
		if r.NameZh != "计算材料学与人工智能国际研讨会" || r.NameEn != "International Workshop on Computational Materials and AI" ||
			r.StartDate != "2027-05-18" || r.EndDate != "2027-05-20" || r.ForeignCount != 60 || r.DomesticCount != 140 || r.TotalCount != 200 ||
			r.Province != "湖北省" || !r.Changed || r.ChangedAt == nil || !r.ChangedAt.Equal(approvedAt) || r.ChangeStatus != "approved" ||
			r.Status != "authority_approved" {
			t.Errorf("row of A after the change: %+v", r)
		}
		v := detail(unit, a)
		b := v.Form.Basic
		if b.NameZh != "计算材料学与人工智能国际研讨会" || b.StartDate != day(time.May, 18) || b.EndDate != day(time.May, 20) ||
			b.Address != "示范路9号学术交流中心" || v.Form.Attendance != newScale.Attendance || v.Form.Content.Theme != "计算材料学与人工智能" ||
			b.CommitmentDate != day(time.January, 15) || v.Form.Content.Topics[0] != "专题一" {
			t.Errorf("form of A after the change: %+v %+v", b, v.Form.Content)
		}
		if !v.Changed || v.ChangedAt == nil || v.ChangeStatus != "approved" || v.Original == nil ||
			v.Original.NameZh != "计算材料学国际研讨会" || v.Original.Dates.Start != day(time.April, 20) || v.Original.Place.Address != "示范路1号" {
			t.Errorf("detail of A after the change: changed %v at %v, status %q, original %+v", v.Changed, v.ChangedAt, v.ChangeStatus, v.Original)
		}
		if v.Totals.Budget.TotalFen != 13000075 || v.Version != 15 || v.Status != "authority_approved" {
			t.Errorf("the change touched more than the changeable values: %+v version %d", v.Totals, v.Version)
		}
		// Searching and filtering follow the new values.
		p, err := q.ListDeclarations(ctx, school, projections.DeclarationFilter{Keyword: "人工智能", StartFrom: day(time.May, 1), Page: 1, PageSize: 10})
		if err != nil || len(p.Items) != 1 || p.Items[0].ID != a.id().String() {
			t.Errorf("search by the new name: %+v %v", p.Items, err)
		}
	})

	t.Run("R-CHG-04 a rejected or pending change changes nothing", func(t *testing.T) {
		if r := row(school, b); r.Changed || r.ChangeStatus != "rejected" || r.NameZh != "数字经济国际学术会议" {
			t.Errorf("row of B: %+v", r)
		}
		if v := detail(otherApp, b); v.Changed || v.Original != nil || v.Form.Content.Theme != "数字经济与治理" || v.ChangeStatus != "rejected" {
			t.Errorf("detail of B: theme %q, changed %v", v.Form.Content.Theme, v.Changed)
		}
		if r := row(school, c); r.Changed || r.ChangeStatus != "requested" || r.StartDate != "2027-06-10" {
			t.Errorf("row of C: %+v", r)
		}
		if r := row(school, d); r.Changed || r.ChangeStatus != "" {
			t.Errorf("row of D: %+v", r)
		}
	})

	t.Run("R-CHG-04 history keeps both", func(t *testing.T) {
		v, err := q.ChangeRequest(ctx, app, a.id())
		if err != nil {
			t.Fatal(err)
		}
		if v.Old.NameZh != "计算材料学国际研讨会" || v.New.NameZh != "计算材料学与人工智能国际研讨会" || v.NameZh != v.Old.NameZh ||
			v.NewNameZh != v.New.NameZh || v.Old.Dates.Start != day(time.April, 20) || v.New.Dates.Start != day(time.May, 18) ||
			v.Old.Scale.Attendance.Foreign != 40 || v.New.Scale.Attendance.Foreign != 60 {
			t.Errorf("old and new values: %+v %+v", v.Old, v.New)
		}
		if !slices.Equal(v.Changed, []string{"nameZh", "nameEn", "theme", "scale", "place", "dates"}) || v.Status != "approved" || v.Seq != 1 ||
			v.Comment != "同意变更" || v.DecidedAt == nil || !v.DecidedAt.Equal(approvedAt) || v.RequestBy != "2027-02-20" ||
			v.Attachment == nil || v.Attachment.Name != "变更说明.pdf" || v.Description != "因合作方调整，会议更名并延期，规模扩大。" ||
			v.DeclarationID != a.id() || v.UnitID != f.tree.Unit {
			t.Errorf("change request of A: %+v", v)
		}
		// The stream keeps the request with both value sets and the decision.
		evs, err := f.store.ReadStream(ctx, commands.ChangeStream(a.id()), eventstore.Forwards, 0, 0)
		if err != nil || len(evs) != 2 || evs[0].Type != change.EventRequested || evs[1].Type != change.EventApproved {
			t.Fatalf("change stream of A: %d events, %v", len(evs), err)
		}
		ev, err := change.Decode(evs[0].Type, evs[0].Data)
		if r, ok := ev.(change.Requested); err != nil || !ok || r.Old.NameZh != "计算材料学国际研讨会" || r.New.NameZh != "计算材料学与人工智能国际研讨会" {
			t.Errorf("stored request: %+v %v", ev, err)
		}
		vb, err := q.ChangeRequest(ctx, school, b.id())
		if err != nil || vb.Status != "rejected" || vb.Reason != "主题调整理由不充分" || vb.Attachment != nil || vb.New.Theme != "数字经济与全球治理" ||
			vb.Old.Theme != "数字经济与治理" || vb.DecidedAt == nil || !slices.Equal(vb.Changed, []string{"theme"}) {
			t.Errorf("change request of B: %+v %v", vb, err)
		}
		if _, err := q.ChangeRequest(ctx, school, d.id()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("change request of D, which never asked: %v; want not found", err)
		}
	})

	t.Run("R-ACT-02 change request scope", func(t *testing.T) {
		ids := func(who domain.Actor, query string) []uuid.UUID {
			t.Helper()
			v, err := url.ParseQuery(query)
			if err != nil {
				t.Fatal(err)
			}
			filter, bad := projections.ParseChangeFilter(v)
			if len(bad) > 0 {
				t.Fatalf("%s: %v", query, bad)
			}
			p, err := q.ChangeRequests(ctx, who, filter)
			if err != nil {
				t.Fatal(err)
			}
			var out []uuid.UUID
			for _, r := range p.Items {
				out = append(out, r.DeclarationID)
			}
			if filter.Page == 1 && int(p.Total) != len(out) {
				t.Errorf("%s: total %d, %d items", query, p.Total, len(out))
			}
			return out
		}
		of := func(xs ...*conf) []uuid.UUID {
			var out []uuid.UUID
			for _, x := range xs {
				out = append(out, x.id())
			}
			return out
		}
		for _, tc := range []struct {
			who   string
			a     domain.Actor
			query string
			want  []*conf
		}{
			{"applicant", app, "", []*conf{c, a}},
			{"other applicant", otherApp, "", []*conf{b}},
			{"unit admin", unit, "", []*conf{c, a}},
			{"other unit admin", otherUnit, "", []*conf{b}},
			{"school admin, newest first", school, "", []*conf{c, b, a}},
			{"school admin, oldest first", school, "order=asc", []*conf{a, b, c}},
			{"authority", authority, "", []*conf{c, b, a}},
			{"auditor", auditor, "", []*conf{c, b, a}},
			{"analyst", analyst, "", []*conf{c, b, a}},
			{"approved", school, "status=approved", []*conf{a}},
			{"pending and rejected", school, "status=requested,rejected", []*conf{c, b}},
			{"unit", school, "unitId=" + f.tree.OtherUnit.String(), []*conf{b}},
			{"university", auditor, "universityId=" + f.tree.University.String(), []*conf{c, b, a}},
			{"other university", auditor, "universityId=" + uuid.NewString(), nil},
			{"keyword: new name", school, "q=人工智能", []*conf{a}},
			{"keyword: old name", school, "q=计算材料学国际研讨会", []*conf{a}},
			{"keyword: two characters", school, "q=数字", []*conf{b}},
			{"page 2", school, "page=2&pageSize=2", []*conf{a}},
		} {
			if got := ids(tc.a, tc.query); !slices.Equal(got, of(tc.want...)) {
				t.Errorf("%s (%s): got %v; want %v", tc.who, tc.query, got, of(tc.want...))
			}
		}
		// R-ACT-02: outside one's scope records do not exist, so a role
		// without one lists none (as reading one is a 404).
		if page, err := q.ChangeRequests(ctx, admin, projections.ChangeFilter{}); err != nil || page.Total != 0 || len(page.Items) != 0 {
			t.Errorf("platform admin lists change requests: %+v %v; want an empty page", page, err)
		}
		for _, tc := range []struct {
			who string
			a   domain.Actor
			x   *conf
		}{{"other unit admin", otherUnit, a}, {"other applicant", otherApp, c}, {"unit admin", unit, b}} {
			if _, err := q.ChangeRequest(ctx, tc.a, tc.x.id()); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("%s reads %s: %v; want not found", tc.who, tc.x.id(), err)
			}
		}
		if _, bad := projections.ParseChangeFilter(url.Values{"status": {"done"}, "sort": {"nameZh"}, "x": {"1"}}); len(bad) != 3 {
			t.Errorf("bad change filter: %v", bad)
		}
	})
}

func ptr[T any](v T) *T { return &v }
