package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// runner runs econf commands with --data dir.
func econfIn(t *testing.T, dir string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) {
		t.Helper()
		var out syncBuffer
		err := run(context.Background(), append(args, "--data", dir, "--log-level", "warn"), &out, &out)
		return out.String(), err
	}
}

// burnXids moves the cluster of url on to at least transaction id n, as a
// server that has run for a while stands: a new cluster starts far below.
func burnXids(t *testing.T, ctx context.Context, pool *pgxpool.Pool, n uint64) {
	t.Helper()
	for {
		var next uint64
		if err := pool.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())`).Scan(&next); err != nil {
			t.Fatal(err)
		}
		if next >= n {
			return
		}
		k := min(n-next, 5000)
		if _, err := pool.Exec(ctx, strings.Repeat("BEGIN; SELECT pg_current_xact_id(); COMMIT; ", int(k))); err != nil {
			t.Fatal(err)
		}
	}
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func eventIDs(t *testing.T, s eventstore.Store) []uuid.UUID {
	t.Helper()
	events, err := s.ReadAll(context.Background(), eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]uuid.UUID, len(events))
	for i, e := range events {
		ids[i] = e.ID
	}
	return ids
}

// serveIn runs econf serve on data and returns its base URL and a stop.
func serveIn(t *testing.T, data string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, io.Discard, &stderr)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := servingAt.FindStringSubmatch(stderr.String()); m != nil {
			var once sync.Once
			return m[1], func() {
				once.Do(func() {
					cancel()
					select {
					case err := <-done:
						if err != nil {
							t.Errorf("serve: %v", err)
						}
					case <-time.After(30 * time.Second):
						t.Error("serve did not shut down")
					}
				})
			}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, method, url, token string, body any, headers ...string) answer {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

// TestBackupRestoreRoundTrip backs up a database whose cluster has run far
// ahead of a new one, with a read model's checkpoint, a stored answer and
// an uploaded file, and restores it into a new embedded cluster: every
// event reads back in order, serve answers from the restored read models,
// a new event is delivered to them (before the fix its position sorted
// before the copied checkpoint and it never was), the stored answer and
// the checkpoint name the restored positions, a rebuild works, and the file
// comes back. The same backup restores into an empty external database.
func TestBackupRestoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", srcURL)
	t.Setenv("ECONF_DEMO_PASSWORD", "violet kettle ninety 42")
	srcPool := newPool(t, srcURL)
	burnXids(t, ctx, srcPool, 5000)
	src := t.TempDir()
	srcCmd := econfIn(t, src)
	for _, args := range [][]string{{"seed-demo"}, {"projections", "rebuild", "directory"}} {
		if out, err := srcCmd(args...); err != nil {
			t.Fatalf("econf %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	files, err := filestore.NewLocal(filepath.Join(src, "files"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	pdf := "%PDF-1.4\n% a signed form\n"
	stored, err := files.Put(ctx, filestore.SignedForm, "form.pdf", uuid.New(), strings.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	srcStore := pgstore.New(srcPool)
	srcIDs := eventIDs(t, srcStore)
	srcHead, err := srcStore.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var srcMaxTx uint64
	if err := srcPool.QueryRow(ctx, `SELECT max(tx_id::text::bigint) FROM events`).Scan(&srcMaxTx); err != nil {
		t.Fatal(err)
	}
	if _, err := srcPool.Exec(ctx, `INSERT INTO idempotency (actor_id, key, method, path, fingerprint, status, headers, body)
		VALUES ($1, 'retry-me', 'POST', '/api/v1/organisations', '\x00', 201, $2, '')`,
		uuid.New(), fmt.Sprintf(`{"X-Econf-Position": %q}`, srcHead)); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "econf.backup")
	if out, err := srcCmd("backup", backup); err != nil || !strings.Contains(out, fmt.Sprintf("backed up %d events and 2 uploaded files", len(srcIDs))) {
		t.Fatalf("econf backup: %v\n%s", err, out)
	}
	if out, err := srcCmd("backup", backup); err == nil {
		t.Errorf("a backup over an existing file: %s", out)
	}

	// Into a new embedded cluster.
	t.Setenv("DATABASE_URL", "")
	dst, err := os.MkdirTemp("", "econf-restore-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dst) })
	if err := os.Chmod(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	dstCmd := econfIn(t, dst)
	if out, err := dstCmd("restore", backup); err != nil || !strings.Contains(out, fmt.Sprintf("restored %d events and 2 uploaded files", len(srcIDs))) {
		t.Fatalf("econf restore: %v\n%s", err, out)
	}

	base, stop := serveIn(t, dst)
	var accounts []struct{ Role, Email, Password, OrgID string }
	b, err := os.ReadFile(filepath.Join(src, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &accounts); err != nil {
		t.Fatal(err)
	}
	var token, university string
	for _, a := range accounts {
		switch a.Role {
		case "platform_admin":
			res := call(t, "POST", base+"/api/v1/auth/login", "", map[string]string{"email": a.Email, "password": a.Password})
			var login struct{ Token string }
			if res.status != 200 || json.Unmarshal([]byte(res.body), &login) != nil {
				t.Fatalf("login after restore: %d %s", res.status, res.body)
			}
			token = login.Token
		case "school_admin":
			university = a.OrgID
		}
	}
	if res := call(t, "GET", base+"/api/v1/organisations", token, nil); res.status != 200 || !strings.Contains(res.body, university) {
		t.Fatalf("organisations after restore: %d %s", res.status, res.body)
	}
	created := call(t, "POST", base+"/api/v1/organisations", token,
		map[string]string{"kind": "unit", "nameZh": "物理学院", "nameEn": "School of Physics", "parentId": university}, "Idempotency-Key", "after-restore")
	pos := created.header.Get("X-Econf-Position")
	if created.status != 201 || pos == "" {
		t.Fatalf("create after restore: %d %s", created.status, created.body)
	}
	if res := call(t, "GET", base+"/api/v1/organisations", token, nil, "X-Econf-Min-Position", pos); res.status != 200 || !strings.Contains(res.body, "School of Physics") {
		t.Fatalf("the new organisation never reached the read model: %d %s", res.status, res.body)
	}
	defer stop()

	// Beside serve, on its cluster: a rebuild, and the database read directly.
	if out, err := dstCmd("projections", "rebuild", "directory"); err != nil || !strings.Contains(out, "rebuilt directory") {
		t.Fatalf("rebuild after restore: %v\n%s", err, out)
	}
	restoredFiles, err := filestore.NewLocal(filepath.Join(dst, "files"), time.Now)
	if err != nil {
		t.Fatal(err)
	}
	rc, _, err := restoredFiles.Open(ctx, stored.ID)
	if err != nil {
		t.Fatalf("uploaded file after restore: %v", err)
	}
	content, _ := io.ReadAll(rc)
	rc.Close()
	if string(content) != pdf {
		t.Fatalf("uploaded file after restore: %q", content)
	}

	e, err := open(ctx, &config{Data: dst, LogFormat: "text", LogLevel: "warn"}, (&config{LogFormat: "text", LogLevel: "warn"}).logger(io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	var next uint64
	if err := e.pool.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next >= srcMaxTx {
		t.Fatalf("setup: the new cluster is at transaction %d, past the backup's %d: nothing was foreign", next, srcMaxTx)
	}
	got := eventIDs(t, e.store)
	if len(got) != len(srcIDs)+1 {
		t.Fatalf("after restore $all has %d events; want the %d backed up and the new one", len(got), len(srcIDs))
	}
	for i, id := range srcIDs {
		if got[i] != id {
			t.Fatalf("event %d after restore is %s, was %s", i, got[i], id)
		}
	}
	head, err := e.raw.(*pgstore.Store).Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	events, err := e.store.ReadAll(ctx, eventstore.Start, len(srcIDs))
	if err != nil {
		t.Fatal(err)
	}
	var replayed string
	if err := e.pool.QueryRow(ctx, `SELECT headers->>'X-Econf-Position' FROM idempotency WHERE key = 'retry-me'`).Scan(&replayed); err != nil {
		t.Fatal(err)
	}
	if want := events[len(events)-1].Position.String(); replayed != want {
		t.Errorf("stored answer's position after restore: %s; want the backed-up head's new position %s", replayed, want)
	}
	var checkpoint eventstore.Position
	if err := e.pool.QueryRow(ctx, `SELECT checkpoint_commit, checkpoint_prepare FROM projection_state WHERE name = 'directory' AND status = 'active'`).
		Scan(&checkpoint.Commit, &checkpoint.Prepare); err != nil {
		t.Fatal(err)
	}
	if checkpoint != head {
		t.Errorf("directory checkpoint after rebuild: %s; want the head %s", checkpoint, head)
	}
	e.close()
	stop()

	// Into an empty external database; a second time into it is refused.
	t.Setenv("DATABASE_URL", pgtest.NewDatabaseURL(t, nil))
	ext := econfIn(t, t.TempDir())
	if out, err := ext("restore", backup); err != nil {
		t.Fatalf("econf restore into DATABASE_URL: %v\n%s", err, out)
	}
	if out, err := econfIn(t, t.TempDir())("restore", backup); err == nil || !strings.Contains(err.Error(), "already holds econf data") {
		t.Errorf("restore into a database in use: %v\n%s", err, out)
	}
	if out, err := ext("audit", "verify"); err != nil || !strings.Contains(out, fmt.Sprintf("%d events", len(srcIDs))) {
		t.Errorf("audit verify after restore: %v\n%s", err, out)
	}
}

// TestPlainDumpRestoreIsRefused copies a database into a new cluster with
// pg_dump and pg_restore by hand: its history is hidden from $all there,
// so every command refuses it and names econf restore, until
// econf restore --in-place renumbers it.
func TestPlainDumpRestoreIsRefused(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", srcURL)
	srcPool := newPool(t, srcURL)
	burnXids(t, ctx, srcPool, 5000)
	data := t.TempDir()
	cmd := econfIn(t, data)
	if out, err := cmd("migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	src := pgstore.New(srcPool)
	for i := range 5 {
		if _, err := src.Append(ctx, fmt.Sprintf("forecast-%d", i), 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	srcIDs := eventIDs(t, src)

	other, err := pgcluster.Start(ctx, pgcluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	if err := other.CreateDatabase(ctx, "copy", ""); err != nil {
		t.Fatal(err)
	}
	dump := filepath.Join(t.TempDir(), "plain.dump")
	pgDump, _ := pgcluster.Tool("pg_dump")
	pgRestore, _ := pgcluster.Tool("pg_restore")
	if err := runPGTool(ctx, pgDump, srcURL, io.Discard, "--format=custom", "--file="+dump); err != nil {
		t.Fatal(err)
	}
	copyURL := other.URL("copy")
	if err := runPGTool(ctx, pgRestore, copyURL, io.Discard, "--no-owner", "--exit-on-error", dump); err != nil {
		t.Fatal(err)
	}
	copyPool := newPool(t, copyURL)
	if got := eventIDs(t, pgstore.New(copyPool)); len(got) != 0 {
		t.Fatalf("setup: the plain copy shows %d of %d events; want its history hidden", len(got), len(srcIDs))
	}

	t.Setenv("DATABASE_URL", copyURL)
	for _, args := range [][]string{{"serve", "--addr", "127.0.0.1:0"}, {"migrate"}, {"projections", "status"}} {
		done := make(chan error, 1)
		go func() {
			_, err := cmd(args...)
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "another PostgreSQL cluster") || !strings.Contains(err.Error(), "econf restore") {
				t.Errorf("econf %s on a plain copy: %v; want a refusal naming econf restore", args[0], err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("econf %s on a plain copy did not refuse", args[0])
		}
	}

	if out, err := cmd("restore", "--in-place"); err == nil || !strings.Contains(err.Error(), "other sessions") {
		t.Fatalf("restore --in-place beside another session: %v\n%s", err, out)
	}
	copyPool.Close()
	if out, err := cmd("restore", "--in-place"); err != nil || !strings.Contains(out, "renumbered 5 events") {
		t.Fatalf("restore --in-place: %v\n%s", err, out)
	}
	copyStore := pgstore.New(newPool(t, copyURL))
	if out, err := cmd("migrate"); err != nil {
		t.Fatalf("migrate after restore --in-place: %v\n%s", err, out)
	}
	res, err := copyStore.Append(ctx, "forecast-new", 0, []eventstore.EventData{{ID: uuid.New(), Type: "E", Data: []byte(`{}`)}})
	if err != nil {
		t.Fatal(err)
	}
	got := eventIDs(t, copyStore)
	if len(got) != len(srcIDs)+1 {
		t.Fatalf("after restore --in-place $all has %d events; want %d and the new one", len(got), len(srcIDs))
	}
	for i, id := range srcIDs {
		if got[i] != id {
			t.Fatalf("event %d is %s, was %s", i, got[i], id)
		}
	}
	last, err := copyStore.ReadAll(ctx, eventstore.Start, 0)
	if err != nil || last[len(last)-1].Position != res.Position {
		t.Fatalf("the new event is not last in $all: %v", err)
	}
}

// TestRestoreRefusesWhatIsNotABackup: a file econf backup did not write,
// a damaged or hostile archive, or a target that already holds data is
// refused with a reason, before anything is created.
func TestRestoreRefusesWhatIsNotABackup(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	write := func(name string, entries ...[2]string) string {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			if err := tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o600, Size: int64(len(e[1])), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(e[1])); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"format":"econf-backup","version":1,"events":1,"files":0}`
	plain := filepath.Join(dir, "plain.dump")
	if err := os.WriteFile(plain, []byte("PGDMP\x01\x0f\x00 a pg_dump archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "no such file"},
		{"a plain pg_dump", plain, "not an econf backup"},
		{"no manifest first", write("nomanifest", [2]string{"database.dump", "PGDMP"}), "not an econf backup"},
		{"another format", write("other", [2]string{manifestName, `{"format":"zip"}`}), "not an econf backup"},
		{"a newer version", write("newer", [2]string{manifestName, `{"format":"econf-backup","version":99}`}), "newer econf"},
		{"no dump", write("nodump", [2]string{manifestName, good}), "no database.dump"},
		{"an entry outside", write("escape", [2]string{manifestName, good}, [2]string{"database.dump", "PGDMP"}, [2]string{"files/../../escaped", "x"}), "unexpected entry"},
		{"a damaged blob", write("damaged", [2]string{manifestName, `{"format":"econf-backup","version":1,"files":1}`}, [2]string{"database.dump", "PGDMP"},
			[2]string{"files/blobs/0000000000000000000000000000000000000000000000000000000000000000", "x"}), "damaged"},
	} {
		data := filepath.Join(t.TempDir(), "data")
		_, err := econfIn(t, data)("restore", c.file)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", c.name, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(data, "pg")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a database was created in %s", c.name, data)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "escaped")); err == nil {
		t.Error("an archive entry was written outside the data folder")
	}

	// A target that holds data already.
	backup := write("ok", [2]string{manifestName, good}, [2]string{"database.dump", "PGDMP"})
	used := t.TempDir()
	if err := os.MkdirAll(filepath.Join(used, "pg"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := econfIn(t, used)("restore", backup); err == nil || !strings.Contains(err.Error(), "already holds a database") {
		t.Errorf("restore into a data folder with a database: %v", err)
	}
	withFiles := t.TempDir()
	if err := os.MkdirAll(filepath.Join(withFiles, "files", "meta"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withFiles, "files", "meta", "x.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := econfIn(t, withFiles)("restore", backup); err == nil || !strings.Contains(err.Error(), "already holds uploaded files") {
		t.Errorf("restore into a data folder with files: %v", err)
	}
	var u usageError
	for _, args := range [][]string{{"restore"}, {"restore", backup, "--in-place"}, {"restore", backup, backup}, {"backup"}} {
		if _, err := econfIn(t, dir)(args...); !errors.As(err, &u) {
			t.Errorf("econf %s: %v; want a usage error", strings.Join(args, " "), err)
		}
	}
}
