package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/econf/econf/httpapi"
)

// These tests keep openapi.json in step with the router. They need no
// database: building the router touches none of the Config's dependencies.

// httpMethods are the keys of an OpenAPI path item that name operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// routeInfo is one method+path of the router and the middlewares guarding it.
type routeInfo struct {
	authenticated bool // behind Server.authenticate
	idempotent    bool // behind Server.idempotent
}

// openAPIDoc parses the embedded document.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(httpapi.OpenAPI()))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("openapi.json has data after the document")
	}
	return doc
}

// chiPattern turns a chi route pattern into an OpenAPI path: chi already
// writes parameters as {name}; a regexp constraint ({id:[0-9]+}) loses its
// regexp and a trailing catch-all (/*) goes.
var chiParam = regexp.MustCompile(`\{([^}:]+)(:[^}]*)?\}`)

func chiPattern(p string) string {
	p = strings.TrimSuffix(p, "/*")
	p = chiParam.ReplaceAllString(p, "{$1}")
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	if p == "" {
		p = "/"
	}
	return p
}

// middlewareName is the function name of a middleware, e.g.
// "github.com/econf/econf/httpapi.(*Server).authenticate-fm".
func middlewareName(mw func(http.Handler) http.Handler) string {
	return runtime.FuncForPC(reflect.ValueOf(mw).Pointer()).Name()
}

// routerRoutes walks the router: "METHOD /path" → its middlewares.
func routerRoutes(t *testing.T) map[string]routeInfo {
	t.Helper()
	srv := httpapi.New(httpapi.Config{})
	routes := map[string]routeInfo{}
	err := chi.Walk(srv.Router(), func(method, route string, _ http.Handler, mws ...func(http.Handler) http.Handler) error {
		var info routeInfo
		for _, mw := range mws {
			name := middlewareName(mw)
			info.authenticated = info.authenticated || strings.HasSuffix(name, ".authenticate-fm")
			info.idempotent = info.idempotent || strings.HasSuffix(name, ".idempotent-fm")
		}
		routes[strings.ToUpper(method)+" "+chiPattern(route)] = info
		return nil
	})
	if err != nil {
		t.Fatalf("walk the router: %v", err)
	}
	if len(routes) == 0 {
		t.Fatal("the router has no routes")
	}
	return routes
}

// operation is one operation of the document.
type operation struct {
	method, path string
	op           map[string]any
	pathItem     map[string]any
}

func (o operation) key() string { return strings.ToUpper(o.method) + " " + o.path }

func documentOperations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatal("the document has no paths object")
	}
	var ops []operation
	for path, v := range paths {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("paths[%q] is not an object", path)
			continue
		}
		for _, m := range httpMethods {
			if o, ok := item[m]; ok {
				op, ok := o.(map[string]any)
				if !ok {
					t.Errorf("%s %s is not an object", strings.ToUpper(m), path)
					continue
				}
				ops = append(ops, operation{method: m, path: path, op: op, pathItem: item})
			}
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.key(), b.key()) })
	return ops
}

func TestOpenAPIDocumentCoversEveryRoute(t *testing.T) {
	routes := routerRoutes(t)
	doc := openAPIDoc(t)
	documented := map[string]bool{}
	for _, o := range documentOperations(t, doc) {
		documented[o.key()] = true
	}
	var missing, extra []string
	for k := range routes {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if _, ok := routes[k]; !ok {
			extra = append(extra, k)
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.json documents %s, which the router does not serve", k)
	}
}

func TestOpenAPIDocumentIsWellFormed(t *testing.T) {
	doc := openAPIDoc(t)
	if v, _ := doc["openapi"].(string); v != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", v)
	}
	info, _ := doc["info"].(map[string]any)
	if title, _ := info["title"].(string); title != "econf API" {
		t.Errorf("info.title = %q, want econf API", title)
	}
	if v, _ := info["version"].(string); v == "" {
		t.Error("info.version is missing")
	}

	// Every $ref points inside the document and resolves.
	walkJSON(doc, "#", func(at string, v map[string]any) {
		ref, ok := v["$ref"]
		if !ok {
			return
		}
		s, ok := ref.(string)
		if !ok {
			t.Errorf("%s: $ref is not a string", at)
			return
		}
		if _, err := resolvePointer(doc, s); err != nil {
			t.Errorf("%s: $ref %q: %v", at, s, err)
		}
	})

	ids := map[string]string{}
	for _, o := range documentOperations(t, doc) {
		id, _ := o.op["operationId"].(string)
		if id == "" {
			t.Errorf("%s has no operationId", o.key())
			continue
		}
		if prev, dup := ids[id]; dup {
			t.Errorf("operationId %q is used by both %s and %s", id, prev, o.key())
		}
		ids[id] = o.key()

		responses, _ := o.op["responses"].(map[string]any)
		if len(responses) == 0 {
			t.Errorf("%s has no responses", o.key())
		}
		success := false
		for code := range responses {
			success = success || strings.HasPrefix(code, "2")
		}
		if !success {
			t.Errorf("%s documents no 2xx response", o.key())
		}

		// Every {name} of the path is a declared, required path parameter.
		declared := map[string]bool{}
		var params []any
		if ps, ok := o.pathItem["parameters"].([]any); ok {
			params = append(params, ps...)
		}
		if ps, ok := o.op["parameters"].([]any); ok {
			params = append(params, ps...)
		}
		for _, p := range params {
			pm, err := deref(doc, p)
			if err != nil {
				t.Errorf("%s: parameter: %v", o.key(), err)
				continue
			}
			if in, _ := pm["in"].(string); in == "path" {
				name, _ := pm["name"].(string)
				if req, _ := pm["required"].(bool); !req {
					t.Errorf("%s: path parameter %q must be required", o.key(), name)
				}
				declared[name] = true
			}
		}
		for _, m := range chiParam.FindAllStringSubmatch(o.path, -1) {
			if !declared[m[1]] {
				t.Errorf("%s: path parameter {%s} is not declared", o.key(), m[1])
			}
			delete(declared, m[1])
		}
		for name := range declared {
			t.Errorf("%s: declares path parameter %q the path does not have", o.key(), name)
		}
	}
}

