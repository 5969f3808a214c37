// Package pending keeps registrations and password resets that wait for
// their mailed code (R-ACT-03) in PostgreSQL, and queues the code's mail in
// the same transaction. Codes are stored only as hashes; every try is
// counted in one statement, so parallel guesses cannot exceed the limit.
package pending

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain/signup"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the pending registration and reset tables.
var Migrations = migrate.Embedded("pending", migrationFiles, "migrations")

// NewCode is a random six-digit code.
func NewCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// hashCode binds a code to the request it was made for.
func hashCode(id uuid.UUID, code string) []byte {
	h := sha256.Sum256([]byte(id.String() + ":" + code))
	return h[:]
}

// Registration is a registration waiting for its code.
type Registration struct {
	ID           uuid.UUID
	Email        string
	Name         string
	Mobile       string
	StaffNo      string
	UnitID       uuid.UUID
	PasswordHash string
	ExpiresAt    time.Time
}

// Reset is a password reset waiting for its code.
type Reset struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	ExpiresAt time.Time
}

// Store is the PostgreSQL store.
type Store struct{ pool *pgxpool.Pool }

// NewStore uses pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool} }

// SaveRegistration keeps r with code (replacing any registration pending
// for the address) and queues m, in one transaction.
func (s *Store) SaveRegistration(ctx context.Context, r Registration, code string, m mail.Message) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO pending_registrations
			(email, registration_id, name, mobile, staff_no, unit_id, password_hash, code_hash, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (email) DO UPDATE SET registration_id = EXCLUDED.registration_id, name = EXCLUDED.name,
			  mobile = EXCLUDED.mobile, staff_no = EXCLUDED.staff_no, unit_id = EXCLUDED.unit_id,
			  password_hash = EXCLUDED.password_hash, code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at,
			  tries = 0, created_at = now()`,
			r.Email, r.ID, r.Name, r.Mobile, r.StaffNo, r.UnitID, r.PasswordHash, hashCode(r.ID, code), r.ExpiresAt)
		if err != nil {
			return fmt.Errorf("save registration: %w", err)
		}
		_, err = mail.Enqueue(ctx, tx, m)
		return err
	})
}

// QueueMail queues m alone (a notice that needs no pending row).
func (s *Store) QueueMail(ctx context.Context, m mail.Message) error {
	_, err := mail.Enqueue(ctx, s.pool, m)
	return err
}

// TryRegistration counts a try of code for the registration pending for
// email and says how it went.
func (s *Store) TryRegistration(ctx context.Context, email, code string) (Registration, signup.Attempt, error) {
	var r Registration
	var a signup.Attempt
	var hash []byte
	err := s.pool.QueryRow(ctx, `UPDATE pending_registrations SET tries = tries + 1 WHERE email = $1
		RETURNING registration_id, email, name, mobile, staff_no, unit_id, password_hash, code_hash, expires_at, tries`, email).
		Scan(&r.ID, &r.Email, &r.Name, &r.Mobile, &r.StaffNo, &r.UnitID, &r.PasswordHash, &hash, &r.ExpiresAt, &a.Tries)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, a, nil
	}
	if err != nil {
		return r, a, fmt.Errorf("read registration: %w", err)
	}
	a.Found, a.ExpiresAt = true, r.ExpiresAt
	a.Match = subtle.ConstantTimeCompare(hash, hashCode(r.ID, code)) == 1
	return r, a, nil
}

// DeleteRegistration forgets a used registration.
func (s *Store) DeleteRegistration(ctx context.Context, id uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM pending_registrations WHERE registration_id = $1`, id)
	return err
}

// SaveReset keeps r with code (replacing any reset pending for the
// account) and queues m, in one transaction.
func (s *Store) SaveReset(ctx context.Context, r Reset, code string, m mail.Message) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO pending_password_resets (user_id, request_id, code_hash, expires_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET request_id = EXCLUDED.request_id, code_hash = EXCLUDED.code_hash,
			  expires_at = EXCLUDED.expires_at, tries = 0, created_at = now()`,
			r.UserID, r.ID, hashCode(r.ID, code), r.ExpiresAt)
		if err != nil {
			return fmt.Errorf("save password reset: %w", err)
		}
		_, err = mail.Enqueue(ctx, tx, m)
		return err
	})
}

// TryReset counts a try of code for the reset pending for the account.
func (s *Store) TryReset(ctx context.Context, userID uuid.UUID, code string) (Reset, signup.Attempt, error) {
	var r Reset
	var a signup.Attempt
	var hash []byte
	err := s.pool.QueryRow(ctx, `UPDATE pending_password_resets SET tries = tries + 1 WHERE user_id = $1
		RETURNING request_id, user_id, code_hash, expires_at, tries`, userID).
		Scan(&r.ID, &r.UserID, &hash, &r.ExpiresAt, &a.Tries)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, a, nil
	}
	if err != nil {
		return r, a, fmt.Errorf("read password reset: %w", err)
	}
	a.Found, a.ExpiresAt = true, r.ExpiresAt
	a.Match = subtle.ConstantTimeCompare(hash, hashCode(r.ID, code)) == 1
	return r, a, nil
}

// DeleteReset forgets a used reset.
func (s *Store) DeleteReset(ctx context.Context, id uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM pending_password_resets WHERE request_id = $1`, id)
	return err
}
