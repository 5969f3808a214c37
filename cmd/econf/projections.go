package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlags("migrate", args, stderr, false)
	if err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func cmdProjections(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return groupHelp("projections", args, stdout)
	}
	switch args[0] {
	case "status":
		return projectionsStatus(ctx, args[1:], stdout, stderr)
	case "rebuild":
		return projectionsRebuild(ctx, args[1:], stdout, stderr)
	case "retry":
		return projectionsRetry(ctx, args[1:], stdout, stderr)
	}
	return groupHelp("projections", args, stdout)
}

// heldHorizonShown is how long a transaction must have held a transaction
// id before status names it.
const heldHorizonShown = time.Second

func projectionsStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := parseFlagsWith("projections status", args, stderr, func(fs flagSet) { fs.Bool("json", false, "print JSON") })
	if err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	states, err := projections.Status(ctx, e.pool, e.store, time.Now(), projections.All()...)
	if err != nil {
		return err
	}
	if fs.Lookup("json").Value.String() == "true" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(states)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGEN\tVERSION\tCHECKPOINT\tAPPLIED\tLAG (events)\tLAG (s)\tSTALLED\tLAST ERROR")
	var stalled []string
	for _, s := range states {
		lag := fmt.Sprint(s.LagEvents)
		if s.LagCapped {
			lag = "≥" + lag
		}
		version := fmt.Sprint(s.Version)
		switch {
		case s.Version > s.CodeVersion:
			version += fmt.Sprintf(" (this code is version %d, older: newer processes apply it)", s.CodeVersion)
		case s.Version != s.CodeVersion:
			version += fmt.Sprintf(" (code %d: rebuild due)", s.CodeVersion)
		}
		lastError := s.LastError
		switch {
		case s.Rebuilding:
			version += " (rebuilding)"
		case s.RebuildError != "":
			lastError = fmt.Sprintf("rebuild failed at %s, not updated until a retry succeeds: %s", s.RebuildErrorAt.UTC().Format(time.RFC3339), s.RebuildError)
		}
		stall := "-"
		if st := s.Stalled; st != nil {
			stall = fmt.Sprintf("since %s, %d attempt(s), at %s", st.Since.UTC().Format(time.RFC3339), st.Attempts, st.Event())
			lastError = st.Error
			stalled = append(stalled, s.Name)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%.1f\t%s\t%s\n", s.Name, s.Generation, version, s.CheckpointStr, s.EventsApplied, lag, s.LagSeconds, stall, lastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range stalled {
		fmt.Fprintf(stdout, "\n%s is stalled at an event it cannot apply (the other read models go on); fix the cause, then run: econf projections retry %s\n", n, n)
	}
	// A transaction holding a transaction id holds back $all for every read
	// model: name it when it has been open a while.
	if h, err := projections.OldestTransaction(ctx, e.pool); err != nil {
		fmt.Fprintf(stdout, "\nheld horizon: cannot tell: %v\n", err)
	} else if h != nil && h.Seconds >= heldHorizonShown.Seconds() {
		fmt.Fprintf(stdout, "\nheld horizon: %s\n", h)
	}
	return nil
}

// projectionsRetry asks the running serve to apply the event a stalled read
// model stopped at again, and waits for the outcome.
func projectionsRetry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := parseFlagsWith("projections retry", args, stderr, func(fs flagSet) {
		fs.Duration("wait", 30*time.Second, "how long to wait for a running econf serve to retry the event")
	})
	if err != nil {
		return err
	}
	var known []string
	for _, p := range projections.All() {
		known = append(known, p.Name())
	}
	if len(cfg.args) != 1 || !slices.Contains(known, cfg.args[0]) {
		return usageError("usage: econf projections retry NAME, where NAME is one of: " + strings.Join(known, ", "))
	}
	name := cfg.args[0]
	wait := fs.Lookup("wait").Value.(flag.Getter).Get().(time.Duration)
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	before, err := projections.RequestRetry(ctx, e.pool, name)
	if errors.Is(err, projections.ErrNotStalled) || errors.Is(err, projections.ErrUnknownReadModel) {
		fmt.Fprintf(stdout, "%s is not stalled; nothing to retry\n", name)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retrying %s at %s (stalled since %s)\n", name, before.Event(), before.Since.UTC().Format(time.RFC3339))
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	err = projections.WaitRetry(wctx, e.pool, before)
	var se *projections.StalledError
	switch {
	case err == nil:
		fmt.Fprintf(stdout, "%s applied the event and goes on\n", name)
		return nil
	case errors.As(err, &se):
		return fmt.Errorf("%s is still stalled (attempt %d) at %s: %s", name, se.Stall.Attempts, se.Stall.Event(), se.Stall.Error)
	case wctx.Err() != nil && ctx.Err() == nil:
		return fmt.Errorf("no running econf serve retried %s within %s; the retry stays asked for, and a serve also tries the event again when it starts", name, wait)
	}
	return err
}

func projectionsRebuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := parseFlagsWith("projections rebuild", args, stderr, func(fs flagSet) {
		fs.Bool("downgrade", false, "rebuild with this code even when a newer version built the active generation (going back a release)")
	})
	if err != nil {
		return err
	}
	rebuild := projections.RebuildMany
	if fs.Lookup("downgrade").Value.String() == "true" {
		rebuild = projections.DowngradeMany
	}
	names := map[string]projections.Projection{}
	var known []string
	for _, p := range projections.All() {
		names[p.Name()] = p
		known = append(known, p.Name())
	}
	var ps []projections.Projection
	seen := map[string]bool{}
	for _, name := range cfg.args {
		wanted := []projections.Projection{names[name]}
		if name == "all" {
			wanted = projections.All()
		} else if names[name] == nil {
			ps = nil
			break
		}
		for _, p := range wanted {
			if !seen[p.Name()] {
				seen[p.Name()] = true
				ps = append(ps, p)
			}
		}
	}
	if len(ps) == 0 {
		return usageError("usage: econf projections rebuild NAME..., where NAME is all or one of: " + strings.Join(known, ", "))
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	bar := newProgressBar(stderr, headOf(ctx, e.store))
	start := time.Now()
	// Several read models are rebuilt in one pass over the events.
	var errs []error
	rebuild(ctx, e.pool, e.store, ps, bar.update, func(p projections.Projection, at eventstore.Position, err error) {
		var ge *projections.GenerationError
		switch {
		case errors.Is(err, projections.ErrRebuildRunning):
			errs = append(errs, fmt.Errorf("%w (in serve or another `econf projections rebuild`); wait for it to finish, see `econf projections status`", err))
		case errors.As(err, &ge) && ge.Newer():
			errs = append(errs, fmt.Errorf("%w; to go back to this release's read model on purpose, add --downgrade", err))
		case err != nil:
			errs = append(errs, err)
		default:
			bar.clear()
			fmt.Fprintf(stdout, "rebuilt %s up to position %s in %s; it now serves queries\n", p.Name(), at, time.Since(start).Round(time.Millisecond))
		}
	})
	bar.done()
	return errors.Join(errs...)
}

// headOf is the position of the last event, when the store can tell.
func headOf(ctx context.Context, s eventstore.Store) eventstore.Position {
	h, ok := s.(interface {
		Head(context.Context) (eventstore.Position, error)
	})
	if !ok {
		return eventstore.Position{}
	}
	pos, err := h.Head(ctx)
	if err != nil {
		return eventstore.Position{}
	}
	return pos
}

// progressBar draws a bar on a terminal and nothing elsewhere.
type progressBar struct {
	w        io.Writer
	terminal bool
	head     eventstore.Position
	last     time.Time
	applied  int
}

func newProgressBar(w io.Writer, head eventstore.Position) *progressBar {
	b := &progressBar{w: w, head: head}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.terminal = true
		}
	}
	return b
}

func (b *progressBar) update(applied int, at eventstore.Position) {
	b.applied = applied
	if !b.terminal || time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.last = time.Now()
	frac := 1.0
	if b.head.Commit > 0 {
		frac = min(float64(at.Commit)/float64(b.head.Commit), 1)
	}
	const width = 40
	filled := int(frac * width)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%%  %d events", strings.Repeat("█", filled), strings.Repeat("·", width-filled), frac*100, applied)
}

// clear ends the bar's line, so that a line written after it starts on
// its own.
func (b *progressBar) clear() {
	if b.terminal && b.applied > 0 {
		fmt.Fprintln(b.w)
	}
}

func (b *progressBar) done() {
	if b.terminal {
		b.last = time.Time{}
		b.update(b.applied, b.head)
		fmt.Fprintln(b.w)
	}
}
