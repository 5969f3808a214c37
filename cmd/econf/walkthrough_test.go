package main

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// problems counts the problem+json answers in a walkthrough's output.
var problems = regexp.MustCompile(`"type":"https://econf.invalid/problems/([a-z-]+)"`)

// TestReadmeWalkthroughs runs the README's walkthroughs, which are the
// scripts in scripts/walkthroughs (TestReadmeShowsWalkthroughs keeps the
// README's copies equal to them), against `econf serve` on a fresh
// PostgreSQL store, as a new user would: the forecast tour twice on the
// same data, the declaration and the change, registration and password
// reset through the mail sink, the training walkthrough (serve is a
// training instance, as its walkthrough asks: ECONF_TRAINING=on
// ECONF_CLOCK=+0d ECONF_DEADLINE_INTERVAL=2s), which moves the simulated
// clock past the conference's end to the summary's reminder and its
// falling overdue, and then the summary. Every answer that is not a
// success must be one the walkthrough announces.
func TestReadmeWalkthroughs(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's walkthroughs need %s: %v", tool, err)
		}
	}
	// A fresh database in the package's cluster (the embedded cluster's own
	// start is TestServeEmbedded's); the scripts' econf commands reach it too.
	t.Setenv("DATABASE_URL", pgtest.NewDatabaseURL(t, nil))
	t.Setenv("ECONF_SMTP_HOST", "")
	// A training instance whose deadline engine ticks every 2 s, as the
	// training walkthrough asks; the scripts' econf commands see the same.
	t.Setenv("ECONF_TRAINING", "on")
	t.Setenv("ECONF_CLOCK", "+0d")
	t.Setenv("ECONF_DEADLINE_INTERVAL", "2s")
	data := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0"}, &stdout, &stderr) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, stderr.String())
		}
	})
	var base string
	for deadline := time.Now().Add(60 * time.Second); base == ""; time.Sleep(20 * time.Millisecond) {
		if m := servingAt.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", stderr.String())
		}
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// sh runs a script in the checkout's root as the README says, and
	// returns its output; it must end well, with exactly the announced
	// problem answers.
	sh := func(name, script string, wantProblems []string, env ...string) string {
		t.Helper()
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), append([]string{"B=" + base + "/api/v1", "ECONF_DATA=" + data,
			"ECONF=" + os.Args[0], asEconfEnv + "=1"}, env...)...)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("%s: %s", name, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		var got []string
		for _, m := range problems.FindAllStringSubmatch(string(out), -1) {
			got = append(got, m[1])
		}
		if strings.Join(got, " ") != strings.Join(wantProblems, " ") {
			t.Fatalf("%s: problem answers %v, want %v:\n%s", name, got, wantProblems, out)
		}
		return string(out)
	}
	next := strconv.Itoa(time.Now().In(domain.Shanghai).Year() + 1)
	// The tour announces a 422 (step 2) and a 409 (step 3); the
	// declaration a 422 before its sections are filled in.
	out := sh("tour, declaration and change", `bash scripts/walkthroughs/change.sh`, []string{"validation", "stale-version", "validation"})
	for _, want := range []string{
		"\nrejected\n404\n403\n", // steps 7 and 8 of the tour
		`"status":"authority_approved"`,
		`{"start": "` + next + `-05-11", "end": "` + next + `-05-13"}`, // 顺延一天
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	checkStep2 := func(out string) {
		t.Helper()
		var rules []string
		for _, m := range regexp.MustCompile(`"rule":"(R-[A-Z]+-\d+)"`).FindAllStringSubmatch(out, -1) {
			rules = append(rules, m[1])
		}
		if len(rules) < 3 || strings.Join(rules[:3], " ") != "R-FC-03 R-FC-03 R-CLS-05" || (len(rules) > 3 && rules[3] != "R-DECL-04") {
			t.Errorf("step 2 names %v; want R-FC-03 (首届, 峰会) and R-CLS-05 only", rules)
		}
	}
	checkStep2(out)
	var d string
	if m := regexp.MustCompile(`(?m)^D=(\S+)$`).FindStringSubmatch(out); m != nil {
		d = m[1]
	}
	// A second run of the tour on the same data works as the first.
	out = sh("tour again", `bash scripts/walkthroughs/tour.sh`, []string{"validation", "stale-version"})
	checkStep2(out)
	if !strings.Contains(out, "\nrejected\n404\n403\n") {
		t.Errorf("second tour:\n%s", out)
	}
	if d == "" {
		t.Fatal("change.sh did not leave D")
	}

	out = sh("signup", `bash scripts/walkthroughs/signup.sh`, nil)
	if n := strings.Count(out, `"token":`); n != 2 {
		t.Errorf("signup: %d sign-ins; want 2 (after activation, after the reset):\n%s", n, out)
	}

	// The training walkthrough for the change's declaration: the platform
	// admin moves the simulated clock to the summary's reminder, then past
	// its due date; the deadline engine follows.
	out = sh("training", `bash scripts/walkthroughs/training.sh`, nil, "D="+d)
	for _, want := range []string{
		"\n" + next + "-06-29 deadline_reminder | ",
		"\n" + next + "-07-14 summary_overdue | ",
		`"blocked":true`,
		"deadline.summary_overdue simulatedClock",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("training: output lacks %q:\n%s", want, out)
		}
	}

	// The summary, on the simulated clock past its due date: accepted, it
	// blocks no more.
	out = sh("summary", `bash scripts/walkthroughs/summary.sh`, nil, "D="+d)
	for _, want := range []string{`"blocked":false`, `"items":[]`} {
		if !strings.Contains(out, want) {
			t.Errorf("summary: output lacks %s:\n%s", want, out)
		}
	}

	// docs/operations.md lists every kind of stream the walkthroughs wrote.
	e, err := connect(ctx, &config{Data: data, DatabaseURL: os.Getenv("DATABASE_URL")}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer e.close()
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	kinds := streamKinds(t, e.pool)
	t.Logf("stream kinds: %v", kinds)
	for _, kind := range kinds {
		if !strings.Contains(string(doc), "| `"+strings.TrimSuffix(kind, "<id>")) {
			t.Errorf("docs/operations.md, Events: stream kind %s is not listed", kind)
		}
	}
	if len(kinds) < 9 {
		t.Errorf("the walkthroughs wrote only the stream kinds %v", kinds)
	}
}

