package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUnknownFieldPath: an unknown field is reported where it sits, in
// nested objects, arrays, maps and embedded structs alike.
func TestUnknownFieldPath(t *testing.T) {
	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type Common struct {
		Note string `json:"note"`
	}
	type body struct {
		Common
		Basic struct {
			LocalApproval *ref `json:"localApproval"`
		} `json:"basic"`
		Files  []ref          `json:"files"`
		ByLang map[string]ref `json:"byLang"`
		Title  string
	}
	for _, c := range []struct{ json, path string }{
		{`{"basic":{"localApproval":{"id":"a","kind":"x"}}}`, "basic.localApproval.kind"},
		{`{"files":[{"id":"a"},{"id":"b","size":3}]}`, "files[1].size"},
		{`{"byLang":{"zh":{"id":"a","lang":"zh"}}}`, "byLang.zh.lang"},
		{`{"note":"n","TITLE":"t","colour":"red"}`, "colour"},
		{`{"basic":{"kind":1}}`, "basic.kind"},
	} {
		var v body
		fe, ok := decodeBytes([]byte(c.json), &v)
		if ok || fe.Path != c.path || fe.Rule != "SCHEMA" || fe.Message != "unknown field" {
			t.Errorf("%s: %+v, %v; want unknown field at %s", c.json, fe, ok, c.path)
		}
	}
}

// TestClientGoneIsNotAServerError: a request its client abandoned is
// logged as such, at info, and not answered as a 500.
func TestClientGoneIsNotAServerError(t *testing.T) {
	var logged bytes.Buffer
	s := &Server{Config: Config{Log: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/forecasts", nil)
	w := httptest.NewRecorder()
	s.writeError(w, r, fmt.Errorf("append: %w", context.Canceled))
	if w.Code != statusClientClosed || strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "client went away") {
		t.Fatalf("status %d, log %q; want 499 logged at info", w.Code, logged.String())
	}
	// A cancellation the client did not cause is still a server error.
	logged.Reset()
	w = httptest.NewRecorder()
	s.writeError(w, httptest.NewRequest("POST", "/api/v1/forecasts", nil), fmt.Errorf("append: %w", context.Canceled))
	if w.Code != 500 || !strings.Contains(logged.String(), "level=ERROR") {
		t.Fatalf("status %d, log %q; want 500 logged as an error", w.Code, logged.String())
	}
}
