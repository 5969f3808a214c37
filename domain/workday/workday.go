// Package workday is China's working-day calendar: per year, the public
// holidays and the make-up working days (调休上班) the State Council's
// yearly notice (国务院办公厅关于…部分节假日安排的通知) arranges. It is
// policy data (R-POL-01): the policy in force carries it, the platform
// admin edits a year, and every count names the years it read. Periods
// counted in working days (the nomination's public notice, R-NOM-04) use
// it; outside the listed days Monday to Friday work and weekends rest.
//
// A year the calendar does not hold is refused, never guessed: counting
// across it would make a period end on a day the State Council may yet
// declare a holiday.
package workday

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/econf/econf/domain"
)

// Rule is the rule id the calendar's validation names: it is policy data.
const Rule = "R-POL-01"

// Calendar holds one entry per year, in ascending order. It is stored as
// JSON in policy events, so field names are part of the event schema.
type Calendar struct {
	Years []Year `json:"years"`
}

// Year is one year's arrangement and the act it comes from.
type Year struct {
	Year   int    `json:"year"`
	Source Source `json:"source"`
	// Provisional marks a year entered before its notice could be checked:
	// it holds what is certain without it (the statutory days of the
	// holidays act) and counts over it say so.
	Provisional bool `json:"provisional,omitempty"`
	// Holidays are the days off (放假), weekend days of a holiday included.
	Holidays []Day `json:"holidays"`
	// Workdays are the weekend days worked instead (调休上班).
	Workdays []Day `json:"workdays"`
}

// Source names the act a year's days come from.
type Source struct {
	// Title is the act's title, e.g. 国务院办公厅关于2026年部分节假日安排的通知.
	Title string `json:"title"`
	// Number is its document number, e.g. 国办发明电〔2025〕7号.
	Number string `json:"number,omitempty"`
	// Issued is the day it was issued.
	Issued domain.Date `json:"issued,omitzero"`
	// URL is where its text is published.
	URL string `json:"url,omitempty"`
	// Note says how the days were taken from it.
	Note string `json:"note,omitempty"`
}

// Day is one listed day and the holiday it belongs to (春节, 国庆节…).
type Day struct {
	Date domain.Date `json:"date"`
	Name string      `json:"name"`
}

// MissingYearError: the calendar holds no arrangement for Year.
type MissingYearError struct{ Year int }

func (e *MissingYearError) Error() string {
	return fmt.Sprintf("the working-day calendar holds no year %d; the platform admin enters it from the State Council's notice", e.Year)
}

// Unwrap makes errors.Is(err, domain.ErrWrongState) hold: the platform's
// data, not the request, is missing.
func (e *MissingYearError) Unwrap() error { return domain.ErrWrongState }

// As lets errors.As find a *domain.StateError, so the refusal reaches a
// user as a 409 that says which year is missing.
func (e *MissingYearError) As(target any) bool {
	se, ok := target.(**domain.StateError)
	if ok {
		*se = &domain.StateError{Rule: Rule, Status: fmt.Sprintf("no working-day calendar for %d", e.Year),
			Action: "count working days", Message: e.Error(),
			Zh: fmt.Sprintf("工作日历中没有%d年的节假日安排，请平台管理员按国务院办公厅通知录入", e.Year)}
	}
	return ok
}

// Year returns year y's entry.
func (c Calendar) Year(y int) (Year, bool) {
	for _, e := range c.Years {
		if e.Year == y {
			return e, true
		}
	}
	return Year{}, false
}

// With returns a calendar with y replacing the entry of its year (or added),
// the years kept in order; c is not modified.
func (c Calendar) With(y Year) Calendar {
	out := Calendar{Years: make([]Year, 0, len(c.Years)+1)}
	for _, e := range c.Years {
		if e.Year != y.Year {
			out.Years = append(out.Years, e)
		}
	}
	out.Years = append(out.Years, y)
	slices.SortFunc(out.Years, func(a, b Year) int { return a.Year - b.Year })
	return out
}

// IsWorkingDay reports whether d is a working day: a make-up working day,
// or a Monday to Friday that is not a holiday.
func (c Calendar) IsWorkingDay(d domain.Date) (bool, error) {
	y, ok := c.Year(d.Year)
	if !ok {
		return false, &MissingYearError{Year: d.Year}
	}
	return y.isWorkingDay(d), nil
}

