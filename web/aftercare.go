package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// A conference's aftercare pages: the change request (变更) the applicant
// asks for and the school decides, and the summary (会议总结) the
// applicant writes after the conference and the school accepts or
// returns. Their forms are sections like the declaration's tabs.

// changeSection is the change request's form: a description and the
// values to change (left empty: unchanged).
var changeSection = section{Key: "change", Label: "change_request", Fields: []sectionField{
	kind("description", "change_description", "textarea"),
	txt("changes.nameZh", "f_nameZh"), txt("changes.nameEn", "f_nameEn"), txt("changes.theme", "f_theme"),
	sel("changes.type", "f_type", "natural_science", "type_natural_science", "social_science", "type_social_science"),
	kind("changes.dates.start", "f_startDate", "date"), kind("changes.dates.end", "f_endDate", "date"),
	sel("changes.place.location", "f_location", "local", "loc_local", "other_city", "loc_other_city"),
	txt("changes.place.province", "f_province"), txt("changes.place.address", "f_address"),
	upload("attachment", "change_attachment", "change_material"),
}}

// summarySection is the summary's form (R-SUM-03).
var summarySection = section{Key: "summary", Label: "summary", Fields: []sectionField{
	kind("academic", "sum_academic", "textarea"), kind("papersDomestic", "sum_papers_domestic", "number"),
	kind("papersForeign", "sum_papers_foreign", "number"), kind("proceedings", "sum_proceedings", "textarea"),
	upload("proceedingsFile", "sum_proceedings_file", "proceedings"),
	kind("domesticNote", "sum_domestic_note", "textarea"), kind("foreignNote", "sum_foreign_note", "textarea"),
}, Lists: []sectionList{
	{"attendance", "sum_attendance", []sectionField{
		sel("region", "sum_region", "mainland", "region_mainland", "hong_kong", "region_hong_kong", "macao", "region_macao", "taiwan", "region_taiwan", "foreign", "region_foreign"),
		txt("country", "sum_country"), kind("count", "count", "number"),
	}},
	{"photos", "sum_photos", []sectionField{upload("file", "sum_photo", "summary_photo"), txt("caption", "sum_caption")}},
	{"domestic", "sum_domestic", []sectionField{txt("name", "name"), txt("country", "sum_country"), txt("institution", "f_institution"), txt("title", "f_person_title")}},
	{"foreign", "sum_foreign", []sectionField{txt("name", "name"), txt("country", "sum_country"), txt("institution", "f_institution"), txt("title", "f_person_title")}},
}}

// aftercareView is the change request's or the summary's page.
type aftercareView struct {
	ID, Name  string
	Kind      string // change or summary
	Exists    bool
	Status    string
	StatusKey string
	Version   int64
	Idem      string
	Facts     []fact
	// Diff: a change request's values before and after.
	Diff   []changeRow
	Fields []field
	Lists  []formList
	// Edit: the applicant may fill in the form; Decide: the school may
	// decide; Submit: the applicant may hand the summary in.
	Edit, Decide, Submit bool
	Log                  []logEntry
}

type changeRow struct{ Label, Old, New string }

func (s *Server) changePage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "change_request")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showChange(w, r, v, http.StatusOK, true)
}

