package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

var (
	jpeg = append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, bytes.Repeat([]byte{7}, 2000)...)
	pdf  = []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
	png  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
)

func newLocal(t *testing.T) *Local {
	t.Helper()
	l, err := NewLocal(t.TempDir(), func() time.Time { return time.Date(2026, 9, 10, 2, 0, 0, 0, time.UTC) })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestPutChecksContentNotName(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	owner := uuid.New()
	cases := []struct {
		name    string
		kind    Kind
		file    string
		content []byte
		ok      bool
	}{
		{"a JPEG photo", SummaryPhoto, "开幕式.jpg", jpeg, true},
		{"a PDF approval", LocationApproval, "批复件.PDF", pdf, true},
		{"a PDF renamed .jpg", SummaryPhoto, "photo.jpg", pdf, false},
		{"a PNG named .jpg for a photo", SummaryPhoto, "photo.jpg", png, false},
		{"a PNG named .png where only JPEG is allowed", SummaryPhoto, "photo.png", png, false},
		{"a JPEG named .pdf", LocationApproval, "scan.pdf", jpeg, false},
		{"text pretending to be a PDF", LocationApproval, "scan.pdf", []byte("hello"), false},
		{"an empty file", LocationApproval, "scan.pdf", nil, false},
		{"a name with a slash", LocationApproval, "../scan.pdf", pdf, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := l.Put(ctx, c.kind, c.file, owner, bytes.NewReader(c.content))
			if !c.ok {
				var ve *domain.ValidationError
				if !errors.As(err, &ve) {
					t.Fatalf("got %v; want a validation error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(c.content)
			if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(c.content)) || f.OwnerID != owner {
				t.Errorf("stored %+v", f)
			}
			rc, got, err := l.Open(ctx, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			if !bytes.Equal(b, c.content) || got != f {
				t.Errorf("read back %d bytes, %+v", len(b), got)
			}
		})
	}
}

func TestPutRefusesOversizedUploads(t *testing.T) {
	l := newLocal(t)
	big := io.MultiReader(bytes.NewReader(pdf), bytes.NewReader(make([]byte, 50<<20)))
	_, err := l.Put(context.Background(), LocationApproval, "scan.pdf", uuid.New(), big)
	var ve *domain.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Error(), "MiB") {
		t.Fatalf("50 MiB upload: %v; want a size error", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(l.dir, "blobs")); len(entries) != 0 {
		t.Errorf("an oversized upload left %d blobs", len(entries))
	}
}

func TestFilesAreNeverOverwritten(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	a, err := l.Put(ctx, SummaryPhoto, "a.jpg", uuid.New(), bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Put(ctx, SummaryPhoto, "b.jpg", uuid.New(), bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID || a.SHA256 != b.SHA256 {
		t.Errorf("same content twice: ids %s %s, hashes %s %s", a.ID, b.ID, a.SHA256, b.SHA256)
	}
	if _, f, err := l.Open(ctx, a.ID); err != nil || f.Name != "a.jpg" {
		t.Errorf("first upload after the second: %v %+v", err, f)
	}
	// Content changed on disk is reported, not served.
	if err := os.WriteFile(filepath.Join(l.dir, "blobs", a.SHA256), []byte("tampered"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Open(ctx, a.ID); err == nil {
		t.Error("tampered content served")
	}
	if _, _, err := l.Open(ctx, uuid.New()); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
}

// Deleting an upload (a person's erasure) removes its description and its
// content, unless another upload holds the same bytes: that one still
// opens.
func TestDeleteRemovesForGood(t *testing.T) {
	l := newLocal(t)
	ctx := context.Background()
	a, err := l.Put(ctx, NomineePhoto, "a.png", uuid.New(), bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	b, err := l.Put(ctx, NomineePhoto, "b.png", uuid.New(), bytes.NewReader(png))
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(l.dir, "blobs", a.SHA256)
	if err := l.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Stat(ctx, a.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted upload still described: %v", err)
	}
	if _, _, err := l.Open(ctx, b.ID); err != nil {
		t.Errorf("the other upload of the same bytes: %v", err)
	}
	if err := l.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(blob); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("content still on disk: %v", err)
	}
	if err := l.Delete(ctx, b.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}
