package mail_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/mail/mailtest"
)

// The university's mail server speaks TLS from the first byte (port 465)
// with a certificate from the university's own CA: econf trusts the CA
// bundle it is given, authenticates and delivers; a server whose
// certificate another CA signed is refused with an error that names the
// bundle, and nothing is delivered.
func TestSMTPImplicitTLSWithCABundle(t *testing.T) {
	ctx := context.Background()
	ca := mailtest.NewCA(t, "Demo University Root CA")
	for _, implicit := range []bool{true, false} {
		name := map[bool]string{true: "implicit", false: "starttls"}[implicit]
		t.Run(name, func(t *testing.T) {
			srv := mailtest.StartTLSServer(t, ca.ServerCert(t), implicit)
			srv.RequireAuth("econf@demo-univ.edu.cn", "violet kettle ninety 42")
			security := mail.StartTLS
			if implicit {
				security = mail.ImplicitTLS
			}
			cfg := mail.SMTPConfig{Host: srv.Host(), Port: srv.Port(), Security: security, CAFile: ca.File,
				Username: "econf@demo-univ.edu.cn", Password: "violet kettle ninety 42",
				From: "econf <noreply@demo-univ.edu.cn>", Timeout: 5 * time.Second}
			sender, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := sender.Send(ctx, "wang.lei@example.edu.cn", []byte("Subject: hello\r\n\r\nover TLS\r\n")); err != nil {
				t.Fatalf("send over %s TLS with the CA bundle: %v", name, err)
			}
			if got, ok := srv.WaitFor(5*time.Second, func(mailtest.Message) bool { return true }); !ok || got.To != "wang.lei@example.edu.cn" || !strings.Contains(got.Body, "over TLS") {
				t.Fatalf("delivered: %+v %v", got, ok)
			}

			// Another CA's bundle: refused, clearly, nothing delivered.
			other := mailtest.NewCA(t, "Somebody Else's CA")
			cfg.CAFile = other.File
			wrong, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = wrong.Send(ctx, "li.na@example.edu.cn", []byte("Subject: no\r\n\r\nno\r\n"))
			if err == nil || !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), other.File) || mail.Permanent(err) {
				t.Errorf("wrong CA: %v", err)
			}
			t.Logf("wrong CA: %v", err)
			// No bundle: the system's CAs do not know the university's.
			cfg.CAFile = ""
			system, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := system.Send(ctx, "li.na@example.edu.cn", []byte("Subject: no\r\n\r\nno\r\n")); err == nil || !strings.Contains(err.Error(), "ECONF_SMTP_CA_FILE") {
				t.Errorf("system CAs: %v", err)
			}
			if n := len(srv.Messages()); n != 1 {
				t.Errorf("%d messages delivered, want only the trusted one", n)
			}
		})
	}

	// A bundle that is not one is refused before anything is sent.
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []mail.SMTPConfig{
		{Host: "mail.example.edu.cn", Port: 465, Security: mail.ImplicitTLS, CAFile: junk, From: "a@b.cn"},
		{Host: "mail.example.edu.cn", Port: 465, Security: mail.ImplicitTLS, CAFile: junk + ".missing", From: "a@b.cn"},
		{Host: "mail.example.edu.cn", Port: 25, CAFile: ca.File, From: "a@b.cn"},
	} {
		if _, err := mail.NewSMTP(cfg); err == nil {
			t.Errorf("NewSMTP(%+v) accepted", cfg)
		}
	}
}
