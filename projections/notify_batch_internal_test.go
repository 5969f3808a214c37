package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/inbox"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/benchdata"
)

// Tests of the notifications' and review times' batch applies against
// Apply one event at a time, on a $all that holds every kind of event
// they follow, the records' lives interleaved.

// lifeEvent is one event of a generated life: its stream, the event and
// who recorded it.
type lifeEvent struct {
	stream string
	ev     interface{ EventType() string }
	role   domain.Role
	actor  uuid.UUID
}

// richEvents appends, interleaved (event k of every life, then event k+1),
// the lives of users (school admins, unit admins, applicants, a pending
// one a unit admin confirms, a role change, a deactivation), forecasts
// (benchdata's, decided by the roles that hold them, some going on to the
// authority), declarations (decided, rejected, renamed by an approved
// change), change requests, summaries (returned, accepted, submitted
// late), the deadline engine's notices, funding applications and inbox
// reads. Times carry nanoseconds, which PostgreSQL drops. It returns $all.
func richEvents(t *testing.T, store *pgstore.Store) []eventstore.RecordedEvent {
	t.Helper()
	ctx := context.Background()
	o := benchdata.NewOrg()
	base := time.Date(2026, 9, 1, 9, 0, 0, 123456789, domain.Shanghai)
	uid := func(kind string, i int) uuid.UUID {
		return uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprintf("notify-batch:%s:%d", kind, i)))
	}
	const n = 9
	var lives [][]lifeEvent
	add := func(life ...lifeEvent) { lives = append(lives, life) }
	user := func(id uuid.UUID) string { return "user-" + id.String() }
	platform := uid("platform", 0)
	// Users: two school admins of the university (one deactivated and
	// reactivated), a unit admin per unit of the first three, a unit admin
	// promoted to school admin, applicants, and an account a sign-on
	// opened that its unit admin confirms.
	school := []uuid.UUID{uid("school", 0), uid("school", 1)}
	add(lifeEvent{user(school[0]), account.Created{ID: school[0], Email: "s0@u.cn", Name: "校管一", Role: domain.RoleSchoolAdmin, OrgID: o.University}, domain.RolePlatformAdmin, platform},
		lifeEvent{user(school[0]), account.ProfileUpdated{Name: "校管一号"}, domain.RoleSchoolAdmin, school[0]})
	add(lifeEvent{user(school[1]), account.Created{ID: school[1], Email: "s1@u.cn", Name: "校管二", Role: domain.RoleSchoolAdmin, OrgID: o.University}, domain.RolePlatformAdmin, platform},
		lifeEvent{user(school[1]), account.Deactivated{}, domain.RolePlatformAdmin, platform},
		lifeEvent{user(school[1]), account.Reactivated{}, domain.RolePlatformAdmin, platform})
	for u := range 3 {
		id := uid("unit-admin", u)
		life := []lifeEvent{{user(id), account.Created{ID: id, Email: fmt.Sprintf("ua%d@u.cn", u), Name: fmt.Sprintf("单位管理员%d", u),
			Role: domain.RoleUnitAdmin, OrgID: o.Units[u]}, domain.RolePlatformAdmin, platform}}
		if u == 2 {
			life = append(life, lifeEvent{user(id), account.RoleChanged{Role: domain.RoleSchoolAdmin, OrgID: o.University}, domain.RolePlatformAdmin, platform})
		}
		add(life...)
		pending := uid("pending", u)
		add(lifeEvent{user(pending), account.Created{ID: pending, Email: fmt.Sprintf("p%d@u.cn", u), Name: "新人", Role: domain.RoleApplicant,
			OrgID: o.Units[u], StaffNo: "S1", Pending: true, Via: "cas"}, domain.RoleApplicant, pending},
			lifeEvent{user(pending), account.Confirmed{}, domain.RoleUnitAdmin, id})
	}
	applicant := func(i int) uuid.UUID { return o.Applicants[i%len(o.Applicants)] }
	for i := range n {
		if i%3 != 2 { // the others' applicants are not known: inbox only
			// Some change their names while their records are decided.
			add(lifeEvent{user(applicant(i)), account.Created{ID: applicant(i), Email: fmt.Sprintf("a%d@u.cn", i), Name: fmt.Sprintf("申请人%d", i),
				Role: domain.RoleApplicant, OrgID: o.Units[i%3]}, domain.RolePlatformAdmin, platform},
				lifeEvent{}, lifeEvent{}, lifeEvent{},
				lifeEvent{user(applicant(i)), account.ProfileUpdated{Name: fmt.Sprintf("改名申请人%d", i)}, domain.RoleApplicant, applicant(i)})
		}
	}
	// Forecasts: benchdata's lives, each decision by the role holding the
	// forecast, some then approved by the authority.
	f0 := len(lives) // forecast 0's life
	for i := range n {
		var life []lifeEvent
		for k, e := range benchdata.ForecastEvents(o, i) {
			ev, err := forecast.Decode(e.Type, e.Data)
			if err != nil {
				t.Fatal(err)
			}
			if rev, ok := ev.(forecast.Revised); ok { // renamed
				rev.Details.NameZh, rev.Details.NameEn = rev.Details.NameZh+"（修订）", rev.Details.NameEn+" (revised)"
				ev = rev
			}
			role := []domain.Role{domain.RoleApplicant, domain.RoleUnitAdmin, domain.RoleSchoolAdmin, domain.RoleApplicant,
				domain.RoleUnitAdmin, domain.RoleSchoolAdmin}[k]
			life = append(life, lifeEvent{benchdata.Stream(i), ev, role, uid("actor", k)})
		}
		if i%2 == 0 {
			life = append(life, lifeEvent{benchdata.Stream(i), forecast.ApprovedByAuthority{Comment: "同意"}, domain.RoleAuthorityReviewer, uid("actor", 9)})
		}
		add(life...)
	}
	// Declarations, with their change requests, summaries and deadlines.
	for i := range n {
		id := uid("declaration", i)
		d, c, s, dl := "declaration-"+id.String(), "change-"+id.String(), "summary-"+id.String(), "deadline-"+id.String()
		var form declaration.Form
		form.Basic.NameZh, form.Basic.NameEn = fmt.Sprintf("会议%d", i), fmt.Sprintf("Conference %d", i)
		renamed := form.Basic
		renamed.NameZh, renamed.NameEn = renamed.NameZh+"（改）", renamed.NameEn+" (renamed)"
		app := applicant(i)
		ref := deadline.Ref{DeclarationID: id, NameZh: form.Basic.NameZh, ApplicantID: app, UnitID: o.Units[i%3], UniversityID: o.University, AuthorityID: o.Authority}
		due := domain.Date{Year: 2027, Month: 3, Day: 1}
		life := []lifeEvent{
			{d, declaration.Started{DeclarationID: id, ApplicantID: app, UnitID: o.Units[i%3], UniversityID: o.University, AuthorityID: o.Authority, Form: form}, domain.RoleApplicant, app},
			{d, declaration.BasicSaved{Basic: renamed}, domain.RoleApplicant, app},
			{d, declaration.Submitted{}, domain.RoleApplicant, app},
			{dl, deadline.Reminded{Ref: ref, Kind: deadline.KindFiling, DueDate: due, DaysBefore: 7}, domain.RoleSystem, uuid.Nil},
			{d, declaration.ApprovedAtUnit{Comment: "同意"}, domain.RoleUnitAdmin, uid("unit-admin", i%3)},
		}
		if i%4 == 3 {
			life = append(life, lifeEvent{dl, deadline.FilingOverdue{Passed: deadline.Passed{Ref: ref, DueDate: due}}, domain.RoleSystem, uuid.Nil},
				lifeEvent{d, declaration.Rejected{Stage: declaration.StatusUnitApproved, Reason: "材料不全"}, domain.RoleSchoolAdmin, school[0]})
			add(life...)
			continue
		}
		life = append(life,
			lifeEvent{d, declaration.ApprovedAtSchool{Comment: "上报"}, domain.RoleSchoolAdmin, school[0]},
			lifeEvent{d, declaration.ApprovedByAuthority{}, domain.RoleAuthorityReviewer, uid("authority", 0)},
			lifeEvent{dl, deadline.Reminded{Ref: ref, Kind: deadline.KindNGOFiling, DueDate: due, DaysBefore: 0}, domain.RoleSystem, uuid.Nil},
			lifeEvent{dl, deadline.NGOFilingOverdue{Passed: deadline.Passed{Ref: ref, DueDate: due}}, domain.RoleSystem, uuid.Nil},
			lifeEvent{c, change.Requested{DeclarationID: id, ApplicantID: app, UnitID: o.Units[i%3], UniversityID: o.University, AuthorityID: o.Authority,
				Description: "改名", Changed: []change.Field{change.FieldNameZh, change.FieldDates},
				New: change.Values{NameZh: fmt.Sprintf("新会议%d", i), NameEn: fmt.Sprintf("New conference %d", i)}}, domain.RoleApplicant, app})
		if i%2 == 0 { // the conference goes by its new names: a later notice says so
			life = append(life, lifeEvent{c, change.Approved{Comment: "可"}, domain.RoleSchoolAdmin, school[1]},
				lifeEvent{d, declaration.ApprovedByAuthority{Comment: "变更后"}, domain.RoleAuthorityReviewer, uid("authority", 0)})
		} else {
			life = append(life, lifeEvent{c, change.Rejected{Reason: "不可"}, domain.RoleSchoolAdmin, school[1]})
		}
		life = append(life,
			lifeEvent{s, summary.Opened{DeclarationID: id, ApplicantID: app, UnitID: o.Units[i%3], UniversityID: o.University, AuthorityID: o.Authority, DueDate: due}, domain.RoleSystem, uuid.Nil},
			lifeEvent{dl, deadline.Reminded{Ref: ref, Kind: deadline.KindSummary, DueDate: due, DaysBefore: 3}, domain.RoleSystem, uuid.Nil},
			lifeEvent{s, summary.Submitted{DueDate: due, Late: i%3 == 0}, domain.RoleApplicant, app},
			lifeEvent{s, summary.Returned{Reason: "补充照片"}, domain.RoleSchoolAdmin, school[0]},
			lifeEvent{dl, deadline.SummaryOverdue{Passed: deadline.Passed{Ref: ref, DueDate: due}}, domain.RoleSystem, uuid.Nil},
			lifeEvent{s, summary.Submitted{DueDate: due, Late: true}, domain.RoleApplicant, app},
			lifeEvent{s, summary.Accepted{Comment: "好"}, domain.RoleSchoolAdmin, school[0]})
		add(life...)
	}
	// Funding applications of the first units' institutes.
	for i := range 3 {
		id := uid("funding", i)
		f := "funding-" + id.String()
		var a funding.Application
		a.Conference.NameZh, a.Conference.NameEn = fmt.Sprintf("资助会议%d", i), ""
		edited := a
		edited.Conference.NameZh += "（改）"
		add(lifeEvent{f, funding.Drafted{ID: id, Institute: o.Units[i], Application: a}, domain.RoleUnitAdmin, uid("unit-admin", i)},
			lifeEvent{f, funding.Edited{Application: edited}, domain.RoleUnitAdmin, uid("unit-admin", i)},
			lifeEvent{f, funding.SummaryReminded{Institute: o.Units[i], DueDate: domain.Date{Year: 2027, Month: 5, Day: 1}, DaysBefore: 10}, domain.RoleSystem, uuid.Nil},
			lifeEvent{f, funding.SummaryOverdue{Institute: o.Units[i], DueDate: domain.Date{Year: 2027, Month: 5, Day: 1}}, domain.RoleSystem, uuid.Nil})
	}
	// Inbox reads: some of one applicant's notices, then all of a school
	// admin's, late enough that some of their notices came before.
	reads := []lifeEvent{}
	for range 12 {
		reads = append(reads, lifeEvent{}) // wait: reads come late in the interleaving
	}
	a0 := applicant(0)
	reads = append(reads,
		lifeEvent{"inbox-" + a0.String(), inbox.Read{IDs: []uuid.UUID{uuid.NewSHA1(eventstore.EventID(uid("life", f0), 1), []byte("notification")), uid("nosuch", 0)}}, domain.RoleApplicant, a0},
		lifeEvent{"inbox-" + school[0].String(), inbox.Read{All: true}, domain.RoleSchoolAdmin, school[0]},
		lifeEvent{"inbox-" + a0.String(), inbox.Read{All: true}, domain.RoleApplicant, a0})
	add(reads...)

	versions := map[string]int{}
	at := base
	for k := 0; ; k++ {
		more := false
		for l, life := range lives {
			if k >= len(life) {
				continue
			}
			more = true
			le := life[k]
			if le.ev == nil {
				continue
			}
			at = at.Add(37*time.Minute + 1001*time.Nanosecond)
			data, err := json.Marshal(le.ev)
			if err != nil {
				t.Fatal(err)
			}
			md := benchdata.Metadata(at)
			md.Role, md.ActorID = string(le.role), le.actor.String()
			if le.actor == uuid.Nil {
				md.ActorID = ""
			}
			e := eventstore.EventData{ID: eventstore.EventID(uid("life", l), k), Type: le.ev.EventType(), Data: data, Metadata: md}
			if _, err := store.Append(ctx, le.stream, eventstore.Version(versions[le.stream]), []eventstore.EventData{e}); err != nil {
				t.Fatalf("append %s to %s: %v", e.Type, le.stream, err)
			}
			versions[le.stream]++
		}
		if !more {
			break
		}
	}
	all, err := store.ReadAll(ctx, eventstore.Position{}, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// singleReviewTimes is the review times without ApplyBatch: Apply per
// event.
type singleReviewTimes struct{ r ReviewTimes }

func (singleReviewTimes) Name() string                                 { return "review_times_single" }
func (singleReviewTimes) Version() int                                 { return 1 }
func (s singleReviewTimes) Tables() []string                           { return s.r.Tables() }
func (s singleReviewTimes) Setup(ctx context.Context, tx pgx.Tx) error { return s.r.Setup(ctx, tx) }
func (s singleReviewTimes) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	return s.r.Apply(ctx, tx, e)
}

