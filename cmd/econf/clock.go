package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/econf/econf/internal/simclock"
)

const clockUsage = "usage: econf clock advance AMOUNT [flags]   (AMOUNT: 30d, 2w, 36h, 90m)"

// cmdClock moves a training instance's simulated clock forward; running
// serve processes follow within clockRefresh.
func cmdClock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "advance" {
		return groupHelp("clock", args, stdout)
	}
	cfg, _, err := parseFlags("clock advance", args[1:], stderr, false)
	if err != nil {
		return err
	}
	if len(cfg.args) != 1 {
		return usageError(clockUsage)
	}
	d, err := simclock.ParseDuration(cfg.args[0])
	if err != nil {
		return usageError("AMOUNT: " + err.Error() + "\n" + clockUsage)
	}
	if os.Getenv("ECONF_TRAINING") != "on" {
		return usageError("econf clock advance only runs on a training or demo instance (ECONF_TRAINING=on and ECONF_CLOCK, as serve has them)")
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	total, err := simclock.Advance(ctx, e.pool, d)
	if errors.Is(err, simclock.ErrNotSimulated) {
		return usageError(err.Error())
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "clock advanced by %s (%s in all)", d, total)
	if e.sim != nil {
		if err := e.sim.Refresh(ctx, e.pool); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "; simulated time now %s", e.sim.Now().Format(time.RFC3339))
	}
	fmt.Fprintf(stdout, "; running serve processes follow within %s\n", clockRefresh)
	return nil
}
