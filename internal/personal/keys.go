// Package personal keeps personal data (PIPL) in an event-sourced store
// erasable: crypto-shredding. Personal fields of event payloads, declared
// once by struct tags on the domain types (see Register and
// docs/procedures.md), are written encrypted with a data key per person
// (subject); the data keys are stored wrapped under a master key from the
// configuration. Erasing a person deletes their keys: their fields read as
// Erased everywhere, while the events (ciphertext) and so their hash chains
// and Merkle tree stay as they were.
package personal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Erased is what a personal field of an erased person reads as.
const Erased = "已删除个人信息"

// MasterKey wraps data keys. Its ID (a digest of the key) is stored beside
// every key it wraps, so a rotation knows what is left to re-wrap.
type MasterKey struct {
	ID  string
	key []byte
}

// ParseMasterKey reads a 32-byte key written in base64 (standard or URL
// alphabet) or hex.
func ParseMasterKey(s string) (MasterKey, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	if len(s) == 64 {
		b, err = hex.DecodeString(s)
	} else {
		b, err = base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.URLEncoding.DecodeString(s)
		}
	}
	if err != nil || len(b) != 32 {
		return MasterKey{}, errors.New("a master key is 32 random bytes in base64 or hex (make one with econf admin master-key)")
	}
	sum := sha256.Sum256(append([]byte("econf-master-key-id|"), b...))
	return MasterKey{ID: hex.EncodeToString(sum[:8]), key: b}, nil
}

// NewMasterKey makes a fresh random master key, in the base64 form
// ParseMasterKey reads.
func NewMasterKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}

// Keyring is the master keys in force: the first wraps new data keys and
// re-wraps old ones on rotation; the others still unwrap keys wrapped
// under them until the rotation is done.
type Keyring struct {
	keys []MasterKey
}

// ParseKeyring reads master keys separated by commas or new lines (a key
// file's lines; '#' starts a comment), the current one first.
func ParseKeyring(s string) (*Keyring, error) {
	var r Keyring
	for _, line := range strings.FieldsFunc(s, func(c rune) bool { return c == '\n' || c == ',' }) {
		line, _, _ = strings.Cut(line, "#")
		if strings.TrimSpace(line) == "" {
			continue
		}
		k, err := ParseMasterKey(line)
		if err != nil {
			return nil, fmt.Errorf("master key %d: %w", len(r.keys)+1, err)
		}
		r.keys = append(r.keys, k)
	}
	if len(r.keys) == 0 {
		return nil, errors.New("no master key")
	}
	return &r, nil
}

// Current is the master key new data keys are wrapped under.
func (r *Keyring) Current() MasterKey { return r.keys[0] }

func (r *Keyring) byID(id string) (MasterKey, bool) {
	for _, k := range r.keys {
		if k.ID == id {
			return k, true
		}
	}
	return MasterKey{}, false
}

// ErrNoMasterKey: a data key is wrapped under a master key the
// configuration does not hold (a rotation dropped the old key too early, or
// the wrong key file).
var ErrNoMasterKey = errors.New("personal: data key wrapped under a master key that is not configured")

func seal(key, plaintext, aad []byte) []byte {
	block, _ := aes.NewCipher(key) // keys are 32 bytes by construction
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plaintext, aad)
}

