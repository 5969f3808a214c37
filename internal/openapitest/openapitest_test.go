package openapitest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/econf/econf/internal/openapitest"
)

// doc is a small document: one read of a thing, one write that takes a
// JSON body, and a Problem.
const doc = `{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "paths": {
    "/things/{id}": {
      "get": {
        "operationId": "getThing",
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "responses": {
          "200": {"description": "ok", "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "404": {"description": "no", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
          "default": {"description": "any", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    },
    "/things": {
      "post": {
        "operationId": "makeThing",
        "security": [{"bearerAuth": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {
          "201": {"description": "made", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "422": {"description": "bad", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
    "schemas": {
      "Thing": {"type": "object", "additionalProperties": false, "required": ["name"],
        "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["small", "large"]}, "on": {"type": "string", "format": "date"}}},
      "Problem": {"type": "object", "required": ["type", "title", "status"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer", "minimum": 400, "maximum": 599}}}
    }
  }
}`

const id = "3f1f8a9e-4a47-4d53-9a0b-8f0c3e4e2b10"

func validator(t *testing.T) *openapitest.Validator {
	t.Helper()
	v, err := openapitest.New([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func exchange(method, path, reqBody string, status int, contentType, body string, header ...string) openapitest.Exchange {
	req := httptest.NewRequest(method, path, strings.NewReader(reqBody))
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Authorization" {
			req.Header.Set(header[i], header[i+1])
			continue
		}
		h.Set(header[i], header[i+1])
	}
	return openapitest.Exchange{Request: req, RequestBody: []byte(reqBody), Status: status, Header: h, Body: []byte(body)}
}

// TestValidatorCatchesDrift: each kind of disagreement between an answer
// and the document is an error naming it; answers that agree pass.
func TestValidatorCatchesDrift(t *testing.T) {
	v := validator(t)
	problem := `{"type":"https://x.invalid/not-found","title":"Not found","status":404}`
	for _, c := range []struct {
		name string
		ex   openapitest.Exchange
		want string // "" when it agrees
	}{
		{"a documented answer", exchange("GET", "/things/"+id, "", 200, "application/json", `{"name":"a","kind":"small","on":"2027-05-10"}`, "ETag", `"1"`), ""},
		{"a documented problem", exchange("GET", "/things/"+id, "", 404, "application/problem+json", problem), ""},
		{"an undocumented path refused with a problem", exchange("GET", "/nowhere", "", 404, "application/problem+json", problem), ""},
		{"a property the schema lacks", exchange("GET", "/things/"+id, "", 200, "application/json", `{"name":"a","signedForms":[]}`), `"signedForms" is unsupported`},
		{"a value outside its enum", exchange("GET", "/things/"+id, "", 200, "application/json", `{"name":"a","kind":""}`), "allowed values"},
		{"a date that is no date", exchange("GET", "/things/"+id, "", 200, "application/json", `{"name":"a","on":"-001-12-01"}`), `format "date"`},
		{"a required property missing", exchange("GET", "/things/"+id, "", 200, "application/json", `{}`), `"name"`},
		{"an undocumented success", exchange("POST", "/things", `{"name":"a"}`, 200, "application/json", `{"name":"a"}`, "Authorization", "Bearer tok"), "status 200 is not documented"},
		{"an undocumented error without a default", exchange("POST", "/things", `{"name":"a"}`, 429, "application/problem+json", `{"type":"x","title":"slow","status":429}`), "status 429 is not documented"},
		{"an unlisted error as the default problem", exchange("GET", "/things/"+id, "", 429, "application/problem+json", `{"type":"x","title":"slow","status":429}`), ""},
		{"an unlisted error that is no problem", exchange("GET", "/things/"+id, "", 503, "text/plain", `down`), "text/plain"},
		{"an undocumented content type", exchange("GET", "/things/"+id, "", 200, "text/plain", `hello`), "text/plain"},
		{"an undeclared header", exchange("GET", "/things/"+id, "", 200, "application/json", `{"name":"a"}`, "Retry-After", "3"), "header Retry-After is not declared"},
		{"a problem that is no Problem", exchange("GET", "/things/"+id, "", 404, "application/problem+json", `{"title":"x"}`), `"type"`},
		{"an error as plain text", exchange("GET", "/things/"+id, "", 404, "text/plain", `404 page not found`), "text/plain"},
		{"an undocumented path served", exchange("GET", "/nowhere", "", 200, "application/json", `{}`), "no such operation"},
		{"an undocumented path refused as text", exchange("GET", "/nowhere", "", 404, "text/plain", `404 page not found`), "application/problem+json"},
	} {
		err := v.Check(context.Background(), c.ex)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: no drift reported", c.name)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: %v; want it to name %s", c.name, err, c.want)
		}
	}
}

