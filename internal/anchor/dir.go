package anchor

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/econf/econf/eventstore"
)

// A checkpoint directory holds checkpoint-<size>-<time>.txt files (the
// signed notes) and beside each but the first a .consistency file: the
// proof that its tree extends the previous checkpoint's.

const filePrefix, fileSuffix, proofSuffix = "checkpoint-", ".txt", ".consistency"

// fileName names a checkpoint so that names sort in order.
func fileName(c Checkpoint) string {
	return fmt.Sprintf("%s%015d-%s%s", filePrefix, c.Size, c.Time.UTC().Format("20060102T150405.000000000Z"), fileSuffix)
}

// Stored is a checkpoint read from a directory.
type Stored struct {
	Path string
	Checkpoint
}

// ReadDir opens every checkpoint in dir, in order, and checks their chain:
// each signed by v, each naming its predecessor's digest, each tree
// proven to extend its predecessor's. A missing directory holds none.
func ReadDir(dir string, v note.Verifier) ([]Stored, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), filePrefix) && strings.HasSuffix(e.Name(), fileSuffix) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var out []Stored
	for i, name := range names {
		path := filepath.Join(dir, name)
		msg, err := os.ReadFile(path)
		if err != nil {
			return out, err
		}
		c, err := Open(msg, v)
		if err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		if i == 0 {
			if c.Prev != "" {
				return out, fmt.Errorf("%s: %w: it names a predecessor (%s) that is not in %s: the checkpoint chain was cut at its start",
					path, ErrMismatch, c.Prev, dir)
			}
			out = append(out, Stored{path, c})
			continue
		}
		prev := out[i-1]
		if c.Prev != Digest(prev.Signed) {
			return out, fmt.Errorf("%s: %w: it names %q as its predecessor, but the one before it in %s is %s: the checkpoint chain was rewritten or a checkpoint removed",
				path, ErrMismatch, c.Prev, dir, filepath.Base(prev.Path))
		}
		if err := checkProofFile(strings.TrimSuffix(path, fileSuffix)+proofSuffix, prev.Checkpoint, c); err != nil {
			return out, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, Stored{path, c})
	}
	return out, nil
}

// formatProof writes a consistency proof: "consistency OLD NEW", then one
// base64 hash a line.
func formatProof(old, n int64, p tlog.TreeProof) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "consistency %d %d\n", old, n)
	for _, h := range p {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	return []byte(b.String())
}

// ParseProof reads what formatProof wrote.
func ParseProof(b []byte) (old, n int64, p tlog.TreeProof, err error) {
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	f := strings.Fields(lines[0])
	if len(f) != 3 || f[0] != "consistency" {
		return 0, 0, nil, fmt.Errorf("%w: not a consistency proof", ErrMalformed)
	}
	old, err1 := strconv.ParseInt(f[1], 10, 64)
	n, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, nil, fmt.Errorf("%w: consistency proof sizes %q", ErrMalformed, lines[0])
	}
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != len(tlog.Hash{}) {
			return 0, 0, nil, fmt.Errorf("%w: consistency proof hash %q", ErrMalformed, l)
		}
		p = append(p, tlog.Hash(h))
	}
	return old, n, p, nil
}

// CheckConsistency checks that the tree of c extends the tree of old by
// proof p, using nothing but the two checkpoints and the proof.
func CheckConsistency(old, c Checkpoint, p tlog.TreeProof) error {
	if c.Size < old.Size {
		return fmt.Errorf("%w: checkpoint of size %d follows one of size %d: the log shrank", ErrMismatch, c.Size, old.Size)
	}
	if err := tlog.CheckTree(p, c.Size, c.Root, old.Size, old.Root); err != nil {
		return fmt.Errorf("%w: the tree of size %d does not extend the tree of size %d: %w", ErrMismatch, c.Size, old.Size, err)
	}
	return nil
}

