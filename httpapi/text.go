package httpapi

import (
	"bytes"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/econf/econf/domain"
)

// decodeInto reads a JSON body into v strictly (decodeBytes) and then checks
// every string in it (domain.CheckText): NUL, other control characters and
// text that is not UTF-8 are refused with a 422 naming each field path
// (rule TEXT), before any command sees the input. Every JSON body the API
// takes comes through here. On failure it has answered the request.
func decodeInto(w http.ResponseWriter, r *http.Request, body []byte, v any) bool {
	if len(bytes.TrimSpace(body)) > 0 && !jsonContent(w, r) {
		return false
	}
	if fe, ok := decodeBytes(body, v); !ok {
		badRequest(w, r, fe)
		return false
	}
	if err := domain.TextError(v); err != nil {
		writeValidation(w, r, err.(*domain.ValidationError).Fields)
		return false
	}
	return true
}

// writeValidation answers 422 with every field error.
func writeValidation(w http.ResponseWriter, r *http.Request, fields []domain.FieldError) {
	writeProblem(w, r, problem{Type: problemBase + "validation", Title: "The request breaks rules", Status: http.StatusUnprocessableEntity,
		Detail: "see errors for every field that must change", Zh: "请求内容不符合规则，详见各字段错误", Errors: fields})
}

// checkedHeaders are the headers whose values econf stores or searches by.
var checkedHeaders = []string{"Idempotency-Key", "X-Correlation-Id", "X-Request-Id"}

// checkQuery refuses a request whose query string cannot be read, or whose
// query parameters or identifying headers hold NUL, another control
// character or bytes that are not UTF-8: 400 naming each (query:<name>,
// header:<name>; rule TEXT). Such text reaches SQL (keyword search, the
// idempotency table), where PostgreSQL refuses it; it was a 500.
func checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			badQuery(w, r, domain.FieldError{Path: "query", Rule: "SCHEMA", Message: "the query string is malformed: " + domain.StorableText(err.Error()), Zh: "查询字符串格式错误"})
			return
		}
		var bad []domain.FieldError
		for _, name := range slices.Sorted(maps.Keys(values)) {
			path := "query:" + name
			if _, badName := domain.TextFault(name, false); badName {
				path = "query:" + strconv.QuoteToASCII(name)
			}
			for _, v := range append([]string{name}, values[name]...) {
				if p, isBad := domain.TextFault(v, false); isBad {
					p.Path = path
					bad = append(bad, p.FieldError())
					break
				}
			}
		}
		for _, h := range checkedHeaders {
			for _, v := range r.Header.Values(h) {
				if p, isBad := domain.TextFault(v, false); isBad {
					p.Path = "header:" + h
					bad = append(bad, p.FieldError())
					break
				}
			}
		}
		if len(bad) > 0 {
			badQuery(w, r, bad...)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// badQuery answers 400 for query parameters or headers no request may send.
func badQuery(w http.ResponseWriter, r *http.Request, fields ...domain.FieldError) {
	writeProblem(w, r, problem{Type: problemBase + "bad-request", Title: "Malformed request", Status: http.StatusBadRequest,
		Detail: "a query parameter or header holds text no request may send; see errors", Zh: "查询参数或请求头含有不允许的字符，详见错误列表", Errors: fields})
}
