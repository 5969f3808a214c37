package main

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/econf/econf/eventstore/esdbstore"
)

// TestComposeFile loads docker-compose.yml with the Compose loader and
// checks the topology: every service the app's URLs name exists, has a
// health check the app waits for, and keeps its data in a volume; every
// setting the app reads is set and valid.
func TestComposeFile(t *testing.T) {
	ctx := context.Background()
	opts, err := cli.NewProjectOptions([]string{filepath.Join("..", "..", "docker-compose.yml")},
		cli.WithName("econf"), cli.WithOsEnv)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	app, err := project.GetService("app")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for k, v := range app.Environment {
		if v == nil || *v == "" {
			t.Errorf("app: %s is set but empty", k)
			continue
		}
		env[k] = *v
	}
	if env["ECONF_DEMO"] != "off" {
		t.Errorf("app: ECONF_DEMO=%q; the compose file seeds no demo (want off)", env["ECONF_DEMO"])
	}
	for _, k := range []string{"DATABASE_URL", "EVENTSTORE_URL", "ECONF_ADDR", "ECONF_DATA", "ECONF_LOG_FORMAT", "ECONF_TOKEN_TTL"} {
		if env[k] == "" {
			t.Errorf("app: %s is not set", k)
		}
	}
	// The settings are ones the app accepts.
	for k, v := range env {
		t.Setenv(k, v)
	}
	cfg, _, err := parseFlags("serve", nil, &syncBuffer{}, true)
	if err != nil {
		t.Fatalf("the app refuses the compose settings: %v", err)
	}
	if cfg.EventStoreURL != env["EVENTSTORE_URL"] || cfg.DatabaseURL != env["DATABASE_URL"] {
		t.Errorf("the app does not read the compose settings: %+v", cfg)
	}
	if _, err := esdbstore.ParseURL(env["EVENTSTORE_URL"]); err != nil {
		t.Errorf("EVENTSTORE_URL: %v", err)
	}
	if _, port, err := net.SplitHostPort(env["ECONF_ADDR"]); err != nil || !portPublished(app.Ports, port) {
		t.Errorf("ECONF_ADDR %s is not the published port (%v)", env["ECONF_ADDR"], err)
	}

	// Every host the app's URLs name is a service, healthy before the app starts.
	for _, k := range []string{"DATABASE_URL", "EVENTSTORE_URL"} {
		u, err := url.Parse(env[k])
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		svc, err := project.GetService(u.Hostname())
		if err != nil {
			t.Errorf("%s names %q, which is not a service", k, u.Hostname())
			continue
		}
		dep, ok := app.DependsOn[svc.Name]
		if !ok || dep.Condition != "service_healthy" {
			t.Errorf("app does not wait for %s to be healthy", svc.Name)
		}
		if svc.HealthCheck == nil || len(svc.HealthCheck.Test) == 0 || svc.HealthCheck.Disable {
			t.Errorf("%s has no health check", svc.Name)
		}
		if svc.Image == "" || strings.HasSuffix(svc.Image, ":latest") || !strings.Contains(svc.Image, ":") {
			t.Errorf("%s: image %q is not pinned", svc.Name, svc.Image)
		}
		hasVolume := false
		for _, v := range svc.Volumes {
			if v.Type == "volume" && project.Volumes[v.Source].Name != "" {
				hasVolume = true
			}
		}
		if !hasVolume {
			t.Errorf("%s keeps its data in no named volume", svc.Name)
		}
		if port := u.Port(); port != "" && k == "EVENTSTORE_URL" && svc.Environment["EVENTSTORE_NODE_PORT"] != nil && *svc.Environment["EVENTSTORE_NODE_PORT"] != port {
			t.Errorf("EVENTSTORE_URL port %s, EventStoreDB listens on %s", port, *svc.Environment["EVENTSTORE_NODE_PORT"])
		}
	}
	// The app restarts after a crash and reports its health by a command
	// its image has.
	switch app.Restart {
	case "unless-stopped", "always", "on-failure":
	default:
		t.Errorf("app: restart policy %q; want unless-stopped, always or on-failure", app.Restart)
	}
	if app.HealthCheck == nil || app.HealthCheck.Disable || len(app.HealthCheck.Test) < 2 || app.HealthCheck.Test[0] != "CMD" {
		t.Errorf("app: health check %+v; want the exec form [CMD econf healthcheck]", app.HealthCheck)
	} else {
		acceptsCommand(t, app.HealthCheck.Test[1:])
	}
	if app.Build == nil || app.Build.Args["GOPROXY"] == nil {
		t.Error("app: the build passes no GOPROXY argument")
	}
	es, err := project.GetService("eventstore")
	if err != nil {
		t.Fatal(err)
	}
	if v := es.Environment["EVENTSTORE_INSECURE"]; v == nil || *v != "true" || !strings.Contains(env["EVENTSTORE_URL"], "tls=false") {
		t.Error("EventStoreDB runs insecure (dev mode) and the app must connect with tls=false")
	}
	// The README documents every variable the app is given.
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for k := range env {
		if !strings.Contains(string(readme), "`"+k+"`") {
			t.Errorf("README does not document %s", k)
		}
	}
}

func portPublished(ports []types.ServicePortConfig, target string) bool {
	for _, p := range ports {
		if target == strconv.FormatUint(uint64(p.Target), 10) {
			return true
		}
	}
	return false
}

// TestMalformedEventStoreURL: a bad EVENTSTORE_URL stops the app at start
// with a message that names the setting, before anything is opened.
func TestMalformedEventStoreURL(t *testing.T) {
	for _, bad := range []string{"esdb://localhost:notaport", "esdb://", "mysql://localhost", "esdb://admin:s3cret@localhost:2113?tls=false"} {
		t.Setenv("EVENTSTORE_URL", bad)
		var out syncBuffer
		err := run(context.Background(), []string{"migrate", "--data", t.TempDir()}, &out, &out)
		if err == nil || !strings.Contains(err.Error(), "EVENTSTORE_URL") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("EVENTSTORE_URL=%s: %v", bad, err)
		}
	}
}
