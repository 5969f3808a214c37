package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// TestBodyLimitsNameRoutes: every route the body-limit table names is a
// route the router serves, with a bound above the JSON default; and on a
// routed request the bound is found by the route's pattern, not its path.
func TestBodyLimitsNameRoutes(t *testing.T) {
	routes := map[string]bool{}
	srv := New(Config{})
	if err := chi.Walk(srv.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes[strings.ToUpper(method)+" "+route] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for route, limit := range bodyLimits {
		if !routes[route] {
			t.Errorf("bodyLimits names %q, which the router does not serve", route)
		}
		if limit <= maxBody {
			t.Errorf("bodyLimits gives %q %d bytes, not more than the default %d", route, limit, maxBody)
		}
	}

	r := chi.NewRouter()
	var got int64
	r.Post("/api/v1/declarations/{id}/people.xlsx", func(w http.ResponseWriter, r *http.Request) { got = bodyLimit(r) })
	r.Post("/api/v1/declarations/{id}/submit", func(w http.ResponseWriter, r *http.Request) { got = bodyLimit(r) })
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/declarations/0b6b7f4e-3c43-4d5c-9d7e-2f0f1f7a6a11/people.xlsx", nil))
	if got != 5<<20 {
		t.Errorf("people spreadsheet bound %d; want 5 MiB", got)
	}
	r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/api/v1/declarations/0b6b7f4e-3c43-4d5c-9d7e-2f0f1f7a6a11/submit", nil))
	if got != maxBody {
		t.Errorf("a JSON route's bound %d; want %d", got, maxBody)
	}
}
