package web

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// Important-conference nominations (重要学术会议, seed 003): a science
// association's staff open a cycle and issue the recommending units'
// invitation codes; a unit's contact opens its nomination file for the
// cycle, imports its annual plan, puts conferences on its list within
// the quotas, and hands the list in. The pages call /api/v1/nomination…
// as curl does.

var nominationKind = &recordKind{
	Seg: "nominations", Log: "nomination", ListTitle: "nominations", Prefix: "nstatus_",
	Statuses:   []string{"drafting", "submitted", "returned"},
	QuietInbox: true,
}

func nominationRoutes(s *Server, r chi.Router) {
	r.Get("/nominations", s.nominationsHome)
	r.Post("/nominations/cycles", s.nominationCycleCreate)
	r.Get("/nominations/cycles/{id}", s.nominationCycle)
	r.Post("/nominations/cycles/{id}/open", s.nominationOpen)
	r.Get("/nominations/codes", s.nominationCodes)
	r.Post("/nominations/codes", s.nominationCodesImport)
	r.Get("/nominations/codes/template.xlsx", s.apiFile("/nomination-codes/template.xlsx"))
	r.Post("/nominations/codes/{id}/revoke", s.nominationCodeRevoke)
	r.Post("/nominations/codes/{id}/reissue", s.nominationCodeReissue)
	r.Get("/nominations/plan-template.xlsx", s.apiFile("/nominations/plan-template.xlsx"))
	r.Get("/nominations/{id}", s.nominationFile)
	r.Post("/nominations/{id}/plan", s.nominationPlanImport)
	r.Post("/nominations/{id}/forms/{form}", s.nominationForm)
	r.Post("/nominations/cycles/{id}/forms/{form}", s.nominationForm)
	r.Get("/nominations/cycles/{id}/guide", s.nominationGuide)
	r.Get("/guides/{id}", s.publicGuide)
	r.Get("/nominations/export", s.apiFileAt(func(r *http.Request) string {
		q := url.Values{}
		for _, k := range []string{"cycleId", "status", "kind", "q", "sort", "order", "format"} {
			if x := r.URL.Query().Get(k); x != "" {
				q.Set(k, x)
			}
		}
		return "/nominations/export?" + q.Encode()
	}))
	for _, doc := range []string{"guide.pdf", "guide.xlsx", "guide/{rec}/certificate.pdf"} {
		r.Get("/nominations/cycles/{id}/"+doc, s.apiFileAt(func(r *http.Request) string {
			return strings.NewReplacer("{id}", chi.URLParam(r, "id"), "{rec}", chi.URLParam(r, "rec")).Replace("/nomination-cycles/{id}/" + doc)
		}))
	}
	r.Get("/nominations/{id}/experts/{expert}", s.nominationExpert)
	r.Post("/nominations/{id}/submit", s.nominationSubmit)
	for _, doc := range []string{"committee-form.pdf", "list.pdf", "experts/{expert}/nomination-form.pdf"} {
		r.Get("/nominations/{id}/"+doc, s.apiFileAt(func(r *http.Request) string {
			return strings.NewReplacer("{id}", chi.URLParam(r, "id"), "{expert}", chi.URLParam(r, "expert")).Replace("/nominations/{id}/" + doc)
		}))
	}
	// A unit's signed scans, read through its file (as the organiser may).
	r.Get("/nominations/{id}/scans/{file}", s.apiFileAt(func(r *http.Request) string {
		return "/files/" + chi.URLParam(r, "file") + "?nomination=" + chi.URLParam(r, "id")
	}))
	// A conference's resource uploads (expert summaries, proceedings),
	// read through the guide that lists them: by the host and the
	// organiser's staff.
	r.Get("/nominations/cycles/{id}/resources/{file}", s.apiFileAt(func(r *http.Request) string {
		return "/files/" + chi.URLParam(r, "file") + "?guide=" + chi.URLParam(r, "id")
	}))
	r.Get("/nominations/cycles/{id}/nomination-form.pdf", s.apiFileAt(func(r *http.Request) string {
		return "/nomination-cycles/" + chi.URLParam(r, "id") + "/nomination-form.pdf"
	}))
}

