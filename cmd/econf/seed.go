package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/internal/demo"
)

func cmdSeedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var reset bool
	cfg, _, err := parseFlagsWith("seed-demo", args, stderr, func(fs flagSet) {
		fs.BoolVar(&reset, "reset-passwords", false, "give demo accounts that exist already new passwords (without it they are left as they are)")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) > 0 {
		return usageError("econf seed-demo: no arguments expected, got " + cfg.args[0])
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	return withSeedLock(ctx, e, func() error { return seed(ctx, e, stdout, reset) })
}

// seedIfEmpty seeds the demo on the first start, when no event exists yet.
// Several processes starting at once on one empty database (replicas) seed
// it once: the check and the seed run under one advisory lock, so the
// others find the events and leave the kept logins as they are.
func seedIfEmpty(ctx context.Context, e *env, stdout io.Writer) error {
	return withSeedLock(ctx, e, func() error {
		empty, err := storeIsEmpty(ctx, e)
		if err != nil || !empty {
			return err
		}
		return seed(ctx, e, stdout, false)
	})
}

// withSeedLock runs fn holding the cluster-wide seeding lock.
func withSeedLock(ctx context.Context, e *env, fn func() error) error {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('econf.seed-demo'))`); err != nil {
		return fmt.Errorf("seed: lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('econf.seed-demo'))`); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // ending the session releases the lock
		}
	}()
	return fn()
}

// storeIsEmpty reports whether no event is stored. In PostgreSQL it asks
// the table itself: $all hides events behind any running transaction, and
// a seed committed by another process just now must be seen.
func storeIsEmpty(ctx context.Context, e *env) (bool, error) {
	if _, ok := e.raw.(*pgstore.Store); ok {
		var some bool
		if err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM events)`).Scan(&some); err != nil {
			return false, fmt.Errorf("seed: %w", err)
		}
		return !some, nil
	}
	events, err := e.store.ReadAll(ctx, eventstore.Start, 1)
	return len(events) == 0, err
}

// seed creates (or finds) the demo tree and accounts, opens the forecast
// window for next year's plan from today to the end of the year, prints
// what it did to each account and keeps the logins it knows in
// <data>/demo-credentials.json. Accounts that exist already keep their
// passwords unless reset is set.
func seed(ctx context.Context, e *env, stdout io.Writer, reset bool) error {
	password := func(domain.Role) string { return demo.Password() }
	if e.cfg.DemoPassword != "" {
		password = func(domain.Role) string { return e.cfg.DemoPassword }
	}
	today := domain.DateOf(e.clock.Now())
	window := &policy.WindowOverride{PlanYear: today.Year + 1, Open: today, Close: domain.Date{Year: today.Year, Month: 12, Day: 31}}
	tree, err := demo.SeedWith(ctx, e.app, demo.Options{Password: password, Window: window, ResetPasswords: reset})
	if err != nil {
		return err
	}
	path := filepath.Join(e.cfg.Data, "demo-credentials.json")
	all := append(append([]demo.Account{}, tree.Accounts...), tree.OtherUnitAd, tree.OtherApp)
	// A kept account's password is the one kept from an earlier seed, if
	// this data folder has it.
	var earlier []demo.Account
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &earlier) // unreadable: nothing known
	}
	count := map[demo.Outcome]int{}
	for i, a := range all {
		count[a.Outcome]++
		if a.Outcome != demo.Kept {
			continue
		}
		for _, k := range earlier {
			if k.Email == a.Email {
				all[i].Password = k.Password
			}
		}
	}
	fmt.Fprintln(stdout, "Demo organisation and accounts (one per role):")
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  ROLE\tEMAIL\tPASSWORD\tDONE")
	show := func(a demo.Account) {
		pw := a.Password
		if a.Outcome == demo.Kept {
			pw = "(unchanged)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", a.Role, a.Email, pw, a.Outcome)
	}
	for _, a := range all {
		show(a)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(all, "", "  ") // plain structs
	if err := os.MkdirAll(e.cfg.Data, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("keep demo credentials: %w", err)
	}
	fmt.Fprintf(stdout, "%d accounts created, %d left as they were (passwords unchanged), %d given new passwords.\n",
		count[demo.Created], count[demo.Kept], count[demo.Reset])
	if count[demo.Kept] > 0 {
		fmt.Fprintln(stdout, "Run econf seed-demo --reset-passwords to give the existing demo accounts new passwords.")
	}
	fmt.Fprintf(stdout, "(logins kept in %s; the forecast window for plan year %d is open until %s)\n", path, window.PlanYear, window.Close)
	return nil
}
