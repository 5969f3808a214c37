package delegation_test

import (
	"slices"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/domaintest"
)

var ref = domain.Date{Year: 2027, Month: 3, Day: 1}

// 45岁以下 includes 45 (R-CLS-00): on the reference date, someone whose
// 45th birthday it is counts; someone whose 46th birthday it is does not.
func TestUnder45AtTheReferenceDateR_DEL_01(t *testing.T) {
	for _, c := range []struct {
		name  string
		birth domain.Date
		age   int
		under bool
	}{
		{"45th birthday on the reference date", domain.Date{Year: 1982, Month: 3, Day: 1}, 45, true},
		{"46th birthday the day after", domain.Date{Year: 1981, Month: 3, Day: 2}, 45, true},
		{"46th birthday on the reference date", domain.Date{Year: 1981, Month: 3, Day: 1}, 46, false},
		{"46th birthday the day before", domain.Date{Year: 1981, Month: 2, Day: 28}, 46, false},
		{"born 29 February, 45 on 1 March", domain.Date{Year: 1982, Month: 3, Day: 1}, 45, true},
	} {
		if got := delegation.AgeAt(c.birth, ref); got != c.age {
			t.Errorf("%s: age %d, want %d", c.name, got, c.age)
		}
		if got := delegation.Under45(c.birth, ref); got != c.under {
			t.Errorf("%s: under45 %v, want %v", c.name, got, c.under)
		}
		in := delegation.IndicatorsOf(delegation.Facts{Birth: c.birth}, ref)
		if in.Under45 != c.under {
			t.Errorf("%s: indicator %v", c.name, in.Under45)
		}
	}
}

// checked completes 17 digits with their check character.
func checked(s17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

func TestResidentIDChecksum(t *testing.T) {
	good := checked("11010519491231002") // GB 11643-1999's own example: ...002X
	if good != "11010519491231002X" {
		t.Fatalf("the standard's example computes to %s", good)
	}
	for _, c := range []struct {
		id string
		ok bool
	}{
		{good, true},
		{"11010519491231002x", true}, // a lower-case x is the same
		{checked("44052419800101001"), true},
		{"110105194912310021", false},         // wrong check character
		{"11010519491231002", false},          // 17 characters
		{checked("11010519491331002"), false}, // month 13
		{"1101051949123100AX", false},         // a letter inside
		{checked("11010520230229002"), false}, // 29 February 2023 does not exist
	} {
		en, zh := delegation.ResidentIDProblem(c.id)
		if (en == "") != c.ok || (en == "") != (zh == "") {
			t.Errorf("%s: %q %q", c.id, en, zh)
		}
	}
	if d, ok := delegation.ResidentIDBirth(good); !ok || d != (domain.Date{Year: 1949, Month: 12, Day: 31}) {
		t.Errorf("birth %v %v", d, ok)
	}
}

func TestIndicatorsComputedFromDetails(t *testing.T) {
	in := delegation.IndicatorsOf(delegation.Facts{Gender: "female", Ethnicity: "蒙古族", Affiliations: []string{"九三学社"}, Grassroots: true,
		Birth: domain.Date{Year: 1990, Month: 1, Day: 1}}, ref)
	if in != (delegation.Indicators{Grassroots: true, Under45: true, Minority: true, DemocraticParty: true, Woman: true}) {
		t.Errorf("%+v", in)
	}
	in = delegation.IndicatorsOf(delegation.Facts{Gender: "male", Ethnicity: "汉族", Affiliations: []string{"中国共产党党员", "群众"},
		Birth: domain.Date{Year: 1960, Month: 1, Day: 1}}, ref)
	if in != (delegation.Indicators{}) {
		t.Errorf("%+v", in)
	}
}

// The seed's table (fig. 2.1).
var seed = congress.Allotment{
	Committee:       congress.Quota{Seats: 1, Grassroots: 1, Under45: 1, DemocraticParty: 1},
	Representatives: congress.Quota{Seats: 2, Grassroots: 2, Under45: 1, DemocraticParty: 1},
}

// A quota at its exact limit takes no more; a committee candidate takes a
// representative's seat too (R-DEL-02).
func TestAdditionAtTheLimitR_DEL_02(t *testing.T) {
	c := func(ids ...delegation.Identity) []delegation.Counted {
		var out []delegation.Counted
		for _, id := range ids {
			out = append(out, delegation.Counted{Identity: id})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		current []delegation.Counted
		add     delegation.Identity
		ok      bool
	}{
		{"first committee candidate", nil, delegation.Committee, true},
		{"second committee candidate: over 1", c(delegation.Committee), delegation.Committee, false},
		{"a representative beside the candidate: 2 of 2", c(delegation.Committee), delegation.Representative, true},
		{"a third representative: over 2", c(delegation.Committee, delegation.Representative), delegation.Representative, false},
		{"two representatives, then a candidate: over 2 representatives", c(delegation.Representative, delegation.Representative), delegation.Committee, false},
		{"staff, none allotted", nil, delegation.Staff, false},
		{"unknown identity", nil, "chair", false},
	} {
		err := delegation.CheckAddition(seed, tc.current, tc.add)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil {
			if got := domaintest.FieldErrors(t, err); len(got) == 0 || got[0] != "identity R-DEL-02" {
				t.Errorf("%s: %v", tc.name, got)
			}
		}
	}
}

// Report-all only when every quota and minimum is met; the refusal names
// every indicator not met (R-DEL-04).
func TestReportAllEveryIndicatorR_DEL_04(t *testing.T) {
	young := domain.Date{Year: 1982, Month: 3, Day: 1} // 45 on the reference date
	old := domain.Date{Year: 1981, Month: 3, Day: 1}   // 46
	person := func(id delegation.Identity, birth domain.Date, grassroots bool, party string) delegation.Counted {
		return delegation.Counted{Identity: id, Indicators: delegation.IndicatorsOf(delegation.Facts{Gender: "male", Ethnicity: "汉族",
			Affiliations: []string{party}, Grassroots: grassroots, Birth: birth}, ref)}
	}
	met := []delegation.Counted{
		person(delegation.Committee, young, true, "中国民主同盟"),
		person(delegation.Representative, old, true, "群众"),
	}
	if err := delegation.CheckReport(seed, met); err != nil {
		t.Fatalf("every indicator met: %v", err)
	}
	for _, l := range delegation.Tally(seed, met) {
		if !l.Met {
			t.Errorf("line %+v not met", l)
		}
	}
	// The candidate one day older: 46 on the reference date, no one under 45.
	unmet := []delegation.Counted{
		person(delegation.Committee, old, true, "中国民主同盟"),
		person(delegation.Representative, old, true, "群众"),
	}
	got := domaintest.FieldErrors(t, delegation.CheckReport(seed, unmet))
	if want := []string{"committee.under45 R-DEL-04", "representatives.under45 R-DEL-04"}; !slices.Equal(got, want) {
		t.Errorf("46 on the reference date: %v, want %v", got, want)
	}
	// One representative short: the seats and the grassroots minimum.
	got = domaintest.FieldErrors(t, delegation.CheckReport(seed, met[:1]))
	if want := []string{"representatives.seats R-DEL-04", "representatives.grassroots R-DEL-04"}; !slices.Equal(got, want) {
		t.Errorf("one short: %v, want %v", got, want)
	}
}
