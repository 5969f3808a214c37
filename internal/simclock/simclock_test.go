package simclock

import (
	"testing"
	"time"
)

// TestParse: ECONF_CLOCK is a start time or a signed offset, and an
// advance is a positive amount; anything else is refused.
func TestParse(t *testing.T) {
	start := time.Date(2027, 5, 14, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for in, want := range map[string]Setting{
		"2027-05-14T09:00:00+08:00": {Start: start},
		"+90d":                      {Offset: 90 * 24 * time.Hour},
		"+2w":                       {Offset: 14 * 24 * time.Hour},
		"-12h":                      {Offset: -12 * time.Hour},
		"+0d":                       {},
	} {
		got, err := Parse(in)
		if err != nil || !got.Start.Equal(want.Start) || got.Offset != want.Offset || got.Raw != in {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "90d", "+", "+-5d", "tomorrow", "2027-05-14", "+99999999999d"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) accepted", in)
		}
	}
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "2w": 14 * 24 * time.Hour, "36h": 36 * time.Hour, "90m": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"0d", "-3d", "-1h", "soon", "d", ""} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}
