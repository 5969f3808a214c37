package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/mail"
)

// Languages of error answers: English unless Accept-Language prefers
// Chinese. The problem's zh field is Chinese whatever was asked for.
const (
	langEn = "en"
	langZh = "zh"
)

// answerLanguage picks en or zh from the request's Accept-Language: the
// one of the two with the higher quality, en when neither is named.
func answerLanguage(r *http.Request) string {
	best, bestQ := langEn, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (primary == langZh || primary == langEn) && q > 0 && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// localize puts the problem's texts in the language asked for: in Chinese,
// detail and every field error's message become their zh.
func (p *problem) localize(lang string) {
	if lang != langZh {
		return
	}
	if p.Zh != "" {
		p.Detail = p.Zh
	}
	if len(p.Errors) > 0 {
		errs := make([]domain.FieldError, len(p.Errors))
		copy(errs, p.Errors)
		for i := range errs {
			if errs[i].Zh != "" {
				errs[i].Message = errs[i].Zh
			}
		}
		p.Errors = errs
	}
}

// requestedLanguage is the language Accept-Language asks for, when it
// names zh or en at all.
func requestedLanguage(r *http.Request) (string, bool) {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if primary == langZh || primary == langEn {
			return answerLanguage(r), true
		}
	}
	return "", false
}

// mailLanguage is the language an account reads its mail in.
type mailLanguage struct {
	Language string `json:"language"`
}

// setMyLanguage stores the signed-in account's language (zh or en): its
// mails are written in it from then on (the web pages' toggle sets it too).
func (s *Server) setMyLanguage(w http.ResponseWriter, r *http.Request) {
	var body mailLanguage
	if !decode(w, r, &body) {
		return
	}
	if body.Language != langZh && body.Language != langEn {
		writeValidation(w, r, []domain.FieldError{{Path: "language", Rule: "SCHEMA", Message: "want zh or en", Zh: "语言应为 zh 或 en"}})
		return
	}
	if err := mail.SetLanguage(r.Context(), s.Pool, actorOf(r.Context()).UserID, body.Language, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}
