// Package sms sends text messages through a port with two adapters: Aliyun
// (Alibaba Cloud SMS, SendSms signed as its documentation says) and Dev, a
// development sender that keeps what it would send in a table an operator
// reads (econf sms list). It also keeps the operational state of SMS
// sign-in (R-DEL-07): pending codes as hashes, the send counts behind the
// limits, and which account verified which mobile.
package sms

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain/smslogin"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the SMS tables.
var Migrations = migrate.Embedded("sms", migrationFiles, "migrations")

// Message is one text message: a template and its parameters (the code).
type Message struct {
	To       string
	Template string
	Params   map[string]string
}

// Templates: the messages econf sends.
const (
	// CodeTemplate carries a one-time code (param "code").
	CodeTemplate = "code"
)

// Dev is the development sender: it "sends" into sms_dev_outbox, where an
// operator reads the codes (econf sms list).
type Dev struct{ pool *pgxpool.Pool }

// NewDev keeps messages in pool.
func NewDev(pool *pgxpool.Pool) *Dev { return &Dev{pool: pool} }

// Send keeps m.
func (d *Dev) Send(ctx context.Context, m Message) error {
	params, err := json.Marshal(m.Params)
	if err != nil {
		return err
	}
	_, err = d.pool.Exec(ctx, `INSERT INTO sms_dev_outbox (mobile, template, params) VALUES ($1, $2, $3)`, m.To, m.Template, params)
	if err != nil {
		return fmt.Errorf("keep dev sms: %w", err)
	}
	return nil
}

// Kept is a message the development sender kept.
type Kept struct {
	ID       int64             `json:"id"`
	To       string            `json:"to"`
	Template string            `json:"template"`
	Params   map[string]string `json:"params"`
	At       time.Time         `json:"at"`
}

