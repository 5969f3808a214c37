package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/econf/econf/internal/anchor"

	"github.com/econf/econf/eventstore"
)

// chainReport is what econf audit verify found.
type chainReport struct {
	Streams int           `json:"streams"`
	Events  int           `json:"events"`
	Broken  []brokenChain `json:"broken"`
	// Checkpoints are the signed checkpoints checked against the events.
	Checkpoints []checkpointResult `json:"checkpoints,omitempty"`
}

type brokenChain struct {
	Stream string `json:"stream"`
	Number uint64 `json:"number"` // the first event whose recorded predecessor hash does not match
}

// verifyChains reads every event once, in global order, and checks that
// each names the hash of its stream's previous event.
func verifyChains(ctx context.Context, store eventstore.Store) (chainReport, error) {
	var r chainReport
	last := map[string]string{}   // stream → hash of its latest event
	number := map[string]uint64{} // stream → number of its latest event
	broken := map[string]uint64{}
	from := eventstore.Start
	done := settled(ctx, store)
	for {
		events, err := store.ReadAll(ctx, from, 1000)
		if err != nil {
			return r, err
		}
		if len(events) == 0 {
			ok, err := done(from)
			if err != nil {
				return r, err
			}
			if ok {
				break
			}
			continue
		}
		for _, e := range events {
			r.Events++
			if _, seen := broken[e.StreamID]; !seen && (e.Metadata.PrevHash != last[e.StreamID] || e.Number != number[e.StreamID]+1) {
				broken[e.StreamID] = e.Number
			}
			last[e.StreamID], number[e.StreamID] = eventstore.Hash(e), e.Number
		}
		from = events[len(events)-1].Position
	}
	if err := checkCount(ctx, store, r.Events, from); err != nil {
		return r, err
	}
	r.Streams = len(last)
	r.Broken = []brokenChain{}
	for s, n := range broken {
		r.Broken = append(r.Broken, brokenChain{Stream: s, Number: n})
	}
	sort.Slice(r.Broken, func(i, j int) bool { return r.Broken[i].Stream < r.Broken[j].Stream })
	return r, nil
}

// checkpointResult is what verify found about one checkpoint.
type checkpointResult struct {
	File  string `json:"file"`
	Size  int64  `json:"size,omitempty"`
	Error string `json:"error,omitempty"`
}

// stringList is a flag given any number of times.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint" && args[0] != "keygen") {
		return groupHelp("audit", args, stdout)
	}
	switch args[0] {
	case "verify":
		return cmdAuditVerify(ctx, args[1:], stdout, stderr)
	case "checkpoint":
		return cmdAuditCheckpoint(ctx, args[1:], stdout, stderr)
	case "keygen":
		return cmdAuditKeygen(args[1:], stdout, stderr)
	}
	return groupHelp("audit", args, stdout)
}

func cmdAuditKeygen(args []string, stdout, stderr io.Writer) error {
	var name, out string
	_, _, err := parseFlagsWith("audit keygen", args, stderr, func(fs flagSet) {
		fs.StringVar(&name, "name", "", "the key's name, e.g. econf.example.edu.cn")
		fs.StringVar(&out, "out", "", "file to write the signing key to (created 0600; never overwritten)")
	})
	if err != nil {
		return err
	}
	if name == "" || out == "" {
		return usageError("usage: econf audit keygen --name NAME --out FILE")
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return usageError(fmt.Sprintf("--name %q: %v", name, err))
	}
	f, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signing key written to %s (keep it outside the database; ECONF_CHECKPOINT_KEY_FILE=%s)\npublic key (give it to auditors; ECONF_CHECKPOINT_PUBLIC_KEY):\n%s\n", out, out, vkey)
	return nil
}

// checkpointing is the checkpoint configuration from the environment.
type checkpointing struct {
	signer   note.Signer   // nil: no signing key configured
	verifier note.Verifier // the public key: configured, or the signing key's
	dirs     []string
	interval time.Duration
}

// checkpointingFromEnv reads ECONF_CHECKPOINT_KEY or _KEY_FILE (the
// signing key), ECONF_CHECKPOINT_PUBLIC_KEY, ECONF_CHECKPOINT_DIR (one or
// more directories, separated by ':') and ECONF_CHECKPOINT_INTERVAL.
func checkpointingFromEnv(data string) (checkpointing, error) {
	var c checkpointing
	skey := os.Getenv("ECONF_CHECKPOINT_KEY")
	if file := os.Getenv("ECONF_CHECKPOINT_KEY_FILE"); file != "" {
		if skey != "" {
			return c, usageError("set ECONF_CHECKPOINT_KEY or ECONF_CHECKPOINT_KEY_FILE, not both")
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return c, fmt.Errorf("ECONF_CHECKPOINT_KEY_FILE: %w", err)
		}
		skey = string(b)
	}
	if skey != "" {
		s, v, err := anchor.NewSigner(skey)
		if err != nil {
			return c, usageError("ECONF_CHECKPOINT_KEY(_FILE): " + err.Error())
		}
		c.signer, c.verifier = s, v
	}
	if vkey := os.Getenv("ECONF_CHECKPOINT_PUBLIC_KEY"); vkey != "" {
		v, err := anchor.NewVerifier(vkey)
		if err != nil {
			return c, usageError("ECONF_CHECKPOINT_PUBLIC_KEY: " + err.Error())
		}
		c.verifier = v
	}
	c.dirs = filepath.SplitList(envOr("ECONF_CHECKPOINT_DIR", filepath.Join(data, "checkpoints")))
	interval, err := time.ParseDuration(envOr("ECONF_CHECKPOINT_INTERVAL", "10m"))
	if err != nil || interval < time.Second {
		return c, usageError("ECONF_CHECKPOINT_INTERVAL: want a duration of at least 1s, e.g. 10m")
	}
	c.interval = interval
	return c, nil
}

