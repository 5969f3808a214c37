package pgcluster

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestFindBinDir(t *testing.T) {
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"initdb", "postgres"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestTemporaryCluster(t *testing.T) {
	ctx := context.Background()
	start := time.Now()
	c, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %s on port %d", time.Since(start), c.Port())
	dir := c.Dir()

	conn := connect(t, c.URL("postgres"))
	var fsync, locale, encoding, sockets, listen string
	if err := conn.QueryRow(ctx, `SELECT current_setting('fsync'), current_setting('lc_collate'), current_setting('server_encoding'),
		current_setting('unix_socket_directories'), current_setting('listen_addresses')`).Scan(&fsync, &locale, &encoding, &sockets, &listen); err != nil {
		t.Fatal(err)
	}
	if fsync != "off" || locale != "C.UTF-8" || encoding != "UTF8" || sockets != "" || listen != "127.0.0.1" {
		t.Errorf("settings: fsync=%s lc_collate=%s encoding=%s sockets=%q listen=%s", fsync, locale, encoding, sockets, listen)
	}
	conn.Close(ctx)

	if err := c.CreateDatabase(ctx, "copy", "template0"); err != nil {
		t.Fatal(err)
	}
	conn = connect(t, c.URL("copy"))
	if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
		t.Fatal(err)
	}
	// An open session does not keep the database from being dropped.
	if err := c.DropDatabase(ctx, "copy"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreateDatabase(ctx, "copy", "nonexistent"); err == nil {
		t.Error("CreateDatabase from a missing template succeeded")
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary data directory left behind: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestDurableClusterRestarts(t *testing.T) {
	ctx := context.Background()
	parent := searchableTempDir(t)
	dir := filepath.Join(parent, "new", "data")
	c, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })

	fi, err := os.Stat(filepath.Join(dir, PasswordFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v", fi.Mode().Perm())
	}
	if fi, err := os.Stat(filepath.Join(parent, "new")); err != nil || (os.Geteuid() == 0 && fi.Mode().Perm() != 0o755) {
		t.Errorf("created parent: %v %v", fi.Mode(), err)
	}

	conn := connect(t, c.URL("postgres"))
	var fsync, method string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('password_encryption')").Scan(&fsync, &method); err != nil {
		t.Fatal(err)
	}
	if fsync != "on" || method != "scram-sha-256" {
		t.Errorf("fsync=%s password_encryption=%s", fsync, method)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)

	// Without the password the server refuses.
	wrong := strings.Replace(c.URL("postgres"), c.password, "wrong", 1)
	if conn, err := pgx.Connect(ctx, wrong); err == nil {
		conn.Close(ctx)
		t.Error("connected with a wrong password")
	}

	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A restart reuses the cluster and its password.
	c2, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	assertKept(t, c2)

	// A crash leaves postmaster.pid behind; a restart must still work.
	if err := syscall.Kill(-c2.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c2.done
	if _, err := os.Stat(filepath.Join(dir, "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after the crash: %v", err)
	}
	c3, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c3.Close() })
	assertKept(t, c3)
	if err := c3.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// A stale postmaster.pid whose id now belongs to an unrelated live
	// process (ids are reused across reboots) must not block it either.
	sleeper := exec.Command("sleep", "60")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	pidFile := filepath.Join(dir, "postmaster.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(sleeper.Process.Pid)+"\n"+dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c4, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c4.Close() })
	assertKept(t, c4)
}

// TestServerDiesWithUs: postgres ends when the process that started it is
// killed without a chance to stop it.
func TestServerDiesWithUs(t *testing.T) {
	if dir := os.Getenv("PGCLUSTER_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{Dir: dir})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("pid", c.cmd.Process.Pid)
		// Keep other goroutines busy so the starting thread is not the
		// only one: the parent-death signal must follow that thread.
		go func() {
			for {
				runtime.Gosched()
			}
		}()
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	dir := filepath.Join(searchableTempDir(t), "data")
	helper := exec.Command(os.Args[0], "-test.run=^TestServerDiesWithUs$")
	helper.Env = append(os.Environ(), "PGCLUSTER_HELPER_DIR="+dir)
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	defer helper.Wait()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid ") {
		helper.Process.Kill()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatal("postgres outlived the process that started it")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStartFailureShowsLog(t *testing.T) {
	_, err := Start(context.Background(), Options{Settings: map[string]string{"shared_buffers": "nonsense"}})
	if err == nil {
		t.Fatal("started with an invalid setting")
	}
	if !strings.Contains(err.Error(), "shared_buffers") {
		t.Errorf("error does not show the server log: %v", err)
	}
}

// searchableTempDir is t.TempDir opened to the postgres user: t.TempDir
// makes 0700 directories, and Start opens only those it creates itself.
func searchableTempDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		for d := dir; d != filepath.Clean(os.TempDir()); d = filepath.Dir(d) {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func assertKept(t *testing.T, c *Cluster) {
	t.Helper()
	conn := connect(t, c.URL("postgres"))
	defer conn.Close(context.Background())
	var x int
	if err := conn.QueryRow(context.Background(), "SELECT x FROM kept").Scan(&x); err != nil || x != 42 {
		t.Fatalf("data after restart: %d, %v", x, err)
	}
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestDataFolderUntraversable: as root, a data folder the postgres user
// cannot traverse (a clone in root's home, a mktemp -d folder) gets its
// cluster in Home with <data>/pg linking to it; the cluster is found again
// through the link, and one left by a deleted data folder of the same path
// is moved aside rather than reused. Each start writes its own log, kept
// after the server stops.
func TestDataFolderUntraversable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root runs the server as another user")
	}
	ctx := context.Background()
	home := filepath.Join(searchableTempDir(t), "var-lib-econf")
	old, oldAfter := Home, PruneAfter
	Home, PruneAfter = home, 0 // the moved-aside cluster ran just now
	t.Cleanup(func() { Home, PruneAfter = old, oldAfter })

	private := t.TempDir() // 0700, owned by root
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(private, "clone", "data")
	// A run before this fix left an empty <data>/pg behind.
	if err := os.MkdirAll(filepath.Join(data, "pg"), 0o700); err != nil {
		t.Fatal(err)
	}
	dir, err := Place(data)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != home {
		t.Fatalf("Place chose %s; want a folder in %s", dir, home)
	}
	if target, err := os.Readlink(filepath.Join(data, "pg")); err != nil || target != dir {
		t.Fatalf("<data>/pg links to %q (%v); want %s", target, err, dir)
	}
	c, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	conn := connect(t, c.URL("postgres"))
	if _, err := conn.Exec(ctx, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	firstLog := c.LogPath()
	if filepath.Dir(firstLog) != filepath.Join(dir, LogDir) {
		t.Errorf("LogPath %q; want a file in %s", firstLog, filepath.Join(dir, LogDir))
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(data, "pg", LogDir, filepath.Base(firstLog))); err != nil || !strings.Contains(string(b), "database system is shut down") {
		t.Errorf("the first start's log, read through <data>/pg, lacks the shutdown (%v):\n%s", err, b)
	}

	// Found again through the link.
	if again, err := Place(data); err != nil || again != dir {
		t.Fatalf("second Place: %s, %v; want %s", again, err, dir)
	}
	c2, err := Start(ctx, Options{Dir: dir, Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	assertKept(t, c2)
	if c2.LogPath() == firstLog || c2.LogPath() == "" {
		t.Errorf("second start logs to %q; want a new file beside %s", c2.LogPath(), firstLog)
	}
	if err := c2.Stop(ctx); err != nil {
		t.Fatal(err)
	}

	// The data folder is deleted and made again at the same path: a fresh
	// cluster, the old one moved aside.
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	fresh, err := Place(data)
	if err != nil || fresh != dir {
		t.Fatalf("Place after the data folder was deleted: %s, %v", fresh, err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the orphaned cluster is still at %s: %v", dir, err)
	}
	orphans, _ := filepath.Glob(dir + ".orphan-*")
	if len(orphans) != 1 {
		t.Fatalf("orphans moved aside: %v", orphans)
	}
	// The cluster moved aside (its server stopped) is pruned; the fresh
	// one, linked from the data folder, stays with its record.
	p, err := PruneHome()
	if err != nil || len(p.Removed) != 1 || p.Removed[0].Dir != orphans[0] || p.Removed[0].Size == 0 {
		t.Fatalf("PruneHome: %+v, %v; want %s removed", p, err, orphans[0])
	}
	if owners, err := readOwners(fresh + ownerSuffix); err != nil || !slices.Equal(owners, []string{data}) {
		t.Errorf("the fresh cluster's owners: %q, %v", owners, err)
	}
}

// TestServerLogsArePruned: each start writes its own log; only the newest
// KeepLogs stay.
func TestServerLogsArePruned(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(searchableTempDir(t), "data")
	c, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	logs := filepath.Join(dir, LogDir)
	for i := range KeepLogs + 3 {
		name := filepath.Join(logs, fmt.Sprintf("postgres-20000101T0000%02d.000Z.log", i))
		if err := os.WriteFile(name, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c2, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	names := serverLogs(logs)
	if len(names) != KeepLogs || filepath.Join(logs, names[len(names)-1]) != c2.LogPath() {
		t.Errorf("logs after a start: %v (this start's: %s)", names, c2.LogPath())
	}
}
