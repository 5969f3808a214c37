package policy

import (
	"sync"
	"time"
)

// Clock is where "now" comes from (R-POL-02), so tests control time.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the machine's clock.
type SystemClock struct{}

// Now is time.Now.
func (SystemClock) Now() time.Time { return time.Now() }

// FixedClock stands still until told otherwise; safe for concurrent use.
type FixedClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFixedClock is a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{now: t} }

// Now is the time the clock was set to.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *FixedClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock by d and returns the new time.
func (c *FixedClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
