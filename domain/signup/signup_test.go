package signup

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
)

func TestCheck(t *testing.T) {
	now := time.Date(2026, 9, 10, 10, 0, 0, 0, time.UTC)
	later := now.Add(time.Minute)
	cases := []struct {
		name string
		a    Attempt
		want string // substring of the message; "" for accepted
	}{
		{"right first time", Attempt{Found: true, Tries: 1, ExpiresAt: later, Match: true}, ""},
		{"unknown address", Attempt{}, "wrong"},
		{"first wrong", Attempt{Found: true, Tries: 1, ExpiresAt: later}, "5 more"},
		{"fifth wrong", Attempt{Found: true, Tries: 5, ExpiresAt: later}, "1 more"},
		{"right after five wrong", Attempt{Found: true, Tries: 6, ExpiresAt: later, Match: true}, ""},
		{"sixth wrong voids", Attempt{Found: true, Tries: 6, ExpiresAt: later}, "void"},
		{"right after six wrong", Attempt{Found: true, Tries: 7, ExpiresAt: later, Match: true}, "void"},
		{"expired", Attempt{Found: true, Tries: 1, ExpiresAt: now, Match: true}, "expired"},
	}
	for _, c := range cases {
		err := Check("code", c.a, now)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Path != "code" || ve.Fields[0].Rule != "R-ACT-03" ||
			!strings.Contains(ve.Fields[0].Message, c.want) {
			t.Errorf("%s: got %v, want a code error with %q", c.name, err, c.want)
		}
	}
}
