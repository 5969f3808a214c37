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
	// These answer without the database, or (readyz) report it in a body.
	noDatabase := map[string]bool{"GET /healthz": true, "GET /openapi.json": true, "GET /readyz": true}
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
