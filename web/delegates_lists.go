package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The organiser's pages across units (seed 004, part 9): the congress's
// overview (each invited unit's allotment, its nominees at each stage,
// its quota met or not, reported or not) and the list of every nominee
// one may read with the seed's filters (congress, identity, name, ethnic
// group, occupation category, party, submission dates, status), sort by
// any column, paging and the xlsx export, all the API's.

// unitOverview is one unit of GET /congresses/{id}/overview.
type unitOverview struct {
	Unit          string    `json:"unit"`
	UnitName      string    `json:"unitName"`
	Allotment     allotment `json:"allotment"`
	Allotted      int       `json:"allotted"`
	Added         int       `json:"added"`
	Approved      int       `json:"approved"`
	Reported      int       `json:"reported"`
	FinalApproved int       `json:"finalApproved"`
	FinalRejected int       `json:"finalRejected"`
	HasReported   bool      `json:"hasReported"`
	QuotaMet      bool      `json:"quotaMet"`
}

type overviewDoc struct {
	Congress      string         `json:"congress"`
	Name          string         `json:"name"`
	ReferenceDate string         `json:"referenceDate"`
	Units         []unitOverview `json:"units"`
	NotReported   []string       `json:"notReported"`
	Totals        unitOverview   `json:"totals"`
}

func (s *Server) congressOverview(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "d_overview", "id")
	if !ok {
		return
	}
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/overview", header: minPosition(r)})
	var o overviewDoc
	if !a.ok() || a.decode(&o) != nil {
		s.failed(w, r, v, a)
		return
	}
	names, _ := s.unitNames(r, v)
	for i := range o.Units {
		o.Units[i].UnitName = cmp.Or(names[o.Units[i].Unit], o.Units[i].UnitName)
	}
	v.Title = v.T("d_overview") + " · " + o.Name
	v.Data = o
	s.render(w, r, http.StatusOK, "congress_overview", v)
}

// delegateRow is one row of GET /delegates.
type delegateRow struct {
	ID           string          `json:"id"`
	CongressID   string          `json:"congressId"`
	UnitID       string          `json:"unitId"`
	UnitName     string          `json:"unitName"`
	Identity     string          `json:"identity"`
	Personal     bool            `json:"personal"`
	Name         string          `json:"name"`
	Gender       string          `json:"gender"`
	Ethnicity    string          `json:"ethnicity"`
	Affiliations []string        `json:"affiliations"`
	Occupation   string          `json:"occupation"`
	BirthDate    string          `json:"birthDate"`
	Age          *int            `json:"age"`
	IDNumber     string          `json:"idNumber"`
	Indicators   map[string]bool `json:"indicators"`
	Status       string          `json:"status"`
	SubmittedAt  time.Time       `json:"submittedAt"`
}

// delegatesView is the list page.
type delegatesView struct {
	Query      url.Values
	Congresses []option
	Identities []option
	Statuses   []option
	Parties    []option
	Rows       []delegateRow
	Page       forecastPage
	Columns    []column
	Export     string
	Prev, Next string
	Pages      int
}

// delegateFilters are the list's query parameters the page passes on.
var delegateFilters = []string{"congressId", "identity", "name", "ethnicity", "occupation", "party", "status", "submittedFrom", "submittedTo", "q", "sort", "order", "page"}

