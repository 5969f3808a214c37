package anchor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/econf/econf/eventstore"
)

// StreamProof proves a record's events are in the log a checkpoint signed.
type StreamProof struct {
	// Checkpoint is the signed checkpoint the proofs are against.
	Checkpoint string `json:"checkpoint"`
	// Entries prove each event the checkpoint covers; events after it
	// wait for the next checkpoint.
	Entries []EntryProof `json:"entries"`
	// Mismatch, when set, says why there are no proofs: the events as
	// stored no longer hash to the checkpoint's root.
	Mismatch string `json:"mismatch,omitempty"`
}

// EntryProof is one event's inclusion proof: its leaf, the leaf's data
// (eventstore.LeafData: the event as stored, whose RFC 6962 leaf hash is
// SHA-256(0x00 || leafData)) and the audit path to the checkpoint's root.
type EntryProof struct {
	Number   uint64      `json:"number"`
	Leaf     int64       `json:"leaf"`
	LeafData []byte      `json:"leafData"`
	Hashes   []tlog.Hash `json:"hashes"`
}

// VerifyEntry checks e against c with nothing else.
func VerifyEntry(c Checkpoint, e EntryProof) error {
	if e.Leaf < 0 || e.Leaf >= c.Size {
		return fmt.Errorf("%w: leaf %d is outside the checkpoint's tree of %d", ErrMismatch, e.Leaf, c.Size)
	}
	if err := tlog.CheckRecord(e.Hashes, c.Size, c.Root, e.Leaf, tlog.RecordHash(e.LeafData)); err != nil {
		return fmt.Errorf("%w: event %d (leaf %d) is not in the tree of size %d: %w", ErrMismatch, e.Number, e.Leaf, c.Size, err)
	}
	return nil
}

// Prover answers inclusion proofs for records against the newest
// checkpoint in a directory.
type Prover struct {
	Store    eventstore.Store
	Tree     *Tree
	Dir      string
	Verifier note.Verifier
}

// newest opens the newest checkpoint in the directory (nil when none).
func (p *Prover) newest() (*Checkpoint, error) {
	entries, err := os.ReadDir(p.Dir)
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
	if len(names) == 0 {
		return nil, nil
	}
	sort.Strings(names)
	path := filepath.Join(p.Dir, names[len(names)-1])
	msg, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Open(msg, p.Verifier)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// Prove proves the events of stream (as ReadStream gives them) against
// the newest checkpoint; nil when there is no checkpoint yet.
func (p *Prover) Prove(ctx context.Context, events []eventstore.RecordedEvent) (*StreamProof, error) {
	c, err := p.newest()
	if err != nil || c == nil {
		return nil, err
	}
	if p.Tree.Size() < c.Size {
		if err := p.Tree.CatchUp(ctx, p.Store); err != nil {
			return nil, err
		}
	}
	out := &StreamProof{Checkpoint: string(c.Signed), Entries: []EntryProof{}}
	if err := p.Tree.Check(*c); err != nil {
		out.Mismatch = err.Error()
		return out, nil
	}
	for _, e := range events {
		leaf, ok := p.Tree.Leaf(e.ID)
		if !ok || leaf >= c.Size {
			continue
		}
		data := eventstore.LeafData(e)
		recorded, err := p.Tree.LeafHash(leaf)
		if err != nil {
			return nil, err
		}
		if recorded != tlog.RecordHash(data) {
			// Changed since this process added it to its tree.
			return &StreamProof{Checkpoint: out.Checkpoint, Entries: []EntryProof{},
				Mismatch: fmt.Sprintf("%v: event %d as stored is not the event the log recorded at leaf %d", ErrMismatch, e.Number, leaf)}, nil
		}
		hs, err := p.Tree.ProveRecord(c.Size, leaf)
		if err != nil {
			return nil, err
		}
		out.Entries = append(out.Entries, EntryProof{Number: e.Number, Leaf: leaf, LeafData: data, Hashes: hs})
	}
	return out, nil
}
