package domain

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CharCount is the length of s in characters (Unicode code points), the unit
// every length rule counts in (R-DECL-03): 50 Chinese characters are 50, not
// 150 bytes.
func CharCount(s string) int { return utf8.RuneCountInString(s) }

// Required records a field error when value is blank and reports whether it
// was present.
func (p *Problems) Required(path, rule, value string) bool {
	if strings.TrimSpace(value) == "" {
		p.Add(path, rule, "required", "必填")
		return false
	}
	return true
}

// MaxChars records a field error when value is longer than max characters.
func (p *Problems) MaxChars(path, rule, value string, max int) {
	if n := CharCount(value); n > max {
		p.Add(path, rule,
			fmt.Sprintf("at most %d characters (got %d)", max, n),
			fmt.Sprintf("不得超过%d个字符（当前%d个）", max, n))
	}
}

// ValidMobile reports whether s is a mainland China mobile number: 11 digits
// starting with 1.
func ValidMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidEmail reports whether s is a plain mailbox address, local@domain,
// without display name or comments.
func ValidEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	local, host, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(local) > 64 {
		return false
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	for _, r := range local {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`@<>()[],;:"\`, r) {
			return false
		}
	}
	return ValidDomainName(host)
}

// ValidDomainName reports whether s is a DNS name of at least two labels
// ("hust.edu.cn"), letters, digits and inner hyphens only, with an alphabetic
// (or punycode) top-level label.
func ValidDomainName(s string) bool {
	if len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i] | 0x20 // ASCII lower case; digits and '-' keep their class below
			if !(c >= 'a' && c <= 'z' || l[i] >= '0' && l[i] <= '9' || l[i] == '-') {
				return false
			}
		}
	}
	tld := strings.ToLower(labels[len(labels)-1])
	if strings.HasPrefix(tld, "xn--") {
		return true
	}
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return len(tld) >= 2
}
