package anchor

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Origin is the first line of every checkpoint: what log it is of.
const Origin = "econf/audit-log/v1"

// Errors a checkpoint is refused with.
var (
	// ErrMalformed: the file is not a checkpoint.
	ErrMalformed = errors.New("not an econf checkpoint")
	// ErrOtherKey: the checkpoint is signed, but not by the key given.
	ErrOtherKey = errors.New("the checkpoint is not signed by the configured key")
	// ErrForged: the checkpoint names the configured key but the signature
	// does not match its text (the text was changed, or it was forged).
	ErrForged = errors.New("the checkpoint's signature does not match its text")
)

// Checkpoint is a signed statement of the tree's size and root at a time,
// naming the previous checkpoint.
type Checkpoint struct {
	Size int64
	Root tlog.Hash
	Time time.Time
	// Prev is Digest of the previous checkpoint's signed text ("" for the
	// first).
	Prev string
	// Signed is the checkpoint as signed (the note with its signature).
	Signed []byte
}

// Digest names a signed checkpoint for its successor's Prev.
func Digest(signed []byte) string {
	sum := sha256.Sum256(signed)
	return "sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

// text is the note's text: origin, size, root (the C2SP tlog-checkpoint
// lines), then econf's extension lines.
func (c Checkpoint) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%d\n%s\ntime %s\n", Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root[:]), c.Time.UTC().Format(time.RFC3339Nano))
	if c.Prev != "" {
		fmt.Fprintf(&b, "prev %s\n", c.Prev)
	}
	return b.String()
}

// Sign signs c and sets c.Signed.
func Sign(c Checkpoint, s note.Signer) (Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: c.text()}, s)
	if err != nil {
		return c, fmt.Errorf("anchor: sign checkpoint: %w", err)
	}
	c.Signed = msg
	return c, nil
}

// Open checks the checkpoint's signature with v and reads it.
func Open(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unknown *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("%w (key %s)", ErrForged, v.Name())
		case errors.As(err, &unknown):
			var names []string
			for _, s := range unknown.Note.UnverifiedSigs {
				names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
			}
			return Checkpoint{}, fmt.Errorf("%w: signed by %s, want %s+%08x", ErrOtherKey, strings.Join(names, ", "), v.Name(), v.KeyHash())
		}
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	bad := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(lines) < 4 || len(lines) > 5 {
		return bad("want 4 or 5 lines, got %d", len(lines))
	}
	if lines[0] != Origin {
		return bad("line 1: origin %q, want %q", lines[0], Origin)
	}
	c := Checkpoint{Signed: msg}
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size < 0 || lines[1] != strconv.FormatInt(c.Size, 10) {
		return bad("line 2: size %q is not a whole number", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != len(c.Root) {
		return bad("line 3: root %q is not a base64 SHA-256", lines[2])
	}
	copy(c.Root[:], root)
	ts, ok := strings.CutPrefix(lines[3], "time ")
	if c.Time, err = time.Parse(time.RFC3339Nano, ts); !ok || err != nil {
		return bad("line 4: %q is not \"time <RFC 3339>\"", lines[3])
	}
	if len(lines) == 5 {
		if c.Prev, ok = strings.CutPrefix(lines[4], "prev sha256:"); !ok || c.Prev == "" {
			return bad("line 5: %q is not \"prev sha256:<base64>\"", lines[4])
		}
		c.Prev = "sha256:" + c.Prev
	}
	return c, nil
}

// NewSigner reads a signing key in note's form (PRIVATE+KEY+name+hash+key,
// as econf audit keygen writes it) and returns its signer and the matching
// verifier.
func NewSigner(skey string) (note.Signer, note.Verifier, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint signing key: %w (want the PRIVATE+KEY+... line econf audit keygen writes)", err)
	}
	pub, err := publicKey(skey)
	if err != nil {
		return nil, nil, err
	}
	vkey, err := note.NewEd25519VerifierKey(s.Name(), pub)
	if err != nil {
		return nil, nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

// NewVerifier reads a public key in note's form (name+hash+key).
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("checkpoint public key: %w (want the name+hash+key line econf audit keygen prints)", err)
	}
	return v, nil
}

// publicKey derives the public key from a signing key's seed, its fifth
// field (base64 may hold '+', so the first four are cut off).
func publicKey(skey string) (ed25519.PublicKey, error) {
	rest := skey
	for range 4 {
		_, rest, _ = strings.Cut(rest, "+")
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) != 1+ed25519.SeedSize {
		return nil, errors.New("checkpoint signing key: not an ed25519 key")
	}
	return ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey), nil
}
