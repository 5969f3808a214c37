package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/projections"
)

func cmdPersonal(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "erase":
		return cmdPersonalErase(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "export":
		return cmdPersonalExport(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "retention":
		return cmdPersonalRetention(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "rotate":
		return cmdPersonalRotate(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "cleartext":
		return cmdPersonalClearText(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "keygen":
		if len(args) > 1 && wantsHelp(args[1:]) {
			printHelp(stdout, "personal keygen", nil)
			return nil
		}
		fmt.Fprintln(stdout, personal.NewMasterKey())
		return nil
	}
	return groupHelp("personal", args, stdout)
}

// personFlags reads --subject or --email into the person's id.
func personFlags(name string, args []string, stderr io.Writer, extra func(flagSet)) (*config, uuid.UUID, string, error) {
	var subject, email string
	cfg, _, err := parseFlagsWith(name, args, stderr, func(fs flagSet) {
		fs.StringVar(&subject, "subject", "", "the person's id (an account's id)")
		fs.StringVar(&email, "email", "", "or the person's email address")
		if extra != nil {
			extra(fs)
		}
	})
	if err != nil {
		return nil, uuid.Nil, "", err
	}
	if len(cfg.args) > 0 {
		return nil, uuid.Nil, "", usageError("econf " + name + ": no arguments expected, got " + cfg.args[0])
	}
	switch {
	case (subject == "") == (email == ""):
		return nil, uuid.Nil, "", usageError("econf " + name + ": give --subject ID or --email ADDRESS")
	case email != "":
		return cfg, account.ID(email), email, nil
	}
	id, err := uuid.Parse(subject)
	if err != nil {
		return nil, uuid.Nil, "", usageError(fmt.Sprintf("econf %s: --subject %q is not an id", name, subject))
	}
	return cfg, id, "", nil
}

// cmdPersonalErase erases a person's personal data as the operator, then
// rebuilds every read model (a running serve's pick the new generations up).
func cmdPersonalErase(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var reason string
	cfg, subject, email, err := personFlags("personal erase", args, stderr, func(fs flagSet) {
		fs.StringVar(&reason, "reason", "", "why (recorded in the erasure event; required)")
	})
	if err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return usageError("econf personal erase: --reason is required")
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	cmd := commands.ErasePerson{Reason: reason, Email: email}
	if email == "" {
		cmd.Subject = subject
	}
	res, err := e.app.ErasePerson(ctx, operator, commands.Meta{}, cmd)
	switch {
	case errors.Is(err, personal.ErrUnknownPerson), errors.Is(err, personal.ErrAlreadyErased):
		return usageError("econf personal erase: " + err.Error() + "; nothing was written")
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "erased person %s: %d values in the events (%d written in clear text before encryption, now redacted on reading), %d data keys deleted\n",
		res.Subject, res.Fields, res.ClearText, res.Keys)
	if err := projections.Refresh(ctx, e.pool, e.store, projections.All()...); err != nil {
		return fmt.Errorf("read models not rebuilt (run econf projections rebuild for each): %w", err)
	}
	fmt.Fprintln(stdout, "read models rebuilt without their data")
	return nil
}

// cmdPersonalExport prints a person's data as stored in the events (JSON).
func cmdPersonalExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, subject, _, err := personFlags("personal export", args, stderr, nil)
	if err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	items, err := e.app.PersonalData(ctx, subject)
	if err != nil {
		return err
	}
	if items == nil {
		items = []personal.Item{}
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"subject": subject, "items": items})
}

// cmdPersonalRetention applies the policy's retention rules now (run it
// daily, e.g. from cron): the people they no longer keep are erased as the
// operator, then every read model is rebuilt.
func cmdPersonalRetention(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlagsWith("personal retention", args, stderr, nil)
	if err != nil {
		return err
	}
	if len(cfg.args) > 0 {
		return usageError("econf personal retention: no arguments expected, got " + cfg.args[0])
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	erased, err := e.app.ApplyRetention(ctx, operator, e.clock.Now())
	for _, p := range erased {
		fmt.Fprintf(stdout, "erased person %s (retention)\n", p)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "retention: %d people erased\n", len(erased))
	if len(erased) > 0 {
		if err := projections.Refresh(ctx, e.pool, e.store, projections.All()...); err != nil {
			return fmt.Errorf("read models not rebuilt (run econf projections rebuild for each): %w", err)
		}
	}
	return nil
}

// cmdPersonalRotate re-wraps every data key under the current master key
// (the first of ECONF_MASTER_KEY / ECONF_MASTER_KEY_FILE).
func cmdPersonalRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlagsWith("personal rotate", args, stderr, nil)
	if err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	n, err := e.keys.Rotate(ctx)
	if err != nil {
		return err
	}
	left, err := e.keys.Unrotated(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-wrapped %d data keys under master key %s; %d left under other keys\n", n, e.keys.Current(), left)
	return nil
}

// cmdPersonalClearText reads every event as stored (no decryption) and
// counts the personal fields that hold a value in clear text, by event type
// and field: the residue written before a field was declared personal. A
// database econf wrote from its first start reports none.
func cmdPersonalClearText(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := parseFlagsWith("personal cleartext", args, stderr, nil)
	if err != nil {
		return err
	}
	if len(cfg.args) > 0 {
		return usageError("econf personal cleartext: no arguments expected, got " + cfg.args[0])
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	raw := e.raw
	counts := map[string]int{}
	events, inEvents := 0, 0
	for from := eventstore.Start; ; {
		page, err := raw.ReadAll(ctx, from, 1000)
		if err != nil {
			return err
		}
		for _, ev := range page {
			events++
			clear, err := personal.ClearText(ev.Type, ev.Data)
			if err != nil {
				return fmt.Errorf("%s #%d: %w", ev.StreamID, ev.Number, err)
			}
			if len(clear) > 0 {
				inEvents++
			}
			for _, f := range clear {
				counts[ev.Type+" "+stripIndexes(f)]++
			}
		}
		if len(page) == 0 {
			break
		}
		from = page[len(page)-1].Position
	}
	keys := make([]string, 0, len(counts))
	total := 0
	for k, n := range counts {
		keys = append(keys, k)
		total += n
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(stdout, "%s %d\n", k, counts[k])
	}
	fmt.Fprintf(stdout, "%d personal values in clear text in %d of %d events\n", total, inEvents, events)
	return nil
}

// stripIndexes turns "content.domestic[0].name" into "content.domestic[].name".
func stripIndexes(path string) string {
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] == '[' {
			j := strings.IndexByte(path[i:], ']')
			if j > 0 {
				b.WriteString("[]")
				i += j
				continue
			}
		}
		b.WriteByte(path[i])
	}
	return b.String()
}
