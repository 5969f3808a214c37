package httpapi

import (
	"bytes"
	"mime"
	"net/http"
	"reflect"

	"github.com/econf/econf/domain"
)

// jsonContent reports whether a request's Content-Type is
// application/json (any parameters); on false it has
// answered 415. A JSON body sent as a form or as text is refused rather
// than guessed at: a browser may send those cross-site without asking.
func jsonContent(w http.ResponseWriter, r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && mt == "application/json" {
		return true
	}
	got := ct
	if got == "" {
		got = "none"
	}
	writeProblem(w, r, problem{Type: problemBase + "unsupported-media-type", Title: "Unsupported media type", Status: http.StatusUnsupportedMediaType,
		Detail: "send the JSON body with Content-Type: application/json (got " + got + ")", Zh: "请求体须为JSON，并设置 Content-Type: application/json",
		Errors: []domain.FieldError{{Path: "header:Content-Type", Rule: "SCHEMA", Message: "want application/json", Zh: "须为 application/json"}}})
	return false
}

// wantsObject reports whether v (a pointer) decodes a JSON object: a
// struct or a map.
func wantsObject(v any) bool {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map)
}

// objectProblem refuses a body that is not a JSON object where one is
// required: null, an array, a string, a number. encoding/json would leave
// the target untouched for null and run the command on nothing.
func objectProblem(body []byte, v any) (domain.FieldError, bool) {
	b := bytes.TrimSpace(body)
	if !wantsObject(v) || len(b) == 0 || b[0] == '{' {
		return domain.FieldError{}, false
	}
	return domain.FieldError{Path: "", Rule: "SCHEMA", Message: "want a JSON object, got " + jsonKind(b[0]), Zh: "请求体须为JSON对象"}, true
}

func jsonKind(c byte) string {
	switch {
	case c == 'n':
		return "null"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	default:
		return "something else"
	}
}
