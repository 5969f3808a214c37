package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestIdempotencyFromEnv: serve takes the fingerprints' secret and the
// answers' retention from the environment, refuses bad values with the
// setting's name, and its pruner deletes answers past the retention.
func TestIdempotencyFromEnv(t *testing.T) {
	t.Setenv("ECONF_IDEMPOTENCY_SECRET", "")
	t.Setenv("ECONF_IDEMPOTENCY_RETENTION", "")
	s, err := idempotencyFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if s.secret != nil || s.retention != 24*time.Hour || s.pruneInterval() != time.Hour {
		t.Errorf("defaults: secret %q, retention %s, every %s; want none, 24h, 1h", s.secret, s.retention, s.pruneInterval())
	}

	t.Setenv("ECONF_IDEMPOTENCY_SECRET", "0123456789abcdef0123456789abcdef")
	t.Setenv("ECONF_IDEMPOTENCY_RETENTION", "2h")
	if s, err = idempotencyFromEnv(); err != nil {
		t.Fatal(err)
	}
	if string(s.secret) != "0123456789abcdef0123456789abcdef" || s.retention != 2*time.Hour || s.pruneInterval() != 5*time.Minute {
		t.Errorf("set: secret %q, retention %s, every %s", s.secret, s.retention, s.pruneInterval())
	}

	for _, bad := range []struct{ name, value string }{
		{"ECONF_IDEMPOTENCY_SECRET", "too short"},
		{"ECONF_IDEMPOTENCY_RETENTION", "a day"},
		{"ECONF_IDEMPOTENCY_RETENTION", "30s"},
	} {
		t.Run(bad.name+"="+bad.value, func(t *testing.T) {
			t.Setenv(bad.name, bad.value)
			if _, err := idempotencyFromEnv(); err == nil || !strings.Contains(err.Error(), bad.name) {
				t.Errorf("%s=%q: %v; want an error naming the setting", bad.name, bad.value, err)
			}
		})
	}

	// The pruner serve runs.
	pool := pgtest.NewDatabase(t, dbschema.Up)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	actor := uuid.New()
	for key, age := range map[string]string{"old": "3 hours", "young": "1 hour"} {
		if _, err := pool.Exec(ctx, `INSERT INTO idempotency (actor_id, key, method, path, fingerprint, status, headers, body, created_at)
			VALUES ($1, $2, 'POST', '/x', '\x00', 200, '{}', '{}', now() - $3::interval)`, actor, key, age); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- pruneIdempotency(ctx, pool, s.retention, time.Hour, slog.New(slog.DiscardHandler)) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var keys string
		if err := pool.QueryRow(ctx, `SELECT coalesce(string_agg(key, ',' ORDER BY key), '') FROM idempotency`).Scan(&keys); err != nil {
			t.Fatal(err)
		}
		if keys == "young" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kept %q after pruning; want young", keys)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("pruner: %v", err)
	}
}
