package httpapi

import (
	"bytes"
	"net/http"

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
