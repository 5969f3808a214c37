package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/simclock"
)

const clockUsage = "usage: econf clock advance AMOUNT --reason WHY [flags]   (AMOUNT: 30d, 2w, 36h, 90m)"

// cmdClock moves a training instance's simulated clock forward as the
// operator, through the same command as POST /api/v1/admin/clock/advance
// (commands.AdvanceClock): recorded as clock.advanced with the reason
// before the clock moves; refused on the real clock. Running serve
// processes follow within clockRefresh.
func cmdClock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "advance" {
		return groupHelp("clock", args, stdout)
	}
	var reason string
	cfg, _, err := parseFlagsWith("clock advance", args[1:], stderr, func(fs flagSet) {
		fs.StringVar(&reason, "reason", "", "why the clock is advanced (the training session), recorded with clock.advanced")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) != 1 {
		return usageError(clockUsage)
	}
	if _, err := simclock.ParseDuration(cfg.args[0]); err != nil {
		return usageError("AMOUNT: " + err.Error() + "\n" + clockUsage)
	}
	if os.Getenv("ECONF_TRAINING") != "on" {
		return usageError("econf clock advance only runs on a training or demo instance (ECONF_TRAINING=on and ECONF_CLOCK, as serve has them)")
	}
	if strings.TrimSpace(reason) == "" {
		return usageError("--reason: say why the clock is advanced (recorded as clock.advanced), e.g. --reason '培训：总结逾期'\n" + clockUsage)
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	var move commands.ClockMover
	if e.sim != nil {
		move = func(ctx context.Context, d time.Duration) (time.Time, error) { return e.sim.Move(ctx, e.pool, d) }
	}
	res, err := e.app.AdvanceClock(ctx, operator, commands.Meta{}, commands.AdvanceClock{Amount: cfg.args[0], Reason: reason}, move)
	if errors.Is(err, commands.ErrNotTraining) {
		return usageError(err.Error())
	}
	var invalid *domain.ValidationError
	if errors.As(err, &invalid) {
		return usageError(invalid.Error() + "\n" + clockUsage)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "clock advanced by %s, recorded as clock.advanced (stream %s, version %d); simulated time now %s; running serve processes follow within %s\n",
		res.Amount, commands.ClockStream, res.Version, res.Now.Format(time.RFC3339), clockRefresh)
	return nil
}