// showChange renders the change request page; fill: the form is empty
// (not one sent back with errors).
func (s *Server) showChange(w http.ResponseWriter, r *http.Request, v *view, status int, fill bool) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	d := s.api(r, call{method: "GET", path: "/declarations/" + id})
	var rec struct {
		Status string         `json:"status"`
		Form   map[string]any `json:"form"`
	}
	if !d.ok() || d.decode(&rec) != nil {
		s.failed(w, r, v, d)
		return
	}
	av := aftercareView{ID: id, Kind: "change", Name: str(rec.Form, "basic", "nameZh"), Idem: randomToken(18)}
	a := s.api(r, call{method: "GET", path: "/declarations/" + id + "/change-request", header: minPosition(r)})
	var cr struct {
		Status      string         `json:"status"`
		Description string         `json:"description"`
		RequestBy   string         `json:"requestBy"`
		Comment     string         `json:"comment"`
		Reason      string         `json:"reason"`
		Old         map[string]any `json:"old"`
		New         map[string]any `json:"new"`
		Changed     []string       `json:"changed"`
	}
	switch {
	case a.ok():
		if a.decode(&cr) != nil {
			s.failed(w, r, v, a)
			return
		}
		av.Exists, av.Status, av.StatusKey = true, v.code("chg_", cr.Status), cr.Status
		av.Facts = []fact{{v.T("change_description"), cr.Description, ""}, {v.T("change_request_by"), cr.RequestBy, ""}}
		if cr.Comment != "" {
			av.Facts = append(av.Facts, fact{v.T("log_comment"), cr.Comment, ""})
		}
		if cr.Reason != "" {
			av.Facts = append(av.Facts, fact{v.T("reason"), cr.Reason, ""})
		}
		av.Diff = changeDiff(v, cr.Old, cr.New)
	case a.status == http.StatusNotFound:
	default:
		s.failed(w, r, v, a)
		return
	}
	if av.Exists {
		st := s.api(r, call{method: "GET", path: "/declarations/" + id + "/change-request/status", header: minPosition(r)})
		var rs struct {
			Version int64 `json:"version"`
		}
		if st.ok() && st.decode(&rs) == nil {
			av.Version = rs.Version
		}
		av.Log = s.aftercareLog(r, v, "/declarations/"+id+"/change-request/log", "chg_")
	}
	av.Decide = v.Me.Role == "school_admin" && cr.Status == "requested"
	av.Edit = v.Me.Role == "applicant" && rec.Status == "authority_approved" && cr.Status != "requested"
	if av.Edit {
		av.Fields, _ = v.sectionForm(changeSection)
	}
	v.Data = av
	if av.Name != "" {
		v.Title = av.Name + " · " + v.T("change_request")
	}
	s.render(w, r, status, "aftercare", v)
}

// changeDiff lists the values a change request changes, before and after.
func changeDiff(v *view, old, new map[string]any) []changeRow {
	o, n := flatten(old), flatten(new)
	keys := map[string]bool{}
	for k := range o {
		keys[k] = true
	}
	for k := range n {
		keys[k] = true
	}
	var rows []changeRow
	for k := range keys {
		if o[k] != n[k] {
			rows = append(rows, changeRow{Label: v.label("change.changes." + k), Old: o[k], New: n[k]})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Label < rows[j].Label })
	return rows
}

func flatten(m map[string]any) map[string]string {
	v := &view{Form: map[string]string{}}
	formFromDetails(v, m)
	return v.Form
}

func (s *Server) aftercareLog(r *http.Request, v *view, path, prefix string) []logEntry {
	la := s.api(r, call{method: "GET", path: path, header: minPosition(r)})
	var log struct {
		Entries []logEntry `json:"entries"`
	}
	if !la.ok() || la.decode(&log) != nil {
		return nil
	}
	for i := range log.Entries {
		e := &log.Entries[i]
		if e.StatusBefore != "" {
			e.Before = v.code(prefix, e.StatusBefore)
		}
		e.After = v.code(prefix, e.StatusAfter)
	}
	return log.Entries
}

// changeRequest asks for the change: every error at once, next to its
// input.
func (s *Server) changeRequest(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "change_request")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body, rows := s.sectionBody(r, v, changeSection)
	if len(v.Problems) > 0 {
		s.showChange(w, r, v, http.StatusUnprocessableEntity, false)
		return
	}
	if _, ok := body.(map[string]any)["changes"]; !ok {
		body.(map[string]any)["changes"] = map[string]any{}
	}
	hdr := map[string]string{"Idempotency-Key": idemKey(r)}
	if ver := r.PostFormValue("version"); ver != "" && ver != "0" {
		hdr["If-Match"] = `"` + ver + `"`
	}
	a := s.api(r, call{method: "POST", path: "/declarations/" + id + "/change-request", body: body, header: hdr})
	s.afterAftercare(w, r, v, a, changeSection, rows, "/declarations/"+id+"/change", func(st int) { s.showChange(w, r, v, st, false) })
}

