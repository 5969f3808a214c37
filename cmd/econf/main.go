// Command econf runs the econf service and its operator tasks:
//
//	econf serve                      run the HTTP API and the projections
//	econf migrate                    apply database migrations and exit
//	econf projections status         show each read model's checkpoint and lag
//	econf projections rebuild NAME…  rebuild read models while the old ones serve
//	econf projections retry NAME     retry the event a stalled read model stopped at
//	econf seed-demo                  create the demo organisation and users
//	econf admin create               create a platform administrator (the first one)
//	econf admin analyst-role         a PostgreSQL login that reads the rm views only
//	econf eventstore copy --from URL --to URL
//	                                 copy every stream between event stores
//	econf audit verify               check every stream's hash chain and the signed checkpoints
//	econf audit checkpoint           write a signed checkpoint of the event log now
//	econf audit keygen               make a checkpoint signing key
//	econf mail list|show ID          the outbox: the mail sink without SMTP
//	econf sms list                   the SMS codes the development sender kept
//	econf clock advance 30d --reason R  move a training instance's simulated clock forward
//	econf healthcheck                ask a running serve for /healthz (the image's HEALTHCHECK)
//	econf backup FILE                the database and the uploaded files into FILE
//	econf restore FILE               a backup into a new data folder or an empty database
//	econf restore --in-place         renumber a database moved here by other means
//	econf version                    print the version
//
// With no DATABASE_URL, econf starts (or attaches to) an embedded PostgreSQL
// cluster under the data folder, built from the machine's server binaries.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "econf:", err)
		os.Exit(1)
	}
}

type usageError string

func (u usageError) Error() string { return string(u) }

const usage = `usage: econf <command> [flags]

commands:
  serve                      run the HTTP API and the projections
  migrate                    apply database migrations and exit
  projections status [--json]
                             each read model's generation, checkpoint, lag, stall and last error
  projections retry NAME     apply again the event a stalled read model stopped at
  projections rebuild [--downgrade] NAME... | all
                             rebuild read models in new generations (one pass over the
                             events), then switch each to its new one
  seed-demo [--reset-passwords]
                             create the demo organisation and one user per role; existing
                             demo accounts keep their passwords unless --reset-passwords
  admin create --email E --name N [--password-file F] (--org ID | --org-name 名称)
                             create a platform administrator (password from the file or a prompt)
  admin analyst-role --name NAME [--password-file F]
                             a PostgreSQL login role that reads the read models' rm views only
  eventstore copy --from URL --to URL
                             copy every stream between PostgreSQL and EventStoreDB, resumable
  audit verify [--json] [--checkpoint FILE]... [--checkpoints DIR] [--public-key KEY|FILE]
                             check every stream's hash chain and the events against signed
                             checkpoints; fails when one is broken or a checkpoint does not match
  audit checkpoint           write a signed checkpoint (Merkle root of every event) now
  audit keygen --name NAME --out FILE
                             make an ed25519 checkpoint signing key; prints its public key
  personal erase (--subject ID | --email E) --reason R
                             erase a person's personal data (PIPL): their data keys go, read models rebuild
  personal export (--subject ID | --email E)
                             a person's personal data as stored in the events (JSON)
  personal retention         erase the people the policy's retention rules no longer keep
  personal rotate            re-wrap every data key under the current master key (ECONF_MASTER_KEY)
  personal keygen            print a new master key
  mail list [--all] [--json]  the mails queued to send (without ECONF_SMTP_HOST: kept, not sent)
  mail show [--json] ID      one mail's subject and body, e.g. an activation or reset code
  sms list [--json]          the SMS sign-in codes kept by the development sender (ECONF_SMS_PROVIDER=dev)
  clock advance AMOUNT --reason WHY
                             move a training instance's simulated clock (ECONF_CLOCK) forward, e.g. 30d
  healthcheck [--ready]      ask a running serve for /healthz (/readyz); exit 0 when it answers 200
  backup FILE                write the database and the uploaded files into the archive FILE
  restore FILE               restore a backup into a new data folder (or an empty DATABASE_URL)
  restore --in-place         renumber a database moved into this cluster by pg_dump/pg_restore
  version                    print the version, commit and Go version

run "econf <command> -h" for the command's flags and the environment variables it reads`

