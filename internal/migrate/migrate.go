// Package migrate owns versioned schema migrations. Each component (the
// event store, the projections, ...) ships a Set of numbered SQL files; Up
// applies, in order and each in its own transaction, the files a database
// has not yet applied, and records them in schema_migrations. Concurrent
// callers, in this process or others, are serialised by an advisory lock, so
// every replica may run Up at start.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Set is one component's migrations: files named NNN_name.sql at the root
// of FS (other files are ignored). Versions are the leading numbers; they
// need not be contiguous but must be unique. A file runs inside a
// transaction, so it must not use statements that refuse one (CREATE INDEX
// CONCURRENTLY, ALTER SYSTEM, ...). An applied file must never change:
// add a new one instead.
type Set struct {
	Component string
	FS        fs.FS
}

// Migration is one file of a Set.
type Migration struct {
	Component string
	Version   int
	Name      string // the file name without the version and ".sql"
	SQL       string
}

// lockKey is the advisory lock that serialises Up across processes.
const lockKey int64 = 0x65636f6e666d6967 // "econfmig"

var fileName = regexp.MustCompile(`^([0-9]+)_(.+)\.sql$`)

// Load reads and orders a set's migrations.
func (s Set) Load() ([]Migration, error) {
	if s.Component == "" {
		return nil, errors.New("migrate: set without a component name")
	}
	if s.FS == nil {
		return nil, fmt.Errorf("migrate: %s: no file system", s.Component)
	}
	entries, err := fs.ReadDir(s.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrate: %s: %w", s.Component, err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s: %s is not named NNN_name.sql", s.Component, e.Name())
		}
		version, err := strconv.Atoi(m[1])
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %s: %w", s.Component, e.Name(), err)
		}
		if other, dup := seen[version]; dup {
			return nil, fmt.Errorf("migrate: %s: %s and %s share version %d", s.Component, other, e.Name(), version)
		}
		seen[version] = e.Name()
		body, err := fs.ReadFile(s.FS, e.Name())
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", s.Component, err)
		}
		out = append(out, Migration{Component: s.Component, Version: version, Name: m[2], SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}

// Up applies every migration of sets that the database has not applied,
// set by set in the order given and file by file in version order. It is
// idempotent. A failing file is rolled back and ends Up with its error;
// the files before it stay applied.
func Up(ctx context.Context, pool *pgxpool.Pool, sets ...Set) error {
	var all [][]Migration
	components := map[string]bool{}
	for _, s := range sets {
		if components[s.Component] {
			return fmt.Errorf("migrate: component %s given twice", s.Component)
		}
		components[s.Component] = true
		ms, err := s.Load()
		if err != nil {
			return err
		}
		all = append(all, ms)
	}

	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx has ended; if that fails, the session (and
		// with it the lock) must not go back to the pool.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", lockKey); err != nil {
			_ = conn.Hijack().Close(uctx)
		}
	}()

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component  text        NOT NULL,
		version    int         NOT NULL,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now(),
		PRIMARY KEY (component, version)
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	type key struct {
		component string
		version   int
	}
	applied := map[key]string{}
	rows, err := conn.Query(ctx, "SELECT component, version, name FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", err)
	}
	var k key
	var name string
	if _, err := pgx.ForEachRow(rows, []any{&k.component, &k.version, &name}, func() error {
		applied[k] = name
		return nil
	}); err != nil {
		return fmt.Errorf("migrate: read schema_migrations: %w", err)
	}

	for _, ms := range all {
		for _, m := range ms {
			if was, ok := applied[key{m.Component, m.Version}]; ok {
				if was != m.Name {
					return fmt.Errorf("migrate: %s version %d was applied as %q but the file is now %q", m.Component, m.Version, was, m.Name)
				}
				continue
			}
			if err := apply(ctx, conn.Conn(), m); err != nil {
				return err
			}
			slog.InfoContext(ctx, "migration applied", "component", m.Component, "version", m.Version, "name", m.Name)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, m Migration) error {
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		// Without arguments Exec uses the simple protocol, which runs a
		// file of several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
			m.Component, m.Version, m.Name)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %s %03d_%s: %w", m.Component, m.Version, m.Name, err)
	}
	return nil
}

// Embedded is the set of a component whose files are embedded under dir.
// The directory is fixed at build time, so a wrong one is a programming
// error and panics at start.
func Embedded(component string, files fs.FS, dir string) Set {
	sub, err := fs.Sub(files, dir)
	if err != nil {
		panic(fmt.Sprintf("migrate: %s: %v", component, err))
	}
	return Set{Component: component, FS: sub}
}
