package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// forecastRow is one row of GET /api/v1/forecasts.
type forecastRow struct {
	ID            string    `json:"id"`
	Version       int64     `json:"version"`
	ApplicantName string    `json:"applicantName"`
	UnitName      string    `json:"unitName"`
	PlanYear      int       `json:"planYear"`
	NameZh        string    `json:"nameZh"`
	NameEn        string    `json:"nameEn"`
	StartDate     string    `json:"startDate"`
	Scale         string    `json:"scale"`
	ForeignCount  int       `json:"foreignCount"`
	Status        string    `json:"status"`
	SubmittedAt   time.Time `json:"submittedAt"`
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
	Key   string
	Query string // the list's query for every row
	Page  forecastPage
}

// inboxStatuses says which forecasts wait for whom: a reviewer's stage,
// an applicant's rejected forecasts and those in review.
var inboxStatuses = map[string][][2]string{
	"applicant":          {{"inbox_revise", "rejected"}, {"inbox_progress", "submitted,unit_approved,school_approved"}},
	"unit_admin":         {{"inbox_review", "submitted"}},
	"school_admin":       {{"inbox_review", "unit_approved"}},
	"authority_reviewer": {{"inbox_review", "school_approved"}},
}

// home is the work inbox: what waits for the signed-in user, oldest
// first, with counts and the due date (overdue in red).
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "inbox")
	if !s.signedIn(w, r, v) {
		return
	}
	var sections []inboxSection
	var win *forecastWindow
	for _, st := range inboxStatuses[v.Me.Role] {
		q := url.Values{"status": {st[1]}, "sort": {"submittedAt"}, "order": {"asc"}, "pageSize": {"20"}}
		a := s.api(r, call{method: "GET", path: "/forecasts", query: q})
		var p forecastPage
		if !a.ok() || a.decode(&p) != nil {
			s.failed(w, r, v, a)
			return
		}
		if win == nil {
			if win = s.window(r, v.Me); win == nil {
				win = &forecastWindow{}
			}
		}
		today := s.Now().In(shanghai).Format(time.DateOnly)
		for i := range p.Items {
			if d := win.closeFor(p.Items[i].PlanYear); d != "" {
				p.Items[i].Due, p.Items[i].Overdue = d, today > d
			}
		}
		q.Del("pageSize")
		q.Del("order")
		q.Del("sort")
		sections = append(sections, inboxSection{Key: st[0], Query: q.Encode(), Page: p})
	}
	v.Data = sections
	s.render(w, r, http.StatusOK, "inbox", v)
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

// listColumns are the forecast list's sortable columns.
var listColumns = []struct{ Sort, Label string }{
	{"nameZh", "col_name"}, {"applicantName", "col_applicant"}, {"unitName", "col_unit"}, {"startDate", "col_start"},
	{"scale", "col_scale"}, {"foreignCount", "col_foreign"}, {"status", "col_status"}, {"submittedAt", "col_submitted"},
}

// listView is the forecast list page.
type listView struct {
	Query    url.Values
	Page     forecastPage
	Columns  []column
	Statuses []option
	Scales   []option
	Prev     string
	Next     string
	Pages    int
	Export   string
}

type column struct {
	Label, Href, Sort string // Sort: "", "ascending" or "descending" (aria-sort)
}

// listParams are the list's query parameters the page passes on.
var listParams = []string{"q", "status", "scale", "planYear", "sort", "order", "page"}

func (s *Server) forecastList(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "forecasts")
	if !s.signedIn(w, r, v) {
		return
	}
	q := url.Values{}
	for _, k := range listParams {
		if x := strings.TrimSpace(r.URL.Query().Get(k)); x != "" {
			q.Set(k, x)
		}
	}
	a := s.api(r, call{method: "GET", path: "/forecasts", query: q})
	lv := listView{Query: q}
	if a.status == http.StatusBadRequest {
		v.addProblems(a.problem())
	} else if !a.ok() || a.decode(&lv.Page) != nil {
		s.failed(w, r, v, a)
		return
	}
	sort, order := q.Get("sort"), q.Get("order")
	if sort == "" {
		sort, order = "submittedAt", "desc"
	}
	for _, c := range listColumns {
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
		col.Href = "/forecasts?" + cq.Encode()
		lv.Columns = append(lv.Columns, col)
	}
	for _, st := range []string{"submitted", "unit_approved", "school_approved", "approved", "rejected", "withdrawn"} {
		lv.Statuses = append(lv.Statuses, option{st, v.Status(st)})
	}
	for _, sc := range []string{"small", "general", "major"} {
		lv.Scales = append(lv.Scales, option{sc, v.Scale(sc)})
	}
	if lv.Page.PageSize > 0 {
		lv.Pages = int((lv.Page.Total + int64(lv.Page.PageSize) - 1) / int64(lv.Page.PageSize))
		if lv.Page.Page > 1 {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(lv.Page.Page-1))
			lv.Prev = "/forecasts?" + pq.Encode()
		}
		if lv.Page.Page < lv.Pages {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(lv.Page.Page+1))
			lv.Next = "/forecasts?" + pq.Encode()
		}
	}
	v.Data = lv
	s.render(w, r, http.StatusOK, "forecast_list", v)
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, vs := range q {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// recordView is a forecast's page: the record from its stream, its
// status view and its approval log.
type recordView struct {
	ID      string
	Version int64
	Status  string
	Details map[string]any
	Holder  struct {
		Role  string    `json:"holderRole"`
		Since time.Time `json:"since"`
		Final bool      `json:"final"`
	}
	Log []logEntry
	// Decide is the reviewer's approve action ("" when the record does not
	// wait for this user); Revise: the applicant may revise or withdraw.
	Decide string
	Revise bool
	Stale  bool
	Idem   string // the decision form's Idempotency-Key
}

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
}

