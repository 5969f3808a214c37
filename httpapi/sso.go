package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/sso"
)

// ssoProvider is a configured identity provider as the sign-in page lists
// it.
type ssoProvider struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Name   string `json:"name"`
	NameZh string `json:"nameZh"`
}

func (s *Server) ssoProviders(w http.ResponseWriter, _ *http.Request) {
	items := []ssoProvider{}
	if s.SSO != nil {
		for _, p := range s.SSO.Providers() {
			items = append(items, ssoProvider{ID: p.ID, Kind: p.Kind, Name: p.Name, NameZh: p.NameZh})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

type ssoStartBody struct {
	// Next is where the caller goes once signed in: a path on this site.
	Next string `json:"next,omitempty"`
}

type ssoStartAnswer struct {
	AuthorizationURL string    `json:"authorizationUrl"`
	ExpiresAt        time.Time `json:"expiresAt"`
}

// ssoStart begins a sign-in through a university's identity provider:
// the answer is the provider's URL to send the browser to.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	var b ssoStartBody
	if !decode(w, r, &b) || !s.ssoConfigured(w, r) {
		return
	}
	if b.Next != "" && (!strings.HasPrefix(b.Next, "/") || strings.HasPrefix(b.Next, "//") || strings.Contains(b.Next, `\`)) {
		var p domain.Problems
		p.Add("next", "SCHEMA", "must be a path on this site, such as /forecasts", "须为本站内的路径，例如 /forecasts")
		s.writeError(w, r, p.Err())
		return
	}
	u, exp, err := s.SSO.Start(r.Context(), chi.URLParam(r, "provider"), b.Next)
	if err != nil {
		s.ssoError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ssoStartAnswer{AuthorizationURL: u, ExpiresAt: exp})
}

type ssoFinishBody struct {
	State            string `json:"state"`
	Code             string `json:"code,omitempty"`
	Ticket           string `json:"ticket,omitempty"`
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"errorDescription,omitempty"`
}

type ssoFinishAnswer struct {
	loginAnswer
	Next string `json:"next,omitempty"`
}

// ssoFinish ends a sign-in with what the provider sent the browser back
// with, maps the identity onto an account and issues the same bearer
// token as POST /auth/login.
func (s *Server) ssoFinish(w http.ResponseWriter, r *http.Request) {
	var b ssoFinishBody
	if !decode(w, r, &b) || !s.ssoConfigured(w, r) {
		return
	}
	id := chi.URLParam(r, "provider")
	idn, next, err := s.SSO.Finish(r.Context(), id, sso.Callback{State: b.State, Code: b.Code, Ticket: b.Ticket, Error: b.Error, ErrorDescription: b.ErrorDescription})
	if err != nil {
		s.ssoError(w, r, err)
		return
	}
	p, err := s.SSO.Provider(id)
	if err != nil {
		s.ssoError(w, r, err)
		return
	}
	actor, err := s.App.SSO(s.Reads).SignIn(r.Context(), commands.SSOIdentity{Provider: p.ID, Subject: idn.Subject, Email: idn.Email,
		StaffNo: idn.StaffNo, Name: idn.Name, UniversityID: p.UniversityID, UnitID: p.UnitFor(idn.Unit)})
	if err != nil {
		s.ssoError(w, r, err)
		return
	}
	token, exp, err := s.Auth.CreateSession(r.Context(), actor, s.TokenTTL)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.Log.InfoContext(r.Context(), "single sign-on", "provider", p.ID, "user", actor.UserID)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, ssoFinishAnswer{loginAnswer: loginAnswer{Token: token, ExpiresAt: exp, User: meOf(actor)}, Next: next})
}

func (s *Server) ssoConfigured(w http.ResponseWriter, r *http.Request) bool {
	if s.SSO == nil {
		s.ssoError(w, r, &sso.Error{Code: sso.CodeUnknownProvider, Detail: "this server has no identity provider configured (ECONF_SSO_CONFIG)",
			Zh: "本服务器未配置统一身份认证"})
		return false
	}
	return true
}

// ssoStatus is the status of each sign-in failure.
var ssoStatus = map[string]int{
	sso.CodeUnknownProvider:      http.StatusNotFound,
	sso.CodeState:                http.StatusBadRequest,
	sso.CodeDenied:               http.StatusUnauthorized,
	sso.CodeCode:                 http.StatusUnauthorized,
	sso.CodeToken:                http.StatusUnauthorized,
	sso.CodeTokenExpired:         http.StatusUnauthorized,
	sso.CodeTicket:               http.StatusUnauthorized,
	sso.CodeUnavailable:          http.StatusBadGateway,
	commands.SSOAccountPending:   http.StatusForbidden,
	commands.SSONoAccount:        http.StatusForbidden,
	commands.SSOAccountElsewhere: http.StatusForbidden,
	commands.SSOAccountInactive:  http.StatusForbidden,
	commands.SSOAmbiguous:        http.StatusConflict,
}

func (s *Server) ssoError(w http.ResponseWriter, r *http.Request, err error) {
	var se *sso.Error
	var ref *commands.SSORefusal
	var code, detail, zh string
	switch {
	case errors.As(err, &se):
		code, detail, zh = se.Code, se.Detail, se.Zh
	case errors.As(err, &ref):
		code, detail, zh = ref.Code, ref.Detail, ref.Zh
	default:
		s.writeError(w, r, err)
		return
	}
	status := ssoStatus[code]
	if code == sso.CodeUnavailable {
		s.Log.WarnContext(r.Context(), "identity provider unavailable", "err", err)
	}
	writeProblem(w, r, problem{Type: problemBase + code, Title: "Single sign-on failed", Status: status, Detail: detail, Zh: zh})
}

// confirmAccount is a unit admin (or platform admin) letting an account
// opened by a single sign-on sign in.
func (s *Server) confirmAccount(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		return s.App.ConfirmAccount(ctx, a, m, commands.ConfirmAccount{UserID: id})
	})
}
