package auth

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/econf/econf/domain"
)

// PasswordRule is the id of the password rule in field errors: passwords
// per NIST SP 800-63B §3.1.1.2 (a password that is the only authenticator).
const PasswordRule = "R-AUTH-01"

// The length bounds of R-AUTH-01, counted in Unicode characters after NFKC
// normalisation. NIST asks at least 15 where the password is the only
// factor and at least 64 allowed.
const (
	MinPasswordLen = 15
	MaxPasswordLen = 128
)

//go:embed common_passwords.txt
var commonFile string

var common = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 32000)
	for line := range strings.Lines(commonFile) {
		line = strings.TrimRight(line, "\r\n")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
	}
	return m
})

// CommonPasswords is the number of entries in the shipped list.
func CommonPasswords() int { return len(common()) }

// CheckPassword enforces R-AUTH-01: 15 to 128 characters of any kind (no
// composition rules); not on the shipped list of common and breached
// passwords, not even with digits or symbols around it; not a repeated or
// sequential pattern; and not containing the account's own email address,
// its local part or its holder's name (personal: the email and the name,
// whichever are known). The error is one field error on path.
func CheckPassword(path, password string, personal ...string) error {
	pw := norm.NFKC.String(password)
	n := utf8.RuneCountInString(pw)
	var msg, zh string
	switch {
	case n < MinPasswordLen:
		msg, zh = "must have at least 15 characters; a few unrelated words make a good one", "至少15个字符，可用几个无关的词组成"
	case n > MaxPasswordLen:
		msg, zh = "may have at most 128 characters", "最多128个字符"
	case isCommon(pw):
		msg, zh = "is a commonly used or breached password; choose another", "该密码过于常见或已泄露，请另选"
	case isPattern(pw):
		msg, zh = "is a repeated or sequential pattern; choose another", "该密码为重复或连续字符，请另选"
	case containsPersonal(pw, personal):
		msg, zh = "must not contain your email address or name", "密码不得包含本人的邮箱或姓名"
	default:
		return nil
	}
	var p domain.Problems
	p.Add(path, PasswordRule, "password "+msg, zh)
	return p.Err()
}

// compact lowers s and drops everything but letters and digits.
func compact(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCommon reports whether pw, or its letters with digits and symbols
// around them trimmed ("Password!2024-2025"), is on the list.
func isCommon(pw string) bool {
	list := common()
	lower := strings.ToLower(pw)
	if _, ok := list[lower]; ok {
		return true
	}
	c := compact(pw)
	if _, ok := list[c]; ok {
		return true
	}
	core := strings.TrimFunc(c, unicode.IsDigit)
	if core == "" {
		return false // digits only: isPattern judges those
	}
	_, ok := list[core]
	return ok
}

// sequences are runs people type: digits, the alphabet, keyboard rows.
var sequences = []string{"01234567890", "abcdefghijklmnopqrstuvwxyz", "qwertyuiop", "asdfghjkl", "zxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p"}

// isPattern reports a password that is one short unit repeated
// ("abcabcabcabcabc"), has fewer than five distinct characters, or walks a
// sequence forwards or backwards ("123456789012345", "qwertyuiopasdfg").
func isPattern(pw string) bool {
	c := compact(pw)
	if c == "" {
		c = strings.ToLower(pw)
	}
	distinct := map[rune]bool{}
	for _, r := range c {
		distinct[r] = true
	}
	if len(distinct) < 5 {
		return true
	}
	for unit := 1; unit <= len(c)/2; unit++ {
		if len(c)%unit == 0 && strings.Repeat(c[:unit], len(c)/unit) == c {
			return true
		}
	}
	return walksSequences(c)
}

// walksSequences reports whether c is made only of steps along the
// sequences (each character follows the one before in some sequence, or
// precedes it), with at most two jumps.
func walksSequences(c string) bool {
	rs := []rune(c)
	jumps := 0
	for i := 1; i < len(rs); i++ {
		if !adjacent(rs[i-1], rs[i]) {
			jumps++
			if jumps > 2 {
				return false
			}
		}
	}
	return true
}

func adjacent(a, b rune) bool {
	for _, s := range sequences {
		for i := 1; i < len(s); i++ {
			x, y := rune(s[i-1]), rune(s[i])
			if (a == x && b == y) || (a == y && b == x) {
				return true
			}
		}
	}
	return false
}

// containsPersonal reports whether pw contains the email address, its
// local part or a piece of it, or the name or a piece of it. A piece
// counts from four characters, or from two where it holds non-ASCII
// letters (a Chinese name of two characters).
func containsPersonal(pw string, personal []string) bool {
	c := compact(pw)
	for _, v := range personal {
		v = norm.NFKC.String(strings.TrimSpace(v))
		if v == "" {
			continue
		}
		local, _, _ := strings.Cut(v, "@")
		pieces := []string{v, local}
		pieces = append(pieces, strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...)
		for _, piece := range pieces {
			p := compact(piece)
			if long(p) && strings.Contains(c, p) {
				return true
			}
		}
	}
	return false
}

func long(p string) bool {
	n := utf8.RuneCountInString(p)
	if n >= 4 {
		return true
	}
	if n < 2 {
		return false
	}
	for _, r := range p {
		if r > unicode.MaxASCII {
			return true
		}
	}
	return false
}
