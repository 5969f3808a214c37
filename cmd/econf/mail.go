package main

import (
	"log/slog"
	"os"
	"strconv"
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
		return ms, usageError("ECONF_SMTP_PORT: want a port number, e.g. 587")
	}
	ms.smtp.Port = port
	if ms.smtp.StartTLS, err = strconv.ParseBool(envOr("ECONF_SMTP_STARTTLS", "true")); err != nil {
		return ms, usageError("ECONF_SMTP_STARTTLS: want true or false")
	}
	if ms.codeTTL, err = time.ParseDuration(envOr("ECONF_CODE_TTL", commands.DefaultCodeTTL.String())); err != nil || ms.codeTTL < time.Minute {
		return ms, usageError("ECONF_CODE_TTL: want a duration of at least 1m, e.g. 30m")
	}
	return ms, nil
}

// drainer sends the outbox through the configured server; without
// ECONF_SMTP_HOST mail stays queued (and is sent once a server is set).
func (ms mailSettings) drainer(pool *pgxpool.Pool, log *slog.Logger) (*mail.Drainer, error) {
	if ms.smtp.Host == "" {
		log.Warn("ECONF_SMTP_HOST is not set: mail (activation and reset codes, decisions) is queued but not sent")
		return nil, nil
	}
	sender, err := mail.NewSMTP(ms.smtp)
	if err != nil {
		return nil, usageError(err.Error())
	}
	return mail.NewDrainer(pool, sender, mail.DrainerConfig{}, log), nil
}
