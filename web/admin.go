package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The platform administrator's pages: organisations, accounts, the policy
// (with the differences from the one in force shown before publishing)
// and the read models' status. Each calls the admin API, which refuses
// anyone else (the pages only show the links to the admin).

type orgRow struct {
	ID           string   `json:"id"`
	Kind         string   `json:"kind"`
	NameZh       string   `json:"nameZh"`
	NameEn       string   `json:"nameEn"`
	ParentID     string   `json:"parentId"`
	EmailDomains []string `json:"emailDomains"`
	Parent       string   `json:"-"`
}

type userRow struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	OrgID     string    `json:"orgId"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"createdAt"`
	Org       string    `json:"-"`
}

// adminView is the data of the admin pages.
type adminView struct {
	Orgs   []orgRow
	Users  []userRow
	Roles  []option
	Kinds  []option
	OrgOpt []option
	Idem   string
	// The policy page: the policy in force, a proposal and their
	// differences, line by line.
	Current, Proposed string
	Version           string
	ETag              string
	Diff              []diffLine
	Changed           bool
	// The read models' status (GET /readyz).
	Ready      bool
	Checks     map[string]string
	ReadModels []readModel
}

type readModel struct {
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Stall  map[string]any `json:"stall"`
}

var adminRoles = []string{"applicant", "unit_admin", "school_admin", "authority_reviewer", "auditor", "analyst", "platform_admin"}

// orgs reads the organisation tree, each with its parent's name.
func (s *Server) orgs(w http.ResponseWriter, r *http.Request, v *view) ([]orgRow, bool) {
	a := s.api(r, call{method: "GET", path: "/organisations", header: minPosition(r)})
	var l struct {
		Items []orgRow `json:"items"`
	}
	if !a.ok() || a.decode(&l) != nil {
		s.failed(w, r, v, a)
		return nil, false
	}
	names := map[string]string{}
	for _, o := range l.Items {
		names[o.ID] = v.Msg(o.NameZh, o.NameEn)
	}
	for i := range l.Items {
		l.Items[i].Parent = names[l.Items[i].ParentID]
	}
	return l.Items, true
}

// minPosition passes the position of the user's last command (?pos=) on
// to a read, which then waits for it.
func minPosition(r *http.Request) map[string]string {
	if p := r.URL.Query().Get("pos"); validPosition(p) {
		return map[string]string{"X-Econf-Min-Position": p}
	}
	return nil
}

func (s *Server) adminOrganisations(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_orgs")
	if !s.signedIn(w, r, v) {
		return
	}
	s.showOrganisations(w, r, v, http.StatusOK)
}

