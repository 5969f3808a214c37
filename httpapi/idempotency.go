package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

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

// commandID is the id commands run under: derived from the caller's
// Idempotency-Key (so a retry is the same command, R: deterministic event
// ids), or zero for a fresh one.
func commandID(ctx context.Context) uuid.UUID {
	id, _ := ctx.Value(commandIDKey).(uuid.UUID) // zero when no key was sent
	return id
}

// idempotent replays the stored answer of a request repeated with the same
// Idempotency-Key, and refuses the key with a different request. Even
// without a stored answer (a crash between append and answer), the derived
// command id makes the command itself find its first run.
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
		h := sha256.New()
		h.Write([]byte(r.Method + " " + r.URL.Path + "\n" + r.Header.Get("If-Match") + "\n"))
		h.Write(body)
		hash := h.Sum(nil)

		var status int
		var storedHash, storedBody []byte
		var headers map[string]string
		err := s.Pool.QueryRow(r.Context(), `SELECT request_hash, status, headers, body FROM idempotency WHERE actor_id = $1 AND key = $2`,
			actor.UserID, key).Scan(&storedHash, &status, &headers, &storedBody)
		switch {
		case err == nil && !bytes.Equal(storedHash, hash):
			writeProblem(w, r, problem{Type: problemBase + "idempotency-key-reused", Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
				Detail: "this Idempotency-Key was used for a different request; use a new key", Zh: "该幂等键已用于其他请求，请使用新的键"})
			return
		case err == nil:
			for k, v := range headers {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(status)
			_, _ = w.Write(storedBody) // the client went away; nothing to do
			return
		case !errors.Is(err, pgx.ErrNoRows):
			s.writeError(w, r, err)
			return
		}

		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ctx := context.WithValue(r.Context(), commandIDKey, uuid.NewSHA1(actor.UserID, []byte("idempotency-key:"+key)))
		next.ServeHTTP(rec, r.WithContext(ctx))
		if rec.status >= 500 {
			return // a failure on our side may succeed on retry: keep nothing
		}
		saved := map[string]string{}
		for _, k := range replayedHeaders {
			if v := w.Header().Get(k); v != "" {
				saved[k] = v
			}
		}
		hdr, _ := json.Marshal(saved) // strings only
		if _, err := s.Pool.Exec(context.WithoutCancel(r.Context()), `INSERT INTO idempotency (actor_id, key, method, path, request_hash, status, headers, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			actor.UserID, key, r.Method, r.URL.Path, hash, rec.status, hdr, rec.body.Bytes()); err != nil {
			s.Log.WarnContext(r.Context(), "could not store idempotent answer", "err", err)
		}
	})
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
