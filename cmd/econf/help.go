package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/econf/econf/projections"
)

// errHelp: -h was asked for and the help printed; run answers nil (exit 0).
var errHelp = errors.New("help shown")

// envDocs describes every environment variable econf reads (a test checks
// that each one the code reads is here and in its commands' help).
var envDocs = map[string]string{
	"DATABASE_URL":                       "PostgreSQL database, postgres://user:pass@host/db; unset: the embedded cluster under the data folder",
	"EVENTSTORE_URL":                     "esdb://host:2113?tls=false to keep events in EventStoreDB; unset: in PostgreSQL (DATABASE_URL)",
	"ECONF_DATA":                         "data folder: embedded database, uploaded files, demo logins (flag --data; default ./.econf)",
	"ECONF_LOG_FORMAT":                   "text or json (flag --log-format; default text)",
	"ECONF_LOG_LEVEL":                    "debug, info, warn or error (flag --log-level; default info)",
	"ECONF_ADDR":                         "listen address (flag --addr; default 127.0.0.1:8080)",
	"ECONF_DEMO":                         "on or off: seed the demo organisation and logins on a first start (flag --demo; default on)",
	"ECONF_DEMO_PASSWORD":                "one password for every demo account instead of generated ones",
	"ECONF_TOKEN_TTL":                    "how long a sign-in token lasts, at least 1m (default 8h)",
	"ECONF_CLIENT_ADDRESS_HEADER":        "header a reverse proxy puts the client address in (e.g. X-Forwarded-For); unset: the TCP peer",
	"ECONF_REPLICA_URL":                  "PostgreSQL hot standby of DATABASE_URL's server that GET requests read from while it keeps up; unset: every read on the primary",
	"ECONF_REPLICA_MAX_LAG":              "how far the read replica may trail the primary and still serve reads (default 2s)",
	"ECONF_REPLICA_WAIT":                 "how long a read with X-Econf-Min-Position waits for the replica before it reads from the primary (default 1s)",
	"ECONF_DEADLINE_INTERVAL":            "how often the deadline engine looks for passed deadlines, at least 1s (default 1m)",
	"ECONF_IDEMPOTENCY_SECRET":           "HMAC key for stored Idempotency-Key requests, the same on every replica; unset: generated once, kept in the database",
	"ECONF_IDEMPOTENCY_RETENTION":        "how long Idempotency-Key answers are kept (default 24h)",
	"ECONF_SMTP_HOST":                    "SMTP server for mail; unset: mail stays queued in the outbox, read with econf mail list and mail show (registration and resets work with the codes read there)",
	"ECONF_SMTP_PORT":                    "SMTP port (default 587)",
	"ECONF_SMTP_USERNAME":                "SMTP login",
	"ECONF_SMTP_PASSWORD":                "SMTP password",
	"ECONF_SMTP_STARTTLS":                "true or false: STARTTLS or none (older spelling of ECONF_SMTP_TLS)",
	"ECONF_SMTP_TLS":                     "starttls, implicit (SMTPS, port 465) or none (default: implicit on port 465, else starttls)",
	"ECONF_SMTP_CA_FILE":                 "PEM bundle of the CAs to trust for the SMTP server, beside the system's",
	"ECONF_MAIL_FROM":                    "sender of every mail (default econf <noreply@localhost>)",
	"ECONF_CODE_TTL":                     "how long an emailed activation or reset code lasts, at least 1m",
	"ECONF_SMS_PROVIDER":                 "dev or aliyun: SMS sign-in codes kept for econf sms list, or sent by Alibaba Cloud SMS (default dev)",
	"ECONF_SMS_ALIYUN_ACCESS_KEY_ID":     "Alibaba Cloud AccessKey ID for SMS (with ECONF_SMS_PROVIDER=aliyun)",
	"ECONF_SMS_ALIYUN_ACCESS_KEY_SECRET": "Alibaba Cloud AccessKey secret for SMS",
	"ECONF_SMS_ALIYUN_SIGN_NAME":         "the approved SMS signature (短信签名)",
	"ECONF_SMS_ALIYUN_TEMPLATE_CODE":     "the approved template of the code message, with the parameter ${code}",
	"ECONF_SMS_ALIYUN_ENDPOINT":          "SendSms endpoint (default https://dysmsapi.aliyuncs.com/)",
	"ECONF_CHECKPOINT_KEY_FILE":          "file holding the audit checkpoint signing key (econf audit keygen); unset with ECONF_CHECKPOINT_KEY: no checkpoints",
	"ECONF_CHECKPOINT_KEY":               "the audit checkpoint signing key itself (PRIVATE+KEY+...), instead of ECONF_CHECKPOINT_KEY_FILE",
	"ECONF_CHECKPOINT_PUBLIC_KEY":        "the checkpoints' public key (name+hash+key) for verifying; default: the signing key's",
	"ECONF_CHECKPOINT_DIR":               "directories for audit checkpoints, ':'-separated, the first extended (default <data>/checkpoints)",
	"ECONF_CHECKPOINT_INTERVAL":          "how often serve writes an audit checkpoint when events were added, at least 1s (default 10m)",
	"ECONF_TRAINING":                     "on or off: this is a training or demo instance, never production (default off); needed for ECONF_CLOCK",
	"ECONF_MASTER_KEY":                   "master key(s) wrapping the personal data keys, base64 or hex, ','-separated, the current first (econf personal keygen)",
	"ECONF_MASTER_KEY_FILE":              "file of master keys, one a line, the current first; unset with ECONF_MASTER_KEY: <data>/master.key, made on first use",
	"ECONF_SSO_CONFIG":                   "JSON file naming each university's identity provider for single sign-on (OIDC or CAS; docs/operations.md); unset: none",
	"ECONF_CLOCK":                        "simulated clock of a training instance: a start time (2027-05-14T09:00:00+08:00) that then runs, or an offset (+90d)",
}