func open(key, sealed, aad []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, errors.New("ciphertext too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
}

func wrapAAD(keyID uuid.UUID) []byte { return append([]byte("econf-data-key|"), keyID[:]...) }

// Keys keeps the data keys in PostgreSQL (table personal_keys), wrapped
// under the keyring's master keys, with a short-lived cache of unwrapped
// keys. An erasure in this process takes effect at once; one in another
// process within CacheTTL.
type Keys struct {
	pool *pgxpool.Pool
	ring *Keyring

	mu     sync.Mutex
	cache  map[uuid.UUID]cached // by key id
	live   map[uuid.UUID]cached // subject → live key
	erased map[uuid.UUID]bool   // subjects with an erased key
	erAt   time.Time            // when erased was loaded
}

type cached struct {
	id     uuid.UUID
	key    []byte // nil: erased
	loaded time.Time
}

// CacheTTL is how long an unwrapped key or the list of erased persons is
// trusted before it is read again.
const CacheTTL = 30 * time.Second

// NewKeys keeps data keys in pool under ring.
func NewKeys(pool *pgxpool.Pool, ring *Keyring) *Keys {
	return &Keys{pool: pool, ring: ring, cache: map[uuid.UUID]cached{}, live: map[uuid.UUID]cached{}}
}

// forWrite is the live data key of subject, made when it has none.
func (k *Keys) forWrite(ctx context.Context, subject uuid.UUID) (uuid.UUID, []byte, error) {
	k.mu.Lock()
	c, ok := k.live[subject]
	k.mu.Unlock()
	if ok && time.Since(c.loaded) < CacheTTL {
		return c.id, c.key, nil
	}
	var id uuid.UUID
	var wrapped []byte
	var master string
	err := k.pool.QueryRow(ctx, `SELECT key_id, wrapped, master FROM personal_keys WHERE subject = $1 AND erased_at IS NULL`, subject).
		Scan(&id, &wrapped, &master)
	if errors.Is(err, pgx.ErrNoRows) {
		id = uuid.New()
		dk := make([]byte, 32)
		_, _ = rand.Read(dk)
		cur := k.ring.Current()
		_, err = k.pool.Exec(ctx, `INSERT INTO personal_keys (key_id, subject, wrapped, master) VALUES ($1, $2, $3, $4)
			ON CONFLICT (subject) WHERE erased_at IS NULL DO NOTHING`, id, subject, seal(cur.key, dk, wrapAAD(id)), cur.ID)
		if err != nil {
			return uuid.Nil, nil, fmt.Errorf("personal: new data key: %w", err)
		}
		return k.forWrite(ctx, subject) // read back the one that won a race
	}
	if err != nil {
		return uuid.Nil, nil, fmt.Errorf("personal: data key: %w", err)
	}
	dk, err := k.unwrap(id, wrapped, master)
	if err != nil {
		return uuid.Nil, nil, err
	}
	k.mu.Lock()
	now := time.Now()
	k.live[subject] = cached{id: id, key: dk, loaded: now}
	k.cache[id] = cached{id: id, key: dk, loaded: now}
	k.mu.Unlock()
	return id, dk, nil
}

func (k *Keys) unwrap(id uuid.UUID, wrapped []byte, master string) ([]byte, error) {
	mk, ok := k.ring.byID(master)
	if !ok {
		return nil, fmt.Errorf("%w (key %s, master %s)", ErrNoMasterKey, id, master)
	}
	dk, err := open(mk.key, wrapped, wrapAAD(id))
	if err != nil {
		return nil, fmt.Errorf("personal: unwrap data key %s: %w", id, err)
	}
	return dk, nil
}

// ErrUnknownKey: a ciphertext names a data key the database does not hold
// (a database restored without its personal_keys table).
var ErrUnknownKey = errors.New("personal: unknown data key")

// forRead is the data key id, or nil when it was erased.
func (k *Keys) forRead(ctx context.Context, id uuid.UUID) ([]byte, error) {
	k.mu.Lock()
	c, ok := k.cache[id]
	k.mu.Unlock()
	if ok && (c.key == nil || time.Since(c.loaded) < CacheTTL) {
		return c.key, nil
	}
	var wrapped []byte
	var master string
	err := k.pool.QueryRow(ctx, `SELECT wrapped, master FROM personal_keys WHERE key_id = $1`, id).Scan(&wrapped, &master)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("%w %s", ErrUnknownKey, id)
	}
	if err != nil {
		return nil, fmt.Errorf("personal: data key: %w", err)
	}
	var dk []byte
	if wrapped != nil {
		if dk, err = k.unwrap(id, wrapped, master); err != nil {
			return nil, err
		}
	}
	k.mu.Lock()
	k.cache[id] = cached{id: id, key: dk, loaded: time.Now()}
	k.mu.Unlock()
	return dk, nil
}

