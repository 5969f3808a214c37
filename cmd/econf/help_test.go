package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/econf/econf/projections"
)

// runEconf runs the econf command as a process and answers its exit code
// and its output (stdout and stderr together).
func runEconf(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	// A broken setting must not matter to -h, and no database is opened.
	cmd.Env = append(os.Environ(), asEconfEnv+"=1", "DATABASE_URL=postgres://nobody@127.0.0.1:1/none", "ECONF_TOKEN_TTL=bogus")
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), string(out)
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}

// TestHelpOfEveryCommand runs every command and subcommand with -h (and
// --help): each exits 0 and prints its synopsis, its flags and the
// environment variables it reads; projections rebuild and retry list the
// read models; each group (econf projections -h) lists its subcommands.
func TestHelpOfEveryCommand(t *testing.T) {
	flags := map[string][]string{
		"serve":               {"-addr", "-data", "-demo", "-log-format", "-log-level"},
		"projections status":  {"-json", "-data"},
		"projections rebuild": {"-downgrade", "-data"},
		"projections retry":   {"-wait", "-data"},
		"seed-demo":           {"-reset-passwords", "-data"},
		"admin create":        {"-email", "-name", "-password-file", "-org", "-org-name", "-org-name-en", "-data"},
		"admin analyst-role":  {"-name", "-password-file", "-data"},
		"eventstore copy":     {"-from", "-to", "-data"},
		"audit verify":        {"-json", "-checkpoint", "-checkpoints", "-public-key", "-data"},
		"audit checkpoint":    {"-data"},
		"audit keygen":        {"-name", "-out"},
		"healthcheck":         {"-addr", "-ready", "-timeout"},
		"backup":              {"-data"},
		"restore":             {"-in-place", "-data"},
		"migrate":             {"-data"},
		"mail list":           {"-all", "-json", "-data"},
		"mail show":           {"-json", "-data"},
		"sms list":            {"-json", "-data"},
		"clock advance":       {"-data", "-reason"},
		"personal erase":      {"-subject", "-email", "-reason", "-data"},
		"personal export":     {"-subject", "-email", "-data"},
		"personal rotate":     {"-data"},
		"personal retention":  {"-data"},
		"personal cleartext":  {"-data"},
		"personal keygen":     nil,
		"version":             nil,
	}
	for name := range commandDocs {
		if _, ok := flags[name]; !ok {
			t.Errorf("econf %s has help but this test does not know its flags", name)
		}
	}
	for name, want := range flags {
		doc, ok := commandDocs[name]
		if !ok {
			t.Errorf("econf %s has no entry in commandDocs", name)
			continue
		}
		for _, h := range []string{"-h", "--help"} {
			code, out := runEconf(t, append(strings.Fields(name), h)...)
			if code != 0 {
				t.Errorf("econf %s %s: exit %d; want 0\n%s", name, h, code, out)
				continue
			}
			if !strings.Contains(out, "usage: econf "+name) {
				t.Errorf("econf %s %s: no synopsis\n%s", name, h, out)
			}
			for _, f := range want {
				if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(f) + `\b`).MatchString(out) {
					t.Errorf("econf %s %s does not list the flag %s\n%s", name, h, f, out)
				}
			}
			for _, env := range doc.env {
				if !regexp.MustCompile(`(?m)^\s+` + env + `\s`).MatchString(out) {
					t.Errorf("econf %s %s does not list the environment variable %s\n%s", name, h, env, out)
				}
			}
			if strings.HasPrefix(name, "projections re") {
				for _, p := range projections.All() {
					if !regexp.MustCompile(`(?m)^\s+` + p.Name() + `$`).MatchString(out) {
						t.Errorf("econf %s %s does not list the read model %s\n%s", name, h, p.Name(), out)
					}
				}
			}
		}
	}
	for group, subs := range groups {
		code, out := runEconf(t, group, "-h")
		if code != 0 {
			t.Errorf("econf %s -h: exit %d; want 0\n%s", group, code, out)
		}
		for _, s := range subs {
			if !strings.Contains(out, "econf "+group+" "+s) {
				t.Errorf("econf %s -h does not list %s\n%s", group, s, out)
			}
		}
		if code, out := runEconf(t, group, "frobnicate"); code != 2 || !strings.Contains(out, "unknown subcommand") {
			t.Errorf("econf %s frobnicate: exit %d; want 2 naming the unknown subcommand\n%s", group, code, out)
		}
	}
	if code, out := runEconf(t, "-h"); code != 0 || !strings.Contains(out, "version") {
		t.Errorf("econf -h: exit %d\n%s", code, out)
	}
	if code, out := runEconf(t, "version"); code != 0 || !regexp.MustCompile(`^econf \S+ .*go1\.\d+`).MatchString(out) {
		t.Errorf("econf version: exit %d: %q", code, out)
	}
	// Errors are still errors: exit 2.
	if code, out := runEconf(t, "serve", "--no-such-flag"); code != 2 || !strings.Contains(out, "no-such-flag") {
		t.Errorf("econf serve --no-such-flag: exit %d; want 2\n%s", code, out)
	}
}

// envName is how econf's environment variables are spelled.
var envName = regexp.MustCompile(`^(ECONF_[A-Z0-9_]+|DATABASE_URL|EVENTSTORE_URL)$`)

// TestEveryEnvironmentVariableIsDocumented finds every environment
// variable name the command's code spells out: each is described in
// envDocs, listed by serve's help (serve reads them all) and by the help of
// the commands reading it, and mentioned in docs/operations.md or README.md.
func TestEveryEnvironmentVariableIsDocumented(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]string{} // name → file
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "help.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					read[s] = fset.Position(lit.Pos()).String()
				}
			}
			return true
		})
	}
	if len(read) < 10 {
		t.Fatalf("found only %d environment variables in the code: %v", len(read), read)
	}
	docs := ""
	for _, f := range []string{"../../docs/operations.md", "../../README.md"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs += string(b)
	}
	names := make([]string, 0, len(read))
	for n := range read {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if envDocs[n] == "" {
			t.Errorf("%s (read at %s) is not described in envDocs (cmd/econf/help.go): add it there and to the commandDocs of the commands reading it", n, read[n])
		}
		if !slices.Contains(commandDocs["serve"].env, n) {
			t.Errorf("%s (read at %s) is not in econf serve -h", n, read[n])
		}
		if !strings.Contains(docs, n) {
			t.Errorf("%s (read at %s) is mentioned neither in docs/operations.md nor in README.md", n, read[n])
		}
	}
	for n := range envDocs {
		if _, ok := read[n]; !ok {
			t.Errorf("envDocs describes %s, which the code does not read", n)
		}
	}
	for name, d := range commandDocs {
		for _, n := range d.env {
			if envDocs[n] == "" {
				t.Errorf("econf %s lists %s, which envDocs does not describe", name, n)
			}
		}
	}
}

// TestHelpSaysWhereMailGoesWithoutSMTP: without ECONF_SMTP_HOST mail stays
// in the outbox and registration works with the codes read there
// (TestReadmeWalkthroughs' signup): serve -h says so, not that
// registration is off.
func TestHelpSaysWhereMailGoesWithoutSMTP(t *testing.T) {
	_, out := runEconf(t, "serve", "-h")
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "ECONF_SMTP_HOST") {
			line = l
		}
	}
	if !strings.Contains(line, "econf mail list") || strings.Contains(line, "registration is off") {
		t.Errorf("serve -h on ECONF_SMTP_HOST: %q; want the mail sink (econf mail list), registration working", line)
	}
}
