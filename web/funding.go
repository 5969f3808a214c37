package web

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
)

// Conference funding (资助, seed 002): an academy's institutes apply to
// their bureau's yearly call; the bureau grants, rejects or returns; the
// year's plan is decided once with its notice; the funded conferences
// acknowledge the funder and report progress and a summary. The pages
// call /api/v1/funding… as curl does; amounts are shown and typed in yuan
// and sent in fen.

var fundingKind = &recordKind{
	Seg: "funding", Log: "funding", ListTitle: "funding", Prefix: "fstatus_",
	Statuses:   []string{"draft", "submitted", "returned", "withdrawn", "granted", "rejected"},
	QuietInbox: true,
	InboxDue:   fundingDue,
}

// fundingStatuses the institute edits and submits in.
var fundingEditable = []string{"draft", "returned", "withdrawn"}

// The application form's parts, each an object of the API's application
// named by its key, so that an error's path (conference.openingDate,
// budget.sources[1].amountFen) is its input's name.
var fundingSections = []section{
	{Key: "conference", Label: "fsec_conference", Fields: []sectionField{
		txt("nameZh", "f_nameZh"), txt("nameEn", "f_nameEn"),
		kind("openingDate", "fund_opening", "date"), kind("closingDate", "fund_closing", "date"), txt("city", "fund_city"),
	}},
	{Key: "approval", Label: "fsec_approval", Fields: []sectionField{
		txt("declarationId", "fund_declaration"), txt("number", "fund_approval_no"), kind("date", "fund_approval_date", "date"),
		upload("scanFileId", "fund_approval_scan", "funding_approval"),
	}},
	{Key: "attendance", Label: "fsec_attendance", Fields: []sectionField{
		kind("total", "fund_total", "number"), kind("foreign", "fund_foreign", "number"),
	}},
	{Key: "statements", Label: "fsec_statements", Fields: []sectionField{
		kind("foreignLeaders", "fund_foreign_leaders", "checkbox"), kind("sensitive", "fund_sensitive", "checkbox"),
		kind("academyName", "fund_academy_name", "checkbox"), kind("academyLeaders", "fund_academy_leaders", "checkbox"),
		upload("proof", "fund_proof", "funding_proof"),
	}},
	{Key: "budget", Label: "fsec_budget", Fields: []sectionField{kind("totalFen", "fund_budget_total", "yuan")},
		Lists: []sectionList{{"sources", "fund_sources", []sectionField{txt("name", "fund_source_name"), kind("amountFen", "fund_source_amount", "yuan")}}}},
}

// fundingTop are the application's own fields, outside its parts.
var fundingTop = []sectionField{
	sel("category", "fund_category", "1", "fcat_1", "2", "fcat_2", "3", "fcat_3"),
	sel("nature", "fund_nature", "hosting_rights", "fnature_hosting_rights", "academy_led", "fnature_academy_led", "joint", "fnature_joint"),
	kind("academyFirstHost", "fund_first_host", "checkbox"),
	kind("requestedFen", "fund_requested", "yuan"),
}

func fundingRoutes(s *Server, r chi.Router) {
	r.Get("/funding", s.fundingList)
	r.Get("/funding/export", s.fundingExport)
	r.Post("/funding/calls", s.fundingPublishCall)
	r.Get("/funding/new", s.fundingNew)
	r.Post("/funding/new", s.fundingSave)
	r.Get("/funding/eligibility", s.fundingEligibility)
	r.Post("/funding/eligibility", s.fundingSuspend)
	r.Post("/funding/eligibility/referral", s.fundingRefer)
	r.Get("/funding/statistics", s.fundingStatistics)
	r.Get("/funding/plans/{year}", s.fundingPlan)
	r.Post("/funding/plans/{year}", s.fundingDecidePlan)
	r.Get("/funding/plans/{year}/notice.pdf", s.fundingNotice)
	r.Get("/funding/{id}", s.fundingRecord)
	r.Get("/funding/{id}/edit", s.fundingEdit)
	r.Post("/funding/{id}/edit", s.fundingSave)
	r.Post("/funding/{id}/submit", s.fundingCommand("submit"))
	r.Post("/funding/{id}/withdraw", s.fundingCommand("withdraw"))
	r.Post("/funding/{id}/decide", s.fundingDecide)
	r.Post("/funding/{id}/acknowledgement", s.fundingReport("acknowledgement"))
	r.Post("/funding/{id}/progress", s.fundingReport("progress"))
	r.Post("/funding/{id}/summary", s.fundingReport("summary"))
	r.Post("/funding/{id}/clawback", s.fundingClawback)
}

// yuan shows an amount in fen as yuan: 1,234,567.80.
func yuan(fen int64) string {
	neg := fen < 0
	if neg {
		fen = -fen
	}
	whole, cents := strconv.FormatInt(fen/100, 10), fen%100
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := fmt.Sprintf("%s.%02d", b.String(), cents)
	if neg {
		out = "-" + out
	}
	return out
}

var yuanPattern = regexp.MustCompile(`^\d{1,12}(\.\d{1,2})?$`)

