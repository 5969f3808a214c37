package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"
)

// pages are the parsed templates, one set per page on the shared layout.
type pages map[string]*template.Template

// pageNames are the pages every procedure shares; a procedure's own are
// in its entry of procedures (procedures.go).
var pageNames = append([]string{"login", "register", "activate", "inbox", "forecast_list", "forecast", "message", "reset", "notifications", "history",
	"stats", "admin_orgs", "admin_users", "admin_policy", "admin_projections", "profile"}, procedurePages()...)

// dict makes a map of key, value pairs for a sub-template.
func dict(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}

func parsePages() pages {
	base := template.Must(template.New("layout.html").Funcs(template.FuncMap{"inc": func(i int) int { return i + 1 }, "dict": dict,
		"list": func(x ...string) []string { return x }, "hasPrefix": strings.HasPrefix}).ParseFS(templateFS, "templates/layout.html", "templates/fields.html"))
	p := pages{}
	for _, n := range pageNames {
		p[n] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/"+n+".html"))
	}
	return p
}

// me is the signed-in user as GET /api/v1/me answers.
type me struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Role         string `json:"role"`
	OrgID        string `json:"orgId"`
	UniversityID string `json:"universityId"`
	// OrgKind is the organisation's kind (university, academy…): which
	// procedures' links the header shows.
	OrgKind string `json:"orgKind"`
	// Language is the mail language, "" when none was chosen.
	Language string `json:"language"`
}

// MailLanguage names the account's mail language in the page's language.
func (v *view) MailLanguage() string {
	if v.Me == nil || (v.Me.Language != zh && v.Me.Language != en) {
		return v.T("mail_language_none")
	}
	return v.T("mail_language_" + v.Me.Language)
}

// view is what every page template gets.
type view struct {
	Lang, Nonce, CSRF, Path string
	Me                      *me
	Title                   string
	// SimulatedNow is the simulated time on a training instance; "" on
	// the machine's clock.
	SimulatedNow string
	Flash        string
	Error        string
	// Errors maps a field path of the API (applicant.name,
	// organisations[0].nameZh) to its message; Problems keeps their order
	// for the summary at the top of a form.
	Errors   map[string]string
	Problems []fieldProblem
	Form     map[string]string
	Data     any
}

type fieldProblem struct{ Path, ID, Label, Message string }

// fieldLabels names the input of each field path a form has, for the
// error summary; organisations[i].x is "Organisation i+1" and x's label.
var fieldLabels = map[string]string{
	"applicant.name": "name", "applicant.staffNo": "staff_no", "applicant.title": "f_title", "applicant.unit": "f_unit",
	"applicant.department": "f_department", "applicant.mobile": "mobile", "applicant.email": "email",
	"nameZh": "f_nameZh", "nameEn": "f_nameEn", "startDate": "f_startDate", "commitmentDate": "f_commitmentDate",
	"local": "f_local", "province": "f_province", "address": "f_address", "offsiteJustification": "f_offsite",
	"type": "f_type", "scale": "f_scale", "chineseCount": "f_chineseCount", "foreignCount": "f_foreignCount",
	"fundingSource": "f_funding", "remarks": "f_remarks", "organisations": "sec_hosting", "flags": "flags",
	"role": "f_org_role", "email": "email", "name": "name", "mobile": "mobile", "staffNo": "staff_no", "unitId": "unit",
	"universityId": "university", "password": "password", "code": "code", "newPassword": "new_password", "comment": "comment", "q": "keyword", "notice": "notice", "commitmentAcknowledged": "commitment",
	"people.sheet": "people_sheet", "asOf": "as_of",
}

var listPath = regexp.MustCompile(`^(.+)\[(\d+)\]\.([A-Za-z.]+)$`)

// sectionListOf finds the declaration section list whose rows are
// prefix[i].
func sectionListOf(prefix string) (section, sectionList, bool) {
	for _, s := range append(declarationSections[:len(declarationSections):len(declarationSections)], changeSection, summarySection) {
		for _, l := range s.Lists {
			if listPrefix(s, l) == prefix {
				return s, l, true
			}
		}
	}
	return section{}, sectionList{}, false
}

var orgPath = regexp.MustCompile(`^organisations\[(\d+)\]\.(role|nameZh|nameEn)$`)

// label names the input of a field path in the page's language.
func (v *view) label(path string) string {
	if k, ok := fieldLabels[path]; ok {
		return v.T(k)
	}
	if m := orgPath.FindStringSubmatch(path); m != nil {
		i, _ := strconv.Atoi(m[1])
		return v.Tf("f_org", i+1) + " " + v.T("f_org_"+m[2])
	}
	if f, ok := strings.CutPrefix(path, "flags."); ok {
		return v.T("flag_" + f)
	}
	// A row of a declaration section's list, or the list itself.
	if m := listPath.FindStringSubmatch(path); m != nil {
		if sec, l, ok := sectionListOf(m[1]); ok {
			i, _ := strconv.Atoi(m[2])
			out := v.T(sec.Label) + " · " + v.Tf("row_n", i+1)
			if l.Name != "" {
				out = v.T(sec.Label) + " · " + v.T(l.Label) + " " + v.Tf("row_n", i+1)
			}
			for _, f := range l.Fields {
				if f.Name == m[3] {
					out += " · " + v.T(f.Label)
				}
			}
			return out
		}
	}
	if sec, l, ok := sectionListOf(path); ok && l.Name != "" {
		return v.T(sec.Label) + " · " + v.T(l.Label)
	}
	// A declaration's section: its tab's field, or the section's name.
	head, rest, _ := strings.Cut(path, ".")
	if sec, ok := anySection(head); ok {
		for _, f := range sec.Fields {
			if f.Name == rest {
				return v.T(sec.Label) + " · " + v.T(f.Label)
			}
		}
	}
	if _, ok := msgs["sec_"+head]; ok {
		if rest == "" {
			return v.T("sec_" + head)
		}
		return v.T("sec_"+head) + " · " + rest
	}
	return path
}

