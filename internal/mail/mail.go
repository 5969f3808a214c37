// Package mail delivers email: bilingual templates (Chinese first), a
// durable outbox in PostgreSQL that callers write in their own transaction,
// and a Watermill handler that drains it over SMTP with retries and backoff.
//
// The outbox (table mail_outbox, created by the projections migrations) is
// keyed by a dedupe key, the causing event's id plus the template, so one
// cause queues one mail however often its event is delivered, its command
// retried or its projection rebuilt.
package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Message is one mail to queue.
type Message struct {
	// DedupeKey identifies the cause: DedupeKey(eventID, template), or
	// RecipientDedupeKey when one event mails several people.
	DedupeKey string
	Template  Template
	To        string
	Data      map[string]string
}

// DedupeKey is the key of the mail template sends because of event id.
func DedupeKey(eventID uuid.UUID, t Template) string { return eventID.String() + ":" + string(t) }

// RecipientDedupeKey is the key of the mail template sends to one of
// several recipients (by user id) because of event id: each of them gets
// it once.
func RecipientDedupeKey(eventID uuid.UUID, t Template, recipient uuid.UUID) string {
	return DedupeKey(eventID, t) + ":" + recipient.String()
}

// outboxNamespace derives outbox row ids from dedupe keys; never change it.
var outboxNamespace = uuid.MustParse("0d6c8a57-3f0e-5b8e-a1f4-6e2d9b7c4a13")

// Execer is a transaction or pool to write the outbox through.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

var _ Execer = pgx.Tx(nil)

// Enqueue queues m in the caller's transaction. A message whose dedupe key
// is already queued (or sent) is not queued again; queued reports whether
// this call added it.
func Enqueue(ctx context.Context, tx Execer, m Message) (queued bool, err error) {
	if _, ok := templates[m.Template]; !ok {
		return false, fmt.Errorf("mail: unknown template %q", m.Template)
	}
	if m.DedupeKey == "" || m.To == "" {
		return false, fmt.Errorf("mail %s: dedupe key and recipient are required", m.Template)
	}
	if !strings.Contains(m.To, "@") {
		return false, nil // no address: an erased person's (已删除个人信息) is never mailed
	}
	data, err := json.Marshal(m.Data)
	if err != nil {
		return false, err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO mail_outbox (id, dedupe_key, template, recipient, data)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING`,
		uuid.NewSHA1(outboxNamespace, []byte(m.DedupeKey)), m.DedupeKey, string(m.Template), m.To, data)
	if err != nil {
		return false, fmt.Errorf("queue mail %s: %w", m.DedupeKey, err)
	}
	return tag.RowsAffected() == 1, nil
}
