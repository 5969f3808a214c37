package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestFirstAdministratorWithoutDemo: serve with ECONF_DEMO=off seeds
// nothing; `econf admin create` beside it makes a platform administrator
// who signs in and administers at once, refusing a weak password, a second
// account of the same email and a password on no terminal; `seed-demo` then
// creates the demo, leaves its accounts' passwords alone when run again and
// replaces them only with --reset-passwords, saying what it did each time.
func TestFirstAdministratorWithoutDemo(t *testing.T) {
	dbURL := pgtest.NewDatabaseURL(t, nil)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("EVENTSTORE_URL", "")
	t.Setenv("ECONF_DEMO_PASSWORD", "")
	t.Setenv("ECONF_DEMO", "off")
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := servingAt.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()

	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	events := func() int {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := events(); n != 0 || !strings.Contains(stderr.String(), "demo seeding is off") {
		t.Fatalf("with ECONF_DEMO=off serve seeded %d events:\n%s", n, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "demo-credentials.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo logins written with ECONF_DEMO=off: %v", err)
	}

	cmd := func(args ...string) (string, error) {
		var out syncBuffer
		err := run(context.Background(), append(args, "--data", data), &out, &out)
		return out.String(), err
	}
	pwFile := func(pw string) string {
		p := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const email, password = "it-office@example.edu.cn", "violet kettle ninety 42"
	create := []string{"admin", "create", "--email", email, "--name", "Gao Yun", "--org-name", "示例主管部门"}

	// Refused, writing nothing: a weak password, one naming the account,
	// no password source, no organisation.
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(create, "--password-file", pwFile("short1")), "R-AUTH-01"},
		{append(create, "--password-file", pwFile("it-office@example.edu.cn 2026")), "R-AUTH-01"},
		{create, "--password-file"},
		{[]string{"admin", "create", "--email", email, "--name", "Gao Yun", "--password-file", pwFile(password)}, "--org"},
	} {
		if out, err := cmd(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("econf %s: %v; want a refusal naming %s\n%s", strings.Join(c.args, " "), err, c.want, out)
		}
	}
	if n := events(); n != 0 {
		t.Fatalf("refused admin create wrote %d events", n)
	}

	out, err := cmd(append(create, "--password-file", pwFile(password))...)
	if err != nil || !strings.Contains(out, "platform administrator "+email+" created") {
		t.Fatalf("admin create: %v\n%s", err, out)
	}
	// Usable at once: signs in and creates a university under its authority.
	token := signIn(t, base, email, password)
	if token == "" {
		t.Fatal("the new administrator cannot sign in")
	}
	var orgs struct {
		Items []struct {
			ID, Kind string
		}
	}
	getJSON(t, base+"/api/v1/organisations", token, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].Kind != "authority" {
		t.Fatalf("organisations: %+v", orgs)
	}
	body, _ := json.Marshal(map[string]any{"kind": "university", "nameZh": "示例大学", "nameEn": "Example University",
		"parentId": orgs.Items[0].ID, "emailDomains": []string{"example.edu.cn"}})
	req, _ := http.NewRequest("POST", base+"/api/v1/organisations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("the new administrator creates a university: %v %v", res, err)
	}
	res.Body.Close()
	before := events()
	if out, err := cmd(append(create, "--password-file", pwFile("another violet kettle 43"))...); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("admin create of an existing email: %v\n%s", err, out)
	}
	if events() != before || signIn(t, base, email, password) == "" {
		t.Error("a refused admin create changed the existing account")
	}

	// seed-demo: creates, then keeps, then resets only when asked.
	creds := func() map[string]string {
		var accounts []struct{ Email, Password string }
		b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &accounts); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, a := range accounts {
			m[a.Email] = a.Password
		}
		return m
	}
	const applicant = "applicant@demo-univ.edu.cn"
	out, err = cmd("seed-demo")
	if err != nil || !strings.Contains(out, "9 accounts created, 0 left as they were") {
		t.Fatalf("seed-demo: %v\n%s", err, out)
	}
	first := creds()
	if len(first) != 9 || signIn(t, base, applicant, first[applicant]) == "" {
		t.Fatalf("seeded demo logins do not work: %v", first)
	}
	out, err = cmd("seed-demo")
	if err != nil || !strings.Contains(out, "0 accounts created, 9 left as they were (passwords unchanged), 0 given new passwords") ||
		!strings.Contains(out, "--reset-passwords") || !strings.Contains(out, "(unchanged)") {
		t.Fatalf("seed-demo again: %v\n%s", err, out)
	}
	if again := creds(); again[applicant] != first[applicant] || signIn(t, base, applicant, first[applicant]) == "" {
		t.Fatal("seed-demo run again changed a demo password")
	}
	out, err = cmd("seed-demo", "--reset-passwords")
	if err != nil || !strings.Contains(out, "0 accounts created, 0 left as they were (passwords unchanged), 9 given new passwords") {
		t.Fatalf("seed-demo --reset-passwords: %v\n%s", err, out)
	}
	reset := creds()
	if reset[applicant] == first[applicant] || signIn(t, base, applicant, first[applicant]) != "" || signIn(t, base, applicant, reset[applicant]) == "" {
		t.Fatal("seed-demo --reset-passwords did not replace the demo passwords")
	}
	if signIn(t, base, email, password) == "" {
		t.Error("seed-demo --reset-passwords touched the administrator's account")
	}

	// A switch value that means nothing stops serve at start.
	var u usageError
	if _, err := cmd("serve", "--demo", "maybe"); !errors.As(err, &u) || !strings.Contains(err.Error(), "ECONF_DEMO") {
		t.Errorf("serve --demo maybe: %v", err)
	}
}

// signIn returns a session token, or "" when the login is refused.
func signIn(t *testing.T, base, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if res.StatusCode != http.StatusOK {
		return ""
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Token
}

func getJSON(t *testing.T, url, token string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, res.Status)
	}
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
