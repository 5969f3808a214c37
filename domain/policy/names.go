package policy

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/econf/econf/domain"
)

// NameRules govern conference names (R-FC-03, R-DECL-03). Forecast names are
// copied into declarations, so both apply the same rules.
type NameRules struct {
	MaxZh int `json:"maxZh"` // characters
	MaxEn int `json:"maxEn"` // characters
	// ForbiddenZh terms make a name invalid wherever they appear.
	ForbiddenZh []string `json:"forbiddenZh"`
	// DiscouragedZh terms draw a warning.
	DiscouragedZh []string `json:"discouragedZh"`
	// DiscouragedEn terms draw a warning when they appear as whole words,
	// case-insensitively, "High-level" also matching "high level" and a
	// plural matching ("Summits"); "Firstly" and "summitry" do not match.
	DiscouragedEn []string `json:"discouragedEn"`
}

// Check applies the length limits and term lists to a Chinese and an English
// name. Errors come as a *domain.ValidationError and, like the warnings, use
// the paths "nameZh" and "nameEn"; callers with nested names prefix them
// (domain.Problems.Merge). Whether a name is required is the caller's
// business: drafts may leave it blank.
func (r NameRules) Check(zh, en string) (warnings []domain.Warning, err error) {
	var pr domain.Problems
	pr.MaxChars("nameZh", "R-DECL-03", strings.TrimSpace(zh), r.MaxZh)
	pr.MaxChars("nameEn", "R-DECL-03", strings.TrimSpace(en), r.MaxEn)
	for _, n := range []struct{ path, value string }{{"nameZh", zh}, {"nameEn", en}} {
		for _, t := range r.ForbiddenZh {
			if containsZh(n.value, t) {
				pr.Add(n.path, "R-FC-03",
					fmt.Sprintf("must not contain %q", t),
					fmt.Sprintf("会议名称不得使用“%s”等称谓", t))
			}
		}
		for _, t := range r.DiscouragedZh {
			if containsZh(n.value, t) {
				warnings = append(warnings, domain.Warning{Path: n.path, Rule: "R-FC-03",
					Message: fmt.Sprintf("%q is discouraged in conference names", t),
					Zh:      fmt.Sprintf("请尽量不要在会议名称中使用“%s”", t)})
			}
		}
		for _, t := range r.DiscouragedEn {
			if containsWords(n.value, t) {
				warnings = append(warnings, domain.Warning{Path: n.path, Rule: "R-FC-03",
					Message: fmt.Sprintf("%q should not be used in conference names", t),
					Zh:      fmt.Sprintf("会议名称不宜使用“%s”等称谓", t)})
			}
		}
	}
	return warnings, pr.Err()
}

// fold maps full-width ASCII forms (Ｓｕｍｍｉｔ, １) to ASCII and lower-cases.
func fold(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		r -= 0xFEE0
	}
	return unicode.ToLower(r)
}

// containsZh reports whether term occurs in s, ignoring white space (峰 会)
// and full-width forms (第１届).
func containsZh(s, term string) bool {
	squeeze := func(s string) string {
		return strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return fold(r)
		}, s)
	}
	t := squeeze(term)
	return t != "" && strings.Contains(squeeze(s), t)
}

// tokens splits s into lower-case runs of Latin letters and digits; anything
// else, Chinese characters included, separates words.
func tokens(s string) []string {
	return strings.FieldsFunc(strings.Map(fold, s), func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) ||
			unicode.Is(unicode.Latin, r))
	})
}

// containsWords reports whether the words of term occur in s consecutively
// and whole, the last one also in a plural form.
func containsWords(s, term string) bool {
	want, have := tokens(term), tokens(s)
	if len(want) == 0 {
		return false
	}
	last := want[len(want)-1]
	for i := 0; i+len(want) <= len(have); i++ {
		match := true
		for j, w := range want {
			h := have[i+j]
			if h == w || (j == len(want)-1 && (h == last+"s" || h == last+"es")) {
				continue
			}
			match = false
			break
		}
		if match {
			return true
		}
	}
	return false
}