// List returns the newest limit messages, newest first.
func (d *Dev) List(ctx context.Context, limit int) ([]Kept, error) {
	rows, err := d.pool.Query(ctx, `SELECT id, mobile, template, params, created_at FROM sms_dev_outbox ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list dev sms: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Kept, error) {
		var k Kept
		err := r.Scan(&k.ID, &k.To, &k.Template, &k.Params, &k.At)
		return k, err
	})
}

// ErrMobileTaken: another account verified the mobile already.
var ErrMobileTaken = errors.New("mobile verified by another account")

// Pending is a code waiting to be used.
type Pending struct {
	CodeID    uuid.UUID
	UserID    uuid.UUID
	Mobile    string
	ExpiresAt time.Time
}

// Codes keeps pending codes, send counts and verified mobiles.
type Codes struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewCodes uses pool; now tells the time (tests move it).
func NewCodes(pool *pgxpool.Pool, now func() time.Time) *Codes { return &Codes{pool: pool, now: now} }

// MobileKey and AddressKey name the send counts.
func MobileKey(mobile string) string { return "mobile:" + mobile }

// AddressKey is the send count of a client address.
func AddressKey(addr string) string { return "address:" + addr }

// Allow counts one code to send to mobile for a client at address, or
// answers *smslogin.TooSoon when either is over its limit (then nothing is
// counted). Both keys are locked for the transaction, so parallel asks
// count once each.
func (c *Codes) Allow(ctx context.Context, mobile, address string) error {
	now := c.now()
	return pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		mk, ak := MobileKey(mobile), AddressKey(address)
		for _, k := range []string{mk, ak} {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID(k)); err != nil {
				return fmt.Errorf("lock sms sends: %w", err)
			}
		}
		ms, err := sends(ctx, tx, mk, now)
		if err != nil {
			return err
		}
		as, err := sends(ctx, tx, ak, now)
		if err != nil {
			return err
		}
		if w := smslogin.NextSend(ms, now); w > 0 {
			return &smslogin.TooSoon{Wait: w}
		}
		if w := smslogin.NextAddressSend(as, now); w > 0 {
			return &smslogin.TooSoon{Wait: w, Address: true}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sms_sends (key, at) VALUES ($1, $3), ($2, $3)`, mk, ak, now); err != nil {
			return fmt.Errorf("count sms send: %w", err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM sms_sends WHERE key IN ($1, $2) AND at < $3`, mk, ak, now.Add(-24*time.Hour))
		return err
	})
}

func sends(ctx context.Context, tx pgx.Tx, key string, now time.Time) (smslogin.Sends, error) {
	rows, err := tx.Query(ctx, `SELECT at FROM sms_sends WHERE key = $1 AND at > $2 ORDER BY at`, key, now.Add(-time.Hour))
	if err != nil {
		return nil, fmt.Errorf("read sms sends: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[time.Time])
}

func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("sms:" + key))
	return int64(h.Sum64())
}

func hashCode(id uuid.UUID, code string) []byte {
	h := sha256.Sum256([]byte(id.String() + ":" + code))
	return h[:]
}

// Save keeps code for key (replacing, and so voiding, any code pending
// there) and answers its id.
func (c *Codes) Save(ctx context.Context, key string, p Pending, code string) (uuid.UUID, error) {
	id := uuid.New()
	_, err := c.pool.Exec(ctx, `INSERT INTO sms_codes (key, code_id, user_id, mobile, code_hash, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (key) DO UPDATE SET code_id = EXCLUDED.code_id, user_id = EXCLUDED.user_id, mobile = EXCLUDED.mobile,
		  code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, tries = 0, created_at = now()`,
		key, id, p.UserID, p.Mobile, hashCode(id, code), p.ExpiresAt)
	if err != nil {
		return uuid.Nil, fmt.Errorf("save sms code: %w", err)
	}
	return id, nil
}

// Try counts a try of code for key in one statement (parallel guesses
// cannot pass the limit) and compares it in constant time.
func (c *Codes) Try(ctx context.Context, key, code string) (Pending, smslogin.Attempt, error) {
	var p Pending
	var a smslogin.Attempt
	var hash []byte
	err := c.pool.QueryRow(ctx, `UPDATE sms_codes SET tries = tries + 1 WHERE key = $1
		RETURNING code_id, user_id, mobile, code_hash, expires_at, tries`, key).
		Scan(&p.CodeID, &p.UserID, &p.Mobile, &hash, &p.ExpiresAt, &a.Tries)
	if errors.Is(err, pgx.ErrNoRows) {
		// As much work as a found code: no timing tells them apart.
		subtle.ConstantTimeCompare(hashCode(uuid.Nil, code), hashCode(uuid.Nil, ""))
		return p, a, nil
	}
	if err != nil {
		return p, a, fmt.Errorf("read sms code: %w", err)
	}
	a.Found, a.ExpiresAt = true, p.ExpiresAt
	a.Match = subtle.ConstantTimeCompare(hash, hashCode(p.CodeID, code)) == 1
	return p, a, nil
}

// Use ends the code's life; it reports false when another request used
// (or replaced) it first, so a code signs in once.
func (c *Codes) Use(ctx context.Context, key string, codeID uuid.UUID) (bool, error) {
	tag, err := c.pool.Exec(ctx, `DELETE FROM sms_codes WHERE key = $1 AND code_id = $2`, key, codeID)
	if err != nil {
		return false, fmt.Errorf("use sms code: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// VerifyMobile records that userID holds mobile (replacing the account's
// earlier one); ErrMobileTaken when another account holds it.
func (c *Codes) VerifyMobile(ctx context.Context, userID uuid.UUID, mobile string) error {
	return pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM verified_mobiles WHERE user_id = $1`, userID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO verified_mobiles (mobile, user_id, verified_at) VALUES ($1, $2, $3)`, mobile, userID, c.now())
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return ErrMobileTaken
		}
		return err
	})
}

// Holder is the account that verified mobile (ok false: none).
func (c *Codes) Holder(ctx context.Context, mobile string) (uuid.UUID, bool, error) {
	var id uuid.UUID
	err := c.pool.QueryRow(ctx, `SELECT user_id FROM verified_mobiles WHERE mobile = $1`, mobile).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("read verified mobile: %w", err)
	}
	return id, true, nil
}