// publicOperations are the /api/v1 operations anyone may call: signing in,
// and registration and password reset (R-ACT-03).
var publicOperations = map[string]bool{
	"POST /api/v1/auth/login":                  true,
	"POST /api/v1/auth/invitations":            true,
	"GET /api/v1/auth/universities":            true,
	"GET /api/v1/guides/{id}":                  true,
	"POST /api/v1/auth/registrations":          true,
	"POST /api/v1/auth/registrations/activate": true,
	"POST /api/v1/auth/password-reset":         true,
	"POST /api/v1/auth/password-reset/confirm": true,
	"POST /api/v1/auth/sms-code":               true,
	"POST /api/v1/auth/sms-login":              true,
	"GET /api/v1/auth/sso":                     true,
	"POST /api/v1/auth/sso/{provider}/start":   true,
	"POST /api/v1/auth/sso/{provider}/finish":  true,
}

func TestOpenAPIDocumentSecurityMatchesRouter(t *testing.T) {
	routes := routerRoutes(t)
	doc := openAPIDoc(t)

	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	bearer, _ := schemes["bearerAuth"].(map[string]any)
	if typ, _ := bearer["type"].(string); typ != "http" || !strings.EqualFold(fmt.Sprint(bearer["scheme"]), "bearer") {
		t.Fatalf("components.securitySchemes.bearerAuth must be an http bearer scheme, is %v", bearer)
	}

	for _, o := range documentOperations(t, doc) {
		security, ok := o.op["security"]
		if !ok {
			security = doc["security"]
		}
		requiresBearer, optional := securityOf(security)
		wantBearer := strings.HasPrefix(o.path, "/api/v1/") && !publicOperations[o.key()]
		if wantBearer && (!requiresBearer || optional) {
			t.Errorf("%s must declare the bearer security (globally or per operation)", o.key())
		}
		info, served := routes[o.key()]
		if !served {
			continue // reported by TestOpenAPIDocumentCoversEveryRoute
		}
		if info.authenticated && !requiresBearer {
			t.Errorf("%s is behind authenticate in the router but the document does not require bearerAuth", o.key())
		}
		if !info.authenticated && requiresBearer && !optional {
			t.Errorf("%s is open in the router but the document requires bearerAuth; give it security: []", o.key())
		}
		if info.idempotent && !hasParameter(t, doc, o, "header", "Idempotency-Key") {
			t.Errorf("%s is behind the idempotency middleware but does not declare the Idempotency-Key header", o.key())
		}
	}
}

// TestOpenAPIServed checks GET /openapi.json answers the embedded document.
func TestOpenAPIServed(t *testing.T) {
	srv := httpapi.New(httpapi.Config{Log: slog.New(slog.DiscardHandler)})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("GET /openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if !bytes.Equal(rec.Body.Bytes(), httpapi.OpenAPI()) {
		t.Error("GET /openapi.json does not answer the embedded document")
	}
}

// securityOf reads a security requirement list: whether bearerAuth is among
// the alternatives, and whether an empty alternative makes auth optional.
func securityOf(v any) (bearer, optional bool) {
	list, _ := v.([]any)
	for _, alt := range list {
		req, _ := alt.(map[string]any)
		if len(req) == 0 {
			optional = true
		}
		if _, ok := req["bearerAuth"]; ok {
			bearer = true
		}
	}
	return bearer, optional
}

func hasParameter(t *testing.T, doc map[string]any, o operation, in, name string) bool {
	t.Helper()
	var params []any
	if ps, ok := o.pathItem["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	if ps, ok := o.op["parameters"].([]any); ok {
		params = append(params, ps...)
	}
	for _, p := range params {
		pm, err := deref(doc, p)
		if err != nil {
			continue // reported by TestOpenAPIDocumentIsWellFormed
		}
		if pm["in"] == in && strings.EqualFold(fmt.Sprint(pm["name"]), name) {
			return true
		}
	}
	return false
}

// walkJSON calls fn on every object of v, with its JSON pointer.
func walkJSON(v any, at string, fn func(at string, obj map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(at, x)
		for k, c := range x {
			walkJSON(c, at+"/"+escapePointer(k), fn)
		}
	case []any:
		for i, c := range x {
			walkJSON(c, fmt.Sprintf("%s/%d", at, i), fn)
		}
	}
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// resolvePointer follows a local reference such as
// "#/components/schemas/Problem".
func resolvePointer(doc map[string]any, ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("not a reference inside the document")
	}
	var cur any = doc
	for _, tok := range strings.Split(ref[2:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			next, ok := x[tok]
			if !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
			cur = next
		default:
			return nil, fmt.Errorf("cannot descend into %q", tok)
		}
	}
	return cur, nil
}

// deref returns the object v is, following $ref chains.
func deref(doc map[string]any, v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not an object")
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		next, err := resolvePointer(doc, ref)
		if err != nil {
			return nil, fmt.Errorf("$ref %q: %w", ref, err)
		}
		v = next
	}
	return nil, fmt.Errorf("$ref chain too long")
}
