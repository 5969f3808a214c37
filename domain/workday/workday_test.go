package workday_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/workday"
)

func day(s string) domain.Date {
	d, err := domain.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// span lists the days from a to b, both included.
func span(a, b string) []string {
	var out []string
	for d := day(a); !d.After(day(b)); d = d.AddDays(1) {
		out = append(out, d.String())
	}
	return out
}

// The shipped 2026 year is the notice 国办发明电〔2025〕7号 of 4 November
// 2025, written out here from its text, day by day.
func TestShipped2026IsTheNotice(t *testing.T) {
	var off []string
	for _, p := range [][2]string{
		{"2026-01-01", "2026-01-03"}, // 一、元旦：1月1日（周四）至3日（周六）放假调休
		{"2026-02-15", "2026-02-23"}, // 二、春节：2月15日至23日放假调休，共9天
		{"2026-04-04", "2026-04-06"}, // 三、清明节
		{"2026-05-01", "2026-05-05"}, // 四、劳动节
		{"2026-06-19", "2026-06-21"}, // 五、端午节
		{"2026-09-25", "2026-09-27"}, // 六、中秋节
		{"2026-10-01", "2026-10-07"}, // 七、国庆节
	} {
		off = append(off, span(p[0], p[1])...)
	}
	work := []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"}

	y, ok := workday.Shipped().Year(2026)
	if !ok {
		t.Fatal("2026 not shipped")
	}
	got := func(ds []workday.Day) []string {
		var out []string
		for _, d := range ds {
			out = append(out, d.Date.String())
		}
		slices.Sort(out)
		return out
	}
	if h := got(y.Holidays); !slices.Equal(h, off) {
		t.Errorf("holidays\n got %v\nwant %v", h, off)
	}
	if w := got(y.Workdays); !slices.Equal(w, work) {
		t.Errorf("workdays\n got %v\nwant %v", w, work)
	}
	if y.Provisional || y.Source.Number != "国办发明电〔2025〕7号" || y.Source.Issued != day("2025-11-04") {
		t.Errorf("source %+v provisional %v", y.Source, y.Provisional)
	}
	if err := workday.Shipped().Validate(); err != nil {
		t.Errorf("shipped calendar invalid: %v", err)
	}
}

// 2027's notice could not be checked: the year is provisional and holds the
// statutory days of the holidays act only (除夕 2027-02-05, 清明 04-05,
// 端午 06-09, 中秋 09-15).
func TestShipped2027IsStatutoryAndProvisional(t *testing.T) {
	y, ok := workday.Shipped().Year(2027)
	if !ok || !y.Provisional || len(y.Workdays) != 0 {
		t.Fatalf("2027: ok %v provisional %v workdays %v", ok, y.Provisional, y.Workdays)
	}
	var got []string
	for _, d := range y.Holidays {
		got = append(got, d.Date.String())
	}
	want := []string{"2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05",
		"2027-05-01", "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"}
	if !slices.Equal(got, want) {
		t.Errorf("2027 holidays\n got %v\nwant %v", got, want)
	}
	if p := workday.Shipped().ProvisionalYears(day("2026-12-28"), day("2027-01-08")); !slices.Equal(p, []int{2027}) {
		t.Errorf("provisional years %v", p)
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := workday.Shipped()
	for d, want := range map[string]bool{
		"2026-02-13": true,  // Friday
		"2026-02-14": true,  // Saturday, make-up working day (春节调休)
		"2026-02-15": false, // Sunday, holiday
		"2026-02-16": false, // Monday, holiday (除夕)
		"2026-02-23": false, // Monday, last day of the holiday
		"2026-02-24": true,  // Tuesday
		"2026-02-28": true,  // Saturday, make-up working day
		"2026-03-01": false, // Sunday
		"2026-03-07": false, // Saturday
	} {
		got, err := c.IsWorkingDay(day(d))
		if err != nil || got != want {
			t.Errorf("IsWorkingDay(%s) = %v, %v; want %v", d, got, err, want)
		}
	}
}

// The Spring Festival of 2026 with a make-up Saturday on each side: a
// period of five working days begun on Wednesday 11 February runs 11, 12,
// 13, Saturday 14 (make-up), then, after the holiday, Tuesday 24; one
// begun on Tuesday 24 runs 24–27 and Saturday 28 (make-up).
func TestWorkingDaysAcrossSpringFestival2026(t *testing.T) {
	c := workday.Shipped()
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-02-11", 5, "2026-02-25"},
		{"2026-02-11", 4, "2026-02-15"}, // the make-up Saturday is the fourth
		{"2026-02-24", 5, "2026-03-01"}, // the make-up Saturday is the fifth
		{"2026-02-15", 1, "2026-02-25"}, // begun inside the holiday: Tuesday 24 is the first
		{"2026-02-11", 0, "2026-02-11"},
		{"2026-12-30", 3, "2027-01-05"}, // 30, 31 December, then 4 January 2027 (1 January statutory)
	} {
		got, err := c.AddWorkingDays(day(tc.from), tc.n)
		if err != nil || got.String() != tc.want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, %v; want %s", tc.from, tc.n, got, err, tc.want)
			continue
		}
		if back, err := c.WorkingDaysBetween(day(tc.from), got); err != nil || back != tc.n {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tc.from, got, back, err, tc.n)
		}
	}
	for _, tc := range []struct {
		from, to string
		want     int
	}{
		{"2026-02-11", "2026-02-24", 4}, // Tuesday 24 has not run yet
		{"2026-02-11", "2026-02-25", 5},
		{"2026-02-24", "2026-02-28", 4},
		{"2026-02-24", "2026-03-01", 5},
		{"2026-02-15", "2026-02-24", 0}, // the whole holiday
		{"2026-02-25", "2026-02-11", 0}, // backwards
	} {
		got, err := c.WorkingDaysBetween(day(tc.from), day(tc.to))
		if err != nil || got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, %v; want %d", tc.from, tc.to, got, err, tc.want)
		}
	}
}

