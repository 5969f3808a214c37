package projections

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
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

// genericWords are the words nearly every conference name has; they say
// nothing about the theme, so similarityKey drops them before names are
// compared (otherwise "量子计算国际研讨会" and "数字经济国际研讨会" look
// alike). Longer words come first so they go whole.
var genericWords = strings.NewReplacer(
	"国际学术研讨会", "", "国际学术会议", "", "国际研讨会", "", "国际会议", "", "学术研讨会", "", "学术会议", "",
	"研讨会", "", "工作坊", "", "会议", "", "论坛", "", "大会", "", "年会", "", "峰会", "", "国际", "", "学术", "",
)

// editionMark matches the year and the edition in a name: "2027年", "第十二届".
var editionMark = regexp.MustCompile(`[0-9]{2,4}年(度)?|第[0-9一二三四五六七八九十百零〇]+届`)

// similarityKey is the text R-DECL-19 compares: lower-cased, without the
// year, edition, generic words, punctuation and spaces.
func similarityKey(s string) string {
	s = editionMark.ReplaceAllString(strings.ToLower(s), "")
	s = genericWords.Replace(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}

// Whole words index the forecast list's rare keywords (forecastGrams): a
// word of wordMinRunes to wordMaxRunes letters and digits. Shorter ones
// are among the grams already; longer ones are left out (a GIN entry is
// bounded, and a keyword holding one is found by its trigrams).
const (
	wordMinRunes = 3
	wordMaxRunes = 32
)

// isWordRune says r belongs to a word: a letter or a digit.
func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// wordRuns splits text into its runs of word runes, each with whether a
// non-word rune bounds it before and after (false at either end of text).
func wordRuns(text string, each func(w string, before, after bool)) {
	rs := []rune(text)
	for i := 0; i < len(rs); {
		if !isWordRune(rs[i]) {
			i++
			continue
		}
		j := i
		for j < len(rs) && isWordRune(rs[j]) {
			j++
		}
		each(string(rs[i:j]), i > 0, j < len(rs))
		i = j
	}
}

// words lists the distinct whole words of text that the index keeps.
func words(text string) []string {
	seen := map[string]bool{}
	var out []string
	wordRuns(text, func(w string, _, _ bool) {
		if n := utf8.RuneCountInString(w); n >= wordMinRunes && n <= wordMaxRunes && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	})
	return out
}

// keywordWords lists the words of keyword k (lower-cased) that every text
// containing k holds whole, as words finds them: those bounded on both
// sides within k by a rune that is no word rune, so that the text's word
// there ends where k's does. "研讨会（12345）" gives "12345"; "人工智能"
// gives none, as a text may go on with letters either side of it.
func keywordWords(k string) []string {
	var out []string
	wordRuns(k, func(w string, before, after bool) {
		if n := utf8.RuneCountInString(w); before && after && n >= wordMinRunes && n <= wordMaxRunes && !slices.Contains(out, w) {
			out = append(out, w)
		}
	})
	return out
}

// forecastGrams are what the forecast list's gram index holds of its
// search text: the grams, and its whole words for rare keywords
// (rareMatches). A word has three runes or more, a gram two at most, so
// neither is ever taken for the other.
func forecastGrams(search string) []string {
	return append(grams(search), words(search)...)
}
