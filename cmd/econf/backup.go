package main

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/pgcluster"
)

// A backup is a tar archive: first manifestName (what it is, from where,
// how many events), then dumpName (pg_dump's custom format of the whole
// database: events, read models, accounts, stored answers), then the
// uploaded files under files/ (blobs/<sha256> and meta/<id>.json).
const (
	backupFormat   = "econf-backup"
	backupVersion  = 1
	manifestName   = "econf-backup.json"
	dumpName       = "database.dump"
	filesPrefix    = "files/"
	partialSuffix  = ".partial"
	fileStoreDir   = "files"
	backupFileMode = 0o600
)

// manifest identifies an econf backup and describes what it holds.
type manifest struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	StoreID   string    `json:"storeId"`
	Events    int64     `json:"events"`         // in the dump, counted in its snapshot
	Files     int       `json:"files"`          // entries under files/
	Server    string    `json:"postgresServer"` // server_version of the source
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlags("backup", args, stderr, false)
	if err != nil {
		return err
	}
	if len(cfg.args) != 1 {
		return usageError("usage: econf backup FILE\n\nwrites the database and the uploaded files into the archive FILE (a new file)")
	}
	out := cfg.args[0]
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("backup: %s exists; name a new file", out)
	}
	if err := onlyPostgres(cfg); err != nil {
		return err
	}
	pgDump, err := pgcluster.Tool("pg_dump")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	log := cfg.logger(stderr)
	e, err := open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer e.close()

	dir := filepath.Dir(out)
	dump, err := os.CreateTemp(dir, ".econf-backup-dump-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	dump.Close()
	defer os.Remove(dump.Name())

	// The dump runs in a snapshot exported by a transaction that first
	// counts the events in it, so the manifest says exactly what the dump
	// holds. The uploaded files are copied after the dump: every file an
	// event in it refers to was stored before its event was written.
	m := manifest{Format: backupFormat, Version: backupVersion, CreatedAt: time.Now().UTC()}
	err = pgx.BeginTxFunc(ctx, e.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var snapshot string
		if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot(), (SELECT count(*) FROM events), current_setting('server_version')`).
			Scan(&snapshot, &m.Events, &m.Server); err != nil {
			return err
		}
		id, err := pgstore.StoreID(ctx, tx)
		if err != nil {
			return err
		}
		m.StoreID = id.String()
		return runPGTool(ctx, pgDump, e.pool.Config().ConnString(), stderr,
			"--format=custom", "--no-owner", "--no-privileges", "--snapshot="+snapshot, "--file="+dump.Name())
	})
	if err != nil {
		return fmt.Errorf("backup: dump the database: %w", err)
	}

	files, err := listFiles(filepath.Join(cfg.Data, fileStoreDir))
	if err != nil {
		return fmt.Errorf("backup: uploaded files: %w", err)
	}
	m.Files = len(files)
	// The master key made beside the database (no ECONF_MASTER_KEY(_FILE))
	// goes with it, or the restored personal data could not be read; a
	// configured one stays where the operator keeps it.
	keyFile := ""
	if os.Getenv("ECONF_MASTER_KEY") == "" && os.Getenv("ECONF_MASTER_KEY_FILE") == "" {
		if _, err := os.Stat(filepath.Join(cfg.Data, masterKeyFile)); err == nil {
			keyFile = filepath.Join(cfg.Data, masterKeyFile)
		}
	}
	if err := writeBackup(out, m, dump.Name(), filepath.Join(cfg.Data, fileStoreDir), files, keyFile); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backed up %d events and %d uploaded files to %s\n", m.Events, m.Files, out)
	return nil
}

// onlyPostgres refuses a backup or restore while events live in
// EventStoreDB, whose log econf does not hold.
func onlyPostgres(cfg *config) error {
	if cfg.EventStoreURL != "" && !strings.HasPrefix(cfg.EventStoreURL, "postgres") {
		return errors.New("the events are in EventStoreDB (EVENTSTORE_URL): back that up with its own tools; econf backup and restore cover events kept in PostgreSQL")
	}
	return nil
}

// listFiles lists the file store's blobs and descriptions, relative to
// dir (its temporary uploads are no part of it). A missing dir has none.
func listFiles(dir string) ([]string, error) {
	var out []string
	for _, sub := range []string{"blobs", "meta"} {
		err := filepath.WalkDir(filepath.Join(dir, sub), func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == filepath.Join(dir, sub) {
				return filepath.SkipDir
			}
			if err != nil || d.IsDir() {
				return err
			}
			if !d.Type().IsRegular() {
				return fmt.Errorf("%s is not a regular file", p)
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			out = append(out, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeBackup writes the archive beside out and renames it into place
// once complete, so out is never a partial backup.
func writeBackup(out string, m manifest, dump, filesDir string, files []string, keyFile string) error {
	partial := out + partialSuffix
	f, err := os.OpenFile(partial, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, backupFileMode)
	if err != nil {
		return err
	}
	defer os.Remove(partial) // gone once renamed
	defer f.Close()
	tw := tar.NewWriter(f)
	mb, _ := json.MarshalIndent(m, "", "  ") // plain struct
	if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: backupFileMode, Size: int64(len(mb)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := tw.Write(mb); err != nil {
		return err
	}
	if err := addFile(tw, dumpName, dump); err != nil {
		return err
	}
	for _, rel := range files {
		if err := addFile(tw, filesPrefix+rel, filepath.Join(filesDir, filepath.FromSlash(rel))); err != nil {
			return err
		}
	}
	if keyFile != "" {
		if err := addFile(tw, masterKeyFile, keyFile); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(partial, out)
}

func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: backupFileMode, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	if _, err := io.Copy(tw, f); err != nil {
		return fmt.Errorf("%s: %w", src, err)
	}
	return nil
}

// runPGTool runs pg_dump or pg_restore against the database at connString.
// A password in a URL goes to the child in PGPASSWORD rather than on its
// command line, and pgx's own parameters are left out.
func runPGTool(ctx context.Context, tool, connString string, stderr io.Writer, args ...string) error {
	env := os.Environ()
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(k, "pool_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
		connString = u.String()
	}
	var out strings.Builder
	cmd := exec.CommandContext(ctx, tool, append(args, "--dbname="+connString)...)
	cmd.Env = env
	cmd.Stdout = stderr
	cmd.Stderr = io.MultiWriter(stderr, &out)
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(out.String())
		if i := strings.LastIndex(msg, "\n"); len(msg) > 2000 && i >= 0 {
			msg = "…" + msg[len(msg)-2000:]
		}
		return fmt.Errorf("%s: %w\n%s", path.Base(tool), err, msg)
	}
	return nil
}
