package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/projections"
)

// poisonForecastList makes the forecast list's table refuse any forecast
// whose English name says "Poisoned", as a read-model constraint an event's
// data can break, and files one: the forecast list stalls at its event.
func (h *harness) poisonForecastList() (id string) {
	h.t.Helper()
	h.settle()
	ctx := context.Background()
	var schema string
	if err := h.pool.QueryRow(ctx, `SELECT schema_name FROM projection_state WHERE name = $1 AND status = 'active'`, projections.ForecastListName).Scan(&schema); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `ALTER TABLE `+schema+`.forecasts ADD CONSTRAINT no_poison CHECK (name_en NOT LIKE '%Poisoned%') NOT VALID`); err != nil {
		h.t.Fatal(err)
	}
	id, _ = h.submit(func(m map[string]any) { m["nameEn"] = "2027 International Workshop on Poisoned Systems" })
	return id
}

// curePoison drops the constraint and retries the stalled forecast list.
func (h *harness) curePoison() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var schema string
	if err := h.pool.QueryRow(ctx, `SELECT schema_name FROM projection_state WHERE name = $1 AND status = 'active'`, projections.ForecastListName).Scan(&schema); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.pool.Exec(ctx, `ALTER TABLE `+schema+`.forecasts DROP CONSTRAINT no_poison`); err != nil {
		h.t.Fatal(err)
	}
	before, err := projections.RequestRetry(ctx, h.pool, projections.ForecastListName)
	if err != nil {
		h.t.Fatal(err)
	}
	if err := projections.WaitRetry(ctx, h.pool, before); err != nil {
		h.t.Fatalf("retry once the cause is gone: %v", err)
	}
}

// TestStalledReadAnswers503: a read that waits (X-Econf-Min-Position) for
// a read model stalled before that position answers at once 503
// read-model-stalled with Retry-After, naming the read model, instead of
// waiting out as not-yet-consistent; reads of the other read models answer.
// After the cause is fixed and the read model retried, the read answers.
func TestStalledReadAnswers503(t *testing.T) {
	h := newHarness(t)
	id := h.poisonForecastList()
	applicant := h.email("applicant")

	var res response
	deadline := time.Now().Add(40 * time.Second)
	for {
		res = h.do("GET", "/api/v1/forecasts", applicant, nil)
		if strings.Contains(string(res.body), "read-model-stalled") || time.Now().After(deadline) {
			break
		}
		if res.status != http.StatusServiceUnavailable || !strings.Contains(string(res.body), "not-yet-consistent") {
			t.Fatalf("list while the forecast list fails: %d %s", res.status, res.body)
		}
	}
	var p struct{ Type, Detail string }
	if err := json.Unmarshal(res.body, &p); err != nil {
		t.Fatal(err)
	}
	if res.status != http.StatusServiceUnavailable || !strings.HasSuffix(p.Type, "/read-model-stalled") ||
		!strings.Contains(p.Detail, projections.ForecastListName) || res.header.Get("Retry-After") == "" {
		t.Fatalf("list with the forecast list stalled: %d Retry-After %q %s", res.status, res.header.Get("Retry-After"), res.body)
	}
	start := time.Now()
	if res = h.do("GET", "/api/v1/forecasts", applicant, nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("again: %d %s", res.status, res.body)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("a read of a stalled read model took %s; want an answer at once", took)
	}
	// The status view is not stalled: it answers.
	if res := h.do("GET", "/api/v1/forecasts/"+id+"/status", applicant, nil); res.status != http.StatusOK {
		t.Errorf("status view while the forecast list is stalled: %d %s", res.status, res.body)
	}

	h.curePoison()
	res = h.do("GET", "/api/v1/forecasts", applicant, nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), id) {
		t.Errorf("list after the retry: %d %s", res.status, res.body)
	}
}

// TestReadyzReportsStalledReadModel: /readyz stays 200 with a stalled read
// model, says checks.projections "degraded", and names the read model, the
// event and the error; after the retry it is "ok" again.
func TestReadyzReportsStalledReadModel(t *testing.T) {
	h := newHarness(t)
	id := h.poisonForecastList()

	type readiness struct {
		Ready      bool              `json:"ready"`
		Checks     map[string]string `json:"checks"`
		ReadModels []struct {
			Name   string             `json:"name"`
			Status string             `json:"status"`
			Stall  *projections.Stall `json:"stall"`
		} `json:"readModels"`
	}
	readyz := func() (response, readiness) {
		res := h.do("GET", "/readyz", "", nil)
		var r readiness
		if err := json.Unmarshal(res.body, &r); err != nil {
			t.Fatalf("readyz: %v: %s", err, res.body)
		}
		return res, r
	}
	res, r := readyz()
	if res.status != http.StatusOK || r.Checks["projections"] != "ok" && r.Checks["projections"] != "degraded" || len(r.ReadModels) != len(projections.All()) {
		t.Fatalf("readyz: %d %s", res.status, res.body)
	}
	deadline := time.Now().Add(40 * time.Second)
	for r.Checks["projections"] != "degraded" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		res, r = readyz()
	}
	if res.status != http.StatusOK || !r.Ready || r.Checks["projections"] != "degraded" {
		t.Fatalf("readyz with the forecast list stalled: %d %s", res.status, res.body)
	}
	for _, m := range r.ReadModels {
		if m.Name != projections.ForecastListName {
			if m.Status != "ok" || m.Stall != nil {
				t.Errorf("readyz: %s is %s; want ok", m.Name, m.Status)
			}
			continue
		}
		if m.Status != "stalled" || m.Stall == nil || m.Stall.EventType != "forecast.submitted" || m.Stall.Stream != "forecast-"+id ||
			!strings.Contains(m.Stall.Error, "no_poison") || m.Stall.Attempts != 1 {
			t.Errorf("readyz: the forecast list: %s %+v", m.Status, m.Stall)
		}
	}

	h.curePoison()
	if res, r := readyz(); res.status != http.StatusOK || r.Checks["projections"] != "ok" {
		t.Errorf("readyz after the retry: %d %s", res.status, res.body)
	}
}
