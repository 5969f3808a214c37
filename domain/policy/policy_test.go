package policy_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

func date(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// R-POL-01: the default policy is valid and carries its version.
func TestDefaultIsValid(t *testing.T) {
	p := policy.Default()
	if err := p.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v; want nil", err)
	}
	if p.Version != "2026.1" {
		t.Errorf("Default().Version = %q; want %q", p.Version, "2026.1")
	}
}

// R-POL-01: the policy is stored as events, so it must survive JSON intact
// under the names admins and validation paths use.
func TestPolicyJSONRoundTrip(t *testing.T) {
	p := policy.Default()
	p.WindowOverrides = []policy.WindowOverride{{UniversityID: uuid.New(), PlanYear: 2028, Open: date("2027-08-15"), Close: date("2027-10-15")}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"forecastWindow":{"open":{"month":9,"day":1}`, `"windowOverrides":[{"universityId"`, `"open":"2027-08-15"`, `"smallMaxForeign":30`, `"forbiddenZh":[`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json.Marshal(policy) = %s; want it to contain %s", b, key)
		}
	}
	var got policy.Policy
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Errorf("round trip = %+v; want %+v", got, p)
	}
}

// R-POL-01: an admin's edit is checked before it is stored; every problem is
// reported at once with its JSON path.
func TestValidate(t *testing.T) {
	uni := uuid.New()
	tests := []struct {
		name      string
		edit      func(*policy.Policy)
		wantPaths []string
	}{
		{"blank version", func(p *policy.Policy) { p.Version = " " }, []string{"version"}},
		{"open month 13", func(p *policy.Policy) { p.DefaultWindow.Open.Month = 13 }, []string{"forecastWindow.open"}},
		{"open on February 29", func(p *policy.Policy) { p.DefaultWindow.Open = policy.MonthDay{Month: time.February, Day: 29} }, []string{"forecastWindow.open"}},
		{"close on September 31", func(p *policy.Policy) { p.DefaultWindow.Close.Day = 31 }, []string{"forecastWindow.close"}},
		{"close before open", func(p *policy.Policy) { p.DefaultWindow.Close = policy.MonthDay{Month: time.August, Day: 31} }, []string{"forecastWindow.close"}},
		{"one-day window", func(p *policy.Policy) { p.DefaultWindow.Close = p.DefaultWindow.Open }, nil},
		{"override fine", func(p *policy.Policy) {
			p.WindowOverrides = []policy.WindowOverride{{UniversityID: uni, PlanYear: 2028, Open: date("2027-09-01"), Close: date("2027-10-31")}}
		}, nil},
		{"override incomplete", func(p *policy.Policy) {
			p.WindowOverrides = []policy.WindowOverride{{PlanYear: 1999}}
		}, []string{"windowOverrides[0].universityId", "windowOverrides[0].planYear", "windowOverrides[0].open", "windowOverrides[0].close"}},
		{"override in the plan year", func(p *policy.Policy) {
			p.WindowOverrides = []policy.WindowOverride{{UniversityID: uni, PlanYear: 2028, Open: date("2027-12-01"), Close: date("2028-01-15")}}
		}, []string{"windowOverrides[0].close"}},
		{"override closes before it opens", func(p *policy.Policy) {
			p.WindowOverrides = []policy.WindowOverride{{UniversityID: uni, PlanYear: 2028, Open: date("2027-09-10"), Close: date("2027-09-09")}}
		}, []string{"windowOverrides[0].close"}},
		{"override twice", func(p *policy.Policy) {
			o := policy.WindowOverride{UniversityID: uni, PlanYear: 2028, Open: date("2027-09-01"), Close: date("2027-09-30")}
			p.WindowOverrides = []policy.WindowOverride{o, o}
		}, []string{"windowOverrides[1]"}},
		{"thresholds zero", func(p *policy.Policy) {
			p.Classification.SocialMajor = policy.MajorThreshold{}
			p.Classification.SmallMaxForeign = -1
		}, []string{"classification.smallMaxForeign", "classification.socialMajor.foreign", "classification.socialMajor.total"}},
		{"small reaches natural major", func(p *policy.Policy) { p.Classification.SmallMaxForeign = 300 }, []string{"classification.smallMaxForeign"}},
		{"name limits and terms", func(p *policy.Policy) {
			p.Names.MaxZh = 0
			p.Names.ForbiddenZh = append(p.Names.ForbiddenZh, "")
			p.Names.DiscouragedEn = []string{"Summit", "--"}
		}, []string{"names.maxZh", "names.forbiddenZh[9]", "names.discouragedEn[1]"}},
		{"text limits", func(p *policy.Policy) { p.Text = policy.TextLimits{Short: 300, Long: 200} }, []string{"text.long"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := policy.Default()
			tt.edit(&p)
			err := p.Validate()
			var got []string
			var ve *domain.ValidationError
			if errors.As(err, &ve) {
				for _, f := range ve.Fields {
					got = append(got, f.Path)
					if f.Rule != "R-POL-01" || f.Message == "" || f.Zh == "" {
						t.Errorf("field error %+v; want rule R-POL-01 and both messages", f)
					}
				}
			} else if err != nil {
				t.Fatalf("Validate() = %v; want a *domain.ValidationError or nil", err)
			}
			if !slices.Equal(got, tt.wantPaths) {
				t.Errorf("Validate() paths = %q; want %q", got, tt.wantPaths)
			}
		})
	}
}

// R-FC-01: the default window is September 1-30 of the year before the plan
// year; an override replaces it for one university and plan year only.
func TestForecastWindow(t *testing.T) {
	uni, other := uuid.New(), uuid.New()
	p := policy.Default()
	p.WindowOverrides = []policy.WindowOverride{{UniversityID: uni, PlanYear: 2028, Open: date("2027-08-20"), Close: date("2027-10-10")}}
	tests := []struct {
		university uuid.UUID
		planYear   int
		open, cls  string
	}{
		{uni, 2028, "2027-08-20", "2027-10-10"},
		{uni, 2027, "2026-09-01", "2026-09-30"},
		{other, 2028, "2027-09-01", "2027-09-30"},
	}
	for _, tt := range tests {
		open, cls := p.ForecastWindow(tt.university, tt.planYear)
		if open.String() != tt.open || cls.String() != tt.cls {
			t.Errorf("ForecastWindow(%v, %d) = %s, %s; want %s, %s", tt.university, tt.planYear, open, cls, tt.open, tt.cls)
		}
	}
}

// R-POL-02: the test clock is set and advanced, also from many goroutines.
func TestFixedClock(t *testing.T) {
	start := time.Date(2026, 9, 1, 0, 0, 0, 0, domain.Shanghai)
	c := policy.NewFixedClock(start)
	var _ policy.Clock = c
	var _ policy.Clock = policy.SystemClock{}
	if got := c.Now(); !got.Equal(start) {
		t.Errorf("Now() = %v; want %v", got, start)
	}
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			c.Advance(time.Minute)
			_ = c.Now()
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(100*time.Minute); !got.Equal(want) {
		t.Errorf("after 100 Advance(1m): Now() = %v; want %v", got, want)
	}
	later := start.AddDate(1, 0, 0)
	c.Set(later)
	if got := c.Now(); !got.Equal(later) {
		t.Errorf("after Set: Now() = %v; want %v", got, later)
	}
}