// TestReadmeShowsWalkthroughs: every script of scripts/walkthroughs is
// shown in the README, after a `<!-- file: PATH -->` line, exactly as it is,
// so what a reader pastes is what TestReadmeWalkthroughs runs; and every
// file the walkthroughs upload exists.
func TestReadmeShowsWalkthroughs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]string{}
	for _, m := range regexp.MustCompile("(?s)<!-- file: (\\S+) -->\n```sh\n(.*?)```\n").FindAllStringSubmatch(string(readme), -1) {
		shown[m[1]] = m[2]
	}
	scripts, err := filepath.Glob("../../scripts/walkthroughs/*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no walkthrough scripts: %v", err)
	}
	for _, path := range scripts {
		name := strings.TrimPrefix(path, "../../")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := shown[name]
		switch {
		case !ok:
			t.Errorf("README does not show %s", name)
		case got != string(b):
			t.Errorf("README's copy of %s differs from the script; paste the script into the README", name)
		}
		delete(shown, name)
		for _, m := range regexp.MustCompile(`\b([\w-]+\.(?:jpg|pdf)|summary\.json)\b`).FindAllStringSubmatch(string(b), -1) {
			if _, err := os.Stat("../../scripts/walkthroughs/" + m[1]); err != nil {
				t.Errorf("%s uses %s: %v", name, m[1], err)
			}
		}
	}
	for name := range shown {
		t.Errorf("README shows %s, which is not a walkthrough script", name)
	}
}

// TestOperationsDocListsReadModels: docs/operations.md has a row for every
// read model serve runs, naming each of its tables.
func TestOperationsDocListsReadModels(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| (.*)$").FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2]
	}
	for _, p := range projections.All() {
		row, ok := rows[p.Name()]
		if !ok {
			t.Errorf("docs/operations.md, Read models: no row for %s", p.Name())
			continue
		}
		for _, table := range p.Tables() {
			if !strings.Contains(row, "`"+table+"`") {
				t.Errorf("docs/operations.md, Read models: %s's row does not name its table %s", p.Name(), table)
			}
		}
	}
}

// streamKinds are the kinds of stream in a database (a stream id without
// its trailing uuid).
func streamKinds(t *testing.T, q interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) []string {
	t.Helper()
	var kinds []string
	if err := q.QueryRow(context.Background(), `SELECT array_agg(DISTINCT regexp_replace(stream_id, '-[0-9a-f]{8}-[0-9a-f-]{27}$', '-<id>'))
		FROM events`).Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	return kinds
}
