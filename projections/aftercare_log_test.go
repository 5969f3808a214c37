package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

// ntStream appends an aggregate's decided events to its stream as the
// commands would: with metadata and the hash chain.
type ntStream struct {
	t      *testing.T
	f      *fixture
	name   string
	stored int
	prev   string
}

// ntPut appends what the behaviour just decided (err must be nil), acting
// as a at now; pending is all of the aggregate's Pending since New.
func ntPut[E interface{ EventType() string }](s *ntStream, a domain.Actor, now time.Time, err error, pending []E) {
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

// ntConf is a declared conference with its change, summary and deadline
// histories.
type ntConf struct {
	*decl
	app                domain.Actor
	chg                *change.Change
	sum                *summary.Summary
	tracker            *deadline.Tracker
	chgS, sumS, trackS *ntStream
}

// ntDeclare declares c as a, with an overseas NGO's activity when ngo,
// and takes it up to stage: "submitted", "unit_approved" or
// "authority_approved".
func (f *fixture) ntDeclare(t *testing.T, a domain.Actor, c conference, ngo bool, stage string) *ntConf {
	t.Helper()
	x := f.startDeclaration(t, a, c)
	if ngo {
		at := submitAt.Add(-time.Hour)
		x.do(a, at, x.d.SaveStatements(a, declaration.Statements{OverseasNGO: true}, at))
	}
	x.submit(a)
	unit, school, authority := f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin), f.actor(t, domain.RoleAuthorityReviewer)
	now := submitAt.Add(time.Hour)
	if stage != "submitted" {
		x.do(unit, now, x.d.ApproveAtUnit(unit, "同意", now))
	}
	if stage == "authority_approved" {
		x.do(school, now, x.d.ApproveAtSchool(school, "同意报送", now))
		x.do(authority, now, x.d.ApproveByAuthority(authority, "批准", now))
	}
	id := x.id()
	return &ntConf{decl: x, app: a, chg: change.New(id), sum: summary.New(id), tracker: deadline.New(id),
		chgS:   &ntStream{t: t, f: f, name: commands.ChangeStream(id)},
		sumS:   &ntStream{t: t, f: f, name: commands.SummaryStream(id)},
		trackS: &ntStream{t: t, f: f, name: commands.DeadlineStream(id)}}
}

func (c *ntConf) values() change.Values {
	if v, ok := c.chg.Effective(); ok {
		return v
	}
	return change.ValuesOf(c.d.Form())
}

func (c *ntConf) requestChange(x change.Proposal, now time.Time) {
	c.t.Helper()
	f := c.d.Form()
	snap := change.Snapshot{ID: c.id(), ApplicantID: c.d.ApplicantID(), Scope: c.d.Scope(), Status: c.d.Status(),
		Values: change.ValuesOf(f), Flags: f.Statements.Flags}
	ntPut(c.chgS, c.app, now, c.chg.Request(c.app, snap, uuid.New(), x, policy.Default(), change.DefaultRules(), now), c.chg.Pending())
}

// ntSummaryContent is a complete summary (R-SUM-03).
func ntSummaryContent(academic string) summary.Content {
	file := func(name, contentType string) declaration.Attachment {
		return declaration.Attachment{ID: uuid.New(), SHA256: strings.Repeat("ab", 32), Name: name, ContentType: contentType, Size: 2048}
	}
	photos := make([]summary.Photo, 3)
	for i := range photos {
		photos[i] = summary.Photo{File: file(fmt.Sprintf("photo%d.jpg", i), "image/jpeg"),
			Caption: "开幕式，主席台左起：示例人物，示例大学教授；2027年4月20日，武汉"}
	}
	return summary.Content{
		Academic:       strings.Repeat(academic, 3000/len([]rune(academic))+1),
		Attendance:     []summary.CountryCount{{Region: summary.Mainland, Count: 90}, {Region: summary.Foreign, Country: "英国", Count: 35}},
		PapersDomestic: 40, PapersForeign: 20, Proceedings: "论文集已出版", Photos: photos,
		ProceedingsFile: file("论文集.pdf", "application/pdf"),
		Domestic:        []summary.Attendee{{Name: "示例甲", Country: "中国", Institution: "示范大学", Title: "教授"}},
		Foreign:         []summary.Attendee{{Name: "Jane Roe", Country: "英国", Institution: "Example College"}},
	}
}

