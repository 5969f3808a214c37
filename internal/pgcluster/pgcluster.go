// Package pgcluster owns running a private PostgreSQL cluster from the
// machine's server binaries: finding them, initialising or reusing a data
// directory, starting postgres as a child process that dies with us, waiting
// until it accepts connections, and stopping it. The embedded server and the
// tests (through pgtest) share it.
//
// The cluster listens on 127.0.0.1 only (no Unix socket). Running as root,
// initdb and postgres run as the "postgres" user, which owns the data
// directory. A durable cluster uses scram-sha-256 with a generated superuser
// password kept in a 0600 file inside the data directory; a test cluster
// trusts every connection and runs with fsync off.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Superuser is the role initdb creates and URL connects as.
const Superuser = "postgres"

// PasswordFile is the name, inside the data directory, of the file holding
// a durable cluster's superuser password.
const PasswordFile = "econf-superuser.password"

// LogDir is the folder, inside the data directory, that holds one server
// log per start (postgres-<UTC time>.log) when Options.Log is nil. The
// server writes to its file directly, so the file keeps what it says after
// the process that started it has died; the newest KeepLogs files are kept.
const LogDir = "econf-log"

// KeepLogs is how many per-start server logs LogDir keeps.
const KeepLogs = 20

const (
	defaultStartTimeout = 60 * time.Second
	stopTimeout         = 30 * time.Second
	portAttempts        = 5
)

// Options configure Start.
type Options struct {
	// Dir is the data directory. If it already holds a cluster (PG_VERSION)
	// that cluster is reused; otherwise a new one is initialised there.
	// Empty means a new temporary directory, removed by Close.
	Dir string
	// Durable keeps PostgreSQL's crash safety and requires a password. When
	// false (tests), fsync, synchronous_commit and full_page_writes are off
	// and connections are trusted.
	Durable bool
	// Port is the TCP port on 127.0.0.1; 0 picks a free one.
	Port int
	// Log receives initdb's and the server's output. Nil writes it to a
	// new file in LogDir inside the data directory (see LogPath).
	Log io.Writer
	// StartTimeout bounds the wait for the server to accept connections;
	// zero means 60 seconds.
	StartTimeout time.Duration
	// Settings are extra server parameters, passed as "-c name=value".
	Settings map[string]string
}

// Cluster is a running PostgreSQL server.
type Cluster struct {
	dir      string
	binDir   string
	port     int
	password string
	tempDir  bool
	logFile  *os.File // the server's own log file, when Options.Log is nil
	logPath  string

	cmd     *exec.Cmd
	done    chan struct{} // closed when postgres has exited
	waitErr error         // set before done closes
	tail    *tailBuffer

	stopOnce sync.Once
	stopErr  error

	adminMu sync.Mutex
	admin   *pgx.Conn

	// attached is true when another process runs the server: Stop then
	// leaves it running.
	attached bool
}

// Attached reports whether the server belongs to another process.
func (c *Cluster) Attached() bool { return c.attached }

// LogPath is the file the server of this start writes its log to: empty
// when Options.Log was given, and the newest log in LogDir when the server
// belongs to another process.
func (c *Cluster) LogPath() string { return c.logPath }

// runAs is the account initdb and postgres run under; nil means ours.
type runAs struct {
	uid, gid uint32
}

