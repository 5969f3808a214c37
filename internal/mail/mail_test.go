package mail_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/mail/mailtest"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// A mail queued while the SMTP server is down waits, is retried with
// backoff, and arrives exactly once when the server comes up; queueing the
// same cause again queues nothing.
func TestOutboxWaitsForServerAndSendsOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pool := pgtest.NewDatabase(t, dbschema.Up)
	smtpSrv := mailtest.Reserve(t) // down

	cause := uuid.New()
	msg := mail.Message{DedupeKey: mail.DedupeKey(cause, mail.ActivationCode), Template: mail.ActivationCode,
		To: "wang.lei@example.edu.cn", Data: map[string]string{"name": "王磊", "code": "482913", "minutes": "30"}}
	if queued, err := mail.Enqueue(ctx, pool, msg); err != nil || !queued {
		t.Fatalf("enqueue: %v %v", queued, err)
	}

	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: smtpSrv.Host(), Port: smtpSrv.Port(), From: "econf <noreply@example.edu.cn>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d := mail.NewDrainer(pool, sender, mail.DrainerConfig{Poll: 20 * time.Millisecond, MinBackoff: 40 * time.Millisecond, MaxBackoff: 150 * time.Millisecond},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	// Wait for at least two failed attempts.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var attempts int
		var lastErr *string
		if err := pool.QueryRow(ctx, `SELECT attempts, last_error FROM mail_outbox`).Scan(&attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		if attempts >= 2 && lastErr != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retries while the server is down: attempts %d", attempts)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := len(smtpSrv.Messages()); n != 0 {
		t.Fatalf("%d messages while down", n)
	}

	smtpSrv.Start()
	got, ok := smtpSrv.WaitFor(5*time.Second, func(mailtest.Message) bool { return true })
	if !ok {
		t.Fatal("the mail never arrived")
	}
	if got.To != msg.To || !strings.Contains(got.Subject, "482913") || !strings.Contains(got.Body, "激活码为 482913") ||
		!strings.Contains(got.Body, "activation code is 482913") || strings.Index(got.Body, "激活码") > strings.Index(got.Body, "activation code") {
		t.Errorf("mail: %+v", got)
	}

	// The same cause again: nothing queued; nothing more sent.
	if queued, err := mail.Enqueue(ctx, pool, msg); err != nil || queued {
		t.Fatalf("second enqueue: %v %v", queued, err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(smtpSrv.Messages()); n != 1 {
		t.Fatalf("%d messages, want 1", n)
	}
	var data string
	var sent bool
	if err := pool.QueryRow(ctx, `SELECT data::text, sent_at IS NOT NULL FROM mail_outbox`).Scan(&data, &sent); err != nil {
		t.Fatal(err)
	}
	if !sent || data != "{}" {
		t.Errorf("after sending: sent %v, data %s (the code must be forgotten)", sent, data)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