// Time shows an instant in Beijing time.
func (v *view) Time(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") }

func (v *view) T(key string) string { return text(v.Lang, key) }
func (v *view) Tf(key string, args ...any) string {
	return fmt.Sprintf(text(v.Lang, key), args...)
}

// Status, Role and Scale name a code in the page's language.
func (v *view) Status(s string) string { return v.code("status_", s) }
func (v *view) Role(s string) string   { return v.code("role_", s) }
func (v *view) Scale(s string) string  { return v.code("scale_", s) }
func (v *view) code(prefix, s string) string {
	if _, ok := msgs[prefix+s]; ok {
		return text(v.Lang, prefix+s)
	}
	return s
}

// Msg picks the Chinese or English of a message the API sent.
func (v *view) Msg(zhText, enText string) string {
	if v.Lang == en && enText != "" || zhText == "" {
		return enText
	}
	return zhText
}

// addProblems puts the API's field errors next to their inputs.
func (v *view) addProblems(p problem) {
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	for _, e := range p.Errors {
		msg := v.Msg(e.Zh, e.Message)
		if e.Rule != "" && e.Rule != "SCHEMA" {
			msg += " (" + e.Rule + ")"
		}
		path := strings.TrimPrefix(e.Path, "body:")
		if old, ok := v.Errors[path]; ok {
			v.Errors[path] = old + "；" + msg
		} else {
			v.Errors[path] = msg
		}
		v.Problems = append(v.Problems, fieldProblem{Path: path, ID: fieldID(path), Label: v.label(path), Message: msg})
	}
	if len(p.Errors) == 0 {
		v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// fieldID is the HTML id of the input for an API field path.
func fieldID(path string) string {
	r := strings.NewReplacer(".", "-", "[", "-", "]", "")
	return "f-" + r.Replace(path)
}

// field is one input of a form, for the "field" template.
type field struct {
	Path, ID, Label, Kind, Value, Error, Hint string
	Required                                  bool
	Options                                   []option
	// File is the upload a file input holds already.
	File *attachment
}

type option struct{ Value, Label string }

// Field describes the input for path: its label (a message key), kind
// (text, email, date, number, textarea, checkbox, select, password) and
// current value from the form.
func (v *view) Field(path, label, kind string) field {
	f := field{Path: path, ID: fieldID(path), Label: v.T(label), Kind: kind, Value: v.Form[path], Error: v.Errors[path]}
	return f
}

// Select is Field with options (value, message key pairs).
func (v *view) Select(path, label string, pairs ...string) field {
	f := v.Field(path, label, "select")
	f.Options = append(f.Options, option{"", v.T("choose")})
	for i := 0; i+1 < len(pairs); i += 2 {
		f.Options = append(f.Options, option{pairs[i], v.T(pairs[i+1])})
	}
	return f
}

// WithOptions makes f a select of opts, after a "choose" option.
func (f field) WithOptions(opts []option) field {
	f.Options = append([]option{{"", text(zh, "choose")}}, opts...)
	return f
}

// Req marks f required.
func (f field) Req() field { f.Required = true; return f }

// WithLabel replaces f's label with a text of its own.
func (f field) WithLabel(s string) field { f.Label = s; return f }

// newView starts the view of r.
func (s *Server) newView(r *http.Request, title string) *view {
	v := &view{Lang: langOf(r), Nonce: nonceOf(r), CSRF: csrfOf(r), Path: r.URL.RequestURI(), Form: map[string]string{}}
	v.Title = v.T(title)
	if s.SimulatedClock {
		v.SimulatedNow = s.Now().In(time.FixedZone("UTC+8", 8*3600)).Format("2006-01-02 15:04 (UTC+8)")
	}
	return v
}

// render writes the page name with v; a template failure is a 500 logged.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.Log.ErrorContext(r.Context(), "page template", "page", name, "err", err, "request_id", middleware.GetReqID(r.Context()))
		http.Error(w, "服务器内部错误 / internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w) // the client went away
}

// signedIn reads the session's user; without one it sends the browser to
// the sign-in page and answers false.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, v *view) bool {
	if sessionToken(r) != "" {
		a := s.api(r, call{method: "GET", path: "/me"})
		if a.ok() {
			var m me
			if err := a.decode(&m); err == nil {
				v.Me = &m
				return true
			}
		} else if a.status != http.StatusUnauthorized {
			s.failed(w, r, v, a)
			return false
		}
		s.clearSession(w, r)
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return false
}

// failed shows an API answer that is no success as a page.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, v *view, a *answer) {
	p := a.problem()
	status := a.status
	switch {
	case a.status == http.StatusUnauthorized:
		s.clearSession(w, r)
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case a.status == http.StatusNotFound:
		v.Error = v.T("not_found")
	case a.status == http.StatusForbidden:
		v.Error = v.T("forbidden")
	case a.status >= 500:
		v.Error = v.T("server_error")
	default:
		v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		for _, e := range p.Errors {
			v.Error += " " + v.Msg(e.Zh, e.Message)
		}
	}
	v.Title = v.Error
	s.render(w, r, status, "message", v)
}