// TestValidatorChecksAcceptedRequests: a request the server took (2xx)
// must be one the document allows; a refused one is a test probing bad
// input and is not held against the document.
func TestValidatorChecksAcceptedRequests(t *testing.T) {
	v := validator(t)
	made := `{"name":"a"}`
	bearer := []string{"Authorization", "Bearer tok"}
	for _, c := range []struct {
		name string
		ex   openapitest.Exchange
		want string
	}{
		{"a good request taken", exchange("POST", "/things", `{"name":"a"}`, 201, "application/json", made, bearer...), ""},
		{"a bad request refused", exchange("POST", "/things", `{"colour":"red"}`, 422, "application/problem+json", `{"type":"v","title":"bad","status":422}`, bearer...), ""},
		{"a body the schema refuses, taken", exchange("POST", "/things", `{"name":"a","colour":"red"}`, 201, "application/json", made, bearer...), "accepted a request the document refuses"},
		{"no bearer token, taken", exchange("POST", "/things", `{"name":"a"}`, 201, "application/json", made), "accepted a request the document refuses"},
		{"a path parameter outside its format, taken", exchange("GET", "/things/not-a-uuid", "", 200, "application/json", made), "accepted a request the document refuses"},
	} {
		err := v.Check(context.Background(), c.ex)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && err == nil:
			t.Errorf("%s: no drift reported", c.name)
		case c.want != "" && !strings.Contains(err.Error(), c.want):
			t.Errorf("%s: %v; want it to name %s", c.name, err, c.want)
		}
	}
}

// TestNewRefusesAnInvalidDocument: a document kin-openapi cannot accept is
// an error, not a validator that passes everything.
func TestNewRefusesAnInvalidDocument(t *testing.T) {
	bad := strings.Replace(doc, `"$ref": "#/components/schemas/Thing"`, `"$ref": "#/components/schemas/Missing"`, 1)
	if _, err := openapitest.New([]byte(bad)); err == nil {
		t.Error("a document with a dangling $ref was accepted")
	}
	if _, err := openapitest.New([]byte(`{`)); err == nil {
		t.Error("a document that is not JSON was accepted")
	}
}

// recorder is a Reporter that keeps what it is told.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestTransportReportsDrift runs a real server that serves the document
// and drifts from it on one route: the checked client reports that drift
// and only that, and hands every answer on whole, bodies included.
func TestTransportReportsDrift(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, doc)
	})
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PathValue("id") == id {
			_, _ = io.WriteString(w, `{"name":"a"}`)
			return
		}
		_, _ = io.WriteString(w, `{"name":"b","kind":""}`) // drift
	})
	mux.HandleFunc("POST /things", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b) // echoes: the server still gets the body
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	rec := &recorder{}
	client, err := openapitest.Client(rec, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Get(srv.URL + "/things/" + id)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != `{"name":"a"}` || len(rec.errs) != 0 {
		t.Fatalf("an answer that agrees: body %s, reported %v", body, rec.errs)
	}

	req, _ := http.NewRequest("POST", srv.URL+"/things", bytes.NewReader([]byte(`{"name":"c"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	res, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != `{"name":"c"}` || len(rec.errs) != 0 {
		t.Fatalf("a write that agrees: body %s, reported %v", body, rec.errs)
	}

	res, err = client.Get(srv.URL + "/things/0d5e7c55-7c1e-4a8e-a6c1-3b3f7f0a9d21")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != `{"name":"b","kind":""}` {
		t.Errorf("the drifting answer's body was not handed on: %s", body)
	}
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], "GET /things/{id} answered 200") || !strings.Contains(rec.errs[0], "/kind") {
		t.Errorf("reported %v; want one drift naming GET /things/{id} and /kind", rec.errs)
	}
}
