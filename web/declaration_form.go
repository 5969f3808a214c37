package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A declaration's form is saved one section at a time as a draft (PUT
// /api/v1/declarations/{id}/sections/{section}); each section is a tab.
// Inputs are named section.field, the API's field paths.

// sectionField is one input of a section: its field name, label (message
// key), kind, and for a select its options (value, message key pairs).
type sectionField struct {
	Name, Label, Kind string
	Options           []string
}

type section struct {
	Key, Label string
	Fields     []sectionField
}

// declarationSections are the tabs the pages edit; the other sections
// (hosting, budget, statements, content, people, agenda, contacts) are
// saved through the API for now.
var declarationSections = []section{
	{"applicant", "sec_applicant", []sectionField{
		{"name", "name", "text", nil}, {"staffNo", "staff_no", "text", nil}, {"title", "f_title", "text", nil},
		{"unit", "f_unit", "text", nil}, {"department", "f_department", "text", nil}, {"mobile", "mobile", "tel", nil},
		{"email", "email", "email", nil},
	}},
	{"basic", "sec_basic", []sectionField{
		{"nameZh", "f_nameZh", "text", nil}, {"nameEn", "f_nameEn", "text", nil},
		{"startDate", "f_startDate", "date", nil}, {"endDate", "f_endDate", "date", nil}, {"commitmentDate", "f_commitmentDate", "date", nil},
		{"location", "f_location", "select", []string{"local", "loc_local", "other_city", "loc_other_city"}},
		{"province", "f_province", "text", nil}, {"address", "f_address", "text", nil},
		{"type", "f_type", "select", []string{"natural_science", "type_natural_science", "social_science", "type_social_science"}},
		{"scale", "f_scale", "select", []string{"small", "scale_small", "general", "scale_general", "major", "scale_major"}},
	}},
	{"attendance", "sec_attendance", []sectionField{
		{"foreign", "f_att_foreign", "number", nil}, {"mainland", "f_att_mainland", "number", nil}, {"hkMacaoTaiwan", "f_att_hmt", "number", nil},
	}},
}

func sectionOf(key string) (section, bool) {
	for _, s := range declarationSections {
		if s.Key == key {
			return s, true
		}
	}
	return section{}, false
}

// draftView is the declaration's tabbed form.
type draftView struct {
	ID      string
	Name    string
	Status  string
	Version int64
	Tabs    []option // href, label
	Current string
	Fields  []field
	Idem    string
}

// draftStatuses are those in which the applicant edits the form.
var draftStatuses = []string{"draft", "unit_rejected", "school_rejected", "authority_rejected"}

func (s *Server) declarationEdit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "declaration_form")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("saved") != "" {
		v.Flash = v.T("draft_saved")
	}
	s.showDraft(w, r, v, http.StatusOK, r.URL.Query().Get("tab"), true)
}

// showDraft renders the tab; fill takes the inputs from the record (not
// from a form sent back with errors).
func (s *Server) showDraft(w http.ResponseWriter, r *http.Request, v *view, status int, tab string, fill bool) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	sec, ok := sectionOf(tab)
	if !ok {
		sec = declarationSections[0]
	}
	a := s.api(r, call{method: "GET", path: "/declarations/" + id})
	var rec struct {
		Version int64          `json:"version"`
		Status  string         `json:"status"`
		Form    map[string]any `json:"form"`
	}
	if !a.ok() || a.decode(&rec) != nil {
		s.failed(w, r, v, a)
		return
	}
	if fill {
		formFromDetails(v, map[string]any{sec.Key: rec.Form[sec.Key]})
	}
	dv := draftView{ID: id, Name: str(rec.Form, "basic", "nameZh"), Status: declarationKind.status(v, rec.Status), Version: rec.Version,
		Current: sec.Key, Idem: randomToken(18)}
	for _, t := range declarationSections {
		dv.Tabs = append(dv.Tabs, option{Value: t.Key, Label: v.T(t.Label)})
	}
	for _, f := range sec.Fields {
		path := sec.Key + "." + f.Name
		var fl field
		if f.Kind == "select" {
			fl = v.Select(path, f.Label, f.Options...)
		} else {
			fl = v.Field(path, f.Label, f.Kind)
		}
		dv.Fields = append(dv.Fields, fl)
	}
	if dv.Name != "" {
		v.Title = dv.Name + " · " + v.T(sec.Label)
	}
	v.Data = dv
	s.render(w, r, status, "declaration_form", v)
}

