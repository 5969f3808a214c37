package web

import (
	"net/http"
	"net/url"
	"time"
)

// Password reset (R-ACT-03): ask for a code by email, then set a new
// password with it. The first answer is the same whether or not the
// address has an account.

func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "reset")
	v.Form["email"] = r.URL.Query().Get("email")
	v.Data = r.URL.Query().Get("sent") != ""
	if v.Data == true {
		v.Flash = v.T("reset_sent")
	}
	s.render(w, r, http.StatusOK, "reset", v)
}

func (s *Server) resetRequest(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "reset")
	v.Form["email"] = r.PostFormValue("email")
	a := s.api(r, call{method: "POST", path: "/auth/password-reset", body: map[string]string{"email": v.Form["email"]}})
	if !a.ok() {
		s.formFailed(w, r, v, a, "reset")
		return
	}
	http.Redirect(w, r, "/password-reset?sent=1&email="+url.QueryEscape(v.Form["email"]), http.StatusSeeOther)
}

func (s *Server) resetConfirm(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "reset")
	v.Data = true
	v.Form["email"], v.Form["code"] = r.PostFormValue("email"), r.PostFormValue("code")
	a := s.api(r, call{method: "POST", path: "/auth/password-reset/confirm",
		body: map[string]string{"email": v.Form["email"], "code": v.Form["code"], "password": r.PostFormValue("password")}})
	if !a.ok() {
		s.formFailed(w, r, v, a, "reset")
		return
	}
	http.Redirect(w, r, "/login?reset=1&email="+url.QueryEscape(v.Form["email"]), http.StatusSeeOther)
}

// formFailed shows a form page again with the API's problem.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, v *view, a *answer, name string) {
	switch {
	case a.status == http.StatusServiceUnavailable:
		v.Error = v.T("unavailable")
	case a.status >= 500:
		v.Error = v.T("server_error")
	default:
		v.addProblems(a.problem())
	}
	s.render(w, r, a.status, name, v)
}

// notification is one entry of GET /api/v1/me/notifications.
type notification struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	RecordID  string     `json:"recordId"`
	TitleZh   string     `json:"titleZh"`
	TitleEn   string     `json:"titleEn"`
	BodyZh    string     `json:"bodyZh"`
	BodyEn    string     `json:"bodyEn"`
	CreatedAt time.Time  `json:"createdAt"`
	ReadAt    *time.Time `json:"readAt"`
}

// notificationsPage lists the user's newest notifications (the in-app
// inbox the API keeps), unread first marked.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "notifications")
	if !s.signedIn(w, r, v) {
		return
	}
	hdr := map[string]string{}
	if p := r.URL.Query().Get("pos"); validPosition(p) {
		hdr["X-Econf-Min-Position"] = p
	}
	a := s.api(r, call{method: "GET", path: "/me/notifications", header: hdr})
	var in struct {
		Items  []notification `json:"items"`
		Unread int            `json:"unread"`
	}
	if !a.ok() || a.decode(&in) != nil {
		s.failed(w, r, v, a)
		return
	}
	v.Data = in
	s.render(w, r, http.StatusOK, "notifications", v)
}

func (s *Server) notificationsRead(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "notifications")
	if !s.signedIn(w, r, v) {
		return
	}
	a := s.api(r, call{method: "POST", path: "/me/notifications/read", body: map[string]bool{"all": true},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/notifications?pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
}

// Link is the page of the record a notification is about, if the pages
// have one.
func (n notification) Link() string {
	return recordLink(n.Kind, n.RecordID)
}
