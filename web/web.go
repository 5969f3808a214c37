// Package web is the browser application: server-rendered pages
// (html/template) with a little progressive enhancement (htmx, vendored),
// served at / beside the API.
//
// The pages hold no second write path and no second set of queries: every
// page calls the HTTP API in-process (the same handler, commands, read
// models, checks, idempotency and problem answers as curl), with the API
// token kept in an HttpOnly session cookie. What the pages need of the API
// is the small client in api.go, so the API's internals can change under
// them freely.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config wires the pages.
type Config struct {
	// API is the HTTP API's handler, called in-process; it also answers
	// every path the pages do not own.
	API http.Handler
	Log *slog.Logger
	// Now is the clock the due dates are judged by (the policy clock).
	Now func() time.Time
	// ClientAddressHeader names the header a trusted reverse proxy puts the
	// client address in; when set, X-Forwarded-Proto: https from that proxy
	// also marks the request as TLS (Secure cookies).
	ClientAddressHeader string
	// SimulatedClock: Now is a training instance's simulated clock
	// (ECONF_CLOCK); every page says so in a banner with its time.
	SimulatedClock bool
}

// Server is the web application.
type Server struct {
	Config
	router chi.Router
	pages  pages
}

// New builds the pages' router; paths it does not own go to cfg.API.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{Config: cfg, pages: parsePages()}
	s.router = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(s.API.ServeHTTP)
	r.MethodNotAllowed(s.API.ServeHTTP)
	static, _ := fs.Sub(staticFS, "static") // the folder is embedded above
	r.Group(func(r chi.Router) {
		r.Use(middleware.RequestID, s.logRequests, s.recoverer)
		r.Handle("/static/*", http.StripPrefix("/static/", staticFiles(static)))
		r.Group(func(r chi.Router) {
			r.Use(s.pageHeaders, s.csrf)
			r.Get("/", s.home)
			r.Get("/login", s.loginPage)
			r.Post("/login", s.loginSubmit)
			r.Post("/login/sms-code", s.smsCode)
			r.Post("/login/sms", s.smsSignIn)
			r.Get("/login/sso/{provider}", s.ssoStart)
			r.Get("/login/sso/{provider}/callback", s.ssoCallback)
			r.Post("/logout", s.logout)
			r.Post("/lang", s.setLang)
			r.Get("/register", s.registerPage)
			r.Post("/register", s.registerSubmit)
			r.Get("/register/activate", s.activatePage)
			r.Post("/register/activate", s.activateSubmit)
			r.Get("/password-reset", s.resetPage)
			r.Post("/password-reset", s.resetRequest)
			r.Post("/password-reset/confirm", s.resetConfirm)
			r.Get("/notifications", s.notificationsPage)
			r.Post("/notifications/read", s.notificationsRead)
			r.Get("/statistics", s.statistics)
			r.Get("/profile", s.profilePage)
			r.Post("/profile", s.profileSave)
			r.Get("/admin/organisations", s.adminOrganisations)
			r.Post("/admin/organisations", s.adminCreateOrganisation)
			r.Get("/admin/users", s.adminUsers)
			r.Post("/admin/users", s.adminCreateUser)
			r.Post("/admin/users/{id}", s.adminUpdateUser)
			r.Get("/admin/policy", s.adminPolicy)
			r.Post("/admin/policy", s.adminPolicyPublish)
			r.Get("/admin/projections", s.adminProjections)
			s.procedureRoutes(r)
		})
	})
	return r
}

// staticFiles serves the embedded files, cached for a day: their names
// carry their version where it matters (htmx-2.0.11.min.js).
func staticFiles(fsys fs.FS) http.Handler {
	files := http.FileServer(http.FS(fsys))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "public, max-age=86400")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		files.ServeHTTP(w, r)
	})
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		s.Log.LogAttrs(r.Context(), slog.LevelInfo, "page",
			slog.String("request_id", middleware.GetReqID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", ww.Status()), slog.Int("bytes", ww.BytesWritten()),
			slog.Duration("took", time.Since(start)))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.ErrorContext(r.Context(), "panic", "value", v, "request_id", middleware.GetReqID(r.Context()))
				http.Error(w, "服务器内部错误 / internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
