package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// TestAnalystRoleReadsTheReadModelsOnly: `econf admin analyst-role` makes a
// PostgreSQL login that reads every rm view, is refused the event store,
// the generations' tables, writes and DDL, still reads every view after a
// rebuild (the swap in place, and the one that drops and creates the view
// again), and gets a new password when run again; bad names and weak
// passwords change nothing. docs/read-models.md names every rm view and
// column the database has, and no other.
func TestAnalystRoleReadsTheReadModelsOnly(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("EVENTSTORE_URL", "")
	data := t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	if out, err := cmd("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	pool := newPool(t, dbURL)
	r, err := projections.NewRunner(pool, pgstore.New(pool), slog.New(slog.NewTextHandler(io.Discard, nil)), projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Prepare(ctx); err != nil {
		t.Fatal(err)
	}

	pwFile := func(pw string) string {
		f := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(f, []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	const password = "violet kettle ninety 42"
	// Roles belong to the cluster, which other tests' databases share.
	analystName := fmt.Sprintf("bi_reader_%d", time.Now().UnixNano()%1e9)
	var self string
	if err := pool.QueryRow(ctx, `SELECT current_user`).Scan(&self); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct{ name, pw, want string }{
		{"Bad-Name", password, "role name"},
		{"pg_reader", password, "role name"},
		{projections.AnalystGroup, password, "role name"},
		{self, password, "econf itself connects as"},
		{analystName, "short", "at least 15"},
	} {
		out, err := cmd("admin", "analyst-role", "--name", bad.name, "--password-file", pwFile(bad.pw))
		if err == nil || !strings.Contains(err.Error()+out, bad.want) {
			t.Errorf("analyst-role --name %s: %v\n%s; want a refusal saying %q", bad.name, err, out, bad.want)
		}
	}
	var roles int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_roles WHERE rolname = $1`, analystName).Scan(&roles); err != nil || roles != 0 {
		t.Fatalf("a refused analyst-role left the role bi_reader: %d %v", roles, err)
	}
	out, err := cmd("admin", "analyst-role", "--name", analystName, "--password-file", pwFile(password))
	if err != nil || !strings.Contains(out, "analyst role "+analystName+" created") {
		t.Fatalf("analyst-role: %v\n%s", err, out)
	}

	// The analyst signs in with the password, as a BI tool would.
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	connect := func(pw string) (*pgx.Conn, error) {
		c := cfg.Copy()
		c.User, c.Password = analystName, pw
		return pgx.ConnectConfig(ctx, c)
	}
	analyst, err := connect(password)
	if err != nil {
		t.Fatal(err)
	}
	defer analyst.Close(ctx)

	var views []string
	rows, _ := pool.Query(ctx, `SELECT table_name FROM information_schema.views WHERE table_schema = 'rm' ORDER BY 1`)
	views, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, p := range projections.All() {
		want += len(p.Tables())
	}
	if len(views) != want || want == 0 {
		t.Fatalf("rm has %d views, the read models %d tables: %v", len(views), want, views)
	}
	readsAll := func(when string) {
		t.Helper()
		for _, v := range views {
			if _, err := analyst.Exec(ctx, `SELECT * FROM rm.`+v+` LIMIT 1`); err != nil {
				t.Errorf("%s: the analyst cannot read rm.%s: %v", when, v, err)
			}
		}
	}
	readsAll("after analyst-role")

	var generation string
	if err := pool.QueryRow(ctx, `SELECT schema_name || '.' || $1 FROM projection_state WHERE name = $2 AND status = 'active'`,
		projections.All()[0].Tables()[0], projections.All()[0].Name()).Scan(&generation); err != nil {
		t.Fatal(err)
	}
	denied := func(sql string) {
		t.Helper()
		_, err := analyst.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" { // insufficient_privilege
			t.Errorf("%s as the analyst: %v; want permission denied", sql, err)
		}
	}
	var readOnly string
	if err := analyst.QueryRow(ctx, `SHOW default_transaction_read_only`).Scan(&readOnly); err != nil || readOnly != "on" {
		t.Errorf("the analyst's sessions: default_transaction_read_only %q %v; want on", readOnly, err)
	}
	// Past the read-only default, the privileges themselves refuse.
	if _, err := analyst.Exec(ctx, `SET default_transaction_read_only = off`); err != nil {
		t.Fatal(err)
	}
	denied(`SELECT * FROM events LIMIT 1`)
	denied(`SELECT * FROM projection_state LIMIT 1`)
	denied(`SELECT * FROM ` + generation + ` LIMIT 1`)
	denied(`DELETE FROM rm.` + views[0])
	denied(`CREATE TABLE rm.mine (x int)`)
	denied(`CREATE TABLE public.mine (x int)`)
	denied(`CREATE VIEW rm.mine AS SELECT 1`)

	// A rebuild swapping the views in place keeps the grants; one whose view
	// changed columns drops and creates it again, and grants it again.
	p := projections.All()[0]
	for _, force := range []bool{false, true} {
		if force {
			if _, err := pool.Exec(ctx, `DROP VIEW rm.`+p.Tables()[0]+`; CREATE VIEW rm.`+p.Tables()[0]+` AS SELECT 1 AS other_columns;`+
				`REVOKE ALL ON rm.`+p.Tables()[0]+` FROM `+projections.AnalystGroup+`;`+
				// as when analyst-role ran as another role than the rebuild
				`ALTER DEFAULT PRIVILEGES IN SCHEMA rm REVOKE SELECT ON TABLES FROM `+projections.AnalystGroup); err != nil {
				t.Fatal(err)
			}
			denied(`SELECT * FROM rm.` + p.Tables()[0])
		}
		if out, err := cmd("projections", "rebuild", p.Name()); err != nil {
			t.Fatalf("rebuild %s: %v\n%s", p.Name(), err, out)
		}
		readsAll("after a rebuild")
	}

	// Again: a new password, the old one no longer signs in.
	const second = "amber quarry sixteen 7"
	if out, err := cmd("admin", "analyst-role", "--name", analystName, "--password-file", pwFile(second)); err != nil || !strings.Contains(out, "updated") {
		t.Fatalf("analyst-role again: %v\n%s", err, out)
	}
	if c, err := connect(second); err != nil {
		t.Errorf("the new password: %v", err)
	} else {
		c.Close(ctx)
	}

	// The documentation names every view and column, and no other view.
	doc, err := os.ReadFile("../../docs/read-models.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	parts := regexp.MustCompile("(?m)^### `rm\\.([a-z_0-9]+)`").FindAllStringSubmatchIndex(string(doc), -1)
	for i, m := range parts {
		end := len(doc)
		if i+1 < len(parts) {
			end = parts[i+1][0]
		}
		sections[string(doc[m[2]:m[3]])] = string(doc[m[1]:end])
	}
	rows, _ = pool.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'rm' ORDER BY table_name, ordinal_position`)
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ View, Column string }])
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		s, ok := sections[c.View]
		if !ok {
			continue
		}
		if !strings.Contains(s, "| `"+c.Column+"` |") {
			t.Errorf("docs/read-models.md: rm.%s does not describe the column %s", c.View, c.Column)
		}
	}
	for _, v := range views {
		if _, ok := sections[v]; !ok {
			t.Errorf("docs/read-models.md has no section ### `rm.%s`", v)
		}
		delete(sections, v)
	}
	for v := range sections {
		t.Errorf("docs/read-models.md describes rm.%s, which the database does not have", v)
	}
}