// Start initialises (or reuses) the data directory, starts postgres and
// waits until it accepts connections. The server is stopped by Stop or
// Close, and by the kernel when this process dies.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	account, err := account()
	if err != nil {
		return nil, err
	}
	c := &Cluster{binDir: binDir}
	if opts.Dir == "" {
		dir, err := os.MkdirTemp("", "econf-pg-")
		if err != nil {
			return nil, fmt.Errorf("pgcluster: temporary data directory: %w", err)
		}
		c.dir, c.tempDir = dir, true
	} else if c.dir, err = filepath.Abs(opts.Dir); err != nil {
		return nil, fmt.Errorf("pgcluster: data directory: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			c.release()
		}
	}()
	if err := prepareDir(c.dir, account); err != nil {
		return nil, err
	}

	logw := opts.Log
	if logw == nil {
		// The file sits beside the cluster, so it is created after initdb
		// (which wants an empty directory); until then output is buffered.
		logw = &bytes.Buffer{}
	}
	if _, err := os.Stat(filepath.Join(c.dir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx, opts.Durable, account, logw); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("pgcluster: %w", err)
	}
	pw, err := os.ReadFile(filepath.Join(c.dir, PasswordFile))
	switch {
	case err == nil:
		c.password = strings.TrimSpace(string(pw))
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("pgcluster: %w", err)
	case opts.Durable:
		return nil, fmt.Errorf("pgcluster: %s holds a cluster but no %s: it was not made by a durable Start", c.dir, PasswordFile)
	}

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	deadline := time.Now().Add(timeout)
	for attempt := 1; ; {
		// Another process of ours (a running econf serve) already runs
		// this cluster: use it instead of starting a second postmaster. A
		// postmaster still starting or shutting down (its econf was just
		// killed) is waited for.
		if attached, err := c.settlePostmaster(ctx, deadline); err != nil {
			return nil, err
		} else if attached {
			c.logPath = newestLog(filepath.Join(c.dir, LogDir))
			ok = true
			return c, nil
		}
		if opts.Log == nil && c.logFile == nil {
			if err := c.openLog(account, logw.(*bytes.Buffer)); err != nil {
				return nil, err
			}
			logw = c.logFile
		}
		c.port = opts.Port
		if c.port == 0 {
			if c.port, err = freePort(); err != nil {
				return nil, err
			}
		}
		err = c.start(ctx, opts, account, logw, time.Until(deadline))
		switch {
		case err == nil:
			ok = true
			return c, nil
		case errors.Is(err, errLocked) && time.Now().Before(deadline):
			// The previous server's lock file or shared memory is still
			// there: it is on its way out, or another process started
			// one just now. Look again.
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return nil, err
			}
		case errors.Is(err, errPortInUse) && opts.Port == 0 && attempt < portAttempts:
			attempt++
		default:
			return nil, err
		}
	}
}

// openLog creates this start's server log in LogDir, writes buffered
// (initdb's) output to it and prunes the oldest logs beyond KeepLogs.
func (c *Cluster) openLog(as *runAs, buffered *bytes.Buffer) error {
	dir := filepath.Join(c.dir, LogDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: server log: %w", err)
	}
	if err := chown(dir, as); err != nil {
		return err
	}
	name := "postgres-" + time.Now().UTC().Format("20060102T150405.000Z") + ".log"
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pgcluster: server log: %w", err)
	}
	c.logFile, c.logPath = f, f.Name()
	if err := chown(f.Name(), as); err != nil {
		return err
	}
	if _, err := buffered.WriteTo(f); err != nil {
		return fmt.Errorf("pgcluster: server log: %w", err)
	}
	logs := serverLogs(dir)
	for len(logs) > KeepLogs {
		if logs[0] != name {
			_ = os.Remove(filepath.Join(dir, logs[0]))
		}
		logs = logs[1:]
	}
	return nil
}

// serverLogs lists the per-start logs in dir, oldest first.
func serverLogs(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, "postgres-") && strings.HasSuffix(n, ".log") {
			names = append(names, n)
		}
	}
	slices.Sort(names) // the names sort by time
	return names
}

func newestLog(dir string) string {
	if logs := serverLogs(dir); len(logs) > 0 {
		return filepath.Join(dir, logs[len(logs)-1])
	}
	return ""
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// FindBinDir locates the PostgreSQL server binaries: pg_config --bindir if
// pg_config is on PATH, else the newest /usr/lib/postgresql/*/bin, else the
// directory of initdb on PATH.
func FindBinDir() (string, error) {
	hasServer := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() {
				return false
			}
		}
		return true
	}
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); hasServer(dir) {
				return dir, nil
			}
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return majorOf(b) - majorOf(a) })
	for _, dir := range dirs {
		if hasServer(dir) {
			return dir, nil
		}
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if resolved, err := filepath.EvalSymlinks(initdb); err == nil {
			initdb = resolved
		}
		if dir := filepath.Dir(initdb); hasServer(dir) {
			return dir, nil
		}
	}
	return "", errors.New("pgcluster: no PostgreSQL server binaries found (looked for pg_config on PATH, /usr/lib/postgresql/*/bin, initdb on PATH); install the PostgreSQL server package or set DATABASE_URL")
}