// afterAftercare goes back to the page on success, or shows the form
// again with every error next to its input.
func (s *Server) afterAftercare(w http.ResponseWriter, r *http.Request, v *view, a *answer, sec section, rows map[string][]int, back string, show func(int)) {
	switch {
	case a.ok():
		http.Redirect(w, r, back+"?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		p := a.problem()
		if len(p.Errors) == 0 && p.Rule == "" {
			v.Error = v.T("stale")
		} else {
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
			if p.Rule != "" {
				v.Error += " (" + p.Rule + ")"
			}
		}
		show(a.status)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest:
		p := a.problem()
		for i, e := range p.Errors {
			p.Errors[i].Path = apiPathToForm(sec, e.Path, rows)
		}
		v.addProblems(p)
		if len(p.Errors) > 0 && p.Rule != "" {
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		}
		show(a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// aftercareDecide is the school's decision on a change request (approve,
// reject) or a summary (accept, return), pinned to the version shown.
func (s *Server) aftercareDecide(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "change_request")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		action := r.PostFormValue("action")
		allowed := map[string][]string{"change": {"approve", "reject"}, "summary": {"accept", "return"}}[kind]
		if !ok || !slices.Contains(allowed, action) {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		comment := strings.TrimSpace(r.PostFormValue("comment"))
		body := map[string]string{"comment": comment}
		if action == "reject" || action == "return" {
			body = map[string]string{"reason": comment}
		}
		api := map[string]string{"change": "/change-request/", "summary": "/summary/"}[kind]
		a := s.api(r, call{method: "POST", path: "/declarations/" + id + api + action, body: body,
			header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
		show := func(st int) { s.showChange(w, r, v, st, true) }
		if kind == "summary" {
			show = func(st int) { s.showSummary(w, r, v, st, true) }
		}
		if a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest {
			p := a.problem()
			for i := range p.Errors {
				p.Errors[i].Path = "comment"
			}
			v.addProblems(p)
			v.Form["comment"] = comment
			show(a.status)
			return
		}
		s.afterAftercare(w, r, v, a, section{}, nil, "/declarations/"+id+"/"+kind, show)
	}
}

func (s *Server) summaryPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "summary")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showSummary(w, r, v, http.StatusOK, true)
}

func (s *Server) showSummary(w http.ResponseWriter, r *http.Request, v *view, status int, fill bool) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/declarations/" + id + "/summary"})
	var sv struct {
		Version  int64          `json:"version"`
		NameZh   string         `json:"nameZh"`
		EndDate  string         `json:"endDate"`
		Status   string         `json:"status"`
		DueDate  string         `json:"dueDate"`
		Overdue  bool           `json:"overdue"`
		OpensOn  string         `json:"opensOn"`
		Content  map[string]any `json:"content"`
		Returned *struct {
			Reason string `json:"reason"`
		} `json:"returned"`
	}
	if !a.ok() || a.decode(&sv) != nil {
		s.failed(w, r, v, a)
		return
	}
	av := aftercareView{ID: id, Kind: "summary", Name: sv.NameZh, Exists: sv.Status != "", Status: v.code("sum_", sv.Status), StatusKey: sv.Status,
		Version: sv.Version, Idem: randomToken(18)}
	if sv.Status == "" {
		av.Status = v.T("sum_not_open")
	}
	due := sv.DueDate
	if sv.Overdue {
		due += " · " + v.T("overdue")
	}
	av.Facts = []fact{{v.T("f_endDate"), sv.EndDate, ""}, {v.T("sum_opens_on"), sv.OpensOn, ""}, {v.T("due"), due, ""}}
	if sv.Returned != nil {
		av.Facts = append(av.Facts, fact{v.T("reason"), sv.Returned.Reason, ""})
	}
	today := s.Now().In(shanghai).Format("2006-01-02")
	av.Edit = v.Me.Role == "applicant" && (sv.Status == "draft" || sv.Status == "returned" || sv.Status == "" && sv.OpensOn != "" && today >= sv.OpensOn)
	av.Submit = av.Edit && sv.Status != ""
	av.Decide = v.Me.Role == "school_admin" && sv.Status == "submitted"
	if fill {
		formFromDetails(v, map[string]any{"summary": sv.Content})
	}
	if av.Edit || av.Exists {
		av.Fields, av.Lists = v.sectionForm(summarySection)
	}
	if av.Exists {
		av.Log = s.aftercareLog(r, v, "/declarations/"+id+"/summary/log", "sum_")
	}
	v.Data = av
	if av.Name != "" {
		v.Title = av.Name + " · " + v.T("summary")
	}
	s.render(w, r, status, "aftercare", v)
}

// summarySave saves the summary as a draft (the first save opens it).
func (s *Server) summarySave(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "summary")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body, rows := s.sectionBody(r, v, summarySection)
	if len(v.Problems) > 0 {
		s.showSummary(w, r, v, http.StatusUnprocessableEntity, false)
		return
	}
	hdr := map[string]string{"Idempotency-Key": idemKey(r)}
	if ver := r.PostFormValue("version"); ver != "" && ver != "0" {
		hdr["If-Match"] = `"` + ver + `"`
	}
	a := s.api(r, call{method: "PUT", path: "/declarations/" + id + "/summary", body: body, header: hdr})
	s.afterAftercare(w, r, v, a, summarySection, rows, "/declarations/"+id+"/summary", func(st int) { s.showSummary(w, r, v, st, false) })
}

// summarySubmit hands the summary in: every unmet rule at once.
func (s *Server) summarySubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "summary")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/declarations/" + id + "/summary/submit",
		header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
	s.afterAftercare(w, r, v, a, summarySection, nil, "/declarations/"+id+"/summary", func(st int) { s.showSummary(w, r, v, st, true) })
}

