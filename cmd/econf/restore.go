package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/projections"
)

const restoreUsage = `usage: econf restore FILE
       econf restore --in-place

FILE is a backup made by econf backup. It is restored into a new embedded
cluster under the data folder, or with DATABASE_URL into that database,
which must be empty; the uploaded files go to the data folder. The events
are renumbered for the cluster they are in now, and every stored position
(read-model checkpoints, stored answers) moves with them.

--in-place renumbers the database econf is configured for where it is: for
a database moved into this cluster by other means (pg_dump and pg_restore
by hand), which econf refuses to serve until then. Stop econf serve first.`

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var inPlace bool
	cfg, _, err := parseFlagsWith("restore", args, stderr, func(fs flagSet) {
		fs.BoolVar(&inPlace, "in-place", false, "renumber the configured database where it is instead of restoring a backup")
	})
	if err != nil {
		return err
	}
	if inPlace != (len(cfg.args) == 0) || len(cfg.args) > 1 {
		return usageError(restoreUsage)
	}
	if err := onlyPostgres(cfg); err != nil {
		return err
	}
	log := cfg.logger(stderr)
	if inPlace {
		e, err := connect(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer e.close()
		if err := alone(ctx, e); err != nil {
			return err
		}
		return adoptHere(ctx, e, stdout, -1)
	}
	return restoreBackup(ctx, cfg, cfg.args[0], stdout, stderr)
}

// errNotBackup: the file is not an archive econf backup wrote.
var errNotBackup = errors.New("not an econf backup")

// openBackup opens the archive and reads its manifest, which must come
// first. A gzip-compressed archive is read as well.
func openBackup(name string) (*tar.Reader, manifest, func(), error) {
	var m manifest
	f, err := os.Open(name)
	if err != nil {
		return nil, m, nil, err
	}
	closer := func() { f.Close() }
	var r io.Reader = bufio.NewReader(f)
	if head, err := r.(*bufio.Reader).Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(r)
		if err != nil {
			closer()
			return nil, m, nil, fmt.Errorf("%s: %w: %v", name, errNotBackup, err)
		}
		r = z
	}
	tr := tar.NewReader(r)
	h, err := tr.Next()
	if err != nil || h.Name != manifestName {
		closer()
		return nil, m, nil, fmt.Errorf("%s: %w (it does not begin with %s; make one with econf backup FILE)", name, errNotBackup, manifestName)
	}
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&m); err != nil || m.Format != backupFormat {
		closer()
		return nil, m, nil, fmt.Errorf("%s: %w (its %s does not name the format %q)", name, errNotBackup, manifestName, backupFormat)
	}
	if m.Version < 1 || m.Version > backupVersion {
		closer()
		return nil, m, nil, fmt.Errorf("%s: an econf backup of format version %d; this econf reads version %d: restore it with a newer econf", name, m.Version, backupVersion)
	}
	return tr, m, closer, nil
}