// toFen reads an amount typed in yuan (up to two decimals, commas
// allowed) as fen.
func toFen(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if !yuanPattern.MatchString(s) {
		return 0, false
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	frac = (frac + "00")[:2]
	f, _ := strconv.ParseInt(frac, 10, 64) // two digits
	return w*100 + f, true
}

// fenText is an amount in fen as the form shows it: yuan without commas.
func fenText(fen int64) string {
	if fen%100 == 0 {
		return strconv.FormatInt(fen/100, 10)
	}
	return fmt.Sprintf("%d.%02d", fen/100, fen%100)
}

// fundingRow is one row of GET /api/v1/funding.
type fundingRow struct {
	ID              string `json:"id"`
	Version         int64  `json:"version"`
	InstituteName   string `json:"instituteName"`
	Year            int    `json:"year"`
	Category        int    `json:"category"`
	NameZh          string `json:"nameZh"`
	NameEn          string `json:"nameEn"`
	City            string `json:"city"`
	OpeningDate     string `json:"openingDate"`
	Status          string `json:"status"`
	RequestedFen    int64  `json:"requestedFen"`
	GrantedFen      int64  `json:"grantedFen"`
	Acknowledged    bool   `json:"acknowledged"`
	ProgressReports int    `json:"progressReports"`
	SummaryFiledOn  string `json:"summaryFiledOn"`
	SummaryOverdue  bool   `json:"summaryOverdue"`
	Label           string `json:"-"`
}

// fundingCall is a bureau's call as the policy lists it.
type fundingCall struct {
	Bureau    string `json:"bureau"`
	Year      int    `json:"year"`
	Opens     string `json:"opens"`
	Closes    string `json:"closes"`
	BudgetFen int64  `json:"budgetFen"`
}

// fundingPolicy is what the pages read of the policy's funding rules.
type fundingPolicy struct {
	Funding struct {
		Calls          []fundingCall `json:"calls"`
		SummaryMonths  int           `json:"summaryMonths"`
		CategoriesRule []struct {
			CapFen int64 `json:"capFen"`
		} `json:"categories"`
	} `json:"funding"`
}

func (s *Server) fundingPolicy(r *http.Request) fundingPolicy {
	var p fundingPolicy
	if a := s.api(r, call{method: "GET", path: "/policy"}); a.ok() {
		_ = a.decode(&p) // a policy the pages cannot read lists no calls
	}
	return p
}

// fundingDue says when a funding application in an inbox is due: a draft
// or returned one by its call's last day (R-FUND-03), a granted one's
// summary within the policy's months after the closing day (R-FUND-06);
// overdue as the deadline engine recorded it or by the day.
func fundingDue(s *Server, r *http.Request) func(it *forecastRow, today string) (string, bool) {
	var pol *fundingPolicy
	return func(it *forecastRow, today string) (string, bool) {
		if pol == nil {
			p := s.fundingPolicy(r)
			pol = &p
		}
		switch {
		case slices.Contains(fundingEditable, it.Status):
			for _, c := range pol.Funding.Calls {
				if c.Year == it.Year {
					return c.Closes, today > c.Closes
				}
			}
		case it.Status == "granted" && it.SummaryFiledOn == "" && it.ClosingDate != "":
			closing, err := time.Parse(time.DateOnly, it.ClosingDate)
			if err != nil {
				return "", false
			}
			due := closing.AddDate(0, max(pol.Funding.SummaryMonths, 1), 0).Format(time.DateOnly)
			return due, it.SummaryOverdue || today > due
		}
		return "", false
	}
}

// fundingListView is the funding list page.
type fundingListView struct {
	listView
	Rows       []fundingRow
	Categories []option
	Calls      []fundingCall
	// MayApply: an institute's administrator; Reviewer: the bureau's.
	MayApply, Reviewer bool
	Idem               string
}

// fundingList lists the applications the user may see with the API's
// filters (keyword, status, year, category), sort and paging; the calls
// with their plans; the bureau publishes a call here, an institute starts
// an application.
func (s *Server) fundingList(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	switch r.URL.Query().Get("done") {
	case "call":
		v.Flash = v.T("fund_call_published")
	}
	if s.fundingListData(w, r, v) {
		s.render(w, r, http.StatusOK, "funding_list", v)
	}
}

// fundingListData reads the list, its calls and columns into v.Data; a
// failure is answered (false).
func (s *Server) fundingListData(w http.ResponseWriter, r *http.Request, v *view) bool {
	q := url.Values{}
	for _, p := range []string{"q", "status", "year", "category", "sort", "order", "page"} {
		if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" {
			q.Set(p, x)
		}
	}
	lv := fundingListView{listView: listView{Seg: "funding", YearParam: "year", Query: q}, Idem: randomToken(18)}
	a := s.api(r, call{method: "GET", path: "/funding", query: q})
	var page struct {
		forecastPage
		Items []fundingRow `json:"items"`
	}
	if a.status == http.StatusBadRequest {
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "query:")
		}
		v.addProblems(p)
	} else if !a.ok() || a.decode(&page) != nil {
		s.failed(w, r, v, a)
		return false
	}
	lv.Page = page.forecastPage
	lv.Rows = page.Items
	for i := range lv.Rows {
		lv.Rows[i].Label = fundingKind.status(v, lv.Rows[i].Status)
	}
	eq := cloneValues(q)
	eq.Del("page")
	eq.Set("format", "xlsx")
	lv.ExportXLSX = "/funding/export?" + eq.Encode()
	eq.Set("format", "csv")
	lv.ExportCSV = "/funding/export?" + eq.Encode()
	sort, order := q.Get("sort"), q.Get("order")
	if sort == "" {
		sort, order = "updatedAt", "desc"
	}
	for _, c := range []struct{ Sort, Label string }{
		{"nameZh", "col_name"}, {"", "fund_institute"}, {"openingDate", "fund_opening"}, {"category", "fund_category"},
		{"requestedFen", "fund_requested"}, {"grantedFen", "fund_granted"}, {"", "col_status"}, {"", "fund_obligations"},
	} {
		col := column{Label: v.T(c.Label)}
		if c.Sort != "" {
			cq := cloneValues(q)
			cq.Del("page")
			cq.Set("sort", c.Sort)
			cq.Set("order", "asc")
			if c.Sort == sort {
				col.Sort = "ascending"
				if order == "desc" {
					col.Sort = "descending"
				} else {
					cq.Set("order", "desc")
				}
			}
			col.Href = "/funding?" + cq.Encode()
		}
		lv.Columns = append(lv.Columns, col)
	}
	for _, st := range fundingKind.Statuses {
		lv.Statuses = append(lv.Statuses, option{st, fundingKind.status(v, st)})
	}
	for _, c := range []string{"1", "2", "3"} {
		lv.Categories = append(lv.Categories, option{c, v.T("fcat_" + c)})
	}
	if lv.Page.PageSize > 0 {
		lv.Pages = int((lv.Page.Total + int64(lv.Page.PageSize) - 1) / int64(lv.Page.PageSize))
		if lv.Page.Page > 1 {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(lv.Page.Page-1))
			lv.Prev = "/funding?" + pq.Encode()
		}
		if lv.Page.Page < lv.Pages {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(lv.Page.Page+1))
			lv.Next = "/funding?" + pq.Encode()
		}
	}
	lv.Calls = s.fundingPolicy(r).Funding.Calls
	slices.SortFunc(lv.Calls, func(a, b fundingCall) int { return b.Year - a.Year })
	lv.MayApply = v.Me.Role == "unit_admin"
	lv.Reviewer = v.Me.Role == "authority_reviewer"
	v.Data = lv
	return true
}

// Yuan shows fen as yuan on a page.
func (v *view) Yuan(fen int64) string { return yuan(fen) }

// fundingExport streams the list's rows as the API exports them.
func (s *Server) fundingExport(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	q := url.Values{}
	for _, p := range []string{"q", "status", "year", "category", "sort", "order", "format"} {
		if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" {
			q.Set(p, x)
		}
	}
	w.Header().Del("Content-Security-Policy") // the API sets its own
	s.API.ServeHTTP(w, s.apiRequest(r, call{method: "GET", path: "/funding/export", query: q}))
}

