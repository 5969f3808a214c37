package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// recordKind is what the pages need to know of a kind of record with an
// approval chain: where its pages and API live, its statuses, list
// columns and who approves it at which status. A procedure's kind goes in
// its entry of procedures (procedures.go), with its own pages.
type recordKind struct {
	Seg       string // path segment of the pages and the API: /forecasts, /api/v1/forecasts
	Log       string // the approval log's kind
	ListTitle string
	Prefix    string // message key prefix of its statuses
	Statuses  []string
	Columns   []struct{ Sort, Label string }
	YearParam string // the list's year filter
	// Stages: a reviewer role → the status it decides and its approval.
	Stages map[string][2]string
	Docs   []string // PDF documents under the record's API path
	// Withdrawable: the statuses its applicant may withdraw it in.
	Withdrawable []string
	// Aftercare: the record has the change request and summary pages
	// once approved.
	Aftercare bool
	// QuietInbox: its inbox sections show only when something waits (a
	// procedure of another kind of tenant: an academy's funding).
	QuietInbox bool
	// InboxDue, when set, says when each of its inbox rows is due and
	// whether that day has passed (today is YYYY-MM-DD, Beijing).
	InboxDue func(s *Server, r *http.Request) func(it *forecastRow, today string) (due string, overdue bool)
}

var forecastKind = &recordKind{
	Seg: "forecasts", Log: "forecast", ListTitle: "forecasts", Prefix: "status_",
	Statuses: []string{"submitted", "unit_approved", "school_approved", "approved", "rejected", "withdrawn"},
	Columns: []struct{ Sort, Label string }{
		{"nameZh", "col_name"}, {"applicantName", "col_applicant"}, {"unitName", "col_unit"}, {"startDate", "col_start"},
		{"scale", "col_scale"}, {"foreignCount", "col_foreign"}, {"status", "col_status"}, {"submittedAt", "col_submitted"},
	},
	YearParam: "planYear",
	Stages: map[string][2]string{
		"unit_admin":         {"submitted", "approve-unit"},
		"school_admin":       {"unit_approved", "approve-school"},
		"authority_reviewer": {"school_approved", "approve-authority"},
	},
	Docs:         []string{"form.pdf", "log.pdf"},
	Withdrawable: []string{"submitted", "rejected"},
}

var declarationKind = &recordKind{
	Seg: "declarations", Log: "declaration", ListTitle: "declarations", Prefix: "dstatus_",
	Statuses: []string{"draft", "submitted", "unit_approved", "unit_rejected", "school_approved", "school_rejected", "authority_approved", "authority_rejected", "withdrawn"},
	Columns: []struct{ Sort, Label string }{
		{"nameZh", "col_name"}, {"applicantName", "col_applicant"}, {"unitName", "col_unit"}, {"startDate", "col_start"},
		{"scale", "col_scale"}, {"foreignCount", "col_foreign"}, {"status", "col_status"}, {"submittedAt", "col_submitted"},
	},
	YearParam: "year",
	Stages: map[string][2]string{
		"unit_admin":         {"submitted", "approve-unit"},
		"school_admin":       {"unit_approved", "approve-school"},
		"authority_reviewer": {"school_approved", "approve-authority"},
	},
	Docs:         []string{"approval-form.pdf", "log.pdf"},
	Withdrawable: []string{"draft", "submitted", "unit_approved", "unit_rejected", "school_approved", "school_rejected"},
	Aftercare:    true,
}

// status names a status of k in the page's language.
func (k *recordKind) status(v *view, st string) string { return v.code(k.Prefix, st) }

