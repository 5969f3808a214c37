package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/econf/econf/domain"
)

// maxBody bounds a request body on every route bodyLimits does not name:
// a JSON body.
const maxBody = 1 << 20

// bodyLimits are the routes (method and chi pattern) whose bodies may be
// larger than maxBody. Every reader of a route's body goes by it, the
// Idempotency-Key middleware (which reads the body before the handler)
// as much as the handler. Uploads of files, bounded by their kind, read
// their bodies themselves (readBodyMax).
var bodyLimits = map[string]int64{
	"POST /api/v1/declarations/{id}/people.xlsx": 5 << 20, // the people spreadsheet
	"POST /api/v1/nomination-codes.xlsx":         5 << 20, // the invitation codes (seed 003 attachment 3)
	"POST /api/v1/nominations/{id}/plan.xlsx":    5 << 20, // a unit's annual plan (seed 003)
}

// bodyLimit is the bound on r's body.
func bodyLimit(r *http.Request) int64 {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		if n, ok := bodyLimits[r.Method+" "+rc.RoutePattern()]; ok {
			return n
		}
	}
	return maxBody
}

// readBody reads a request body within its route's bound (bodyLimit); on
// failure it has answered the request.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return readBodyMax(w, r, bodyLimit(r))
}

// readBodyMax is readBody with another bound, for uploads.
func readBodyMax(w http.ResponseWriter, r *http.Request, max int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err == nil {
		return body, true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeProblem(w, r, problem{Type: problemBase + "too-large", Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the body may have at most %d bytes", max), Zh: "请求体过大"})
		return nil, false
	}
	badRequest(w, r, domain.FieldError{Path: "", Rule: "SCHEMA", Message: "could not read the body", Zh: "无法读取请求体"})
	return nil, false
}

// decode reads a JSON body strictly: unknown fields, wrong types, trailing
// data and over-large bodies are field errors, never a 500.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := readBody(w, r)
	return ok && decodeInto(w, r, body, v)
}

// decodeOptional is decode for bodies that may be left out entirely.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	body, ok := readBody(w, r)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	return decodeInto(w, r, body, v)
}

func decodeBytes(body []byte, v any) (domain.FieldError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: "a JSON body is required", Zh: "需要JSON请求体"}, false
	}
	if fe, bad := objectProblem(body, v); bad {
		return fe, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	}
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err == nil {
		return domain.FieldError{}, true
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn), Zh: fmt.Sprintf("JSON格式错误（第 %d 字节）：%v", syn.Offset, syn)}, false
	case errors.As(err, &typ):
		return domain.FieldError{Path: typ.Field, Rule: "SCHEMA", Message: fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value), Zh: fmt.Sprintf("字段类型错误：应为 %s，实为 JSON %s", typ.Type, typ.Value)}, false
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		path := name
		var tree any
		if json.Unmarshal(body, &tree) == nil {
			if p, ok := unknownFieldPath(tree, reflect.TypeOf(v), name, ""); ok {
				path = p
			}
		}
		return domain.FieldError{Path: path, Rule: "SCHEMA", Message: "unknown field", Zh: "未知字段"}, false
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: "the JSON ends too early", Zh: "JSON不完整"}, false
	}
	// A field's own parser refused its value (a date, say): find which field.
	return domain.FieldError{Path: pathOfBadValue(body, err), Rule: "SCHEMA", Message: err.Error(), Zh: "字段值格式错误"}, false
}

// unknownFieldPath finds where in the body the unknown field name sits:
// encoding/json names only the field, and a field unknown in a nested
// object ("basic.localApproval.kind") must say where it is. It walks the
// body alongside the Go type the body decodes into, as encoding/json
// matches keys (exactly, else ignoring case).
func unknownFieldPath(tree any, t reflect.Type, name, path string) (string, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "", false
	}
	at := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch x := tree.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		switch t.Kind() {
		case reflect.Struct:
			fields := jsonFields(t)
			for _, k := range keys {
				ft, ok := fields[k]
				if !ok {
					for fk, f := range fields {
						if strings.EqualFold(fk, k) {
							ft, ok = f, true
							break
						}
					}
				}
				if !ok {
					if k == name {
						return at(k), true
					}
					continue
				}
				if p, found := unknownFieldPath(x[k], ft, name, at(k)); found {
					return p, true
				}
			}
		case reflect.Map:
			for _, k := range keys {
				if p, found := unknownFieldPath(x[k], t.Elem(), name, at(k)); found {
					return p, true
				}
			}
		}
	case []any:
		if t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			for i, c := range x {
				if p, found := unknownFieldPath(c, t.Elem(), name, fmt.Sprintf("%s[%d]", path, i)); found {
					return p, true
				}
			}
		}
	}
	return "", false
}

// jsonFields maps a struct's JSON keys to their types, embedded structs'
// fields included, as encoding/json sees them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		key, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && key == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, ft := range jsonFields(et) {
					if _, taken := out[k]; !taken {
						out[k] = ft
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if key == "" {
			key = f.Name
		}
		out[key] = f.Type
	}
	return out
}

// pathOfBadValue finds the field holding the string an UnmarshalText error
// quotes, so even those errors name their field.
func pathOfBadValue(body []byte, err error) string {
	msg := err.Error()
	start := strings.IndexByte(msg, '"')
	end := strings.LastIndexByte(msg, '"')
	if start < 0 || end <= start {
		return ""
	}
	bad, uerr := strconv.Unquote(msg[start : end+1])
	if uerr != nil {
		return ""
	}
	var tree any
	if json.Unmarshal(body, &tree) != nil {
		return ""
	}
	path, _ := findString(tree, "", bad)
	return path
}

func findString(v any, path, want string) (string, bool) {
	switch x := v.(type) {
	case string:
		return path, x == want
	case map[string]any:
		for k, c := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if found, ok := findString(c, p, want); ok {
				return found, true
			}
		}
	case []any:
		for i, c := range x {
			if found, ok := findString(c, fmt.Sprintf("%s[%d]", path, i), want); ok {
				return found, true
			}
		}
	}
	return "", false
}
