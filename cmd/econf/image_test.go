package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// dockerStages reads the Dockerfile into its stages (each from its FROM).
func dockerStages(t *testing.T) [][]instruction {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]instruction
	var cur strings.Builder
	flush := func() {
		line := strings.TrimSpace(cur.String())
		cur.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.cmd != "ARG" {
				t.Fatalf("Dockerfile: %s before the first FROM", in.cmd)
			}
			return
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

// acceptsCommand checks that argv (as an image or compose health check
// gives it) runs an econf command that exists.
func acceptsCommand(t *testing.T, argv []string) {
	t.Helper()
	if len(argv) < 2 || argv[0] != "econf" {
		t.Errorf("health check %q does not run the econf binary", argv)
		return
	}
	var out syncBuffer
	if err := run(context.Background(), append(append([]string{}, argv[1:]...), "-h"), &out, &out); err != nil {
		t.Errorf("health check %q: econf does not know it: %v", argv, err)
	}
}

// TestDockerfile checks what the image promises without a Docker engine:
// a GOPROXY build argument before the first download, a runtime stage with
// the CA certificates, a non-root user, no demo seeding, and a HEALTHCHECK that runs a
// command the binary has (the runtime image has no curl).
func TestDockerfile(t *testing.T) {
	stages := dockerStages(t)
	if len(stages) < 2 {
		t.Fatalf("want a build stage and a runtime stage, got %d stage(s)", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	argAt, downloadAt := -1, -1
	for i, in := range build {
		if in.cmd == "ARG" && strings.HasPrefix(in.args, "GOPROXY") && argAt < 0 {
			argAt = i
		}
		if in.cmd == "RUN" && (strings.Contains(in.args, "go mod download") || strings.Contains(in.args, "go build")) && downloadAt < 0 {
			downloadAt = i
		}
	}
	if argAt < 0 || downloadAt < 0 || argAt > downloadAt {
		t.Errorf("the build stage declares no GOPROXY argument before it downloads modules (ARG at %d, download at %d)", argAt, downloadAt)
	}

	var user, health string
	var caCerts, demoOff bool
	for _, in := range final {
		switch in.cmd {
		case "ENV":
			demoOff = demoOff || strings.Contains(" "+in.args+" ", " ECONF_DEMO=off ")
		case "USER":
			user = in.args
		case "HEALTHCHECK":
			health = in.args
		case "COPY":
			caCerts = caCerts || strings.Contains(in.args, "ca-certificates.crt")
		case "RUN":
			caCerts = caCerts || strings.Contains(in.args, "install") && strings.Contains(in.args, "ca-certificates")
		}
	}
	if !demoOff {
		t.Error("the image seeds the demo: want ENV ECONF_DEMO=off")
	}
	if !caCerts {
		t.Error("the runtime stage has no CA certificates")
	}
	name, _, _ := strings.Cut(user, ":")
	if name == "" || name == "root" || name == "0" {
		t.Errorf("the runtime stage runs as %q; want a non-root user", user)
	}
	_, execForm, ok := strings.Cut(health, "CMD ")
	if !ok {
		t.Fatalf("no HEALTHCHECK CMD in the runtime stage (%q)", health)
	}
	var argv []string
	if err := json.Unmarshal([]byte(execForm), &argv); err != nil {
		t.Fatalf("HEALTHCHECK CMD %s: want the exec form (no shell in the image to rely on): %v", execForm, err)
	}
	acceptsCommand(t, argv)
}

// TestDockerignore: the build context leaves out the history and local data
// folders, and keeps every file the econf binary is built from.
func TestDockerignore(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	excluded := func(path string) bool {
		m, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, p := range []string{".git/HEAD", ".git/objects/ab/cdef", ".econf/demo-credentials.json", ".econf/pg/PG_VERSION",
		"cmd/econf/.econf/pg/PG_VERSION", "data/files/upload.pdf", "econf"} {
		if !excluded(p) {
			t.Errorf(".dockerignore lets %s into the build context", p)
		}
	}
	// Every source and embedded file of the binary, and go.mod/go.sum.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,Module,GoFiles,EmbedFiles", "./cmd/econf")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var pkg struct {
			Dir                 string
			Module              *struct{ Path string }
			GoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			t.Fatal(err)
		}
		if pkg.Module == nil || pkg.Module.Path != "github.com/econf/econf" {
			continue
		}
		rel, err := filepath.Rel(root, pkg.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(pkg.GoFiles, pkg.EmbedFiles...) {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(needed) < 20 {
		t.Fatalf("go list found only %d files", len(needed))
	}
	for _, p := range needed {
		if excluded(p) {
			t.Errorf(".dockerignore leaves out %s, which the binary is built from", p)
		}
	}
}
