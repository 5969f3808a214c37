package projections_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/projections"
)

// checkDeadlines runs the deadline engine's decision for the conference
// at now, as commands.CheckDeadlines would.
func (c *ntConf) checkDeadlines(now time.Time) {
	c.t.Helper()
	v, sc, lead := c.values(), c.d.Scope(), c.d.Lead()
	c.tracker.Check(deadline.Conference{
		Ref: deadline.Ref{DeclarationID: c.id(), NameZh: v.NameZh, ApplicantID: sc.Owner, UnitID: sc.Unit,
			UniversityID: sc.University, AuthorityID: sc.Authority},
		Status: c.d.Status(), Submitted: true, FileBy: lead.FileBy, NGOFileBy: lead.NGOFileBy,
		OriginalStart: c.d.Form().Basic.StartDate, End: v.Dates.End, SummaryStatus: c.sum.Status(),
	}, policy.Default(), now)
	ntPut(c.trackS, deadline.Engine, now, nil, c.tracker.Pending())
}

// TestAftercareNotifications (R-CHG-04, R-SUM-04, R-SUM-02, R-DECL-05,
// R-DECL-11) tells the applicant of each change and summary decision, the
// school admins of each change request and each submitted summary (a late
// one marked 逾期提交), and the remindee of each reminder
// and passed deadline: every notice once, to the right people, with the
// conference, the deadline, the due date, the days left and the reason; a
// closed change window tells no one. Mail goes out once per notice and
// recipient, never for the reviewers' change requests and summaries, never again on a
// rebuild, and never for an event older than the version that began to
// send its template.
func TestAftercareNotifications(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, school := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleSchoolAdmin)
	platform := f.actor(t, domain.RolePlatformAdmin)

	// The university's school admins: the demo one, a second one, a unit
	// admin promoted to school admin, and one deactivated.
	newUser := func(email, name string, role domain.Role, org uuid.UUID) uuid.UUID {
		t.Helper()
		res, err := f.app.CreateUser(ctx, platform, commands.Meta{}, commands.CreateUser{Email: email, Name: name, Role: role, OrgID: org,
			Mobile: "13800000009", Password: "violet kettle ninety 42"})
		if err != nil {
			t.Fatal(err)
		}
		return res.ID
	}
	school2 := newUser("school2@demo-univ.edu.cn", "钱国际", domain.RoleSchoolAdmin, f.tree.University)
	promoted := newUser("promoted@demo-univ.edu.cn", "孙晋升", domain.RoleUnitAdmin, f.tree.Unit)
	former := newUser("former@demo-univ.edu.cn", "郑离任", domain.RoleSchoolAdmin, f.tree.University)
	schoolRole, univ, off := domain.RoleSchoolAdmin, f.tree.University, false
	if _, err := f.app.UpdateUser(ctx, platform, commands.Meta{}, commands.UpdateUser{UserID: promoted, Role: &schoolRole, OrgID: &univ}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateUser(ctx, platform, commands.Meta{}, commands.UpdateUser{UserID: former, Active: &off}); err != nil {
		t.Fatal(err)
	}
	admins := []uuid.UUID{school.UserID, school2, promoted}
	adminMails := []string{"promoted@demo-univ.edu.cn", "school-admin@demo-univ.edu.cn", "school2@demo-univ.edu.cn"}

	// A: approved, with an overseas NGO's activity; its change of Chinese
	// name is approved, its summary returned once, then accepted.
	// B: approved; its change is rejected, its summary never comes.
	// D: submitted, waiting for the school past its filing day.
	a := f.ntDeclare(t, app, conference{"海洋遥感国际研讨会", "International Workshop on Ocean Remote Sensing", "海洋遥感", "张三", day(time.April, 20), 40}, true, "authority_approved")
	b := f.ntDeclare(t, app, conference{"湿地生态国际研讨会", "International Workshop on Wetland Ecology", "湿地生态", "张三", day(time.May, 4), 30}, false, "authority_approved")
	d := f.ntDeclare(t, app, conference{"智能制造国际学术会议", "International Conference on Intelligent Manufacturing", "智能制造", "张三", day(time.April, 25), 20}, false, "submitted")

	newName := "海洋遥感与观测国际研讨会"
	a.requestChange(change.Proposal{Description: "会议名称需体现观测主题", Changes: change.Changes{NameZh: &newName}}, shanghai(2026, time.November, 2))
	b.requestChange(change.Proposal{Description: "改在武汉以外举办", Changes: change.Changes{Theme: ptrTo("湿地生态与保护")}}, shanghai(2026, time.November, 2))
	sync()
	// The change request waits with the school (status view, R-CHG-04).
	st, err := q.ChangeStatus(ctx, school, a.id())
	ntWantHolder(t, "change of A, requested", st, err, "requested", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)

	at := shanghai(2026, time.November, 3)
	ntPut(a.chgS, school, at, a.chg.Approve(school, "同意变更", at), a.chg.Pending())
	ntPut(b.chgS, school, at, b.chg.Reject(school, "理由不充分", at), b.chg.Pending())

	// Deadlines: D's filing (R-DECL-05) three days ahead and passed; A's
	// NGO filing (R-DECL-11) eleven days ahead (the 14-day reminder) and
	// passed, with its change window closing the same day; B's summary
	// passed (R-SUM-02).
	fileBy := d.d.Lead().FileBy
	d.checkDeadlines(fileBy.AddDays(-3).Time().Add(10 * time.Hour))
	d.checkDeadlines(fileBy.AddDays(1).Time().Add(10 * time.Hour))
	ngoBy := a.d.Lead().NGOFileBy
	a.checkDeadlines(ngoBy.AddDays(-11).Time().Add(10 * time.Hour))
	a.checkDeadlines(ngoBy.AddDays(1).Time().Add(10 * time.Hour))
	bDue := policy.Default().Summary.DueDate(b.values().Dates.End)
	b.checkDeadlines(bDue.AddDays(1).Time().Add(10 * time.Hour))

	// A's summary: opened, reminded 12 days ahead, submitted, returned,
	// submitted again and accepted (R-SUM-04), with the status view's
	// holder at each step.
	p, r := policy.Default(), summary.DefaultRules()
	at = shanghai(2027, time.May, 1)
	snap := summary.Snapshot{ID: a.id(), ApplicantID: app.UserID, Scope: a.d.Scope(), Status: a.d.Status(), NameZh: newName, EndDate: a.values().Dates.End}
	ntPut(a.sumS, app, at, a.sum.Open(app, snap, r, at), a.sum.Pending())
	ntPut(a.sumS, app, at, a.sum.Save(app, ntSummaryContent("海洋遥感观测"), p, r, at), a.sum.Pending())
	aDue := a.sum.DueDate()
	a.checkDeadlines(aDue.AddDays(-12).Time().Add(10 * time.Hour))
	sync()
	st, err = q.SummaryStatus(ctx, unit, a.id())
	ntWantHolder(t, "summary of A, draft", st, err, "draft", domain.RoleApplicant, f.tree.Unit, app.UserID)
	at = aDue.AddDays(-10).Time().Add(10 * time.Hour)
	ntPut(a.sumS, app, at, a.sum.Submit(app, p, r, at), a.sum.Pending())
	sync()
	st, err = q.SummaryStatus(ctx, app, a.id())
	ntWantHolder(t, "summary of A, submitted", st, err, "submitted", domain.RoleSchoolAdmin, f.tree.University, uuid.Nil)
	at = at.Add(24 * time.Hour)
	ntPut(a.sumS, school, at, a.sum.Return(school, "照片说明不全", at), a.sum.Pending())
	sync()
	st, err = q.SummaryStatus(ctx, school, a.id())
	ntWantHolder(t, "summary of A, returned", st, err, "returned", domain.RoleApplicant, f.tree.Unit, app.UserID)
	at = at.Add(24 * time.Hour)
	ntPut(a.sumS, app, at, a.sum.Save(app, ntSummaryContent("海洋遥感观测研究"), p, r, at), a.sum.Pending())
	ntPut(a.sumS, app, at, a.sum.Submit(app, p, r, at), a.sum.Pending())
	at = at.Add(24 * time.Hour)
	ntPut(a.sumS, school, at, a.sum.Accept(school, "内容完整", at), a.sum.Pending())
	sync()
	st, err = q.SummaryStatus(ctx, school, a.id())
	ntWantHolder(t, "summary of A, accepted", st, err, "accepted", "", uuid.Nil, uuid.Nil)
	// B's summary comes after its due date: submitted late (R-SUM-02).
	at = bDue.AddDays(2).Time().Add(10 * time.Hour)
	snapB := summary.Snapshot{ID: b.id(), ApplicantID: app.UserID, Scope: b.d.Scope(), Status: b.d.Status(), NameZh: b.values().NameZh,
		EndDate: b.values().Dates.End}
	ntPut(b.sumS, app, at, b.sum.Open(app, snapB, r, at), b.sum.Pending())
	ntPut(b.sumS, app, at, b.sum.Save(app, ntSummaryContent("湿地生态保护"), p, r, at), b.sum.Pending())
	ntPut(b.sumS, app, at, b.sum.Submit(app, p, r, at), b.sum.Pending())
	sync()
	st, err = q.ChangeStatus(ctx, school, a.id())
	ntWantHolder(t, "change of A, approved", st, err, "approved", "", uuid.Nil, uuid.Nil)
	st, err = q.ChangeStatus(ctx, app, b.id())
	ntWantHolder(t, "change of B, rejected", st, err, "rejected", "", uuid.Nil, uuid.Nil)
	if _, err := q.ChangeStatus(ctx, school, d.id()); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("change status of D, never requested: %v; want not found", err)
	}

	// The applicant's inbox: one notice of each kind per conference.
	inbox := func(a domain.Actor) []projections.Notification {
		t.Helper()
		in, err := q.Inbox(ctx, a, false, 500)
		if err != nil {
			t.Fatal(err)
		}
		return in.Items
	}
	of := func(items []projections.Notification, kind string, record uuid.UUID) []projections.Notification {
		var out []projections.Notification
		for _, n := range items {
			if n.Kind == kind && (record == uuid.Nil || n.RecordID == record) {
				out = append(out, n)
			}
		}
		return out
	}
	contains := func(what string, n projections.Notification, zh, en []string) {
		t.Helper()
		for _, s := range zh {
			if !strings.Contains(n.TitleZh+"\n"+n.BodyZh, s) {
				t.Errorf("%s: no %q in %q / %q", what, s, n.TitleZh, n.BodyZh)
			}
		}
		for _, s := range en {
			if !strings.Contains(n.TitleEn+"\n"+n.BodyEn, s) {
				t.Errorf("%s: no %q in %q / %q", what, s, n.TitleEn, n.BodyEn)
			}
		}
	}
	one := func(what string, items []projections.Notification, kind string, record uuid.UUID, zh, en []string) {
		t.Helper()
		got := of(items, kind, record)
		if len(got) != 1 {
			t.Errorf("%s: %d notices of kind %s; want 1", what, len(got), kind)
			return
		}
		contains(what, got[0], zh, en)
	}
	mine := inbox(app)
	ngoDays := fmt.Sprint(domain.DateOf(ngoBy.AddDays(-11).Time()).DaysUntil(ngoBy))
	one("R-CHG-04 change approved", mine, "change_approved", a.id(), []string{"会议变更申请已通过", "海洋遥感国际研讨会", "意见：同意变更"},
		[]string{"Change request approved", "Comment: 同意变更"})
	one("R-CHG-04 change rejected", mine, "change_rejected", b.id(), []string{"会议变更申请被驳回", "湿地生态国际研讨会", "理由：理由不充分"},
		[]string{"Change request rejected", "理由不充分"})
	one("R-SUM-04 summary returned", mine, "summary_returned", a.id(), []string{"会议总结被退回修改", newName, "照片说明不全"},
		[]string{"returned for revision", "照片说明不全"})
	one("R-SUM-04 summary accepted", mine, "summary_accepted", a.id(), []string{"会议总结已审核通过", newName, "内容完整"}, []string{"accepted"})
	one("R-SUM-02 summary overdue", mine, "summary_overdue", b.id(), []string{"会议总结已逾期", "湿地生态国际研讨会", bDue.String(), "不能提交新的会议申报"},
		[]string{"summary overdue", bDue.String(), "cannot submit new declarations"})
	one("R-DECL-11 NGO filing overdue", mine, "ngo_filing_overdue", a.id(), []string{"境外非政府组织临时活动备案已逾期", newName, ngoBy.String()},
		[]string{"Overseas NGO filing overdue", ngoBy.String()})
	reminders := of(mine, "deadline_reminder", a.id())
	if len(reminders) != 2 {
		t.Fatalf("reminders of A: %d; want 2 (NGO filing, summary)", len(reminders))
	}
	// Newest first: the summary's, then the NGO filing's; days left, not
	// the reminder's distance (14).
	contains("R-SUM-02 summary reminder", reminders[0], []string{"截止日期提醒：会议总结提交截止日", newName, aDue.String(), "还有12天"},
		[]string{"Deadline reminder: summary due date", aDue.String(), "12 day(s) away"})
	contains("R-DECL-11 NGO reminder", reminders[1], []string{"截止日期提醒：" + deadline.KindNGOFiling.Zh(), newName, ngoBy.String(), "还有" + ngoDays + "天"},
		[]string{"overseas NGO filing deadline", ngoBy.String(), ngoDays + " day(s) away"})
	if ngoDays != "11" {
		t.Errorf("days before the NGO filing: %s; want 11", ngoDays)
	}
	for _, n := range mine {
		if strings.Contains(n.Kind, "change_window") || n.Kind == "change_requested" || n.Kind == "filing_overdue" || n.Kind == "summary_submitted" {
			t.Errorf("the applicant got %s: %s", n.Kind, n.BodyZh)
		}
	}
	if n := len(of(mine, "deadline_reminder", d.id())); n != 0 {
		t.Errorf("the applicant got %d reminders of D's filing, the school's", n)
	}

	// The school admins: each change request and each submitted summary
	// (inbox only, R-SUM-04), D's filing reminder and overdue notice
	// (R-DECL-05); the deactivated one and the unit admin nothing.
	for _, id := range admins {
		theirs := inbox(domain.Actor{UserID: id, Role: domain.RoleSchoolAdmin})
		one("change request of A for "+id.String(), theirs, "change_requested", a.id(),
			[]string{"会议变更申请待审核", "海洋遥感国际研讨会", app.Name, "申请变更中文名称", "会议名称需体现观测主题"},
			[]string{"Change request awaiting review", "Chinese name", "会议名称需体现观测主题"})
		one("change request of B for "+id.String(), theirs, "change_requested", b.id(), []string{"湿地生态国际研讨会", "会议主题"}, []string{"theme"})
		one("R-DECL-05 filing reminder for "+id.String(), theirs, "deadline_reminder", d.id(),
			[]string{"截止日期提醒：" + deadline.KindFiling.Zh(), "智能制造国际学术会议", fileBy.String(), "还有3天"},
			[]string{"day the university files with the authority", fileBy.String(), "3 day(s) away"})
		one("R-DECL-05 filing overdue for "+id.String(), theirs, "filing_overdue", d.id(), []string{"会议申报报批已逾期", "智能制造国际学术会议", fileBy.String()},
			[]string{"Filing with the authority overdue", fileBy.String()})
		// R-SUM-04: exactly one notice per submission, A's two on time,
		// B's late.
		subs := of(theirs, "summary_submitted", a.id())
		if len(subs) != 2 {
			t.Errorf("R-SUM-04 summaries of A for %s: %d notices; want 2 (submitted, returned, submitted again)", id, len(subs))
		}
		for _, n := range subs {
			contains("R-SUM-04 summary of A for "+id.String(), n, []string{"会议总结待审核", newName, app.Name, "提交了会议总结"},
				[]string{"Conference summary awaiting review", "submitted the conference summary"})
			if strings.Contains(n.TitleZh+n.BodyZh, "逾期") || strings.Contains(n.TitleEn+n.BodyEn, "late") {
				t.Errorf("R-SUM-04 summary of A for %s, on time, marked late: %q / %q", id, n.TitleZh, n.BodyZh)
			}
		}
		one("R-SUM-04 late summary of B for "+id.String(), theirs, "summary_submitted", b.id(),
			[]string{"会议总结待审核", "湿地生态国际研讨会", app.Name, "逾期提交", bDue.String()},
			[]string{"Conference summary awaiting review", "submitted late", bDue.String()})
		if len(theirs) != 7 {
			t.Errorf("school admin %s: %d notices; want 7", id, len(theirs))
		}
	}
	for who, a := range map[string]domain.Actor{"the deactivated school admin": {UserID: former, Role: domain.RoleSchoolAdmin}, "the unit admin": unit} {
		if n := len(inbox(a)); n != 0 {
			t.Errorf("%s got %d notices", who, n)
		}
	}

	// Mail: one per notice and recipient with an address; none for the
	// change requests.
	type mailRow struct {
		To   string
		Data map[string]string
	}
	mails := func(tpl string) []mailRow {
		t.Helper()
		rows, err := f.pool.Query(ctx, `SELECT recipient, data FROM mail_outbox WHERE template = $1 ORDER BY recipient, data->>'kindZh'`, tpl)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []mailRow
		for rows.Next() {
			var m mailRow
			if err := rows.Scan(&m.To, &m.Data); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
	appMail := f.tree.Account(domain.RoleApplicant).Email
	for tpl, want := range map[string]int{"change_approved": 1, "change_rejected": 1, "summary_returned": 1, "summary_accepted": 1,
		"summary_overdue": 1, "ngo_filing_overdue": 1, "filing_overdue": 3, "deadline_reminder": 5, "change_requested": 0,
		"summary_submitted": 0} {
		if got := mails(tpl); len(got) != want {
			t.Errorf("mails %s: %d; want %d", tpl, len(got), want)
		}
	}
	if m := mails("change_rejected"); len(m) == 1 && (m[0].To != appMail || m[0].Data["reason"] != "理由不充分" || m[0].Data["name"] != app.Name ||
		m[0].Data["nameZh"] != "湿地生态国际研讨会") {
		t.Errorf("change rejected mail: %+v", m[0])
	}
	if m := mails("summary_overdue"); len(m) == 1 && (m[0].To != appMail || m[0].Data["dueDate"] != bDue.String()) {
		t.Errorf("summary overdue mail: %+v", m[0])
	}
	var filingTo []string
	for _, m := range mails("filing_overdue") {
		filingTo = append(filingTo, m.To)
		if m.Data["dueDate"] != fileBy.String() || m.Data["nameZh"] != "智能制造国际学术会议" || m.Data["name"] == "" {
			t.Errorf("filing overdue mail: %+v", m)
		}
	}
	if !slices.Equal(filingTo, adminMails) {
		t.Errorf("filing overdue mailed to %q; want %q", filingTo, adminMails)
	}
	var reminded []string
	for _, m := range mails("deadline_reminder") {
		reminded = append(reminded, m.To+" "+m.Data["kindZh"]+" "+m.Data["dueDate"]+" "+m.Data["days"])
	}
	wantReminded := []string{
		appMail + " " + deadline.KindSummary.Zh() + " " + aDue.String() + " 12",
		appMail + " " + deadline.KindNGOFiling.Zh() + " " + ngoBy.String() + " 11",
	}
	for _, m := range adminMails {
		wantReminded = append(wantReminded, m+" "+deadline.KindFiling.Zh()+" "+fileBy.String()+" 3")
	}
	slices.Sort(reminded)
	slices.Sort(wantReminded)
	if !slices.Equal(reminded, wantReminded) {
		t.Errorf("reminders mailed:\n%s\nwant\n%s", strings.Join(reminded, "\n"), strings.Join(wantReminded, "\n"))
	}

	// A school admin reads a change request; a rebuild re-creates every
	// inbox, read marks included, and queues no mail again.
	read := of(inbox(domain.Actor{UserID: school2, Role: domain.RoleSchoolAdmin}), "change_requested", a.id())[0].ID
	if _, err := f.app.MarkNotificationsRead(ctx, f.actorOf(t, school2), commands.Meta{}, commands.MarkNotificationsRead{IDs: []uuid.UUID{read}}); err != nil {
		t.Fatal(err)
	}
	sync()
	snapshot := func() []string {
		t.Helper()
		rows, err := f.pool.Query(ctx, `SELECT concat_ws('|', id, user_id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at, read_at IS NOT NULL)
			FROM rm.notifications ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	before, mailsBefore := snapshot(), count(t, f.pool, `SELECT count(*) FROM mail_outbox`)
	if n := count(t, f.pool, `SELECT count(*) FROM rm.notifications WHERE read_at IS NOT NULL`); n != 1 {
		t.Errorf("read notices before the rebuild: %d; want 1", n)
	}
	if _, err := projections.Rebuild(ctx, f.pool, f.store, projections.Notifications{}, nil); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); !slices.Equal(after, before) {
		t.Errorf("inboxes after the rebuild differ:\n%s\nbefore\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
	if n := count(t, f.pool, `SELECT count(*) FROM mail_outbox`); n != mailsBefore {
		t.Errorf("mails after the rebuild: %d; before %d", n, mailsBefore)
	}
	// R-SUM-04: still one notice per submission and school admin.
	if n := count(t, f.pool, `SELECT count(*) FROM rm.notifications WHERE kind = 'summary_submitted'`); n != 3*len(admins) {
		t.Errorf("R-SUM-04 summary notices after the rebuild: %d; want %d", n, 3*len(admins))
	}

	// Events stored before the version that began to send a template are
	// history: E's filing overdue reaches the inboxes but is not mailed,
	// while its unit approval, a template of the first version, is.
	if _, err := f.pool.Exec(ctx, `UPDATE mail_epoch SET since = now() + interval '1 hour' WHERE name = 'notifications:v4'`); err != nil {
		t.Fatal(err)
	}
	e := f.ntDeclare(t, app, conference{"深海探测国际研讨会", "International Workshop on Deep Sea Exploration", "深海探测", "张三", day(time.June, 10), 25}, false, "unit_approved")
	e.checkDeadlines(e.d.Lead().FileBy.AddDays(1).Time().Add(10 * time.Hour))
	sync()
	if n := count(t, f.pool, `SELECT count(*) FROM rm.notifications WHERE kind = 'filing_overdue' AND record_id = $1`, e.id()); n != 3 {
		t.Errorf("filing overdue of E in inboxes: %d; want 3", n)
	}
	if got := mails("filing_overdue"); len(got) != 3 {
		t.Errorf("filing overdue mails after E: %d; want still 3", len(got))
	}
	if n := count(t, f.pool, `SELECT count(*) FROM mail_outbox WHERE template = 'declaration_approved_unit'`); n != 3 {
		t.Errorf("unit approval mails: %d; want 3 (A, B and E; D was never approved)", n)
	}
}