// batchSizes are the batch boundaries every equality test tries.
func batchSizes(all []eventstore.RecordedEvent) []int { return []int{1, 5, 13, len(all)} }

// TestReviewTimesBatchEqualsOneByOne: the review times' batch apply
// (records read once per batch, folded in memory, written by COPY) leaves
// exactly the rows Apply leaves one event at a time, whatever the batch
// boundaries: decisions at every level, a record reaching the authority
// after its earlier decisions were written, rejections and resubmissions,
// times with nanoseconds.
func TestReviewTimesBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	all := richEvents(t, store)
	if _, batched := Projection(singleReviewTimes{}).(batchApplier); batched {
		t.Fatal("singleReviewTimes has an ApplyBatch")
	}
	want := buildInBatches(t, pool, singleReviewTimes{}, all, 1)
	for _, c := range []struct{ what, sql string }{
		{"decisions at the authority", `SELECT count(*) FROM ` + want + `.review_times WHERE level = 'authority'`},
		{"decisions marked at the authority afterwards", `SELECT count(*) FROM ` + want + `.review_times WHERE at_authority AND level = 'unit'`},
		{"decisions of declarations", `SELECT count(*) FROM ` + want + `.review_times WHERE record_kind = 'declaration'`},
		{"decisions of summaries", `SELECT count(*) FROM ` + want + `.review_times WHERE record_kind = 'summary'`},
		{"resubmitted records", `SELECT count(*) FROM ` + want + `.review_times WHERE hours_since_submission <> hours`},
	} {
		if scalar(t, pool, c.sql) == 0 {
			t.Errorf("no %s: the events do not test it", c.what)
		}
	}
	for _, size := range batchSizes(all) {
		got := buildInBatches(t, pool, ReviewTimes{}, all, size)
		for _, table := range (ReviewTimes{}).Tables() {
			diff := sameRows(t, pool, table, got, want)
			n, w := scalar(t, pool, `SELECT count(*) FROM `+got+`.`+table), scalar(t, pool, `SELECT count(*) FROM `+want+`.`+table)
			if diff != 0 || n != w {
				t.Errorf("batches of %d: %d rows of %s differ from one event at a time (%d rows, want %d)", size, diff, table, n, w)
			}
		}
	}
}

