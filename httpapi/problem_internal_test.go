package httpapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestUnreachableClassifiesOutages feeds unreachable the errors a real
// PostgreSQL gives when it is away, and the errors it gives about a
// statement, which are not outages.
func TestUnreachableClassifiesOutages(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabaseURL(t, nil)

	// Nothing listens on a port just closed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := l.Addr().String()
	_ = l.Close()
	_, refused := pgx.Connect(ctx, "postgres://postgres@"+closedPort+"/x?sslmode=disable&connect_timeout=2")

	// A session ended by the administrator (57P01), as a shutdown does.
	victim, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, victim.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	_, terminated := victim.Exec(ctx, `SELECT 1`)
	// The same connection once more: the driver knows it is closed.
	_, closedConn := victim.Exec(ctx, `SELECT 1`)

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	pool.Close()
	_, closedPool := pool.Exec(ctx, `SELECT 1`)

	_, syntax := admin.Exec(ctx, `SELEC 1`)
	_, unique := admin.Exec(ctx, `CREATE TEMP TABLE u (x int PRIMARY KEY); INSERT INTO u VALUES (1), (1)`)
	var n int
	noRows := admin.QueryRow(ctx, `SELECT 1 WHERE false`).Scan(&n)

	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", refused, true},
		{"terminated by the administrator", terminated, true},
		{"closed connection", closedConn, true},
		{"closed pool", closedPool, true},
		{"wrapped", fmt.Errorf("read session: %w", refused), true},
		{"event store unavailable", fmt.Errorf("%w: gone", eventstore.ErrUnavailable), true},
		{"cut connection", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), true},
		{"syntax error", syntax, false},
		{"unique violation", unique, false},
		{"no rows", noRows, false},
		{"client gone", context.Canceled, false},
		{"rules broken", &domain.ValidationError{}, false},
		{"not found", domain.ErrNotFound, false},
		{"nil", nil, false},
	} {
		if c.err == nil && c.want {
			t.Errorf("%s: got no error to classify", c.name)
			continue
		}
		if got := unreachable(c.err); got != c.want {
			t.Errorf("%s: unreachable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
