package web

import (
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"
)

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "sign_in")
	v.Form["email"] = r.URL.Query().Get("email")
	v.Form["next"] = r.URL.Query().Get("next")
	if r.URL.Query().Get("activated") != "" {
		v.Flash = v.T("activated")
	}
	if r.URL.Query().Get("reset") != "" {
		v.Flash = v.T("reset_done")
	}
	s.ssoLinks(r, v)
	s.render(w, r, http.StatusOK, "login", v)
}

// ssoProvider is an identity provider the sign-in page links to.
type ssoProvider struct {
	ID, Name, NameZh string
}

// ssoLinks puts the identity providers on the sign-in page ("sign in
// with …").
func (s *Server) ssoLinks(r *http.Request, v *view) {
	var l struct{ Items []ssoProvider }
	if a := s.api(r, call{method: "GET", path: "/auth/sso"}); a.ok() && a.decode(&l) == nil {
		v.Data = l.Items
	}
}

// ssoStart sends the browser to the university's identity provider.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	body := map[string]string{}
	if next := r.URL.Query().Get("next"); localPath(next) {
		body["next"] = next
	}
	a := s.api(r, call{method: "POST", path: "/auth/sso/" + url.PathEscape(chi.URLParam(r, "provider")) + "/start", body: body})
	var ans struct {
		AuthorizationURL string `json:"authorizationUrl"`
	}
	if !a.ok() || a.decode(&ans) != nil {
		s.ssoFailed(w, r, a)
		return
	}
	http.Redirect(w, r, ans.AuthorizationURL, http.StatusSeeOther)
}

// ssoCallback is where the identity provider sends the browser back: the
// API finishes the sign-in and the token goes into the session cookie, as
// after a password sign-in.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	body := map[string]string{"state": q.Get("state")}
	for k, v := range map[string]string{"code": q.Get("code"), "ticket": q.Get("ticket"), "error": q.Get("error"), "errorDescription": q.Get("error_description")} {
		if v != "" {
			body[k] = v
		}
	}
	a := s.api(r, call{method: "POST", path: "/auth/sso/" + url.PathEscape(chi.URLParam(r, "provider")) + "/finish", body: body})
	var ans struct {
		Token string `json:"token"`
		Next  string `json:"next"`
	}
	if !a.ok() || a.decode(&ans) != nil {
		s.ssoFailed(w, r, a)
		return
	}
	s.setSession(w, r, ans.Token)
	s.setCSRF(w, r)
	if !localPath(ans.Next) {
		ans.Next = "/"
	}
	http.Redirect(w, r, ans.Next, http.StatusSeeOther)
}

// ssoFailed shows the sign-in page with the API's reason.
func (s *Server) ssoFailed(w http.ResponseWriter, r *http.Request, a *answer) {
	v := s.newView(r, "sign_in")
	p := a.problem()
	v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
	s.ssoLinks(r, v)
	status := a.status
	if a.ok() {
		status = http.StatusBadGateway
	}
	s.render(w, r, status, "login", v)
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "sign_in")
	email, pw, next := r.PostFormValue("email"), r.PostFormValue("password"), r.PostFormValue("next")
	v.Form["email"], v.Form["next"] = email, next
	a := s.api(r, call{method: "POST", path: "/auth/login", body: map[string]string{"email": email, "password": pw}})
	if !a.ok() {
		switch a.status {
		case http.StatusUnauthorized:
			v.Error = v.T("bad_login")
		case http.StatusUnprocessableEntity:
			v.addProblems(a.problem())
		default:
			p := a.problem()
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		}
		s.ssoLinks(r, v)
		s.render(w, r, a.status, "login", v)
		return
	}
	var ans struct {
		Token string `json:"token"`
	}
	if err := a.decode(&ans); err != nil {
		s.Log.ErrorContext(r.Context(), "login answer", "err", err)
		v.Error = v.T("server_error")
		s.render(w, r, http.StatusInternalServerError, "login", v)
		return
	}
	s.setSession(w, r, ans.Token)
	s.setCSRF(w, r) // a new token for the new session
	if !localPath(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sessionToken(r) != "" {
		_ = s.api(r, call{method: "POST", path: "/auth/logout"}) // an expired session is as good as ended
	}
	s.clearSession(w, r)
	s.setCSRF(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// universities is the registration form's choice of units by university.
type universities struct {
	Items []struct {
		ID     string `json:"id"`
		NameZh string `json:"nameZh"`
		NameEn string `json:"nameEn"`
		Units  []struct {
			ID     string `json:"id"`
			NameZh string `json:"nameZh"`
			NameEn string `json:"nameEn"`
		} `json:"units"`
	} `json:"items"`
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	s.showRegister(w, r, s.newView(r, "register"), http.StatusOK)
}

func (s *Server) showRegister(w http.ResponseWriter, r *http.Request, v *view, status int) {
	a := s.api(r, call{method: "GET", path: "/auth/universities"})
	var u universities
	if !a.ok() || a.decode(&u) != nil {
		s.failed(w, r, v, a)
		return
	}
	v.Data = u
	s.render(w, r, status, "register", v)
}

var registerFields = []string{"email", "name", "mobile", "staffNo", "unitId", "password"}

func (s *Server) registerSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "register")
	body := map[string]string{}
	for _, k := range registerFields {
		v.Form[k] = r.PostFormValue(k)
		body[k] = v.Form[k]
	}
	// The unit picked names its university.
	a := s.api(r, call{method: "GET", path: "/auth/universities"})
	var u universities
	if !a.ok() || a.decode(&u) != nil {
		s.failed(w, r, v, a)
		return
	}
	for _, uni := range u.Items {
		for _, unit := range uni.Units {
			if unit.ID == body["unitId"] {
				body["universityId"] = uni.ID
			}
		}
	}
	a = s.api(r, call{method: "POST", path: "/auth/registrations", body: body})
	if !a.ok() {
		if a.status == http.StatusServiceUnavailable {
			v.Error = v.T("unavailable")
		} else {
			v.addProblems(a.problem())
			// universityId follows from unitId: show its errors there.
			if msg, ok := v.Errors["universityId"]; ok && v.Errors["unitId"] == "" {
				v.Errors["unitId"] = msg
			}
		}
		v.Data = u
		s.render(w, r, a.status, "register", v)
		return
	}
	http.Redirect(w, r, "/register/activate?email="+url.QueryEscape(body["email"]), http.StatusSeeOther)
}

func (s *Server) activatePage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "activate")
	v.Form["email"] = r.URL.Query().Get("email")
	if v.Form["email"] != "" {
		v.Flash = v.T("code_sent")
	}
	s.render(w, r, http.StatusOK, "activate", v)
}

func (s *Server) activateSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "activate")
	v.Form["email"], v.Form["code"] = r.PostFormValue("email"), r.PostFormValue("code")
	a := s.api(r, call{method: "POST", path: "/auth/registrations/activate", body: map[string]string{"email": v.Form["email"], "code": v.Form["code"]}})
	if !a.ok() {
		if a.status == http.StatusServiceUnavailable {
			v.Error = v.T("unavailable")
		} else {
			v.addProblems(a.problem())
		}
		s.render(w, r, a.status, "activate", v)
		return
	}
	http.Redirect(w, r, "/login?activated=1&email="+url.QueryEscape(v.Form["email"]), http.StatusSeeOther)
}
