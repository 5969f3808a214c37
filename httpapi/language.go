package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/econf/econf/domain"
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
