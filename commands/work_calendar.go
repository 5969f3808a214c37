package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/workday"
)

// SetWorkCalendarYear enters or replaces one year of the working-day
// calendar, from the State Council's notice for it, under a new policy
// version (R-POL-01).
type SetWorkCalendarYear struct {
	// Version names the policy this makes; never used before.
	Version string `json:"version"`
	// Year is the calendar year the days belong to.
	Year        int            `json:"-"`
	Source      workday.Source `json:"source"`
	Provisional bool           `json:"provisional,omitempty"`
	Holidays    []workday.Day  `json:"holidays"`
	Workdays    []workday.Day  `json:"workdays"`
}

// SetWorkCalendarYear makes a policy version whose calendar holds cmd's
// year in place of the one in force: only platform admins, every day in
// that year, none both a holiday and a working day. The policy event
// records who did it and when, as for every policy change.
func (a *App) SetWorkCalendarYear(ctx context.Context, actor domain.Actor, meta Meta, cmd SetWorkCalendarYear) (Result, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return Result{}, fmt.Errorf("set work calendar: %w", domain.ErrForbidden)
	}
	y := workday.Year{
		Year:        cmd.Year,
		Source:      cmd.Source,
		Provisional: cmd.Provisional,
		Holidays:    cmd.Holidays,
		Workdays:    cmd.Workdays,
	}
	if y.Holidays == nil {
		y.Holidays = []workday.Day{}
	}
	if y.Workdays == nil {
		y.Workdays = []workday.Day{}
	}
	version := strings.TrimSpace(cmd.Version)
	var pr domain.Problems
	if pr.Required("version", "R-POL-01", version) {
		pr.MaxChars("version", "R-POL-01", version, 50)
	}
	pr.Merge("", y.Validate())
	if err := pr.Err(); err != nil {
		return Result{}, err
	}
	return a.publishPolicy(ctx, actor, meta, "SetWorkCalendarYear", func(current policy.Policy) (policy.Policy, error) {
		p := current
		p.Version = version
		p.WorkCalendar = current.WorkCalendar.With(y)
		return p, nil
	})
}
