package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the idempotency table.
var Migrations = migrate.Embedded("httpapi", migrationFiles, "migrations")

// replayedHeaders are the response headers a replay gives back.
var replayedHeaders = []string{"Content-Type", "ETag", "Location", "X-Econf-Position"}

const commandIDKey ctxKey = 2

// Defaults of the idempotency settings in Config.
const (
	defaultIdempotencyWait  = 10 * time.Second
	defaultIdempotencyLease = 30 * time.Second
	// DefaultIdempotencyRetention is how long stored answers are kept
	// when the operator sets nothing (ECONF_IDEMPOTENCY_RETENTION).
	DefaultIdempotencyRetention = 24 * time.Hour
	// MinIdempotencySecret is the shortest secret accepted, in bytes.
	MinIdempotencySecret = 32
)

// commandID is the id commands run under: derived from the caller's
// Idempotency-Key (so a retry is the same command, R: deterministic event
// ids), or zero for a fresh one.
func commandID(ctx context.Context) uuid.UUID {
	id, _ := ctx.Value(commandIDKey).(uuid.UUID) // zero when no key was sent
	return id
}

// idempotent makes a request sent with an Idempotency-Key run once per
// caller and key. Before the handler runs, the key is reserved: a pending
// row holds the request's fingerprint and a lease. Then
//   - the same request again, while the first runs, waits for its answer
//     (409 idempotency-in-progress with Retry-After when that takes too
//     long), and afterwards gets the stored answer back;
//   - another request under the key is 422, whether the first is done,
//     still running, failed (5xx) or died with its process: once a key has
//     carried a request, only that request may use it;
//   - a failed (5xx) or cut-off first run gives its lease back at once,
//     and a crashed one when the lease runs out: the same request sent
//     again then runs again, under the same command id, so a command that
//     did append finds its first run instead of appending twice.
//
// The fingerprint is an HMAC of method, path, If-Match and body under the
// server's secret, so no plain hash of a body carrying a password is kept.
func (s *Server) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 200 {
			badRequest(w, r, domain.FieldError{Path: "header:Idempotency-Key", Rule: "SCHEMA", Message: "at most 200 characters", Zh: "幂等键最多200个字符"})
			return
		}
		actor := actorOf(r.Context())
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		fp, err := s.fingerprint(r.Context(), r, body)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		k := idemKey{actor: actor.UserID, key: key}
		rsv, err := s.reserve(r.Context(), k, r, fp)
		switch {
		case err != nil:
			s.writeError(w, r, err)
			return
		case rsv.reused:
			writeProblem(w, r, problem{Type: problemBase + "idempotency-key-reused", Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
				Detail: "this Idempotency-Key was used for a different request; use a new key", Zh: "该幂等键已用于其他请求，请使用新的键"})
			return
		case rsv.busy:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, r, problem{Type: problemBase + "idempotency-in-progress", Title: "The same request is still running", Status: http.StatusConflict,
				Detail: "a request with this Idempotency-Key is still running; send the same request again after Retry-After seconds to get its answer",
				Zh:     "使用该幂等键的请求仍在处理中，请稍后以相同请求重试"})
			return
		case rsv.answer != nil:
			for k, v := range rsv.answer.headers {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(rsv.answer.status)
			_, _ = w.Write(rsv.answer.body) // the client went away; nothing to do
			return
		}

		// The key is ours: run the handler under the key's command id.
		owner := rsv.owner
		stopRenewing := s.renewLease(r.Context(), k, owner)
		answered := false
		defer func() {
			stopRenewing()
			if !answered {
				// A panic (the recoverer answers 500): give the lease back.
				s.releaseLease(r, k, owner)
			}
		}()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := context.WithValue(r.Context(), commandIDKey, uuid.NewSHA1(actor.UserID, []byte("idempotency-key:"+key)))
		next.ServeHTTP(rec, r.WithContext(ctx))
		answered = true
		stopRenewing()
		if rec.status >= 500 || rec.status == statusClientClosed {
			// Not acknowledged: the command may or may not have appended.
			// The key stays bound to this request; the same request may
			// retry at once.
			s.releaseLease(r, k, owner)
			return
		}
		saved := map[string]string{}
		for _, h := range replayedHeaders {
			if v := w.Header().Get(h); v != "" {
				saved[h] = v
			}
		}
		hdr, _ := json.Marshal(saved) // strings only
		sctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
		defer cancel()
		if _, err := s.Pool.Exec(sctx, `UPDATE idempotency SET status = $4, headers = $5, body = $6, owner = NULL, lease_until = NULL
			WHERE actor_id = $1 AND key = $2 AND owner = $3 AND status IS NULL`,
			k.actor, k.key, owner, rec.status, hdr, rec.body.Bytes()); err != nil {
			s.Log.WarnContext(r.Context(), "could not store idempotent answer; a retry of the same request runs again", "err", err,
				"request_id", middleware.GetReqID(r.Context()))
			s.releaseLease(r, k, owner)
		}
	})
}

// idemKey is a key as a caller's: keys are per user.
type idemKey struct {
	actor uuid.UUID
	key   string
}

type storedAnswer struct {
	status  int
	headers map[string]string
	body    []byte
}

// reservation is what reserving a key found.
type reservation struct {
	owner  uuid.UUID     // the key is reserved for this request: run it
	answer *storedAnswer // the same request's answer: replay it
	reused bool          // the key carries another request
	busy   bool          // the same request still runs elsewhere after the wait
}