// reviewStage is which approval each reviewer role gives at which status.
var reviewStage = map[string][2]string{
	"unit_admin":         {"submitted", "approve-unit"},
	"school_admin":       {"unit_approved", "approve-school"},
	"authority_reviewer": {"school_approved", "approve-authority"},
}

func forecastID(r *http.Request) (string, bool) {
	id, err := uuid.Parse(chi.URLParam(r, "id"))
	return id.String(), err == nil
}

func (s *Server) forecastPage(w http.ResponseWriter, r *http.Request) {
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
	s.showForecast(w, r, v, http.StatusOK, r.URL.Query().Get("pos"))
}

// showForecast renders the record page; pos, when set, is the position
// of the user's last command, which the read models are awaited to.
func (s *Server) showForecast(w http.ResponseWriter, r *http.Request, v *view, status int, pos string) {
	id, ok := forecastID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	hdr := map[string]string{}
	if validPosition(pos) {
		hdr["X-Econf-Min-Position"] = pos
	}
	a := s.api(r, call{method: "GET", path: "/forecasts/" + id})
	var rec struct {
		Version int64          `json:"version"`
		Status  string         `json:"status"`
		Details map[string]any `json:"details"`
	}
	if !a.ok() || a.decode(&rec) != nil {
		s.failed(w, r, v, a)
		return
	}
	rv := recordView{ID: id, Idem: randomToken(18), Version: rec.Version, Status: rec.Status, Details: rec.Details, Stale: status == http.StatusConflict}
	if a := s.api(r, call{method: "GET", path: "/forecasts/" + id + "/status", header: hdr}); !a.ok() || a.decode(&rv.Holder) != nil {
		s.failed(w, r, v, a)
		return
	}
	var log struct {
		Entries []logEntry `json:"entries"`
	}
	if la := s.api(r, call{method: "GET", path: "/forecasts/" + id + "/log", header: hdr}); !la.ok() || la.decode(&log) != nil {
		s.failed(w, r, v, la)
		return
	}
	rv.Log = log.Entries
	if st, ok := reviewStage[v.Me.Role]; ok && st[0] == rec.Status {
		rv.Decide = st[1]
	}
	rv.Revise = v.Me.Role == "applicant" && rec.Status == "rejected"
	if name, _ := rec.Details["nameZh"].(string); name != "" {
		v.Title = name
	}
	v.Data = rv
	s.render(w, r, status, "forecast", v)
}

// forecastDecide approves, rejects or withdraws as the form says, pinned
// to the version the page showed (If-Match): a record someone decided
// meanwhile answers 409, and the page says so instead of overwriting.
func (s *Server) forecastDecide(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "record")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := forecastID(r)
	action := r.PostFormValue("action")
	switch action {
	case "approve-unit", "approve-school", "approve-authority", "reject", "withdraw":
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
	if action == "reject" || action == "withdraw" {
		body = map[string]string{"reason": comment}
	}
	a := s.api(r, call{method: "POST", path: "/forecasts/" + id + "/" + action, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version), "Idempotency-Key": idemKey(r)}})
	if a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed {
		v.Error = v.T("stale")
		s.showForecast(w, r, v, http.StatusConflict, "")
		return
	}
	if a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest {
		// The form has one text box for the comment or reason.
		p := a.problem()
		for i, e := range p.Errors {
			if e.Path == "reason" || e.Path == "comment" || e.Path == "" {
				p.Errors[i].Path = "comment"
			}
		}
		v.addProblems(p)
		v.Form["comment"] = comment
		s.showForecast(w, r, v, http.StatusUnprocessableEntity, "")
		return
	}
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	http.Redirect(w, r, "/forecasts/"+id+"?done=decided&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
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

// forecastDocument hands the forecast's PDF form or approval log from the
// API to the browser.
func (s *Server) forecastDocument(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "record")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := forecastID(r)
	doc := chi.URLParam(r, "doc")
	if !ok || (doc != "form.pdf" && doc != "log.pdf") {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/forecasts/" + id + "/" + doc})
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
