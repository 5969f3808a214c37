package anchor_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/esdbstore"
	"github.com/econf/econf/internal/anchor"
	"github.com/econf/econf/internal/esdbdouble"
)

func appendN(t *testing.T, s eventstore.Store, stream string, expected, n int) {
	t.Helper()
	cmd := uuid.New()
	var batch []eventstore.EventData
	for i := range n {
		batch = append(batch, eventstore.EventData{ID: eventstore.EventID(cmd, i), Type: "test.happened", Data: json.RawMessage(`{"i":1}`),
			Metadata: eventstore.Metadata{CommandID: cmd.String(), RecordedAt: time.Now().UTC(), HashScheme: eventstore.CurrentHashScheme}})
	}
	if _, err := s.Append(context.Background(), stream, eventstore.Version(expected), batch); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointsOnEventStoreDB: the tree, checkpoints and consistency
// proofs work over EventStoreDB's $all (the test double) as over
// PostgreSQL's; a tombstoned stream's events stay in $all until a
// scavenge, so the checkpoints still match then, while its reads fail.
func TestCheckpointsOnEventStoreDB(t *testing.T) {
	ctx := context.Background()
	d, err := esdbdouble.Start(esdbdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	store, err := esdbstore.Open(d.URL(), esdbstore.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	skey, _, _ := note.GenerateKey(rand.Reader, "econf.test")
	signer, verifier, err := anchor.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cp := &anchor.Checkpointer{Store: store, Tree: anchor.NewTree(), Signer: signer, Verifier: verifier, Dirs: []string{dir, t.TempDir()}, Now: time.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	appendN(t, store, "forecast-a", 0, 3)
	appendN(t, store, "forecast-b", 0, 2)
	if c, wrote, err := cp.Write(ctx); err != nil || !wrote || c.Size != 5 {
		t.Fatalf("first checkpoint: %+v %v %v", c, wrote, err)
	}
	appendN(t, store, "forecast-a", 3, 2)
	if c, wrote, err := cp.Write(ctx); err != nil || !wrote || c.Size != 7 {
		t.Fatalf("second checkpoint: %+v %v %v", c, wrote, err)
	}
	for _, dir := range cp.Dirs {
		chain, err := anchor.ReadDir(dir, verifier)
		if err != nil || len(chain) != 2 {
			t.Fatalf("%s: %d checkpoints, %v", dir, len(chain), err)
		}
		fresh := anchor.NewTree()
		if err := fresh.CatchUp(ctx, store); err != nil {
			t.Fatal(err)
		}
		for _, c := range chain {
			if err := fresh.Check(c.Checkpoint); err != nil {
				t.Errorf("%s: %v", c.Path, err)
			}
		}
	}
	// A consistency proof rewritten does not verify.
	proofs, _ := filepath.Glob(filepath.Join(dir, "*.consistency"))
	b, _ := os.ReadFile(proofs[0])
	lines := strings.Split(string(b), "\n")
	lines[1] = strings.Repeat("A", 43) + "="
	os.WriteFile(proofs[0], []byte(strings.Join(lines, "\n")), 0o600)
	if _, err := anchor.ReadDir(dir, verifier); !errors.Is(err, anchor.ErrMismatch) {
		t.Errorf("rewritten consistency proof: %v", err)
	}
	os.WriteFile(proofs[0], b, 0o600)

	d.TombstoneStream("forecast-b")
	fresh := anchor.NewTree()
	if err := fresh.CatchUp(ctx, store); err != nil {
		t.Fatal(err)
	}
	if fresh.Size() != 7 {
		t.Errorf("tree after a tombstone holds %d events; want 7 (kept in $all until a scavenge)", fresh.Size())
	}
	if _, err := store.ReadStream(ctx, "forecast-b", eventstore.Forwards, 0, 0); !errors.Is(err, eventstore.ErrStreamDeleted) {
		t.Errorf("read of the tombstoned stream: %v", err)
	}
}

// TestCheckpointerRunsPeriodically: Run writes a checkpoint at once and
// another after events were added, without being asked.
func TestCheckpointerRunsPeriodically(t *testing.T) {
	d, err := esdbdouble.Start(esdbdouble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	store, err := esdbstore.Open(d.URL(), esdbstore.Options{Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	skey, _, _ := note.GenerateKey(rand.Reader, "econf.test")
	signer, verifier, err := anchor.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cp := &anchor.Checkpointer{Store: store, Tree: anchor.NewTree(), Signer: signer, Verifier: verifier, Dirs: []string{dir}, Now: time.Now, Log: quiet}
	appendN(t, store, "forecast-a", 0, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cp.Run(ctx, 20*time.Millisecond) }()
	defer func() { cancel(); <-done }()
	wait := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			chain, err := anchor.ReadDir(dir, verifier)
			if err == nil && len(chain) == n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d checkpoints (%v) after 10s; want %d", len(chain), err, n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	wait(1)
	appendN(t, store, "forecast-a", 2, 1)
	wait(2)
}