// fundingPublishCall publishes the bureau's call for next year with its
// budget (R-FUND-03).
func (s *Server) fundingPublishCall(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	fen, ok := toFen(r.PostFormValue("budgetFen"))
	if !ok {
		v.Form["budgetFen"] = r.PostFormValue("budgetFen")
		v.addLocal("budgetFen", v.T("fund_yuan_hint"))
		v.relabel(fundingLabel)
		if s.fundingListData(w, r, v) {
			s.render(w, r, http.StatusUnprocessableEntity, "funding_list", v)
		}
		return
	}
	a := s.api(r, call{method: "POST", path: "/funding/calls", body: map[string]int64{"budgetFen": fen}, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if !a.ok() {
		if a.status >= 500 || a.status == http.StatusUnauthorized || a.status == http.StatusForbidden {
			s.failed(w, r, v, a)
			return
		}
		p := a.problem()
		for i, e := range p.Errors {
			if e.Path == "" || e.Path == "year" {
				p.Errors[i].Path = "budgetFen"
			}
		}
		if len(p.Errors) == 0 {
			p.Errors = []fieldError{{Path: "budgetFen", Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
		}
		s.fundingListProblem(w, r, v, p, a.status)
		return
	}
	http.Redirect(w, r, "/funding?done=call", http.StatusSeeOther)
}

// fundingListProblem shows the list again with the call form's errors.
func (s *Server) fundingListProblem(w http.ResponseWriter, r *http.Request, v *view, p problem, status int) {
	v.Form["budgetFen"] = r.PostFormValue("budgetFen")
	v.addProblems(p)
	v.relabel(fundingLabel)
	if s.fundingListData(w, r, v) {
		s.render(w, r, status, "funding_list", v)
	}
}

// relabel names the error summary's entries by label.
func (v *view) relabel(label func(v *view, path string) string) {
	for i := range v.Problems {
		if l := label(v, v.Problems[i].Path); l != "" {
			v.Problems[i].Label = l
		}
	}
}

// fundingLabel names a funding form's input by its path.
func fundingLabel(v *view, path string) string {
	m := map[string]string{"budgetFen": "fund_call_budget", "amount": "fund_grant_amount", "comment": "comment", "institute": "fund_institute"}
	if k, ok := m[path]; ok {
		return v.T(k)
	}
	for _, f := range fundingTop {
		if f.Name == path {
			return v.T(f.Label)
		}
	}
	if head, rest, ok := strings.Cut(path, "."); ok {
		for _, k := range []string{"acknowledgement", "progress", "summary"} {
			if head == k {
				return v.T("fund_"+k) + " · " + v.T("fund_r_"+rest)
			}
		}
	}
	for _, sec := range fundingSections {
		for _, f := range sec.Fields {
			if path == sec.Key+"."+f.Name {
				return v.T(sec.Label) + " · " + v.T(f.Label)
			}
		}
		for _, l := range sec.Lists {
			prefix := listPrefix(sec, l)
			if path == prefix {
				return v.T(sec.Label) + " · " + v.T(l.Label)
			}
			if m := listPath.FindStringSubmatch(path); m != nil && m[1] == prefix {
				i, _ := strconv.Atoi(m[2])
				out := v.T(sec.Label) + " · " + v.T(l.Label) + " " + v.Tf("row_n", i+1)
				for _, f := range l.Fields {
					if f.Name == m[3] {
						out += " · " + v.T(f.Label)
					}
				}
				return out
			}
		}
		if path == sec.Key {
			return v.T(sec.Label)
		}
	}
	return ""
}

// fundingFormView is the application form.
type fundingFormView struct {
	ID, Status string
	Version    int64
	Idem       string
	Top        []field
	Parts      []fundingPart
	// Submit: the application may be handed in now.
	Submit bool
}

type fundingPart struct {
	Key, Label string
	// Error is the API's error about the part as a whole (approval,
	// R-FUND-02), shown in its box; ErrorID is the box's id.
	Error, ErrorID string
	Fields         []field
	Lists          []formList
}

// fundingForm builds the form's inputs from v.Form.
func (v *view) fundingForm(id, status string, version int64) fundingFormView {
	fv := fundingFormView{ID: id, Status: status, Version: version, Idem: randomToken(18), Submit: id != "" && slices.Contains(fundingEditable, status)}
	for _, f := range fundingTop {
		fv.Top = append(fv.Top, v.fundingInput(f.Name, f))
	}
	for _, sec := range fundingSections {
		p := fundingPart{Key: sec.Key, Label: v.T(sec.Label), Error: v.Errors[sec.Key], ErrorID: fieldID(sec.Key)}
		for _, f := range sec.Fields {
			p.Fields = append(p.Fields, v.fundingInput(sec.Key+"."+f.Name, f))
		}
		_, p.Lists = v.sectionForm(section{Key: sec.Key, Lists: sec.Lists})
		for _, l := range p.Lists {
			for _, row := range l.Rows {
				for i := range row {
					if strings.HasSuffix(row[i].Path, "Fen") {
						row[i].Hint = v.T("fund_yuan_hint")
					}
				}
			}
		}
		fv.Parts = append(fv.Parts, p)
	}
	return fv
}

func (v *view) fundingInput(path string, f sectionField) field {
	if f.Kind == "yuan" {
		fl := v.Field(path, f.Label, "text")
		fl.Hint = v.T("fund_yuan_hint")
		return fl
	}
	return v.sectionInput(path, f)
}

// fundingBody reads the form into the API's application; amounts typed in
// yuan go as fen, the uploads as their ids. What cannot even be sent is
// reported next to its input.
func (s *Server) fundingBody(r *http.Request, v *view) (map[string]any, map[string][]int) {
	app := map[string]any{}
	rows := map[string][]int{}
	for _, f := range fundingTop {
		if val, ok := s.fundingValue(r, v, f.Name, f); ok {
			app[f.Name] = val
		}
	}
	if c, ok := app["category"].(string); ok {
		n, _ := strconv.Atoi(c) // a select of 1, 2, 3; anything else the API refuses as 0
		app["category"] = n
	}
	for _, sec := range fundingSections {
		obj := map[string]any{}
		for _, f := range sec.Fields {
			if val, ok := s.fundingValue(r, v, sec.Key+"."+f.Name, f); ok {
				obj[f.Name] = val
			}
		}
		for _, l := range sec.Lists {
			prefix := listPrefix(sec, l)
			v.Form[rowsParam(prefix)] = r.PostFormValue(rowsParam(prefix))
			n, _ := strconv.Atoi(r.PostFormValue(rowsParam(prefix)))
			list := []any{}
			for i := range min(max(n, 0), maxRows) {
				row := map[string]any{}
				for _, f := range l.Fields {
					path := fmt.Sprintf("%s[%d].%s", prefix, i, f.Name)
					if val, ok := s.fundingValue(r, v, path, f); ok {
						row[f.Name] = val
					}
				}
				if len(row) > 0 || v.Errors[fmt.Sprintf("%s[%d].amountFen", prefix, i)] != "" {
					rows[prefix] = append(rows[prefix], i)
					list = append(list, row)
				}
			}
			obj[l.Name] = list
		}
		if len(obj) > 0 {
			app[sec.Key] = obj
		}
	}
	if st, ok := app["statements"].(map[string]any); ok {
		if id, ok := st["proof"].(string); ok {
			st["proof"] = []string{id}
		}
	}
	return app, rows
}

// fundingValue reads one input: amounts in yuan as fen, an upload as its
// id.
func (s *Server) fundingValue(r *http.Request, v *view, path string, f sectionField) (any, bool) {
	switch f.Kind {
	case "yuan":
		raw := strings.TrimSpace(r.PostFormValue(path))
		v.Form[path] = raw
		if raw == "" {
			return nil, false
		}
		fen, ok := toFen(raw)
		if !ok {
			v.addLocal(path, v.T("fund_yuan_hint"))
			return nil, false
		}
		return fen, true
	case "file":
		a, ok := s.uploaded(r, v, path, f.Upload)
		if at, isAtt := a.(attachment); ok && isAtt {
			return at.ID, true
		}
		if at, isAtt := a.(*attachment); ok && isAtt {
			return at.ID, true
		}
		return nil, false
	}
	return s.sectionValue(r, v, path, f)
}

// fundingFormFrom fills v.Form from an application as the API reads it.
func fundingFormFrom(v *view, app map[string]any) {
	var walk func(prefix string, x any)
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, y := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, y)
			}
		case []any:
			if prefix == "statements.proof" {
				if len(t) > 0 {
					walk(prefix, t[0])
				}
				return
			}
			v.Form[rowsParam(prefix)] = strconv.Itoa(len(t))
			for i, y := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), y)
			}
		case bool:
			if t {
				v.Form[prefix] = "on"
			}
		case float64:
			if strings.HasSuffix(prefix, "Fen") {
				v.Form[prefix] = fenText(int64(t))
			} else {
				v.Form[prefix] = strconv.FormatFloat(t, 'f', -1, 64)
			}
		case string:
			if prefix == "approval.scanFileId" || prefix == "statements.proof" {
				v.Form[prefix+".id"], v.Form[prefix+".name"] = t, v.T("fund_uploaded")
				return
			}
			v.Form[prefix] = t
		}
	}
	walk("", app)
}