// forecastRow is one row of GET /api/v1/forecasts or /declarations.
type forecastRow struct {
	ID            string     `json:"id"`
	Version       int64      `json:"version"`
	ApplicantName string     `json:"applicantName"`
	UnitName      string     `json:"unitName"`
	PlanYear      int        `json:"planYear"`
	NameZh        string     `json:"nameZh"`
	NameEn        string     `json:"nameEn"`
	StartDate     string     `json:"startDate"`
	Scale         string     `json:"scale"`
	ForeignCount  int        `json:"foreignCount"`
	Status        string     `json:"status"`
	SubmittedAt   *time.Time `json:"submittedAt"`
	// A change request's or summary's row: its conference, and a
	// summary's due date and whether it is overdue.
	DeclarationID string `json:"declarationId"`
	DueDate       string `json:"dueDate"`
	IsOverdue     bool   `json:"overdue"`
	// FileBy: a declaration's last day for the school to file it.
	FileBy string `json:"fileBy"`
	// A funding application's row: its institute, call year, closing day
	// and summary.
	InstituteName  string `json:"instituteName"`
	Year           int    `json:"year"`
	ClosingDate    string `json:"closingDate"`
	SummaryFiledOn string `json:"summaryFiledOn"`
	SummaryOverdue bool   `json:"summaryOverdue"`
	// Href and Label are the row's page and status name.
	Href  string `json:"-"`
	Label string `json:"-"`
	// Due and Overdue are the inbox's: the last day of the plan year's
	// forecast window.
	Due     string `json:"-"`
	Overdue bool   `json:"-"`
}

type forecastPage struct {
	Items    []forecastRow `json:"items"`
	Total    int64         `json:"total"`
	Capped   bool          `json:"totalCapped"`
	Page     int           `json:"page"`
	PageSize int           `json:"pageSize"`
}

// inboxSection is one kind of task: its title, count and first rows.
type inboxSection struct {
	Key  string
	List string // the list page of every row
	Page forecastPage
}

// inboxTask is one kind of task of a role: records of kind at statuses,
// or with aftercare, a conference's change requests or summaries.
type inboxTask struct {
	kind      *recordKind
	key       string
	statuses  string
	aftercare *aftercareList
}

// aftercareList is a list of a conference's change requests or summaries:
// the API's list, its filter, the page under /declarations/{id}/ each row
// links to, the message prefix of its statuses.
type aftercareList struct{ path, param, page, prefix string }

var (
	changeTasks  = &aftercareList{"/change-requests", "status", "change", "chg_"}
	summaryTasks = &aftercareList{"/summaries", "state", "summary", "sum_"}
)

// home is the work inbox: what waits for the signed-in user, oldest
// first, with counts and the due date of forecasts (the last day of the
// plan year's forecast window; overdue in red).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "inbox")
	if !s.signedIn(w, r, v) {
		return
	}
	var sections []inboxSection
	var win *forecastWindow
	today := s.Now().In(shanghai).Format(time.DateOnly)
	for _, task := range inboxOf(v.Me) {
		q := url.Values{"status": {task.statuses}, "sort": {"submittedAt"}, "order": {"asc"}, "pageSize": {"20"}}
		if task.kind == declarationKind {
			q.Set("sort", "updatedAt")
		}
		path := "/" + task.kind.Seg
		if ac := task.aftercare; ac != nil {
			q, path = url.Values{ac.param: {task.statuses}, "pageSize": {"20"}}, ac.path
		}
		a := s.api(r, call{method: "GET", path: path, query: q})
		var p forecastPage
		if !a.ok() || a.decode(&p) != nil {
			s.failed(w, r, v, a)
			return
		}
		if task.kind == forecastKind && win == nil {
			if win = s.window(r, v.Me); win == nil {
				win = &forecastWindow{}
			}
		}
		if task.kind.QuietInbox && p.Total == 0 {
			continue
		}
		var due func(it *forecastRow, today string) (string, bool)
		if task.kind.InboxDue != nil {
			due = task.kind.InboxDue(s, r)
		}
		for i := range p.Items {
			it := &p.Items[i]
			it.Href, it.Label = "/"+task.kind.Seg+"/"+it.ID, task.kind.status(v, it.Status)
			if ac := task.aftercare; ac != nil {
				it.Href, it.Label = "/declarations/"+it.DeclarationID+"/"+ac.page, v.code(ac.prefix, it.Status)
				if it.Status == "" {
					it.Label = v.T("sum_not_open")
				}
				it.Due, it.Overdue = it.DueDate, it.IsOverdue
			} else if task.kind == forecastKind {
				if d := win.closeFor(it.PlanYear); d != "" {
					it.Due, it.Overdue = d, today > d
				}
			} else if due != nil {
				it.Due, it.Overdue = due(it, today)
			} else if task.kind == declarationKind {
				it.Due = s.declarationDue(r, it)
				it.Overdue = it.Due != "" && today > it.Due
			}
		}
		q.Del("pageSize")
		q.Del("order")
		q.Del("sort")
		list := "/" + task.kind.Seg + "?" + q.Encode()
		if task.aftercare != nil {
			list = "" // no list page of its own
		}
		sections = append(sections, inboxSection{Key: task.key, List: list, Page: p})
	}
	for _, p := range procedures {
		if p.InboxRows != nil && p.takesPart(v.Me) {
			sections = append(sections, p.InboxRows(s, r, v)...)
		}
	}
	v.Data = sections
	s.render(w, r, http.StatusOK, "inbox", v)
}

