package projections

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	"github.com/econf/econf/internal/mail"
)

// NotificationsName is the notifications read model's stored name.
const NotificationsName = "notifications"

// Notifications is every user's in-app inbox, and the notifier that mails
// the applicant each decision on their forecast and declaration (R-DECL-17's
// notice), on their change request (R-CHG-04) and summary (R-SUM-04), and
// whoever must act of the deadline engine's reminders and overdue notices
// (R-SUM-02, R-DECL-05, R-DECL-11): the applicant, or every active school
// admin of the conference's university for the filing with the authority.
// A change request (R-CHG-04) and a submitted summary (R-SUM-04) go to the
// school admins' inboxes only: reviewers are not mailed work items.
//
// Mail leaves through the durable outbox (internal/mail), written in the
// same transaction as the inbox row and the checkpoint, under the dedupe key
// "causing event id + template" (+ recipient when one event mails several
// people). A rebuild applies the same events again: their keys are already
// in the outbox, so nothing is mailed twice; events stored before this read
// model first started (mail_epoch) are history and are never mailed, nor are
// events stored before the version that began to send a template
// (templateEpochs): deploying that version must not mail every old decision
// or reminder as news.
type Notifications struct{}

func (Notifications) Name() string { return NotificationsName }
func (Notifications) Version() int { return 7 }
func (Notifications) Tables() []string {
	return []string{"notifications", "notification_recipients", "notification_forecasts", "notification_declarations", "notification_funding"}
}