// profilePage: the user's own profile (个人信息). The API keeps no read
// of it beyond the name, so the form is the whole profile, sent as one.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "profile")
	if !s.signedIn(w, r, v) {
		return
	}
	// The form starts from the profile as it stands (saving replaces it).
	a := s.api(r, call{method: "GET", path: "/users/" + v.Me.ID + "/profile"})
	var p map[string]any
	if !a.ok() || a.decode(&p) != nil {
		s.failed(w, r, v, a)
		return
	}
	for _, k := range []string{"name", "mobile", "officePhone", "title", "remarks"} {
		v.Form[k] = str(p, k)
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	v.Data = randomToken(18)
	s.render(w, r, http.StatusOK, "profile", v)
}

func (s *Server) profileSave(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "profile")
	if !s.signedIn(w, r, v) {
		return
	}
	body := map[string]string{}
	for _, k := range []string{"name", "mobile", "officePhone", "title", "remarks"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
		if v.Form[k] != "" || k == "name" {
			body[k] = v.Form[k]
		}
	}
	a := s.api(r, call{method: "PUT", path: "/users/" + v.Me.ID + "/profile", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/profile?done=1", http.StatusSeeOther)
		return
	}
	if a.status != http.StatusBadRequest && a.status != http.StatusUnprocessableEntity {
		s.failed(w, r, v, a)
		return
	}
	v.addProblems(a.problem())
	v.Data = randomToken(18) // the refused request used the form's key
	s.render(w, r, a.status, "profile", v)
}

// withdraw takes the applicant's record back (with an optional reason),
// pinned to the version shown.
func (s *Server) withdraw(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "record")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		if !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		a := s.api(r, call{method: "POST", path: "/" + k.Seg + "/" + id + "/withdraw", body: map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))},
			header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
		switch {
		case a.ok():
			http.Redirect(w, r, "/"+k.Seg+"/"+id+"?done=withdrawn&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
			v.Error = v.T("stale")
			s.showRecord(w, r, k, v, http.StatusConflict, "")
		case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest:
			p := a.problem()
			for i := range p.Errors {
				p.Errors[i].Path = "reason"
			}
			v.addProblems(p)
			s.showRecord(w, r, k, v, a.status, "")
		default:
			s.failed(w, r, v, a)
		}
	}
}