// Tool is the path of one of PostgreSQL's client programs (pg_dump,
// pg_restore) beside the server binaries FindBinDir finds, so a backup is
// taken and restored by the same major version that runs the embedded
// cluster.
// Without server binaries (a container that talks to an external
// server) it is the one on PATH.
func Tool(name string) (string, error) {
	dir, err := FindBinDir()
	if err != nil {
		if path, lerr := exec.LookPath(name); lerr == nil {
			return path, nil
		}
		return "", fmt.Errorf("pgcluster: no %s: no server binaries, and none on PATH; install the PostgreSQL client package", name)
	}
	path := filepath.Join(dir, name)
	if fi, err := os.Stat(path); err != nil || fi.IsDir() {
		return "", fmt.Errorf("pgcluster: no %s beside the server binaries in %s; install the PostgreSQL client package of that version", name, dir)
	}
	return path, nil
}

// majorOf reads the version from /usr/lib/postgresql/<major>/bin.
func majorOf(binDir string) int {
	n, err := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	if err != nil {
		return -1
	}
	return n
}

// account is the postgres user when we are root, nil otherwise.
func account() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(Superuser)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root needs a %q user to run PostgreSQL as: %w", Superuser, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: uid of %q: %w", Superuser, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: gid of %q: %w", Superuser, err)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid)}, nil
}

// prepareDir creates the data directory and, when running as another
// account, hands it over and checks the account can reach it.
func prepareDir(dir string, as *runAs) error {
	var created []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("pgcluster: data directory: %w", err)
	}
	if as == nil {
		return nil
	}
	for _, d := range created {
		if d != dir {
			if err := os.Chmod(d, 0o755); err != nil {
				return fmt.Errorf("pgcluster: %w", err)
			}
		}
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if !traversable(fi, as) {
			return fmt.Errorf("pgcluster: the %s user cannot reach %s: %s is not searchable by it (chmod o+x, or choose another data directory)", Superuser, dir, d)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == as.uid {
		return nil
	}
	// A new directory, or one left by a run under another account.
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return chown(path, as)
	})
}

func traversable(fi fs.FileInfo, as *runAs) bool {
	perm := fi.Mode().Perm()
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return true
	case st.Uid == as.uid:
		return perm&0o100 != 0
	case st.Gid == as.gid:
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

func chown(path string, as *runAs) error {
	if as == nil {
		return nil
	}
	if err := os.Lchown(path, int(as.uid), int(as.gid)); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// initdb creates a new cluster in c.dir.
func (c *Cluster) initdb(ctx context.Context, durable bool, as *runAs, logw io.Writer) error {
	args := []string{"-D", c.dir, "--locale=C.UTF-8", "--encoding=UTF8", "-U", Superuser}
	var password string
	if durable {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return fmt.Errorf("pgcluster: password: %w", err)
		}
		password = hex.EncodeToString(b)
		pwfile, err := os.CreateTemp("", "econf-pwfile-")
		if err != nil {
			return fmt.Errorf("pgcluster: password file: %w", err)
		}
		defer os.Remove(pwfile.Name())
		_, err = pwfile.WriteString(password + "\n")
		if cerr := pwfile.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("pgcluster: password file: %w", err)
		}
		if err := chown(pwfile.Name(), as); err != nil {
			return err
		}
		args = append(args, "--auth=scram-sha-256", "--pwfile="+pwfile.Name())
	} else {
		args = append(args, "--auth=trust", "--no-sync")
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "initdb"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.Stdout = io.MultiWriter(logw, &out)
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = sysProcAttr(as, false)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgcluster: initdb %s: %w\n%s", c.dir, err, lastLines(out.String(), 20))
	}
	if durable {
		path := filepath.Join(c.dir, PasswordFile)
		if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
			return fmt.Errorf("pgcluster: password file: %w", err)
		}
		if err := chown(path, as); err != nil {
			return err
		}
	}
	return nil
}