// A year the calendar does not hold is refused, not guessed.
func TestMissingYearIsRefused(t *testing.T) {
	c := workday.Shipped()
	_, err := c.IsWorkingDay(day("2028-03-01"))
	var missing *workday.MissingYearError
	if !errors.As(err, &missing) || missing.Year != 2028 || !errors.Is(err, domain.ErrWrongState) {
		t.Fatalf("IsWorkingDay in 2028: %v", err)
	}
	var se *domain.StateError
	if !errors.As(err, &se) || se.Rule != workday.Rule || !strings.Contains(se.Zh, "2028") {
		t.Errorf("not a state error naming the year: %#v", se)
	}
	if _, err := c.AddWorkingDays(day("2027-12-29"), 5); !errors.As(err, &missing) {
		t.Errorf("AddWorkingDays into 2028: %v", err)
	}
	if _, err := c.WorkingDaysBetween(day("2027-12-29"), day("2028-01-05")); !errors.As(err, &missing) {
		t.Errorf("WorkingDaysBetween into 2028: %v", err)
	}
}

func TestWithReplacesOneYearInOrder(t *testing.T) {
	c := workday.Shipped()
	y := workday.Year{Year: 2025, Source: workday.Source{Title: "t"}}
	c2 := c.With(y).With(workday.Year{Year: 2027, Source: workday.Source{Title: "new"}})
	var years []int
	for _, e := range c2.Years {
		years = append(years, e.Year)
	}
	if !slices.Equal(years, []int{2025, 2026, 2027}) {
		t.Fatalf("years %v", years)
	}
	if e, _ := c2.Year(2027); e.Source.Title != "new" {
		t.Errorf("2027 not replaced: %+v", e.Source)
	}
	if e, _ := c.Year(2027); e.Source.Title == "new" {
		t.Error("With modified its receiver")
	}
}

// R-POL-01: a year's days lie in that year, once each, named; no day is
// both a holiday and a working day; make-up working days fall on weekends.
func TestYearValidate(t *testing.T) {
	bad := workday.Year{
		Year:   2027,
		Source: workday.Source{Title: " ", URL: "ftp://x"},
		Holidays: []workday.Day{
			{Date: day("2027-02-05"), Name: "春节"},
			{Date: day("2026-12-31"), Name: "元旦"},
			{Date: day("2027-02-05"), Name: "春节"},
			{Name: "国庆节"},
			{Date: day("2027-02-06"), Name: ""},
			{Date: day("2027-02-13"), Name: "春节"},
		},
		Workdays: []workday.Day{
			{Date: day("2027-02-13"), Name: "春节"}, // a Saturday, also a holiday
			{Date: day("2027-02-10"), Name: "春节"}, // a Wednesday
			{Date: day("2027-01-31"), Name: "春节"}, // a Sunday: fine
		},
	}
	err := bad.Validate()
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error, got %v", err)
	}
	got := map[string]bool{}
	for _, f := range ve.Fields {
		if f.Rule != workday.Rule {
			t.Errorf("%s: rule %s", f.Path, f.Rule)
		}
		got[f.Path] = true
	}
	for _, p := range []string{"source.title", "source.url", "holidays[1].date", "holidays[2].date",
		"holidays[3].date", "holidays[4].name", "workdays[0].date", "workdays[1].date"} {
		if !got[p] {
			t.Errorf("no problem at %s (got %v)", p, ve.Fields)
		}
	}
	if got["workdays[2].date"] || got["holidays[0].date"] || got["holidays[5].date"] {
		t.Errorf("a valid day refused: %v", ve.Fields)
	}
	if !strings.Contains(err.Error(), "either a holiday or a working day") {
		t.Errorf("message: %v", err)
	}
	if err := (workday.Year{Year: 1999, Source: workday.Source{Title: "t"}}).Validate(); err == nil {
		t.Error("year 1999 accepted")
	}
	dup := workday.Calendar{Years: []workday.Year{{Year: 2026, Source: workday.Source{Title: "a"}}, {Year: 2026, Source: workday.Source{Title: "b"}}}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "years[1].year") {
		t.Errorf("duplicate year: %v", err)
	}
}
