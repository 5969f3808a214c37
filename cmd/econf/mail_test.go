package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/mail/mailtest"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// Without ECONF_SMTP_HOST the outbox is the mail sink: a new user
// registers and resets the password with the codes the operator reads with
// econf mail list / show. Set to a server speaking implicit TLS with a
// certificate from the university's CA (ECONF_SMTP_TLS, ECONF_SMTP_CA_FILE),
// the mail still queued is delivered.
func TestMailSinkWithoutSMTP(t *testing.T) {
	dbURL := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", dbURL)
	data := t.TempDir()
	p := startServe(t, []string{"DATABASE_URL=" + dbURL, "ECONF_SMTP_HOST=", "ECONF_DEMO=on"}, "--data", data)
	if !strings.Contains(p.stderr.String(), "econf mail list") {
		t.Errorf("serve does not say where the mail goes:\n%s", p.stderr.String())
	}
	c := checked(t, p.base)
	call := func(method, path string, body any, want int) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, p.base+"/api/v1"+path, bytes.NewReader(b))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %v", method, path, res.StatusCode, want, out)
		}
		return out
	}
	econf := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(context.Background(), append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	// The mail to addr with a code: listed, then shown.
	codeFor := func(addr string, re *regexp.Regexp) string {
		t.Helper()
		list, err := econf("mail", "list")
		if err != nil {
			t.Fatalf("mail list: %v\n%s", err, list)
		}
		var id string
		for _, line := range strings.Split(list, "\n") {
			if strings.Contains(line, addr) && strings.Contains(line, "queued") {
				id = strings.Fields(line)[0] // the newest last
			}
		}
		if id == "" || !strings.Contains(list, "not sent") {
			t.Fatalf("mail list has no queued mail to %s:\n%s", addr, list)
		}
		shown, err := econf("mail", "show", id)
		m := re.FindStringSubmatch(shown)
		if err != nil || m == nil || !strings.Contains(shown, "To:       "+addr) {
			t.Fatalf("mail show %s: %v\n%s", id, err, shown)
		}
		return m[1]
	}

	// The directory read model catches up with the demo seed.
	var unis []any
	for deadline := time.Now().Add(20 * time.Second); len(unis) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no university listed for registration")
		}
		unis = call("GET", "/auth/universities", nil, 200)["items"].([]any)
	}
	uni := unis[0].(map[string]any)
	addr := "new.teacher@" + uni["emailDomains"].([]any)[0].(string)
	first, second := "violet kettle ninety 42", "copper meadow lantern 97"
	call("POST", "/auth/registrations", map[string]any{"email": addr, "name": "新教师", "mobile": "13912345678", "staffNo": "S9001",
		"universityId": uni["id"], "unitId": uni["units"].([]any)[0].(map[string]any)["id"], "password": first}, 202)
	code := codeFor(addr, regexp.MustCompile(`激活码为 (\d{6})`))
	call("POST", "/auth/registrations/activate", map[string]string{"email": addr, "code": code}, 201)
	call("POST", "/auth/login", map[string]string{"email": addr, "password": first}, 200)

	call("POST", "/auth/password-reset", map[string]string{"email": addr}, 202)
	code = codeFor(addr, regexp.MustCompile(`验证码为 (\d{6})`))
	call("POST", "/auth/password-reset/confirm", map[string]string{"email": addr, "code": code, "password": second}, 204)
	login := call("POST", "/auth/login", map[string]string{"email": addr, "password": second}, 200)

	// SMS sign-in on the development sender (R-DEL-07): the codes are read
	// with econf sms list.
	if !strings.Contains(p.stderr.String(), "econf sms list") {
		t.Errorf("serve does not say where the SMS codes go:\n%s", p.stderr.String())
	}
	smsCode := func() string {
		t.Helper()
		out, err := econf("sms", "list")
		if err != nil {
			t.Fatalf("sms list: %v\n%s", err, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) == 5 && f[3] == "13912345678" {
				return f[4] // the newest first
			}
		}
		t.Fatalf("sms list has no code for the mobile:\n%s", out)
		return ""
	}
	req, _ := http.NewRequest("POST", p.base+"/api/v1/me/mobile/verification", nil)
	req.Header.Set("Authorization", "Bearer "+login["token"].(string))
	if res, err := c.Do(req); err != nil || res.StatusCode != 202 {
		t.Fatalf("verify mobile: %v %v", res, err)
	}
	req, _ = http.NewRequest("POST", p.base+"/api/v1/me/mobile/verification/confirm", strings.NewReader(`{"code":"`+smsCode()+`"}`))
	req.Header.Set("Authorization", "Bearer "+login["token"].(string))
	req.Header.Set("Content-Type", "application/json")
	if res, err := c.Do(req); err != nil || res.StatusCode != 204 {
		t.Fatalf("confirm mobile: %v %v", res, err)
	}
	// Codes for the mobile are limited now (one a minute): refused, 429.
	call("POST", "/auth/sms-code", map[string]string{"mobile": "13912345678"}, 429)

	var u usageError
	for _, args := range [][]string{{"mail", "show", "zz"}, {"mail", "show", "ffffffff"}, {"mail", "show"}, {"mail", "frob"}} {
		if out, err := econf(args...); !errors.As(err, &u) {
			t.Errorf("econf %s: %v; want a usage error\n%s", strings.Join(args, " "), err, out)
		}
	}
	out, err := econf("mail", "list", "--json")
	var queued []mail.Queued
	if err != nil || json.Unmarshal([]byte(out), &queued) != nil || len(queued) != 2 {
		t.Fatalf("mail list --json: %v\n%s", err, out)
	}
	p.stop(t)

	// Now the university's server: implicit TLS, its own CA, AUTH PLAIN.
	ca := mailtest.NewCA(t, "Demo University Root CA")
	smtpSrv := mailtest.StartTLSServer(t, ca.ServerCert(t), true)
	smtpSrv.RequireAuth("econf", "amber lantern quietly 58")
	p = startServe(t, []string{"DATABASE_URL=" + dbURL, "ECONF_SMTP_HOST=127.0.0.1", "ECONF_SMTP_PORT=" + strconv.Itoa(smtpSrv.Port()),
		"ECONF_SMTP_TLS=implicit", "ECONF_SMTP_CA_FILE=" + ca.File, "ECONF_SMTP_USERNAME=econf", "ECONF_SMTP_PASSWORD=amber lantern quietly 58"}, "--data", data)
	defer p.stop(t)
	if ms, ok := smtpSrv.WaitForN(20*time.Second, 2, func(m mailtest.Message) bool { return m.To == addr }); !ok {
		t.Fatalf("queued mail not delivered over implicit TLS (%d arrived):\n%s", len(ms), p.stderr.String())
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := econf("mail", "list")
		if err == nil && strings.Contains(out, "\n0 mails") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("mail list after delivery: %v\n%s", err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := econf("mail", "show", queued[0].ID.String()); err != nil || !strings.Contains(out, "Sent:") || strings.Contains(out, "激活码") {
		t.Errorf("mail show of a sent mail: %v\n%s", err, out)
	}
}

// ECONF_SMTP_TLS and the port: 465 is implicit TLS unless told otherwise;
// bad values are usage errors naming the variable.
func TestMailSettingsFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want mail.Security
		err  string
	}{
		{map[string]string{}, mail.StartTLS, ""},
		{map[string]string{"ECONF_SMTP_PORT": "465"}, mail.ImplicitTLS, ""},
		{map[string]string{"ECONF_SMTP_PORT": "465", "ECONF_SMTP_TLS": "starttls"}, mail.StartTLS, ""},
		{map[string]string{"ECONF_SMTP_TLS": "implicit"}, mail.ImplicitTLS, ""},
		{map[string]string{"ECONF_SMTP_STARTTLS": "false"}, mail.Plain, ""},
		{map[string]string{"ECONF_SMTP_TLS": "none"}, mail.Plain, ""},
		{map[string]string{"ECONF_SMTP_TLS": "ssl"}, "", "ECONF_SMTP_TLS"},
		{map[string]string{"ECONF_SMTP_STARTTLS": "maybe"}, "", "ECONF_SMTP_STARTTLS"},
	} {
		for _, k := range []string{"ECONF_SMTP_PORT", "ECONF_SMTP_TLS", "ECONF_SMTP_STARTTLS"} {
			t.Setenv(k, c.env[k])
		}
		ms, err := mailFromEnv()
		var u usageError
		switch {
		case c.err != "" && (!errors.As(err, &u) || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v: %v; want a usage error naming %s", c.env, err, c.err)
		case c.err == "" && (err != nil || ms.smtp.Security != c.want):
			t.Errorf("%v: %q %v; want %q", c.env, ms.smtp.Security, err, c.want)
		}
	}

	// A CA bundle that holds no certificate stops serve at start.
	junk := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ECONF_SMTP_HOST", "mail.example.edu.cn")
	t.Setenv("ECONF_SMTP_PORT", "465")
	t.Setenv("ECONF_SMTP_TLS", "")
	t.Setenv("ECONF_SMTP_STARTTLS", "")
	t.Setenv("ECONF_SMTP_CA_FILE", junk)
	ms, err := mailFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	var u usageError
	if _, err := ms.drainer(nil, slog.New(slog.DiscardHandler)); !errors.As(err, &u) || !strings.Contains(err.Error(), junk) {
		t.Errorf("a CA bundle without certificates: %v; want a usage error naming the file", err)
	}
}
