package pgtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestCreateSpeed(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabaseURL(t, createTable)
	conn, _ := pgx.Connect(ctx, url)
	defer conn.Close(ctx)
	for _, strat := range []string{"WAL_LOG", "FILE_COPY"} {
		start := time.Now()
		for i := range 10 {
			_ = i
			if _, err := conn.Exec(ctx, "CREATE DATABASE x STRATEGY "+strat); err != nil { t.Fatal(err) }
			if _, err := conn.Exec(ctx, "DROP DATABASE x WITH (FORCE)"); err != nil { t.Fatal(err) }
		}
		t.Logf("%s: %s per create+drop", strat, time.Since(start)/10)
	}
	start := time.Now()
	for range 10 { pgtest.NewDatabase(t, createTable) }
	t.Logf("NewDatabase: %s", time.Since(start)/10)
}
