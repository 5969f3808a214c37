package pgcluster

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Home is where Place keeps clusters whose data folder the postgres user
// cannot reach.
var Home = "/var/lib/econf"

// Place chooses the data directory for the cluster of data folder data.
// It is <data>/pg, except when running as root and the postgres user (who
// runs the server) cannot traverse the data folder or one above it — a
// clone in root's home directory, a `mktemp -d` folder: then the cluster
// lives in Home/pg-<hash of the data folder's path> and <data>/pg is a
// symbolic link to it, so the data folder still shows where it is, and
// Home/pg-<hash>.owner records the data folder's path, so PruneHome knows
// whose cluster it is. A cluster left in Home by an earlier data folder of
// the same path (one deleted since: no link points to it) is moved aside,
// to pg-<hash>.orphan-<time>, not reused.
func Place(data string) (string, error) {
	data, err := filepath.Abs(data)
	if err != nil {
		return "", fmt.Errorf("pgcluster: data folder: %w", err)
	}
	if err := os.MkdirAll(data, 0o755); err != nil {
		return "", fmt.Errorf("pgcluster: data folder: %w", err)
	}
	link := filepath.Join(data, "pg")
	as, err := account()
	if err != nil || as == nil {
		return link, err
	}
	for range 2 {
		fi, err := os.Lstat(link)
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			// Set up by an earlier run (or by the operator): follow it.
			target, err := os.Readlink(link)
			if err != nil {
				return "", fmt.Errorf("pgcluster: %w", err)
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(data, target)
			}
			target = filepath.Clean(target)
			// A cluster placed before owners were recorded gets its record.
			if err := recordOwner(target, data, false); err != nil {
				return "", err
			}
			return target, nil
		}
		if reachable(data, as) {
			return link, nil
		}
		if err == nil {
			// A directory (or file) where the link belongs: an empty one
			// is left by a run that failed before; anything else is the
			// operator's to move.
			if rerr := os.Remove(link); rerr != nil {
				return "", fmt.Errorf("pgcluster: the %s user cannot reach %s (%s is not searchable by it) and it is not empty: move it away, or make its parents searchable (chmod o+x)",
					Superuser, link, unreachableDir(data, as))
			}
		}
		target := filepath.Join(Home, clusterName(data))
		if err := os.MkdirAll(Home, 0o755); err != nil {
			return "", fmt.Errorf("pgcluster: %w", err)
		}
		if !reachable(Home, as) {
			return "", fmt.Errorf("pgcluster: the %s user can reach neither %s nor %s (%s is not searchable by it)", Superuser, data, Home, unreachableDir(Home, as))
		}
		linked, err := placeInHome(data, link, target)
		if err != nil {
			return "", err
		}
		if linked {
			return target, nil
		}
		// another process placed it just now: follow its link
	}
	return "", fmt.Errorf("pgcluster: cannot place the cluster of %s", data)
}

// clusterName is the name in Home of data folder data's cluster.
func clusterName(data string) string {
	sum := sha256.Sum256([]byte(data))
	return "pg-" + hex.EncodeToString(sum[:8])
}

// placeInHome moves aside a cluster left at target by an earlier data
// folder of the same path, records data as target's owner and links link
// to target, holding Home's lock so PruneHome never sees the record
// without the link. It reports false when link exists already (another
// process placed the cluster just now).
func placeInHome(data, link, target string) (bool, error) {
	unlock, err := lockHome()
	if err != nil {
		return false, err
	}
	defer unlock()
	if _, err := os.Lstat(link); err == nil {
		return false, nil
	}
	if _, err := os.Lstat(target); err == nil {
		aside := target + orphanMark + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(target, aside); err != nil {
			return false, fmt.Errorf("pgcluster: move aside the orphaned cluster %s: %w", target, err)
		}
	}
	if err := recordOwner(target, data, true); err != nil {
		return false, err
	}
	if err := os.Symlink(target, link); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("pgcluster: %w", err)
	}
	return true, nil
}

// reachable reports whether as can traverse dir and every folder above it.
func reachable(dir string, as *runAs) bool {
	return unreachableDir(dir, as) == ""
}

// unreachableDir is the lowest folder from dir up that as cannot traverse.
func unreachableDir(dir string, as *runAs) string {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || !traversable(fi, as) {
			return d
		}
		if d == filepath.Dir(d) {
			return ""
		}
	}
}