// singleNotifications is the notifications without ApplyBatch: Apply per
// event.
type singleNotifications struct{ n Notifications }

func (singleNotifications) Name() string                                 { return "notifications_single" }
func (singleNotifications) Version() int                                 { return 1 }
func (s singleNotifications) Tables() []string                           { return s.n.Tables() }
func (s singleNotifications) Setup(ctx context.Context, tx pgx.Tx) error { return s.n.Setup(ctx, tx) }
func (s singleNotifications) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	return s.n.Apply(ctx, tx, e)
}

// TestNotificationsBatchEqualsOneByOne: the notifications' batch apply
// (forecasts' and declarations' events folded in memory, their records and
// applicants read once per run, the notices written together; every other
// event applied by Apply in between) leaves exactly the rows Apply leaves
// one event at a time, and queues the same mail, whatever the batch
// boundaries: inbox reads of notices made earlier in the same batch,
// renamed records, a confirmed account's notice deleted, notices to
// several school admins as their roles and activity change.
func TestNotificationsBatchEqualsOneByOne(t *testing.T) {
	pool, store := newBatchDB(t)
	ctx := context.Background()
	// The notifier (and the versions that began the later templates)
	// started before the events: they are mailed.
	if _, err := pool.Exec(ctx, `INSERT INTO public.mail_epoch (name, since) VALUES ($1, now() - interval '1 minute'),
			($2, now() - interval '1 minute'), ($3, now() - interval '1 minute')`, NotificationsName, aftercareEpoch, fundingEpoch); err != nil {
		t.Fatal(err)
	}
	all := richEvents(t, store)
	if _, batched := Projection(singleNotifications{}).(batchApplier); batched {
		t.Fatal("singleNotifications has an ApplyBatch")
	}
	const outbox = `SELECT dedupe_key, template, recipient, data FROM public.mail_outbox`
	want := buildInBatches(t, pool, singleNotifications{}, all, 1)
	if _, err := pool.Exec(ctx, `CREATE TABLE public.want_outbox AS `+outbox); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, sql string }{
		{"notices read", `SELECT count(*) FROM ` + want + `.notifications WHERE read_at IS NOT NULL`},
		{"notices unread", `SELECT count(*) FROM ` + want + `.notifications WHERE read_at IS NULL`},
		{"forecast notices", `SELECT count(*) FROM ` + want + `.notifications WHERE kind LIKE 'forecast%'`},
		{"declaration notices", `SELECT count(*) FROM ` + want + `.notifications WHERE kind LIKE 'declaration%'`},
		{"renamed declarations' notices", `SELECT count(*) FROM ` + want + `.notifications WHERE body_en LIKE '%(renamed)%'`},
		{"revised forecasts' notices", `SELECT count(*) FROM ` + want + `.notifications WHERE body_en LIKE '%(revised)%'`},
		{"changed declarations' notices", `SELECT count(*) FROM ` + want + `.notifications WHERE kind LIKE 'declaration%' AND body_zh LIKE '新会议%'`},
		{"renamed applicants' mail", `SELECT count(*) FROM public.want_outbox WHERE data->>'name' LIKE '改名%'`},
		{"changed names", `SELECT count(*) FROM ` + want + `.notification_declarations WHERE name_zh LIKE '新会议%'`},
		{"notices to school admins", `SELECT count(*) FROM ` + want + `.notifications WHERE kind = 'summary_submitted'`},
		{"confirmed accounts' notices deleted", `SELECT count(*) FROM ` + want + `.notification_recipients r WHERE r.role = 'applicant' AND r.active
			AND r.email LIKE 'p%' AND NOT EXISTS (SELECT 1 FROM ` + want + `.notifications n WHERE n.record_id = r.id)`},
		{"funding notices", `SELECT count(*) FROM ` + want + `.notifications WHERE record_id IN (SELECT id FROM ` + want + `.notification_funding)`},
		{"mail", `SELECT count(*) FROM public.want_outbox`},
		{"decisions mailed", `SELECT count(*) FROM public.want_outbox WHERE template LIKE 'forecast%'`},
	} {
		if scalar(t, pool, c.sql) == 0 {
			t.Errorf("no %s: the events do not test it", c.what)
		}
	}
	for _, size := range batchSizes(all) {
		if _, err := pool.Exec(ctx, `DELETE FROM public.mail_outbox`); err != nil {
			t.Fatal(err)
		}
		got := buildInBatches(t, pool, Notifications{}, all, size)
		for _, table := range (Notifications{}).Tables() {
			diff := sameRows(t, pool, table, got, want)
			n, w := scalar(t, pool, `SELECT count(*) FROM `+got+`.`+table), scalar(t, pool, `SELECT count(*) FROM `+want+`.`+table)
			if diff != 0 || n != w {
				t.Errorf("batches of %d: %d rows of %s differ from one event at a time (%d rows, want %d)", size, diff, table, n, w)
			}
		}
		diff := scalar(t, pool, `SELECT count(*) FROM ((`+outbox+` EXCEPT SELECT * FROM public.want_outbox)
			UNION ALL (SELECT * FROM public.want_outbox EXCEPT `+outbox+`)) d`)
		if n, w := scalar(t, pool, `SELECT count(*) FROM public.mail_outbox`), scalar(t, pool, `SELECT count(*) FROM public.want_outbox`); diff != 0 || n != w {
			t.Errorf("batches of %d: %d mails differ from one event at a time (%d mails, want %d)", size, diff, n, w)
		}
	}
}