// apiFile hands a file the API serves (a spreadsheet template) over.
func (s *Server) apiFile(path string) http.HandlerFunc {
	return s.apiFileAt(func(*http.Request) string { return path })
}

// apiFileAt hands over the file the API serves at the request's path (a
// document of a record: its path parameters are checked as ids).
func (s *Server) apiFileAt(at func(r *http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path := at(r)
		v := s.newView(r, "nominations")
		if !s.signedIn(w, r, v) {
			return
		}
		for _, p := range []string{"id", "expert", "file", "rec"} {
			if x := chi.URLParam(r, p); x != "" {
				if _, err := uuid.Parse(x); err != nil {
					s.failed(w, r, v, &answer{status: http.StatusNotFound})
					return
				}
			}
		}
		a := s.api(r, call{method: "GET", path: path})
		if !a.ok() {
			s.failed(w, r, v, a)
			return
		}
		for _, h := range []string{"Content-Type", "Content-Disposition"} {
			w.Header().Set(h, a.header.Get(h))
		}
		_, _ = a.body.WriteTo(w) // the client went away
	}
}

// staff: an association's staff (the authority's part).
func staff(v *view) bool { return v.Me.Role == "authority_reviewer" }

// nominationsHome: the staff open a cycle here and reach the codes; a
// cycle's page is where its units open their files.
func (s *Server) nominationsHome(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nominations")
	if !s.signedIn(w, r, v) {
		return
	}
	if c := strings.TrimSpace(r.URL.Query().Get("cycle")); c != "" {
		if _, err := uuid.Parse(c); err == nil {
			http.Redirect(w, r, "/nominations/cycles/"+c, http.StatusSeeOther)
			return
		}
		v.addLocal("cycle", v.T("nom_cycle_bad"))
		v.Form["cycle"] = c
		v.relabel(nominationLabel)
	}
	v.Data = map[string]any{"Staff": staff(v), "Idem": randomToken(18), "Cycles": s.nominationCycles(r)}
	s.render(w, r, http.StatusOK, "nominations", v)
}

// cycleFields are the cycle form's inputs: the API's field paths.
var cycleFields = []sectionField{
	kind("year", "nom_year", "number"), txt("title", "nom_title"), kind("deadline", "nom_deadline", "date"),
	kind("windowStart", "nom_window_start", "date"), kind("windowEnd", "nom_window_end", "date"),
	kind("mechanismCutoff", "nom_cutoff", "date"), kind("fields", "nom_fields", "lines"),
	kind("schedule.recognitionBy", "nom_recognition_by", "date"), kind("schedule.catalogueBy", "nom_catalogue_by", "date"),
	kind("schedule.listBy", "nom_list_by", "date"),
}

// CycleForm is the cycle form's inputs.
func (v *view) CycleForm() []field {
	var fs []field
	for _, f := range cycleFields {
		fs = append(fs, v.sectionInput(f.Name, f))
	}
	return fs
}

