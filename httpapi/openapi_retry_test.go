package httpapi_test

import (
	"strings"
	"testing"
)

// TestOpenAPIDeclaresRetryAfter checks that the answers a client is meant
// to retry are declared with their Retry-After header: the 503 every route
// touching the database gives during an outage.
func TestOpenAPIDeclaresRetryAfter(t *testing.T) {
	doc := openAPIDoc(t)
	routes := routerRoutes(t)
	// These answer without the database, or report it in a body (readyz;
	// metrics, as econf_database_scrape_ok 0).
	noDatabase := map[string]bool{"GET /healthz": true, "HEAD /healthz": true, "GET /openapi.json": true, "GET /readyz": true, "GET /metrics": true}
	for _, o := range documentOperations(t, doc) {
		if _, served := routes[o.key()]; !served || noDatabase[o.key()] {
			continue
		}
		responses, _ := o.op["responses"].(map[string]any)
		res, ok := responses["503"]
		if !ok {
			t.Errorf("%s declares no 503 (database or event store unreachable)", o.key())
			continue
		}
		hasRetryAfter(t, doc, o.key()+" 503", res)
	}
}

// hasRetryAfter checks that response res declares a Retry-After header.
func hasRetryAfter(t *testing.T, doc map[string]any, what string, res any) {
	t.Helper()
	r, err := deref(doc, res)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	headers, _ := r["headers"].(map[string]any)
	for name := range headers {
		if strings.EqualFold(name, "Retry-After") {
			return
		}
	}
	t.Errorf("%s declares no Retry-After header", what)
}

// TestOpenAPIDeclaresIdempotencyAnswers checks that every route behind the
// Idempotency-Key middleware declares what the middleware answers: 409
// idempotency-in-progress with Retry-After, 413 for a body over its bound
// (5 MiB for the people spreadsheet), 422 for a reused key.
func TestOpenAPIDeclaresIdempotencyAnswers(t *testing.T) {
	doc := openAPIDoc(t)
	routes := routerRoutes(t)
	for _, o := range documentOperations(t, doc) {
		if !routes[o.key()].idempotent {
			continue
		}
		responses, _ := o.op["responses"].(map[string]any)
		if res, ok := responses["409"]; !ok {
			t.Errorf("%s declares no 409 (idempotency-in-progress)", o.key())
		} else {
			hasRetryAfter(t, doc, o.key()+" 409", res)
			if r, err := deref(doc, res); err == nil && !strings.Contains(r["description"].(string), "idempotency-in-progress") {
				t.Errorf("%s 409 does not name idempotency-in-progress", o.key())
			}
		}
		for _, status := range []string{"413", "422"} {
			if _, ok := responses[status]; !ok {
				t.Errorf("%s declares no %s", o.key(), status)
			}
		}
		if o.key() == "POST /api/v1/declarations/{id}/people.xlsx" {
			if r, err := deref(doc, responses["413"]); err != nil || !strings.Contains(r["description"].(string), "5 MiB") {
				t.Errorf("%s 413 does not give the spreadsheet's 5 MiB bound", o.key())
			}
		}
	}
}
