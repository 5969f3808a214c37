package migrate_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/migrate"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func file(sql string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(sql)} }

func applied(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT component || ':' || version || ':' || name FROM schema_migrations ORDER BY component, version")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestUpAppliesInOrderOnce(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, nil)
	fsys := fstest.MapFS{
		"002_add_column.sql": file("ALTER TABLE things ADD COLUMN label text; INSERT INTO things VALUES (1, 'one');"),
		"001_create.sql":     file("CREATE TABLE things (id int PRIMARY KEY);"),
		"README.md":          file("not a migration"),
	}
	other := migrate.Set{Component: "other", FS: fstest.MapFS{"10_other.sql": file("CREATE TABLE other (x int);")}}
	for range 2 {
		if err := migrate.Up(ctx, pool, migrate.Set{Component: "things", FS: fsys}, other); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := strings.Join(applied(t, pool), " "), "other:10:other things:1:create things:2:add_column"; got != want {
		t.Errorf("applied %q, want %q", got, want)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM things").Scan(&n); err != nil || n != 1 {
		t.Errorf("the data migration ran %d times (%v)", n, err)
	}

	// A new file is applied alone.
	fsys["003_more.sql"] = file("INSERT INTO things VALUES (2, 'two');")
	if err := migrate.Up(ctx, pool, migrate.Set{Component: "things", FS: fsys}); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM things").Scan(&n); err != nil || n != 2 {
		t.Errorf("rows %d (%v), want 2", n, err)
	}
}

func TestFailingMigrationRollsBack(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, nil)
	set := migrate.Set{Component: "c", FS: fstest.MapFS{
		"1_ok.sql":    file("CREATE TABLE ok (x int);"),
		"2_bad.sql":   file("CREATE TABLE half (x int); SELECT * FROM missing;"),
		"3_after.sql": file("CREATE TABLE after (x int);"),
	}}
	err := migrate.Up(ctx, pool, set)
	if err == nil || !strings.Contains(err.Error(), "002_bad") {
		t.Fatalf("error %v, want one naming 002_bad", err)
	}
	if got := strings.Join(applied(t, pool), " "); got != "c:1:ok" {
		t.Errorf("applied %q", got)
	}
	var half bool
	if err := pool.QueryRow(ctx, "SELECT to_regclass('half') IS NOT NULL").Scan(&half); err != nil || half {
		t.Errorf("the failed file's first statement stayed (%v)", err)
	}
}

func TestConcurrentUp(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, nil)
	set := migrate.Set{Component: "c", FS: fstest.MapFS{
		"1_create.sql": file("CREATE TABLE counter (n int); INSERT INTO counter VALUES (0);"),
		"2_bump.sql":   file("UPDATE counter SET n = n + 1;"),
	}}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() { errs <- migrate.Up(ctx, pool, set) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT n FROM counter").Scan(&n); err != nil || n != 1 {
		t.Errorf("counter %d (%v), want 1", n, err)
	}
}

func TestInvalidSets(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewDatabase(t, nil)
	for name, sets := range map[string][]migrate.Set{
		"bad name":          {{Component: "c", FS: fstest.MapFS{"create.sql": file("")}}},
		"duplicate version": {{Component: "c", FS: fstest.MapFS{"1_a.sql": file(""), "001_b.sql": file("")}}},
		"no component":      {{FS: fstest.MapFS{}}},
		"component twice":   {{Component: "c", FS: fstest.MapFS{}}, {Component: "c", FS: fstest.MapFS{}}},
	} {
		if err := migrate.Up(ctx, pool, sets...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A renamed applied file is refused.
	if err := migrate.Up(ctx, pool, migrate.Set{Component: "r", FS: fstest.MapFS{"1_a.sql": file("")}}); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Up(ctx, pool, migrate.Set{Component: "r", FS: fstest.MapFS{"1_b.sql": file("")}}); err == nil {
		t.Error("renamed migration accepted")
	}
}