// checkpointEnv is read by the commands that write or verify checkpoints.
var checkpointEnv = []string{"ECONF_CHECKPOINT_KEY_FILE", "ECONF_CHECKPOINT_KEY", "ECONF_CHECKPOINT_PUBLIC_KEY", "ECONF_CHECKPOINT_DIR", "ECONF_CHECKPOINT_INTERVAL"}

// commonEnv is read by every command that opens the database (its
// commands run on a training instance's simulated clock too).
var commonEnv = []string{"DATABASE_URL", "EVENTSTORE_URL", "ECONF_DATA", "ECONF_LOG_FORMAT", "ECONF_LOG_LEVEL", "ECONF_TRAINING", "ECONF_CLOCK",
	"ECONF_MASTER_KEY", "ECONF_MASTER_KEY_FILE"}

// commandDoc is one command's help: its synopsis, what it does and the
// environment variables it reads.
type commandDoc struct {
	usage string
	about func() string
	env   []string
}

func text(s string) func() string { return func() string { return s } }

func withCommon(env ...string) []string { return append(append([]string(nil), commonEnv...), env...) }

// commandDocs: every command and subcommand, by its name after "econf".
var commandDocs = map[string]commandDoc{
	"serve": {"econf serve [flags]", text("Runs the HTTP API (and GET /metrics), the read models, the deadline engine and the mail outbox.\n" +
		"Without DATABASE_URL it starts (or attaches to) an embedded PostgreSQL cluster under the data folder."),
		withCommon("ECONF_ADDR", "ECONF_DEMO", "ECONF_DEMO_PASSWORD", "ECONF_TOKEN_TTL", "ECONF_CLIENT_ADDRESS_HEADER", "ECONF_DEADLINE_INTERVAL",
			"ECONF_IDEMPOTENCY_SECRET", "ECONF_IDEMPOTENCY_RETENTION", "ECONF_SMTP_HOST", "ECONF_SMTP_PORT", "ECONF_SMTP_USERNAME", "ECONF_SMTP_PASSWORD",
			"ECONF_SMTP_STARTTLS", "ECONF_SMTP_TLS", "ECONF_SMTP_CA_FILE", "ECONF_MAIL_FROM", "ECONF_CODE_TTL",
			"ECONF_SMS_PROVIDER", "ECONF_SMS_ALIYUN_ACCESS_KEY_ID", "ECONF_SMS_ALIYUN_ACCESS_KEY_SECRET", "ECONF_SMS_ALIYUN_SIGN_NAME",
			"ECONF_SMS_ALIYUN_TEMPLATE_CODE", "ECONF_SMS_ALIYUN_ENDPOINT",
			"ECONF_CHECKPOINT_KEY_FILE", "ECONF_CHECKPOINT_KEY", "ECONF_CHECKPOINT_PUBLIC_KEY", "ECONF_CHECKPOINT_DIR", "ECONF_CHECKPOINT_INTERVAL", "ECONF_SSO_CONFIG",
			"ECONF_REPLICA_URL", "ECONF_REPLICA_MAX_LAG", "ECONF_REPLICA_WAIT")},
	"mail list": {"econf mail list [--all] [--json] [flags]", func() string {
		return "Lists the queued mails (with --all the sent ones too).\n\n" + afterUsage(mailUsage)
	}, withCommon()},
	"sms list": {"econf sms list [--json] [flags]", func() string {
		return "Lists the SMS codes the development sender kept.\n\n" + afterUsage(smsUsage)
	}, withCommon()},
	"mail show":           {"econf mail show [--json] ID [flags]", text("Shows one mail's subject and body (ID or its first characters), e.g. an activation or reset code."), withCommon()},
	"migrate":             {"econf migrate [flags]", text("Applies the database migrations and exits."), withCommon()},
	"projections status":  {"econf projections status [--json] [flags]", text("Shows each read model's generation, checkpoint, lag, stall and last error."), withCommon()},
	"projections rebuild": {"econf projections rebuild [--downgrade] NAME... [flags]", rebuildAbout, withCommon()},
	"projections retry":   {"econf projections retry NAME [--wait D] [flags]", retryAbout, withCommon()},
	"seed-demo": {"econf seed-demo [--reset-passwords] [flags]", text("Creates the demo organisation and one account per role; the logins go to <data>/demo-credentials.json.\n" +
		"Existing demo accounts keep their passwords unless --reset-passwords."), withCommon("ECONF_DEMO_PASSWORD")},
	"admin create": {"econf admin create --email E --name N [--password-file F] (--org ID | --org-name 名称 [--org-name-en NAME]) [flags]",
		text("Creates a platform administrator who can sign in at once (the first account of an installation without the demo)."), withCommon()},
	"admin analyst-role": {"econf admin analyst-role --name NAME [--password-file F] [flags]",
		text("Creates or updates a PostgreSQL login role that can read the read models' views in schema rm and nothing else\n" +
			"(member of the NOLOGIN group econf_analysts): for a BI tool, see docs/read-models.md. Run it again to change the password."), withCommon()},
	"eventstore copy": {"econf eventstore copy --from URL --to URL [flags]", func() string { return afterUsage(eventstoreUsage) }, withCommon()},
	"audit verify": {"econf audit verify [--json] [--checkpoint FILE]... [--checkpoints DIR] [--public-key KEY|FILE] [flags]",
		text("Checks every stream's hash chain and, given checkpoints, that the events as stored hash to what each signed\n" +
			"checkpoint says and that the checkpoints form an unbroken chain; exits 1 when anything fails."), withCommon(checkpointEnv...)},
	"audit checkpoint": {"econf audit checkpoint [flags]", text("Writes a signed checkpoint (size and Merkle root of every event) now, beside a running serve or not;\n" +
		"refuses when the events no longer match the newest checkpoint."), withCommon(checkpointEnv...)},
	"audit keygen": {"econf audit keygen --name NAME --out FILE", text("Makes an ed25519 checkpoint signing key in FILE (0600, never overwritten) and prints its public key."), nil},
	"healthcheck": {"econf healthcheck [--ready] [--addr A] [--timeout D]",
		text("Asks a running serve for /healthz (or /readyz with --ready); exits 0 when it answers 200 (the image's HEALTHCHECK)."), []string{"ECONF_ADDR"}},
	"backup":  {"econf backup FILE [flags]", text("Writes the database and the uploaded files into the archive FILE (a new file), beside a running serve or not."), withCommon()},
	"restore": {"econf restore FILE | econf restore --in-place [flags]", func() string { return afterUsage(restoreUsage) }, withCommon()},
	"clock advance": {"econf clock advance AMOUNT --reason WHY [flags]", text("Moves a training instance's simulated clock (ECONF_CLOCK) forward by AMOUNT (30d, 2w, 36h, 90m),\n" +
		"for every serve process at once (they follow within 2s) and across restarts, recorded first as clock.advanced\n" +
		"with the reason (as POST /api/v1/admin/clock/advance records it); refused on the real clock."), withCommon()},
	"personal erase": {"econf personal erase (--subject ID | --email E) --reason R [flags]",
		text("Erases a person's personal data (PIPL) as the operator: records the erasure with its reason, deletes their data keys\n" +
			"(their values in the events read as 已删除个人信息), takes them out of queued mails, then rebuilds every read model."), withCommon()},
	"personal export": {"econf personal export (--subject ID | --email E) [flags]",
		text("Prints every personal value of the person stored in the events, as JSON (a person's request for their data)."), withCommon()},
	"personal retention": {"econf personal retention [flags]",
		text("Applies the policy's retention rules (retention.closedRecordMonths) now: erases, as the operator, the people named\n" +
			"only in forecasts and declarations rejected or withdrawn longer ago, who hold no account; run it daily."), withCommon()},
	"personal rotate": {"econf personal rotate [flags]",
		text("Re-wraps every data key under the current master key (the first of ECONF_MASTER_KEY or ECONF_MASTER_KEY_FILE);\n" +
			"the old master keys may be dropped once it reports none left."), withCommon()},
	"personal cleartext": {"econf personal cleartext [flags]",
		text("Reads every event as stored and counts the personal fields holding a value in clear text, by event type and field\n" +
			"(written before the field was declared personal; a database econf wrote from its first start has none)."), withCommon()},
	"personal keygen": {"econf personal keygen", text("Prints a new random master key (base64) for ECONF_MASTER_KEY or a key file."), nil},
	"version":         {"econf version", text("Prints econf's version, commit and Go version."), nil},
}

