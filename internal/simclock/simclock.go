// Package simclock is the simulated clock of a demo or training instance
// (ECONF_CLOCK): a fixed start that then runs, or an offset from the
// machine's time, moved forward by `econf clock advance`. Its state is a
// row in PostgreSQL, so every serve process and every restart agrees.
package simclock

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations creates the clock's table.
var Migrations = migrate.Embedded("simclock", migrationFiles, "migrations")

// Setting is ECONF_CLOCK parsed: either Start (a fixed start) or Offset.
type Setting struct {
	Raw    string
	Start  time.Time
	Offset time.Duration
}

// Parse reads ECONF_CLOCK: an RFC 3339 time (2027-05-14T09:00:00+08:00)
// or a signed offset from the machine's time (+90d, +2w, -12h).
func Parse(s string) (Setting, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return Setting{Raw: s, Start: t}, nil
	}
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		d, err := parseAmount(s[1:])
		if err == nil && d < 100*365*24*time.Hour {
			if s[0] == '-' {
				d = -d
			}
			return Setting{Raw: s, Offset: d}, nil
		}
	}
	return Setting{}, fmt.Errorf("ECONF_CLOCK: want a start time like 2027-05-14T09:00:00+08:00 or an offset like +90d, got %q", s)
}

// ParseDuration reads a positive amount of time: 30d, 2w, or a Go duration
// (36h, 90m).
func ParseDuration(s string) (time.Duration, error) {
	d, err := parseAmount(s)
	if err != nil {
		return 0, err
	}
	if d <= 0 || d > 100*365*24*time.Hour {
		return 0, fmt.Errorf("want a positive amount of at most 100 years, got %q", s)
	}
	return d, nil
}

// parseAmount reads 30d, 2w or a Go duration, zero and up.
func parseAmount(s string) (time.Duration, error) {
	var d time.Duration
	switch {
	case strings.HasSuffix(s, "d") || strings.HasSuffix(s, "w"):
		n, err := strconv.Atoi(s[:len(s)-1])
		if err != nil || n < 0 || n > 36600 {
			return 0, fmt.Errorf("want an amount like 30d, 2w or 36h, got %q", s)
		}
		d = time.Duration(n) * 24 * time.Hour
		if strings.HasSuffix(s, "w") {
			d *= 7
		}
	default:
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("want an amount like 30d, 2w or 36h, got %q", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("want an amount like 30d, 2w or 36h, got %q", s)
	}
	return d, nil
}

// Clock is a simulated clock. Now is the machine's time moved by the
// offset last read from the database (Refresh).
type Clock struct {
	setting Setting
	real    func() time.Time
	offset  atomic.Int64 // nanoseconds added to the machine's time
}

// Now is the simulated time.
func (c *Clock) Now() time.Time { return c.real().Add(time.Duration(c.offset.Load())) }

// Simulated marks this clock as not the machine's: events written under it
// say so in their metadata.
func (c *Clock) Simulated() bool { return true }

// Setting is the ECONF_CLOCK this clock was opened with.
func (c *Clock) Setting() string { return c.setting.Raw }

// Offset is how far the simulated time is ahead of the machine's.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// ErrNotSimulated: the database holds no simulated clock (the instance was
// never started with ECONF_CLOCK).
var ErrNotSimulated = errors.New("this instance has no simulated clock (start serve with ECONF_TRAINING=on and ECONF_CLOCK)")

// Open sets the clock up: the stored state is kept when it was made for
// the same setting, and started afresh (origin now, nothing advanced) when
// the setting changed. real is the machine's clock (nil: time.Now).
func Open(ctx context.Context, pool *pgxpool.Pool, s Setting, real func() time.Time) (*Clock, error) {
	if real == nil {
		real = time.Now
	}
	_, err := pool.Exec(ctx, `INSERT INTO simclock.state (id, setting, origin_real, advanced_ms) VALUES (true, $1, $2, 0)
		ON CONFLICT (id) DO UPDATE SET setting = excluded.setting, origin_real = excluded.origin_real, advanced_ms = 0
		WHERE simclock.state.setting <> excluded.setting`, s.Raw, real())
	if err != nil {
		return nil, fmt.Errorf("simulated clock: %w", err)
	}
	c := &Clock{setting: s, real: real}
	return c, c.Refresh(ctx, pool)
}

// Refresh reads the stored state (another process may have advanced it).
func (c *Clock) Refresh(ctx context.Context, pool *pgxpool.Pool) error {
	var origin time.Time
	var advanced int64
	err := pool.QueryRow(ctx, `SELECT origin_real, advanced_ms FROM simclock.state WHERE setting = $1`, c.setting.Raw).Scan(&origin, &advanced)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("simulated clock: the stored setting is no longer %q (another process started with another ECONF_CLOCK)", c.setting.Raw)
	}
	if err != nil {
		return fmt.Errorf("simulated clock: %w", err)
	}
	base := c.setting.Offset
	if !c.setting.Start.IsZero() {
		base = c.setting.Start.Sub(origin)
	}
	c.offset.Store(int64(base + time.Duration(advanced)*time.Millisecond))
	return nil
}

// Run refreshes the clock every interval until ctx ends.
func (c *Clock) Run(ctx context.Context, pool *pgxpool.Pool, interval time.Duration, log *slog.Logger) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := c.Refresh(ctx, pool); err != nil && ctx.Err() == nil {
				log.Warn("simulated clock", "err", err)
			}
		}
	}
}

// Move moves the stored clock forward by d and this process's clock with
// it, and returns the simulated time after: the one way the clock moves
// (commands.AdvanceClock is given it, by the API and `econf clock
// advance` alike, and records clock.advanced first).
func (c *Clock) Move(ctx context.Context, pool *pgxpool.Pool, d time.Duration) (time.Time, error) {
	if _, err := Advance(ctx, pool, d); err != nil {
		return time.Time{}, err
	}
	if err := c.Refresh(ctx, pool); err != nil {
		return time.Time{}, err
	}
	return c.Now(), nil
}

// Advance moves the stored clock forward by d and returns the total
// advanced so far. Running processes follow at their next Refresh.
func Advance(ctx context.Context, pool *pgxpool.Pool, d time.Duration) (time.Duration, error) {
	if d <= 0 {
		return 0, errors.New("the clock only moves forward")
	}
	var total int64
	err := pool.QueryRow(ctx, `UPDATE simclock.state SET advanced_ms = advanced_ms + $1 RETURNING advanced_ms`, d.Milliseconds()).Scan(&total)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotSimulated
	}
	if err != nil {
		return 0, err
	}
	return time.Duration(total) * time.Millisecond, nil
}
