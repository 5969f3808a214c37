package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/internal/mail"
)

// mailSettings are the SMTP server and the life of mailed codes, from the
// environment (README, Configuration).
type mailSettings struct {
	smtp    mail.SMTPConfig
	codeTTL time.Duration
}

func mailFromEnv() (mailSettings, error) {
	ms := mailSettings{smtp: mail.SMTPConfig{
		Host:     os.Getenv("ECONF_SMTP_HOST"),
		Username: os.Getenv("ECONF_SMTP_USERNAME"),
		Password: os.Getenv("ECONF_SMTP_PASSWORD"),
		From:     envOr("ECONF_MAIL_FROM", "econf <noreply@localhost>"),
	}}
	port, err := strconv.Atoi(envOr("ECONF_SMTP_PORT", "587"))
	if err != nil || port < 1 || port > 65535 {
		return ms, usageError("ECONF_SMTP_PORT: want a port number, e.g. 587 or 465")
	}
	ms.smtp.Port = port
	// ECONF_SMTP_TLS says how the connection is protected; port 465 is
	// SMTPS (implicit TLS) unless told otherwise. ECONF_SMTP_STARTTLS=false
	// is the older spelling of ECONF_SMTP_TLS=none.
	security := "starttls"
	if port == 465 {
		security = "implicit"
	}
	if v := os.Getenv("ECONF_SMTP_STARTTLS"); v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return ms, usageError("ECONF_SMTP_STARTTLS: want true or false (or set ECONF_SMTP_TLS=starttls|implicit|none)")
		}
		if !on {
			security = "none"
		}
	}
	if ms.smtp.Security, err = mail.ParseSecurity(envOr("ECONF_SMTP_TLS", security)); err != nil {
		return ms, usageError("ECONF_SMTP_TLS: " + err.Error())
	}
	ms.smtp.CAFile = os.Getenv("ECONF_SMTP_CA_FILE")
	if ms.codeTTL, err = time.ParseDuration(envOr("ECONF_CODE_TTL", commands.DefaultCodeTTL.String())); err != nil || ms.codeTTL < time.Minute {
		return ms, usageError("ECONF_CODE_TTL: want a duration of at least 1m, e.g. 30m")
	}
	return ms, nil
}

// drainer sends the outbox through the configured server; without
// ECONF_SMTP_HOST mail stays queued (and is sent once a server is set).
func (ms mailSettings) drainer(pool *pgxpool.Pool, log *slog.Logger) (*mail.Drainer, error) {
	if ms.smtp.Host == "" {
		log.Warn("ECONF_SMTP_HOST is not set: mail (activation and reset codes, decisions) is queued but not sent; read it with: econf mail list, econf mail show ID")
		return nil, nil
	}
	sender, err := mail.NewSMTP(ms.smtp)
	if err != nil {
		return nil, usageError("ECONF_SMTP_*: " + err.Error())
	}
	log.Info("mail", "smtp", fmt.Sprintf("%s:%d", ms.smtp.Host, ms.smtp.Port), "tls", cmp.Or(string(ms.smtp.Security), "none"), "ca_file", ms.smtp.CAFile)
	return mail.NewDrainer(pool, sender, mail.DrainerConfig{}, log), nil
}

const mailUsage = `usage: econf mail list [--all] [--json]   the queued mails (with --all the sent ones too)
       econf mail show [--json] ID          one mail, subject and body (ID or its first characters)

Without ECONF_SMTP_HOST mail is not sent: the outbox is the mail sink, and
activation and password reset codes are read here.`

// cmdMail lists and shows the outbox's mails: with no SMTP server set, the
// operator's mail sink.
func cmdMail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "show") {
		return groupHelp("mail", args, stdout)
	}
	var all, asJSON *bool
	cfg, _, err := parseFlagsWith("mail "+args[0], args[1:], stderr, func(fs flagSet) {
		asJSON = fs.Bool("json", false, "print JSON")
		if args[0] == "list" {
			all = fs.Bool("all", false, "list the sent mails too (their content is forgotten once sent)")
		}
	})
	if err != nil {
		return err
	}
	if args[0] == "show" && len(cfg.args) != 1 {
		return usageError(mailUsage)
	}
	if args[0] == "list" && len(cfg.args) != 0 {
		return usageError(mailUsage)
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	if args[0] == "show" {
		m, err := mail.Show(ctx, e.pool, cfg.args[0])
		if errors.Is(err, mail.ErrNoSuchMail) || errors.Is(err, mail.ErrAmbiguousMail) {
			return usageError(err.Error())
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(m)
		}
		fmt.Fprintf(stdout, "ID:       %s\nTo:       %s\nTemplate: %s\nQueued:   %s\n", m.ID, m.To, m.Template, m.CreatedAt.Format(time.RFC3339))
		if m.SentAt != nil {
			fmt.Fprintf(stdout, "Sent:     %s (its content is forgotten once sent)\n", m.SentAt.Format(time.RFC3339))
			return nil
		}
		if m.LastError != "" {
			fmt.Fprintf(stdout, "Attempts: %d, last error: %s\n", m.Attempts, m.LastError)
		}
		fmt.Fprintf(stdout, "Subject:  %s\n\n%s", m.Subject, m.Body)
		return nil
	}
	ms, err := mail.List(ctx, e.pool, *all)
	if err != nil {
		return err
	}
	if *asJSON {
		if ms == nil {
			ms = []mail.Queued{}
		}
		return json.NewEncoder(stdout).Encode(ms)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tQUEUED\tTO\tSTATE\tSUBJECT")
	for _, m := range ms {
		state := "queued"
		switch {
		case m.SentAt != nil:
			state = "sent"
		case m.LastError != "":
			state = fmt.Sprintf("failed %d×", m.Attempts)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID.String()[:8], m.CreatedAt.Local().Format("2006-01-02 15:04"), m.To, state, m.Subject)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d mails; econf mail show ID prints one\n", len(ms))
	if os.Getenv("ECONF_SMTP_HOST") == "" {
		fmt.Fprintln(stdout, "(ECONF_SMTP_HOST is not set: these mails are kept here and not sent)")
	}
	return nil
}