// groups are the commands that only hold subcommands.
var groups = map[string][]string{
	"projections": {"status", "rebuild", "retry"},
	"admin":       {"create", "analyst-role"},
	"eventstore":  {"copy"},
	"audit":       {"verify", "checkpoint", "keygen"},
	"mail":        {"list", "show"},
	"sms":         {"list"},
	"clock":       {"advance"},
	"personal":    {"erase", "export", "retention", "rotate", "cleartext", "keygen"},
}

func readModelNames() []string {
	var names []string
	for _, p := range projections.All() {
		names = append(names, p.Name())
	}
	return names
}

func rebuildAbout() string {
	return "Rebuilds read models, each in a new generation while the old one serves, then switches each to its new one.\n" +
		"Several (or all) are rebuilt in one pass over the events.\n" +
		"--downgrade rebuilds ones that newer code built.\n\nNAME is all, or one of the read models:\n  " + strings.Join(readModelNames(), "\n  ")
}

func retryAbout() string {
	return "Has the running serve apply again the event a stalled read model stopped at, and waits for the outcome.\n\n" +
		"NAME is one of the read models:\n  " + strings.Join(readModelNames(), "\n  ")
}

// wantsHelp tells whether args ask for help.
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

// printHelp writes a command's help: synopsis, description, flags (fs,
// when it has any) and the environment variables it reads.
func printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	d, ok := commandDocs[name]
	if !ok {
		d = commandDoc{usage: "econf " + name + " [flags]", about: text("")}
	}
	fmt.Fprintf(w, "usage: %s\n", d.usage)
	if about := d.about(); about != "" {
		fmt.Fprintf(w, "\n%s\n", about)
	}
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nflags:")
			out := fs.Output()
			fs.SetOutput(w)
			fs.PrintDefaults()
			fs.SetOutput(out)
		}
	}
	if len(d.env) > 0 {
		fmt.Fprintln(w, "\nenvironment (a flag given wins over its variable):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, k := range d.env {
			fmt.Fprintf(tw, "  %s\t%s\n", k, envDocs[k])
		}
		_ = tw.Flush()
	}
}

