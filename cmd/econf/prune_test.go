package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/pgcluster"
)

// TestServePrunesEmbeddedClusters: the prune serve runs at its start
// removes the cluster of a deleted data folder and logs its path and size,
// names a cluster it cannot attribute, and leaves a linked one alone.
func TestServePrunesEmbeddedClusters(t *testing.T) {
	home := filepath.Join(t.TempDir(), "var-lib-econf")
	old := pgcluster.Home
	pgcluster.Home = home
	t.Cleanup(func() { pgcluster.Home = old })
	folders := t.TempDir()
	cluster := func(name string, owner string) string {
		dir := filepath.Join(home, name)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "PG_VERSION"), make([]byte, 2_500_000), 0o600); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			if err := os.WriteFile(dir+".owner", []byte(owner+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dropped := cluster("pg-1111111111111111", filepath.Join(folders, "deleted"))
	used := filepath.Join(folders, "used")
	linked := cluster("pg-2222222222222222", used)
	if err := os.MkdirAll(used, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(linked, filepath.Join(used, "pg")); err != nil {
		t.Fatal(err)
	}
	unknown := cluster("pg-3333333333333333", "")
	// Ran last two days ago: past pgcluster.PruneAfter.
	longAgo := time.Now().Add(-48 * time.Hour)
	for _, p := range []string{filepath.Join(dropped, "PG_VERSION"), dropped} {
		if err := os.Chtimes(p, longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}
	recent := cluster("pg-4444444444444444", filepath.Join(folders, "moved"))

	var out strings.Builder
	pruneEmbeddedClusters(slog.New(slog.NewTextHandler(&out, nil)))
	log := out.String()
	if !strings.Contains(log, "removed the embedded cluster of a data folder no longer there") ||
		!strings.Contains(log, "dir="+dropped+" size=\"2.5 MB\" why=\"data folder gone\"") {
		t.Errorf("no removal of %s logged with its size:\n%s", dropped, log)
	}
	if _, err := os.Stat(dropped); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s is still there: %v", dropped, err)
	}
	if !strings.Contains(log, "kept an embedded cluster of an unknown data folder") || !strings.Contains(log, "dir="+unknown) {
		t.Errorf("the unattributed cluster %s is not named:\n%s", unknown, log)
	}
	if strings.Contains(log, linked) || strings.Contains(log, "level=WARN") {
		t.Errorf("the linked cluster %s was mentioned, or a warning:\n%s", linked, log)
	}
	if !strings.Contains(log, "kept the embedded cluster of a data folder no longer there, used less than") || !strings.Contains(log, "dir="+recent) {
		t.Errorf("the recently used orphan %s is not named:\n%s", recent, log)
	}
	for _, dir := range []string{linked, unknown, recent} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}
