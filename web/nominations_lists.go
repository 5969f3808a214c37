package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The lists nominations are found by: the cycles one takes part in (GET
// /api/v1/nomination-cycles: key dates, state, one's file and to-do) on
// the procedure's first page, and for the organiser's staff a cycle's
// files across units (GET /api/v1/nominations: status, kind and name
// filters, sort, pages, xlsx/csv export) on the cycle's page.

// nomCycleRow is one cycle of the list.
type nomCycleRow struct {
	ID   string `json:"id"`
	Spec struct {
		Year        int    `json:"year"`
		Title       string `json:"title"`
		Deadline    string `json:"deadline"`
		WindowStart string `json:"windowStart"`
		WindowEnd   string `json:"windowEnd"`
	} `json:"spec"`
	State      string `json:"state"`
	Recognised int    `json:"recognised"`
	File       *struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"file"`
	Todo []struct {
		Task  string `json:"task"`
		Due   string `json:"due"`
		File  string `json:"nominationId"`
		Count int    `json:"count"`
	} `json:"todo"`
}

// nominationCycles reads the cycles the signed-in user takes part in;
// none when the list cannot be read (the page still opens a cycle by id).
func (s *Server) nominationCycles(r *http.Request) []nomCycleRow {
	var l struct {
		Items []nomCycleRow `json:"items"`
	}
	if a := s.api(r, call{method: "GET", path: "/nomination-cycles"}); !a.ok() || a.decode(&l) != nil {
		return nil
	}
	return l.Items
}

// nomFilesView is a cycle's files across units, for the staff.
type nomFilesView struct {
	Items []struct {
		ID              string `json:"id"`
		UnitName        string `json:"unitName"`
		Kind            string `json:"kind"`
		Status          string `json:"status"`
		Plan            int    `json:"plan"`
		Recommendations int    `json:"recommendations"`
		Experts         int    `json:"experts"`
		Priority        bool   `json:"priority"`
		UpdatedAt       string `json:"updatedAt"`
	} `json:"items"`
	Total    int `json:"total"`
	Page     int `json:"page"`
	PageSize int `json:"pageSize"`
	// Query is the list's filters as a query string (cycleId, status, q,
	// sort, order), Prev and Next its neighbouring pages' ("" at an end).
	Query, Prev, Next string
	Status, Keyword   string
	Statuses          []option
	Sorts             []option
}

// nominationFiles reads a cycle's files as the page's query filters them.
func (s *Server) nominationFiles(r *http.Request, v *view, cycle string) *nomFilesView {
	in := r.URL.Query()
	q := url.Values{"cycleId": {cycle}}
	for _, k := range []string{"status", "q", "sort", "order", "page"} {
		if x := strings.TrimSpace(in.Get(k)); x != "" {
			q.Set(k, x)
		}
	}
	a := s.api(r, call{method: "GET", path: "/nominations", query: q})
	var fv nomFilesView
	if !a.ok() || a.decode(&fv) != nil {
		if a.status == http.StatusBadRequest {
			v.addProblems(a.problem()) // a bad filter, said at the list
		}
		return nil
	}
	fv.Status, fv.Keyword = q.Get("status"), q.Get("q")
	for _, st := range nominationKind.Statuses {
		fv.Statuses = append(fv.Statuses, option{st, nominationKind.status(v, st)})
	}
	for _, so := range []string{"unitName", "status", "updatedAt", "recommendations", "plan"} {
		fv.Sorts = append(fv.Sorts, option{so, v.T("nom_sort_" + so)})
	}
	q.Del("page")
	fv.Query = q.Encode()
	if fv.Page > 1 {
		fv.Prev = fv.Query + "&page=" + strconv.Itoa(fv.Page-1)
	}
	if fv.Page*fv.PageSize < fv.Total {
		fv.Next = fv.Query + "&page=" + strconv.Itoa(fv.Page+1)
	}
	return &fv
}

var _ = addMsgs(map[string][2]string{
	"nom_cycles":                   {"推荐周期", "Cycles"},
	"nom_state":                    {"状态", "State"},
	"ncycle_collecting":            {"征集中", "Collecting"},
	"ncycle_recognising":           {"认定中", "Recognising"},
	"ncycle_published":             {"指南已发布", "Guide published"},
	"nom_recognised_n":             {"已认定", "Recognised"},
	"nom_my_file":                  {"本单位推荐材料", "My unit's file"},
	"nom_todo":                     {"待办", "To do"},
	"ntask_start_file":             {"填报推荐材料", "Open the file"},
	"ntask_hand_in":                {"提交推荐材料", "Hand the list in"},
	"ntask_revise":                 {"修改后重新提交", "Revise and hand in again"},
	"ntask_notice_running":         {"公示中，期满后提交", "On notice: hand in after it"},
	"ntask_handle_objections":      {"处理公示异议", "Handle the objections"},
	"ntask_upload_resources":       {"提交会议资源", "Submit the resources"},
	"ntask_recognise":              {"认定推荐会议", "Recognise the conferences"},
	"ntask_publish_guide":          {"发布指南", "Publish the guide"},
	"nom_due":                      {"截止", "due"},
	"nom_files":                    {"各单位推荐材料", "The units' files"},
	"nom_keyword":                  {"单位名称", "Unit name"},
	"nom_filter":                   {"筛选", "Filter"},
	"nom_sort":                     {"排序", "Sort by"},
	"nom_sort_unitName":            {"单位名称", "Unit"},
	"nom_sort_status":              {"状态", "Status"},
	"nom_sort_updatedAt":           {"更新时间", "Updated"},
	"nom_sort_recommendations":     {"推荐数", "Recommendations"},
	"nom_sort_plan":                {"计划数", "Planned"},
	"nom_kind":                     {"单位类别", "Unit kind"},
	"nunit_national_society":       {"全国学会", "National society"},
	"nunit_society_union":          {"学会联合体", "Society union"},
	"nunit_provincial_association": {"省级科协", "Provincial association"},
	"nunit_university_association": {"高校科协", "University association"},
	"nom_export_xlsx":              {"导出xlsx", "Export xlsx"},
	"nom_export_csv":               {"导出CSV", "Export CSV"},
	"nom_prev":                     {"上一页", "Previous page"},
	"nom_next":                     {"下一页", "Next page"},
	"nom_page_of":                  {"共%d个单位", "%d units"},
})

// nominationInbox is what waits in the cycles one takes part in (their
// to-do lists): a unit's contact's file to open, hand in, revise, its
// notice running, objections, resources; the staff's conferences to
// recognise and guide to publish; each with its due day (overdue in red)
// and a link to where it is done.
func (s *Server) nominationInbox(r *http.Request, v *view) []inboxSection {
	sec := inboxSection{Key: "nom_inbox"}
	today := s.Now().In(shanghai).Format("2006-01-02")
	for _, c := range s.nominationCycles(r) {
		for _, t := range c.Todo {
			href := "/nominations/cycles/" + c.ID
			switch {
			case t.File != "":
				href = "/nominations/" + t.File
			case t.Task == "publish_guide" || t.Task == "upload_resources":
				href += "/guide"
			}
			label := v.T("ntask_" + t.Task)
			if t.Count > 0 {
				label += " (" + strconv.Itoa(t.Count) + ")"
			}
			sec.Page.Total++
			sec.Page.Items = append(sec.Page.Items, forecastRow{ID: c.ID, NameZh: c.Spec.Title, Label: label, Href: href,
				Due: t.Due, Overdue: t.Due != "" && t.Task != "notice_running" && t.Due < today})
		}
	}
	if sec.Page.Total == 0 {
		return nil
	}
	return []inboxSection{sec}
}

var _ = addMsgs(map[string][2]string{"nom_inbox": {"重要学术会议推荐", "Conference nominations"}})