// declarationDue is the day a declaration waiting in an inbox is due: a
// draft's last day to submit (its lead time, R-DECL-05), a submitted
// one's last day for the school to file it (R-DECL-05 too); "" when none is
// known yet.
func (s *Server) declarationDue(r *http.Request, it *forecastRow) string {
	if !slices.Contains(draftStatuses, it.Status) {
		return it.FileBy
	}
	a := s.api(r, call{method: "GET", path: "/declarations/" + it.ID})
	var rec struct {
		Lead lead `json:"lead"`
	}
	if !a.ok() || a.decode(&rec) != nil {
		return "" // the row shows no due date rather than no inbox
	}
	return rec.Lead.SubmitBy
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return l
}()

// forecastWindow is the policy's forecast collection window.
type forecastWindow struct {
	Default struct {
		Close struct{ Month, Day int } `json:"close"`
	} `json:"forecastWindow"`
	Overrides []struct {
		UniversityID string `json:"universityId"`
		PlanYear     int    `json:"planYear"`
		Close        string `json:"close"`
	} `json:"windowOverrides"`
	university string
}

// closeFor is the last day (YYYY-MM-DD) forecasts for planYear are
// collected and reviewed in.
func (w *forecastWindow) closeFor(planYear int) string {
	if w.Default.Close.Month == 0 {
		return ""
	}
	for _, o := range w.Overrides {
		if o.UniversityID == w.university && o.PlanYear == planYear {
			return o.Close
		}
	}
	return fmt.Sprintf("%04d-%02d-%02d", planYear-1, w.Default.Close.Month, w.Default.Close.Day)
}

func (s *Server) window(r *http.Request, m *me) *forecastWindow {
	a := s.api(r, call{method: "GET", path: "/policy"})
	var w forecastWindow
	if !a.ok() || a.decode(&w) != nil {
		return nil
	}
	w.university = m.UniversityID
	return &w
}

// listView is a list page.
type listView struct {
	Seg string
	// ExportXLSX and ExportCSV export the rows the filters and sort choose.
	ExportXLSX, ExportCSV string
	YearParam             string
	Query                 url.Values
	Page                  forecastPage
	Columns               []column
	Statuses              []option
	Scales                []option
	Prev                  string
	Next                  string
	Pages                 int
}

type column struct {
	Label, Href, Sort string // Sort: "", "ascending" or "descending" (aria-sort)
}

