package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// scrape is one read of GET /metrics, parsed.
type scrape map[string]*dto.MetricFamily

func scrapeMetrics(t *testing.T, base string) scrape {
	t.Helper()
	res, err := checked(t, base).Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("GET /metrics is not the Prometheus text format: %v", err)
	}
	return fams
}

// value is the sum of the series of family name whose labels include
// every label given as name=value pairs (a histogram counts its samples);
// ok is false when there is no such series.
func (s scrape) value(name string, labels ...string) (v float64, ok bool) {
	f := s[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.Label {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		}
	}
	return v, ok
}

// TestMetricsMove runs serve, scrapes GET /metrics, signs in, runs
// commands that succeed and that a rule refuses, and scrapes again: the
// request, command, append and deadline-engine series moved, and every
// read model and the mail outbox are reported. A read model stalled by an
// event it cannot apply shows as econf_projection_stalled 1 and in /readyz.
func TestMetricsMove(t *testing.T) {
	dbURL := pgtest.NewDatabaseURL(t, nil)
	data := t.TempDir()
	p := startServe(t, []string{"DATABASE_URL=" + dbURL, "EVENTSTORE_URL=", "ECONF_DEADLINE_INTERVAL=1s"}, "--data", data)
	base := p.base
	before := scrapeMetrics(t, base)

	// The platform administrator of the demo signs in and creates a unit; a
	// unit under the authority breaks a rule.
	var accounts []struct{ Role, Email, Password string }
	b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &accounts); err != nil {
		t.Fatal(err)
	}
	var token string
	for _, a := range accounts {
		if a.Role == "platform_admin" {
			token = signIn(t, base, a.Email, a.Password)
		}
	}
	if token == "" {
		t.Fatal("the demo platform administrator cannot sign in")
	}
	call := func(method, path string, body any) (int, []byte) {
		t.Helper()
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, base+path, r)
		req.Header.Set("Authorization", "Bearer "+token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := checked(t, base).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, out
	}
	// The organisations read model may still be taking in the demo's
	// seeding when serve first answers: wait until it lists the tree.
	parent := map[string]string{}
	for deadline := time.Now().Add(30 * time.Second); parent["university"] == "" || parent["authority"] == ""; {
		if time.Now().After(deadline) {
			t.Fatalf("the organisations list never held the demo's university and authority: %v", parent)
		}
		time.Sleep(50 * time.Millisecond)
		_, orgs := call("GET", "/api/v1/organisations", nil)
		var list struct{ Items []struct{ ID, Kind string } }
		if err := json.Unmarshal(orgs, &list); err != nil {
			t.Fatalf("organisations: %v %s", err, orgs)
		}
		for _, o := range list.Items {
			parent[o.Kind] = o.ID
		}
	}
	if st, b := call("POST", "/api/v1/organisations", map[string]any{"kind": "unit", "nameZh": "物理学院", "nameEn": "School of Physics", "parentId": parent["university"]}); st != 201 {
		t.Fatalf("create a unit: %d %s", st, b)
	}
	if st, b := call("POST", "/api/v1/organisations", map[string]any{"kind": "unit", "nameZh": "化学学院", "parentId": parent["authority"]}); st != 422 {
		t.Fatalf("a unit under the authority: %d %s; want 422", st, b)
	}

	// The deadline engine ticks every second: wait for one more tick.
	var after scrape
	deadline := time.Now().Add(30 * time.Second)
	for {
		after = scrapeMetrics(t, base)
		b, _ := before.value("econf_deadline_runs_total", "outcome", "ok")
		a, _ := after.value("econf_deadline_runs_total", "outcome", "ok")
		if a > b {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("econf_deadline_runs_total did not move in 30 s: %v → %v", b, a)
		}
		time.Sleep(200 * time.Millisecond)
	}
	moved := func(name string, labels ...string) {
		t.Helper()
		b, _ := before.value(name, labels...)
		a, ok := after.value(name, labels...)
		if !ok || a <= b {
			t.Errorf("%s%v did not move: %v → %v (present: %v)", name, labels, b, a, ok)
		}
	}
	moved("econf_http_requests_total", "method", "POST", "route", "/api/v1/auth/login", "status", "200")
	moved("econf_http_requests_total", "method", "POST", "route", "/api/v1/organisations", "status", "201")
	moved("econf_http_requests_total", "method", "POST", "route", "/api/v1/organisations", "status", "422")
	moved("econf_http_request_duration_seconds", "method", "GET", "route", "/api/v1/organisations")
	moved("econf_http_requests_total", "route", "/metrics")
	moved("econf_commands_total", "command", "CreateOrganisation", "outcome", "ok")
	moved("econf_commands_total", "command", "CreateOrganisation", "outcome", "invalid")
	moved("econf_command_duration_seconds", "command", "CreateOrganisation")
	moved("econf_events_appended_total", "command", "CreateOrganisation")
	// The projection lag inside the server: the new unit's event, applied
	// by the directory read model (the organisations list read it back).
	moved("econf_projection_delay_seconds", "read_model", projections.DirectoryName)
	if v, ok := after.value("econf_database_scrape_ok"); !ok || v != 1 {
		t.Errorf("econf_database_scrape_ok = %v (present %v); want 1", v, ok)
	}
	for _, name := range []string{"econf_outbox_pending", "econf_outbox_failing", "econf_outbox_parked", "econf_outbox_oldest_pending_seconds", "econf_outbox_failed_attempts_total", "econf_outbox_sent_total", "econf_deadline_last_run_timestamp_seconds"} {
		if _, ok := after.value(name); !ok {
			t.Errorf("%s is not served", name)
		}
	}
	for _, p := range projections.All() {
		for _, name := range []string{"econf_projection_lag_events", "econf_projection_lag_seconds", "econf_projection_stalled", "econf_projection_events_applied_total"} {
			if _, ok := after.value(name, "read_model", p.Name()); !ok {
				t.Errorf("%s{read_model=%q} is not served", name, p.Name())
			}
		}
	}

	// The Grafana dashboard charts only series the server serves.
	dash, err := os.ReadFile("../../deploy/grafana/econf.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(dash) {
		t.Fatal("deploy/grafana/econf.json is not JSON")
	}
	charted := map[string]bool{}
	for _, name := range regexp.MustCompile(`econf_[a-z_]+`).FindAllString(string(dash), -1) {
		charted[strings.TrimSuffix(name, "_bucket")] = true
	}
	for name := range charted {
		if after[name] == nil {
			t.Errorf("deploy/grafana/econf.json charts %s, which GET /metrics does not serve", name)
		}
	}
	if len(charted) < 15 {
		t.Errorf("the dashboard charts %d econf series; want every family", len(charted))
	}

	// A read model stopped at an event it cannot apply: the directory's
	// table refuses an organisation named "Poisoned".
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var schema string
	if err := pool.QueryRow(ctx, `SELECT schema_name FROM projection_state WHERE name = $1 AND status = 'active'`, projections.DirectoryName).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE `+schema+`.organisations ADD CONSTRAINT no_poison CHECK (name_en NOT LIKE '%Poisoned%') NOT VALID`); err != nil {
		t.Fatal(err)
	}
	if st, b := call("POST", "/api/v1/organisations", map[string]any{"kind": "unit", "nameZh": "毒理学院", "nameEn": "School of Poisoned Studies", "parentId": parent["university"]}); st != 201 {
		t.Fatalf("create a unit: %d %s", st, b)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		s := scrapeMetrics(t, base)
		if v, _ := s.value("econf_projection_stalled", "read_model", projections.DirectoryName); v == 1 {
			if v, _ := s.value("econf_projection_stalled", "read_model", projections.ForecastListName); v != 0 {
				t.Errorf("the forecast list reported stalled too")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("econf_projection_stalled{read_model=directory} did not become 1 in 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	res, err := checked(t, base).Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(rb), `"projections":"degraded"`) || !strings.Contains(string(rb), `"status":"stalled"`) {
		t.Errorf("readyz with the directory stalled: %d %s", res.StatusCode, rb)
	}
	p.stop(t)
}