// groupHelp answers "econf GROUP -h" (and a GROUP without a subcommand or
// with an unknown one, as a usage error) with the group's subcommands.
func groupHelp(group string, args []string, stdout io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: econf %s <subcommand> [flags]\n\nsubcommands:\n", group)
	subs := append([]string(nil), groups[group]...)
	sort.Strings(subs)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	for _, s := range subs {
		fmt.Fprintf(tw, "  %s\t%s\n", commandDocs[group+" "+s].usage, firstLine(commandDocs[group+" "+s].about()))
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "\nrun \"econf %s <subcommand> -h\" for its flags and environment", group)
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, b.String())
		return nil
	}
	if len(args) > 0 {
		return usageError(fmt.Sprintf("econf %s: unknown subcommand %q\n\n%s", group, args[0], b.String()))
	}
	return usageError(b.String())
}

// afterUsage is a usage text without its "usage:" lines.
func afterUsage(u string) string {
	if i := strings.Index(u, "\n\n"); i >= 0 {
		return u[i+2:]
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
var version = ""

// versionString names the build: the version, the commit and its time
// when the binary was built from a checkout (go build records them), and
// the Go version and platform.
func versionString() string {
	v := version
	var rev, at string
	modified := false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	out := "econf " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " commit " + rev
		if at != "" {
			out += " (" + at + ")"
		}
		if modified {
			out += " with local changes"
		}
	}
	return out + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

func cmdVersion(args []string, stdout io.Writer) error {
	if wantsHelp(args) {
		printHelp(stdout, "version", nil)
		return nil
	}
	if len(args) > 0 {
		return usageError("econf version: no arguments expected, got " + args[0])
	}
	fmt.Fprintln(stdout, versionString())
	return nil
}