func shanghai(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, domain.Shanghai)
}

// ntWantHolder checks a status view: its status, who holds it (role,
// organisation, user; none when final).
func ntWantHolder(t *testing.T, what string, got projections.RecordStatus, err error, status string, role domain.Role, org, user uuid.UUID) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	str := func(id *uuid.UUID) string {
		if id == nil || *id == uuid.Nil {
			return "-"
		}
		return id.String()
	}
	gotS := fmt.Sprintf("%s by %s %s %s final=%v", got.Status, got.HolderRole, str(got.HolderOrg), str(got.HolderUser), got.Final)
	if want := fmt.Sprintf("%s by %s %s %s final=%v", status, role, str(&org), str(&user), role == ""); gotS != want {
		t.Errorf("%s: %s; want %s", what, gotS, want)
	}
}

// TestAftercareApprovalLog (R-CHG-04, R-SUM-04) shows a conference's change
// and summary steps in the status view, with who holds them in each status,
// and in the approval log, each under its own kind with the declaration's
// id, in order, with actor, comment and reason; the declaration's own log
// stays free of them.
func TestAftercareApprovalLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, school, authority := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleSchoolAdmin), f.actor(t, domain.RoleAuthorityReviewer)
	otherUnit := f.actorOf(t, f.tree.OtherUnitAd.UserID)

	a := f.ntDeclare(t, app, conference{"海洋遥感国际研讨会", "International Workshop on Ocean Remote Sensing", "海洋遥感", "张三", day(time.April, 20), 40}, false, "authority_approved")
	b := f.ntDeclare(t, app, conference{"湿地生态国际研讨会", "International Workshop on Wetland Ecology", "湿地生态", "张三", day(time.May, 4), 30}, false, "authority_approved")
	at := shanghai(2026, time.November, 2)
	newName := "海洋遥感与观测国际研讨会"
	a.requestChange(change.Proposal{Description: "会议名称需体现观测主题", Changes: change.Changes{NameZh: &newName}}, at)
	b.requestChange(change.Proposal{Description: "调整主题", Changes: change.Changes{Theme: ptrTo("湿地生态与保护")}}, at)
	sync()
	// The status view: a change request waits with the school admins of
	// the university, a decided one is final (R-CHG-04).
	st, err := q.ChangeStatus(ctx, app, a.id())
	ntWantHolder(t, "change of A, requested", st, err, "requested", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)
	ntPut(a.chgS, school, at, a.chg.Approve(school, "同意变更", at), a.chg.Pending())
	ntPut(b.chgS, school, at, b.chg.Reject(school, "理由不充分", at), b.chg.Pending())
	sync()
	st, err = q.ChangeStatus(ctx, authority, a.id())
	ntWantHolder(t, "change of A, approved", st, err, "approved", "", uuid.Nil, uuid.Nil)
	st, err = q.ChangeStatus(ctx, school, b.id())
	ntWantHolder(t, "change of B, rejected", st, err, "rejected", "", uuid.Nil, uuid.Nil)
	// Where a policy allowed a second request, the same record would wait
	// with the school again.
	second := change.DefaultRules()
	second.MaxRequests = 2
	bf := b.d.Form()
	ntPut(b.chgS, app, at, b.chg.Request(app, change.Snapshot{ID: b.id(), ApplicantID: app.UserID, Scope: b.d.Scope(), Status: b.d.Status(),
		Values: change.ValuesOf(bf), Flags: bf.Statements.Flags}, uuid.New(),
		change.Proposal{Description: "再次申请", Changes: change.Changes{Theme: ptrTo("湿地保护")}}, policy.Default(), second, at), b.chg.Pending())
	sync()
	st, err = q.ChangeStatus(ctx, school, b.id())
	ntWantHolder(t, "change of B, requested again", st, err, "requested", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)

	// The summary: with the applicant as a draft and when returned, with
	// the school when submitted, final when accepted (R-SUM-04).
	p, r := policy.Default(), summary.DefaultRules()
	at = shanghai(2027, time.May, 1)
	snap := summary.Snapshot{ID: a.id(), ApplicantID: app.UserID, Scope: a.d.Scope(), Status: a.d.Status(), NameZh: newName, EndDate: a.values().Dates.End}
	step := func(who domain.Actor, at time.Time, err error, status string, role domain.Role, org, user uuid.UUID) {
		t.Helper()
		ntPut(a.sumS, who, at, err, a.sum.Pending())
		sync()
		st, err := q.SummaryStatus(ctx, app, a.id())
		ntWantHolder(t, "summary of A after "+a.sum.Pending()[len(a.sum.Pending())-1].EventType(), st, err, status, role, org, user)
	}
	step(app, at, a.sum.Open(app, snap, r, at), "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)
	step(app, at, a.sum.Save(app, ntSummaryContent("海洋遥感观测"), p, r, at), "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)
	step(app, at, a.sum.Submit(app, p, r, at), "submitted", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)
	step(school, at, a.sum.Return(school, "照片说明不全", at), "returned", domain.RoleApplicant, f.tree.Unit, app.UserID)
	late := a.sum.DueDate().AddDays(2).Time().Add(10 * time.Hour) // R-SUM-02
	step(app, late, a.sum.Save(app, ntSummaryContent("海洋遥感观测研究"), p, r, late), "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)
	step(app, late, a.sum.Submit(app, p, r, late), "submitted", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)
	step(school, late, a.sum.Accept(school, "内容完整", late), "accepted", "", uuid.Nil, uuid.Nil)

	lines := func(who domain.Actor, kind string, id uuid.UUID) []string {
		t.Helper()
		log, err := q.ApprovalLog(ctx, who, kind, id)
		if err != nil {
			t.Fatalf("%s log: %v", kind, err)
		}
		var out []string
		for _, l := range log {
			out = append(out, fmt.Sprintf("%s %s/%s: %s → %s %s (%s %s)", l.EventType, l.Action, l.ActionZh, l.StatusBefore, l.StatusAfter, l.Comment,
				l.ActorName, l.ActorRole))
		}
		return out
	}
	want := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	appName, schoolName := app.Name, school.Name
	want("change log of A", lines(authority, "change", a.id()), []string{
		"change.requested change requested/申请变更:  → requested 会议名称需体现观测主题 (" + appName + " applicant)",
		"change.approved change approved/变更审核通过: requested → approved 同意变更 (" + schoolName + " school_admin)",
	})
	want("change log of B", lines(app, "change", b.id()), []string{
		"change.requested change requested/申请变更:  → requested 调整主题 (" + appName + " applicant)",
		"change.rejected change rejected/变更驳回: requested → rejected 理由不充分 (" + schoolName + " school_admin)",
		"change.requested change requested/申请变更: rejected → requested 再次申请 (" + appName + " applicant)",
	})
	due := a.sum.DueDate().String()
	want("summary log of A", lines(school, "summary", a.id()), []string{
		"summary.opened summary started/填写总结:  → draft 提交截止日期 / due: " + due + " (" + appName + " applicant)",
		"summary.saved summary saved/保存总结: draft → draft  (" + appName + " applicant)",
		"summary.submitted summary submitted/提交总结: draft → submitted  (" + appName + " applicant)",
		"summary.returned returned for revision/退回修改: submitted → returned 照片说明不全 (" + schoolName + " school_admin)",
		"summary.saved summary saved/保存总结: returned → draft  (" + appName + " applicant)",
		"summary.submitted summary submitted/提交总结: draft → submitted 逾期提交 / late: due " + due + " (" + appName + " applicant)",
		"summary.accepted summary accepted/总结审核通过: submitted → accepted 内容完整 (" + schoolName + " school_admin)",
	})
	// The declaration's log under the same id holds its own steps only.
	decl := lines(school, "declaration", a.id())
	if len(decl) != 15 || slices.ContainsFunc(decl, func(l string) bool { return !strings.HasPrefix(l, "declaration.") }) {
		t.Errorf("declaration log of A mixes kinds or misses steps:\n%s", strings.Join(decl, "\n"))
	}
	// Scope (R-ACT-02): another unit's admin does not see that they exist.
	for _, kind := range []string{"change", "summary"} {
		if _, err := q.ApprovalLog(ctx, otherUnit, kind, a.id()); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("other unit reads A's %s log: %v; want not found", kind, err)
		}
	}
	if _, err := q.ApprovalLog(ctx, school, "summary", b.id()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("summary log of B, never opened: %v; want not found", err)
	}
}

func ptrTo[T any](v T) *T { return &v }
