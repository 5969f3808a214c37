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

// LogFile is the name, inside the data directory, of the server log written
// when Options.Log is nil.
const LogFile = "postgres.log"

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
	// Log receives initdb's and the server's output. Nil appends it to
	// LogFile in the data directory.
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
	logFile  *os.File

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

// livePostmaster reads the port of the postmaster running dir, if one is.
func livePostmaster(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil || pid <= 0 {
		return 0, false
	}
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return 0, false
	}
	if real, err := filepath.EvalSymlinks(dir); cwd != dir && (err != nil || cwd != real) {
		return 0, false
	}
	port, err := strconv.Atoi(strings.TrimSpace(lines[3]))
	return port, err == nil && port > 0
}

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
	if opts.Log == nil {
		f, err := os.OpenFile(filepath.Join(c.dir, LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("pgcluster: server log: %w", err)
		}
		c.logFile = f
		if err := chown(f.Name(), account); err != nil {
			return nil, err
		}
		if _, err := logw.(*bytes.Buffer).WriteTo(f); err != nil {
			return nil, fmt.Errorf("pgcluster: server log: %w", err)
		}
		logw = f
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
	if err := clearForeignPID(c.dir); err != nil {
		return nil, err
	}
	// Another process of ours (a running econf serve) already runs this
	// cluster: use it instead of failing to start a second postmaster.
	if port, live := livePostmaster(c.dir); live {
		c.port, c.attached = port, true
		if err := c.ping(ctx); err == nil {
			ok = true
			return c, nil
		}
		c.port, c.attached = 0, false
	}

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	for attempt := 1; ; attempt++ {
		c.port = opts.Port
		if c.port == 0 {
			if c.port, err = freePort(); err != nil {
				return nil, err
			}
		}
		err = c.start(ctx, opts, account, logw, timeout)
		if err == nil {
			break
		}
		if opts.Port != 0 || attempt == portAttempts || !errors.Is(err, errPortInUse) {
			return nil, err
		}
	}
	ok = true
	return c, nil
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

// clearForeignPID removes a postmaster.pid whose process id now belongs to
// an unrelated live process (ids are reused after a reboot or in a new
// container). A dead id is left for postgres, which treats the file as
// stale itself; so is a live postmaster of this directory, which postgres
// refuses to start beside.
func clearForeignPID(dir string) error {
	path := filepath.Join(dir, "postmaster.pid")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil // none, or postgres will say why it cannot read it
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return nil
	}
	cwd, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/cwd")
	if err != nil {
		return nil // gone (postgres handles it) or not ours to inspect
	}
	if cwd == dir {
		return nil
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil && cwd == real {
		return nil
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("pgcluster: stale %s: %w", path, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgcluster: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

var errPortInUse = errors.New("port in use")

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

	c.tail = &tailBuffer{max: 16 << 10}
	cmd := exec.Command(filepath.Join(c.binDir, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv()
	cmd.Stdout = io.MultiWriter(logw, c.tail)
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

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
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
	return string(t.buf)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