// restoreBackup restores the archive into an empty target. Nothing of the
// target changes until the archive is known to be a backup, and a failure
// removes what the restore made (a new embedded cluster, the files).
func restoreBackup(ctx context.Context, cfg *config, name string, stdout, stderr io.Writer) error {
	tr, m, closeArchive, err := openBackup(name)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer closeArchive()
	pgRestore, err := pgcluster.Tool("pg_restore")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	filesDir := filepath.Join(cfg.Data, fileStoreDir)
	if files, err := listFiles(filesDir); err != nil {
		return fmt.Errorf("restore: %w", err)
	} else if len(files) > 0 {
		return fmt.Errorf("restore: %s already holds uploaded files; restore into a new data folder (--data or ECONF_DATA)", filesDir)
	}
	pgDir := filepath.Join(cfg.Data, "pg")
	newCluster := false
	if cfg.DatabaseURL == "" {
		if _, err := os.Lstat(pgDir); err == nil {
			return fmt.Errorf("restore: %s already holds a database; restore into a new data folder (--data or ECONF_DATA), or move it away first", pgDir)
		}
		newCluster = true
	}
	if err := os.MkdirAll(cfg.Data, 0o755); err != nil {
		return fmt.Errorf("restore: data folder: %w", err)
	}

	// Unpack: the dump to a temporary file, the files beside their place.
	staging := filesDir + ".restoring"
	if err := os.RemoveAll(staging); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(staging) // gone once renamed
	dump, err := os.CreateTemp(cfg.Data, ".econf-restore-dump-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(dump.Name())
	var key []byte
	sawDump, files, err := unpack(tr, dump, staging, &key)
	if cerr := dump.Close(); err == nil {
		err = cerr
	}
	if err == nil && !sawDump {
		err = fmt.Errorf("%w: it holds no %s", errNotBackup, dumpName)
	}
	if err == nil && files != m.Files {
		err = fmt.Errorf("%w: it holds %d uploaded files, its manifest says %d", errNotBackup, files, m.Files)
	}
	if err != nil {
		return fmt.Errorf("restore: %s: %w", name, err)
	}
	if key != nil {
		if err := restoreMasterKey(filepath.Join(cfg.Data, masterKeyFile), key); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}

	log := cfg.logger(stderr)
	e, err := connect(ctx, cfg, log)
	if err != nil {
		if newCluster {
			removeCluster(pgDir)
		}
		return err
	}
	ok := false
	defer func() {
		e.close()
		if !ok && newCluster {
			removeCluster(pgDir)
		}
	}()
	var empty bool
	if err := e.pool.QueryRow(ctx, `SELECT to_regclass('events') IS NULL AND to_regclass('schema_migrations') IS NULL`).Scan(&empty); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if !empty {
		return errors.New("restore: the database already holds econf data; restore into an empty database (DATABASE_URL), or use --in-place to renumber the one that is there")
	}
	if err := runPGTool(ctx, pgRestore, e.pool.Config().ConnString(), stderr,
		"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", dump.Name()); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if err := adoptHere(ctx, e, io.Discard, m.Events); err != nil {
		if newCluster {
			return err
		}
		return fmt.Errorf("%w\nthe database holds the backup but its positions are not renumbered yet: run econf restore --in-place", err)
	}
	if err := os.RemoveAll(filesDir); err != nil { // empty, checked above
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(staging, filesDir); err != nil {
		return fmt.Errorf("restore: uploaded files: %w", err)
	}
	ok = true
	fmt.Fprintf(stdout, "restored %d events and %d uploaded files from %s (backed up %s from store %s)\n",
		m.Events, m.Files, name, m.CreatedAt.Format("2006-01-02 15:04:05Z"), m.StoreID)
	return nil
}

// restoreMasterKey puts the backup's master key (the one made beside its
// database) in the data folder; one already there must be the same.
func restoreMasterKey(path string, key []byte) error {
	if have, err := os.ReadFile(path); err == nil {
		if !bytes.Equal(have, key) {
			return fmt.Errorf("%s holds another master key than the backup's: restore into a new data folder", path)
		}
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(key)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeCluster removes the cluster a failed restore made: <data>/pg, and
// where that is a link to the place the cluster lives (pgcluster.Place),
// that place too.
func removeCluster(pgDir string) {
	if target, err := os.Readlink(pgDir); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(pgDir), target)
		}
		_ = os.RemoveAll(target)
	}
	_ = os.RemoveAll(pgDir)
}

// unpack writes the dump entry to dump and the files under staging,
// checking each blob against the SHA-256 that names it.
func unpack(tr *tar.Reader, dump io.Writer, staging string, key *[]byte) (sawDump bool, files int, err error) {
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return sawDump, files, nil
		}
		if err != nil {
			return sawDump, files, fmt.Errorf("%w: %v", errNotBackup, err)
		}
		switch {
		case h.Name == dumpName && h.Typeflag == tar.TypeReg && !sawDump:
			if _, err := io.Copy(dump, tr); err != nil {
				return sawDump, files, err
			}
			sawDump = true
		case h.Name == masterKeyFile && h.Typeflag == tar.TypeReg && *key == nil:
			if *key, err = io.ReadAll(io.LimitReader(tr, 64<<10)); err != nil {
				return sawDump, files, err
			}
		case strings.HasPrefix(h.Name, filesPrefix) && h.Typeflag == tar.TypeReg:
			rel := strings.TrimPrefix(h.Name, filesPrefix)
			dir, base := path.Split(rel)
			if path.Clean(rel) != rel || (dir != "blobs/" && dir != "meta/") || base == "" || strings.HasPrefix(base, ".") {
				return sawDump, files, fmt.Errorf("%w: unexpected entry %q", errNotBackup, h.Name)
			}
			if err := unpackFile(tr, filepath.Join(staging, filepath.FromSlash(rel)), dir == "blobs/", base); err != nil {
				return sawDump, files, err
			}
			files++
		default:
			return sawDump, files, fmt.Errorf("%w: unexpected entry %q", errNotBackup, h.Name)
		}
	}
}

func unpackFile(r io.Reader, dst string, blob bool, base string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if blob && hex.EncodeToString(h.Sum(nil)) != base {
		return fmt.Errorf("uploaded file %s does not match its SHA-256: the backup is damaged", base)
	}
	return nil
}

// alone refuses to renumber a database other sessions use: a running
// serve would keep positions from before in memory. A session whose client
// has just gone (a serve stopped a moment ago) takes a little while to leave
// pg_stat_activity, so alone waits up to aloneWait before refusing.
func alone(ctx context.Context, e *env) error {
	deadline := time.Now().Add(aloneWait)
	for {
		var others int
		if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&others); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		if others == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("restore: %d other sessions use this database; stop econf serve (and other clients) first", others)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// aloneWait is how long alone gives sessions that are closing to leave.
const aloneWait = 3 * time.Second

// adoptHere migrates the database, renumbers its events for this cluster,
// moves every stored position with them and gives the store a new
// identity, in one transaction; with want >= 0 the event count must match.
func adoptHere(ctx context.Context, e *env, stdout io.Writer, want int64) error {
	if err := dbschema.Up(ctx, e.pool); err != nil {
		return fmt.Errorf("restore: migrate: %w", err)
	}
	var moves *pgstore.Moves
	var checkpoints, answers int
	err := pgx.BeginFunc(ctx, e.pool, func(tx pgx.Tx) error {
		var err error
		if moves, err = pgstore.Reposition(ctx, tx); err != nil {
			return err
		}
		if want >= 0 && int64(moves.Len()) != want {
			return fmt.Errorf("the database holds %d events, the backup's manifest says %d", moves.Len(), want)
		}
		if checkpoints, err = projections.MoveCheckpoints(ctx, tx, moves.Move); err != nil {
			return err
		}
		if answers, err = httpapi.MovePositions(ctx, tx, moves.Move); err != nil {
			return err
		}
		id, err := pgstore.Adopt(ctx, tx)
		if err != nil {
			return err
		}
		return projections.AdoptStore(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("restore: renumber positions: %w", err)
	}
	if err := e.checkStore(ctx); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(stdout, "renumbered %d events for this cluster; moved %d read-model checkpoints and %d stored answers with them\n",
		moves.Len(), checkpoints, answers)
	return nil
}