// describeUpload names the upload the form holds at path as the file
// store does (its name, size and digest), read through the API.
func (s *Server) describeUpload(r *http.Request, v *view, path string) {
	id := v.Form[path+".id"]
	if id == "" {
		return
	}
	a := s.api(r, call{method: "GET", path: "/files/" + url.PathEscape(id)})
	if !a.ok() {
		return // the form keeps the id; the API judges it on save
	}
	if _, params, err := mime.ParseMediaType(a.header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		v.Form[path+".name"] = params["filename"]
	}
	v.Form[path+".size"] = strconv.Itoa(a.body.Len())
	v.Form[path+".sha256"] = a.header.Get("X-Content-SHA256")
	v.Form[path+".contentType"] = a.header.Get("Content-Type")
}

func (s *Server) fundingNew(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_new")
	if !s.signedIn(w, r, v) {
		return
	}
	v.Data = v.fundingForm("", "", 0)
	s.render(w, r, http.StatusOK, "funding_form", v)
}

// fundingRead reads an application (GET /api/v1/funding/{id}).
func (s *Server) fundingRead(r *http.Request, id string) (*answer, map[string]any) {
	a := s.api(r, call{method: "GET", path: "/funding/" + id})
	var rec map[string]any
	if !a.ok() || a.decode(&rec) != nil {
		return a, nil
	}
	return a, rec
}

func (s *Server) fundingEdit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_edit")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a, rec := s.fundingRead(r, id)
	if rec == nil {
		s.failed(w, r, v, a)
		return
	}
	app, _ := rec["application"].(map[string]any)
	fundingFormFrom(v, app)
	for _, path := range []string{"approval.scanFileId", "statements.proof"} {
		s.describeUpload(r, v, path)
	}
	if r.URL.Query().Get("saved") != "" {
		v.Flash = v.T("saved_ok")
	}
	st, _ := rec["status"].(string)
	ver, _ := rec["version"].(float64)
	v.Data = v.fundingForm(id, st, int64(ver))
	s.render(w, r, http.StatusOK, "funding_form", v)
}

