package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// Cookie names. The session cookie carries the API's own session token
// (the one POST /api/v1/auth/login issues), so signing out or an expired
// token ends both alike.
const (
	sessionCookie = "econf_session"
	csrfCookie    = "econf_csrf"
	langCookie    = "econf_lang"
	csrfField     = "csrf"
)

type pageCtxKey int

const (
	nonceKey pageCtxKey = iota + 1
	csrfKey
)

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// secure reports whether r came over TLS, directly or through the trusted
// reverse proxy.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return s.ClientAddressHeader != "" && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// pageHeaders sets a strict Content-Security-Policy with a fresh nonce
// (scripts run only from econf's own files, each tagged with the nonce),
// and keeps pages out of caches and frames.
func (s *Server) pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := randomToken(18)
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		h.Set("Vary", "Cookie, Accept-Language")
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

func nonceOf(r *http.Request) string { v, _ := r.Context().Value(nonceKey).(string); return v }
func csrfOf(r *http.Request) string  { v, _ := r.Context().Value(csrfKey).(string); return v }

// csrf protects every form with a double-submit token: a random value in
// an HttpOnly, SameSite=Strict cookie that each form repeats in a hidden
// field. A POST whose field does not match, or that a browser marks as
// coming from another site, changes nothing. Signing in sets a new value.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := ""
		if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 32 {
			tok = c.Value
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			var tooBig *http.MaxBytesError
			if err := r.ParseMultipartForm(8 << 20); errors.As(err, &tooBig) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				_, _ = w.Write([]byte("表单（含文件）过大，请返回并选择较小的文件。\nThe form with its files is too large: go back and choose smaller files.\n"))
				return
			}
			if tok == "" || !sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue(csrfField)), []byte(tok)) != 1 {
				s.forbiddenForm(w, r)
				return
			}
		}
		if tok == "" {
			tok = s.setCSRF(w, r)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey, tok)))
	})
}

// setCSRF sets a new CSRF cookie and returns its value.
func (s *Server) setCSRF(w http.ResponseWriter, r *http.Request) string {
	tok := randomToken(32)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
	return tok
}

// sameOrigin refuses what the browser says came from another site: Sec-
// Fetch-Site, or else an Origin naming another host.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return false
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

func (s *Server) forbiddenForm(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("表单已过期或来源不明，请返回并刷新页面后重试。\nThe form expired or came from elsewhere: go back, reload the page and try again.\n"))
}

func sessionToken(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// setSession keeps the API token in a cookie that lasts as long as the
// browser runs; the token's own expiry (ECONF_TOKEN_TTL) ends it sooner.
func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
}