// list is the list page of k: keyword, filters, sort by any column,
// paging, all by the API's query parameters.
func (s *Server) list(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, k.ListTitle)
		if !s.signedIn(w, r, v) {
			return
		}
		q := url.Values{}
		for _, p := range []string{"q", "status", "scale", k.YearParam, "sort", "order", "page"} {
			if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" {
				q.Set(p, x)
			}
		}
		a := s.api(r, call{method: "GET", path: "/" + k.Seg, query: q})
		lv := listView{Seg: k.Seg, YearParam: k.YearParam, Query: q}
		if a.status == http.StatusBadRequest {
			p := a.problem()
			for i := range p.Errors {
				p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "query:")
			}
			v.addProblems(p)
		} else if !a.ok() || a.decode(&lv.Page) != nil {
			s.failed(w, r, v, a)
			return
		}
		for i := range lv.Page.Items {
			it := &lv.Page.Items[i]
			it.Href, it.Label = "/"+k.Seg+"/"+it.ID, k.status(v, it.Status)
		}
		eq := cloneValues(q)
		eq.Del("page")
		eq.Set("format", "xlsx")
		lv.ExportXLSX = "/" + k.Seg + "/export?" + eq.Encode()
		eq.Set("format", "csv")
		lv.ExportCSV = "/" + k.Seg + "/export?" + eq.Encode()
		sort, order := q.Get("sort"), q.Get("order")
		if sort == "" {
			sort, order = "submittedAt", "desc"
			if k == declarationKind {
				sort = "updatedAt"
			}
		}
		for _, c := range k.Columns {
			cq := cloneValues(q)
			cq.Del("page")
			cq.Set("sort", c.Sort)
			col := column{Label: v.T(c.Label)}
			if c.Sort == sort {
				col.Sort = "ascending"
				if order == "desc" {
					col.Sort = "descending"
				} else {
					cq.Set("order", "desc")
				}
			} else {
				cq.Set("order", "asc")
			}
			col.Href = "/" + k.Seg + "?" + cq.Encode()
			lv.Columns = append(lv.Columns, col)
		}
		for _, st := range k.Statuses {
			lv.Statuses = append(lv.Statuses, option{st, k.status(v, st)})
		}
		for _, sc := range []string{"small", "general", "major"} {
			lv.Scales = append(lv.Scales, option{sc, v.Scale(sc)})
		}
		if lv.Page.PageSize > 0 {
			lv.Pages = int((lv.Page.Total + int64(lv.Page.PageSize) - 1) / int64(lv.Page.PageSize))
			if lv.Page.Page > 1 {
				pq := cloneValues(q)
				pq.Set("page", strconv.Itoa(lv.Page.Page-1))
				lv.Prev = "/" + k.Seg + "?" + pq.Encode()
			}
			if lv.Page.Page < lv.Pages {
				pq := cloneValues(q)
				pq.Set("page", strconv.Itoa(lv.Page.Page+1))
				lv.Next = "/" + k.Seg + "?" + pq.Encode()
			}
		}
		v.Data = lv
		s.render(w, r, http.StatusOK, "forecast_list", v)
	}
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// recordView is a record's page: the record from its stream, its status
// view and its approval log.
type recordView struct {
	Seg         string
	ID          string
	Version     int64
	Status      string
	StatusLabel string
	Facts       []fact
	Holder      struct {
		Role  string    `json:"holderRole"`
		Since time.Time `json:"since"`
		Final bool      `json:"final"`
	}
	Log  []logEntry
	Docs []option // the record's PDFs: link, name
	// Decide is the reviewer's approve action ("" when the record does not
	// wait for this user); Revise: the applicant may revise the forecast.
	Decide string
	Revise bool
	// Declare: the applicant may start the approved forecast's
	// declaration; Edit: may fill in the declaration's form.
	Declare bool
	Edit    bool
	Stale   bool
	Idem    string // the decision form's Idempotency-Key
	// Lead: a declaration's due dates; Late: the applicant has not
	// submitted and the last day has passed.
	Lead lead
	Late bool
	// Withdraw: the applicant may withdraw it; Aftercare: the approved
	// conference's change request and summary pages.
	Withdraw  bool
	Aftercare bool
}

// fact is one line of a record's details.
type fact struct{ Label, Value, Lang string }

type logEntry struct {
	At           time.Time `json:"at"`
	ActorName    string    `json:"actorName"`
	ActorRole    string    `json:"actorRole"`
	Action       string    `json:"action"`
	ActionZh     string    `json:"actionZh"`
	Comment      string    `json:"comment"`
	StatusBefore string    `json:"statusBefore"`
	StatusAfter  string    `json:"statusAfter"`
	Policy       string    `json:"policyVersion"`
	Before       string    `json:"-"`
	After        string    `json:"-"`
}

func recordID(r *http.Request) (string, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	return id.String(), err == nil
}

