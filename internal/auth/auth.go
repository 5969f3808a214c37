// Package auth owns credentials and sessions: argon2id password hashes and
// opaque, expiring bearer tokens (stored only as SHA-256 hashes). Neither
// belongs in the event stream: secrets must be replaceable and erasable.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/crypto/argon2"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the credential and session tables.
var Migrations = migrate.Embedded("auth", migrationFiles, "migrations")

var (
	// ErrBadCredentials: unknown email or wrong password (never says which).
	ErrBadCredentials = errors.New("wrong email or password")
	// ErrNoSession: the token is unknown or expired.
	ErrNoSession = errors.New("no valid session")
	// ErrEmailTaken: another account already uses the email.
	ErrEmailTaken = errors.New("email already registered")
)

// argon2id parameters (RFC 9106's second recommended option, lighter memory).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an argon2id hash in PHC string form.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches a HashPassword hash.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Store keeps credentials and sessions in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore uses pool; now tells the time (tests move it).
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	return &Store{pool: pool, now: now}
}

// SetCredential stores (or replaces) the login of a user.
func (s *Store) SetCredential(ctx context.Context, userID uuid.UUID, email, passwordHash string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO credentials (user_id, email, password_hash) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, updated_at = now()`,
		userID, normalEmail(email), passwordHash)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return ErrEmailTaken
	}
	return err
}

// ForgetCredential deletes a user's login (their email and password
// hash) and sessions: their personal data was erased, and they can no
// longer sign in.
func (s *Store) ForgetCredential(ctx context.Context, userID uuid.UUID) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM credentials WHERE user_id = $1`, userID)
	return err
}

// Authenticate returns the user id whose email and password match.
func (s *Store) Authenticate(ctx context.Context, email, password string) (uuid.UUID, error) {
	var id uuid.UUID
	var hash string
	err := s.pool.QueryRow(ctx, `SELECT user_id, password_hash FROM credentials WHERE email = $1`, normalEmail(email)).Scan(&id, &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		VerifyPassword(dummyHash, password) // same work as a real check: no timing oracle for emails
		return uuid.Nil, ErrBadCredentials
	}
	if err != nil {
		return uuid.Nil, err
	}
	if !VerifyPassword(hash, password) {
		return uuid.Nil, ErrBadCredentials
	}
	return id, nil
}

var dummyHash, _ = HashPassword("not a real password 0")

// CheckPassword reports ErrBadCredentials unless password is the user's.
func (s *Store) CheckPassword(ctx context.Context, userID uuid.UUID, password string) error {
	var hash string
	err := s.pool.QueryRow(ctx, `SELECT password_hash FROM credentials WHERE user_id = $1`, userID).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !VerifyPassword(hash, password)) {
		return ErrBadCredentials
	}
	return err
}

// CreateSession issues a bearer token for a, valid for ttl.
func (s *Store) CreateSession(ctx context.Context, a domain.Actor, ttl time.Duration) (token string, expires time.Time, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", time.Time{}, err
	}
	token = base64.RawURLEncoding.EncodeToString(raw)
	expires = s.now().Add(ttl).UTC().Truncate(time.Second)
	_, err = s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, name, role, org_id, university_id, authority_id, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		tokenHash(token), a.UserID, a.Name, string(a.Role), a.OrgID, nullUUID(a.University), nullUUID(a.Authority), expires)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("create session: %w", err)
	}
	return token, expires, nil
}

// Session returns the actor a live token stands for.
func (s *Store) Session(ctx context.Context, token string) (domain.Actor, error) {
	var a domain.Actor
	var role string
	var uni, auth *uuid.UUID
	err := s.pool.QueryRow(ctx, `SELECT user_id, name, role, org_id, university_id, authority_id FROM sessions
		WHERE token_hash = $1 AND expires_at > $2`, tokenHash(token), s.now()).
		Scan(&a.UserID, &a.Name, &role, &a.OrgID, &uni, &auth)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, ErrNoSession
	}
	if err != nil {
		return a, fmt.Errorf("read session: %w", err)
	}
	a.Role = domain.Role(role)
	if uni != nil {
		a.University = *uni
	}
	if auth != nil {
		a.Authority = *auth
	}
	return a, nil
}

// EndSession revokes one token.
func (s *Store) EndSession(ctx context.Context, token string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash(token))
	return err
}

// EndSessionsOf revokes every token of a user (role change, deactivation,
// password change) and drops expired sessions while at it.
func (s *Store) EndSessionsOf(ctx context.Context, userID uuid.UUID) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1 OR expires_at < $2`, userID, s.now())
	return err
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func normalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func nullUUID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}