// TestAnalystRolePasswordSignsIn: on a cluster that checks passwords
// (the embedded one, SCRAM-SHA-256), the analyst signs in with the
// password given to analyst-role, and not with another: the verifier
// computed by econf is the one PostgreSQL checks.
func TestAnalystRolePasswordSignsIn(t *testing.T) {
	ctx := context.Background()
	t.Setenv("DATABASE_URL", "")
	t.Setenv("EVENTSTORE_URL", "")
	data := privateDataFolder(t)
	pw := filepath.Join(t.TempDir(), "pw")
	const password = "copper lantern orbit 1937"
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	if err := run(ctx, []string{"admin", "analyst-role", "--name", "bi_embedded", "--password-file", pw, "--data", data}, &out, &out); err != nil {
		t.Fatalf("analyst-role: %v\n%s", err, out.String())
	}
	dir, err := pgcluster.Place(data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop(ctx)
	cfg, err := pgx.ParseConfig(c.URL("econf"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Password = "bi_embedded", password
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("the analyst cannot sign in with its password: %v", err)
	}
	var user string
	if err := conn.QueryRow(ctx, `SELECT current_user`).Scan(&user); err != nil || user != "bi_embedded" {
		t.Errorf("signed in as %q %v", user, err)
	}
	conn.Close(ctx)
	cfg.Password = password + "x"
	if conn, err := pgx.ConnectConfig(ctx, cfg); err == nil {
		conn.Close(ctx)
		t.Error("the analyst signed in with a wrong password")
	}
}
