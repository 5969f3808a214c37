// Package filestore owns uploaded files: checking what they really are
// (by content, not by name), bounding their size, recording their SHA-256,
// and keeping them immutable. Store is the port; Local keeps files under the
// data folder, and an S3-compatible adapter can implement the same port.
package filestore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// Content types the platform accepts, identified by their first bytes.
const (
	PDF  = "application/pdf"
	JPEG = "image/jpeg"
	PNG  = "image/png"
	XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// extensions lists the file-name endings that go with each content type.
var extensions = map[string][]string{
	PDF:  {".pdf"},
	JPEG: {".jpg", ".jpeg"},
	PNG:  {".png"},
	XLSX: {".xlsx"},
}

// KindNamed finds a kind by its name.
func KindNamed(name string) (Kind, bool) {
	for _, k := range []Kind{LocationApproval, ForeignCoHost, SignedForm, SummaryPhoto, Proceedings, ChangeMaterial, NGOReceipt, Spreadsheet,
		FundingApproval, FundingProof, NominationScan, NomineePhoto, NomineeAttachment} {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Kind is what an upload is for; it fixes the allowed types and size.
type Kind struct {
	Name     string
	Types    []string
	MaxBytes int64
}

// The kinds of upload the workflows use.
var (
	// LocationApproval is the local foreign-affairs office's approval for a
	// conference in another city (R-DECL-07).
	LocationApproval = Kind{Name: "location_approval", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// ForeignCoHost is a foreign co-host's background material (R-DECL-20).
	ForeignCoHost = Kind{Name: "foreign_cohost", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// SignedForm is a signed and stamped form scan (R-FC-08).
	SignedForm = Kind{Name: "signed_form", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// SummaryPhoto is a conference photo for the summary: JPEG only (R-SUM-03).
	SummaryPhoto = Kind{Name: "summary_photo", Types: []string{JPEG}, MaxBytes: 10 << 20}
	// Proceedings is the conference's proceedings file (论文集, R-SUM-03).
	Proceedings = Kind{Name: "proceedings", Types: []string{PDF}, MaxBytes: 50 << 20}
	// ChangeMaterial is the optional attachment of a change request (R-CHG-04).
	ChangeMaterial = Kind{Name: "change_material", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// NGOReceipt is the public security bureau's receipt of an overseas
	// NGO's temporary activity filing (R-DECL-11).
	NGOReceipt = Kind{Name: "ngo_receipt", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// FundingApproval is a conference's approval document scan (国际会议
	// 批件) a funding application names (R-FUND-02).
	FundingApproval = Kind{Name: "funding_approval", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// FundingProof is the leaders' prior approval of the academy's name or
	// leaders on a funded conference (R-FUND-07).
	FundingProof = Kind{Name: "funding_proof", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// NominationScan is a signed scan of an important-conference
	// nomination: the committee's opinion form or the signed and sealed
	// recommendation list (R-NOM-04).
	NominationScan = Kind{Name: "nomination_scan", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// NomineePhoto is a congress nominee's photo (seed 004 fig. 2.4): an
	// image, checked to decode as one when a nominee refers to it.
	NomineePhoto = Kind{Name: "nominee_photo", Types: []string{JPEG, PNG}, MaxBytes: 5 << 20}
	// NomineeAttachment is a file attached to a congress nominee (上传文件,
	// seed 004 fig. 2.7).
	NomineeAttachment = Kind{Name: "nominee_attachment", Types: []string{PDF, JPEG, PNG}, MaxBytes: 20 << 20}
	// Spreadsheet is an import such as the key-people list (R-DECL-13).
	Spreadsheet = Kind{Name: "spreadsheet", Types: []string{XLSX}, MaxBytes: 5 << 20}
)

// File describes a stored file; it is what events record.
type File struct {
	ID          uuid.UUID `json:"id"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	StoredAt    time.Time `json:"storedAt"`
	OwnerID     uuid.UUID `json:"ownerId"`
}

// ErrNotFound: no file with that id.
var ErrNotFound = errors.New("file not found")

// Store is the port for uploaded files.
type Store interface {
	// Put checks and keeps the content read from r, named name, as a file of
	// kind k. Bad content is a *domain.ValidationError on path "file".
	Put(ctx context.Context, k Kind, name string, owner uuid.UUID, r io.Reader) (File, error)
	// Open returns a stored file's content and description.
	Open(ctx context.Context, id uuid.UUID) (io.ReadCloser, File, error)
	// Stat returns a stored file's description.
	Stat(ctx context.Context, id uuid.UUID) (File, error)
}

// sniff identifies content by its first bytes.
func sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) && (bytes.Contains(head, []byte("[Content_Types].xml")) || bytes.Contains(head, []byte("xl/"))):
		return XLSX
	}
	return http.DetectContentType(head)
}

// check refuses a file whose content is not one of k's types, or whose
// name's ending does not go with what it really is (a PDF named .jpg).
func check(k Kind, name, actual string, size int64) error {
	var p domain.Problems
	ok := false
	for _, t := range k.Types {
		ok = ok || t == actual
	}
	if !ok {
		p.Add("file", "SCHEMA", fmt.Sprintf("the content is %s; a %s upload must be one of %s", actual, k.Name, strings.Join(k.Types, ", ")),
			fmt.Sprintf("文件内容类型为 %s，不符合要求（允许：%s）", actual, strings.Join(k.Types, "、")))
	} else {
		ext := strings.ToLower(filepath.Ext(name))
		match := false
		for _, e := range extensions[actual] {
			match = match || e == ext
		}
		if !match {
			p.Add("file", "SCHEMA", fmt.Sprintf("the name ends in %q but the content is %s", ext, actual),
				fmt.Sprintf("文件扩展名 %q 与实际内容（%s）不符", ext, actual))
		}
	}
	if size == 0 {
		p.Add("file", "SCHEMA", "the file is empty", "文件为空")
	}
	if name == "" || utf8.RuneCountInString(name) > 200 || strings.ContainsAny(name, "/\\\x00") {
		p.Add("name", "SCHEMA", "a file name of 1 to 200 characters without slashes", "文件名须为1至200个字符且不含斜杠")
	}
	return p.Err()
}

// Local keeps files under a directory: content in blobs/<sha>, each upload's
// description in meta/<id>.json. Nothing is ever overwritten: content is
// addressed by its hash, and a description is created exclusively.
type Local struct {
	dir string
	now func() time.Time
	mu  sync.Mutex // a blob's creation and its deletion
}

// NewLocal keeps files under dir, creating it.
func NewLocal(dir string, now func() time.Time) (*Local, error) {
	for _, d := range []string{"blobs", "meta", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
	}
	return &Local{dir: dir, now: now}, nil
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, k Kind, name string, owner uuid.UUID, r io.Reader) (File, error) {
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "upload-")
	if err != nil {
		return File{}, fmt.Errorf("filestore: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	defer tmp.Close()
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(tmp, h, &limitedBuffer{b: &head, max: 4096}), io.LimitReader(r, k.MaxBytes+1))
	if err != nil {
		return File{}, fmt.Errorf("filestore: read upload: %w", err)
	}
	if n > k.MaxBytes {
		var p domain.Problems
		p.Add("file", "SCHEMA", fmt.Sprintf("at most %d MiB for a %s upload", k.MaxBytes>>20, k.Name), fmt.Sprintf("文件不得超过 %d MiB", k.MaxBytes>>20))
		return File{}, p.Err()
	}
	actual := sniff(head.Bytes())
	if err := check(k, name, actual, n); err != nil {
		return File{}, err
	}
	if err := tmp.Sync(); err != nil {
		return File{}, fmt.Errorf("filestore: %w", err)
	}
	f := File{ID: uuid.New(), Kind: k.Name, Name: name, ContentType: actual, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), StoredAt: l.now().UTC(), OwnerID: owner}
	blob := filepath.Join(l.dir, "blobs", f.SHA256)
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := os.Stat(blob); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(tmp.Name(), blob); err != nil {
			return File{}, fmt.Errorf("filestore: %w", err)
		}
	}
	meta, _ := json.Marshal(f) // plain struct
	mf, err := os.OpenFile(filepath.Join(l.dir, "meta", f.ID.String()+".json"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return File{}, fmt.Errorf("filestore: %w", err)
	}
	if _, err := mf.Write(meta); err != nil {
		mf.Close()
		return File{}, fmt.Errorf("filestore: %w", err)
	}
	if err := mf.Close(); err != nil {
		return File{}, fmt.Errorf("filestore: %w", err)
	}
	return f, ctx.Err()
}

// Delete removes an upload for good: its description, and its content
// unless another upload holds the same bytes. A person's erasure (PIPL)
// deletes their photo and files this way; ErrNotFound when there is no
// such upload.
func (l *Local) Delete(_ context.Context, id uuid.UUID) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, err := l.Stat(context.Background(), id)
	if err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(l.dir, "meta", id.String()+".json")); err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	metas, err := os.ReadDir(filepath.Join(l.dir, "meta"))
	if err != nil {
		return fmt.Errorf("filestore: %w", err)
	}
	for _, m := range metas {
		b, err := os.ReadFile(filepath.Join(l.dir, "meta", m.Name()))
		if err != nil {
			return fmt.Errorf("filestore: %w", err)
		}
		var other File
		if json.Unmarshal(b, &other) == nil && other.SHA256 == f.SHA256 {
			return nil // the content is another upload's too
		}
	}
	if err := os.Remove(filepath.Join(l.dir, "blobs", f.SHA256)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}

// Stat implements Store.
func (l *Local) Stat(_ context.Context, id uuid.UUID) (File, error) {
	var f File
	b, err := os.ReadFile(filepath.Join(l.dir, "meta", id.String()+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("filestore: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("filestore: description of %s: %w", id, err)
	}
	return f, nil
}

// Open implements Store; the content is checked against its hash as read
// back, so a file changed on disk is reported, not served.
func (l *Local) Open(ctx context.Context, id uuid.UUID) (io.ReadCloser, File, error) {
	f, err := l.Stat(ctx, id)
	if err != nil {
		return nil, f, err
	}
	content, err := os.ReadFile(filepath.Join(l.dir, "blobs", f.SHA256))
	if err != nil {
		return nil, f, fmt.Errorf("filestore: content of %s: %w", id, err)
	}
	if sum := sha256.Sum256(content); hex.EncodeToString(sum[:]) != f.SHA256 {
		return nil, f, fmt.Errorf("filestore: content of %s no longer matches its SHA-256", id)
	}
	return io.NopCloser(bytes.NewReader(content)), f, nil
}

// EraseOwner deletes for good every file owner uploaded (an erasure of
// their personal data, PIPL): each description, and each content no other
// description refers to (content is shared by hash). Events that refer to
// a file keep its id and hash, so histories still verify; reading the file
// answers ErrNotFound. It returns how many files it deleted.
func (l *Local) EraseOwner(_ context.Context, owner uuid.UUID) (int, error) {
	metas, err := os.ReadDir(filepath.Join(l.dir, "meta"))
	if err != nil {
		return 0, fmt.Errorf("filestore: %w", err)
	}
	var gone []string
	keep := map[string]bool{}
	erased := 0
	for _, m := range metas {
		id, ok := strings.CutSuffix(m.Name(), ".json")
		if !ok {
			continue
		}
		u, err := uuid.Parse(id)
		if err != nil {
			continue
		}
		f, err := l.Stat(context.Background(), u)
		if err != nil {
			return erased, err
		}
		if f.OwnerID != owner {
			keep[f.SHA256] = true
			continue
		}
		if err := os.Remove(filepath.Join(l.dir, "meta", m.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return erased, fmt.Errorf("filestore: erase %s: %w", id, err)
		}
		erased++
		gone = append(gone, f.SHA256)
	}
	for _, sum := range gone {
		if keep[sum] {
			continue
		}
		if err := os.Remove(filepath.Join(l.dir, "blobs", sum)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return erased, fmt.Errorf("filestore: erase content %s: %w", sum, err)
		}
	}
	return erased, nil
}

// limitedBuffer keeps the first max bytes written to it and accepts the rest.
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
