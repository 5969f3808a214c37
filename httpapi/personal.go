package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
)

// erasePerson is a platform admin erasing a person's personal data
// (PIPL): their data keys go, the read models are rebuilt (Config.Erased).
func (s *Server) erasePerson(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.ErasePerson
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.ErasePerson(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.Log.InfoContext(r.Context(), "personal data erased", "subject", res.Subject, "fields", res.Fields, "keys", res.Keys, "replayed", res.Replayed)
	if s.Erased != nil {
		s.Erased(r.Context(), res.Subject)
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	if res.Position != (eventstore.Position{}) {
		w.Header().Set("X-Econf-Position", res.Position.String())
	}
	writeJSON(w, http.StatusOK, res)
}

// personalDataAnswer is a person's own data as stored in the events.
type personalDataAnswer struct {
	Subject   uuid.UUID       `json:"subject"`
	Generated time.Time       `json:"generated"`
	Items     []personal.Item `json:"items"`
}

// myPersonalData is the signed-in person's download of their own data.
func (s *Server) myPersonalData(w http.ResponseWriter, r *http.Request) {
	s.writePersonalData(w, r, actorOf(r.Context()).UserID)
}

// personalData is a platform admin's copy of a person's data (a request
// by a person without an account).
func (s *Server) personalData(w http.ResponseWriter, r *http.Request) {
	if actorOf(r.Context()).Role != domain.RolePlatformAdmin {
		s.writeError(w, r, domain.ErrForbidden)
		return
	}
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	if err != nil {
		badRequest(w, r, domain.FieldError{Path: "path:id", Rule: "SCHEMA", Message: "want a UUID", Zh: "个人ID格式错误"})
		return
	}
	s.writePersonalData(w, r, id)
}

func (s *Server) writePersonalData(w http.ResponseWriter, r *http.Request, subject uuid.UUID) {
	items, err := s.App.PersonalData(r.Context(), subject)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if items == nil {
		items = []personal.Item{}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="personal-data-`+subject.String()+`.json"`)
	writeJSON(w, http.StatusOK, personalDataAnswer{Subject: subject, Generated: time.Now().UTC(), Items: items})
}