// childEnv is our environment without the libpq variables that would
// redirect initdb or postgres.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "PG") })
}

// settlePostmaster looks at the postmaster.pid in c.dir until it can
// either attach to the server it names (true, c.port set) or start one:
//   - no file, or its process is gone: postgres itself treats the file as
//     stale (and checks that no old backend still holds the shared memory);
//   - its process id now belongs to something else (ids are reused after a
//     reboot or in a new container) or to a dead, unreaped postmaster: the
//     file is removed, as postgres would refuse to start beside a live id;
//   - a postmaster of this directory that accepts connections: attach;
//   - one that does not (it is starting, or shutting down because the
//     process that ran it was killed): wait until it does or is gone.
func (c *Cluster) settlePostmaster(ctx context.Context, deadline time.Time) (bool, error) {
	path := filepath.Join(c.dir, "postmaster.pid")
	for {
		pid, port, err := readPIDFile(path)
		if err != nil {
			return false, nil // none, or postgres will say why it cannot read it
		}
		switch postmasterState(pid, c.dir) {
		case pmGone:
			return false, nil
		case pmStale:
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return false, fmt.Errorf("pgcluster: stale %s: %w", path, err)
			}
			return false, nil
		}
		if port > 0 {
			c.port = port
			if err := c.ping(ctx); err == nil {
				c.attached = true
				return true, nil
			}
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("pgcluster: the postmaster of %s (pid %d) neither accepts connections nor exits; stop it, or see its log in %s",
				c.dir, pid, filepath.Join(c.dir, LogDir))
		}
		if err := sleepCtx(ctx, 25*time.Millisecond); err != nil {
			return false, err
		}
	}
}

// readPIDFile reads the process id and, once the server has written it,
// the port from a postmaster.pid.
func readPIDFile(path string) (pid, port int, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	lines := strings.Split(string(b), "\n")
	pid, err = strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return 0, 0, fmt.Errorf("pgcluster: %s names no process", path)
	}
	if len(lines) > 3 {
		port, _ = strconv.Atoi(strings.TrimSpace(lines[3]))
	}
	return pid, port, nil
}

// pmState is what a postmaster.pid's process id stands for now.
type pmState int

const (
	pmGone  pmState = iota // no such process
	pmStale                // another program, or an exited postmaster not yet reaped
	pmLive                 // a postgres process working in the data directory
)

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgcluster: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var (
	errPortInUse = errors.New("port in use")
	errLocked    = errors.New("the data directory is still locked by an earlier server")
)

// start runs postgres and waits for it to accept connections.
func (c *Cluster) start(ctx context.Context, opts Options, as *runAs, logw io.Writer, timeout time.Duration) error {
	settings := map[string]string{
		"listen_addresses":        "127.0.0.1",
		"port":                    strconv.Itoa(c.port),
		"unix_socket_directories": "",
	}
	if !opts.Durable {
		settings["fsync"] = "off"
		settings["synchronous_commit"] = "off"
		settings["full_page_writes"] = "off"
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	args := []string{"-D", c.dir}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		args = append(args, "-c", k+"="+settings[k])
	}

	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	if c.logFile != nil && logw == io.Writer(c.logFile) {
		// The server writes to the file itself, so its last words (a
		// shutdown after we were killed) are kept too.
		c.tail = &tailBuffer{max: 16 << 10, file: c.logFile}
		if fi, err := c.logFile.Stat(); err == nil {
			c.tail.from = fi.Size()
		}
		cmd.Stdout = c.logFile
	} else {
		c.tail = &tailBuffer{max: 16 << 10}
		cmd.Stdout = io.MultiWriter(logw, c.tail)
	}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = sysProcAttr(as, true)
	c.cmd = cmd
	c.done = make(chan struct{})

	// The parent-death signal fires when the thread that forked postgres
	// exits, so fork from a locked thread that lives until postgres does.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		c.waitErr = cmd.Wait()
		close(c.done)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("pgcluster: start postgres: %w", err)
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := c.ping(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-c.done:
			log := c.tail.String()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("pgcluster: postgres on port %d: %w", c.port, errPortInUse)
			}
			if strings.Contains(log, `lock file "postmaster.pid" already exists`) || strings.Contains(log, "pre-existing shared memory block") {
				return fmt.Errorf("pgcluster: postgres exited during start (%v): %w; log:\n%s", c.waitErr, errLocked, lastLines(log, 30))
			}
			return fmt.Errorf("pgcluster: postgres exited during start (%v); log:\n%s", c.waitErr, lastLines(log, 30))
		case <-ctx.Done():
			c.kill()
			return fmt.Errorf("pgcluster: postgres did not accept connections within %s (%w: last error %v); log:\n%s",
				timeout, ctx.Err(), err, lastLines(c.tail.String(), 30))
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// kill ends postgres and its backends at once and waits for it.
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	// postgres leads its own process group (Setpgid): end it all.
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	<-c.done
}