// reserve takes the key for this request, or says why not.
func (s *Server) reserve(ctx context.Context, k idemKey, r *http.Request, fp []byte) (reservation, error) {
	owner := uuid.New()
	lease := s.idempotencyLease().Seconds()
	wait := time.NewTimer(s.idempotencyWait())
	defer wait.Stop()
	delay := 10 * time.Millisecond
	for {
		tag, err := s.Pool.Exec(ctx, `INSERT INTO idempotency (actor_id, key, method, path, fingerprint, owner, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) ON CONFLICT (actor_id, key) DO NOTHING`,
			k.actor, k.key, r.Method, r.URL.Path, fp, owner, lease)
		if err != nil {
			return reservation{}, err
		}
		if tag.RowsAffected() == 1 {
			return reservation{owner: owner}, nil
		}
		var stored []byte
		var status *int
		var headers map[string]string
		var body []byte
		var expired bool
		err = s.Pool.QueryRow(ctx, `SELECT fingerprint, status, headers, body, coalesce(lease_until <= now(), true) FROM idempotency
			WHERE actor_id = $1 AND key = $2`, k.actor, k.key).Scan(&stored, &status, &headers, &body, &expired)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			continue // pruned in between: reserve afresh
		case err != nil:
			return reservation{}, err
		case !hmac.Equal(stored, fp):
			return reservation{reused: true}, nil
		case status != nil:
			return reservation{answer: &storedAnswer{status: *status, headers: headers, body: body}}, nil
		case expired:
			// The first run failed, or its process died: run again.
			tag, err := s.Pool.Exec(ctx, `UPDATE idempotency SET owner = $3, lease_until = now() + make_interval(secs => $4)
				WHERE actor_id = $1 AND key = $2 AND status IS NULL AND lease_until <= now()`, k.actor, k.key, owner, lease)
			if err != nil {
				return reservation{}, err
			}
			if tag.RowsAffected() == 1 {
				return reservation{owner: owner}, nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return reservation{}, ctx.Err()
		case <-wait.C:
			return reservation{busy: true}, nil
		case <-time.After(delay):
		}
		delay = min(2*delay, 250*time.Millisecond)
	}
}

// renewLease keeps the reservation while the handler runs longer than a
// third of the lease; the returned function stops it (and may be called
// more than once).
func (s *Server) renewLease(ctx context.Context, k idemKey, owner uuid.UUID) func() {
	lease := s.idempotencyLease()
	done := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := s.Pool.Exec(ctx, `UPDATE idempotency SET lease_until = now() + make_interval(secs => $4)
				WHERE actor_id = $1 AND key = $2 AND owner = $3 AND status IS NULL`, k.actor, k.key, owner, lease.Seconds()); err != nil {
				s.Log.WarnContext(ctx, "could not renew an idempotency reservation", "err", err)
			}
		}
	}()
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

// releaseLease ends this request's lease on the key but keeps the key
// bound to the request's fingerprint.
func (s *Server) releaseLease(r *http.Request, k idemKey, owner uuid.UUID) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 5*time.Second)
	defer cancel()
	if _, err := s.Pool.Exec(ctx, `UPDATE idempotency SET lease_until = now() WHERE actor_id = $1 AND key = $2 AND owner = $3 AND status IS NULL`,
		k.actor, k.key, owner); err != nil {
		// The lease runs out by itself.
		s.Log.WarnContext(r.Context(), "could not release an idempotency reservation", "err", err, "request_id", middleware.GetReqID(r.Context()))
	}
}

func (s *Server) idempotencyWait() time.Duration {
	if s.IdempotencyWait > 0 {
		return s.IdempotencyWait
	}
	return defaultIdempotencyWait
}

func (s *Server) idempotencyLease() time.Duration {
	if s.IdempotencyLease > 0 {
		return s.IdempotencyLease
	}
	return defaultIdempotencyLease
}

// fingerprint is the HMAC of what makes a request the same request.
func (s *Server) fingerprint(ctx context.Context, r *http.Request, body []byte) ([]byte, error) {
	secret, err := s.idem.secretFor(ctx, s.Pool, s.IdempotencySecret)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(r.Method + " " + r.URL.Path + "\n" + r.Header.Get("If-Match") + "\n" + strconv.Itoa(len(body)) + "\n"))
	m.Write(body)
	return m.Sum(nil), nil
}

// idempotencySecret holds the HMAC key once known.
type idempotencySecret struct {
	mu     sync.Mutex
	secret []byte
}

// secretFor is the configured secret, else the database's, generated by
// the first process that needs one.
func (i *idempotencySecret) secretFor(ctx context.Context, pool *pgxpool.Pool, configured []byte) ([]byte, error) {
	if len(configured) > 0 {
		return configured, nil
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.secret != nil {
		return i.secret, nil
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `INSERT INTO idempotency_secret (secret) VALUES ($1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, err
	}
	var secret []byte
	if err := pool.QueryRow(ctx, `SELECT secret FROM idempotency_secret`).Scan(&secret); err != nil {
		return nil, err
	}
	i.secret = secret
	return secret, nil
}

// PruneIdempotency deletes the stored answers, and the reservations left
// by failed or crashed requests, older than retention; it returns how
// many went. A key pruned is free again.
func PruneIdempotency(ctx context.Context, pool *pgxpool.Pool, retention time.Duration) (int64, error) {
	tag, err := pool.Exec(ctx, `DELETE FROM idempotency WHERE created_at < now() - make_interval(secs => $1)
		AND (status IS NOT NULL OR lease_until <= now())`, retention.Seconds())
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// recorder keeps a copy of what a handler writes.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
