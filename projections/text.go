package projections

import (
	"strings"
	"unicode"
)

// searchText is the lower-cased text keyword search runs over.
func searchText(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(" | ")
		}
		b.WriteString(strings.ToLower(p))
	}
	return b.String()
}

// grams lists the distinct one- and two-character pieces of text, for the
// keywords too short to have trigrams (a two-character Chinese word is the
// common case): GIN-indexed, they keep such searches off a sequential scan.
func grams(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	rs := []rune(text)
	for i, r := range rs {
		if unicode.IsSpace(r) || r == '|' {
			continue
		}
		add(string(r))
		if i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) && rs[i+1] != '|' {
			add(string(rs[i : i+2]))
		}
	}
	return out
}

// likePattern escapes LIKE's wildcards in a keyword and wraps it in %.
func likePattern(keyword string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(keyword)) + "%"
}
