package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host string
	Port int
	// StartTLS upgrades the connection before authenticating; with it
	// false the connection stays plain (a relay on the same host).
	StartTLS bool
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set (only over STARTTLS or to a loopback server).
	Username string
	Password string
	// From is the sender address, e.g. "econf <noreply@univ.edu.cn>".
	From string
	// Timeout bounds one delivery, from dialling to the end of DATA.
	Timeout time.Duration
	// TLS overrides the TLS settings (tests trust their own certificate).
	TLS *tls.Config
}

// SMTP sends mail through one server.
type SMTP struct {
	cfg SMTPConfig
}

// NewSMTP checks cfg and returns a sender.
func NewSMTP(cfg SMTPConfig) (*SMTP, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	if cfg.Port == 0 {
		cfg.Port = 587
	}
	if cfg.From == "" {
		return nil, errors.New("smtp: no sender address")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &SMTP{cfg: cfg}, nil
}

// From is the sender address.
func (s *SMTP) From() string { return s.cfg.From }

// Send delivers one message to one recipient.
func (s *SMTP) Send(ctx context.Context, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp: dial %s: %w", addr, err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline) // a fresh TCP connection accepts deadlines
	var c *smtp.Client
	if s.cfg.StartTLS {
		tlsCfg := s.cfg.TLS
		if tlsCfg == nil {
			tlsCfg = &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
		}
		if c, err = smtp.NewClientStartTLS(conn, tlsCfg); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: STARTTLS with %s: %w", addr, err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if s.cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
			return fmt.Errorf("smtp: authenticate as %s: %w", s.cfg.Username, err)
		}
	}
	if err := c.SendMail(envelope(s.cfg.From), []string{to}, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp: send to %s: %w", to, err)
	}
	return c.Quit()
}

// Permanent reports whether err is a refusal retrying cannot change (an
// SMTP 5xx answer, e.g. an unknown mailbox).
func Permanent(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.Code < 600
}

// envelope is the bare address of a From header ("Name <a@b>" → "a@b").
func envelope(from string) string {
	if a, err := netmail.ParseAddress(from); err == nil {
		return a.Address
	}
	return from
}
