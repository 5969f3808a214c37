package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
)

// TestNoInputCausesA500 sends malformed and hostile input to every route
// as several roles: whatever a user sends, the answer is never a 5xx.
func TestNoInputCausesA500(t *testing.T) {
	h := newHarness(t)
	forecast, _ := h.submit(nil)
	var routes []struct{ method, path string }
	if err := chi.Walk(httpapi.New(httpapi.Config{}).Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, struct{ method, path string }{method, route})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ids := []string{forecast, "00000000-0000-0000-0000-000000000000", "not-a-uuid", "%00", strings.Repeat("9", 300)}
	bodies := []any{nil, "", "{", "[]", "null", `{"a":` + strings.Repeat("[", 2000), `"\ud800"`, `{"nameZh":123,"startDate":"2027-13-45","foreignCount":-9999999999999999999}`,
		`{"reason":"` + strings.Repeat("长", 5000) + `"}`, []byte{0xff, 0xfe, 0x00, 0x01}}
	who := []string{"", h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RolePlatformAdmin), h.email(domain.RoleAuditor)}
	queries := []string{"", "?page=-1&pageSize=0&sort=;drop&q=%25%5F%5C&status=,,,&startFrom=x&format=pdf&asOf=now&kind=x&name=../x"}
	sent := 0
	for _, rt := range routes {
		for _, id := range ids {
			path := strings.ReplaceAll(strings.ReplaceAll(rt.path, "{id}", id), "{section}", "basic")
			for _, q := range queries {
				for i, b := range bodies {
					if rt.method == "GET" && i > 0 {
						break
					}
					u := who[(sent)%len(who)]
					res := h.do(rt.method, path+q, u, b, "If-Match", []string{"", `"x"`, `"999"`, "*"}[sent%4])
					sent++
					// 503 is the server saying a part is switched off (here:
					// registration without mail), not a failure.
					if res.status >= 500 && res.status != http.StatusServiceUnavailable {
						t.Errorf("%s %s%s as %q with body %d: %d %s", rt.method, path, q, u, i, res.status, res.body)
					}
				}
			}
			if !strings.Contains(rt.path, "{id}") {
				break
			}
		}
	}
	t.Logf("%d requests sent", sent)
}
