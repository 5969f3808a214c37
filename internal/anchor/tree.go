// Package anchor makes the event log tamper-evident against someone who
// can write the database: an RFC 6962 Merkle tree over $all (built with
// golang.org/x/mod/sumdb/tlog, one leaf per event, in $all order) whose
// root is signed with an ed25519 key kept outside the database and written
// as a checkpoint (a signed note in the C2SP tlog-checkpoint form) to
// directories outside the database. Each checkpoint names the previous
// one's hash and comes with a consistency proof from it, so the
// checkpoints form a chain of their own; an event changed, a chain
// recomputed, a tail cut or a stream deleted makes the tree rebuilt from
// the store disagree with a checkpoint.
package anchor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/econf/econf/eventstore"
)

// ErrMismatch: the events as stored do not hash to what a checkpoint
// signed.
var ErrMismatch = errors.New("the events as stored do not match the checkpoint")

// Tree is the Merkle tree over the store's $all, held in memory (two
// hashes per event) and extended by CatchUp. It is safe for concurrent use.
type Tree struct {
	feed   sync.Mutex // one CatchUp at a time
	mu     sync.Mutex // guards the fields below
	hashes []tlog.Hash
	size   int64
	leaves map[uuid.UUID]int64
	last   eventstore.Position
}

// NewTree returns an empty tree; CatchUp fills it.
func NewTree() *Tree { return &Tree{leaves: map[uuid.UUID]int64{}} }

// reader reads stored hashes of a snapshot of the tree: elements below
// its length never change, so it needs no lock.
type reader []tlog.Hash

func (r reader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(r)) {
			return nil, fmt.Errorf("anchor: stored hash %d beyond the tree", x)
		}
		out[i] = r[x]
	}
	return out, nil
}

// header is a store that tells the position of its last committed event
// (pgstore), which $all may still hold back behind an open transaction.
type header interface {
	Head(ctx context.Context) (eventstore.Position, error)
}

// CatchUp adds every event of $all after the last one added, up to (at
// least) every event committed when it was called.
func (t *Tree) CatchUp(ctx context.Context, store eventstore.Store) error {
	t.feed.Lock()
	defer t.feed.Unlock()
	target := eventstore.Start
	if h, ok := store.(header); ok {
		head, err := h.Head(ctx)
		if err != nil {
			return fmt.Errorf("anchor: head of $all: %w", err)
		}
		target = head
	}
	for {
		t.mu.Lock()
		from := t.last
		t.mu.Unlock()
		page, err := store.ReadAll(ctx, from, 1000)
		if err != nil {
			return fmt.Errorf("anchor: read $all: %w", err)
		}
		if len(page) == 0 {
			if !from.Less(target) {
				return nil
			}
			// Committed events held back behind an open transaction.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		for _, e := range page {
			if err := t.add(e); err != nil {
				return err
			}
		}
	}
}

func (t *Tree) add(e eventstore.RecordedEvent) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	hs, err := tlog.StoredHashes(t.size, eventstore.LeafData(e), reader(t.hashes))
	if err != nil {
		return fmt.Errorf("anchor: add event %s: %w", e.ID, err)
	}
	t.hashes = append(t.hashes, hs...)
	t.leaves[e.ID] = t.size
	t.size++
	t.last = e.Position
	return nil
}

// snapshot is the tree's size and stored hashes now.
func (t *Tree) snapshot() (int64, reader) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.size, reader(t.hashes)
}

// Size is how many events the tree holds.
func (t *Tree) Size() int64 {
	n, _ := t.snapshot()
	return n
}

// Leaf is the event's index in the tree.
func (t *Tree) Leaf(id uuid.UUID) (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, ok := t.leaves[id]
	return n, ok
}

// LeafHash is the hash the tree recorded for leaf when it added it.
func (t *Tree) LeafHash(leaf int64) (tlog.Hash, error) {
	_, r := t.snapshot()
	hs, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, leaf)})
	if err != nil {
		return tlog.Hash{}, err
	}
	return hs[0], nil
}

// Root is the root hash of the tree's first n leaves.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	size, r := t.snapshot()
	if n < 0 || n > size {
		return tlog.Hash{}, fmt.Errorf("anchor: a tree of %d events has no root at size %d", size, n)
	}
	return tlog.TreeHash(n, r)
}

// ProveRecord proves that leaf is in the tree of size n.
func (t *Tree) ProveRecord(n, leaf int64) (tlog.RecordProof, error) {
	_, r := t.snapshot()
	return tlog.ProveRecord(n, leaf, r)
}

// ProveTree proves that the tree of size n extends the one of size old.
func (t *Tree) ProveTree(n, old int64) (tlog.TreeProof, error) {
	_, r := t.snapshot()
	return tlog.ProveTree(n, old, r)
}

// Check tells whether the tree's first c.Size leaves hash to c.Root.
func (t *Tree) Check(c Checkpoint) error {
	size := t.Size()
	if c.Size > size {
		return fmt.Errorf("%w: checkpoint of %s covers %d events and the store holds %d: events were removed (a cut tail or a deleted stream)",
			ErrMismatch, c.Time.Format("2006-01-02T15:04:05Z07:00"), c.Size, size)
	}
	root, err := t.Root(c.Size)
	if err != nil {
		return err
	}
	if root != c.Root {
		return fmt.Errorf("%w: the first %d events as stored do not hash to the root the checkpoint of %s signed: an event was changed, removed or inserted",
			ErrMismatch, c.Size, c.Time.Format("2006-01-02T15:04:05Z07:00"))
	}
	return nil
}