func (s *Server) delegatesList(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "d_all_nominees")
	if !s.signedIn(w, r, v) {
		return
	}
	q := url.Values{}
	for _, p := range delegateFilters {
		if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" {
			q.Set(p, x)
		}
	}
	dv := delegatesView{Query: q}
	a := s.api(r, call{method: "GET", path: "/delegates", query: q, header: minPosition(r)})
	var page struct {
		forecastPage
		Items []delegateRow `json:"items"`
	}
	if a.status == http.StatusBadRequest {
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "query:")
		}
		v.addProblems(p)
		for i := range v.Problems {
			if _, ok := msgs["d_q_"+v.Problems[i].Path]; ok {
				v.Problems[i].Label = v.T("d_q_" + v.Problems[i].Path)
			}
		}
	} else if !a.ok() || a.decode(&page) != nil {
		s.failed(w, r, v, a)
		return
	}
	dv.Page, dv.Rows = page.forecastPage, page.Items
	c := s.api(r, call{method: "GET", path: "/congresses"})
	var cl struct {
		Items []congressRow `json:"items"`
	}
	if c.ok() && c.decode(&cl) == nil {
		for _, x := range cl.Items {
			dv.Congresses = append(dv.Congresses, option{x.ID, x.Name})
		}
	}
	for _, i := range identities {
		dv.Identities = append(dv.Identities, option{i, v.T("d_id_" + i)})
	}
	for _, st := range []string{"pending", "approved", "rejected", "reported", "final_approved", "final_rejected"} {
		dv.Statuses = append(dv.Statuses, option{st, v.NomineeStatus(st)})
	}
	for _, p := range affiliations {
		dv.Parties = append(dv.Parties, option{p, p})
	}
	eq := cloneValues(q)
	eq.Del("page")
	eq.Set("format", "xlsx")
	dv.Export = "/delegates/export?" + eq.Encode()
	sort, order := q.Get("sort"), q.Get("order")
	if sort == "" {
		sort, order = "submittedAt", "desc"
	}
	for _, col := range []struct{ Sort, Label string }{
		{"unitName", "d_unit"}, {"name", "d_nominee_name"}, {"gender", "d_col_gender"}, {"ethnicity", "d_f_ethnicity"}, {"party", "d_col_party"},
		{"occupation", "d_f_occupation"}, {"birthDate", "d_f_birthDate"}, {"age", "d_col_age"}, {"", "d_f_idNumber"}, {"identity", "d_col_identity"},
		{"submittedAt", "d_col_submitted"}, {"status", "d_col_status"},
	} {
		cl := column{Label: v.T(col.Label)}
		if col.Sort != "" {
			cq := cloneValues(q)
			cq.Del("page")
			cq.Set("sort", col.Sort)
			cq.Set("order", "asc")
			if col.Sort == sort {
				cl.Sort = "ascending"
				if order == "desc" {
					cl.Sort = "descending"
				} else {
					cq.Set("order", "desc")
				}
			}
			cl.Href = "/delegates?" + cq.Encode()
		}
		dv.Columns = append(dv.Columns, cl)
	}
	if dv.Page.PageSize > 0 {
		dv.Pages = int((dv.Page.Total + int64(dv.Page.PageSize) - 1) / int64(dv.Page.PageSize))
		if dv.Page.Page > 1 {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(dv.Page.Page-1))
			dv.Prev = "/delegates?" + pq.Encode()
		}
		if dv.Page.Page < dv.Pages {
			pq := cloneValues(q)
			pq.Set("page", strconv.Itoa(dv.Page.Page+1))
			dv.Next = "/delegates?" + pq.Encode()
		}
	}
	v.Data = dv
	s.render(w, r, http.StatusOK, "delegates_list", v)
}

// delegatesExport streams the list's rows as the API exports them.
func (s *Server) delegatesExport(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "d_all_nominees")
	if !s.signedIn(w, r, v) {
		return
	}
	q := url.Values{}
	for _, p := range append(delegateFilters, "format") {
		if x := strings.TrimSpace(r.URL.Query().Get(p)); x != "" && p != "page" {
			q.Set(p, x)
		}
	}
	w.Header().Del("Content-Security-Policy") // the API sets its own
	s.API.ServeHTTP(w, s.apiRequest(r, call{method: "GET", path: "/delegates/export", query: q}))
}

var _ = addMsgs(listMsgs)

var listMsgs = map[string][2]string{
	"d_overview":          {"各单位推选概况", "Overview across units"},
	"d_overview_note":     {"名额是否符合按初审通过及已上报人员计算；已上报单位可查看其名额情况与人员。", "The quota is judged on the nominees approved or reported; a unit that reported opens on its quota view and nominees."},
	"d_ov_allotted":       {"可推选人数", "Places"},
	"d_ov_added":          {"已推荐", "Added"},
	"d_ov_approved":       {"初审通过待上报", "Approved, to report"},
	"d_ov_reported":       {"已上报", "Reported"},
	"d_ov_final_approved": {"终审通过", "Final passed"},
	"d_ov_final_rejected": {"终审不通过", "Final refused"},
	"d_ov_quota":          {"名额指标", "Quota"},
	"d_ov_report":         {"上报情况", "Report"},
	"d_ov_totals":         {"合计", "Totals"},
	"d_ov_not_reported":   {"尚未上报的单位：%d", "Units not reported yet: %d"},
	"d_all_nominees":      {"参会人员总表", "All nominees"},
	"d_col_age":           {"年龄", "Age"},
	"d_q_congressId":      {"代表大会", "Congress"},
	"d_q_submittedFrom":   {"提交时间（起）", "Submitted from"},
	"d_q_submittedTo":     {"提交时间（止）", "Submitted to"},
	"d_q_name":            {"姓名", "Name"},
	"d_q_party":           {"党派", "Party"},
	"d_q_occupation":      {"职业类别", "Occupation category"},
	"d_q_ethnicity":       {"民族", "Ethnic group"},
	"d_q_identity":        {"身份类型", "Identity"},
	"d_q_status":          {"状态", "Status"},
}