// declarationSave saves the tab's section as a draft.
func (s *Server) declarationSave(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "declaration_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	sec, known := sectionOf(r.PostFormValue("tab"))
	if !ok || !known {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body := map[string]any{}
	for _, f := range sec.Fields {
		path := sec.Key + "." + f.Name
		val := strings.TrimSpace(r.PostFormValue(path))
		v.Form[path] = val
		switch {
		case val == "":
		case f.Kind == "number":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				v.addLocal(path, v.T("integer"))
				continue
			}
			body[f.Name] = n
		case f.Kind == "date":
			if _, err := time.Parse(time.DateOnly, val); err != nil {
				v.addLocal(path, v.Msg("请输入日期，例如 2027-05-10", "Enter a date, e.g. 2027-05-10"))
				continue
			}
			body[f.Name] = val
		default:
			body[f.Name] = val
		}
	}
	if len(v.Problems) > 0 {
		s.showDraft(w, r, v, http.StatusUnprocessableEntity, sec.Key, false)
		return
	}
	a := s.api(r, call{method: "PUT", path: "/declarations/" + id + "/sections/" + sec.Key, body: body,
		header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/declarations/"+id+"/edit?tab="+sec.Key+"&saved=1", http.StatusSeeOther)
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		v.Error = v.T("stale")
		s.showDraft(w, r, v, http.StatusConflict, sec.Key, true)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest:
		p := a.problem()
		for i, e := range p.Errors {
			if !strings.HasPrefix(e.Path, sec.Key+".") {
				p.Errors[i].Path = sec.Key + "." + strings.TrimPrefix(e.Path, "body:")
			}
		}
		v.addProblems(p)
		s.showDraft(w, r, v, a.status, sec.Key, false)
	default:
		s.failed(w, r, v, a)
	}
}

// declarationSubmit submits the declaration with the commitment letter
// acknowledged; every rule still unmet comes back at once.
func (s *Server) declarationSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "declaration_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/declarations/" + id + "/submit", body: map[string]bool{"commitmentAcknowledged": r.PostFormValue("commitment") == "on"},
		header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/declarations/"+id+"?done=submitted&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		v.Error = v.T("stale")
		s.showDraft(w, r, v, http.StatusConflict, r.PostFormValue("tab"), true)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest:
		p := a.problem()
		for i, e := range p.Errors {
			if e.Path == "commitmentAcknowledged" {
				p.Errors[i].Path = "commitment"
			}
		}
		v.addProblems(p)
		s.showDraft(w, r, v, a.status, r.PostFormValue("tab"), true)
	default:
		s.failed(w, r, v, a)
	}
}

// forecastDeclare starts the declaration of an approved forecast (the
// notice acknowledged, R-DECL-02) and opens its form.
func (s *Server) forecastDeclare(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "record")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/declarations", body: map[string]any{"forecastId": id, "noticeAcknowledged": r.PostFormValue("notice") == "on"},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest {
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = "notice"
		}
		v.addProblems(p)
		s.showRecord(w, r, forecastKind, v, a.status, "")
		return
	}
	var res struct {
		ID string `json:"id"`
	}
	if !a.ok() || a.decode(&res) != nil {
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/declarations/"+res.ID+"/edit?tab=basic", http.StatusSeeOther)
}

// addLocal reports a value the page could not even send.
func (v *view) addLocal(path, msg string) {
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	v.Errors[path] = msg
	v.Problems = append(v.Problems, fieldProblem{Path: path, ID: fieldID(path), Label: v.label(path), Message: msg})
}

// mayEdit says whether the applicant edits the declaration in status st.
func mayEdit(role, st string) bool { return role == "applicant" && slices.Contains(draftStatuses, st) }