// nominationCycleCreate opens a cycle (the staff), every error next to its
// input.
func (s *Server) nominationCycleCreate(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nominations")
	if !s.signedIn(w, r, v) {
		return
	}
	spec := map[string]any{}
	for _, f := range cycleFields {
		if val, ok := s.sectionValue(r, v, f.Name, f); ok {
			setPath(spec, f.Name, val)
		}
	}
	show := func(code int) {
		v.relabel(nominationLabel)
		v.Data = map[string]any{"Staff": staff(v), "Idem": randomToken(18)}
		s.render(w, r, code, "nominations", v)
	}
	if len(v.Problems) > 0 {
		show(http.StatusUnprocessableEntity)
		return
	}
	a := s.api(r, call{method: "POST", path: "/nomination-cycles", body: spec, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/nominations/cycles/"+lastSegment(a.header.Get("Location")), http.StatusSeeOther)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
		p := a.problem()
		for i, e := range p.Errors {
			p.Errors[i].Path, _, _ = strings.Cut(strings.TrimPrefix(e.Path, "body:"), "[")
		}
		v.addProblems(p)
		show(a.status)
	default:
		s.failed(w, r, v, a)
	}
}

func lastSegment(loc string) string { return loc[strings.LastIndex(loc, "/")+1:] }

// nominationLabel names a nomination form's input by its path.
func nominationLabel(v *view, path string) string {
	for _, f := range cycleFields {
		if f.Name == path {
			return v.T(f.Label)
		}
	}
	if l := nomFormLabel(v, path); l != "" {
		return l
	}
	switch path {
	case "cycle":
		return v.T("cycle")
	case "plan.sheet":
		return v.T("nom_plan_sheet")
	case "codes.sheet":
		return v.T("nom_codes_sheet")
	case "recommendations":
		return v.T("nom_recs")
	}
	return ""
}

// nominationCycle shows a cycle's spec; a recommending unit's contact
// opens its file for it here.
func (s *Server) nominationCycle(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_cycle")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/nomination-cycles/" + id})
	var c struct {
		Edition int `json:"edition"`
		Spec    struct {
			Year            int      `json:"year"`
			Title           string   `json:"title"`
			Deadline        string   `json:"deadline"`
			WindowStart     string   `json:"windowStart"`
			WindowEnd       string   `json:"windowEnd"`
			MechanismCutoff string   `json:"mechanismCutoff"`
			Fields          []string `json:"fields"`
		} `json:"spec"`
	}
	if !a.ok() || a.decode(&c) != nil {
		s.failed(w, r, v, a)
		return
	}
	v.Title = c.Spec.Title
	g, _ := s.readGuide(r, id) // the staff's, or once published
	var files *nomFilesView
	if staff(v) {
		files = s.nominationFiles(r, v, id)
	}
	v.Data = map[string]any{"ID": id, "Cycle": c, "Unit": v.Me.Role == "unit_admin", "Staff": staff(v), "Idem": randomToken(18), "Guide": g, "Files": files}
	s.render(w, r, http.StatusOK, "nomination_cycle", v)
}

// nominationOpen opens (or finds) the unit's file for the cycle.
func (s *Server) nominationOpen(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_cycle")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/nominations", body: map[string]string{"cycleId": id}, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/nominations/"+lastSegment(a.header.Get("Location"))+"?pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
}

// codeEntry is one unit's invitation code.
type codeEntry struct {
	Unit     string `json:"unit"`
	Category string `json:"category"`
	Number   string `json:"number"`
	Name     string `json:"name"`
	Code     string `json:"code"`
	Status   string `json:"status"`
	Contact  string `json:"contact"`
}

// nominationCodes lists the recommending units and their codes (the
// staff), with the spreadsheet import.
func (s *Server) nominationCodes(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_codes")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showCodes(w, r, v, http.StatusOK)
}

func (s *Server) showCodes(w http.ResponseWriter, r *http.Request, v *view, status int) {
	a := s.api(r, call{method: "GET", path: "/nomination-codes"})
	var list struct {
		Items []codeEntry `json:"items"`
	}
	if !a.ok() || a.decode(&list) != nil {
		s.failed(w, r, v, a)
		return
	}
	v.Data = map[string]any{"Items": list.Items, "Idem": randomToken(18)}
	s.render(w, r, status, "nomination_codes", v)
}