func (c checkpointing) checkpointer(e *env) *anchor.Checkpointer {
	return &anchor.Checkpointer{Store: e.raw, Tree: anchor.NewTree(), Signer: c.signer, Verifier: c.verifier, Dirs: c.dirs,
		Now: e.clock.Now, Log: e.log}
}

func cmdAuditCheckpoint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlagsWith("audit checkpoint", args, stderr, nil)
	if err != nil {
		return err
	}
	cp, err := checkpointingFromEnv(cfg.Data)
	if err != nil {
		return err
	}
	if cp.signer == nil {
		return usageError("econf audit checkpoint: no signing key: set ECONF_CHECKPOINT_KEY_FILE (make one with econf audit keygen)")
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	c, wrote, err := cp.checkpointer(e).Write(ctx)
	if err != nil {
		return err
	}
	if !wrote {
		fmt.Fprintf(stdout, "no new events since the checkpoint of %s (%d events)\n", c.Time.Format(time.RFC3339), c.Size)
		return nil
	}
	fmt.Fprintf(stdout, "checkpoint of %d events written to %s\n", c.Size, strings.Join(cp.dirs, ", "))
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var files stringList
	var dir, pub string
	cfg, fs, err := parseFlagsWith("audit verify", args, stderr, func(fs flagSet) {
		fs.Bool("json", false, "print JSON")
		fs.Var(&files, "checkpoint", "a checkpoint file to verify the events against (repeatable)")
		fs.StringVar(&dir, "checkpoints", "", "a checkpoint directory: its chain is verified, and every checkpoint in it against the events")
		fs.StringVar(&pub, "public-key", "", "the checkpoints' public key, or a file holding it (default ECONF_CHECKPOINT_PUBLIC_KEY, else the signing key's)")
	})
	if err != nil {
		return err
	}
	var verifier note.Verifier
	if len(files) > 0 || dir != "" {
		cp, err := checkpointingFromEnv(cfg.Data)
		if err != nil {
			return err
		}
		verifier = cp.verifier
		if pub != "" {
			if b, err := os.ReadFile(pub); err == nil {
				pub = string(b)
			}
			if verifier, err = anchor.NewVerifier(pub); err != nil {
				return usageError("--public-key: " + err.Error())
			}
		}
		if verifier == nil {
			return usageError("econf audit verify: checkpoints need the public key: --public-key, ECONF_CHECKPOINT_PUBLIC_KEY or the signing key")
		}
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	r, err := verifyChains(ctx, e.raw)
	if err != nil {
		return err
	}
	failed := 0
	if verifier != nil {
		tree := anchor.NewTree()
		if err := tree.CatchUp(ctx, e.raw); err != nil {
			return err
		}
		r.Checkpoints = []checkpointResult{}
		check := func(file string, c anchor.Checkpoint, err error) {
			res := checkpointResult{File: file, Size: c.Size}
			if err == nil {
				err = tree.Check(c)
			}
			if err != nil {
				res.Error = err.Error()
				failed++
			}
			r.Checkpoints = append(r.Checkpoints, res)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			c, err := anchor.Open(b, verifier)
			check(f, c, err)
		}
		if dir != "" {
			chain, err := anchor.ReadDir(dir, verifier)
			for _, s := range chain {
				check(s.Path, s.Checkpoint, nil)
			}
			if err != nil {
				r.Checkpoints = append(r.Checkpoints, checkpointResult{File: dir, Error: err.Error()})
				failed++
			} else if len(chain) == 0 {
				r.Checkpoints = append(r.Checkpoints, checkpointResult{File: dir, Error: "no checkpoints in the directory"})
				failed++
			}
		}
	}
	if fs.Lookup("json").Value.String() == "true" {
		if err := json.NewEncoder(stdout).Encode(r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "%d events in %d streams checked\n", r.Events, r.Streams)
		for _, b := range r.Broken {
			fmt.Fprintf(stdout, "BROKEN %s: event %d does not name the hash of event %d as stored\n", b.Stream, b.Number, b.Number-1)
		}
		for _, c := range r.Checkpoints {
			if c.Error != "" {
				fmt.Fprintf(stdout, "CHECKPOINT FAILED %s: %s\n", c.File, c.Error)
			} else {
				fmt.Fprintf(stdout, "checkpoint %s: the first %d events match\n", c.File, c.Size)
			}
		}
	}
	switch {
	case len(r.Broken) > 0 && failed > 0:
		return fmt.Errorf("%d streams have a broken hash chain and %d checkpoints fail", len(r.Broken), failed)
	case len(r.Broken) > 0:
		return fmt.Errorf("%d streams have a broken hash chain", len(r.Broken))
	case failed > 0:
		return fmt.Errorf("%d checkpoints fail: the events as stored are not what was signed", failed)
	}
	return nil
}
