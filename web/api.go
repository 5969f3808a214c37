package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
)

// answer is what the API answered an in-process call.
type answer struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }
func (a *answer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}
func (a *answer) WriteHeader(code int) {
	if a.status == 0 {
		a.status = code
	}
}

func (a *answer) ok() bool { return a.status >= 200 && a.status < 300 }

// decode reads the answer's JSON into v.
func (a *answer) decode(v any) error {
	if err := json.Unmarshal(a.body.Bytes(), v); err != nil {
		return fmt.Errorf("API answer %d: %w", a.status, err)
	}
	return nil
}

// fieldError is one entry of a problem's errors.
type fieldError struct {
	Path    string `json:"path"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Zh      string `json:"zh"`
}

// problem is the API's problem+json answer.
type problem struct {
	Status int          `json:"status"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Zh     string       `json:"zh"`
	Rule   string       `json:"rule"`
	Errors []fieldError `json:"errors"`
}

// problem reads a failed answer's problem; an answer that is not one
// becomes a problem carrying its status.
func (a *answer) problem() problem {
	var p problem
	_ = json.Unmarshal(a.body.Bytes(), &p) // a body that is no problem leaves p empty
	if p.Status == 0 {
		p.Status = a.status
	}
	return p
}

// call is one request to the API.
type call struct {
	method, path string
	query        url.Values
	body         any
	// raw, when set, is sent as it is (an upload) with rawType.
	raw     []byte
	rawType string
	// root: path is the server's own (/readyz), not under /api/v1.
	root   bool
	header map[string]string
}

// api runs c against the API in-process as the signed-in user of r (if
// any), from r's client address, and returns the answer.
func (s *Server) api(r *http.Request, c call) *answer {
	a := &answer{header: http.Header{}}
	s.API.ServeHTTP(a, s.apiRequest(r, c))
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a
}

// apiRequest is the in-process request of c on behalf of r.
func (s *Server) apiRequest(r *http.Request, c call) *http.Request {
	var rd io.Reader = http.NoBody
	if c.body != nil {
		js, err := json.Marshal(c.body)
		if err != nil {
			panic(err) // only maps and structs of plain values are sent
		}
		rd = bytes.NewReader(js)
	}
	if c.raw != nil {
		rd = bytes.NewReader(c.raw)
	}
	u := "/api/v1" + c.path
	if c.root {
		u = c.path
	}
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	// The API routes the call afresh: not along the page's own route.
	ctx := context.WithValue(r.Context(), chi.RouteCtxKey, nil)
	req, err := http.NewRequestWithContext(ctx, c.method, u, rd)
	if err != nil {
		panic(err) // paths are built by the pages from parsed ids
	}
	req.RemoteAddr = r.RemoteAddr
	req.Host = r.Host
	if h := s.ClientAddressHeader; h != "" {
		req.Header.Set(h, r.Header.Get(h))
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.raw != nil {
		req.Header.Set("Content-Type", c.rawType)
	}
	req.Header.Set("Accept", "application/json")
	// The API writes errors and mails (the activation code's at
	// registration) in the language the reader asked for: the toggle's
	// choice, else what the browser asks for.
	if l := chosenLanguage(r); l != "" {
		req.Header.Set("Accept-Language", l)
	}
	if tok := sessionToken(r); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	return req
}

// validPosition reports whether p looks like an event position the API
// hands out (X-Econf-Position), so it can go back as X-Econf-Min-Position.
func validPosition(p string) bool {
	if p == "" || len(p) > 100 {
		return false
	}
	return strings.Trim(p, "0123456789/") == ""
}
