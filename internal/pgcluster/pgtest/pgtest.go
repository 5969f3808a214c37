// Package pgtest gives tests a fresh PostgreSQL database each. A test
// package calls Main from its TestMain; the first NewDatabase starts one
// throwaway cluster (pgcluster, fsync off) for the whole package, and Main
// stops it and removes its files after the run. With DATABASE_URL set, that
// server is used instead: databases are created in it and dropped again.
//
// Fresh databases are cheap: the first NewDatabase with a given migrate
// function builds a template database with the migrations applied once; later
// calls copy it (CREATE DATABASE ... TEMPLATE).
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster"
)

// MigrateFunc prepares a fresh database, typically by running migrate.Up.
type MigrateFunc func(ctx context.Context, pool *pgxpool.Pool) error

// MaxConns is the pool size NewDatabase gives each test.
const MaxConns = 16

// setupTimeout bounds starting the cluster, building a template and
// creating or dropping a database.
const setupTimeout = 2 * time.Minute

var (
	mu       sync.Mutex
	inMain   bool
	current  *server
	startErr error
)

// server is where the package's databases live.
type server struct {
	cluster *pgcluster.Cluster // nil with DATABASE_URL
	base    string             // connection string of an existing database
	runID   string             // names this process's databases

	adminMu sync.Mutex
	admin   *pgx.Conn

	mu        sync.Mutex
	templates map[uintptr]*template
	seq       int
}

type template struct {
	migrate MigrateFunc // kept so a closure's address stays unique
	ready   chan struct{}
	name    string
	err     error
}

// Main runs the package's tests (call it from TestMain), then stops the
// cluster and removes its files, and exits.
func Main(m *testing.M) {
	mu.Lock()
	inMain = true
	mu.Unlock()
	code := m.Run()
	if err := shutdown(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func shutdown() error {
	mu.Lock()
	defer mu.Unlock()
	s := current
	current = nil
	if s == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	var errs []error
	if s.cluster == nil {
		// An outside server keeps running: drop what we left in it.
		for _, t := range s.templates {
			if t.name != "" {
				errs = append(errs, s.exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{t.name}.Sanitize()))
			}
		}
	}
	s.adminMu.Lock()
	if s.admin != nil {
		errs = append(errs, s.admin.Close(ctx))
	}
	s.adminMu.Unlock()
	if s.cluster != nil {
		errs = append(errs, s.cluster.Close())
	}
	return errors.Join(errs...)
}

// get starts the package's server on first use.
func get(ctx context.Context) (*server, error) {
	mu.Lock()
	defer mu.Unlock()
	if !inMain {
		return nil, errors.New("pgtest: call pgtest.Main(m) from the package's TestMain")
	}
	if current != nil || startErr != nil {
		return current, startErr
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		startErr = err
		return nil, err
	}
	s := &server{runID: hex.EncodeToString(b), templates: map[uintptr]*template{}}
	if dsn := os.Getenv("DATABASE_URL"); dsn != "" {
		if _, err := pgx.ParseConfig(dsn); err != nil {
			startErr = fmt.Errorf("pgtest: DATABASE_URL: %w", err)
			return nil, startErr
		}
		s.base = dsn
	} else {
		c, err := pgcluster.Start(ctx, pgcluster.Options{Settings: map[string]string{"max_connections": "300"}})
		if err != nil {
			startErr = fmt.Errorf("pgtest: %w", err)
			return nil, startErr
		}
		s.cluster = c
		s.base = c.URL("postgres")
	}
	current = s
	return s, nil
}

// URL is the connection string of database name on the server.
func (s *server) URL(name string) string {
	if s.cluster != nil {
		return s.cluster.URL(name)
	}
	if u, err := url.Parse(s.base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + name
		u.RawPath = ""
		return u.String()
	}
	// A keyword/value string: a later keyword wins.
	return s.base + " dbname=" + name
}

func (s *server) exec(ctx context.Context, sql string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.admin == nil || s.admin.IsClosed() {
		conn, err := pgx.Connect(ctx, s.base)
		if err != nil {
			return err
		}
		s.admin = conn
	}
	_, err := s.admin.Exec(ctx, sql)
	return err
}

// template returns the name of the template database migrate builds.
func (s *server) template(ctx context.Context, migrate MigrateFunc) (string, error) {
	// A func value points at its closure: package functions and closures
	// without captured variables have one each, while every evaluation of
	// a capturing closure makes a new one (kept alive in the entry, so its
	// address is never reused).
	key := *(*uintptr)(unsafe.Pointer(&migrate))
	s.mu.Lock()
	t, ok := s.templates[key]
	if !ok {
		s.seq++
		t = &template{migrate: migrate, ready: make(chan struct{})}
		s.templates[key] = t
		name := fmt.Sprintf("econf_tmpl_%s_%d", s.runID, s.seq)
		s.mu.Unlock()
		t.err = s.build(ctx, name, migrate)
		if t.err == nil {
			t.name = name
		}
		close(t.ready)
	} else {
		s.mu.Unlock()
	}
	select {
	case <-t.ready:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return t.name, t.err
}

func (s *server) build(ctx context.Context, name string, migrate MigrateFunc) error {
	ident := pgx.Identifier{name}.Sanitize()
	if err := s.exec(ctx, "CREATE DATABASE "+ident); err != nil {
		return fmt.Errorf("pgtest: create template: %w", err)
	}
	pool, err := pgxpool.New(ctx, s.URL(name))
	if err != nil {
		return fmt.Errorf("pgtest: template: %w", err)
	}
	err = migrate(ctx, pool)
	pool.Close()
	if err != nil {
		_ = s.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)")
		return fmt.Errorf("pgtest: migrate template: %w", err)
	}
	// Nobody may connect to it now: a session would block copying it.
	if err := s.exec(ctx, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS false"); err != nil {
		return fmt.Errorf("pgtest: template: %w", err)
	}
	return nil
}

var unsafeChars = regexp.MustCompile(`[^a-z0-9]+`)

// NewDatabaseURL creates a fresh database, prepared by migrate (nil: left
// empty), that is dropped when the test ends, and returns its connection
// URL. Pass the same migrate function value to share one template: a
// package-level function or a closure without captured variables. A
// closure capturing variables is a new value each time it is evaluated and
// builds a template of its own.
func NewDatabaseURL(t testing.TB, migrate MigrateFunc) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	s, err := get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tmpl string
	if migrate != nil {
		if tmpl, err = s.template(ctx, migrate); err != nil {
			t.Fatal(err)
		}
	}
	s.mu.Lock()
	s.seq++
	name := fmt.Sprintf("econf_t_%s_%d", s.runID, s.seq)
	s.mu.Unlock()
	if label := strings.Trim(unsafeChars.ReplaceAllString(strings.ToLower(t.Name()), "_"), "_"); label != "" {
		name += "_" + label[:min(len(label), 63-len(name)-1)]
	}
	ident := pgx.Identifier{name}.Sanitize()
	sql := "CREATE DATABASE " + ident
	if tmpl != "" {
		sql += " TEMPLATE " + pgx.Identifier{tmpl}.Sanitize()
	}
	if err := s.exec(ctx, sql); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if err := s.exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return s.URL(name)
}

// NewDatabase is NewDatabaseURL with a pool (MaxConns connections) on the
// new database, closed before the database is dropped.
func NewDatabase(t testing.TB, migrate MigrateFunc) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(NewDatabaseURL(t, migrate))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = MaxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}