func (s *Server) showOrganisations(w http.ResponseWriter, r *http.Request, v *view, status int) {
	orgs, ok := s.orgs(w, r, v)
	if !ok {
		return
	}
	av := adminView{Orgs: orgs, Idem: randomToken(18)}
	for _, k := range []string{"authority", "university", "unit"} {
		av.Kinds = append(av.Kinds, option{k, v.T("kind_" + k)})
	}
	av.OrgOpt = append(av.OrgOpt, option{"", v.T("none")})
	for _, o := range orgs {
		av.OrgOpt = append(av.OrgOpt, option{o.ID, v.Msg(o.NameZh, o.NameEn) + " (" + v.code("kind_", o.Kind) + ")"})
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	v.Data = av
	s.render(w, r, status, "admin_orgs", v)
}

func (s *Server) adminCreateOrganisation(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_orgs")
	if !s.signedIn(w, r, v) {
		return
	}
	body := map[string]any{}
	for _, k := range []string{"kind", "nameZh", "nameEn", "parentId"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
		if v.Form[k] != "" {
			body[k] = v.Form[k]
		}
	}
	v.Form["emailDomains"] = strings.TrimSpace(r.PostFormValue("emailDomains"))
	if d := strings.Fields(strings.ReplaceAll(v.Form["emailDomains"], ",", " ")); len(d) > 0 {
		body["emailDomains"] = d
	}
	a := s.api(r, call{method: "POST", path: "/organisations", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/admin/organisations?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if a.status != http.StatusBadRequest && a.status != http.StatusUnprocessableEntity && a.status != http.StatusConflict {
		s.failed(w, r, v, a)
		return
	}
	v.addProblems(a.problem())
	s.showOrganisations(w, r, v, a.status)
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_users")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showUsers(w, r, v, http.StatusOK)
}

func (s *Server) showUsers(w http.ResponseWriter, r *http.Request, v *view, status int) {
	a := s.api(r, call{method: "GET", path: "/users", header: minPosition(r)})
	var l struct {
		Items []userRow `json:"items"`
	}
	if !a.ok() || a.decode(&l) != nil {
		s.failed(w, r, v, a)
		return
	}
	orgs, ok := s.orgs(w, r, v)
	if !ok {
		return
	}
	av := adminView{Users: l.Items, Idem: randomToken(18)}
	names := map[string]string{}
	for _, o := range orgs {
		names[o.ID] = v.Msg(o.NameZh, o.NameEn)
		av.OrgOpt = append(av.OrgOpt, option{o.ID, names[o.ID] + " (" + v.code("kind_", o.Kind) + ")"})
	}
	for i := range av.Users {
		av.Users[i].Org = names[av.Users[i].OrgID]
	}
	for _, ro := range adminRoles {
		av.Roles = append(av.Roles, option{ro, v.Role(ro)})
	}
	v.Data = av
	s.render(w, r, status, "admin_users", v)
}

func (s *Server) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_users")
	if !s.signedIn(w, r, v) {
		return
	}
	body := map[string]any{}
	for _, k := range []string{"email", "name", "role", "orgId", "mobile", "staffNo"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
		if v.Form[k] != "" {
			body[k] = v.Form[k]
		}
	}
	body["password"] = r.PostFormValue("password")
	a := s.api(r, call{method: "POST", path: "/users", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/admin/users?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if a.status != http.StatusBadRequest && a.status != http.StatusUnprocessableEntity && a.status != http.StatusConflict {
		s.failed(w, r, v, a)
		return
	}
	v.addProblems(a.problem())
	s.showUsers(w, r, v, a.status)
}

// adminUpdateUser changes an account's role or disables (or enables) it;
// the account's sessions end at once.
func (s *Server) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_users")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body := map[string]any{}
	if ro := r.PostFormValue("role"); ro != "" {
		body["role"] = ro
	}
	switch r.PostFormValue("active") {
	case "true":
		body["active"] = true
	case "false":
		body["active"] = false
	}
	a := s.api(r, call{method: "PATCH", path: "/users/" + id, body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if !a.ok() {
		if a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusForbidden || a.status == http.StatusConflict {
			p := a.problem()
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
			for _, e := range p.Errors {
				v.Error += " " + v.Msg(e.Zh, e.Message)
			}
			s.showUsers(w, r, v, a.status)
			return
		}
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/admin/users?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
}

// adminPolicy shows the policy in force as JSON to edit.
func (s *Server) adminPolicy(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_policy")
	if !s.signedIn(w, r, v) {
		return
	}
	cur, etag, ok := s.currentPolicy(w, r, v)
	if !ok {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("policy_published")
	}
	v.Form["policy"] = cur
	v.Data = adminView{Current: cur, ETag: etag, Idem: randomToken(18)}
	s.render(w, r, http.StatusOK, "admin_policy", v)
}

func (s *Server) currentPolicy(w http.ResponseWriter, r *http.Request, v *view) (string, string, bool) {
	a := s.api(r, call{method: "GET", path: "/policy", header: minPosition(r)})
	var p any
	if !a.ok() || a.decode(&p) != nil {
		s.failed(w, r, v, a)
		return "", "", false
	}
	return prettyJSON(p), a.header.Get("ETag"), true
}

func prettyJSON(x any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(x) // decoded JSON encodes again
	return strings.TrimSpace(b.String())
}

// adminPolicyPublish previews the proposal's differences from the policy
// in force; only the confirmation (confirm=1, after the preview) publishes.
func (s *Server) adminPolicyPublish(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_policy")
	if !s.signedIn(w, r, v) {
		return
	}
	cur, etag, ok := s.currentPolicy(w, r, v)
	if !ok {
		return
	}
	raw := r.PostFormValue("policy")
	v.Form["policy"] = raw
	av := adminView{Current: cur, ETag: etag, Idem: randomToken(18)}
	var proposed map[string]any
	if err := json.Unmarshal([]byte(raw), &proposed); err != nil {
		v.addLocal("policy", v.Msg("不是有效的JSON：", "Not valid JSON: ")+err.Error())
		v.Data = av
		s.render(w, r, http.StatusUnprocessableEntity, "admin_policy", v)
		return
	}
	av.Proposed = prettyJSON(proposed)
	av.Version = fmt.Sprint(proposed["version"])
	av.Diff = diffLines(strings.Split(cur, "\n"), strings.Split(av.Proposed, "\n"))
	for _, d := range av.Diff {
		av.Changed = av.Changed || d.Op != " "
	}
	if r.PostFormValue("confirm") != "1" || r.PostFormValue("etag") != etag {
		if r.PostFormValue("confirm") == "1" {
			v.Error = v.T("policy_moved")
		}
		v.Data = av
		s.render(w, r, http.StatusOK, "admin_policy", v)
		return
	}
	a := s.api(r, call{method: "PUT", path: "/policy", body: proposed, header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": etag}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/admin/policy?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		v.Error = v.T("policy_moved")
		v.Data = av
		s.render(w, r, http.StatusConflict, "admin_policy", v)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity:
		p := a.problem()
		v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		for _, e := range p.Errors {
			v.addLocal("policy", e.Path+": "+v.Msg(e.Zh, e.Message))
		}
		v.Data = av
		s.render(w, r, a.status, "admin_policy", v)
	default:
		s.failed(w, r, v, a)
	}
}

// adminProjections shows each read model's status (GET /readyz).
func (s *Server) adminProjections(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "admin_projections")
	if !s.signedIn(w, r, v) {
		return
	}
	a := s.api(r, call{method: "GET", path: "/readyz", root: true})
	var rd struct {
		Ready      bool              `json:"ready"`
		Checks     map[string]string `json:"checks"`
		ReadModels []readModel       `json:"readModels"`
	}
	if (a.status != http.StatusOK && a.status != http.StatusServiceUnavailable) || a.decode(&rd) != nil {
		s.failed(w, r, v, a)
		return
	}
	v.Data = adminView{Ready: rd.Ready, Checks: rd.Checks, ReadModels: rd.ReadModels}
	s.render(w, r, http.StatusOK, "admin_projections", v)
}

// diffLine is one line of a line diff: Op " " (both), "-" (only in the
// first), "+" (only in the second).
type diffLine struct{ Op, Text string }

// diffLines is the shortest edit between two texts' lines (a longest
// common subsequence), for a policy of a few hundred lines.
func diffLines(a, b []string) []diffLine {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{" ", a[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", a[i]})
			i++
		default:
			out = append(out, diffLine{"+", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", b[j]})
	}
	return out
}

// DiffContext keeps the changed lines with three lines around each; runs
// of unchanged lines between become one "…".
func (av adminView) DiffContext() []diffLine {
	keep := make([]bool, len(av.Diff))
	for i, d := range av.Diff {
		if d.Op != " " {
			for k := max(0, i-3); k <= min(len(av.Diff)-1, i+3); k++ {
				keep[k] = true
			}
		}
	}
	var out []diffLine
	gap := false
	for i, d := range av.Diff {
		if keep[i] {
			out = append(out, d)
			gap = false
		} else if !gap {
			out = append(out, diffLine{"…", ""})
			gap = true
		}
	}
	return out
}