// fundingSave saves the application as a draft: a new one (POST
// /api/v1/funding) or the next revision pinned to the version edited.
// Every error the API finds comes back next to its input at once.
func (s *Server) fundingSave(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_edit")
	if !s.signedIn(w, r, v) {
		return
	}
	if err := r.ParseMultipartForm(maxUpload); err != nil && err != http.ErrNotMultipart {
		v.Error = v.T("upload_failed")
		s.render(w, r, http.StatusBadRequest, "message", v)
		return
	}
	id := ""
	if chi.URLParam(r, "id") != "" {
		var ok bool
		if id, ok = recordID(r); !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
	}
	app, rows := s.fundingBody(r, v)
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	status := r.PostFormValue("status")
	show := func(code int) {
		v.relabel(fundingLabel)
		v.Data = v.fundingForm(id, status, version)
		s.render(w, r, code, "funding_form", v)
	}
	if len(v.Problems) > 0 {
		show(http.StatusUnprocessableEntity)
		return
	}
	c := call{method: "POST", path: "/funding", body: map[string]any{"application": app}, header: map[string]string{"Idempotency-Key": idemKey(r)}}
	if id != "" {
		c.method, c.path = "PUT", "/funding/"+id
		c.header["If-Match"] = fmt.Sprintf(`"%d"`, version)
	}
	a := s.api(r, c)
	switch {
	case a.ok():
		if id == "" {
			id = strings.TrimPrefix(a.header.Get("Location"), "/api/v1/funding/")
		}
		http.Redirect(w, r, "/funding/"+id+"/edit?saved=1", http.StatusSeeOther)
	case a.status == http.StatusPreconditionFailed || a.status == http.StatusConflict && a.problem().Rule == "":
		v.Error = v.T("stale")
		show(http.StatusConflict)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
		p := a.problem()
		for i, e := range p.Errors {
			p.Errors[i].Path = fundingFormPath(e.Path, rows)
		}
		v.addProblems(p)
		show(a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// fundingFormPath is the input of an API error's path: the application's
// prefix dropped, a budget source's row mapped back past empty ones, a
// proof's index and an upload's inner fields to their input.
func fundingFormPath(path string, rows map[string][]int) string {
	path = strings.TrimPrefix(strings.TrimPrefix(path, "body:"), "application.")
	if strings.HasPrefix(path, "statements.proof") {
		return "statements.proof"
	}
	if strings.HasPrefix(path, "approval.scanFileId") {
		return "approval.scanFileId"
	}
	if m := rowIndex.FindStringSubmatch(path + "."); m != nil {
		if i, err := strconv.Atoi(m[2]); err == nil && i < len(rows[m[1]]) {
			rest := strings.TrimPrefix(path, m[0][:len(m[0])-1])
			path = fmt.Sprintf("%s[%d]%s", m[1], rows[m[1]][i], rest)
		}
	}
	return path
}

// fundingRecordView is an application's page.
type fundingRecordView struct {
	ID, Status, StatusLabel string
	Version                 int64
	Name                    string
	Facts                   []fact
	Flags                   []string
	Holder                  struct {
		Role  string    `json:"holderRole"`
		Since time.Time `json:"since"`
		Final bool      `json:"final"`
	}
	Log  []logEntry
	Idem string
	// What the user may do now.
	Edit, Submit, Withdraw, Decide, Report, Clawback bool
	Stale                                            bool
	GrantedFen                                       int64
	Year                                             string
}

func (s *Server) fundingRecord(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	switch r.URL.Query().Get("done") {
	case "submit":
		v.Flash = v.T("fund_done_submit")
	case "withdraw":
		v.Flash = v.T("fund_done_withdraw")
	case "decided":
		v.Flash = v.T("decided")
	case "report":
		v.Flash = v.T("saved_ok")
	}
	s.showFunding(w, r, v, http.StatusOK, r.URL.Query().Get("pos"))
}

// showFunding renders the application's page: from its stream, with its
// status view and approval log (read models awaited to pos when given).
func (s *Server) showFunding(w http.ResponseWriter, r *http.Request, v *view, status int, pos string) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a, rec := s.fundingRead(r, id)
	if rec == nil {
		s.failed(w, r, v, a)
		return
	}
	hdr := map[string]string{}
	if validPosition(pos) {
		hdr["X-Econf-Min-Position"] = pos
	}
	st, _ := rec["status"].(string)
	ver, _ := rec["version"].(float64)
	app, _ := rec["application"].(map[string]any)
	granted, _ := rec["grantedFen"].(float64)
	rv := fundingRecordView{ID: id, Status: st, StatusLabel: fundingKind.status(v, st), Version: int64(ver), Idem: randomToken(18),
		Stale: status == http.StatusConflict, GrantedFen: int64(granted), Name: str(app, "conference", "nameZh")}
	money := func(p string) string {
		if f, ok := app[p].(float64); ok {
			return yuan(int64(f)) + " " + v.T("fund_yuan")
		}
		return ""
	}
	budget := ""
	if b, ok := app["budget"].(map[string]any); ok {
		if f, ok := b["totalFen"].(float64); ok {
			budget = yuan(int64(f)) + " " + v.T("fund_yuan")
		}
	}
	cat := str(app, "category")
	rv.Facts = []fact{
		{v.T("f_nameZh"), str(app, "conference", "nameZh"), ""},
		{v.T("f_nameEn"), str(app, "conference", "nameEn"), "en"},
		{v.T("fund_opening") + " / " + v.T("fund_closing"), str(app, "conference", "openingDate") + " — " + str(app, "conference", "closingDate"), ""},
		{v.T("fund_city"), str(app, "conference", "city"), ""},
		{v.T("fund_category"), v.code("fcat_", cat), ""},
		{v.T("fund_nature"), v.code("fnature_", str(app, "nature")), ""},
		{v.T("fund_total") + " / " + v.T("fund_foreign"), str(app, "attendance", "total") + " / " + str(app, "attendance", "foreign"), ""},
		{v.T("fund_approval_no"), firstNonEmpty(str(app, "approval", "number"), str(app, "approval", "declarationId")), ""},
		{v.T("fund_budget_total"), budget, ""},
		{v.T("fund_requested"), money("requestedFen"), ""},
	}
	if rv.GrantedFen > 0 {
		rv.Facts = append(rv.Facts, fact{v.T("fund_granted"), yuan(rv.GrantedFen) + " " + v.T("fund_yuan"), ""})
	}
	if fl, ok := rec["flags"].(map[string]any); ok {
		for _, k := range []string{"stateCouncil", "foreignMinistry", "academyName"} {
			if b, _ := fl[k].(bool); b {
				rv.Flags = append(rv.Flags, v.T("fflag_"+k))
			}
		}
	}
	if d := str(app, "conference", "openingDate"); len(d) >= 4 {
		rv.Year = d[:4]
	}
	base := "/funding/" + id
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
			e.Before = fundingKind.status(v, e.StatusBefore)
		}
		e.After = fundingKind.status(v, e.StatusAfter)
	}
	rv.Log = log.Entries
	institute := v.Me.Role == "unit_admin"
	rv.Edit = institute && slices.Contains(fundingEditable, st)
	rv.Submit = rv.Edit
	rv.Withdraw = institute && st == "submitted"
	rv.Decide = v.Me.Role == "authority_reviewer" && st == "submitted"
	rv.Report = institute && st == "granted"
	rv.Clawback = v.Me.Role == "authority_reviewer" && st == "granted"
	if rv.Name != "" {
		v.Title = rv.Name
	}
	if rv.Decide && v.Form["amount"] == "" {
		if f, ok := app["requestedFen"].(float64); ok {
			v.Form["amount"] = fenText(int64(f))
		}
	}
	v.Data = rv
	s.render(w, r, status, "funding_record", v)
}

// stale reports whether a refused command met a newer version than the
// page showed (rather than a rule).
func stale(a *answer) bool {
	return a.status == http.StatusPreconditionFailed || a.status == http.StatusConflict && a.problem().Rule == ""
}