// str reads a path of nested JSON objects as text.
func str(m map[string]any, path ...string) string {
	var x any = m
	for _, p := range path {
		mm, ok := x.(map[string]any)
		if !ok {
			return ""
		}
		x = mm[p]
	}
	switch t := x.(type) {
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return ""
}

// facts picks the details a reviewer reads first.
func facts(v *view, k *recordKind, rec map[string]any) []fact {
	var d map[string]any
	var basic []string
	if k == declarationKind {
		d, _ = rec["form"].(map[string]any)
		basic = []string{"basic"}
	} else {
		d, _ = rec["details"].(map[string]any)
	}
	at := func(p ...string) []string { return append(append([]string{}, basic...), p...) }
	fs := []fact{
		{v.T("f_nameZh"), str(d, at("nameZh")...), ""},
		{v.T("f_nameEn"), str(d, at("nameEn")...), "en"},
		{v.T("col_applicant"), str(d, "applicant", "name") + " · " + str(d, "applicant", "unit"), ""},
		{v.T("f_startDate"), str(d, at("startDate")...), ""},
	}
	if k == declarationKind {
		fs = append(fs, fact{v.T("f_endDate"), str(d, "basic", "endDate"), ""},
			fact{v.T("f_foreignCount"), str(d, "attendance", "foreign"), ""})
	} else {
		fs = append(fs, fact{v.T("f_commitmentDate"), str(d, "commitmentDate"), ""},
			fact{v.T("f_chineseCount") + " / " + v.T("f_foreignCount"), str(d, "chineseCount") + " / " + str(d, "foreignCount"), ""},
			fact{v.T("f_funding"), str(d, "fundingSource"), ""})
	}
	fs = append(fs, fact{v.T("f_address"), str(d, at("province")...) + " " + str(d, at("address")...), ""},
		fact{v.T("f_scale"), v.Scale(str(d, at("scale")...)), ""})
	return fs
}

func (s *Server) recordPage(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "record")
		if !s.signedIn(w, r, v) {
			return
		}
		switch r.URL.Query().Get("done") {
		case "submitted":
			v.Flash = v.T("saved")
		case "decided":
			v.Flash = v.T("decided")
		}
		s.showRecord(w, r, k, v, http.StatusOK, r.URL.Query().Get("pos"))
	}
}

// showRecord renders the record page; pos, when set, is the position of
// the user's last command, which the read models are awaited to.
func (s *Server) showRecord(w http.ResponseWriter, r *http.Request, k *recordKind, v *view, status int, pos string) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	hdr := map[string]string{}
	if validPosition(pos) {
		hdr["X-Econf-Min-Position"] = pos
	}
	base := "/" + k.Seg + "/" + id
	a := s.api(r, call{method: "GET", path: base})
	var rec map[string]any
	if !a.ok() || a.decode(&rec) != nil {
		s.failed(w, r, v, a)
		return
	}
	ver, _ := rec["version"].(float64)
	st, _ := rec["status"].(string)
	rv := recordView{Seg: k.Seg, ID: id, Idem: randomToken(18), Version: int64(ver), Status: st, StatusLabel: k.status(v, st),
		Facts: facts(v, k, rec), Stale: status == http.StatusConflict}
	// The record comes from its stream; its status view and log are read
	// models, which may not have taken in a record made a moment ago
	// elsewhere (404): the page then shows the record without them.
	if a := s.api(r, call{method: "GET", path: base + "/status", header: hdr}); a.status != http.StatusNotFound && (!a.ok() || a.decode(&rv.Holder) != nil) {
		s.failed(w, r, v, a)
		return
	}
	var log struct {
		Entries []logEntry `json:"entries"`
	}
	if la := s.api(r, call{method: "GET", path: base + "/log", header: hdr}); la.status != http.StatusNotFound && (!la.ok() || la.decode(&log) != nil) {
		s.failed(w, r, v, la)
		return
	}
	for i := range log.Entries {
		e := &log.Entries[i]
		if e.StatusBefore != "" {
			e.Before = k.status(v, e.StatusBefore)
		}
		e.After = k.status(v, e.StatusAfter)
	}
	rv.Log = log.Entries
	for _, d := range k.Docs {
		key := "doc_" + strings.TrimSuffix(d, ".pdf")
		rv.Docs = append(rv.Docs, option{Value: "/" + k.Seg + "/" + id + "/" + d, Label: v.T(key)})
	}
	if l, ok := rec["lead"].(map[string]any); ok {
		rv.Lead = lead{Category: str(l, "category"), SubmitBy: str(l, "submitBy"), Filing: str(l, "filing"), FileBy: str(l, "fileBy"), NGOFileBy: str(l, "ngoFileBy")}
		rv.Late = rv.Lead.SubmitBy != "" && mayEdit("applicant", st) && s.Now().In(shanghai).Format(time.DateOnly) > rv.Lead.SubmitBy
	}
	if stage, ok := k.Stages[v.Me.Role]; ok && stage[0] == st {
		rv.Decide = stage[1]
	}
	rv.Revise = k == forecastKind && v.Me.Role == "applicant" && st == "rejected"
	rv.Declare = k == forecastKind && v.Me.Role == "applicant" && st == "approved"
	rv.Edit = k == declarationKind && mayEdit(v.Me.Role, st)
	rv.Withdraw = v.Me.Role == "applicant" && slices.Contains(k.Withdrawable, st)
	rv.Aftercare = k.Aftercare && st == "authority_approved"
	if name := rv.Facts[0].Value; name != "" {
		v.Title = name
	}
	v.Data = rv
	s.render(w, r, status, "forecast", v)
}