func (Notifications) Setup(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
CREATE TABLE notifications (
    id         uuid PRIMARY KEY,
    user_id    uuid        NOT NULL,
    kind       text        NOT NULL,
    record_id  uuid        NOT NULL,
    title_zh   text        NOT NULL,
    title_en   text        NOT NULL,
    body_zh    text        NOT NULL,
    body_en    text        NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz
);
CREATE INDEX notifications_user ON notifications (user_id, created_at DESC, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
CREATE TABLE notification_recipients (
    id     uuid PRIMARY KEY,
    email  text    NOT NULL,
    name   text    NOT NULL,
    role   text    NOT NULL,
    org_id uuid    NOT NULL,
    active boolean NOT NULL DEFAULT true
);
CREATE INDEX notification_recipients_org ON notification_recipients (org_id, role) WHERE active;
CREATE TABLE notification_forecasts (
    id           uuid PRIMARY KEY,
    applicant_id uuid NOT NULL,
    name_zh      text NOT NULL,
    name_en      text NOT NULL
);
CREATE TABLE notification_declarations (
    id             uuid PRIMARY KEY,
    applicant_id   uuid NOT NULL,
    name_zh        text NOT NULL,
    name_en        text NOT NULL,
    -- the pending change request's names, taken on its approval (R-CHG-04)
    change_name_zh text,
    change_name_en text,
    -- the university whose school admins review the summary, from its
    -- opening (R-SUM-04)
    university_id  uuid
);
-- a funding application's institute and conference names, for the
-- deadline engine's notices to the institute's administrators (R-FUND-06)
CREATE TABLE notification_funding (
    id           uuid PRIMARY KEY,
    institute_id uuid NOT NULL,
    name_zh      text NOT NULL,
    name_en      text NOT NULL
);
INSERT INTO public.mail_epoch (name) VALUES ('notifications'), ('`+aftercareEpoch+`'), ('`+fundingEpoch+`') ON CONFLICT (name) DO NOTHING;`)
	return err
}

func (n Notifications) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case strings.HasPrefix(e.Type, "user."):
		id, ev, err := decodeRecord(e, "user-", account.Decode)
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case account.Created:
			_, err = tx.Exec(ctx, `INSERT INTO notification_recipients (id, email, name, role, org_id, active) VALUES ($1, $2, $3, $4, $5, $6)`,
				id, ev.Email, ev.Name, string(ev.Role), ev.OrgID, !ev.Pending)
			if err == nil && ev.Pending {
				err = accountPending(ctx, tx, e, id, ev)
			}
		case account.Confirmed:
			if _, err = tx.Exec(ctx, `UPDATE notification_recipients SET active = true WHERE id = $1`, id); err == nil {
				// The notice is work to do: it goes once the account is confirmed.
				_, err = tx.Exec(ctx, `DELETE FROM notifications WHERE kind = $1 AND record_id = $2`, string(accountPendingKind), id)
			}
		case account.ProfileUpdated:
			_, err = tx.Exec(ctx, `UPDATE notification_recipients SET name = $2 WHERE id = $1`, id, ev.Name)
		case account.RoleChanged:
			_, err = tx.Exec(ctx, `UPDATE notification_recipients SET role = $2, org_id = $3 WHERE id = $1`, id, string(ev.Role), ev.OrgID)
		case account.Deactivated:
			_, err = tx.Exec(ctx, `UPDATE notification_recipients SET active = false WHERE id = $1`, id)
		case account.Reactivated:
			_, err = tx.Exec(ctx, `UPDATE notification_recipients SET active = true WHERE id = $1`, id)
		}
		return err
	case e.Type == inbox.EventRead:
		user, ev, err := decodeRecord(e, "inbox-", inbox.Decode)
		if err != nil {
			return err
		}
		if ev.All {
			_, err = tx.Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, user, ev.At)
		} else {
			_, err = tx.Exec(ctx, `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND id = ANY($3) AND read_at IS NULL`, user, ev.At, ev.IDs)
		}
		return err
	case strings.HasPrefix(e.Type, "forecast."):
		return n.applyForecast(ctx, tx, e)
	case strings.HasPrefix(e.Type, "declaration."):
		return n.applyDeclaration(ctx, tx, e)
	case strings.HasPrefix(e.Type, "change."):
		return n.applyChange(ctx, tx, e)
	case strings.HasPrefix(e.Type, "summary."):
		return n.applySummary(ctx, tx, e)
	case strings.HasPrefix(e.Type, "deadline."):
		return n.applyDeadline(ctx, tx, e)
	case strings.HasPrefix(e.Type, "funding."):
		return n.applyFunding(ctx, tx, e)
	}
	return nil
}

// applyDeclaration keeps each declaration's names and tells the applicant
// to fetch the approval form once the unit approved it (R-DECL-17).
func (Notifications) applyDeclaration(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "declaration-", declaration.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case declaration.Started:
		_, err = tx.Exec(ctx, `INSERT INTO notification_declarations (id, applicant_id, name_zh, name_en) VALUES ($1, $2, $3, $4)`,
			id, ev.ApplicantID, ev.Form.Basic.NameZh, ev.Form.Basic.NameEn)
		return err
	case declaration.BasicSaved:
		_, err = tx.Exec(ctx, `UPDATE notification_declarations SET name_zh = $2, name_en = $3 WHERE id = $1`, id, ev.Basic.NameZh, ev.Basic.NameEn)
		return err
	}
	if d, ok := declarationDecision(ev); ok {
		return notify(ctx, tx, e, `notification_declarations`, id, d)
	}
	return nil
}

// declarationDecision is what a declaration's decision tells its
// applicant; ok is false for the other events.
func declarationDecision(ev declaration.Event) (d decisionNotice, ok bool) {
	switch ev := ev.(type) {
	case declaration.ApprovedAtUnit:
		return decisionNotice{mail.DeclarationApprovedUnit,
			"会议申报已通过单位初审，请下载审批表", "Declaration approved by your unit: download the approval form", ev.Comment, "", ""}, true
	case declaration.ApprovedAtSchool:
		return decisionNotice{mail.DeclarationApprovedSchool,
			"会议申报已通过学校审核", "Declaration approved by the university", ev.Comment, "", ""}, true
	case declaration.ApprovedByAuthority:
		return decisionNotice{mail.DeclarationApprovedAuthority,
			"会议申报已获批", "Declaration approved by the authority", ev.Comment, "", ""}, true
	case declaration.Rejected:
		byZh, byEn := declarationRejectedBy(ev.Stage)
		return decisionNotice{mail.DeclarationRejected,
			"会议申报被驳回", "Declaration rejected", ev.Reason, byZh, byEn}, true
	}
	return d, false
}

func (Notifications) applyForecast(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "forecast-", forecast.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case forecast.Submitted:
		_, err = tx.Exec(ctx, `INSERT INTO notification_forecasts (id, applicant_id, name_zh, name_en) VALUES ($1, $2, $3, $4)`,
			id, ev.ApplicantID, ev.Details.NameZh, ev.Details.NameEn)
		return err
	case forecast.Revised:
		_, err = tx.Exec(ctx, `UPDATE notification_forecasts SET name_zh = $2, name_en = $3 WHERE id = $1`, id, ev.Details.NameZh, ev.Details.NameEn)
		return err
	}
	if d, ok := forecastDecision(ev); ok {
		return notify(ctx, tx, e, `notification_forecasts`, id, d)
	}
	return nil
}

// forecastDecision is what a forecast's decision tells its applicant; ok
// is false for the other events.
func forecastDecision(ev forecast.Event) (d decisionNotice, ok bool) {
	switch ev := ev.(type) {
	case forecast.ApprovedAtUnit:
		return decisionNotice{mail.ForecastApprovedUnit, "预报已通过单位初审", "Forecast approved by your unit", ev.Comment, "", ""}, true
	case forecast.ApprovedAtSchool:
		return decisionNotice{mail.ForecastApprovedSchool, "预报已通过学校审核", "Forecast approved by the university", ev.Comment, "", ""}, true
	case forecast.ApprovedByAuthority:
		return decisionNotice{mail.ForecastApprovedAuthority, "预报审核通过", "Forecast approved into the plan", ev.Comment, "", ""}, true
	case forecast.Rejected:
		byZh, byEn := rejectedBy(ev.Stage)
		return decisionNotice{mail.ForecastRejected, "预报被驳回", "Forecast rejected", ev.Reason, byZh, byEn}, true
	}
	return d, false
}

// declarationRejectedBy names who rejects a declaration in a status.
func declarationRejectedBy(s declaration.Status) (zh, en string) {
	switch s {
	case declaration.StatusUnitApproved:
		return "学校国际处", "the university's international office"
	case declaration.StatusSchoolApproved:
		return "上级主管部门", "the authority"
	}
	return "单位", "your unit"
}

// decisionNotice is what a decision tells the applicant.
type decisionNotice struct {
	template         mail.Template
	titleZh, titleEn string
	text             string // the comment or the reason
	// byZh and byEn name who rejected, for a rejection; empty otherwise.
	byZh, byEn string
}

// rejectedBy names who rejects a forecast in a status.
func rejectedBy(s forecast.Status) (zh, en string) {
	switch s {
	case forecast.StatusUnitApproved:
		return "学校国际处", "the university's international office"
	case forecast.StatusSchoolApproved:
		return "上级主管部门", "the authority"
	}
	return "单位", "your unit"
}

// notify puts a decision in the applicant's inbox and queues its mail; the
// record's names come from table (a constant, never user input).
func notify(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, table string, recordID uuid.UUID, d decisionNotice) error {
	to, nameZh, nameEn, err := applicantOf(ctx, tx, e, table, recordID)
	if err != nil {
		return err
	}
	return deliverNotice(ctx, tx, e, recordID, d.notice(nameZh, nameEn), to)
}

// notice is the notice of the decision on the record named nameZh and
// nameEn.
func (d decisionNotice) notice(nameZh, nameEn string) notice {
	n := notice{template: d.template, mail: true, titleZh: d.titleZh, titleEn: d.titleEn, bodyZh: nameZh, bodyEn: nameEn,
		data: map[string]string{"nameZh": nameZh, "nameEn": nameEn}}
	if d.byZh != "" {
		n.data["reason"], n.data["stageZh"], n.data["stageEn"] = d.text, d.byZh, d.byEn
		n.bodyZh += "：" + d.byZh + "驳回，理由：" + d.text
		n.bodyEn += ": rejected by " + d.byEn + ": " + d.text
	} else {
		n.data["comment"] = d.text
		if d.text != "" {
			n.bodyZh += "。意见：" + d.text
			n.bodyEn += ". Comment: " + d.text
		}
	}
	return n
}

// applicantOf is the applicant of a record and the record's names, from
// table (a constant, never user input).
func applicantOf(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, table string, recordID uuid.UUID) (to recipient, nameZh, nameEn string, err error) {
	err = tx.QueryRow(ctx, `SELECT f.applicant_id, f.name_zh, f.name_en, COALESCE(r.email, ''), COALESCE(r.name, '')
		FROM `+table+` f LEFT JOIN notification_recipients r ON r.id = f.applicant_id WHERE f.id = $1`, recordID).
		Scan(&to.id, &nameZh, &nameEn, &to.email, &to.name)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("%s about %s, which was never started", e.Type, recordID)
	}
	return to, nameZh, nameEn, err
}

// recipient is one user a notice goes to; email is "" when the user is
// not known (then only the inbox gets it).
type recipient struct {
	id          uuid.UUID
	email, name string
	// many marks one of several recipients of the same event: their
	// notification ids and mail keys name them.
	many bool
}

// notice is one notification to deliver.
type notice struct {
	// template names the notice in the inbox (kind) and, when mail is
	// set, the mail sent.
	template         mail.Template
	mail             bool
	titleZh, titleEn string
	bodyZh, bodyEn   string
	// data is the mail's data but for the recipient's name.
	data map[string]string
	// epoch, when set, is the mail epoch of the version that began to
	// send this notice, where its template is older (a funding reminder
	// is a DeadlineReminder).
	epoch string
}

// deliverNotice puts n in each recipient's inbox and, when n is mailed, queues
// one mail per recipient with an address: once per event and recipient,
// however often the event is applied, and never for an event older than the
// template's mail epoch.
func deliverNotice(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, recordID uuid.UUID, n notice, to ...recipient) error {
	return deliverTo(ctx, tx, nil, e, recordID, n, to...)
}

// notificationRow is a notifications row.
type notificationRow struct {
	id, userID       uuid.UUID
	kind             string
	recordID         uuid.UUID
	titleZh, titleEn string
	bodyZh, bodyEn   string
	createdAt        time.Time
}

// deliverTo is deliverNotice, with the notifications rows gathered in b
// (and the mail epochs read from it) when b is not nil.
func deliverTo(ctx context.Context, tx pgx.Tx, b *notifyBatch, e eventstore.RecordedEvent, recordID uuid.UUID, n notice, to ...recipient) error {
	if err := checkInboxKind(n.template); err != nil {
		return err
	}
	var fresh *bool // whether e may be mailed, once asked
	for _, r := range to {
		id, key := uuid.NewSHA1(e.ID, []byte("notification")), mail.DedupeKey(e.ID, n.template)
		if r.many {
			id, key = uuid.NewSHA1(e.ID, []byte("notification:"+r.id.String())), mail.RecipientDedupeKey(e.ID, n.template, r.id)
		}
		row := notificationRow{id: id, userID: r.id, kind: string(n.template), recordID: recordID, titleZh: n.titleZh, titleEn: n.titleEn,
			bodyZh: n.bodyZh, bodyEn: n.bodyEn, createdAt: e.Metadata.RecordedAt}
		if b != nil {
			b.notification(row)
		} else if _, err := tx.Exec(ctx, `INSERT INTO notifications (id, user_id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			row.id, row.userID, row.kind, row.recordID, row.titleZh, row.titleEn, row.bodyZh, row.bodyEn, row.createdAt); err != nil {
			return err
		}
		if !n.mail || r.email == "" {
			continue
		}
		if fresh == nil {
			var ok bool
			var err error
			if b != nil {
				ok, err = b.mailable(ctx, tx, e, n.template, n.epoch)
			} else {
				ok, err = mailable(ctx, tx, e, n.template, n.epoch)
			}
			if err != nil {
				return err
			}
			fresh = &ok
		}
		if !*fresh {
			continue
		}
		data := map[string]string{"name": r.name}
		for k, v := range n.data {
			data[k] = v
		}
		if _, err := mail.Enqueue(ctx, tx, mail.Message{DedupeKey: key, Template: n.template, To: r.email, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// aftercareEpoch is the mail epoch of the templates version 4 began to send.
const aftercareEpoch = NotificationsName + ":v4"

// fundingEpoch is the mail epoch of the funding notices version 7 began
// to send (R-FUND-06).
const fundingEpoch = NotificationsName + ":v7"

// templateEpochs names the epoch of each template a later version of this
// read model began to send; the others date from the read model's own.
var templateEpochs = map[mail.Template]string{
	mail.ChangeApproved: aftercareEpoch, mail.ChangeRejected: aftercareEpoch,
	mail.SummaryAccepted: aftercareEpoch, mail.SummaryReturned: aftercareEpoch,
	mail.DeadlineReminder: aftercareEpoch, mail.SummaryOverdue: aftercareEpoch,
	mail.FilingOverdue: aftercareEpoch, mail.NGOFilingOverdue: aftercareEpoch,
	mail.FundingSummaryOverdue: fundingEpoch,
}

// mailable says whether e may still be mailed with t: it was stored after
// the notifier, and the version that sends t, first started; older events
// are history.
func mailable(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, t mail.Template, epoch string) (bool, error) {
	var since *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(since) FROM public.mail_epoch WHERE name = ANY($1)`, epochNames(t, epoch)).Scan(&since); err != nil {
		return false, fmt.Errorf("mail epoch: %w", err)
	}
	if since == nil {
		return false, fmt.Errorf("mail epoch of %s: not set", t)
	}
	return !e.Created.Before(*since), nil
}

// epochNames are the mail epochs that must have begun before an event is
// mailed with t: the read model's, and that of the version that began to
// send t.
func epochNames(t mail.Template, epoch string) []string {
	names := []string{NotificationsName}
	if name, ok := templateEpochs[t]; ok {
		names = append(names, name)
	}
	if epoch != "" {
		names = append(names, epoch)
	}
	return names
}

// changeRequestedKind is the inbox kind of a change request for its
// reviewers; it is never mailed, so it is no mail template.
const changeRequestedKind mail.Template = "change_requested"

// changeFieldNames names each changeable field for people (R-CHG-01).
var changeFieldNames = map[change.Field][2]string{
	change.FieldNameZh: {"中文名称", "Chinese name"},
	change.FieldNameEn: {"英文名称", "English name"},
	change.FieldTheme:  {"会议主题", "theme"},
	change.FieldType:   {"会议性质", "type"},
	change.FieldScale:  {"会议规模", "scale"},
	change.FieldPlace:  {"会议地点", "place"},
	change.FieldDates:  {"会议时间", "dates"},
}

// applyChange tells the school admins of a change request and the
// applicant of the decision (R-CHG-04).
func (Notifications) applyChange(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "change-", change.Decode)
	if err != nil {
		return err
	}
	switch ev := ev.(type) {
	case change.Requested:
		if _, err := tx.Exec(ctx, `UPDATE notification_declarations SET change_name_zh = $2, change_name_en = $3 WHERE id = $1`,
			id, ev.New.NameZh, ev.New.NameEn); err != nil {
			return err
		}
		_, nameZh, nameEn, err := applicantOf(ctx, tx, e, `notification_declarations`, id)
		if err != nil {
			return err
		}
		var applicant string
		if err := tx.QueryRow(ctx, `SELECT name FROM notification_recipients WHERE id = $1`, ev.ApplicantID).Scan(&applicant); err != nil &&
			!errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var zh, en []string
		for _, f := range ev.Changed {
			names, ok := changeFieldNames[f]
			if !ok {
				names = [2]string{string(f), string(f)}
			}
			zh, en = append(zh, names[0]), append(en, names[1])
		}
		to, err := schoolAdmins(ctx, tx, ev.UniversityID)
		if err != nil {
			return err
		}
		return deliverNotice(ctx, tx, e, id, notice{template: changeRequestedKind,
			titleZh: "会议变更申请待审核", titleEn: "Change request awaiting review",
			bodyZh: nameZh + "：" + applicant + "申请变更" + strings.Join(zh, "、") + "。变更说明：" + ev.Description,
			bodyEn: nameEn + ": " + applicant + " asks to change the " + strings.Join(en, ", ") + ". Description: " + ev.Description}, to...)
	case change.Approved:
		to, nameZh, nameEn, err := applicantOf(ctx, tx, e, `notification_declarations`, id)
		if err != nil {
			return err
		}
		n := notice{template: mail.ChangeApproved, mail: true, titleZh: "会议变更申请已通过", titleEn: "Change request approved",
			bodyZh: nameZh + "：变更已生效", bodyEn: nameEn + ": the change is in effect",
			data: map[string]string{"nameZh": nameZh, "nameEn": nameEn, "comment": ev.Comment}}
		if ev.Comment != "" {
			n.bodyZh += "。意见：" + ev.Comment
			n.bodyEn += ". Comment: " + ev.Comment
		}
		if err := deliverNotice(ctx, tx, e, id, n, to); err != nil {
			return err
		}
		// The conference goes by its new names from now on.
		_, err = tx.Exec(ctx, `UPDATE notification_declarations SET name_zh = COALESCE(NULLIF(change_name_zh, ''), name_zh),
			name_en = COALESCE(NULLIF(change_name_en, ''), name_en), change_name_zh = NULL, change_name_en = NULL WHERE id = $1`, id)
		return err
	case change.Rejected:
		if _, err := tx.Exec(ctx, `UPDATE notification_declarations SET change_name_zh = NULL, change_name_en = NULL WHERE id = $1`, id); err != nil {
			return err
		}
		to, nameZh, nameEn, err := applicantOf(ctx, tx, e, `notification_declarations`, id)
		if err != nil {
			return err
		}
		return deliverNotice(ctx, tx, e, id, notice{template: mail.ChangeRejected, mail: true,
			titleZh: "会议变更申请被驳回", titleEn: "Change request rejected",
			bodyZh: nameZh + "：学校国际处驳回，理由：" + ev.Reason,
			bodyEn: nameEn + ": rejected by the university's international office: " + ev.Reason,
			data:   map[string]string{"nameZh": nameZh, "nameEn": nameEn, "reason": ev.Reason}}, to)
	}
	return nil
}

// summarySubmittedKind is the inbox kind of a submitted summary for its
// reviewers; it is never mailed, so it is no mail template.
const summarySubmittedKind mail.Template = "summary_submitted"

// applySummary tells the school admins of a submitted summary and the
// applicant of the school's decision on it (R-SUM-04).
func (Notifications) applySummary(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "summary-", summary.Decode)
	if err != nil {
		return err
	}
	var n notice
	switch ev := ev.(type) {
	case summary.Opened:
		_, err = tx.Exec(ctx, `UPDATE notification_declarations SET university_id = $2 WHERE id = $1`, id, ev.UniversityID)
		return err
	case summary.Submitted:
		return summarySubmitted(ctx, tx, e, id, ev)
	case summary.Accepted:
		n = notice{template: mail.SummaryAccepted, titleZh: "会议总结已审核通过", titleEn: "Conference summary accepted",
			bodyZh: "：会议总结已通过学校国际处审核", bodyEn: ": the summary was accepted by the university's international office",
			data: map[string]string{"comment": ev.Comment}}
		if ev.Comment != "" {
			n.bodyZh += "。意见：" + ev.Comment
			n.bodyEn += ". Comment: " + ev.Comment
		}
	case summary.Returned:
		n = notice{template: mail.SummaryReturned, titleZh: "会议总结被退回修改", titleEn: "Conference summary returned for revision",
			bodyZh: "：会议总结被学校国际处退回，理由：" + ev.Reason,
			bodyEn: ": the summary was returned by the university's international office: " + ev.Reason,
			data:   map[string]string{"reason": ev.Reason}}
	default:
		return nil
	}
	to, nameZh, nameEn, err := applicantOf(ctx, tx, e, `notification_declarations`, id)
	if err != nil {
		return err
	}
	n.mail, n.bodyZh, n.bodyEn = true, nameZh+n.bodyZh, nameEn+n.bodyEn
	n.data["nameZh"], n.data["nameEn"] = nameZh, nameEn
	return deliverNotice(ctx, tx, e, id, n, to)
}

// summarySubmitted puts a submitted summary in the inbox of each active
// school admin of the conference's university, marking a late one
// (R-SUM-02, R-SUM-04); no mail.
func summarySubmitted(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, id uuid.UUID, ev summary.Submitted) error {
	applicant, nameZh, nameEn, err := applicantOf(ctx, tx, e, `notification_declarations`, id)
	if err != nil {
		return err
	}
	var university *uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT university_id FROM notification_declarations WHERE id = $1`, id).Scan(&university); err != nil {
		return err
	}
	if university == nil {
		return fmt.Errorf("%s about %s, whose summary was never opened", e.Type, id)
	}
	to, err := schoolAdmins(ctx, tx, *university)
	if err != nil {
		return err
	}
	n := notice{template: summarySubmittedKind, titleZh: "会议总结待审核", titleEn: "Conference summary awaiting review",
		bodyZh: nameZh + "：" + cmp.Or(applicant.name, "申请人") + "提交了会议总结，请审核。",
		bodyEn: nameEn + ": " + cmp.Or(applicant.name, "the applicant") + " submitted the conference summary for review."}
	if ev.Late {
		n.titleZh += "（逾期提交）"
		n.titleEn += " (submitted late)"
		n.bodyZh += "逾期提交：应于" + ev.DueDate.String() + "前提交。"
		n.bodyEn += " Submitted late: it was due by " + ev.DueDate.String() + "."
	}
	return deliverNotice(ctx, tx, e, id, n, to...)
}

// deadlineKindNames names each deadline for people (the Chinese from the
// domain) and says what to do by it.
var deadlineKindNames = map[deadline.Kind]struct{ en, todoZh, todoEn string }{
	deadline.KindFiling: {"day the university files with the authority",
		"请在此前完成学校审核并报送上级主管部门。", "Please complete the university's review and file the declaration with the authority by then."},
	deadline.KindNGOFiling: {"overseas NGO filing deadline",
		"请向省级公安机关备案境外非政府组织临时活动，并在 econf 中确认备案。",
		"Please file the overseas NGO's temporary activity with the provincial public security bureau and confirm the filing in econf."},
	deadline.KindChangeWindow: {"last day to request a change",
		"如需变更会议信息，请在此前提出变更申请。", "If the conference must change, request the change by then."},
	deadline.KindSummary: {"summary due date",
		"请登录 econf 填写并提交会议总结；逾期未交将不能提交新的会议申报。",
		"Please sign in to econf and submit the conference summary; while it is overdue you cannot submit new declarations."},
}

// applyDeadline tells whoever must act of the deadline engine's reminders
// and of passed deadlines (R-SUM-02, R-DECL-05, R-DECL-11). A closed change
// window asks nothing of anyone: no notice.
func (Notifications) applyDeadline(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	ev, err := deadline.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	var ref deadline.Ref
	var who domain.Role
	var n notice
	switch ev := ev.(type) {
	case deadline.Reminded:
		ref, who = ev.Ref, ev.Kind.Remindee()
		names, ok := deadlineKindNames[ev.Kind]
		if !ok {
			names.en = string(ev.Kind)
		}
		due := ev.DueDate.String()
		days := domain.DateOf(ev.At).DaysUntil(ev.DueDate)
		n = notice{template: mail.DeadlineReminder, titleZh: "截止日期提醒：" + ev.Kind.Zh(), titleEn: "Deadline reminder: " + names.en,
			data: map[string]string{"kindZh": ev.Kind.Zh(), "kindEn": names.en, "dueDate": due, "days": fmt.Sprint(days),
				"todoZh": names.todoZh, "todoEn": names.todoEn}}
		if days <= 0 {
			n.data["days"] = "0"
			n.bodyZh = "：今天（" + due + "）是" + ev.Kind.Zh() + "。" + names.todoZh
			n.bodyEn = ": today (" + due + ") is the " + names.en + ". " + names.todoEn
		} else {
			n.bodyZh = fmt.Sprintf("：%s为%s，还有%d天。%s", ev.Kind.Zh(), due, days, names.todoZh)
			n.bodyEn = fmt.Sprintf(": the %s is %s, %d day(s) away. %s", names.en, due, days, names.todoEn)
		}
	case deadline.SummaryOverdue:
		ref, who = ev.Ref, domain.RoleApplicant
		n = notice{template: mail.SummaryOverdue, titleZh: "会议总结已逾期", titleEn: "Conference summary overdue",
			bodyZh: "：会议总结应于" + ev.DueDate.String() + "前提交，现已逾期；提交总结前不能提交新的会议申报。",
			bodyEn: ": the summary was due by " + ev.DueDate.String() + " and is overdue; until it is submitted you cannot submit new declarations.",
			data:   map[string]string{"dueDate": ev.DueDate.String()}}
	case deadline.FilingOverdue:
		ref, who = ev.Ref, domain.RoleSchoolAdmin
		n = notice{template: mail.FilingOverdue, titleZh: "会议申报报批已逾期", titleEn: "Filing with the authority overdue",
			bodyZh: "：应于" + ev.DueDate.String() + "前报送上级主管部门，学校尚未审核通过，已逾期。",
			bodyEn: ": to be filed with the authority by " + ev.DueDate.String() + "; the university has not approved it yet.",
			data:   map[string]string{"dueDate": ev.DueDate.String()}}
	case deadline.NGOFilingOverdue:
		ref, who = ev.Ref, domain.RoleApplicant
		n = notice{template: mail.NGOFilingOverdue, titleZh: "境外非政府组织临时活动备案已逾期", titleEn: "Overseas NGO filing overdue",
			bodyZh: "：境外非政府组织临时活动应于" + ev.DueDate.String() + "前向省级公安机关备案，尚未确认备案，已逾期。",
			bodyEn: ": the overseas NGO's temporary activity was to be filed with the provincial public security bureau by " +
				ev.DueDate.String() + "; no filing was confirmed.",
			data: map[string]string{"dueDate": ev.DueDate.String()}}
	default:
		return nil
	}
	id := ref.DeclarationID
	if id == uuid.Nil {
		if id, err = recordID(e.StreamID, "deadline-"); err != nil {
			return err
		}
	}
	nameZh, nameEn := ref.NameZh, ref.NameZh
	if err := tx.QueryRow(ctx, `SELECT name_zh, name_en FROM notification_declarations WHERE id = $1`, id).Scan(&nameZh, &nameEn); err != nil &&
		!errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	n.mail, n.bodyZh, n.bodyEn = true, nameZh+n.bodyZh, nameEn+n.bodyEn
	n.data["nameZh"], n.data["nameEn"] = nameZh, nameEn
	var to []recipient
	if who == domain.RoleSchoolAdmin {
		if to, err = schoolAdmins(ctx, tx, ref.UniversityID); err != nil {
			return err
		}
	} else {
		r := recipient{id: ref.ApplicantID}
		if err := tx.QueryRow(ctx, `SELECT email, name FROM notification_recipients WHERE id = $1`, r.id).Scan(&r.email, &r.name); err != nil &&
			!errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		to = []recipient{r}
	}
	return deliverNotice(ctx, tx, e, id, n, to...)
}

// accountPendingKind is the inbox kind of an account a single sign-on
// opened, for the unit admins who confirm it (POST /users/{id}/confirm).
const accountPendingKind mail.Template = "account_pending"

// accountPending puts an account a single sign-on opened in the inbox of
// each active admin of its unit, until one confirms it; no mail.
func accountPending(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, id uuid.UUID, ev account.Created) error {
	rows, err := tx.Query(ctx, `SELECT id, email, name FROM notification_recipients
		WHERE org_id = $1 AND role = $2 AND active ORDER BY id`, ev.OrgID, string(domain.RoleUnitAdmin))
	if err != nil {
		return err
	}
	to, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
		r := recipient{many: true}
		err := row.Scan(&r.id, &r.email, &r.name)
		return r, err
	})
	if err != nil {
		return err
	}
	who := ev.Name + " <" + ev.Email + ">"
	if ev.StaffNo != "" {
		who += "，工号 " + ev.StaffNo
	}
	whoEn := ev.Name + " <" + ev.Email + ">"
	if ev.StaffNo != "" {
		whoEn += ", staff number " + ev.StaffNo
	}
	return deliverNotice(ctx, tx, e, id, notice{template: accountPendingKind,
		titleZh: "新账号待确认", titleEn: "New account awaiting confirmation",
		bodyZh: who + " 通过统一身份认证（" + ev.Via + "）首次登录，已开通申请人账号，待您确认后方可登录。",
		bodyEn: whoEn + " signed in through the university's identity service (" + ev.Via + ") for the first time; an applicant account was opened and can sign in once you confirm it."}, to...)
}

// fundingSummaryNames name a funded conference's summary report due date
// for people (R-FUND-06), as deadlineKindNames do a conference's.
var fundingSummaryNames = struct{ zh, en, todoZh, todoEn string }{"资助会议总结报告提交截止日", "funded conference's summary report due date",
	"请登录 econf 提交总结报告；逾期未交，本单位不能申请下一年度的国际会议资助。",
	"Please sign in to econf and file the summary report; while it is overdue your institute cannot apply to the next year's call."}

// applyFunding keeps each funding application's institute and names, and
// tells the institute's active administrators of the deadline engine's
// reminders of a funded conference's summary report and of its passing
// (R-FUND-06): in the inbox and by mail, once each, through the same
// notices as a declaration's summary.
func (Notifications) applyFunding(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	id, ev, err := decodeRecord(e, "funding-", funding.Decode)
	if err != nil {
		return err
	}
	var n notice
	var institute uuid.UUID
	switch ev := ev.(type) {
	case funding.Drafted:
		_, err := tx.Exec(ctx, `INSERT INTO notification_funding (id, institute_id, name_zh, name_en) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET institute_id = $2, name_zh = $3, name_en = $4`,
			id, ev.Institute, ev.Application.Conference.NameZh, ev.Application.Conference.NameEn)
		return err
	case funding.Edited:
		_, err := tx.Exec(ctx, `UPDATE notification_funding SET name_zh = $2, name_en = $3 WHERE id = $1`,
			id, ev.Application.Conference.NameZh, ev.Application.Conference.NameEn)
		return err
	case funding.SummaryReminded:
		institute = ev.Institute
		f := fundingSummaryNames
		due := ev.DueDate.String()
		days := domain.DateOf(ev.At).DaysUntil(ev.DueDate)
		n = notice{template: mail.DeadlineReminder, epoch: fundingEpoch, titleZh: "截止日期提醒：" + f.zh, titleEn: "Deadline reminder: " + f.en,
			data: map[string]string{"kindZh": f.zh, "kindEn": f.en, "dueDate": due, "days": fmt.Sprint(days), "todoZh": f.todoZh, "todoEn": f.todoEn}}
		if days <= 0 {
			n.data["days"] = "0"
			n.bodyZh = "：今天（" + due + "）是" + f.zh + "。" + f.todoZh
			n.bodyEn = ": today (" + due + ") is the " + f.en + ". " + f.todoEn
		} else {
			n.bodyZh = fmt.Sprintf("：%s为%s，还有%d天。%s", f.zh, due, days, f.todoZh)
			n.bodyEn = fmt.Sprintf(": the %s is %s, %d day(s) away. %s", f.en, due, days, f.todoEn)
		}
	case funding.SummaryOverdue:
		institute = ev.Institute
		n = notice{template: mail.FundingSummaryOverdue, titleZh: "资助会议总结报告已逾期", titleEn: "Funded conference's summary report overdue",
			bodyZh: "：总结报告应于" + ev.DueDate.String() + "前提交，现已逾期；提交之前本单位不能申请下一年度的国际会议资助。",
			bodyEn: ": the summary report was due by " + ev.DueDate.String() + " and is overdue; until it is filed your institute cannot apply to the next year's call.",
			data:   map[string]string{"dueDate": ev.DueDate.String()}}
	default:
		return nil
	}
	var nameZh, nameEn string
	if err := tx.QueryRow(ctx, `SELECT name_zh, name_en FROM notification_funding WHERE id = $1`, id).Scan(&nameZh, &nameEn); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%s about %s, which was never drafted", e.Type, id)
		}
		return err
	}
	nameEn = cmp.Or(nameEn, nameZh)
	n.mail, n.bodyZh, n.bodyEn = true, nameZh+n.bodyZh, nameEn+n.bodyEn
	n.data["nameZh"], n.data["nameEn"] = nameZh, nameEn
	to, err := activeIn(ctx, tx, institute, domain.RoleUnitAdmin)
	if err != nil {
		return err
	}
	return deliverNotice(ctx, tx, e, id, n, to...)
}

