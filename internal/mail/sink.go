package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Querier is a pool or transaction to read the outbox through.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Queued is one mail of the outbox as an operator sees it: with no SMTP
// server configured (a development or training instance) the outbox is
// the mail sink, and activation and reset codes are read from it.
type Queued struct {
	ID        uuid.UUID  `json:"id"`
	Template  Template   `json:"template"`
	To        string     `json:"to"`
	CreatedAt time.Time  `json:"createdAt"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"lastError,omitempty"`
	SentAt    *time.Time `json:"sentAt,omitempty"`
	// Subject and Body are the mail as it is (or was to be) sent; a sent
	// mail's content is forgotten (it may have held a one-time code).
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// ErrNoSuchMail is Show's answer for an id no mail has.
var ErrNoSuchMail = errors.New("no such mail")

// ErrAmbiguousMail is Show's answer for an id prefix several mails have.
var ErrAmbiguousMail = errors.New("several mails have this id prefix; give more of it")

// List returns the outbox's unsent mails, oldest first, or with all the
// sent ones too (whose content is forgotten).
func List(ctx context.Context, q Querier, all bool) ([]Queued, error) {
	return query(ctx, q, `WHERE sent_at IS NULL OR $1 ORDER BY created_at, id`, all)
}

// Show returns one mail by its id or a unique prefix of it (at least 4
// characters, as `econf mail list` prints them).
func Show(ctx context.Context, q Querier, id string) (Queued, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if len(id) < 4 || strings.Trim(id, "0123456789abcdef-") != "" {
		return Queued{}, fmt.Errorf("%w: %q (want the id or at least its first 4 characters)", ErrNoSuchMail, id)
	}
	ms, err := query(ctx, q, `WHERE id::text LIKE $1 || '%' ORDER BY created_at LIMIT 2`, id)
	if err != nil {
		return Queued{}, err
	}
	switch len(ms) {
	case 0:
		return Queued{}, fmt.Errorf("%w: %s", ErrNoSuchMail, id)
	case 1:
		return ms[0], nil
	}
	return Queued{}, fmt.Errorf("%w: %s", ErrAmbiguousMail, id)
}

func query(ctx context.Context, q Querier, where string, arg any) ([]Queued, error) {
	rows, err := q.Query(ctx, `SELECT id, template, recipient, data, created_at, attempts, coalesce(last_error, ''), sent_at
		FROM mail_outbox `+where, arg)
	if err != nil {
		return nil, fmt.Errorf("read mail outbox: %w", err)
	}
	defer rows.Close()
	var out []Queued
	for rows.Next() {
		var m Queued
		var data []byte
		if err := rows.Scan(&m.ID, &m.Template, &m.To, &data, &m.CreatedAt, &m.Attempts, &m.LastError, &m.SentAt); err != nil {
			return nil, fmt.Errorf("read mail outbox: %w", err)
		}
		if m.SentAt == nil {
			var d map[string]string
			if err := json.Unmarshal(data, &d); err != nil {
				return nil, fmt.Errorf("mail %s data: %w", m.ID, err)
			}
			r, err := render(m.Template, d, "")
			if err != nil {
				m.LastError = err.Error()
			}
			m.Subject, m.Body = r.Subject, r.Body
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