// decide approves or rejects as the form says, pinned to the version the
// page showed (If-Match): a record someone decided meanwhile answers 409,
// and the page says so instead of overwriting.
func (s *Server) decide(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "record")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		action := r.PostFormValue("action")
		switch action {
		case "approve-unit", "approve-school", "approve-authority", "reject":
		default:
			ok = false
		}
		version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		if !ok || err != nil {
			v.Error = v.Msg("表单无效，请刷新页面后重试。", "The form is not valid: reload the page and try again.")
			s.render(w, r, http.StatusBadRequest, "message", v)
			return
		}
		comment := r.PostFormValue("comment")
		body := map[string]string{"comment": comment}
		if action == "reject" {
			body = map[string]string{"reason": comment}
		}
		a := s.api(r, call{method: "POST", path: "/" + k.Seg + "/" + id + "/" + action, body: body,
			header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version), "Idempotency-Key": idemKey(r)}})
		if a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed {
			v.Error = v.T("stale")
			s.showRecord(w, r, k, v, http.StatusConflict, "")
			return
		}
		if a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest {
			// The form has one text box for the comment or reason.
			p := a.problem()
			for i, e := range p.Errors {
				if e.Path == "reason" || e.Path == "comment" || e.Path == "text" || e.Path == "" {
					p.Errors[i].Path = "comment"
				}
			}
			v.addProblems(p)
			v.Form["comment"] = comment
			s.showRecord(w, r, k, v, http.StatusUnprocessableEntity, "")
			return
		}
		if !a.ok() {
			s.failed(w, r, v, a)
			return
		}
		http.Redirect(w, r, "/"+k.Seg+"/"+id+"?done=decided&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	}
}

// idemKey is the form's Idempotency-Key: a form sent twice (a double
// click, a reload) is one command.
func idemKey(r *http.Request) string {
	k := r.PostFormValue("idem")
	if k == "" || len(k) > 100 {
		k = randomToken(18)
	}
	return "web-" + k
}

// document hands a record's PDF from the API to the browser.
func (s *Server) document(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "record")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		doc := chi.URLParam(r, "doc")
		if !ok || !slices.Contains(k.Docs, doc) {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		a := s.api(r, call{method: "GET", path: "/" + k.Seg + "/" + id + "/" + doc})
		if !a.ok() {
			s.failed(w, r, v, a)
			return
		}
		for _, h := range []string{"Content-Type", "Content-Disposition", "ETag"} {
			if x := a.header.Get(h); x != "" {
				w.Header().Set(h, x)
			}
		}
		_, _ = a.body.WriteTo(w) // the client went away
	}
}

// export streams the list's rows as the API exports them (xlsx, or csv),
// with the list's filters: the file goes to the browser as it is made.
func (s *Server) export(k *recordKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, k.ListTitle)
		if !s.signedIn(w, r, v) {
			return
		}
		q := url.Values{}
		for _, p := range []string{"q", "status", "scale", k.YearParam, "sort", "order", "format"} {
			if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" {
				q.Set(p, x)
			}
		}
		w.Header().Del("Content-Security-Policy") // the API sets its own
		s.API.ServeHTTP(w, s.apiRequest(r, call{method: "GET", path: "/" + k.Seg + "/export", query: q}))
	}
}
