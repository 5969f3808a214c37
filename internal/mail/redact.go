package mail

import (
	"context"
	"fmt"
	"strings"
)

// Redact takes an erased person out of the mails still queued: a mail to
// one of their addresses is parked unsent for good (its row stays, as the
// ledger of its dedupe key, so no rebuild queues it again), and any of
// their values in another queued mail's data is replaced by placeholder.
// It returns how many mails it changed. Sent mails hold no data.
func Redact(ctx context.Context, db Execer, addresses, values []string, placeholder string) (int, error) {
	lower := make([]string, 0, len(addresses))
	for _, a := range addresses {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			lower = append(lower, a)
		}
	}
	n := 0
	tag, err := db.Exec(ctx, `UPDATE mail_outbox SET recipient = $2, data = '{}', leased_until = NULL,
		last_error = 'not sent: its recipient was erased (personal data)', next_attempt_at = now() + interval '100 years'
		WHERE sent_at IS NULL AND lower(recipient) = ANY($1)`, lower, placeholder)
	if err != nil {
		return 0, fmt.Errorf("mail: redact queued mails: %w", err)
	}
	n += int(tag.RowsAffected())
	for _, v := range values {
		if strings.TrimSpace(v) == "" {
			continue
		}
		tag, err := db.Exec(ctx, `UPDATE mail_outbox SET data = (SELECT jsonb_object_agg(t.key, replace(t.value, $1, $2)) FROM jsonb_each_text(data) t)
			WHERE sent_at IS NULL AND EXISTS (SELECT 1 FROM jsonb_each_text(data) t WHERE strpos(t.value, $1) > 0)`, v, placeholder)
		if err != nil {
			return n, fmt.Errorf("mail: redact queued mails: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}
