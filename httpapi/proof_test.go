package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/anchor"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestHistoryInclusionProof: a record's history carries the inclusion
// proof of its events against the newest signed checkpoint, and the proof
// verifies with nothing but itself, the checkpoint and the public key; a
// proof checked against another tree size, a forged checkpoint or one
// signed by another key is refused precisely.
func TestHistoryInclusionProof(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "econf.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _, err := anchor.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := anchor.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var cp *anchor.Checkpointer
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		cp = &anchor.Checkpointer{Store: c.App.Store(), Tree: anchor.NewTree(), Signer: signer, Verifier: verifier, Dirs: []string{dir}, Now: time.Now, Log: c.Log}
		c.Proofs = &anchor.Prover{Store: c.App.Store(), Tree: anchor.NewTree(), Dir: dir, Verifier: verifier}
	})
	auditor := h.email(domain.RoleAuditor)
	id, _ := h.submit(nil)
	type history struct {
		Entries []struct {
			Number uint64          `json:"number"`
			Data   json.RawMessage `json:"data"`
		} `json:"entries"`
		Proof *anchor.StreamProof `json:"proof"`
	}
	get := func() history {
		t.Helper()
		res := h.do("GET", "/api/v1/forecasts/"+id+"/history", auditor, nil)
		if res.status != http.StatusOK {
			t.Fatalf("history: %d %s", res.status, res.body)
		}
		var hi history
		if err := json.Unmarshal(res.body, &hi); err != nil {
			t.Fatal(err)
		}
		return hi
	}
	if hi := get(); hi.Proof != nil {
		t.Fatalf("a proof before any checkpoint: %+v", hi.Proof)
	}
	if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]any{"comment": "符合要求"}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	first, wrote, err := cp.Write(ctx)
	if err != nil || !wrote {
		t.Fatalf("checkpoint: %v %v", wrote, err)
	}
	// verify uses only the proof, its checkpoint and the public key.
	verify := func(hi history, want int) anchor.Checkpoint {
		t.Helper()
		if hi.Proof == nil || hi.Proof.Mismatch != "" || len(hi.Proof.Entries) != want {
			t.Fatalf("proof %+v; want %d entries", hi.Proof, want)
		}
		c, err := anchor.Open([]byte(hi.Proof.Checkpoint), verifier)
		if err != nil {
			t.Fatal(err)
		}
		// The leaves cover the payloads as stored: personal fields
		// encrypted (internal/personal), the rest as the history shows it.
		stored, err := h.stored.ReadStream(ctx, "forecast-"+id, eventstore.Forwards, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range hi.Proof.Entries {
			if err := anchor.VerifyEntry(c, e); err != nil {
				t.Errorf("entry %d: %v", e.Number, err)
			}
			if e.Number != hi.Entries[i].Number || !bytes.Contains(e.LeafData, stored[i].Data) {
				t.Errorf("proof entry %d does not carry event %d's payload as stored", e.Number, hi.Entries[i].Number)
			}
			if bytes.Contains(e.LeafData, []byte("张明远")) {
				t.Errorf("proof entry %d holds the applicant's name in clear", e.Number)
			}
		}
		return c
	}
	verify(get(), 2)

	if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-school", h.email(domain.RoleSchoolAdmin), map[string]any{}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	old := get()
	verify(old, 2) // event 3 waits for the next checkpoint
	if _, _, err := cp.Write(ctx); err != nil {
		t.Fatal(err)
	}
	second := verify(get(), 3)

	// A proof for another tree size does not verify.
	for _, e := range old.Proof.Entries {
		if err := anchor.VerifyEntry(second, e); !errors.Is(err, anchor.ErrMismatch) || !strings.Contains(err.Error(), "tree of size") {
			t.Errorf("proof of size %d checked against size %d: %v", first.Size, second.Size, err)
		}
	}
	// A forged checkpoint, or one signed by another key.
	forged := strings.Replace(old.Proof.Checkpoint, "\n"+itoa(first.Size)+"\n", "\n"+itoa(first.Size+1)+"\n", 1)
	if _, err := anchor.Open([]byte(forged), verifier); !errors.Is(err, anchor.ErrForged) {
		t.Errorf("forged checkpoint: %v", err)
	}
	otherKey, _, _ := note.GenerateKey(rand.Reader, "econf.test")
	other, _, _ := anchor.NewSigner(otherKey)
	resigned, err := anchor.Sign(first, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anchor.Open(resigned.Signed, verifier); !errors.Is(err, anchor.ErrOtherKey) {
		t.Errorf("checkpoint of another key: %v", err)
	}

	// Events changed in the database: the history says the proof fails.
	h.damaged = true
	if _, err := h.pool.Exec(ctx, `UPDATE events SET data = jsonb_set(data::jsonb, '{details,foreignCount}', '99')::json WHERE stream_id = $1 AND number = 1`, "forecast-"+id); err != nil {
		t.Fatal(err)
	}
	if hi := get(); hi.Proof == nil || hi.Proof.Mismatch == "" || len(hi.Proof.Entries) != 0 {
		t.Errorf("proof after tampering: %+v; want a mismatch and no entries", hi.Proof)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDeclarationHistoryProvesEveryStream: a declaration's history proves
// each stream it replays against the signed checkpoint, not only the
// declaration's own: the change request's and the deadline engine's
// events verify with nothing but their proof and the checkpoint; a stream
// that does not exist yet (the summary) carries none.
func TestDeclarationHistoryProvesEveryStream(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "econf.test")
	if err != nil {
		t.Fatal(err)
	}
	signer, _, err := anchor.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := anchor.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var cp *anchor.Checkpointer
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		cp = &anchor.Checkpointer{Store: c.App.Store(), Tree: anchor.NewTree(), Signer: signer, Verifier: verifier, Dirs: []string{dir}, Now: time.Now, Log: c.Log}
		c.Proofs = &anchor.Prover{Store: c.App.Store(), Tree: anchor.NewTree(), Dir: dir, Verifier: verifier}
	})
	id := h.approvedDeclaration()
	h.at(2027, 2, 17)
	proposal := map[string]any{"description": "因场地冲突，会议顺延一天。", "changes": map[string]any{"dates": map[string]any{"start": "2027-04-21", "end": "2027-04-23"}}}
	if res := h.do("POST", "/api/v1/declarations/"+id+"/change-request", h.email(domain.RoleApplicant), proposal); res.status != http.StatusCreated {
		t.Fatalf("change request: %d %s", res.status, res.body)
	}
	h.at(2027, 2, 21) // the change window closed (R-CHG-02): the engine records it
	h.tick()
	if _, wrote, err := cp.Write(ctx); err != nil || !wrote {
		t.Fatalf("checkpoint: %v %v", wrote, err)
	}
	res := h.do("GET", "/api/v1/declarations/"+id+"/history", h.email(domain.RoleAuditor), nil)
	if res.status != http.StatusOK {
		t.Fatalf("history: %d %s", res.status, res.body)
	}
	type proven struct {
		Stream  string              `json:"stream"`
		Version uint64              `json:"version"`
		Proof   *anchor.StreamProof `json:"proof"`
	}
	var hi struct {
		Version   uint64              `json:"version"`
		Proof     *anchor.StreamProof `json:"proof"`
		Change    proven              `json:"change"`
		Summary   proven              `json:"summary"`
		Deadlines proven              `json:"deadlines"`
	}
	if err := json.Unmarshal(res.body, &hi); err != nil {
		t.Fatal(err)
	}
	for _, s := range []proven{{"declaration-" + id, hi.Version, hi.Proof}, hi.Change, hi.Deadlines} {
		if s.Version == 0 || s.Proof == nil || s.Proof.Mismatch != "" || uint64(len(s.Proof.Entries)) != s.Version {
			t.Errorf("%s at version %d: proof %+v; want one entry per event", s.Stream, s.Version, s.Proof)
			continue
		}
		c, err := anchor.Open([]byte(s.Proof.Checkpoint), verifier)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range s.Proof.Entries {
			if err := anchor.VerifyEntry(c, e); err != nil {
				t.Errorf("%s event %d: %v", s.Stream, e.Number, err)
			}
		}
	}
	if hi.Summary.Version != 0 || hi.Summary.Proof != nil {
		t.Errorf("the summary stream, not opened yet: version %d, proof %+v", hi.Summary.Version, hi.Summary.Proof)
	}
}
