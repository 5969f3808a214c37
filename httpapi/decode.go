package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/econf/econf/domain"
)

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// readBody reads a request body of at most maxBody bytes; on failure it
// has answered the request.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return readBodyMax(w, r, maxBody)
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
	if !ok {
		return false
	}
	if fe, ok := decodeBytes(body, v); !ok {
		badRequest(w, r, fe)
		return false
	}
	return true
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
	if fe, ok := decodeBytes(body, v); !ok {
		badRequest(w, r, fe)
		return false
	}
	return true
}

func decodeBytes(body []byte, v any) (domain.FieldError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: "a JSON body is required", Zh: "需要JSON请求体"}, false
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
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn), Zh: "JSON格式错误"}, false
	case errors.As(err, &typ):
		return domain.FieldError{Path: typ.Field, Rule: "SCHEMA", Message: fmt.Sprintf("want %s, got JSON %s", typ.Type, typ.Value), Zh: "字段类型错误"}, false
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return domain.FieldError{Path: name, Rule: "SCHEMA", Message: "unknown field", Zh: "未知字段"}, false
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.FieldError{Path: "", Rule: "SCHEMA", Message: "the JSON ends too early", Zh: "JSON不完整"}, false
	}
	// A field's own parser refused its value (a date, say): find which field.
	return domain.FieldError{Path: pathOfBadValue(body, err), Rule: "SCHEMA", Message: err.Error(), Zh: "字段值格式错误"}, false
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
