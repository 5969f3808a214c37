package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
)

// R-DECL-03: lengths are counted in characters, not bytes.
func TestCharCount(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{{"", 0}, {"abc", 3}, {"国际会议", 4}, {strings.Repeat("会", 50), 50}} {
		if got := domain.CharCount(tt.s); got != tt.want {
			t.Errorf("CharCount(%q) = %d; want %d", tt.s, got, tt.want)
		}
	}
}

func TestProblemsHelpers(t *testing.T) {
	var p domain.Problems
	if p.Required("a", "R-X", " \t") {
		t.Error("Required(blank) = true; want false")
	}
	if !p.Required("b", "R-X", "x") {
		t.Error("Required(x) = false; want true")
	}
	p.MaxChars("c", "R-X", strings.Repeat("会", 5), 5)
	p.MaxChars("d", "R-X", strings.Repeat("会", 6), 5)
	var got []string
	if ve := (*domain.ValidationError)(nil); errors.As(p.Err(), &ve) {
		for _, f := range ve.Fields {
			got = append(got, f.Path)
			if f.Rule != "R-X" || f.Message == "" || f.Zh == "" {
				t.Errorf("field error %+v; want rule R-X and both messages", f)
			}
		}
	}
	if want := []string{"a", "d"}; !slices.Equal(got, want) {
		t.Errorf("paths = %q; want %q", got, want)
	}
}

// R-FC-04: mainland mobile numbers are 11 digits starting with 1.
func TestValidMobile(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"13800000000", true}, {"19912345678", true},
		{"1380000000", false}, {"138000000000", false}, {"23800000000", false},
		{"1380000000a", false}, {"+8613800000000", false}, {"", false}, {"１3800000000", false},
	} {
		if got := domain.ValidMobile(tt.s); got != tt.want {
			t.Errorf("ValidMobile(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}

// R-FC-04: any plain mailbox address.
func TestValidEmail(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"a@example.org", true}, {"first.last+tag@mail.example.edu.cn", true}, {"A@EXAMPLE.ORG", true},
		{"", false}, {"a", false}, {"@example.org", false}, {"a@", false}, {"a@b@example.org", false},
		{"a@localhost", false}, {"a b@example.org", false}, {"Name <a@example.org>", false},
		{".a@example.org", false}, {"a..b@example.org", false}, {"a@example..org", false},
		{"a@-example.org", false}, {"a@example.o", false}, {"a@example.123", false},
		{strings.Repeat("a", 65) + "@example.org", false},
	} {
		if got := domain.ValidEmail(tt.s); got != tt.want {
			t.Errorf("ValidEmail(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}

// R-ACT-03: institutional email domains.
func TestValidDomainName(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"example.edu.cn", true}, {"Example.EDU.cn", true}, {"a-b.example.org", true}, {"example.xn--fiqs8s", true},
		{"example", false}, {"example.", false}, {".example.org", false}, {"ex_ample.org", false},
		{"example-.org", false}, {"例子.中国", false}, {strings.Repeat("a", 64) + ".org", false},
	} {
		if got := domain.ValidDomainName(tt.s); got != tt.want {
			t.Errorf("ValidDomainName(%q) = %v; want %v", tt.s, got, tt.want)
		}
	}
}
