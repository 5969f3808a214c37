package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/econf/econf/domain"
)

// TEXT: a single-line field refuses every control character and bytes that
// are not UTF-8; a multi-line one takes tab, newline and carriage return.
func TestTextProblem(t *testing.T) {
	for _, tt := range []struct {
		s         string
		multiline bool
		bad       bool
		at        int
		char      rune
	}{
		{"", false, false, 0, 0},
		{"国际会议 2027", false, false, 0, 0},
		{"a\x00b", false, true, 1, 0},
		{"会\x00", true, true, 1, 0},
		{"a\tb", false, true, 1, '\t'},
		{"a\tb\r\nc", true, false, 0, 0},
		{"line\none", false, true, 4, '\n'},
		{"bell\a", true, true, 4, '\a'},
		{"del\x7f", false, true, 3, 0x7f},
		{"c1\u0085", true, true, 2, 0x85},
		{"ok \u00a0 é \uFFFD", false, false, 0, 0},
		{"会议\xff", false, true, 2, utf8.RuneError},
		{"\xed\xa0\x80", false, true, 0, utf8.RuneError}, // a UTF-16 surrogate written as UTF-8
	} {
		p, bad := domain.TextFault(tt.s, tt.multiline)
		if bad != tt.bad || bad && (p.At != tt.at || p.Char != tt.char) {
			t.Errorf("TextFault(%q, %v) = %+v, %v; want bad=%v at %d char %U", tt.s, tt.multiline, p, bad, tt.bad, tt.at, tt.char)
		}
		if bad {
			fe := p.FieldError()
			if fe.Rule != domain.RuleText || fe.Message == "" || fe.Zh == "" {
				t.Errorf("FieldError() = %+v; want rule TEXT and both messages", fe)
			}
			if strings.ContainsRune(fe.Message, 0) || !utf8.ValidString(fe.Message) {
				t.Errorf("the message itself must be clean text: %q", fe.Message)
			}
		}
	}
}

type textInner struct {
	Name  string   `json:"name"`
	Notes string   `json:"notes" text:"multiline"`
	Tags  []string `json:"tags,omitempty"`
}

type textEmbedded struct {
	Code string `json:"code"`
}

type textOuter struct {
	textEmbedded
	Title   string               `json:"title"`
	Kind    domain.Role          `json:"kind"`
	Inner   textInner            `json:"inner"`
	Items   []textInner          `json:"items"`
	Ptr     *textInner           `json:"ptr,omitempty"`
	ByKey   map[string]string    `json:"byKey"`
	Any     any                  `json:"any"`
	Opaque  string               `json:"opaque" text:"-"`
	Ignored string               `json:"-"`
	Blob    []byte               `json:"blob"`
	Lines   []string             `json:"lines" text:"multiline"`
	Nested  map[string]textInner `json:"nested"`
	private string
}

func TestCheckText(t *testing.T) {
	clean := textOuter{Title: "t", Inner: textInner{Name: "n", Notes: "a\nb\tc"}, Lines: []string{"x\ny"}, private: "\x00"}
	if got := domain.CheckText(clean); got != nil {
		t.Fatalf("CheckText(clean) = %+v; want nil", got)
	}
	if err := domain.TextError(&clean); err != nil {
		t.Fatalf("TextError(clean) = %v; want nil", err)
	}
	dirty := textOuter{
		textEmbedded: textEmbedded{Code: "c\x00"},
		Title:        "t\n",
		Kind:         domain.Role("x\x01"),
		Inner:        textInner{Name: "ok", Notes: "n\x00"},
		Items:        []textInner{{Name: "fine"}, {Name: "b\x7f", Tags: []string{"ok", "t\x1b"}}},
		Ptr:          &textInner{Notes: "\xff"},
		ByKey:        map[string]string{"k": "v\x00", "bad\x00key": "v"},
		Any:          map[string]any{"deep": []any{"a", "\x00"}},
		Opaque:       "\x00",
		Ignored:      "\x00",
		Blob:         []byte{0},
		Lines:        []string{"ok\n", "\x00"},
		Nested:       map[string]textInner{"x": {Notes: "fine\n", Name: "a\tb"}},
	}
	var paths []string
	for _, p := range domain.CheckText(&dirty) {
		paths = append(paths, p.Path)
	}
	slices.Sort(paths)
	want := []string{`any.deep[1]`, `byKey."bad\x00key"`, `byKey.k`, `code`, `inner.notes`, `items[1].name`, `items[1].tags[1]`,
		`kind`, `lines[1]`, `nested.x.name`, `ptr.notes`, `title`}
	if !slices.Equal(paths, want) {
		t.Errorf("paths = %q\nwant    %q", paths, want)
	}
	var ve *domain.ValidationError
	if err := domain.TextError(dirty); !errors.As(err, &ve) || len(ve.Fields) != len(want) || ve.Fields[0].Rule != domain.RuleText {
		t.Errorf("TextError = %v; want a ValidationError with %d TEXT fields", err, len(want))
	}
}

// Events are forever: whatever text an event holds, a read model must be
// able to store it.
func TestStorableText(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"国际会议\n\t", "国际会议\n\t"},
		{"a\x00b", "a\uFFFDb"},
		{"\x00\x00", "\uFFFD\uFFFD"},
		{"会\xff\xfe议", "会\uFFFD议"},
		{"\x01\x7f", "\x01\x7f"}, // PostgreSQL stores these; only input refuses them
	} {
		got := domain.StorableText(tt.in)
		if got != tt.want {
			t.Errorf("StorableText(%q) = %q; want %q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Errorf("StorableText(%q) = %q is not storable", tt.in, got)
		}
	}
}
