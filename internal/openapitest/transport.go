package openapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Reporter records drift; *testing.T and *testing.B are reporters.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Transport is an http.RoundTripper that checks every exchange it carries
// against a document and reports each disagreement. The caller still gets
// the answer, so a test goes on and reports its own failures too.
type Transport struct {
	Validator *Validator
	Report    Reporter
	// Base carries the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip sends the request, reads the whole answer, checks the exchange
// and hands the answer on with its body intact.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	reqBody, err := requestBody(req)
	if err != nil {
		return nil, err
	}
	res, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, readErr := io.ReadAll(res.Body)
	res.Body.Close()
	if readErr != nil {
		// The answer was cut: hand on what came and the error, check nothing.
		res.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
		return res, nil
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	ctx, cancel := context.WithTimeout(context.WithoutCancel(req.Context()), 30*time.Second)
	defer cancel()
	if err := t.Validator.Check(ctx, Exchange{Request: req, RequestBody: reqBody, Status: res.StatusCode, Header: res.Header, Body: body}); err != nil {
		t.Report.Helper()
		t.Report.Errorf("%v", err)
	}
	return res, nil
}

// requestBody reads the request's body without taking it from the request.
func requestBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	b, err := io.ReadAll(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(b))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	return b, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Client is an HTTP client whose every exchange with the server at baseURL
// is checked against the document that server serves at /openapi.json;
// drift is reported to r (a test fails). base carries the requests (nil:
// http.DefaultTransport).
func Client(r Reporter, baseURL string, base http.RoundTripper) (*http.Client, error) {
	v, err := Served(baseURL, base)
	if err != nil {
		return nil, err
	}
	return &http.Client{Transport: &Transport{Validator: v, Report: r, Base: base}}, nil
}

// Served loads the document the server at baseURL serves at /openapi.json.
func Served(baseURL string, base http.RoundTripper) (*Validator, error) {
	if base == nil {
		base = http.DefaultTransport
	}
	c := &http.Client{Transport: base, Timeout: 30 * time.Second}
	res, err := c.Get(strings.TrimSuffix(baseURL, "/") + "/openapi.json")
	if err != nil {
		return nil, fmt.Errorf("fetch the OpenAPI document: %w", err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("fetch the OpenAPI document: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch the OpenAPI document: %s", res.Status)
	}
	return Load(data)
}
