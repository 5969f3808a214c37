package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/mail"
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type loginAnswer struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expiresAt"`
	User      meAnswer  `json:"user"`
}

type meAnswer struct {
	ID           uuid.UUID   `json:"id"`
	Name         string      `json:"name"`
	Role         domain.Role `json:"role"`
	OrgID        uuid.UUID   `json:"orgId"`
	UniversityID *uuid.UUID  `json:"universityId,omitempty"`
	AuthorityID  *uuid.UUID  `json:"authorityId,omitempty"`
	// OrgKind and Language are GET /me's only (not the sign-in's answer).
	OrgKind  org.Kind `json:"orgKind,omitempty"`
	Language string   `json:"language,omitempty"`
}

func meOf(a domain.Actor) meAnswer {
	m := meAnswer{ID: a.UserID, Name: a.Name, Role: a.Role, OrgID: a.OrgID}
	if a.University != uuid.Nil {
		m.UniversityID = &a.University
	}
	if a.Authority != uuid.Nil {
		m.AuthorityID = &a.Authority
	}
	return m
}

// login checks a password and issues a bearer token. Unknown email, wrong
// password and deactivated account all answer the same 401.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var b loginBody
	if !decode(w, r, &b) {
		return
	}
	var p domain.Problems
	p.Required("email", "SCHEMA", b.Email)
	p.Required("password", "SCHEMA", b.Password)
	if err := p.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	acc := account.ID(b.Email)
	if s.throttled(w, r, acc) {
		return
	}
	id, err := s.Auth.Authenticate(r.Context(), b.Email, b.Password)
	if err != nil {
		s.writeError(w, r, s.counted(r, acc, err, badCredentials))
		return
	}
	actor, err := s.App.ResolveActor(r.Context(), id)
	if errors.Is(err, domain.ErrForbidden) || errors.Is(err, domain.ErrNotFound) {
		s.writeError(w, r, s.counted(r, acc, auth.ErrBadCredentials, badCredentials))
		return
	}
	if err == nil {
		err = s.counted(r, acc, nil, badCredentials)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	token, exp, err := s.Auth.CreateSession(r.Context(), actor, s.TokenTTL)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginAnswer{Token: token, ExpiresAt: exp, User: meOf(actor)})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.EndSession(r.Context(), bearer(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// me is the signed-in account with its organisation's kind (which
// procedures it takes part in) and the language its mails are written in
// (absent: none chosen, its mails carry both).
func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r.Context())
	m := meOf(a)
	kind, err := s.App.OrganisationKind(r.Context(), a.OrgID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m.OrgKind = kind
	lang, err := mail.LanguageOfAccount(r.Context(), s.Pool, a.UserID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m.Language = lang
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) createOrganisation(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.CreateOrganisation
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.CreateOrganisation(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}

func (s *Server) listOrganisations(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r) {
		return
	}
	orgs, err := s.Reads.Organisations(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": orgs})
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.CreateUser
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.CreateUser(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	a := actorOf(r.Context())
	// A unit admin lists their own unit's accounts (to find the ones a
	// single sign-on opened, which wait for their confirmation).
	if a.Role != domain.RolePlatformAdmin && a.Role != domain.RoleUnitAdmin {
		s.writeError(w, r, domain.ErrForbidden)
		return
	}
	if !s.consistent(w, r) {
		return
	}
	var org uuid.UUID
	if v := r.URL.Query().Get("orgId"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "query:orgId", Rule: "SCHEMA", Message: "want a UUID", Zh: "单位ID格式错误"})
			return
		}
		org = id
	}
	if a.Role == domain.RoleUnitAdmin {
		if org != uuid.Nil && org != a.OrgID {
			s.writeError(w, r, domain.ErrForbidden)
			return
		}
		org = a.OrgID
	}
	users, err := s.Reads.Users(r.Context(), org, strings.TrimSpace(r.URL.Query().Get("q")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": users})
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.UpdateUser) (commands.Result, error) {
		cmd.UserID = id
		return s.App.UpdateUser(ctx, a, m, cmd)
	})
}

func (s *Server) setPassword(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	var cmd commands.SetPassword
	if !decode(w, r, &cmd) {
		return
	}
	cmd.UserID = id
	// Only a check of the current password is a try to count.
	self := actorOf(r.Context()).UserID == id && actorOf(r.Context()).Role != domain.RolePlatformAdmin
	if self && s.throttled(w, r, id) {
		return
	}
	err := s.App.SetPassword(r.Context(), actorOf(r.Context()), cmd)
	if self {
		err = s.counted(r, id, err, fieldFailed("currentPassword"))
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := s.App.Policies().Current(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) publishPolicy(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var p policy.Policy
	if !ok || !decode(w, r, &p) {
		return
	}
	res, err := s.App.PublishPolicy(r.Context(), actorOf(r.Context()), m, p)
	s.answer(w, r, res, err)
}
