package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is how a connection to the mail server is protected.
type Security string

const (
	// Plain leaves the connection unencrypted (a relay on the same host).
	// It is the zero value.
	Plain Security = ""
	// StartTLS connects in plain text and upgrades with STARTTLS before
	// authenticating (port 587).
	StartTLS Security = "starttls"
	// ImplicitTLS speaks TLS from the first byte (SMTPS, port 465, as
	// Tencent Exmail, Coremail and Aliyun mail run it).
	ImplicitTLS Security = "implicit"
)

// ParseSecurity reads "starttls", "implicit" or "none".
func ParseSecurity(s string) (Security, error) {
	switch s {
	case "starttls":
		return StartTLS, nil
	case "implicit":
		return ImplicitTLS, nil
	case "none":
		return Plain, nil
	}
	return Plain, fmt.Errorf("want starttls, implicit or none, not %q", s)
}

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host string
	Port int
	// Security is plain, STARTTLS or implicit TLS.
	Security Security
	// CAFile is a PEM bundle of the certificate authorities to trust for
	// the server's certificate instead of the system's (a university's
	// own CA); empty: the system's.
	CAFile string
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set.
	Username string
	Password string
	// From is the sender address, e.g. "econf <noreply@univ.edu.cn>".
	From string
	// Timeout bounds one delivery, from dialling to the end of DATA.
	Timeout time.Duration
}

// LoadCAFile reads a PEM bundle of CA certificates into a pool; a file
// without any certificate is an error.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA bundle %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// SMTP sends mail through one server.
type SMTP struct {
	cfg SMTPConfig
	tls *tls.Config // nil with Plain
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
	s := &SMTP{cfg: cfg}
	switch cfg.Security {
	case Plain:
		if cfg.CAFile != "" {
			return nil, errors.New("smtp: a CA bundle is set but the connection is not encrypted (set STARTTLS or implicit TLS)")
		}
	case StartTLS, ImplicitTLS:
		s.tls = &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			roots, err := LoadCAFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("smtp: %w", err)
			}
			s.tls.RootCAs = roots
		}
	default:
		return nil, fmt.Errorf("smtp: unknown security %q", cfg.Security)
	}
	return s, nil
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
	switch s.cfg.Security {
	case StartTLS:
		if c, err = smtp.NewClientStartTLS(conn, s.tls); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: STARTTLS with %s: %w%s", addr, err, s.trustHint(err))
		}
	case ImplicitTLS:
		tc := tls.Client(conn, s.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: TLS handshake with %s (implicit TLS): %w%s", addr, err, s.trustHint(err))
		}
		c = smtp.NewClient(tc)
	default:
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if s.cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)); err != nil {
			return fmt.Errorf("smtp: authenticate as %s: %w%s", s.cfg.Username, err, s.trustHint(err))
		}
	}
	if err := c.SendMail(envelope(s.cfg.From), []string{to}, bytes.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp: send to %s: %w%s", to, err, s.trustHint(err))
	}
	return c.Quit()
}

// trustHint says which authorities were asked when the server's
// certificate was not trusted.
func (s *SMTP) trustHint(err error) string {
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &unknown) && !errors.As(err, &verify) {
		return ""
	}
	if s.cfg.CAFile != "" {
		return " (the server's certificate is not signed by a CA in the bundle " + s.cfg.CAFile + ", ECONF_SMTP_CA_FILE)"
	}
	return " (the server's certificate is not trusted by the system's CAs; set ECONF_SMTP_CA_FILE to the issuing CA's PEM bundle)"
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
