package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/simclock"
)

// ClockStream holds the advances of a training instance's simulated clock
// (ECONF_CLOCK): who moved it, by how much, why, from when to when.
const ClockStream = "simclock"

// clockID names the clock's stream in results.
var clockID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:simclock"))

// ClockAdvanced is one advance of the simulated clock; Before and After
// are simulated times.
type ClockAdvanced struct {
	Amount  string    `json:"amount"`
	Seconds int64     `json:"seconds"`
	Reason  string    `json:"reason"`
	Before  time.Time `json:"before"`
	After   time.Time `json:"after"`
}

// EventType implements event.
func (ClockAdvanced) EventType() string { return "clock.advanced" }

// AdvanceClock moves a training instance's simulated clock forward.
type AdvanceClock struct {
	Amount string `json:"amount"` // 30d, 2w, 36h, 90m
	Reason string `json:"reason"`
}

// ClockAdvance is what AdvanceClock did.
type ClockAdvance struct {
	Result
	Amount  string    `json:"amount"`
	Seconds int64     `json:"seconds"`
	Before  time.Time `json:"before"`
	Now     time.Time `json:"now"`
}

// ErrNotTraining: the instance runs on the machine's clock (production,
// or a training instance without ECONF_CLOCK); its clock cannot be moved.
var ErrNotTraining = errors.New("this instance runs on the real clock: only a training instance (ECONF_TRAINING=on with ECONF_CLOCK) has a clock to advance")

// ClockMover moves the stored simulated clock forward by d, so every
// process follows, and returns the simulated time after it.
type ClockMover func(ctx context.Context, d time.Duration) (time.Time, error)

// AdvanceClock is a platform admin moving a training instance's clock
// forward (the deadline engine, commands and sessions follow): recorded as
// clock.advanced in the stream simclock before the clock moves, so the
// trail says who moved it and why. A retry under the same command id
// moves nothing again. On an instance on the real clock it is
// ErrNotTraining and nothing is written.
func (a *App) AdvanceClock(ctx context.Context, actor domain.Actor, meta Meta, cmd AdvanceClock, move ClockMover) (ClockAdvance, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return ClockAdvance{}, fmt.Errorf("advance the clock: %w", domain.ErrForbidden)
	}
	var p domain.Problems
	cmd.Amount = strings.TrimSpace(cmd.Amount)
	d, err := simclock.ParseDuration(cmd.Amount)
	if err != nil {
		p.Add("amount", "SCHEMA", "want an amount like 30d, 2w, 36h or 90m (forward only, at most 100 years)", "请填写时长，如 30d、2w、36h、90m（只能向前，不超过100年）")
	}
	cmd.Reason = strings.TrimSpace(cmd.Reason)
	switch {
	case cmd.Reason == "":
		p.Add("reason", "SCHEMA", "say why the clock is advanced (e.g. the training session)", "请填写调整时钟的理由（如培训内容）")
	case utf8.RuneCountInString(cmd.Reason) > maxReason:
		p.Add("reason", "SCHEMA", fmt.Sprintf("at most %d characters", maxReason), fmt.Sprintf("不超过%d个字符", maxReason))
	}
	if err := p.Err(); err != nil {
		return ClockAdvance{}, err
	}
	if s, ok := a.clock.(simulated); !ok || !s.Simulated() || move == nil {
		return ClockAdvance{}, ErrNotTraining
	}
	var rec ClockAdvanced
	res, err := a.execute(ctx, actor, meta, "AdvanceClock", ClockStream, clockID, func(loaded) (decision, error) {
		before := a.clock.Now()
		rec = ClockAdvanced{Amount: cmd.Amount, Seconds: int64(d / time.Second), Reason: cmd.Reason, Before: before, After: before.Add(d)}
		return decision{events: []event{rec}}, nil
	})
	if err != nil {
		return ClockAdvance{}, err
	}
	out := ClockAdvance{Result: res, Amount: cmd.Amount, Seconds: int64(d / time.Second), Before: rec.Before, Now: a.clock.Now()}
	if res.Replayed {
		return out, nil
	}
	if out.Now, err = move(ctx, d); err != nil {
		return out, fmt.Errorf("advance the clock (recorded at version %d): %w", res.Version, err)
	}
	return out, nil
}