// sheetUpload reads the spreadsheet a form sent at path; nil when none.
func sheetUpload(r *http.Request, path string) []byte {
	f, fh, err := r.FormFile(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil || fh.Size == 0 {
		return nil
	}
	return data
}

// sheetProblem names each bad cell (sheet:B3) or row (codes[1].code) of a
// refused spreadsheet next to its file input at path.
func (v *view) sheetProblem(p problem, path string) problem {
	for i, e := range p.Errors {
		where := strings.TrimPrefix(e.Path, "body:")
		if cell, ok := strings.CutPrefix(where, "sheet:"); ok {
			where = v.Tf("cell", cell)
		} else if m := listPath.FindStringSubmatch(where); m != nil {
			n, _ := strconv.Atoi(m[2])
			where = v.Tf("row_n", n+2) + " " + m[3]
		}
		if where != "" {
			p.Errors[i].Message = where + " " + e.Message
			p.Errors[i].Zh = where + " " + e.Zh
		}
		p.Errors[i].Path = path
	}
	if len(p.Errors) == 0 {
		p.Errors = []fieldError{{Path: path, Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
	}
	return p
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// nominationCodesImport issues the codes of a filled template: all rows
// or none, each bad cell named by column and row next to the file input
// (R-NOM-01).
func (s *Server) nominationCodesImport(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_codes")
	if !s.signedIn(w, r, v) {
		return
	}
	const path = "codes.sheet"
	data := sheetUpload(r, path)
	if data == nil {
		v.addLocal(path, v.T("choose_file"))
		s.showCodes(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	a := s.api(r, call{method: "POST", path: "/nomination-codes.xlsx", raw: data, rawType: xlsxType, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/nominations/codes?done=1", http.StatusSeeOther)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict || a.status == http.StatusRequestEntityTooLarge:
		v.addProblems(v.sheetProblem(a.problem(), path))
		v.relabel(nominationLabel)
		s.showCodes(w, r, v, a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// nominationCodeRevoke revokes a unit's code with a reason.
func (s *Server) nominationCodeRevoke(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_codes")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/nomination-codes/" + id + "/revoke", body: map[string]string{"reason": strings.TrimSpace(r.PostFormValue("reason"))},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/nominations/codes?done=1", http.StatusSeeOther)
}

// nominationCodeReissue gives a unit whose code was revoked a new one
// (R-NOM-01): the code typed, or one drawn when left blank; a refused
// code (malformed, issued before) is said next to the unit's input.
func (s *Server) nominationCodeReissue(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_codes")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	path := "reissue." + id
	body := map[string]string{}
	if code := strings.TrimSpace(r.PostFormValue("code")); code != "" {
		body["code"] = code
		v.Form[path] = code
	}
	a := s.api(r, call{method: "POST", path: "/nomination-codes/" + id + "/reissue", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/nominations/codes?done=1", http.StatusSeeOther)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = path
		}
		if len(p.Errors) == 0 {
			p.Errors = []fieldError{{Path: path, Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
		}
		v.addProblems(p)
		v.relabel(func(v *view, _ string) string { return v.T("nom_new_code") })
		s.showCodes(w, r, v, a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// nominationFileView is a unit's nomination file.
type nominationFileView struct {
	ID, Status, StatusLabel, UnitName, CycleID string
	Version                                    int64
	Quota                                      []nomQuotaLine
	File                                       *nomFile
	Notice                                     *nomNotice
	Forms                                      map[string]nomFormFields
	Objections                                 []option
	// Recognised: the staff's view of the guide, recommendation → its
	// English name; Undecided, the conferences still to decide.
	Recognised map[string]string
	// Declined: recommendation → the reason it was declined (未认定).
	Declined map[string]string
	// Decided: the results above are readable (the staff; the unit once
	// the guide is published).
	Decided        bool
	Undecided      []option
	Contact, Staff bool
	Idem           string
}

// nomQuotaLine is one line of the quota view (R-NOM-03): allowed and used.
type nomQuotaLine struct {
	Key       string `json:"key"`
	Allowed   int    `json:"allowed"`
	Used      int    `json:"used"`
	Unlimited bool   `json:"unlimited"`
}

// Over reports a line used beyond what it allows.
func (q nomQuotaLine) Over() bool { return !q.Unlimited && q.Used > q.Allowed }

// Full reports a line used up.
func (q nomQuotaLine) Full() bool { return !q.Unlimited && q.Used == q.Allowed }

// recommendationFields are the list's conference form: the API's paths.
var recommendationFields = []sectionField{
	txt("name", "nom_rec_name"), txt("host", "nom_rec_host"), kind("openingDate", "nom_rec_opening", "date"), txt("place", "nom_rec_place"),
	sel("field", "nom_rec_field"),
	sel("kind", "nom_rec_kind", "mechanism", "nkind_mechanism", "single", "nkind_single"),
	kind("reason", "nom_rec_reason", "textarea"),
	kind("own", "nom_rec_own", "checkbox"), kind("jointInternational", "nom_rec_joint", "checkbox"),
}

func init() {
	nomForms["rec"] = nomForm{Sec: section{Key: "rec", Label: "nom_add_rec", Fields: recommendationFields, Lists: []sectionList{{"editions", "nom_editions", []sectionField{
		kind("number", "nom_edition_number", "number"), kind("date", "nom_edition_date", "date"),
	}}}}, Method: "POST", Path: "/recommendations", Rows: 2}
}

func (s *Server) nominationFile(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_file")
	if !s.signedIn(w, r, v) {
		return
	}
	switch d := r.URL.Query().Get("done"); {
	case d == "submit":
		v.Flash = v.T("nom_submitted")
	case d != "":
		v.Flash = v.T("saved_ok")
	}
	s.showNomination(w, r, v, http.StatusOK)
}

func (s *Server) showNomination(w http.ResponseWriter, r *http.Request, v *view, status int) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	f, a := s.readNomination(r, id)
	if f == nil {
		s.failed(w, r, v, a)
		return
	}
	fv := nominationFileView{ID: id, Status: f.Status, StatusLabel: nominationKind.status(v, f.Status), UnitName: f.UnitName, CycleID: f.CycleID,
		Version: f.Version, Quota: f.Quota.Lines, File: f, Idem: randomToken(18),
		Contact: v.Me.Role == "unit_admin" && f.Status != "submitted", Staff: staff(v)}
	var n nomNotice
	if na := s.api(r, call{method: "GET", path: "/nominations/" + id + "/notice"}); na.ok() && na.decode(&n) == nil {
		fv.Notice = &n
	}
	for _, o := range n.Objections {
		if o.Outcome == "" {
			fv.Objections = append(fv.Objections, option{o.ID, o.RaisedOn + " · " + o.Objector})
		}
	}
	// The saved values, unless the page shows a posted form's.
	if f.Scheme != nil {
		fillForm(v, "scheme", f.Scheme)
	}
	fillForm(v, "committee.members", f.Committee)
	if o := f.Opinion; o != nil {
		fillForm(v, "opinion", map[string]any{"result": o.Result, "opinion": o.Opinion})
		if v.Form["opinion.scanFileId.id"] == "" && v.Errors["opinion.scanFileId"] == "" {
			v.Form["opinion.scanFileId.id"], v.Form["opinion.scanFileId.name"] = o.Scan, v.T("nom_scan_on_file")
			s.describeUpload(r, v, "opinion.scanFileId")
		}
	}
	if f.SignedList != "" && v.Form["signed.scanFileId.id"] == "" && v.Errors["signed.scanFileId"] == "" {
		v.Form["signed.scanFileId.id"], v.Form["signed.scanFileId.name"] = f.SignedList, v.T("nom_scan_on_file")
		s.describeUpload(r, v, "signed.scanFileId")
	}
	if n.Published {
		fillForm(v, "notice", map[string]any{"starts": n.Starts, "workingDays": float64(n.WorkingDays), "where": n.Where})
	} else if v.Form["notice.workingDays"] == "" {
		v.Form["notice.workingDays"] = "5"
	}
	// The recognition's results: the staff's as they decide, the unit's
	// once the guide is out (its own declines with their reasons).
	fv.Recognised, fv.Declined = map[string]string{}, map[string]string{}
	if g, _ := s.readGuide(r, f.CycleID); g != nil && (fv.Staff || g.Published) {
		fv.Decided = true
		for _, e := range g.Items {
			fv.Recognised[e.Recommendation] = e.NameEn
		}
		for _, d := range g.Declined {
			fv.Declined[d.Recommendation] = d.Reason
		}
	}
	if fv.Staff {
		for _, rec := range f.Recommendations {
			id, _ := rec["id"].(string)
			if _, declined := fv.Declined[id]; !declined && fv.Recognised[id] == "" && f.Status == "submitted" {
				name, _ := rec["name"].(string)
				fv.Undecided = append(fv.Undecided, option{id, name})
			}
		}
	}
	fv.Forms = v.nominationForms(append([]string{"rec", "recognise", "return"}, nomFormOrder...)...)
	// The cycle's fields are the choices of a conference's field.
	var c struct {
		Spec struct {
			Fields []string `json:"fields"`
		} `json:"spec"`
	}
	if ca := s.api(r, call{method: "GET", path: "/nomination-cycles/" + f.CycleID}); ca.ok() {
		_ = ca.decode(&c) // a cycle the page cannot read offers no fields
	}
	var opts []option
	for _, fd := range c.Spec.Fields {
		opts = append(opts, option{fd, fd})
	}
	for i, fl := range fv.Forms["rec"].Fields {
		if fl.Path == "rec.field" {
			fv.Forms["rec"].Fields[i] = v.Choose(fl.Path, "nom_rec_field", opts)
		}
	}
	v.Title = v.Tf("nom_file_title", f.UnitName)
	v.Data = fv
	s.render(w, r, status, "nomination_file", v)
}

// nominationPlanImport adds the annual plan from a filled template: all
// rows or none, each bad cell named next to the file input (R-NOM-05).
func (s *Server) nominationPlanImport(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_file")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	const path = "plan.sheet"
	data := sheetUpload(r, path)
	if data == nil {
		v.addLocal(path, v.T("choose_file"))
		s.showNomination(w, r, v, http.StatusUnprocessableEntity)
		return
	}
	a := s.api(r, call{method: "POST", path: "/nominations/" + id + "/plan.xlsx", raw: data, rawType: xlsxType, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/nominations/"+id+"?done=plan", http.StatusSeeOther)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict || a.status == http.StatusRequestEntityTooLarge:
		v.addProblems(v.sheetProblem(a.problem(), path))
		v.relabel(nominationLabel)
		s.showNomination(w, r, v, a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// nominationSubmit hands the list in: every unmet requirement at once,
// each in the summary as a labelled link to its section and next to its
// form there.
func (s *Server) nominationSubmit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_file")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "POST", path: "/nominations/" + id + "/submit", header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/nominations/"+id+"?done=submit", http.StatusSeeOther)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
		v.addProblems(submitProblems(a.problem()))
		v.relabel(nominationLabel)
		s.showNomination(w, r, v, a.status)
	default:
		s.failed(w, r, v, a)
	}
}

var _ = addMsgs(map[string][2]string{
	"nominations":         {"重要学术会议推荐", "Conference nominations"},
	"nom_cycle":           {"推荐周期", "Nomination cycle"},
	"nom_codes":           {"推荐单位邀请码", "Invitation codes"},
	"nom_file":            {"推荐材料", "Nomination file"},
	"nom_file_title":      {"%s · 推荐材料", "%s · nomination file"},
	"nom_cycle_bad":       {"请输入推荐周期编号（通知中的链接或编号）", "Enter the cycle's id (from the association's notice)"},
	"nom_open_cycle":      {"打开推荐周期", "Open a cycle"},
	"cycle":               {"推荐周期编号", "Cycle id"},
	"nom_new_cycle":       {"发布推荐周期", "Open a nomination cycle"},
	"nom_year":            {"年度", "Year"},
	"nom_title":           {"名称", "Title"},
	"nom_deadline":        {"推荐截止日期", "Deadline"},
	"nom_window_start":    {"会议举办时间起", "Conferences from"},
	"nom_window_end":      {"会议举办时间止", "Conferences until"},
	"nom_cutoff":          {"机制性会议届次截止日期", "Editions counted until"},
	"nom_fields":          {"学科领域", "Fields"},
	"nom_recognition_by":  {"认定截止日期", "Recognised by"},
	"nom_catalogue_by":    {"目录发布日期", "Catalogue by"},
	"nom_list_by":         {"名单公布日期", "List published by"},
	"nom_create":          {"发布", "Open the cycle"},
	"nom_codes_link":      {"推荐单位与邀请码", "Recommending units and codes"},
	"nom_codes_sheet":     {"填好的邀请码表（xlsx）", "Filled codes sheet (xlsx)"},
	"nom_codes_template":  {"下载邀请码表模板", "Download the codes template"},
	"nom_import":          {"导入", "Import"},
	"nom_category":        {"类别", "Category"},
	"nom_number":          {"序号", "Number"},
	"nom_unit":            {"单位名称", "Unit"},
	"nom_code":            {"邀请码", "Code"},
	"nom_code_status":     {"状态", "Status"},
	"ncode_issued":        {"未使用", "Issued"},
	"ncode_used":          {"已注册", "Used"},
	"ncode_revoked":       {"已作废", "Revoked"},
	"nom_revoke":          {"作废", "Revoke"},
	"nom_revoke_reason":   {"作废原因", "Reason to revoke"},
	"nom_code_action":     {"作废或重新发放", "Revoke or reissue"},
	"nom_new_code":        {"新邀请码", "New code"},
	"nom_new_code_hint":   {"留空则自动生成", "Blank: one is drawn"},
	"nom_reissue":         {"重新发放", "Reissue"},
	"nom_open_file":       {"填报本单位推荐材料", "Open my unit's nomination file"},
	"nom_window":          {"会议举办时间", "Conferences held"},
	"nom_form_pdf":        {"推荐表（PDF）", "Nomination form (PDF)"},
	"nom_quota":           {"推荐指标", "Quotas"},
	"nom_quota_line":      {"指标", "Line"},
	"nom_allowed":         {"可推荐", "Allowed"},
	"nom_used":            {"已推荐", "Used"},
	"nom_unlimited":       {"不限", "Unlimited"},
	"nquota_own":          {"本单位主办", "Own conferences"},
	"nquota_single":       {"单次会议", "Single conferences"},
	"nquota_others":       {"其他单位主办", "Others' conferences"},
	"nquota_joint":        {"与国际组织联合推荐", "Joint with international organisations"},
	"nquota_total":        {"合计", "In all"},
	"nom_over":            {"超出指标", "over the quota"},
	"nom_full":            {"指标已用完", "used up"},
	"nom_plan":            {"年度会议计划", "Annual plan"},
	"nom_plan_sheet":      {"填好的年度计划表（xlsx）", "Filled plan sheet (xlsx)"},
	"nom_plan_add":        {"逐条填报年度会议", "Enter a conference of the plan"},
	"nom_plan_add_button": {"加入年度计划", "Add to the plan"},
	"nom_plan_entry":      {"会议", "Conference"},
	"nom_plan_organiser":  {"承办单位（选填）", "Organiser (optional)"},
	"nom_rec_closing":     {"闭幕日期", "Closing date"},
	"nom_plan_or_import":  {"或导入年度计划表（整表导入，有误则全部不导入）", "Or import the plan sheet (all rows or none)"},
	"nom_plan_template":   {"下载年度计划表模板", "Download the plan template"},
	"nom_recs":            {"推荐会议清单", "The list"},
	"nom_add_rec":         {"加入推荐清单", "Put a conference on the list"},
	"nom_rec_name":        {"会议名称", "Conference"},
	"nom_rec_host":        {"主办单位", "Host"},
	"nom_rec_opening":     {"开幕日期", "Opening date"},
	"nom_rec_place":       {"地点", "Place"},
	"nom_rec_field":       {"学科领域", "Field"},
	"nom_rec_kind":        {"会议类型", "Kind"},
	"nkind_mechanism":     {"机制性会议", "Recurring (mechanism)"},
	"nkind_single":        {"单次会议", "Single"},
	"nom_rec_reason":      {"推荐理由（单次会议必填）", "Reason (required for a single conference)"},
	"nom_rec_own":         {"本单位主办", "Hosted by my unit"},
	"nom_rec_joint":       {"与国际组织联合推荐", "Joint with an international organisation"},
	"nom_editions":        {"往届举办情况（机制性会议）", "Previous editions (recurring conferences)"},
	"nom_edition_number":  {"届次", "Edition"},
	"nom_edition_date":    {"举办日期", "Date"},
	"nom_add":             {"加入清单", "Add"},
	"nom_submit":          {"提交推荐材料", "Hand the list in"},
	"nom_submit_hint":     {"提交时检查推荐方案、评审委员会、意见、签章清单、公示和指标，未满足的一次列出。", "Submitting checks the scheme, committee, opinion, signed list, public notice and quotas, and lists each unmet one at once."},
	"nom_submitted":       {"推荐材料已提交。", "The list is handed in."},
	"nom_empty":           {"暂无。", "None yet."},
	"nstatus_drafting":    {"遴选中", "Drafting"},
	"nstatus_submitted":   {"已提交", "Submitted"},
	"nstatus_returned":    {"已退回修改", "Returned"},
	"nom_own_yes":         {"是", "yes"},
})