// Dir is the data directory.
func (c *Cluster) Dir() string { return c.dir }

// Port is the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// URL is a connection URL for database dbname as the superuser.
func (c *Cluster) URL(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(Superuser),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	if c.password != "" {
		u.User = url.UserPassword(Superuser, c.password)
	}
	return u.String()
}

// CreateDatabase creates database name as a copy of template (empty: the
// server's default, template1).
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := c.adminExec(ctx, sql); err != nil {
		return fmt.Errorf("pgcluster: create database %s: %w", name, err)
	}
	return nil
}

// DropDatabase drops database name if it exists, ending its sessions.
func (c *Cluster) DropDatabase(ctx context.Context, name string) error {
	if err := c.adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgcluster: drop database %s: %w", name, err)
	}
	return nil
}

func (c *Cluster) adminExec(ctx context.Context, sql string) error {
	c.adminMu.Lock()
	defer c.adminMu.Unlock()
	if c.admin == nil || c.admin.IsClosed() {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			return err
		}
		c.admin = conn
	}
	_, err := c.admin.Exec(ctx, sql)
	return err
}

// Stop shuts the server down fast (SIGINT: sessions are ended, the data
// is consistent on disk) and waits for it; when ctx ends or 30 seconds
// pass first, it kills the server. Stopping twice is a no-op.
func (c *Cluster) Stop(ctx context.Context) error {
	c.stopOnce.Do(func() { c.stopErr = c.stop(ctx) })
	return c.stopErr
}

func (c *Cluster) stop(ctx context.Context) error {
	c.adminMu.Lock()
	if c.admin != nil {
		closeCtx, cancel := context.WithTimeout(ctx, time.Second)
		_ = c.admin.Close(closeCtx)
		cancel()
		c.admin = nil
	}
	c.adminMu.Unlock()
	if c.cmd == nil || c.cmd.Process == nil {
		return nil
	}
	select {
	case <-c.done:
		return nil
	default:
	}
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		c.kill()
		return fmt.Errorf("pgcluster: signal postgres: %w", err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
	case <-timer.C:
	}
	c.kill()
	return fmt.Errorf("pgcluster: postgres did not shut down in time and was killed; log:\n%s", lastLines(c.tail.String(), 20))
}

// Close stops the server and, when Start made the data directory itself,
// removes it.
func (c *Cluster) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	err := c.Stop(ctx)
	if rerr := c.release(); err == nil {
		err = rerr
	}
	return err
}

// release closes the log file and removes a temporary data directory.
func (c *Cluster) release() error {
	var errs []error
	if c.logFile != nil {
		errs = append(errs, c.logFile.Close())
		c.logFile = nil
	}
	if c.tempDir {
		c.kill()
		errs = append(errs, os.RemoveAll(c.dir))
		c.tempDir = false
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it, or, with file set,
// reads the last max bytes the server wrote to that file after offset from.
type tailBuffer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	file *os.File
	from int64
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.file != nil {
		fi, err := t.file.Stat()
		if err != nil {
			return err.Error()
		}
		from := max(t.from, fi.Size()-int64(t.max))
		b := make([]byte, fi.Size()-from)
		n, _ := t.file.ReadAt(b, from)
		return string(b[:n])
	}
	return string(t.buf)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
