package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/inbox"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/mail"
)

// NotificationsName is the notifications read model's stored name.
const NotificationsName = "notifications"

// Notifications is every user's in-app inbox, and the notifier that mails
// the applicant each decision on their forecast (R-DECL-17's notice, for
// forecasts).
//
// Mail leaves through the durable outbox (internal/mail), written in the
// same transaction as the inbox row and the checkpoint, under the dedupe key
// "causing event id + template". A rebuild applies the same events again:
// their keys are already in the outbox, so nothing is mailed twice; events
// stored before this read model first started (mail_epoch) are history and
// are never mailed.
type Notifications struct{}

func (Notifications) Name() string { return NotificationsName }
func (Notifications) Version() int { return 3 }
func (Notifications) Tables() []string {
	return []string{"notifications", "notification_recipients", "notification_forecasts", "notification_declarations"}
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
    id    uuid PRIMARY KEY,
    email text NOT NULL,
    name  text NOT NULL
);
CREATE TABLE notification_forecasts (
    id           uuid PRIMARY KEY,
    applicant_id uuid NOT NULL,
    name_zh      text NOT NULL,
    name_en      text NOT NULL
);
CREATE TABLE notification_declarations (
    id           uuid PRIMARY KEY,
    applicant_id uuid NOT NULL,
    name_zh      text NOT NULL,
    name_en      text NOT NULL
);
INSERT INTO public.mail_epoch (name) VALUES ('notifications') ON CONFLICT (name) DO NOTHING;`)
	return err
}

func (n Notifications) Apply(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	switch {
	case e.Type == account.EventCreated || e.Type == account.EventProfileUpdated:
		ev, err := account.Decode(e.Type, e.Data)
		if err != nil {
			return err
		}
		id, err := recordID(e.StreamID, "user-")
		if err != nil {
			return err
		}
		switch ev := ev.(type) {
		case account.Created:
			_, err = tx.Exec(ctx, `INSERT INTO notification_recipients (id, email, name) VALUES ($1, $2, $3)`, id, ev.Email, ev.Name)
		case account.ProfileUpdated:
			_, err = tx.Exec(ctx, `UPDATE notification_recipients SET name = $2 WHERE id = $1`, id, ev.Name)
		}
		return err
	case e.Type == inbox.EventRead:
		ev, err := inbox.Decode(e.Type, e.Data)
		if err != nil {
			return err
		}
		user, err := recordID(e.StreamID, "inbox-")
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
	}
	return nil
}

// applyDeclaration keeps each declaration's names and tells the applicant
// to fetch the approval form once the unit approved it (R-DECL-17).
func (Notifications) applyDeclaration(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	ev, err := declaration.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	id, err := recordID(e.StreamID, "declaration-")
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
	case declaration.ApprovedAtUnit:
		return notify(ctx, tx, e, `notification_declarations`, id, decisionNotice{mail.DeclarationApprovedUnit,
			"会议申报已通过单位初审，请下载审批表", "Declaration approved by your unit: download the approval form", ev.Comment, "", ""})
	case declaration.ApprovedAtSchool:
		return notify(ctx, tx, e, `notification_declarations`, id, decisionNotice{mail.DeclarationApprovedSchool,
			"会议申报已通过学校审核", "Declaration approved by the university", ev.Comment, "", ""})
	case declaration.ApprovedByAuthority:
		return notify(ctx, tx, e, `notification_declarations`, id, decisionNotice{mail.DeclarationApprovedAuthority,
			"会议申报已获批", "Declaration approved by the authority", ev.Comment, "", ""})
	case declaration.Rejected:
		byZh, byEn := declarationRejectedBy(ev.Stage)
		return notify(ctx, tx, e, `notification_declarations`, id, decisionNotice{mail.DeclarationRejected,
			"会议申报被驳回", "Declaration rejected", ev.Reason, byZh, byEn})
	}
	return nil
}

func (Notifications) applyForecast(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
	ev, err := forecast.Decode(e.Type, e.Data)
	if err != nil {
		return err
	}
	id, err := recordID(e.StreamID, "forecast-")
	if err != nil {
		return err
	}
	var d decisionNotice
	switch ev := ev.(type) {
	case forecast.Submitted:
		_, err = tx.Exec(ctx, `INSERT INTO notification_forecasts (id, applicant_id, name_zh, name_en) VALUES ($1, $2, $3, $4)`,
			id, ev.ApplicantID, ev.Details.NameZh, ev.Details.NameEn)
		return err
	case forecast.Revised:
		_, err = tx.Exec(ctx, `UPDATE notification_forecasts SET name_zh = $2, name_en = $3 WHERE id = $1`, id, ev.Details.NameZh, ev.Details.NameEn)
		return err
	case forecast.ApprovedAtUnit:
		d = decisionNotice{mail.ForecastApprovedUnit, "预报已通过单位初审", "Forecast approved by your unit", ev.Comment, "", ""}
	case forecast.ApprovedAtSchool:
		d = decisionNotice{mail.ForecastApprovedSchool, "预报已通过学校审核", "Forecast approved by the university", ev.Comment, "", ""}
	case forecast.ApprovedByAuthority:
		d = decisionNotice{mail.ForecastApprovedAuthority, "预报审核通过", "Forecast approved into the plan", ev.Comment, "", ""}
	case forecast.Rejected:
		byZh, byEn := rejectedBy(ev.Stage)
		d = decisionNotice{mail.ForecastRejected, "预报被驳回", "Forecast rejected", ev.Reason, byZh, byEn}
	default:
		return nil
	}
	return notify(ctx, tx, e, `notification_forecasts`, id, d)
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

// notify puts a notice in the applicant's inbox and queues its mail; the
// record's names come from table (a constant, never user input).
func notify(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent, table string, recordID uuid.UUID, d decisionNotice) error {
	var applicant uuid.UUID
	var nameZh, nameEn, email, name string
	err := tx.QueryRow(ctx, `SELECT f.applicant_id, f.name_zh, f.name_en, COALESCE(r.email, ''), COALESCE(r.name, '')
		FROM `+table+` f LEFT JOIN notification_recipients r ON r.id = f.applicant_id WHERE f.id = $1`, recordID).
		Scan(&applicant, &nameZh, &nameEn, &email, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("decision on %s, which was never started", e.StreamID)
	}
	if err != nil {
		return err
	}
	bodyZh, bodyEn := nameZh, nameEn
	data := map[string]string{"name": name, "nameZh": nameZh, "nameEn": nameEn}
	if d.byZh != "" {
		data["reason"], data["stageZh"], data["stageEn"] = d.text, d.byZh, d.byEn
		bodyZh += "：" + d.byZh + "驳回，理由：" + d.text
		bodyEn += ": rejected by " + d.byEn + ": " + d.text
	} else {
		data["comment"] = d.text
		if d.text != "" {
			bodyZh += "。意见：" + d.text
			bodyEn += ". Comment: " + d.text
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO notifications (id, user_id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		uuid.NewSHA1(e.ID, []byte("notification")), applicant, string(d.template), recordID, d.titleZh, d.titleEn, bodyZh, bodyEn,
		e.Metadata.RecordedAt)
	if err != nil || email == "" {
		return err
	}
	var since time.Time
	if err := tx.QueryRow(ctx, `SELECT since FROM public.mail_epoch WHERE name = $1`, NotificationsName).Scan(&since); err != nil {
		return fmt.Errorf("mail epoch: %w", err)
	}
	if e.Created.Before(since) {
		return nil // history from before the notifier existed
	}
	_, err = mail.Enqueue(ctx, tx, mail.Message{DedupeKey: mail.DedupeKey(e.ID, d.template), Template: d.template, To: email, Data: data})
	return err
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

// Inbox lists a user's newest notifications (only unread ones when asked).
func (q *Queries) Inbox(ctx context.Context, userID uuid.UUID, unreadOnly bool, limit int) (Inbox, error) {
	var in Inbox
	rows, err := q.pool.Query(ctx, `SELECT id, kind, record_id, title_zh, title_en, body_zh, body_en, created_at, read_at
		FROM rm.notifications WHERE user_id = $1 AND (NOT $2 OR read_at IS NULL)
		ORDER BY created_at DESC, id LIMIT $3`, userID, unreadOnly, limit)
	if err != nil {
		return in, err
	}
	if in.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Notification]); err != nil {
		return in, err
	}
	err = q.pool.QueryRow(ctx, `SELECT count(*) FROM rm.notifications WHERE user_id = $1 AND read_at IS NULL`, userID).Scan(&in.Unread)
	return in, err
}