// isErased tells whether subject was erased (for clear text written before
// encryption, which is redacted on reading).
func (k *Keys) isErased(ctx context.Context, subject uuid.UUID) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.erased == nil || time.Since(k.erAt) >= CacheTTL {
		rows, err := k.pool.Query(ctx, `SELECT DISTINCT subject FROM personal_keys WHERE erased_at IS NOT NULL`)
		if err != nil {
			return false, fmt.Errorf("personal: erased persons: %w", err)
		}
		subjects, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			return false, fmt.Errorf("personal: erased persons: %w", err)
		}
		k.erased = map[uuid.UUID]bool{}
		for _, s := range subjects {
			k.erased[s] = true
		}
		k.erAt = time.Now()
	}
	return k.erased[subject], nil
}

// forget drops what the cache holds of subject (after its erasure here).
func (k *Keys) forget(subject uuid.UUID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.live, subject)
	clear(k.cache)
	k.erased = nil
}

// Known tells whether subject has, or had, a data key.
func (k *Keys) Known(ctx context.Context, subject uuid.UUID) (live, erased bool, err error) {
	err = k.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE erased_at IS NULL) > 0, count(*) FILTER (WHERE erased_at IS NOT NULL) > 0
		FROM personal_keys WHERE subject = $1`, subject).Scan(&live, &erased)
	if err != nil {
		return false, false, fmt.Errorf("personal: keys of %s: %w", subject, err)
	}
	return live, erased, nil
}

// Shred deletes subject's data keys (erasure) and returns how many it
// deleted. Their ciphertext can never be read again.
func (k *Keys) Shred(ctx context.Context, subject uuid.UUID, reason string) (int, error) {
	tag, err := k.pool.Exec(ctx, `UPDATE personal_keys SET wrapped = NULL, erased_at = now(), erased_reason = $2
		WHERE subject = $1 AND erased_at IS NULL`, subject, reason)
	k.forget(subject)
	if err != nil {
		return 0, fmt.Errorf("personal: shred keys of %s: %w", subject, err)
	}
	return int(tag.RowsAffected()), nil
}

// MarkErased records subject as erased when it never had a key (a person
// known only from clear text written before encryption), so that text is
// redacted on reading.
func (k *Keys) MarkErased(ctx context.Context, subject uuid.UUID, reason string) error {
	_, err := k.pool.Exec(ctx, `INSERT INTO personal_keys (key_id, subject, wrapped, master, erased_at, erased_reason)
		VALUES ($1, $2, NULL, '', now(), $3)`, uuid.New(), subject, reason)
	k.forget(subject)
	if err != nil {
		return fmt.Errorf("personal: mark %s erased: %w", subject, err)
	}
	return nil
}

// Rotate re-wraps every live data key not wrapped under the current master
// key, and returns how many it re-wrapped. Keys wrapped under a master key
// the keyring lacks are an error (nothing is changed for them).
func (k *Keys) Rotate(ctx context.Context) (int, error) {
	cur := k.ring.Current()
	rows, err := k.pool.Query(ctx, `SELECT key_id, wrapped, master FROM personal_keys WHERE wrapped IS NOT NULL AND master <> $1`, cur.ID)
	if err != nil {
		return 0, fmt.Errorf("personal: rotate: %w", err)
	}
	type row struct {
		id      uuid.UUID
		wrapped []byte
		master  string
	}
	var todo []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.wrapped, &r.master); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, r := range todo {
		dk, err := k.unwrap(r.id, r.wrapped, r.master)
		if err != nil {
			return n, err
		}
		tag, err := k.pool.Exec(ctx, `UPDATE personal_keys SET wrapped = $2, master = $3 WHERE key_id = $1 AND master = $4 AND wrapped IS NOT NULL`,
			r.id, seal(cur.key, dk, wrapAAD(r.id)), cur.ID, r.master)
		if err != nil {
			return n, fmt.Errorf("personal: rotate key %s: %w", r.id, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}

// Unrotated counts the live data keys not yet wrapped under the current
// master key (0: the old master keys may be dropped).
func (k *Keys) Unrotated(ctx context.Context) (int, error) {
	var n int
	err := k.pool.QueryRow(ctx, `SELECT count(*) FROM personal_keys WHERE wrapped IS NOT NULL AND master <> $1`, k.ring.Current().ID).Scan(&n)
	return n, err
}

// Current is the id of the master key new data keys are wrapped under.
func (k *Keys) Current() string { return k.ring.Current().ID }
