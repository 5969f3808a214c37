package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/mod/sumdb/note"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// appendChained appends n events to stream, linked as commands link them.
func appendChained(t *testing.T, ctx context.Context, s eventstore.Store, stream string, n int) {
	t.Helper()
	var last []eventstore.RecordedEvent
	if evs, err := s.ReadStream(ctx, stream, eventstore.Backwards, 0, 1); err == nil {
		last = evs
	}
	prev, version := "", uint64(0)
	if len(last) == 1 {
		prev, version = eventstore.Hash(last[0]), last[0].Number
	}
	cmd := uuid.New()
	var batch []eventstore.EventData
	for i := range n {
		e := eventstore.EventData{ID: eventstore.EventID(cmd, i), Type: "test.happened", Data: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i)),
			Metadata: eventstore.Metadata{ActorID: "a", Role: "auditor", Command: "Test", CommandID: cmd.String(), CorrelationID: cmd.String(),
				RecordedAt: time.Now().UTC(), SchemaVersion: 1, PrevHash: prev, HashScheme: eventstore.CurrentHashScheme}}
		prev = eventstore.Hash(eventstore.RecordedEvent{ID: e.ID, StreamID: stream, Number: version + uint64(i) + 1, Type: e.Type, Data: e.Data, Metadata: e.Metadata})
		batch = append(batch, e)
	}
	if _, err := s.Append(ctx, stream, eventstore.Version(version), batch); err != nil {
		t.Fatal(err)
	}
}

