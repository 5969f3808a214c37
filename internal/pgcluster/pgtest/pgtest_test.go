package pgtest_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var builds atomic.Int32

func createTable(ctx context.Context, pool *pgxpool.Pool) error {
	builds.Add(1)
	_, err := pool.Exec(ctx, "CREATE TABLE items (id int PRIMARY KEY)")
	return err
}

func TestFreshDatabasesShareATemplate(t *testing.T) {
	ctx := context.Background()
	var names []string
	for i := range 3 {
		pool := pgtest.NewDatabase(t, createTable)
		if _, err := pool.Exec(ctx, "INSERT INTO items VALUES ($1)", i); err != nil {
			t.Fatal(err)
		}
		var n int
		var name string
		if err := pool.QueryRow(ctx, "SELECT count(*), current_database() FROM items").Scan(&n, &name); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("database %d sees %d rows, want only its own", i, n)
		}
		names = append(names, name)
	}
	if names[0] == names[1] || names[1] == names[2] {
		t.Errorf("databases not distinct: %v", names)
	}
	if b := builds.Load(); b != 1 {
		t.Errorf("template built %d times, want 1", b)
	}
}

func TestCapturingClosuresGetTheirOwnTemplate(t *testing.T) {
	ctx := context.Background()
	for _, table := range []string{"a", "b"} {
		pool := pgtest.NewDatabase(t, func(ctx context.Context, pool *pgxpool.Pool) error {
			_, err := pool.Exec(ctx, "CREATE TABLE "+table+" (x int)")
			return err
		})
		var got string
		if err := pool.QueryRow(ctx, "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'").Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != table {
			t.Errorf("tables %q, want %q", got, table)
		}
	}
}

func TestDatabaseURLAndCleanup(t *testing.T) {
	ctx := context.Background()
	var url, name string
	t.Run("inner", func(t *testing.T) {
		url = pgtest.NewDatabaseURL(t, nil)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	// After the subtest its database is gone.
	admin := pgtest.NewDatabase(t, nil)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s of a finished test still exists", name)
	}
}
