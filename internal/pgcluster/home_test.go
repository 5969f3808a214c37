package pgcluster

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// tempHome points Home at a new folder the postgres user can reach.
func tempHome(t *testing.T) string {
	t.Helper()
	home := filepath.Join(searchableTempDir(t), "var-lib-econf")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	old, oldAfter := Home, PruneAfter
	Home, PruneAfter = home, 0
	t.Cleanup(func() { Home, PruneAfter = old, oldAfter })
	return home
}

// fakeCluster makes a cluster folder in Home with a file in it, recording
// owners (none: no record).
func fakeCluster(t *testing.T, name string, owners ...string) string {
	t.Helper()
	dir := filepath.Join(Home, name)
	if err := os.MkdirAll(filepath.Join(dir, "base"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "base", "1"), make([]byte, 8192), 0o600); err != nil {
		t.Fatal(err)
	}
	if len(owners) > 0 {
		writeOwners(t, dir, owners...)
	}
	return dir
}

func writeOwners(t *testing.T, cluster string, owners ...string) {
	t.Helper()
	var b []byte
	for _, o := range owners {
		b = append(b, o+"\n"...)
	}
	if err := os.WriteFile(cluster+ownerSuffix, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dataFolder makes a data folder whose pg links to cluster.
func dataFolder(t *testing.T, path, cluster string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(cluster, filepath.Join(path, "pg")); err != nil {
		t.Fatal(err)
	}
	return path
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestPruneHomeRemovesOrphans: the clusters in Home no data folder links
// to any more (its recorded folder deleted, or now holding something
// else, or moved aside by Place) are removed with their records and
// reported with their size; a cluster any recorded folder links to, one
// without a record, one whose postmaster.pid names a live postgres (here:
// a pid file it cannot read counts as live) and files that are not
// clusters stay.
func TestPruneHomeRemovesOrphans(t *testing.T) {
	home := tempHome(t)
	folders := t.TempDir()
	linked := fakeCluster(t, "pg-00000000000000a1")
	dataFolder(t, filepath.Join(folders, "kept"), linked)
	writeOwners(t, linked, filepath.Join(folders, "kept"))

	gone := fakeCluster(t, "pg-00000000000000b2", filepath.Join(folders, "deleted"))
	stale := fakeCluster(t, "pg-00000000000000b3", filepath.Join(folders, "deleted-too"))
	// A pid file left by a server that died with the machine, its id now
	// another program's (this test's).
	if err := os.WriteFile(filepath.Join(stale, "postmaster.pid"), []byte(strconv.Itoa(os.Getpid())+"\n/x\n1\n5432\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	replaced := fakeCluster(t, "pg-00000000000000c4", filepath.Join(folders, "replaced"))
	if err := os.MkdirAll(filepath.Join(folders, "replaced", "pg"), 0o700); err != nil {
		t.Fatal(err)
	}
	relinked := fakeCluster(t, "pg-00000000000000c5", filepath.Join(folders, "relinked"))
	dataFolder(t, filepath.Join(folders, "relinked"), linked)
	aside := fakeCluster(t, "pg-00000000000000d6.orphan-20261201T101010Z")

	// Copied: the first recorded folder is gone, the second links.
	copied := fakeCluster(t, "pg-00000000000000e7", filepath.Join(folders, "original"), filepath.Join(folders, "copy"))
	dataFolder(t, filepath.Join(folders, "copy"), copied)
	unrecorded := fakeCluster(t, "pg-00000000000000f8")
	unreadablePID := fakeCluster(t, "pg-00000000000000f9", filepath.Join(folders, "gone-but-pid"))
	if err := os.WriteFile(filepath.Join(unreadablePID, "postmaster.pid"), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A record whose cluster was removed by hand, its folder gone.
	strayRecord := filepath.Join(home, "pg-0000000000000aaa") + ownerSuffix
	writeOwners(t, filepath.Join(home, "pg-0000000000000aaa"), filepath.Join(folders, "long-gone"))
	// Not ours.
	other := filepath.Join(home, "pg-notes")
	if err := os.WriteFile(other, []byte("operator's"), 0o644); err != nil {
		t.Fatal(err)
	}

	p, err := PruneHome()
	if err != nil {
		t.Fatal(err)
	}
	removed := map[string]string{}
	for _, c := range p.Removed {
		removed[c.Dir] = c.Why
		if c.Size < 8192 || c.Size > 8192+100 { // the stale one has a pid file too
			t.Errorf("%s: size %d; want 8192 and any pid file", c.Dir, c.Size)
		}
	}
	want := map[string]string{gone: "data folder gone", stale: "data folder gone", replaced: "data folder links elsewhere",
		relinked: "data folder links elsewhere", aside: "moved aside"}
	for dir, why := range want {
		if removed[dir] != why {
			t.Errorf("%s removed as %q; want %q", dir, removed[dir], why)
		}
		if exists(dir) || exists(dir+ownerSuffix) {
			t.Errorf("%s or its record is still there", dir)
		}
	}
	if len(removed) != len(want) {
		t.Errorf("removed %v; want %v", removed, want)
	}
	for _, dir := range []string{linked, copied, unrecorded, unreadablePID, other} {
		if !exists(dir) {
			t.Errorf("%s was removed", dir)
		}
	}
	for _, dir := range []string{linked, copied, unreadablePID} {
		if !exists(dir + ownerSuffix) {
			t.Errorf("the record of %s was removed", dir)
		}
	}
	if exists(strayRecord) {
		t.Errorf("the record %s of a cluster removed by hand is still there", strayRecord)
	}
	if len(p.Unrecorded) != 1 || p.Unrecorded[0].Dir != unrecorded || p.Unrecorded[0].Size != 8192 {
		t.Errorf("unrecorded %+v; want %s", p.Unrecorded, unrecorded)
	}
	if len(p.Running) != 1 || p.Running[0].Dir != unreadablePID {
		t.Errorf("running %+v; want %s", p.Running, unreadablePID)
	}

	// Nothing left to prune: a second pass removes nothing.
	if p, err := PruneHome(); err != nil || len(p.Removed) != 0 {
		t.Errorf("second pass: %+v, %v", p, err)
	}
}

// TestPruneHomeWithoutHome: no Home, nothing to prune and no error.
func TestPruneHomeWithoutHome(t *testing.T) {
	old := Home
	Home = filepath.Join(t.TempDir(), "absent")
	t.Cleanup(func() { Home = old })
	if p, err := PruneHome(); err != nil || len(p.Removed)+len(p.Running)+len(p.Unrecorded) != 0 {
		t.Fatalf("%+v, %v", p, err)
	}
	if exists(Home) {
		t.Errorf("PruneHome made %s", Home)
	}
}

// TestPruneHomeKeepsRunningServer: an orphan whose server still runs is
// kept, and removed by the first pass after the server stopped.
func TestPruneHomeKeepsRunningServer(t *testing.T) {
	ctx := context.Background()
	tempHome(t)
	dir := filepath.Join(Home, "pg-0000000000000123")
	c, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	writeOwners(t, dir, filepath.Join(t.TempDir(), "deleted"))

	p, err := PruneHome()
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Running) != 1 || p.Running[0].Dir != dir || p.Running[0].Why != "data folder gone" || len(p.Removed) != 0 {
		t.Fatalf("with the server running: %+v", p)
	}
	if !exists(filepath.Join(dir, "PG_VERSION")) {
		t.Fatal("the running cluster was touched")
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err = PruneHome(); err != nil {
		t.Fatal(err)
	}
	if len(p.Removed) != 1 || p.Removed[0].Dir != dir || len(p.Running) != 0 {
		t.Fatalf("after the server stopped: %+v", p)
	}
	if exists(dir) || exists(dir+ownerSuffix) {
		t.Error("the stopped orphan is still there")
	}
}

// TestPlaceRecordsOwner: as root, Place records the data folder beside
// the cluster it puts in Home; a cluster placed before owners were
// recorded gets its record when its data folder runs again, and a copy
// of the data folder is added, so the cluster is kept while either
// links to it and pruned once neither does.
func TestPlaceRecordsOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root places clusters in Home")
	}
	if _, err := user.Lookup(Superuser); err != nil {
		t.Skip("no postgres user")
	}
	tempHome(t)
	private := t.TempDir()
	if err := os.Chmod(private, 0o700); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(private, "clone", "data")
	dir, err := Place(data)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != Home {
		t.Fatalf("Place chose %s; want a folder in %s", dir, Home)
	}
	owners := func() []string {
		t.Helper()
		o, err := readOwners(dir + ownerSuffix)
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	if got := owners(); !slices.Equal(got, []string{data}) {
		t.Fatalf("owners %q; want %s", got, data)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil { // what Start makes
		t.Fatal(err)
	}

	// Placed before owners were recorded.
	if err := os.Remove(dir + ownerSuffix); err != nil {
		t.Fatal(err)
	}
	if p, err := PruneHome(); err != nil || len(p.Unrecorded) != 1 || len(p.Removed) != 0 {
		t.Fatalf("unrecorded cluster: %+v, %v", p, err)
	}
	if again, err := Place(data); err != nil || again != dir {
		t.Fatalf("Place again: %s, %v", again, err)
	}
	if got := owners(); !slices.Equal(got, []string{data}) {
		t.Fatalf("owners after a run %q; want %s", got, data)
	}

	// A copy of the data folder links to the same cluster.
	copied := filepath.Join(private, "copy", "data")
	dataFolder(t, copied, dir)
	if again, err := Place(copied); err != nil || again != dir {
		t.Fatalf("Place of the copy: %s, %v", again, err)
	}
	if got := owners(); !slices.Equal(got, []string{data, copied}) {
		t.Fatalf("owners with the copy %q", got)
	}
	if err := os.RemoveAll(data); err != nil {
		t.Fatal(err)
	}
	if p, err := PruneHome(); err != nil || len(p.Removed) != 0 || !exists(dir) {
		t.Fatalf("the copy still links: %+v, %v", p, err)
	}
	if err := os.RemoveAll(copied); err != nil {
		t.Fatal(err)
	}
	if p, err := PruneHome(); err != nil || len(p.Removed) != 1 || exists(dir) {
		t.Fatalf("neither links: %+v, %v", p, err)
	}
	if _, err := os.Stat(dir + ownerSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the record outlived its cluster: %v", err)
	}
}

// TestPruneHomeWaitsForUnusedClusters: an orphan that ran less than
// PruneAfter ago (its folder, control file or newest server log says so)
// is kept and reported as recent — a data folder moved and not yet run
// from its new path looks like a deleted one — and removed once all of
// them are older.
func TestPruneHomeWaitsForUnusedClusters(t *testing.T) {
	tempHome(t)
	PruneAfter = 24 * time.Hour
	dir := fakeCluster(t, "pg-00000000000000b2", filepath.Join(t.TempDir(), "moved-or-deleted"))
	for _, sub := range []string{"global", "econf-log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	control, logFile := filepath.Join(dir, "global", "pg_control"), filepath.Join(dir, "econf-log", "postgres-20261207T100000Z.log")
	for _, f := range []string{control, logFile} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	age := func(paths ...string) {
		old := time.Now().Add(-25 * time.Hour)
		for _, p := range paths {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	prune := func() Pruned {
		p, err := PruneHome()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := prune(); len(p.Removed) != 0 || len(p.Recent) != 1 || p.Recent[0].Dir != dir || p.Recent[0].Why != "data folder gone" || !exists(dir) {
		t.Fatalf("a cluster used just now: %+v", p)
	}
	age(control, filepath.Join(dir, "global"), filepath.Join(dir, "econf-log"), dir)
	if p := prune(); len(p.Removed) != 0 || len(p.Recent) != 1 || !exists(dir) {
		t.Fatalf("a cluster whose server logged just now: %+v", p)
	}
	age(logFile, filepath.Join(dir, "econf-log"), dir)
	if p := prune(); len(p.Removed) != 1 || len(p.Recent) != 0 || exists(dir) {
		t.Fatalf("a cluster unused for 25 hours: %+v", p)
	}
}
