package esdbstore

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// TestApplicationStreamsFilter: the server-side filter lets through
// exactly the streams the client-side check keeps, including every prefix
// of the claim prefix, and anything new.
func TestApplicationStreamsFilter(t *testing.T) {
	rx := regexp.MustCompile(applicationStreams)
	names := []string{
		"forecast-1", "declaration-1", "deadline-1", "inbox-1", "registration-1", "password-reset-1",
		"policy-econf", "org-1", "user-1", "funding-1", "a-kind-added-next-year-1", "e", "ec", "econf",
		"econf-", "econf-event", "econf-eventid", "econf-eventid-1", "econf-eventid-", "$all", "$$forecast-1",
		"$stats", "$", "x$", "econf-eventix-1", "eeconf-eventid-1", "Econf-eventid-1", "会议-1",
	}
	for i := range len(claimPrefix) + 1 {
		names = append(names, claimPrefix[:i], claimPrefix[:i]+"x", claimPrefix[:i]+"$")
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("$econf-eventid" + "xyz19")
	for range 5000 {
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteString(claimPrefix[:r.IntN(len(claimPrefix)+1)])
		}
		for range r.IntN(6) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		names = append(names, b.String())
	}
	for _, n := range names {
		if n == "" {
			continue
		}
		if got, want := rx.MatchString(n), ours(n, "E"); got != want {
			t.Errorf("%q: filter %v, client check %v (filter %s)", n, got, want, applicationStreams)
		}
	}
	if !rx.MatchString("a-kind-added-next-year-1") {
		t.Error("a stream kind nobody listed is left out")
	}
}

func TestNotStartingWith(t *testing.T) {
	for _, tc := range []struct {
		prefixes []string
		in, out  []string
	}{
		{[]string{"ab", "ac"}, []string{"a", "b", "ad", "ba"}, []string{"ab", "abc", "ac"}},
		{[]string{"a.b"}, []string{"a", "axb", "a."}, []string{"a.b", "a.bc"}},
		{[]string{"会议"}, []string{"会", "会a"}, []string{"会议", "会议1"}},
	} {
		rx := regexp.MustCompile(notStartingWith(tc.prefixes...))
		for _, s := range tc.in {
			if !rx.MatchString(s) {
				t.Errorf("%v: %q left out", tc.prefixes, s)
			}
		}
		for _, s := range tc.out {
			if rx.MatchString(s) {
				t.Errorf("%v: %q let through", tc.prefixes, s)
			}
		}
	}
}