func (y Year) isWorkingDay(d domain.Date) bool {
	for _, w := range y.Workdays {
		if w.Date == d {
			return true
		}
	}
	for _, h := range y.Holidays {
		if h.Date == d {
			return false
		}
	}
	wd := d.Time().Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxDays bounds every count (about ten years), so a period never runs on
// without end.
const maxDays = 3660

// WorkingDaysBetween counts the working days from from (included) to to
// (excluded): the full working days a period begun on from has run when
// to begins. It is 0 when to is not after from.
func (c Calendar) WorkingDaysBetween(from, to domain.Date) (int, error) {
	if !from.Before(to) {
		return 0, nil
	}
	if from.DaysUntil(to) > maxDays {
		return 0, fmt.Errorf("working days from %s to %s: more than %d days apart", from, to, maxDays)
	}
	n := 0
	for d := from; d.Before(to); d = d.AddDays(1) {
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// AddWorkingDays is the first day on which n full working days have run
// since from (included): the day after the n-th working day on or after
// from, so that WorkingDaysBetween(from, AddWorkingDays(from, n)) is n. A
// period of n working days begun on from ends the day before it. n = 0
// gives from.
func (c Calendar) AddWorkingDays(from domain.Date, n int) (domain.Date, error) {
	if n < 0 {
		return domain.Date{}, errors.New("add working days: n must not be negative")
	}
	d := from
	for i := 0; n > 0; i++ {
		if i > maxDays {
			return domain.Date{}, fmt.Errorf("add %d working days to %s: more than %d days", n, from, maxDays)
		}
		ok, err := c.IsWorkingDay(d)
		if err != nil {
			return domain.Date{}, err
		}
		if ok {
			n--
		}
		d = d.AddDays(1)
	}
	return d, nil
}

// ProvisionalYears lists the provisional years among from..to, both
// included: a count over them may change once their notice is entered.
func (c Calendar) ProvisionalYears(from, to domain.Date) []int {
	var out []int
	for _, y := range c.Years {
		if y.Provisional && y.Year >= from.Year && y.Year <= to.Year {
			out = append(out, y.Year)
		}
	}
	return out
}

// Validate checks every year; paths start at "years[i]".
func (c Calendar) Validate() error {
	var pr domain.Problems
	seen := map[int]int{}
	for i, y := range c.Years {
		path := fmt.Sprintf("years[%d]", i)
		pr.Merge(path, y.Validate())
		if j, dup := seen[y.Year]; dup {
			pr.Add(path+".year", Rule, fmt.Sprintf("year %d is already years[%d]", y.Year, j),
				fmt.Sprintf("%d年已在years[%d]中", y.Year, j))
		} else {
			seen[y.Year] = i
		}
	}
	return pr.Err()
}

// Validate checks one year: a year between 2000 and 9999, its source
// titled, every day inside the year, listed once and named, no day both a
// holiday and a working day, and make-up working days on weekends (a
// weekday works anyway).
func (y Year) Validate() error {
	var pr domain.Problems
	if y.Year < 2000 || y.Year > 9999 {
		pr.Add("year", Rule, "must be a year between 2000 and 9999", "须为2000至9999之间的年份")
	}
	text(&pr, "source.title", y.Source.Title, 200, true)
	text(&pr, "source.number", y.Source.Number, 100, false)
	text(&pr, "source.url", y.Source.URL, 500, false)
	text(&pr, "source.note", y.Source.Note, 2000, false)
	if u := y.Source.URL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		pr.Add("source.url", Rule, "must be an http(s) address", "须为http(s)网址")
	}
	holidays := days(&pr, "holidays", y.Year, y.Holidays)
	days(&pr, "workdays", y.Year, y.Workdays)
	for i, w := range y.Workdays {
		path := fmt.Sprintf("workdays[%d].date", i)
		if j, both := holidays[w.Date]; both {
			pr.Add(path, Rule, fmt.Sprintf("%s is also holidays[%d]: a day is either a holiday or a working day", w.Date, j),
				fmt.Sprintf("%s同时列为holidays[%d]：一天不能既放假又上班", w.Date, j))
			continue
		}
		if wd := w.Date.Time().Weekday(); !w.Date.IsZero() && w.Date.Year == y.Year && wd != time.Saturday && wd != time.Sunday {
			pr.Add(path, Rule, fmt.Sprintf("%s is a %s, a working day anyway: a make-up working day falls on a Saturday or Sunday", w.Date, wd),
				fmt.Sprintf("%s本为工作日：调休上班日应为周六或周日", w.Date))
		}
	}
	return pr.Err()
}

// days checks one list and returns its dates and their indexes.
func days(pr *domain.Problems, list string, year int, ds []Day) map[domain.Date]int {
	at := map[domain.Date]int{}
	for i, d := range ds {
		path := fmt.Sprintf("%s[%d]", list, i)
		switch {
		case d.Date.IsZero():
			pr.Add(path+".date", Rule, "required", "必填")
		case d.Date.Year != year:
			pr.Add(path+".date", Rule, fmt.Sprintf("%s is outside %d", d.Date, year),
				fmt.Sprintf("%s不在%d年内", d.Date, year))
		default:
			if j, dup := at[d.Date]; dup {
				pr.Add(path+".date", Rule, fmt.Sprintf("%s is already %s[%d]", d.Date, list, j),
					fmt.Sprintf("%s已在%s[%d]中", d.Date, list, j))
			} else {
				at[d.Date] = i
			}
		}
		text(pr, path+".name", d.Name, 50, true)
	}
	return at
}

func text(pr *domain.Problems, path, s string, max int, required bool) {
	switch {
	case strings.TrimSpace(s) == "":
		if required {
			pr.Add(path, Rule, "required", "必填")
		}
	case len([]rune(s)) > max:
		pr.Add(path, Rule, fmt.Sprintf("at most %d characters", max), fmt.Sprintf("不得超过%d个字符", max))
	}
}