// fundingCommand submits or withdraws the application, pinned to the
// version shown: every unmet rule of the submission comes back at once.
func (s *Server) fundingCommand(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "funding")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		if !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		a := s.api(r, call{method: "POST", path: "/funding/" + id + "/" + action,
			header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%s"`, r.PostFormValue("version"))}})
		switch {
		case a.ok():
			http.Redirect(w, r, "/funding/"+id+"?done="+action+"&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		case stale(a):
			v.Error = v.T("stale")
			s.showFunding(w, r, v, http.StatusConflict, "")
		case a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
			p := a.problem()
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
			for i, e := range p.Errors {
				p.Errors[i].Path = fundingFormPath(e.Path, nil)
			}
			v.addProblems(p)
			v.relabel(fundingLabel)
			for i := range v.Problems {
				v.Problems[i].ID = "" // the inputs are on the form's page
			}
			s.showFunding(w, r, v, a.status, "")
		default:
			s.failed(w, r, v, a)
		}
	}
}

// fundingDecide is the bureau's decision on a submitted application:
// grant an amount (yuan, sent in fen), return it to the institute or
// reject it with a reason; pinned to the version shown, so a decision
// someone made meanwhile is said plainly instead of overwritten.
func (s *Server) fundingDecide(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	action := r.PostFormValue("action")
	if !slices.Contains([]string{"grant", "return", "reject"}, action) {
		ok = false
	}
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if !ok || err != nil {
		v.Error = v.Msg("表单无效，请刷新页面后重试。", "The form is not valid: reload the page and try again.")
		s.render(w, r, http.StatusBadRequest, "message", v)
		return
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	v.Form["comment"], v.Form["amount"] = comment, r.PostFormValue("amount")
	var body any = map[string]string{"reason": comment}
	if action == "grant" {
		fen, ok := toFen(r.PostFormValue("amount"))
		if !ok {
			v.addLocal("amount", v.T("fund_yuan_hint"))
			v.relabel(fundingLabel)
			s.showFunding(w, r, v, http.StatusUnprocessableEntity, "")
			return
		}
		b := map[string]any{"amountFen": fen}
		if comment != "" {
			b["comment"] = comment
		}
		body = b
	}
	a := s.api(r, call{method: "POST", path: "/funding/" + id + "/" + action, body: body,
		header: map[string]string{"If-Match": fmt.Sprintf(`"%d"`, version), "Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		http.Redirect(w, r, "/funding/"+id+"?done=decided&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	case stale(a):
		v.Error = v.T("stale")
		s.showFunding(w, r, v, http.StatusConflict, "")
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest || a.status == http.StatusConflict:
		p := a.problem()
		for i, e := range p.Errors {
			switch e.Path {
			case "amountFen":
				p.Errors[i].Path = "amount"
			default:
				p.Errors[i].Path = "comment"
			}
		}
		if len(p.Errors) == 0 {
			v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		}
		v.addProblems(p)
		v.relabel(fundingLabel)
		s.showFunding(w, r, v, a.status, "")
	default:
		s.failed(w, r, v, a)
	}
}

// fundingReport hands in the funded conference's acknowledgement of the
// funder (evidence uploads, R-FUND-05), a progress report (R-FUND-09) or
// its summary (R-FUND-06): a text and a file, each error next to its
// input.
func (s *Server) fundingReport(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "funding")
		if !s.signedIn(w, r, v) {
			return
		}
		id, ok := recordID(r)
		if !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			v.Error = v.T("upload_failed")
			s.render(w, r, http.StatusBadRequest, "message", v)
			return
		}
		textKey, filesKey := "text", "files"
		if kind == "acknowledgement" {
			textKey, filesKey = "note", "evidence"
		}
		txtPath, filePath := kind+"."+textKey, kind+"."+filesKey
		v.Form[txtPath] = strings.TrimSpace(r.PostFormValue(txtPath))
		files := []string{}
		if up, ok := s.uploaded(r, v, filePath, "funding_proof"); ok {
			switch at := up.(type) {
			case attachment:
				files = append(files, at.ID)
			case *attachment:
				files = append(files, at.ID)
			}
		}
		if len(v.Problems) > 0 {
			v.relabel(fundingLabel)
			s.showFunding(w, r, v, http.StatusUnprocessableEntity, "")
			return
		}
		body := map[string]any{filesKey: files}
		if v.Form[txtPath] != "" || kind != "acknowledgement" {
			body[textKey] = v.Form[txtPath]
		}
		a := s.api(r, call{method: "POST", path: "/funding/" + id + "/" + kind, body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
		switch {
		case a.ok():
			http.Redirect(w, r, "/funding/"+id+"?done=report&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		case a.status == http.StatusUnprocessableEntity || a.status == http.StatusBadRequest || a.status == http.StatusConflict:
			p := a.problem()
			for i, e := range p.Errors {
				head, _, _ := strings.Cut(strings.TrimPrefix(e.Path, "body:"), "[")
				if head != textKey {
					head = filesKey
				}
				p.Errors[i].Path = kind + "." + head
			}
			if len(p.Errors) == 0 {
				p.Errors = []fieldError{{Path: txtPath, Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
			}
			v.addProblems(p)
			v.relabel(fundingLabel)
			s.showFunding(w, r, v, a.status, "")
		default:
			s.failed(w, r, v, a)
		}
	}
}

// ReportForms are the funded conference's three reports on its page.
func (v *view) ReportForms() []string { return []string{"acknowledgement", "progress", "summary"} }

// fundingPlanView is a year's plan: totals against the budget per
// category, and once decided the funded conferences and the notice.
type fundingPlanView struct {
	Year        string
	Plan        map[string]any
	BudgetFen   int64
	GrantedFen  int64
	LeftFen     int64
	Over        bool
	Categories  []fundingTotal
	Lines       []fundingLine
	Decided     bool
	DecidedAt   string
	Late        bool
	Overdue     bool
	Comment     string
	Decide      bool
	Idem        string
	BureauName  string
	NoticeHref  string
	GrantedPart int // percent of the budget granted, for the meter
}

type fundingTotal struct {
	Category                   string
	Applications, Funded       int64
	RequestedFen, GrantedFen   int64
	RequestedText, GrantedText string
}

type fundingLine struct {
	FundingID, InstituteName, NameZh, Category string
	RequestedFen, GrantedFen                   int64
}

// fundingPlan shows the year's plan as the API reads it: per category the
// applications that reached the bureau, funded, requested and granted,
// against the call's budget; the bureau decides it here (R-FUND-05) and
// everyone reads the notice PDF once decided.
func (s *Server) fundingPlan(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_plan")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("fund_plan_decided")
	}
	s.showPlan(w, r, v, http.StatusOK, r.URL.Query().Get("pos"))
}

func (s *Server) showPlan(w http.ResponseWriter, r *http.Request, v *view, status int, pos string) {
	year := chi.URLParam(r, "year")
	if n, err := strconv.Atoi(year); err != nil || n < 2000 || n > 2200 {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	hdr := map[string]string{}
	if validPosition(pos) {
		hdr["X-Econf-Min-Position"] = pos
	}
	a := s.api(r, call{method: "GET", path: "/funding/plans/" + year, header: hdr})
	var p struct {
		BureauName string  `json:"bureauName"`
		BudgetFen  int64   `json:"budgetFen"`
		Decided    *planIn `json:"decided"`
		View       struct {
			GrantedFen int64     `json:"grantedFen"`
			LeftFen    int64     `json:"leftFen"`
			Categories []totalIn `json:"categories"`
			Late       bool      `json:"late"`
			Overdue    bool      `json:"overdue"`
		} `json:"view"`
	}
	if !a.ok() || a.decode(&p) != nil {
		s.failed(w, r, v, a)
		return
	}
	pv := fundingPlanView{Year: year, BudgetFen: p.BudgetFen, GrantedFen: p.View.GrantedFen, LeftFen: p.View.LeftFen, Over: p.View.LeftFen < 0,
		Overdue: p.View.Overdue, BureauName: p.BureauName, Idem: randomToken(18)}
	if p.BudgetFen > 0 {
		pv.GrantedPart = int(min(max(p.View.GrantedFen*100/p.BudgetFen, 0), 100))
	}
	for _, c := range p.View.Categories {
		pv.Categories = append(pv.Categories, fundingTotal{Category: v.code("fcat_", strconv.Itoa(c.Category)), Applications: c.Applications, Funded: c.Funded,
			RequestedFen: c.RequestedFen, GrantedFen: c.GrantedFen})
	}
	if d := p.Decided; d != nil {
		pv.Decided, pv.Late, pv.Comment, pv.DecidedAt = true, d.Late, d.Comment, v.Time(d.At)
		for _, l := range d.Lines {
			pv.Lines = append(pv.Lines, fundingLine{FundingID: l.FundingID, InstituteName: l.InstituteName, NameZh: l.NameZh,
				Category: v.code("fcat_", strconv.Itoa(l.Category)), RequestedFen: l.RequestedFen, GrantedFen: l.GrantedFen})
		}
		pv.NoticeHref = "/funding/plans/" + year + "/notice.pdf"
	}
	pv.Decide = !pv.Decided && v.Me.Role == "authority_reviewer"
	v.Title = v.Tf("fund_plan_title", year)
	v.Data = pv
	s.render(w, r, status, "funding_plan", v)
}

type totalIn struct {
	Category     int   `json:"category"`
	Applications int64 `json:"applications"`
	Funded       int64 `json:"funded"`
	RequestedFen int64 `json:"requestedFen"`
	GrantedFen   int64 `json:"grantedFen"`
}

type planIn struct {
	Lines []struct {
		FundingID     string `json:"fundingId"`
		InstituteName string `json:"instituteName"`
		NameZh        string `json:"nameZh"`
		Category      int    `json:"category"`
		RequestedFen  int64  `json:"requestedFen"`
		GrantedFen    int64  `json:"grantedFen"`
	} `json:"lines"`
	Comment string    `json:"comment"`
	Late    bool      `json:"late"`
	At      time.Time `json:"at"`
}

// fundingDecidePlan records the leaders' decision on the year's plan
// (R-FUND-05): refused while an application awaits review, over budget, or
// twice, each said on the page.
func (s *Server) fundingDecidePlan(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_plan")
	if !s.signedIn(w, r, v) {
		return
	}
	year, err := strconv.Atoi(chi.URLParam(r, "year"))
	if err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body := map[string]any{"year": year}
	v.Form["comment"] = strings.TrimSpace(r.PostFormValue("comment"))
	if v.Form["comment"] != "" {
		body["comment"] = v.Form["comment"]
	}
	hdr := map[string]string{"Idempotency-Key": idemKey(r)}
	if p := r.PostFormValue("pos"); validPosition(p) {
		hdr["X-Econf-Min-Position"] = p
	}
	a := s.api(r, call{method: "POST", path: "/funding/plans", body: body, header: hdr})
	switch {
	case a.ok():
		http.Redirect(w, r, "/funding/plans/"+strconv.Itoa(year)+"?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
	case a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict || a.status == http.StatusBadRequest:
		p := a.problem()
		v.Error = v.Msg(p.Zh, firstNonEmpty(p.Detail, p.Title))
		if p.Rule != "" {
			v.Error += " (" + p.Rule + ")"
		}
		for _, e := range p.Errors {
			v.Error += " " + v.Msg(e.Zh, e.Message)
			if e.Rule != "" {
				v.Error += " (" + e.Rule + ")"
			}
		}
		s.showPlan(w, r, v, a.status, "")
	default:
		s.failed(w, r, v, a)
	}
}

// fundingNotice hands the plan's notice PDF from the API to the browser.
func (s *Server) fundingNotice(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_plan")
	if !s.signedIn(w, r, v) {
		return
	}
	year := chi.URLParam(r, "year")
	if n, err := strconv.Atoi(year); err != nil || n < 2000 || n > 2200 {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/funding/plans/" + year + "/notice.pdf"})
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

var _ = addMsgs(fundingMsgs)

var fundingMsgs = map[string][2]string{
	"funding":                  {"会议资助", "Conference funding"},
	"fund_new":                 {"新建资助申请", "New funding application"},
	"fund_edit":                {"资助申请表", "Funding application"},
	"fund_plan":                {"年度资助计划", "The year's funding plan"},
	"fund_plan_title":          {"%s年度会议资助计划", "Conference funding plan %s"},
	"fund_eligibility":         {"申请资格", "Eligibility to apply"},
	"fsec_conference":          {"会议信息", "The conference"},
	"fsec_approval":            {"审批情况", "Approval"},
	"fsec_attendance":          {"参会人数", "Attendance"},
	"fsec_statements":          {"说明事项", "Statements"},
	"fsec_budget":              {"经费预算", "Budget"},
	"fund_opening":             {"开幕日期", "Opening date"},
	"fund_closing":             {"闭幕日期", "Closing date"},
	"fund_city":                {"举办城市", "City"},
	"fund_declaration":         {"已批准的申报编号（可选）", "Approved declaration's id (optional)"},
	"fund_approval_no":         {"批件文号", "Approval document number"},
	"fund_approval_date":       {"批件日期", "Approval document date"},
	"fund_approval_scan":       {"批件扫描件", "Approval document scan"},
	"fund_total":               {"参会总人数", "Attendance in all"},
	"fund_foreign":             {"外宾人数", "Foreign guests"},
	"fund_foreign_leaders":     {"有外国领导人出席", "Foreign leaders attend"},
	"fund_sensitive":           {"涉及敏感问题", "Sensitive matters"},
	"fund_academy_name":        {"使用院名义", "Uses the academy's name"},
	"fund_academy_leaders":     {"院领导出席", "The academy's leaders attend"},
	"fund_proof":               {"院领导事先同意的证明", "Proof of the leaders' prior approval"},
	"fund_budget_total":        {"会议总预算（元）", "Total budget (yuan)"},
	"fund_sources":             {"其他经费来源", "Other sources of funds"},
	"fund_source_name":         {"来源", "Source"},
	"fund_source_amount":       {"金额（元）", "Amount (yuan)"},
	"fund_category":            {"资助类别", "Category"},
	"fund_nature":              {"会议性质", "Nature"},
	"fund_first_host":          {"我院或院属单位为第一主办或承办单位", "The academy or an institute is first host or organiser"},
	"fund_requested":           {"申请资助金额（元）", "Requested (yuan)"},
	"fund_granted":             {"资助金额（元）", "Granted (yuan)"},
	"fund_yuan":                {"元", "yuan"},
	"fund_yuan_hint":           {"以元为单位，最多两位小数，例如 100000 或 1250.50", "In yuan, at most two decimals, e.g. 100000 or 1250.50"},
	"fund_uploaded":            {"已上传的文件", "the uploaded file"},
	"fund_institute":           {"院属单位", "Institute"},
	"fund_obligations":         {"资助后义务", "Obligations"},
	"fund_ack_done":            {"已致谢", "acknowledged"},
	"fund_progress_n":          {"进展报告 %d 份", "%d progress reports"},
	"fund_summary_on":          {"总结已交 %s", "summary in %s"},
	"fund_summary_late":        {"（逾期提交）", "(late)"},
	"fcat_1":                   {"第一类（获得主办权）", "Category 1 (hosting rights)"},
	"fcat_2":                   {"第二类（牵头发起）", "Category 2 (academy-led)"},
	"fcat_3":                   {"第三类（联合举办）", "Category 3 (joint)"},
	"fnature_hosting_rights":   {"获得主办权", "Hosting rights won"},
	"fnature_academy_led":      {"我院科学家牵头发起", "Led by the academy's scientists"},
	"fnature_joint":            {"与境外机构联合举办", "Joint with foreign institutions"},
	"fstatus_draft":            {"草稿", "Draft"},
	"fstatus_submitted":        {"已提交，待国际合作局审核", "Submitted, with the bureau"},
	"fstatus_returned":         {"已退回修改", "Returned for revision"},
	"fstatus_withdrawn":        {"已撤回", "Withdrawn"},
	"fstatus_granted":          {"已批准资助", "Granted"},
	"fstatus_rejected":         {"未予资助", "Rejected"},
	"fflag_stateCouncil":       {"须报国务院审批", "Needs the State Council's approval"},
	"fflag_foreignMinistry":    {"须征得外交部同意", "Needs the foreign ministry's consent"},
	"fflag_academyName":        {"使用院名义或院领导出席（已附证明）", "Uses the academy's name or leaders (proof attached)"},
	"fund_calls":               {"年度资助征集通知", "The yearly calls"},
	"fund_call_year":           {"会议年度", "Conferences of"},
	"fund_call_window":         {"征集期", "Open"},
	"fund_call_budget":         {"资助总预算（元）", "Budget (yuan)"},
	"fund_call_plan":           {"资助计划", "Plan"},
	"fund_publish_call":        {"发布明年的资助征集通知", "Publish next year's call"},
	"fund_publish":             {"发布", "Publish"},
	"fund_call_published":      {"征集通知已发布。", "The call is published."},
	"fund_apply":               {"新建资助申请", "New application"},
	"fund_my_eligibility":      {"本单位申请资格", "My institute's eligibility"},
	"fund_save_draft":          {"保存草稿", "Save draft"},
	"fund_submit":              {"提交至国际合作局", "Submit to the bureau"},
	"fund_submit_hint":         {"提交前请先保存草稿；提交时检查全部规则，未满足的一次列出。", "Save the draft first; submitting checks every rule and lists each unmet one at once."},
	"fund_done_submit":         {"申请已提交。", "The application is submitted."},
	"fund_done_withdraw":       {"申请已撤回。", "The application is withdrawn."},
	"fund_edit_link":           {"修改申请", "Edit the application"},
	"fund_withdraw":            {"撤回申请", "Withdraw the application"},
	"fund_review":              {"国际合作局审核", "The bureau's review"},
	"fund_grant_amount":        {"资助金额（元）", "Amount granted (yuan)"},
	"fund_grant":               {"批准资助", "Grant"},
	"fund_return":              {"退回修改", "Return for revision"},
	"fund_reject":              {"不予资助", "Reject"},
	"fund_review_hint":         {"退回或不予资助须填写理由；金额不得超过申请金额和该类别上限。", "A return or rejection needs a reason; the amount may not exceed the request or the category's cap."},
	"fund_flags":               {"审批提示", "Approvals needed"},
	"fund_reports":             {"资助后义务", "After the grant"},
	"fund_acknowledgement":     {"致谢标注", "Acknowledging the funder"},
	"fund_progress":            {"进展情况", "Progress report"},
	"fund_summary":             {"会议总结", "Summary"},
	"fund_r_note":              {"说明", "Note"},
	"fund_r_evidence":          {"材料（标注“中国科学院国际合作局资助”的会议材料）", "Evidence (conference materials acknowledging the bureau's funding)"},
	"fund_r_text":              {"内容", "Text"},
	"fund_r_files":             {"附件", "Attachment"},
	"fund_send":                {"提交", "Hand in"},
	"fund_plan_budget":         {"预算", "Budget"},
	"fund_plan_granted":        {"已批准资助", "Granted"},
	"fund_plan_left":           {"剩余预算", "Budget left"},
	"fund_plan_over":           {"超出预算", "Over budget"},
	"fund_applications":        {"申请数", "Applications"},
	"fund_funded":              {"资助数", "Funded"},
	"fund_requested_sum":       {"申请金额（元）", "Requested (yuan)"},
	"fund_granted_sum":         {"资助金额（元）", "Granted (yuan)"},
	"fund_plan_decide":         {"院领导审定资助计划", "The leaders' decision on the plan"},
	"fund_plan_decide_hint":    {"计划整体审定一次；仍有待审核的申请或超出预算时不能审定。", "The plan is decided once, as a whole; not while an application awaits review or over budget."},
	"fund_plan_decide_btn":     {"审定计划", "Decide the plan"},
	"fund_plan_decided":        {"资助计划已审定。", "The plan is decided."},
	"fund_plan_decided_at":     {"审定时间", "Decided at"},
	"fund_plan_late":           {"（晚于上一年12月31日审定）", "(decided after 31 December before the year)"},
	"fund_plan_overdue":        {"计划逾期未审定", "The plan is overdue"},
	"fund_plan_lines":          {"资助项目", "Funded conferences"},
	"fund_notice":              {"正式行文（PDF）", "The notice (PDF)"},
	"fund_not_decided":         {"计划尚未审定。", "The plan is not decided yet."},
	"fund_eligible":            {"可以申请", "May apply"},
	"fund_not_eligible":        {"暂不能申请", "May not apply now"},
	"fund_bars":                {"限制原因", "Why not"},
	"fund_until":               {"截至", "until"},
	"fund_sanctions":           {"处理记录", "Sanctions"},
	"fund_sanction_clawback":   {"追回资助", "Clawback"},
	"fund_sanction_suspension": {"暂停申请", "Suspension"},
	"fund_no_sanctions":        {"无处理记录。", "No sanctions."},
	"fund_period":              {"期间", "Period"},
	"fund_amount":              {"金额（元）", "Amount (yuan)"},
	"fund_reason":              {"原因", "Reason"},
	"fund_call_for":            {"征集年度", "Call year"},
	"inbox_fund_revise":        {"待修改或提交的资助申请", "Funding applications to revise or submit"},
	"inbox_fund_progress":      {"审核中的资助申请", "Funding applications in review"},
	"inbox_fund_obligations":   {"已资助会议的义务（致谢、进展、总结）", "Funded conferences' obligations (acknowledgement, progress, summary)"},
	"inbox_fund_review":        {"待审核的资助申请", "Funding applications to review"},
	"upload_funding_approval":  {"PDF、JPEG或PNG，不超过20 MiB；类型按内容判断", "PDF, JPEG or PNG, at most 20 MiB; the type is judged by content"},
	"upload_funding_proof":     {"PDF、JPEG或PNG，不超过20 MiB；类型按内容判断", "PDF, JPEG or PNG, at most 20 MiB; the type is judged by content"},
}
