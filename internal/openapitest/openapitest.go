// Package openapitest checks HTTP exchanges against an OpenAPI 3 document
// with kin-openapi, so that a test suite speaking to the server fails when
// the server and its document drift apart.
//
// Every answer must be documented: its path and method, its status (a
// success named explicitly; an error may fall to the operation's
// "default"), its content type and body, its
// declared headers, and every header beyond the generic ones of HTTP. A
// request the server accepted (2xx) must also be one the document allows:
// a client written from the document can send it.
package openapitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Validator checks exchanges against one document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads a document, checks it is itself a valid OpenAPI document and
// prepares to route requests by path. The document's servers only say
// where it is served; requests are routed by their path alone.
func New(data []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is invalid: %w", err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

var cache sync.Map // sha256 of a document → *Validator

// Load is New, remembering validators by document so that many tests
// against one server load its document once.
func Load(data []byte) (*Validator, error) {
	key := sha256.Sum256(data)
	if v, ok := cache.Load(key); ok {
		return v.(*Validator), nil
	}
	v, err := New(data)
	if err != nil {
		return nil, err
	}
	cache.Store(key, v)
	return v, nil
}

// Exchange is one request and the answer it got, bodies read.
type Exchange struct {
	Request     *http.Request
	RequestBody []byte
	Status      int
	Header      http.Header
	Body        []byte
}

// genericHeaders are the answer headers any HTTP server or this service's
// middleware may send on any answer; every other header must be declared
// on the answer that carries it.
var genericHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Date": true, "Vary": true,
	"Transfer-Encoding": true, "Connection": true, "Keep-Alive": true,
	"Cache-Control": true, "Pragma": true, "Expires": true,
	"Content-Security-Policy": true, "X-Content-Type-Options": true, "X-Frame-Options": true,
	"Referrer-Policy": true, "Strict-Transport-Security": true, "Permissions-Policy": true,
	"Cross-Origin-Opener-Policy": true, "Cross-Origin-Resource-Policy": true, "Cross-Origin-Embedder-Policy": true,
	"X-Request-Id": true, "Content-Language": true,
	// Where a GET read (httpapi.replicaReads), on a server with a read replica.
	"X-Econf-Read-From": true,
}

// schemaOptions hold every schema to the formats it names: uuid too, which
// kin-openapi leaves unchecked unless asked. Errors name the field and the
// rule; the whole schema and value would bury them.
var schemaOptions = []openapi3.SchemaValidationOption{
	openapi3.DisableSchemaErrorDetails(),
	openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562)),
}

// Check returns nil when the exchange agrees with the document, else an
// error naming the operation and every disagreement found.
func (v *Validator) Check(ctx context.Context, ex Exchange) error {
	req := ex.Request
	name := req.Method + " " + req.URL.Path
	fail := func(err error) error {
		return fmt.Errorf("openapi drift: %s answered %d: %w", name, ex.Status, err)
	}
	route, pathParams, err := v.router.FindRoute(req)
	if err != nil {
		// A path or method the document does not have may only be refused,
		// with a problem.
		if ex.Status == http.StatusNotFound || ex.Status == http.StatusMethodNotAllowed {
			return v.checkProblem(ex, fail)
		}
		return fail(fmt.Errorf("the document has no such operation (%v)", err))
	}
	name = req.Method + " " + route.Path

	var problems []string
	code := strconv.Itoa(ex.Status)
	response := route.Operation.Responses.Value(code)
	if response == nil && ex.Status >= 400 {
		// An error the operation does not list falls to its default,
		// which says what every error is (a problem).
		response = route.Operation.Responses.Default()
	}
	if response == nil {
		problems = append(problems, fmt.Sprintf("status %d is not documented (documented: %s)", ex.Status,
			strings.Join(slices.Sorted(maps.Keys(route.Operation.Responses.Map())), ", ")))
	} else {
		problems = append(problems, undeclaredHeaders(ex.Header, response.Value)...)
	}

	opts := &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      bearerPresent,
		SchemaValidationOptions: schemaOptions,
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    withBody(ctx, req, ex.RequestBody),
		PathParams: pathParams,
		Route:      route,
		Options:    opts,
	}
	if response != nil {
		err := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
			RequestValidationInput: reqInput,
			Status:                 ex.Status,
			Header:                 ex.Header,
			Body:                   io.NopCloser(bytes.NewReader(ex.Body)),
			Options:                opts,
		})
		if err != nil {
			problems = append(problems, "answer: "+err.Error())
		}
	}
	// A request the server took must be one the document allows; a refused
	// one is the test probing bad input.
	if ex.Status >= 200 && ex.Status < 300 {
		if err := openapi3filter.ValidateRequest(ctx, reqInput); err != nil {
			problems = append(problems, "the server accepted a request the document refuses: "+err.Error())
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("openapi drift: %s answered %d:\n  %s", name, ex.Status, strings.Join(problems, "\n  "))
}

// checkProblem checks an answer to a path outside the document is a
// problem+json matching the document's Problem schema.
func (v *Validator) checkProblem(ex Exchange, fail func(error) error) error {
	problem := v.doc.Components.Schemas["Problem"]
	if problem == nil {
		return nil
	}
	if ct := ex.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fail(fmt.Errorf("content type %q, want application/problem+json", ct))
	}
	value, err := decodeJSON(ex.Body)
	if err != nil {
		return fail(err)
	}
	if err := problem.Value.VisitJSON(value, append([]openapi3.SchemaValidationOption{openapi3.MultiErrors()}, schemaOptions...)...); err != nil {
		return fail(fmt.Errorf("not a Problem: %w", err))
	}
	return nil
}

func decodeJSON(b []byte) (any, error) {
	var value any
	if err := json.Unmarshal(b, &value); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	return value, nil
}

// undeclaredHeaders names the headers the answer carries that are neither
// generic nor declared on the documented response.
func undeclaredHeaders(h http.Header, response *openapi3.Response) []string {
	declared := map[string]bool{}
	for name := range response.Headers {
		declared[http.CanonicalHeaderKey(name)] = true
	}
	var out []string
	for name := range h {
		name = http.CanonicalHeaderKey(name)
		if !genericHeaders[name] && !declared[name] {
			out = append(out, fmt.Sprintf("header %s is not declared on this answer", name))
		}
	}
	slices.Sort(out)
	return out
}

// bearerPresent stands in for the server's authentication: a request the
// server accepted on an operation that requires a bearer token carried one.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if s == nil || s.Type != "http" || !strings.EqualFold(s.Scheme, "bearer") {
		return fmt.Errorf("security scheme %q is not an http bearer scheme", in.SecuritySchemeName)
	}
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	if len(auth) < len("Bearer ") || !strings.EqualFold(auth[:len("Bearer ")], "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

// withBody is a copy of req whose body reads b; validation consumes it.
func withBody(ctx context.Context, req *http.Request, b []byte) *http.Request {
	c := req.Clone(ctx)
	c.Body = io.NopCloser(bytes.NewReader(b))
	c.ContentLength = int64(len(b))
	c.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	return c
}