func checkProofFile(path string, old, c Checkpoint) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("consistency proof: %w", err)
	}
	o, n, p, err := ParseProof(b)
	if err != nil {
		return err
	}
	if o != old.Size || n != c.Size {
		return fmt.Errorf("%w: the consistency proof is from %d to %d, not from %d to %d", ErrMismatch, o, n, old.Size, c.Size)
	}
	return CheckConsistency(old, c, p)
}

// Checkpointer writes checkpoints of its tree to its directories.
type Checkpointer struct {
	Store    eventstore.Store
	Tree     *Tree
	Signer   note.Signer
	Verifier note.Verifier
	// Dirs are where checkpoints go; the first is read back as the
	// chain to extend (put a second host's directory after it).
	Dirs []string
	Now  func() time.Time
	Log  *slog.Logger
}

// Latest is the newest checkpoint in the first directory, nil when none.
func (c *Checkpointer) Latest() (*Stored, error) {
	chain, err := ReadDir(c.Dirs[0], c.Verifier)
	if err != nil {
		return nil, err
	}
	if len(chain) == 0 {
		return nil, nil
	}
	return &chain[len(chain)-1], nil
}

// Write catches the tree up and writes a checkpoint of it when it grew
// since the newest one. It refuses when the newest checkpoint does not
// verify or the events no longer match it: signing a tree that contradicts
// the chain would hide a change. It reports whether it wrote.
func (c *Checkpointer) Write(ctx context.Context) (Checkpoint, bool, error) {
	if err := os.MkdirAll(c.Dirs[0], 0o700); err != nil {
		return Checkpoint{}, false, err
	}
	unlock, err := lockDir(c.Dirs[0])
	if err != nil {
		return Checkpoint{}, false, err
	}
	defer unlock()
	if err := c.Tree.CatchUp(ctx, c.Store); err != nil {
		return Checkpoint{}, false, err
	}
	prev, err := c.Latest()
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("anchor: the checkpoints in %s do not verify; not writing another: %w", c.Dirs[0], err)
	}
	size := c.Tree.Size()
	next := Checkpoint{Size: size, Time: c.Now().UTC()}
	var proof []byte
	if prev != nil {
		if err := c.Tree.Check(prev.Checkpoint); err != nil {
			return Checkpoint{}, false, fmt.Errorf("anchor: not writing a checkpoint: %s: %w", prev.Path, err)
		}
		if size == prev.Size {
			return prev.Checkpoint, false, nil
		}
		p, err := c.Tree.ProveTree(size, prev.Size)
		if err != nil {
			return Checkpoint{}, false, err
		}
		proof = formatProof(prev.Size, size, p)
		next.Prev = Digest(prev.Signed)
	}
	if next.Root, err = c.Tree.Root(size); err != nil {
		return Checkpoint{}, false, err
	}
	if next, err = Sign(next, c.Signer); err != nil {
		return Checkpoint{}, false, err
	}
	name := fileName(next)
	for _, dir := range c.Dirs {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return Checkpoint{}, false, err
		}
		if proof != nil {
			if err := writeFile(filepath.Join(dir, strings.TrimSuffix(name, fileSuffix)+proofSuffix), proof); err != nil {
				return Checkpoint{}, false, err
			}
		}
		if err := writeFile(filepath.Join(dir, name), next.Signed); err != nil {
			return Checkpoint{}, false, err
		}
	}
	return next, true, nil
}

// Run writes a checkpoint every interval until ctx ends; failures are
// logged at error level (a mismatch is an alarm) and tried again.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		cp, wrote, err := c.Write(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			c.Log.ErrorContext(ctx, "audit checkpoint", "err", err)
		case wrote:
			c.Log.InfoContext(ctx, "audit checkpoint written", "size", cp.Size, "dirs", strings.Join(c.Dirs, string(os.PathListSeparator)))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// writeFile writes b to path through a temporary file and a rename, so a
// reader never sees half a checkpoint.
func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// lockDir keeps two writers on one host (serve and econf audit
// checkpoint) from forking the chain.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