// TestAuditCheckpointsDetectTampering: checkpoints signed outside the
// database catch what the hash chains alone cannot: each change made
// through SQL (an event rewritten, a chain recomputed after it, a tail
// cut, a stream deleted) fails econf audit verify against a checkpoint,
// and so does a rewritten checkpoint chain; a checkpoint is refused over
// events that no longer match the chain.
func TestAuditCheckpointsDetectTampering(t *testing.T) {
	url := pgtest.NewDatabaseURL(t, dbschema.Up)
	t.Setenv("DATABASE_URL", url)
	ctx := context.Background()
	data, dir := t.TempDir(), t.TempDir()
	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(ctx, append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	keyFile := filepath.Join(t.TempDir(), "checkpoint.key")
	out, err := cmd("audit", "keygen", "--name", "econf.test", "--out", keyFile)
	if err != nil || !strings.Contains(out, "econf.test+") {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	if _, err := cmd("audit", "keygen", "--name", "econf.test", "--out", keyFile); err == nil {
		t.Error("keygen overwrote an existing key file")
	}
	t.Setenv("ECONF_CHECKPOINT_KEY_FILE", keyFile)
	t.Setenv("ECONF_CHECKPOINT_DIR", dir)

	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := pgstore.New(pool)
	appendChained(t, ctx, store, "forecast-a", 3)
	appendChained(t, ctx, store, "forecast-b", 2)
	if out, err := cmd("audit", "checkpoint"); err != nil || !strings.Contains(out, "checkpoint of 5 events") {
		t.Fatalf("first checkpoint: %v\n%s", err, out)
	}
	appendChained(t, ctx, store, "forecast-a", 2)
	if out, err := cmd("audit", "checkpoint"); err != nil || !strings.Contains(out, "checkpoint of 7 events") {
		t.Fatalf("second checkpoint: %v\n%s", err, out)
	}
	if out, err := cmd("audit", "checkpoint"); err != nil || !strings.Contains(out, "no new events") {
		t.Errorf("checkpoint with nothing new: %v\n%s", err, out)
	}
	files := checkpointFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("checkpoint files %v", files)
	}
	if out, err := cmd("audit", "verify", "--checkpoints", dir); err != nil || !strings.Contains(out, "the first 7 events match") {
		t.Fatalf("verify untouched: %v\n%s", err, out)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE events_kept AS SELECT * FROM events`); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		t.Helper()
		if _, err := pool.Exec(ctx, `DELETE FROM events; INSERT INTO events OVERRIDING SYSTEM VALUE SELECT * FROM events_kept`); err != nil {
			t.Fatal(err)
		}
	}
	// recompute relinks every event after number in stream as an attacker
	// who knows the unkeyed chain would.
	recompute := func(stream string, number uint64) {
		t.Helper()
		evs, err := store.ReadStream(ctx, stream, eventstore.Forwards, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i := int(number); i < len(evs); i++ {
			var m map[string]any
			_ = json.Unmarshal(evs[i].RawMetadata, &m)
			m["prevHash"] = eventstore.Hash(evs[i-1])
			raw, _ := json.Marshal(m)
			if _, err := pool.Exec(ctx, `UPDATE events SET metadata = $1::json WHERE stream_id = $2 AND number = $3`, string(raw), stream, evs[i].Number); err != nil {
				t.Fatal(err)
			}
			evs[i].RawMetadata = raw
			_ = json.Unmarshal(raw, &evs[i].Metadata)
		}
	}
	for _, c := range []struct {
		name   string
		tamper func()
		chain  bool // the hash chains alone catch it
		want   string
	}{
		{"changed event", func() {
			pool.Exec(ctx, `UPDATE events SET data = '{"i":99}' WHERE stream_id = 'forecast-a' AND number = 2`)
		}, true, "do not hash to the root"},
		{"recomputed chain", func() {
			pool.Exec(ctx, `UPDATE events SET data = '{"i":99}' WHERE stream_id = 'forecast-a' AND number = 2`)
			recompute("forecast-a", 2)
		}, false, "do not hash to the root"},
		{"cut tail", func() {
			pool.Exec(ctx, `DELETE FROM events WHERE stream_id = 'forecast-a' AND number = 5`)
		}, false, "covers 7 events and the store holds 6"},
		{"deleted stream", func() {
			pool.Exec(ctx, `DELETE FROM events WHERE stream_id = 'forecast-b'`)
		}, false, "covers 7 events and the store holds 5"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer restore()
			c.tamper()
			out, err := cmd("audit", "verify")
			if c.chain != (err != nil) {
				t.Errorf("verify without checkpoints: %v; the chains alone catch it: %v\n%s", err, c.chain, out)
			}
			for _, args := range [][]string{{"--checkpoints", dir}, {"--checkpoint", files[1]}} {
				out, err := cmd(append([]string{"audit", "verify"}, args...)...)
				if err == nil || !strings.Contains(out, "CHECKPOINT FAILED") || !strings.Contains(out, c.want) {
					t.Errorf("verify %v after %s: %v; want a failed checkpoint (%s)\n%s", args, c.name, err, c.want, out)
				}
			}
			// No checkpoint is signed over the changed events.
			if out, err := cmd("audit", "checkpoint"); err == nil || len(checkpointFiles(t, dir)) != 2 {
				t.Errorf("checkpoint over changed events: %v, %d files\n%s", err, len(checkpointFiles(t, dir)), out)
			}
		})
	}
	if out, err := cmd("audit", "verify", "--checkpoints", dir); err != nil {
		t.Fatalf("verify after restoring the events: %v\n%s", err, out)
	}

	// The checkpoint chain itself.
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first, second := read(files[0]), read(files[1])
	skey, _, _ := note.GenerateKey(rand.Reader, "econf.test")
	other, _ := note.NewSigner(skey)
	otherSigned, _ := note.Sign(&note.Note{Text: strings.SplitN(string(second), "\n\n", 2)[0] + "\n"}, other)
	lines := strings.Split(string(second), "\n")
	lines[1] = "6"
	for _, c := range []struct {
		name  string
		apply func()
		want  string
	}{
		{"size rewritten", func() { os.WriteFile(files[1], []byte(strings.Join(lines, "\n")), 0o600) }, "signature does not match"},
		{"signed by another key", func() { os.WriteFile(files[1], otherSigned, 0o600) }, "not signed by the configured key"},
		{"first removed", func() { os.Remove(files[0]) }, "chain was cut at its start"},
		{"not a checkpoint", func() { os.WriteFile(files[1], []byte("hello\n"), 0o600) }, "not an econf checkpoint"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer os.WriteFile(files[0], first, 0o600)
			defer os.WriteFile(files[1], second, 0o600)
			c.apply()
			out, err := cmd("audit", "verify", "--checkpoints", dir)
			if err == nil || !strings.Contains(out, c.want) {
				t.Errorf("verify after %s: %v; want %q\n%s", c.name, err, c.want, out)
			}
			if out, err := cmd("audit", "checkpoint"); err == nil {
				t.Errorf("checkpoint onto a broken checkpoint chain: written\n%s", out)
			}
		})
	}
	if out, err := cmd("audit", "verify", "--checkpoints", dir); err != nil {
		t.Fatalf("verify after restoring the checkpoints: %v\n%s", err, out)
	}
}

func checkpointFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "checkpoint-*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}
