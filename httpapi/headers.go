package httpapi

import "net/http"

// securityHeaders sets the headers OWASP ASVS asks of every answer: the
// API serves data, never a page to render, frame or leak a referrer from.
// Answers to an authenticated request (Authorization sent) and to a login
// carry personal data or a token: no cache, shared or private, keeps them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if r.Header.Get("Authorization") != "" || r.URL.Path == "/api/v1/auth/login" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}