// schoolAdmins are the active school admins of a university (R-ACT-02),
// as of the event being applied.
func schoolAdmins(ctx context.Context, tx pgx.Tx, university uuid.UUID) ([]recipient, error) {
	return activeIn(ctx, tx, university, domain.RoleSchoolAdmin)
}

// activeIn are the active accounts of an organisation in a role, as of
// the event being applied: each one of several recipients.
func activeIn(ctx context.Context, tx pgx.Tx, org uuid.UUID, role domain.Role) ([]recipient, error) {
	rows, err := tx.Query(ctx, `SELECT id, email, name FROM notification_recipients
		WHERE org_id = $1 AND role = $2 AND active ORDER BY id`, org, string(role))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
		r := recipient{many: true}
		err := row.Scan(&r.id, &r.email, &r.name)
		return r, err
	})
}

// Notification is one entry of a user's inbox.
type Notification struct {
	ID        uuid.UUID  `json:"id"`
	Kind      string     `json:"kind"`
	RecordID  uuid.UUID  `json:"recordId"`
	TitleZh   string     `json:"titleZh"`
	TitleEn   string     `json:"titleEn"`
	BodyZh    string     `json:"bodyZh"`
	BodyEn    string     `json:"bodyEn"`
	CreatedAt time.Time  `json:"createdAt"`
	ReadAt    *time.Time `json:"readAt,omitempty"`
}

// Inbox is a page of a user's notifications and how many are unread.
type Inbox struct {
	Items  []Notification `json:"items"`
	Unread int            `json:"unread"`
}

// notificationScope: a notification's Owner is its recipient.
var notificationScope = scopeColumns{owner: "user_id"}

// Inbox lists the actor's newest notifications (only unread ones when
// asked): those the scope model lets them read, their own.
func (q *Queries) Inbox(ctx context.Context, a domain.Actor, unreadOnly bool, limit int) (Inbox, error) {
	var in Inbox
	w := &where{}
	if err := scopeOf(a, domain.KindNotification, notificationScope, w); err != nil {
		return in, err
	}
	err := q.pool.QueryRow(ctx, `SELECT count(*) FROM rm.notifications WHERE `+w.String()+` AND read_at IS NULL`, w.args...).Scan(&in.Unread)
	if err != nil {
		return in, err
	}
	if unreadOnly {
		w.add("read_at IS NULL")
	}
	rows, err := q.pool.Query(ctx, `SELECT id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at, read_at
		FROM rm.notifications WHERE `+w.String()+` ORDER BY created_at DESC, id LIMIT `+strconv.Itoa(limit), w.args...)
	if err != nil {
		return in, err
	}
	in.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
	return in, err
}
