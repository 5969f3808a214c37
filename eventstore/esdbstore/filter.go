package esdbstore

import (
	"slices"
	"strings"
)

// notStartingWith returns a regular expression matching the non-empty
// strings that start with none of the prefixes. It is written without
// lookahead, which Go's RE2 lacks, so the server (.NET regular
// expressions) and the test double read it alike: a trie of the prefixes
// where each node accepts the end of the string, any character that leads
// off every prefix, or a character that continues one, followed by the
// node below — except where a prefix is complete.
func notStartingWith(prefixes ...string) string {
	return "^" + trieNode(prefixes, true)
}

// trieNode matches what may follow once the prefixes' common part has
// been read (prefixes are the remainders). At the root the empty string
// does not count.
func trieNode(prefixes []string, root bool) string {
	byFirst := map[rune][]string{}
	for _, p := range prefixes {
		first, size := firstRune(p)
		byFirst[first] = append(byFirst[first], p[size:])
	}
	firsts := make([]rune, 0, len(byFirst))
	for r := range byFirst {
		firsts = append(firsts, r)
	}
	slices.Sort(firsts)

	var alts []string
	if !root {
		alts = append(alts, "$")
	}
	var class strings.Builder
	class.WriteString("[^")
	for _, r := range firsts {
		class.WriteString(classEscape(r))
	}
	class.WriteString("]")
	alts = append(alts, class.String())
	for _, r := range firsts {
		rests := byFirst[r]
		if slices.Contains(rests, "") {
			continue // a whole prefix: nothing that goes on from here matches
		}
		alts = append(alts, literalEscape(r)+trieNode(rests, false))
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

func firstRune(s string) (rune, int) {
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}

// classEscape writes r for inside a character class: ASCII punctuation is
// escaped, which both syntaxes accept.
func classEscape(r rune) string {
	if isAlnum(r) || r >= 0x80 {
		return string(r)
	}
	return `\` + string(r)
}

// literalEscape writes r for outside a character class.
func literalEscape(r rune) string {
	if isAlnum(r) || r == '-' || r >= 0x80 {
		return string(r)
	}
	return `\` + string(r)
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
