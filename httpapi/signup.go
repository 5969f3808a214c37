package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/projections"
)

// Registration, activation and password reset are open to anyone
// (R-ACT-03): no session, no Idempotency-Key. Codes bound the guessing:
// each allows signup.MaxWrongCodes wrong tries, then it is void.

// universityChoice is a university and its units, for the registration
// form's pickers.
type universityChoice struct {
	ID           uuid.UUID    `json:"id"`
	NameZh       string       `json:"nameZh"`
	NameEn       string       `json:"nameEn"`
	EmailDomains []string     `json:"emailDomains"`
	Units        []unitChoice `json:"units"`
}

type unitChoice struct {
	ID     uuid.UUID `json:"id"`
	NameZh string    `json:"nameZh"`
	NameEn string    `json:"nameEn"`
}

// registrationChoices lists every university with its units.
func (s *Server) registrationChoices(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r, projections.DirectoryName) {
		return
	}
	orgs, err := s.Reads.Organisations(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	unis := []universityChoice{}
	at := map[uuid.UUID]int{}
	for _, o := range orgs {
		if o.Kind == "university" {
			at[o.ID] = len(unis)
			unis = append(unis, universityChoice{ID: o.ID, NameZh: o.NameZh, NameEn: o.NameEn, EmailDomains: o.EmailDomains, Units: []unitChoice{}})
		}
	}
	for _, o := range orgs {
		if i, ok := at[parentOf(o)]; ok && o.Kind == "unit" {
			unis[i].Units = append(unis[i].Units, unitChoice{ID: o.ID, NameZh: o.NameZh, NameEn: o.NameEn})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": unis})
}

func parentOf(o projections.OrganisationRow) uuid.UUID {
	if o.ParentID == nil {
		return uuid.Nil
	}
	return *o.ParentID
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.Register
	if !ok || !decode(w, r, &cmd) {
		return
	}
	if !s.keepAskedLanguage(w, r, cmd.Email) {
		return
	}
	res, err := s.Signup.Register(r.Context(), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// No X-Econf-Position: an address that already has an account gets the
	// same answer and records no event, so a position would tell them apart.
	writeJSON(w, http.StatusAccepted, res)
}

func (s *Server) activate(w http.ResponseWriter, r *http.Request) {
	var cmd commands.Activate
	if !decode(w, r, &cmd) {
		return
	}
	acc := account.ID(cmd.Email)
	if s.throttled(w, r, acc) {
		return
	}
	res, err := s.Signup.Activate(r.Context(), cmd)
	if err = s.counted(r, acc, err, fieldFailed("code")); err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}

// keepAskedLanguage makes the language Accept-Language asks for the mail
// language of the account email names (the code's mail on), unless it has
// one already: a registration's and a password reset's code come in the
// language they were asked in. It answers false when it wrote an error.
func (s *Server) keepAskedLanguage(w http.ResponseWriter, r *http.Request, email string) bool {
	lang, ok := requestedLanguage(r)
	if !ok || !strings.Contains(email, "@") {
		return true
	}
	if err := mail.SetLanguage(r.Context(), s.Pool, account.ID(strings.ToLower(strings.TrimSpace(email))), lang, true); err != nil {
		s.writeError(w, r, err)
		return false
	}
	return true
}

func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.RequestPasswordReset
	if !ok || !decode(w, r, &cmd) {
		return
	}
	if !s.keepAskedLanguage(w, r, cmd.Email) {
		return
	}
	if err := s.Signup.RequestPasswordReset(r.Context(), m, cmd); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var cmd commands.ResetPassword
	if !decode(w, r, &cmd) {
		return
	}
	acc := account.ID(cmd.Email)
	if s.throttled(w, r, acc) {
		return
	}
	if err := s.counted(r, acc, s.Signup.ResetPassword(r.Context(), cmd), fieldFailed("code")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getProfile reads an account's profile (R-ACT-03), the user themself or
// a platform admin; ETag is the account stream's version.
func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	p, err := s.App.Profile(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, p.Version))
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.UpdateProfile
	if !ok || !decode(w, r, &cmd) {
		return
	}
	cmd.UserID = id
	res, err := s.App.UpdateProfile(r.Context(), actorOf(r.Context()), m, cmd)
	s.answer(w, r, res, err)
}

// myNotifications lists the caller's inbox: ?unread=true for unread only,
// ?limit=1..200 (50).
func (s *Server) myNotifications(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	unread := false
	if v := q.Get("unread"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			badRequest(w, r, domain.FieldError{Path: "query:unread", Rule: "SCHEMA", Message: "want true or false", Zh: "须为 true 或 false"})
			return
		}
		unread = b
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			badRequest(w, r, domain.FieldError{Path: "query:limit", Rule: "SCHEMA", Message: "want a number from 1 to 200", Zh: "须为1至200的整数"})
			return
		}
		limit = n
	}
	if !s.consistent(w, r, projections.NotificationsName) {
		return
	}
	in, err := s.Reads.Inbox(r.Context(), actorOf(r.Context()), unread, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, in)
}

func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.MarkNotificationsRead
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.MarkNotificationsRead(r.Context(), actorOf(r.Context()), m, cmd)
	s.answer(w, r, res, err)
}