// config is every setting, from flags over environment over defaults.
type config struct {
	Addr          string
	Data          string
	DatabaseURL   string
	EventStoreURL string
	TokenTTL      time.Duration
	LogFormat     string
	LogLevel      string
	DemoPassword  string
	Demo          string   // on or off: seed the demo on a first start (serve)
	args          []string // positional arguments
	// ClientAddressHeader: the header a reverse proxy puts the client address in.
	ClientAddressHeader string
	// ReplicaURL: a PostgreSQL hot standby GET requests read from (serve).
	ReplicaURL string
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func (c *config) flags(fs *flag.FlagSet, server bool) {
	fs.StringVar(&c.Data, "data", envOr("ECONF_DATA", "./.econf"), "data folder: the embedded database and files (env ECONF_DATA)")
	fs.StringVar(&c.LogFormat, "log-format", envOr("ECONF_LOG_FORMAT", "text"), "log format: text or json (env ECONF_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("ECONF_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env ECONF_LOG_LEVEL)")
	c.DatabaseURL = os.Getenv("DATABASE_URL")
	c.EventStoreURL = os.Getenv("EVENTSTORE_URL")
	c.DemoPassword = os.Getenv("ECONF_DEMO_PASSWORD")
	c.ClientAddressHeader = os.Getenv("ECONF_CLIENT_ADDRESS_HEADER")
	if server {
		c.ReplicaURL = replicaURL()
		fs.StringVar(&c.Addr, "addr", envOr("ECONF_ADDR", "127.0.0.1:8080"), "listen address (env ECONF_ADDR)")
		fs.StringVar(&c.Demo, "demo", envOr("ECONF_DEMO", "on"), "on: seed the demo organisation and logins on a first start; off: none, create the first administrator with econf admin create (env ECONF_DEMO)")
		ttl, err := time.ParseDuration(envOr("ECONF_TOKEN_TTL", "8h"))
		if err != nil {
			ttl = -1 // reported by validate
		}
		c.TokenTTL = ttl
	}
}

func (c *config) validate() error {
	if c.TokenTTL < 0 || (c.TokenTTL > 0 && c.TokenTTL < time.Minute) {
		return usageError("ECONF_TOKEN_TTL: want a duration of at least 1m, e.g. 8h")
	}
	switch c.Demo {
	case "", "on", "off":
	default:
		return usageError("--demo / ECONF_DEMO: want on or off")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return usageError("--log-format / ECONF_LOG_FORMAT: want text or json")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, usageError("--log-level / ECONF_LOG_LEVEL: want debug, info, warn or error")
	}
	return l, nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel) // validated
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError(usage)
	}
	if wantsHelp(args[1:]) {
		stderr = stdout // help asked for is the answer, not an error
	}
	err := dispatch(ctx, args, stdout, stderr)
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "projections":
		return cmdProjections(ctx, args[1:], stdout, stderr)
	case "seed-demo":
		return cmdSeedDemo(ctx, args[1:], stdout, stderr)
	case "eventstore":
		return cmdEventstore(ctx, args[1:], stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return cmdHealthcheck(ctx, args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args[1:], stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, args[1:], stdout, stderr)
	case "mail":
		return cmdMail(ctx, args[1:], stdout, stderr)
	case "sms":
		return cmdSMS(ctx, args[1:], stdout, stderr)
	case "personal":
		return cmdPersonal(ctx, args[1:], stdout, stderr)
	case "clock":
		return cmdClock(ctx, args[1:], stdout, stderr)
	case "version", "--version":
		return cmdVersion(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usageError(fmt.Sprintf("econf: unknown command %q\n\n%s", args[0], usage))
}

type flagSet = *flag.FlagSet

func parseFlags(name string, args []string, stderr io.Writer, server bool) (*config, *flag.FlagSet, error) {
	return parse(name, args, stderr, server, nil)
}

// parseFlagsWith adds a command's own flags to the common ones.
func parseFlagsWith(name string, args []string, stderr io.Writer, extra func(flagSet)) (*config, *flag.FlagSet, error) {
	return parse(name, args, stderr, false, extra)
}

func parse(name string, args []string, stderr io.Writer, server bool, extra func(flagSet)) (*config, *flag.FlagSet, error) {
	c := &config{}
	fs := flag.NewFlagSet("econf "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printHelp(fs.Output(), name, fs) }
	c.flags(fs, server)
	if extra != nil {
		extra(fs)
	}
	// Flags may come before or after the positional arguments.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, nil, errHelp
			}
			return nil, nil, usageError(err.Error())
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	c.args = positional
	if err := c.validate(); err != nil {
		return nil, nil, err
	}
	return c, fs, nil
}
