package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// A declaration's form is saved one section at a time as a draft (PUT
// /api/v1/declarations/{id}/sections/{section}); each section is a tab.
// Inputs are named section.field, the API's field paths.

// draftView is the declaration's tabbed form.
type draftView struct {
	ID      string
	Name    string
	Status  string
	Version int64
	Tabs    []option // href, label
	Current string
	Fields  []field
	Lists   []formList
	// Import: the tab also takes a spreadsheet (the key people).
	Import bool
	Idem   string
	// Lead: the due dates the form's values give (submit by, file by).
	Lead lead
}

// lead is a declaration's lead times (GET /api/v1/declarations/{id}).
type lead struct {
	Category  string `json:"category"`
	SubmitBy  string `json:"submitBy"`
	Filing    string `json:"filing"`
	FileBy    string `json:"fileBy"`
	NGOFileBy string `json:"ngoFileBy"`
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
		Lead    lead           `json:"lead"`
	}
	if !a.ok() || a.decode(&rec) != nil {
		s.failed(w, r, v, a)
		return
	}
	if fill {
		formFromDetails(v, map[string]any{sec.Key: rec.Form[sec.Key]})
		for _, f := range sec.Fields {
			if f.Kind == "lines" {
				path := sec.Key + "." + f.Name
				var lines []string
				for i := 0; v.Form[fmt.Sprintf("%s[%d]", path, i)] != ""; i++ {
					lines = append(lines, v.Form[fmt.Sprintf("%s[%d]", path, i)])
				}
				v.Form[path] = strings.Join(lines, "\n")
			}
		}
	}
	dv := draftView{ID: id, Name: str(rec.Form, "basic", "nameZh"), Status: declarationKind.status(v, rec.Status), Version: rec.Version,
		Current: sec.Key, Idem: randomToken(18), Import: sec.Import, Lead: rec.Lead}
	for _, t := range declarationSections {
		dv.Tabs = append(dv.Tabs, option{Value: t.Key, Label: v.T(t.Label)})
	}
	dv.Fields, dv.Lists = v.sectionForm(sec)
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
	body, rows := s.sectionBody(r, v, sec)
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
			p.Errors[i].Path = apiPathToForm(sec, e.Path, rows)
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

// maxUpload bounds a form with files: the largest upload kind (the
// proceedings, 50 MiB) and the rest of the form.
const maxUpload = 52 << 20

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

// declarationPeople imports the key people from a filled spreadsheet
// (the API's template): every row, or on any bad cell nothing, each bad
// cell listed next to the file input by its column and row (R-DECL-13).
func (s *Server) declarationPeople(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "declaration_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	const path = "people.sheet"
	var data []byte
	if f, fh, err := r.FormFile(path); err == nil {
		data, err = io.ReadAll(f)
		f.Close()
		if err != nil || fh.Size == 0 {
			data = nil
		}
	}
	if data == nil {
		v.addLocal(path, v.T("choose_file"))
		s.showDraft(w, r, v, http.StatusUnprocessableEntity, "people", true)
		return
	}
	a := s.api(r, call{method: "POST", path: "/declarations/" + id + "/people.xlsx", raw: data,
		rawType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		header:  map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/declarations/"+id+"/edit?tab=people&saved=1", http.StatusSeeOther)
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		v.Error = v.T("stale")
		s.showDraft(w, r, v, http.StatusConflict, "people", true)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest || a.status == http.StatusRequestEntityTooLarge:
		p := a.problem()
		for i, e := range p.Errors {
			if cell, ok := strings.CutPrefix(e.Path, "sheet:"); ok {
				p.Errors[i].Message = v.Tf("cell", cell) + " " + e.Message
				p.Errors[i].Zh = v.Tf("cell", cell) + " " + e.Zh
				p.Errors[i].Path = path
			} else {
				// A row the sheet gave that the section refused:
				// people.chairs[0].name names its group and row.
				p.Errors[i].Message = v.label(e.Path) + ": " + e.Message
				p.Errors[i].Zh = v.label(e.Path) + "：" + e.Zh
				p.Errors[i].Path = path
			}
		}
		if len(p.Errors) == 0 {
			p.Errors = []fieldError{{Path: path, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
		}
		v.addProblems(p)
		s.showDraft(w, r, v, a.status, "people", true)
	default:
		s.failed(w, r, v, a)
	}
}

// peopleTemplate hands the API's key-people spreadsheet template over.
func (s *Server) peopleTemplate(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "declaration_form")
	if !s.signedIn(w, r, v) {
		return
	}
	a := s.api(r, call{method: "GET", path: "/declarations/people-template.xlsx"})
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition"} {
		w.Header().Set(h, a.header.Get(h))
	}
	_, _ = a.body.WriteTo(w) // the client went away
}
