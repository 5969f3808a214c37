package policy

import (
	"errors"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

func day(m time.Month, d int) domain.Date { return domain.Date{Year: 2027, Month: m, Day: d} }

func fieldRules(err error) []string {
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []string
	for _, f := range ve.Fields {
		out = append(out, f.Path+" "+f.Rule)
	}
	return out
}

// R-FUND-03: the call is published in May–June (both ends included), for
// conferences opening next year, closing 15 September, once a year per
// bureau, with a positive budget.
func TestFundingNewCall(t *testing.T) {
	r := DefaultFundingRules()
	bureau := uuid.New()
	for _, c := range []struct {
		name   string
		today  domain.Date
		budget int64
		want   string
	}{
		{"R-FUND-03 the day before May", day(time.April, 30), 1, "publishedOn R-FUND-03"},
		{"R-FUND-03 1 May", day(time.May, 1), 1, ""},
		{"R-FUND-03 30 June", day(time.June, 30), 1, ""},
		{"R-FUND-03 1 July", day(time.July, 1), 1, "publishedOn R-FUND-03"},
		{"R-FUND-03 no budget", day(time.May, 20), 0, "budgetFen R-FUND-03"},
	} {
		t.Run(c.name, func(t *testing.T) {
			call, err := r.NewCall(bureau, c.today, c.budget)
			got := ""
			if rules := fieldRules(err); len(rules) > 0 {
				got = rules[0]
			} else if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("NewCall on %s: %q; want %q", c.today, got, c.want)
			}
			if err == nil && (call.Year != 2028 || call.Opens != c.today || call.Closes != day(time.September, 15) || call.BudgetFen != c.budget) {
				t.Errorf("call %+v", call)
			}
		})
	}
	call, err := r.NewCall(bureau, day(time.May, 20), 500_000_00)
	if err != nil {
		t.Fatal(err)
	}
	r.Calls = append(r.Calls, call)
	var se *domain.StateError
	if _, err := r.NewCall(bureau, day(time.June, 2), 1); !errors.As(err, &se) || se.Rule != "R-FUND-03" {
		t.Errorf("R-FUND-03 second call of the year: %v; want a R-FUND-03 state error", err)
	}
	if _, err := r.NewCall(uuid.New(), day(time.June, 2), 1); err != nil {
		t.Errorf("R-FUND-03 another bureau's call: %v", err)
	}
	if got, ok := r.Call(bureau, 2028); !ok || got != call {
		t.Errorf("Call(bureau, 2028) = %+v, %v", got, ok)
	}
}

// R-FUND-03: submissions until the closing day included; late ones are
// invalid; only conferences opening in the call's year (by opening date).
func TestFundingCallAccepts(t *testing.T) {
	call := FundingCall{Bureau: uuid.New(), Year: 2028, Opens: day(time.May, 20), Closes: day(time.September, 15), BudgetFen: 1}
	open := domain.Date{Year: 2028, Month: time.March, Day: 3}
	for _, c := range []struct {
		name           string
		today, opening domain.Date
		want           []string
	}{
		{"R-FUND-03 before the call", day(time.May, 19), open, []string{"submittedOn R-FUND-03"}},
		{"R-FUND-03 the first day", day(time.May, 20), open, nil},
		{"R-FUND-03 the closing day", day(time.September, 15), open, nil},
		{"R-FUND-03 a day late is invalid", day(time.September, 16), open, []string{"submittedOn R-FUND-03"}},
		{"R-FUND-03 opening 1 January of the call's year", day(time.June, 1), domain.Date{Year: 2028, Month: time.January, Day: 1}, nil},
		{"R-FUND-03 opening 31 December of the call's year", day(time.June, 1), domain.Date{Year: 2028, Month: time.December, Day: 31}, nil},
		{"R-FUND-03 opening this year", day(time.June, 1), day(time.December, 31), []string{"conference.openingDate R-FUND-03"}},
		{"R-FUND-03 opening the year after", day(time.June, 1), domain.Date{Year: 2029, Month: time.January, Day: 1}, []string{"conference.openingDate R-FUND-03"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := fieldRules(call.Accepts(c.today, c.opening))
			if len(got) != len(c.want) || len(got) > 0 && got[0] != c.want[0] {
				t.Errorf("Accepts(%s, %s) = %q; want %q", c.today, c.opening, got, c.want)
			}
		})
	}
}

// R-FUND-01 (R-CLS-00): ranges include both ends; 150 and 50 belong to two
// categories, the claimed nature decides. R-FUND-04: the caps in fen.
func TestFundingCategories(t *testing.T) {
	r := DefaultFundingRules()
	for _, c := range []struct {
		n, foreign int
		want       bool
	}{
		{1, 149, false}, {1, 150, true}, {1, 5000, true},
		{2, 49, false}, {2, 50, true}, {2, 150, true}, {2, 151, false},
		{3, 0, true}, {3, 50, true}, {3, 51, false},
	} {
		cat, ok := r.Category(c.n)
		if !ok || cat.Admits(c.foreign) != c.want {
			t.Errorf("R-FUND-01 category %d admits %d foreign guests: %v; want %v", c.n, c.foreign, !c.want, c.want)
		}
	}
	for n, want := range map[int]int64{1: 30_000_000, 2: 12_000_000, 3: 6_000_000} {
		if cat, _ := r.Category(n); cat.CapFen != want {
			t.Errorf("R-FUND-04 category %d cap %d fen; want %d", n, cat.CapFen, want)
		}
	}
	for _, n := range []int{0, 4} {
		if _, ok := r.Category(n); ok {
			t.Errorf("category %d exists", n)
		}
	}
}

// R-POL-01: the funding rules are validated with the policy, and a policy
// published before they existed reads them as the defaults, keeping calls.
func TestFundingRulesValidateAndUpcast(t *testing.T) {
	p := Default()
	p.Funding.Publish.Close = MonthDay{Month: time.April, Day: 1}
	p.Funding.Categories[1].MaxForeign = 10
	p.Funding.Categories[2].CapFen = 0
	b := uuid.New()
	p.Funding.Calls = []FundingCall{{Bureau: b, Year: 2028, Opens: day(time.May, 2), Closes: day(time.September, 15), BudgetFen: 1},
		{Bureau: b, Year: 2028, Opens: day(time.May, 2), Closes: day(time.May, 1), BudgetFen: 1}}
	got := fieldRules(p.Validate())
	want := []string{"funding.publish.close R-POL-01", "funding.categories[1].maxForeign R-POL-01", "funding.categories[2].capFen R-POL-01",
		"funding.calls[1].closes R-POL-01", "funding.calls[1] R-POL-01"}
	if len(got) != len(want) {
		t.Fatalf("Validate: %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Validate[%d] = %q; want %q", i, got[i], want[i])
		}
	}
	old := Default()
	old.Funding = FundingRules{Calls: p.Funding.Calls[:1]}
	up := old.Upcast()
	if up.Funding.Categories != DefaultFundingRules().Categories || len(up.Funding.Calls) != 1 {
		t.Errorf("Upcast funding = %+v", up.Funding)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("default policy: %v", err)
	}
}
