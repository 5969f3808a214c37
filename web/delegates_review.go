package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// A nominee's page (详情, figs 2.7, 2.11): the three pages read-only, the
// photo, the attachments (upload, list, download, remove), the account
// disabled or enabled, and the history replayed from the delegation's
// stream; and on the unit's list, a selection of nominees reviewed in one
// decision (批量审核, all or nothing) or printed as one PDF or a zip of
// registration forms. Every action is a call of the delegation API.

// nomineeView is the nominee's page.
type nomineeView struct {
	Congress  congressDoc
	Base      string
	Nominee   nominee
	Pages     []nPage
	UnitAdmin bool
	// Editable: the unit may edit (pending or refused); Attachable: it may
	// change the attachments (not reported).
	Editable, Attachable bool
	// Account: the unit may disable or enable the account (before the
	// report).
	Account   bool
	Photo     string
	History   nomineeHistory
	HistoryOK bool
	Idem      string
}

// nomineeHistory is GET …/nominees/{id}/history.
type nomineeHistory struct {
	Version     int64          `json:"version"`
	Entries     []nomineeEntry `json:"entries"`
	ChainIntact bool           `json:"chainIntact"`
	BrokenAt    int64          `json:"brokenAt"`
}

func (s *Server) nomineePage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "d_details")
	if !s.signedIn(w, r, v) {
		return
	}
	switch r.URL.Query().Get("done") {
	case "":
	case "disable":
		v.Flash = v.T("d_disabled_ok")
	case "enable":
		v.Flash = v.T("d_enabled_ok")
	default:
		v.Flash = v.T("saved_ok")
	}
	s.showNominee(w, r, v, http.StatusOK)
}

