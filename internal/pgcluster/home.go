package pgcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// ownerSuffix names, beside a cluster in Home, the file that records the
// data folder the cluster was placed for.
const ownerSuffix = ".owner"

// orphanMark is put between a cluster's name and the time Place moved it
// aside, because a new data folder of the same path was made.
const orphanMark = ".orphan-"

// lockHome takes Home's lock: Place's moving aside, recording and linking
// and PruneHome's pass never interleave.
func lockHome() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(Home, ".lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: lock %s: %w", Home, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("pgcluster: lock %s: %w", Home, err)
	}
	return func() { f.Close() }, nil // closing releases the lock
}

// recordOwner records data as an owner of cluster when cluster is one
// Place made in Home: fresh starts the record anew (a new cluster; the
// caller holds Home's lock), else data is added to it unless there
// already (a cluster placed before owners were recorded, or a data folder
// copied or moved since: each path that links to the cluster keeps it).
func recordOwner(cluster, data string, fresh bool) error {
	if filepath.Dir(cluster) != filepath.Clean(Home) || !isClusterName(filepath.Base(cluster)) {
		return nil
	}
	path := cluster + ownerSuffix
	var owners []string
	if !fresh {
		var err error
		if owners, err = readOwners(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if slices.Contains(owners, data) {
			return nil
		}
		// Under Home's lock, so PruneHome never judges the cluster by the
		// record without data while data links to it.
		unlock, err := lockHome()
		if err != nil {
			return err
		}
		defer unlock()
		if owners, err = readOwners(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if slices.Contains(owners, data) {
			return nil
		}
	}
	owners = append(owners, data)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(owners, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("pgcluster: record the owner of %s: %w", cluster, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pgcluster: record the owner of %s: %w", cluster, err)
	}
	return nil
}

// readOwners reads an owner file: one data folder a line.
func readOwners(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var owners []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			owners = append(owners, line)
		}
	}
	return owners, nil
}

// isClusterName reports whether name is pg-<16 hex digits>, the name
// Place gives a cluster in Home.
func isClusterName(name string) bool {
	hexPart, ok := strings.CutPrefix(name, "pg-")
	if !ok || len(hexPart) != 16 {
		return false
	}
	for _, r := range hexPart {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// PruneAfter is how long an orphan must have gone unused before PruneHome
// removes it. A data folder moved elsewhere looks like a deleted one until
// econf next runs from its new path (which records that path): the grace
// keeps its cluster for a move followed by a start within this time, even
// when another data folder's serve starts in between.
var PruneAfter = 24 * time.Hour

// lastUsed is when a server last ran in the cluster dir, as its files
// tell: the newest change of the folder itself, its control file (written
// at every checkpoint and at shutdown), its pid file and its server logs.
func lastUsed(dir string) time.Time {
	var last time.Time
	see := func(path string) {
		if fi, err := os.Stat(path); err == nil && fi.ModTime().After(last) {
			last = fi.ModTime()
		}
	}
	see(dir)
	see(filepath.Join(dir, "global", "pg_control"))
	see(filepath.Join(dir, "postmaster.pid"))
	logs, _ := os.ReadDir(filepath.Join(dir, "econf-log"))
	for _, l := range logs {
		see(filepath.Join(dir, "econf-log", l.Name()))
	}
	return last
}

// A HomeCluster is a cluster PruneHome found in Home.
type HomeCluster struct {
	Dir string // the cluster's folder in Home
	// Data are the data folders it was placed for or linked from; none
	// for one moved aside or placed before Place recorded owners.
	Data []string
	// Why it is an orphan: "moved aside", "data folder gone" or "data
	// folder links elsewhere"; empty for an unrecorded one.
	Why  string
	Size int64 // bytes of its files
}

// Pruned is what PruneHome did.
type Pruned struct {
	Removed []HomeCluster // orphans whose server was not running
	Running []HomeCluster // orphans kept because a server runs in them
	Recent  []HomeCluster // orphans kept because they ran less than PruneAfter ago
	// Unrecorded are clusters placed before owners were recorded whose
	// data folder has not run since: kept, since nothing says whose they
	// are.
	Unrecorded []HomeCluster
}

// PruneHome removes from Home the clusters no data folder uses any more:
// those Place moved aside, and those none of whose recorded data folders
// exists and links to them, unless a server still runs in them (a live
// postmaster.pid) or ran less than PruneAfter ago. A cluster a recorded data folder links to is never
// touched, nor one whose record is missing or cannot be read. A missing
// Home has nothing to prune.
func PruneHome() (Pruned, error) {
	var p Pruned
	if _, err := os.Stat(Home); errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	unlock, err := lockHome()
	if err != nil {
		return p, err
	}
	defer unlock()
	// Listed under the lock: what Place moved aside or linked before is
	// in the list, and nothing it does changes the list until the end.
	entries, err := os.ReadDir(Home)
	if err != nil {
		return p, fmt.Errorf("pgcluster: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		dir := filepath.Join(Home, name)
		c := HomeCluster{Dir: dir}
		switch base, _, aside := strings.Cut(name, orphanMark); {
		case aside && isClusterName(base) && e.IsDir():
			c.Why = "moved aside"
		case isClusterName(name) && e.IsDir():
			c.Data, err = readOwners(dir + ownerSuffix)
			if errors.Is(err, fs.ErrNotExist) || (err == nil && len(c.Data) == 0) {
				c.Size = treeSize(dir)
				p.Unrecorded = append(p.Unrecorded, c)
				continue
			} else if err != nil {
				errs = append(errs, fmt.Errorf("pgcluster: %w", err))
				continue
			}
			if c.Why, err = orphaned(dir, c.Data); err != nil {
				errs = append(errs, err)
				continue
			} else if c.Why == "" {
				continue
			}
		case strings.HasSuffix(name, ownerSuffix) && isClusterName(strings.TrimSuffix(name, ownerSuffix)) && !e.IsDir():
			// The record of a cluster removed by hand, or of one whose
			// first start failed before making it: dropped once no data
			// folder links to the cluster's path.
			cluster := strings.TrimSuffix(dir, ownerSuffix)
			if _, err := os.Lstat(cluster); !errors.Is(err, fs.ErrNotExist) {
				continue
			}
			owners, err := readOwners(dir)
			if err != nil || len(owners) == 0 {
				continue
			}
			if why, err := orphaned(cluster, owners); err == nil && why != "" {
				if err := os.Remove(dir); err != nil {
					errs = append(errs, fmt.Errorf("pgcluster: %w", err))
				}
			}
			continue
		default:
			continue
		}
		c.Size = treeSize(dir)
		if running(dir) {
			p.Running = append(p.Running, c)
			continue
		}
		if time.Since(lastUsed(dir)) < PruneAfter {
			p.Recent = append(p.Recent, c)
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("pgcluster: remove the orphaned cluster %s: %w", dir, err))
			continue
		}
		if err := os.Remove(dir + ownerSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("pgcluster: %w", err))
		}
		p.Removed = append(p.Removed, c)
	}
	return p, errors.Join(errs...)
}

// orphaned tells why none of the data folders links to cluster, or ""
// when one does. An error (a data folder it cannot look into) keeps the
// cluster.
func orphaned(cluster string, data []string) (string, error) {
	why := ""
	for _, d := range data {
		w, err := linksTo(d, cluster)
		if err != nil || w == "" {
			return "", err
		}
		if why == "" || w != "data folder gone" {
			why = w
		}
	}
	return why, nil
}

// linksTo tells why data folder data does not link to cluster, or "" when
// it does.
func linksTo(data, cluster string) (string, error) {
	if !filepath.IsAbs(data) {
		return "", fmt.Errorf("pgcluster: %s records %q, not an absolute path", cluster+ownerSuffix, data)
	}
	gone := func(err error) bool { return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) }
	link := filepath.Join(data, "pg")
	fi, err := os.Lstat(link)
	switch {
	case gone(err):
		if _, err := os.Stat(data); gone(err) {
			return "data folder gone", nil
		}
		return "data folder links elsewhere", nil
	case err != nil:
		return "", fmt.Errorf("pgcluster: the owner of %s: %w", cluster, err)
	case fi.Mode()&fs.ModeSymlink == 0:
		return "data folder links elsewhere", nil
	}
	target, err := os.Readlink(link)
	if err != nil {
		return "", fmt.Errorf("pgcluster: the owner of %s: %w", cluster, err)
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(data, target)
	}
	if filepath.Clean(target) == cluster {
		return "", nil
	}
	// The same folder reached by another path (Home behind a link).
	a, aerr := filepath.EvalSymlinks(target)
	b, berr := filepath.EvalSymlinks(cluster)
	if aerr == nil && berr == nil && a == b {
		return "", nil
	}
	return "data folder links elsewhere", nil
}

// running reports whether a server runs in dir: its postmaster.pid names
// a live postgres of dir (the check Start makes before starting one). A
// postmaster.pid that cannot be read counts as running: nothing is
// removed on a guess.
func running(dir string) bool {
	path := filepath.Join(dir, "postmaster.pid")
	pid, _, err := readPIDFile(path)
	if err != nil {
		_, serr := os.Lstat(path)
		return !errors.Is(serr, fs.ErrNotExist)
	}
	return postmasterState(pid, dir) == pmLive
}

// treeSize is the bytes of the files under dir.
func treeSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
