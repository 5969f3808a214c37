package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestPersonalEraseKeepsAuditVerify: an account's personal fields are
// stored encrypted; econf personal erase refuses an unknown person without
// writing, erases a known one, after which econf personal export and the
// read models no longer show them, and econf audit verify passes against
// checkpoints written before and after. econf personal rotate re-wraps the
// data keys under a new master key, which then reads alone.
func TestPersonalEraseKeepsAuditVerify(t *testing.T) {
	url := pgtest.NewDatabaseURL(t, dbschema.Up)
	t.Setenv("DATABASE_URL", url)
	oldKey, newKey := personal.NewMasterKey(), personal.NewMasterKey()
	t.Setenv("ECONF_MASTER_KEY", oldKey)
	ctx := context.Background()
	data, dir := t.TempDir(), t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	if out, err := cmd("audit", "keygen", "--name", "econf.test", "--out", keyFile); err != nil {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	t.Setenv("ECONF_CHECKPOINT_KEY_FILE", keyFile)
	t.Setenv("ECONF_CHECKPOINT_DIR", dir)
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("violet kettle ninety 42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, who := range [][2]string{{"wu.test@example.edu.cn", "测试戊"}, {"ji.test@example.edu.cn", "测试己"}} {
		if out, err := cmd("admin", "create", "--email", who[0], "--name", who[1], "--org-name", "测试主管部门", "--password-file", pw); err != nil {
			t.Fatalf("admin create: %v\n%s", err, out)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM events WHERE data::text LIKE '%测试戊%' OR data::text LIKE '%wu.test@%'`); n != 0 {
		t.Fatalf("%d events hold the account's name or email in clear", n)
	}
	if out, err := cmd("personal", "export", "--email", "wu.test@example.edu.cn"); err != nil || !strings.Contains(out, "测试戊") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if out, err := cmd("audit", "checkpoint"); err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, out)
	}
	events := count(`SELECT count(*) FROM events`)
	if out, err := cmd("personal", "erase", "--email", "nobody.here@example.edu.cn", "--reason", "本人申请"); err == nil || !strings.Contains(out+err.Error(), "no personal data of this person is known") {
		t.Errorf("erase an unknown person: %v\n%s", err, out)
	}
	if n := count(`SELECT count(*) FROM events`); n != events {
		t.Fatalf("refused erasure wrote %d events", n-events)
	}
	if out, err := cmd("personal", "erase", "--email", "wu.test@example.edu.cn", "--reason", "本人申请删除"); err != nil || !strings.Contains(out, "1 data keys deleted") {
		t.Fatalf("erase: %v\n%s", err, out)
	}
	if out, err := cmd("personal", "export", "--email", "wu.test@example.edu.cn"); err != nil || strings.Contains(out, "测试戊") || !strings.Contains(out, personal.Erased) {
		t.Errorf("export after erasure: %v\n%s", err, out)
	}
	if n := count(`SELECT count(*) FROM rm.users WHERE name = '测试戊' OR email LIKE 'wu.test@%'`); n != 0 {
		t.Errorf("the users read model still shows the account (%d rows)", n)
	}
	if n := count(`SELECT count(*) FROM credentials WHERE email LIKE 'wu.test@%'`); n != 0 {
		t.Error("the erased account can still sign in")
	}
	if out, err := cmd("audit", "checkpoint"); err != nil {
		t.Fatalf("checkpoint: %v\n%s", err, out)
	}
	if out, err := cmd("audit", "verify", "--checkpoints", dir); err != nil {
		t.Fatalf("audit verify after erasure: %v\n%s", err, out)
	}

	t.Setenv("ECONF_MASTER_KEY", newKey+","+oldKey)
	if out, err := cmd("personal", "rotate"); err != nil || !strings.Contains(out, "re-wrapped 1 data keys") || !strings.Contains(out, "0 left") {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	t.Setenv("ECONF_MASTER_KEY", newKey)
	if out, err := cmd("personal", "export", "--email", "ji.test@example.edu.cn"); err != nil || !strings.Contains(out, "测试己") {
		t.Fatalf("export under the new key alone: %v\n%s", err, out)
	}
}

// TestPersonalClearTextOfAFreshInstall: on a fresh database the demo seed
// writes no personal value in clear text (econf personal cleartext reads
// the events table as stored and reports none); an event written in clear
// before its field was declared personal (schema version 1) is reported
// by type and field.
func TestPersonalClearTextOfAFreshInstall(t *testing.T) {
	url := pgtest.NewDatabaseURL(t, dbschema.Up)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("ECONF_MASTER_KEY", personal.NewMasterKey())
	ctx := context.Background()
	data := t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	if out, err := cmd("seed-demo"); err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out)
	}
	out, err := cmd("personal", "cleartext")
	if err != nil || !strings.HasPrefix(out, "0 personal values in clear text in 0 of ") || strings.HasSuffix(strings.TrimSpace(out), " of 0 events") {
		t.Fatalf("cleartext of a fresh install: %v\n%s", err, out)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	old := eventstore.EventData{ID: uuid.New(), Type: "delegation.nominee_approved",
		Data:     json.RawMessage(`{"nominee":"` + uuid.NewString() + `","opinion":"测试甲材料属实","by":"` + uuid.NewString() + `","at":"2026-11-03T02:00:00Z"}`),
		Metadata: eventstore.Metadata{ActorID: uuid.NewString(), Role: "unit_admin", Command: "test", CommandID: uuid.NewString(), RecordedAt: time.Now(), SchemaVersion: 1}}
	if _, err := pgstore.New(pool).Append(ctx, "delegation-"+uuid.NewString(), eventstore.NoStream, []eventstore.EventData{old}); err != nil {
		t.Fatal(err)
	}
	if out, err := cmd("personal", "cleartext"); err != nil || !strings.Contains(out, "delegation.nominee_approved opinion 1\n") || !strings.Contains(out, "1 personal values in clear text in 1 of ") {
		t.Errorf("cleartext after a clear-text event: %v\n%s", err, out)
	}
}