func (s *Server) showNominee(w http.ResponseWriter, r *http.Request, v *view, status int) {
	ids, ok := pathIDs(r, "id", "unit", "nominee")
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	c, ok := s.congress(w, r, v, ids[0])
	if !ok {
		return
	}
	base := "/congresses/" + ids[0] + "/units/" + ids[1]
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/delegation", header: minPosition(r)})
	var d delegationDoc
	if !a.ok() || a.decode(&d) != nil {
		s.failed(w, r, v, a)
		return
	}
	nv := nomineeView{Congress: c, Base: base, Pages: nomineePages, Idem: randomToken(18),
		UnitAdmin: v.Me.OrgID == ids[1] && (v.Me.Role == "unit_admin" || v.Me.Role == "school_admin")}
	i := slices.IndexFunc(d.Nominees, func(n nominee) bool { return n.ID == ids[2] })
	if i < 0 {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	nv.Nominee = d.Nominees[i]
	st := nv.Nominee.Status
	nv.Editable = nv.UnitAdmin && !nv.Nominee.Disabled && (st == "pending" || st == "rejected" || st == "final_rejected")
	nv.Attachable = nv.UnitAdmin && !nv.Nominee.Disabled && st != "reported" && st != "final_approved"
	nv.Account = nv.UnitAdmin && (st == "pending" || st == "approved" || st == "rejected")
	// The page shows the details from the same values the form holds.
	shown := &view{Form: map[string]string{}}
	fillNominee(shown, rawNominee(a, ids[2]))
	v.Form = mergeForm(shown.Form, v.Form)
	if id := v.Form["profile.photo.id"]; id != "" {
		nv.Photo = base + "/files/" + url.PathEscape(id)
	}
	h := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/nominees/" + ids[2] + "/history"})
	if h.ok() && h.decode(&nv.History) == nil {
		nv.HistoryOK = true
		for k := range nv.History.Entries {
			e := &nv.History.Entries[k]
			e.Before, e.After = v.NomineeStatus(e.StatusBefore), v.NomineeStatus(e.StatusAfter)
		}
	}
	v.Title = v.T("d_details") + " · " + nv.Nominee.Name
	v.Data = nv
	s.render(w, r, status, "nominee", v)
}

// nomineeEntry is an event of the history with the opinion it recorded.
type nomineeEntry struct {
	historyEntry
	Data struct {
		Opinion string `json:"opinion"`
	} `json:"data"`
}

// mergeForm is the stored values under what the form sent.
func mergeForm(stored, sent map[string]string) map[string]string {
	for k, x := range sent {
		stored[k] = x
	}
	return stored
}

// NomineeValue is a stored detail as the page shows it: a choice by its
// label, a checkbox as yes or no.
func (v *view) NomineeValue(f nField) string {
	x := v.Form[f.Path]
	switch {
	case f.Kind == "checkbox":
		if x == "on" {
			return v.T("yes")
		}
		return v.T("no")
	case f.Kind == "file":
		return v.Form[f.Path+".name"]
	case f.Choices != "":
		for _, c := range nomineeChoices[f.Choices] {
			if c[0] == x && c[1] != "" {
				return v.T(c[1])
			}
		}
	}
	return x
}

// StoredPosts are the rows of a list of posts the nominee holds.
func (v *view) StoredPosts(l nList) [][]string {
	var out [][]string
	for i := range postCount(v.Form, l.Path) {
		var row []string
		for _, f := range postFields {
			row = append(row, v.Form[fmt.Sprintf("%s[%d].%s", l.Path, i, f)])
		}
		out = append(out, row)
	}
	return out
}

// nomineeFile hands a nominee's photo or attachment from the API to the
// browser: the API serves it only to who may read the nominee's personal
// fields, through the delegation that refers to it.
func (s *Server) nomineeFile(w http.ResponseWriter, r *http.Request) {
	_, ids, ok := s.signedInWith(w, r, "delegation", "id", "unit", "file")
	if !ok {
		return
	}
	w.Header().Del("Content-Security-Policy") // the API sets its own
	s.API.ServeHTTP(w, s.apiRequest(r, call{method: "GET", path: "/files/" + ids[2], query: url.Values{"congress": {ids[0]}, "unit": {ids[1]}}}))
}

// nomineeAttachments uploads an attachment (action upload) or removes one
// (action remove, the file's id in "file"): the nominee's list as held,
// changed, is what the API records.
func (s *Server) nomineeAttachments(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "d_details", "id", "unit", "nominee")
	if !ok {
		return
	}
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/delegation"})
	var d delegationDoc
	if !a.ok() || a.decode(&d) != nil {
		s.failed(w, r, v, a)
		return
	}
	i := slices.IndexFunc(d.Nominees, func(n nominee) bool { return n.ID == ids[2] })
	if i < 0 {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	files := slices.Clone(d.Nominees[i].Attachments)
	if files == nil {
		files = []attachment{}
	}
	switch r.PostFormValue("action") {
	case "remove":
		files = slices.DeleteFunc(files, func(f attachment) bool { return f.ID == r.PostFormValue("file") })
	default:
		up, ok := s.uploaded(r, v, "attachment", "nominee_attachment")
		if !ok {
			if v.Errors["attachment"] == "" {
				v.addLocal("attachment", v.T("d_attach_choose"))
			}
			s.showNominee(w, r, v, http.StatusUnprocessableEntity)
			return
		}
		files = append(files, up.(attachment))
	}
	put := s.api(r, call{method: "PUT", path: "/congresses/" + ids[0] + "/nominees/" + ids[2] + "/attachments", body: map[string]any{"files": files},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if put.ok() {
		http.Redirect(w, r, "/congresses/"+ids[0]+"/units/"+ids[1]+"/nominees/"+ids[2]+"?done=1&pos="+url.QueryEscape(put.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if !formProblem(put) {
		s.failed(w, r, v, put)
		return
	}
	p := put.problem()
	for k := range p.Errors {
		if strings.HasPrefix(strings.TrimPrefix(p.Errors[k].Path, "body:"), "files") {
			p.Errors[k].Path = "attachment"
		}
	}
	s.delegateProblems(v, p)
	s.showNominee(w, r, v, put.status)
}

var batchRow = regexp.MustCompile(`^(?:body:)?nominees\[(\d+)\]$`)

// delegationSelection acts on the nominees ticked in the unit's list:
// approve or reject them in one decision (the API's batch review, all or
// nothing: a refusal names each nominee that cannot be decided next to
// its box), or their registration forms as one PDF or a zip (none ticked:
// all of them).
func (s *Server) delegationSelection(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "delegation", "id", "unit")
	if !ok {
		return
	}
	base := "/congresses/" + ids[0] + "/units/" + ids[1]
	var chosen []string
	for _, n := range r.PostForm["nominee"] {
		if id, err := uuid.Parse(n); err == nil {
			chosen = append(chosen, id.String())
			v.Form["batch."+id.String()] = "on"
		}
	}
	action := r.PostFormValue("action")
	if action == "pdf" || action == "zip" {
		q := url.Values{"nominee": chosen}
		http.Redirect(w, r, base+"/registration-forms."+action+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	if action != "approve" && action != "reject" {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	opinion := strings.TrimSpace(r.PostFormValue("batch.opinion"))
	v.Form["batch.opinion"] = opinion
	a := s.api(r, call{method: "POST", path: "/congresses/" + ids[0] + "/nominees/review",
		body:   map[string]any{"decision": action, "nominees": append([]string{}, chosen...), "reason": opinion},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		back := base + "?done=1&pos=" + url.QueryEscape(a.header.Get("X-Econf-Position"))
		if t := r.PostFormValue("tab"); t != "" && t != "all" {
			back += "&status=" + url.QueryEscape(t)
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	p := a.problem()
	for k := range p.Errors {
		path := strings.TrimPrefix(p.Errors[k].Path, "body:")
		switch m := batchRow.FindStringSubmatch(path); {
		case m != nil:
			if n, err := strconv.Atoi(m[1]); err == nil && n < len(chosen) {
				p.Errors[k].Path = "batch." + chosen[n]
			}
		case path == "reason":
			p.Errors[k].Path = "batch.opinion"
		case path == "nominees":
			p.Errors[k].Path = "batch"
		}
	}
	s.delegateProblems(v, p)
	s.showDelegation(w, r, v, a.status)
}

// delegatesFile streams what the API serves for a delegation: the
// registration forms as a zip, or the unit's list as xlsx.
func (s *Server) delegationDownload(apiPath func(congress, unit string) (string, url.Values)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.newView(r, "delegation")
		if !s.signedIn(w, r, v) {
			return
		}
		ids, ok := pathIDs(r, "id", "unit")
		if !ok {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		path, q := apiPath(ids[0], ids[1])
		for _, n := range r.URL.Query()["nominee"] {
			if id, err := uuid.Parse(n); err == nil {
				q.Add("nominee", id.String())
			}
		}
		w.Header().Del("Content-Security-Policy") // the API sets its own
		s.API.ServeHTTP(w, s.apiRequest(r, call{method: "GET", path: path, query: q}))
	}
}

var _ = addMsgs(reviewMsgs)

var reviewMsgs = map[string][2]string{
	"d_details":        {"人员详情", "Nominee"},
	"d_details_link":   {"详情", "Details"},
	"d_disabled_ok":    {"账号已禁用。", "The account is disabled."},
	"d_enabled_ok":     {"账号已启用。", "The account is enabled."},
	"d_disable":        {"禁用账号", "Disable the account"},
	"d_enable":         {"启用账号", "Enable the account"},
	"d_account":        {"账号", "Account"},
	"d_account_on":     {"已启用", "Enabled"},
	"d_account_off":    {"已禁用", "Disabled"},
	"d_attachments":    {"附件", "Attachments"},
	"d_no_attachments": {"暂无附件。", "No attachment yet."},
	"d_attach":         {"上传文件", "Upload a file"},
	"d_attach_hint":    {"PDF、JPG或PNG，不超过20 MB，至多10个。", "PDF, JPG or PNG up to 20 MB; at most 10."},
	"d_attach_choose":  {"请选择要上传的文件", "Choose a file to upload"},
	"d_attach_remove":  {"删除", "Remove"},
	"d_photo_alt":      {"被推荐人照片", "The nominee's photo"},
	"d_history":        {"审批历史（按事件重放）", "History (replayed from the events)"},
	"d_history_event":  {"事件", "Event"},
	"d_history_when":   {"时间", "When"},
	"d_history_status": {"状态变化", "Status"},
	"d_history_hash":   {"哈希", "Hash"},
	"d_chain_ok":       {"哈希链完整", "Hash chain intact"},
	"d_chain_broken":   {"哈希链断裂于事件 %d", "Hash chain broken at event %d"},
	"d_select":         {"选择", "Select"},
	"d_select_n":       {"选择 %s", "Select %s"},
	"d_batch":          {"批量操作（勾选人员）", "The nominees ticked"},
	"d_batch_hint":     {"批量审核要么全部通过或驳回，要么全部不执行；未勾选时登记表为全部人员。", "A batch review decides all of them or none; with none ticked, the registration forms are everyone's."},
	"d_batch_opinion":  {"批量审核意见（驳回必填）", "Opinion for the batch (required to reject)"},
	"d_batch_approve":  {"批量通过", "Approve those ticked"},
	"d_batch_reject":   {"批量驳回", "Reject those ticked"},
	"d_forms_pdf":      {"登记表（合并PDF）", "Registration forms (one PDF)"},
	"d_forms_zip":      {"登记表（ZIP）", "Registration forms (zip)"},
	"d_export":         {"导出参会人员信息（xlsx）", "Export the nominees (xlsx)"},
}
