package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// A unit's nomination file past its list (seed 003 parts 4–9): the
// recommendation scheme, the invited experts and their nominations, the
// review committee with its signed opinion, the signed list and the
// public notice with its objections. Each is a section (sections.go) of
// the file's page posted to one handler: inputs named by the API's field
// paths, rows read by the one row-list reader (sectionBody), every error
// next to its input.

// nomForm is one form of a file: its section, and the API call it makes
// (Path under /nominations/{id}; {target} is the id the form's Target
// input names: an expert, an objection).
type nomForm struct {
	Sec    section
	Method string
	Path   string
	Target string
	// Cycle: the call is on the file's cycle (/nomination-cycles/{id}),
	// the form on the cycle's guide page.
	Cycle bool
	// Rows: how many filled rows its list offers at first (and one more
	// to add another).
	Rows int
	// IDLists: the API takes each upload as a list of file ids
	// (summaries: [id]), not one id.
	IDLists bool
}

var nomForms = map[string]nomForm{
	// One conference of the annual plan at a time (征集内容 1), beside
	// the spreadsheet import.
	"planentry": {Sec: section{Key: "planentry", Label: "nom_plan_add", Lists: []sectionList{{"entries", "nom_plan_entry", []sectionField{
		txt("name", "nom_rec_name"), kind("openingDate", "nom_rec_opening", "date"), kind("closingDate", "nom_rec_closing", "date"),
		txt("place", "nom_rec_place"), txt("host", "nom_rec_host"), txt("organiser", "nom_plan_organiser"), kind("own", "nom_rec_own", "checkbox"),
	}}}}, Method: "POST", Path: "/plan", Rows: 1},
	"scheme": {Sec: section{Key: "scheme", Label: "nom_scheme", Fields: []sectionField{
		kind("principles", "nom_principles", "textarea"), kind("standards", "nom_standards", "textarea"), kind("process", "nom_process", "textarea"),
		txt("contact.name", "nom_contact_name"), kind("contact.mobile", "nom_contact_mobile", "tel"), kind("contact.email", "nom_contact_email", "email"),
	}}, Method: "PUT", Path: "/scheme"},
	"expert": {Sec: section{Key: "expert", Label: "nom_experts", Fields: []sectionField{
		txt("name", "nom_expert_name"), txt("institution", "nom_institution"), txt("title", "nom_expert_title"),
	}}, Method: "POST", Path: "/experts"},
	"nominate": {Sec: section{Key: "nominate", Label: "nom_expert_form", Lists: []sectionList{{"nominations", "nom_nominated", []sectionField{
		txt("conference", "nom_rec_name"), kind("reason", "nom_nominate_reason", "textarea"),
	}}}}, Method: "PUT", Path: "/experts/{target}/nominations", Target: "expertId", Rows: 1},
	"committee": {Sec: section{Key: "committee", Label: "nom_committee", Lists: []sectionList{{"members", "nom_members", []sectionField{
		txt("name", "nom_member_name"), txt("institution", "nom_institution"), txt("title", "nom_expert_title"),
		txt("discipline", "nom_discipline"), txt("sector", "nom_sector"), txt("region", "nom_region"),
		kind("justification", "nom_justification", "textarea"),
	}}}}, Method: "PUT", Path: "/committee", Rows: 4},
	"opinion": {Sec: section{Key: "opinion", Label: "nom_opinion", Fields: []sectionField{
		txt("result", "nom_result"), kind("opinion", "nom_opinion_text", "textarea"), upload("scanFileId", "nom_opinion_scan", "nomination_scan"),
	}}, Method: "PUT", Path: "/committee/opinion"},
	"signed": {Sec: section{Key: "signed", Label: "nom_signed", Fields: []sectionField{
		upload("scanFileId", "nom_signed_scan", "nomination_scan"),
	}}, Method: "PUT", Path: "/signed-list"},
	"notice": {Sec: section{Key: "notice", Label: "nom_notice", Fields: []sectionField{
		kind("starts", "nom_notice_starts", "date"), kind("workingDays", "nom_notice_days", "number"), kind("where", "nom_notice_where", "url"),
	}}, Method: "POST", Path: "/notice"},
	"objection": {Sec: section{Key: "objection", Label: "nom_objections", Fields: []sectionField{
		kind("raisedOn", "nom_raised_on", "date"), txt("objector", "nom_objector"), kind("content", "nom_objection_content", "textarea"),
	}}, Method: "POST", Path: "/notice/objections"},
	"previous": {Sec: section{Key: "previous", Label: "nom_previous", Fields: []sectionField{
		kind("videos", "nom_videos", "lines"),
		upload("summaries", "nom_summaries", "proceedings"), upload("proceedings", "nom_proceedings", "proceedings"),
	}}, Method: "PUT", Path: "/previous-resources", IDLists: true},
	"handle": {Sec: section{Key: "handle", Label: "nom_handle", Fields: []sectionField{
		sel("outcome", "nom_outcome", "upheld", "nobj_upheld", "dismissed", "nobj_dismissed"), kind("handling", "nom_handling", "textarea"),
	}}, Method: "POST", Path: "/notice/objections/{target}/handle", Target: "objectionId"},
}

// nomFormOrder is the file page's forms in the page's order.
var nomFormOrder = []string{"planentry", "scheme", "expert", "committee", "opinion", "signed", "previous", "notice", "objection", "handle"}

// nomFormFields is a form's inputs and lists as the page shows them.
type nomFormFields struct {
	Fields []field
	Lists  []formList
}

// nominationForms builds every form of the page from v.Form.
func (v *view) nominationForms(keys ...string) map[string]nomFormFields {
	out := map[string]nomFormFields{}
	for _, k := range keys {
		f := nomForms[k]
		for _, l := range f.Sec.Lists {
			p := rowsParam(listPrefix(f.Sec, l))
			if n, _ := strconv.Atoi(v.Form[p]); n < f.Rows {
				v.Form[p] = strconv.Itoa(f.Rows)
			}
		}
		var ff nomFormFields
		ff.Fields, ff.Lists = v.sectionForm(f.Sec)
		out[k] = ff
	}
	return out
}

// fillForm sets v.Form from what the API reads at prefix (a section's
// saved values), unless the page shows that section's posted values.
func fillForm(v *view, prefix string, x any) {
	for k := range v.Form {
		if k == prefix || strings.HasPrefix(k, prefix+".") || strings.HasPrefix(k, prefix+"[") {
			return
		}
	}
	var walk func(p string, x any)
	walk = func(p string, x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, y := range t {
				walk(p+"."+k, y)
			}
		case []any:
			v.Form[rowsParam(p)] = strconv.Itoa(len(t))
			for i, y := range t {
				walk(fmt.Sprintf("%s[%d]", p, i), y)
			}
		case bool:
			if t {
				v.Form[p] = "on"
			}
		case float64:
			v.Form[p] = strconv.FormatFloat(t, 'f', -1, 64)
		case string:
			v.Form[p] = t
		}
	}
	walk(prefix, x)
}

// nominationForm posts one of a file's forms: its section read into the
// API's body (uploads through POST /api/v1/files, kept by their ids),
// every error the API reports next to its input, the form kept.
func (s *Server) nominationForm(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_file")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	f, known := nomForms[chi.URLParam(r, "form")]
	onCycle := strings.HasPrefix(chi.RouteContext(r.Context()).RoutePattern(), "/nominations/cycles/")
	if !ok || !known || f.Cycle != onCycle {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	path, page := "/nominations/"+id+f.Path, "/nominations/"+id
	if f.Cycle {
		path, page = "/nomination-cycles/"+id+f.Path, "/nominations/cycles/"+id+"/guide"
	}
	target := ""
	if f.Target != "" {
		t, err := uuid.Parse(r.PostFormValue(f.Target))
		if err != nil {
			s.failed(w, r, v, &answer{status: http.StatusNotFound})
			return
		}
		target = t.String()
		path = strings.ReplaceAll(path, "{target}", target)
		v.Form[f.Target] = target
	}
	body, rows := s.sectionBody(r, v, f.Sec)
	if m, ok := body.(map[string]any); ok {
		for _, fd := range f.Sec.Fields {
			if a, ok := m[fd.Name].(attachment); ok {
				m[fd.Name] = a.ID // the API refers to an upload by its id
				if f.IDLists {
					m[fd.Name] = []string{a.ID}
				}
			}
		}
	}
	back := func(status int) {
		v.relabel(nominationLabel)
		switch {
		case f.Sec.Key == "nominate":
			s.showExpert(w, r, v, status, id, target)
		case f.Cycle:
			s.showGuide(w, r, v, status)
		default:
			s.showNomination(w, r, v, status)
		}
	}
	if len(v.Problems) > 0 {
		back(http.StatusUnprocessableEntity)
		return
	}
	a := s.api(r, call{method: f.Method, path: path, body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok() && f.Sec.Key == "nominate":
		http.Redirect(w, r, "/nominations/"+id+"/experts/"+target+"?done=1", http.StatusSeeOther)
	case a.ok():
		http.Redirect(w, r, page+"?done="+f.Sec.Key+"#"+fieldID(f.Sec.Key), http.StatusSeeOther)
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict:
		p := a.problem()
		for i, e := range p.Errors {
			p.Errors[i].Path = apiPathToForm(f.Sec, e.Path, rows)
			// videos[0] of a list of lines is at the lines' input.
			if bare := rowNumber.ReplaceAllString(p.Errors[i].Path, ""); !formInput(f.Sec, p.Errors[i].Path) && formInput(f.Sec, bare) {
				p.Errors[i].Path = bare
			}
			if !formInput(f.Sec, p.Errors[i].Path) {
				p.Errors[i].Path = f.Sec.Key
			}
		}
		if len(p.Errors) == 0 { // a state the form cannot be in now: said at the form
			p.Errors = append(p.Errors, fieldError{Path: f.Sec.Key, Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh})
		}
		v.addProblems(p)
		back(a.status)
	default:
		s.failed(w, r, v, a)
	}
}

// nomExpertView is an expert's page: the nomination form (attachment 1)
// filled online, and its PDF.
type nomExpertView struct {
	ID, Expert, Name, Institution, Title, UnitName string
	Plan                                           []option
	Form                                           nomFormFields
	Contact                                        bool
	Idem                                           string
}

func (s *Server) nominationExpert(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_expert_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	expert, err := uuid.Parse(chi.URLParam(r, "expert"))
	if !ok || err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showExpert(w, r, v, http.StatusOK, id, expert.String())
}

func (s *Server) showExpert(w http.ResponseWriter, r *http.Request, v *view, status int, id, expert string) {
	f, a := s.readNomination(r, id)
	if f == nil {
		s.failed(w, r, v, a)
		return
	}
	ev := nomExpertView{ID: id, Expert: expert, UnitName: f.UnitName, Idem: randomToken(18), Contact: v.Me.Role == "unit_admin" && f.Status != "submitted"}
	found := false
	for _, e := range f.Experts {
		if e.ID == expert {
			found = true
			ev.Name, ev.Institution, ev.Title = e.Name, e.Institution, e.Title
			fillForm(v, "nominate.nominations", e.Nominations)
		}
	}
	if !found {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	ev.Form = v.nominationForms("nominate")["nominate"]
	v.Title = v.Tf("nom_expert_title_page", ev.Name)
	v.Data = ev
	s.render(w, r, status, "nomination_expert", v)
}

// nomFile is a unit's file as GET /api/v1/nominations/{id} reads it.
type nomFile struct {
	Version         int64            `json:"version"`
	CycleID         string           `json:"cycleId"`
	UnitName        string           `json:"unitName"`
	Status          string           `json:"status"`
	Plan            []map[string]any `json:"plan"`
	Scheme          map[string]any   `json:"scheme"`
	Recommendations []map[string]any `json:"recommendations"`
	Experts         []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Institution string `json:"institution"`
		Title       string `json:"title"`
		Nominations []any  `json:"nominations"`
	} `json:"experts"`
	Committee []any `json:"committee"`
	Opinion   *struct {
		Result  string `json:"result"`
		Opinion string `json:"opinion"`
		Scan    string `json:"scanFileId"`
	} `json:"opinion"`
	SignedList string `json:"signedListFileId"`
	Quota      struct {
		Lines []nomQuotaLine `json:"lines"`
	} `json:"quota"`
	Priority bool `json:"priority"`
	// Previous: what was submitted of the previous guide's resources.
	Previous *struct {
		Videos      []string `json:"videos"`
		Summaries   []string `json:"summaries"`
		Proceedings []string `json:"proceedings"`
	} `json:"previousResources"`
}

func (s *Server) readNomination(r *http.Request, id string) (*nomFile, *answer) {
	a := s.api(r, call{method: "GET", path: "/nominations/" + id})
	var f nomFile
	if !a.ok() || a.decode(&f) != nil {
		return nil, a
	}
	return &f, a
}

// nomNotice is the notice's state (GET …/notice).
type nomNotice struct {
	Published        bool   `json:"published"`
	Starts           string `json:"starts"`
	WorkingDays      int    `json:"workingDays"`
	Ran              int    `json:"ran"`
	LastDay          string `json:"lastDay"`
	SubmittableFrom  string `json:"submittableFrom"`
	Where            string `json:"where"`
	Complete         bool   `json:"complete"`
	ListChanged      bool   `json:"listChanged"`
	ProvisionalYears []int  `json:"provisionalYears"`
	Objections       []struct {
		ID       string `json:"id"`
		RaisedOn string `json:"raisedOn"`
		Objector string `json:"objector"`
		Content  string `json:"content"`
		Outcome  string `json:"outcome"`
		Handling string `json:"handling"`
	} `json:"objections"`
	Unhandled int `json:"unhandled"`
}

// submitProblems places a refused hand-in's reasons at their sections:
// the summary links each to its section, labelled, and each section
// shows its own next to its form; a reason with no path is the notice's
// (the one gate that says none).
func submitProblems(p problem) problem {
	for i, e := range p.Errors {
		path := strings.TrimPrefix(e.Path, "body:")
		switch {
		case strings.HasPrefix(path, "members["):
			path = "committee." + path
		case path == "committee.opinion":
			path = "opinion"
		case path == "signedList":
			path = "signed"
		}
		p.Errors[i].Path = path
	}
	if len(p.Errors) == 0 {
		p.Errors = []fieldError{{Path: "notice", Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
	}
	return p
}

var _ = addMsgs(map[string][2]string{
	"nom_sections":           {"推荐材料各部分", "Parts of the file"},
	"nom_scheme":             {"推荐方案", "Recommendation scheme"},
	"nom_principles":         {"推荐原则", "Principles"},
	"nom_standards":          {"推荐标准", "Standards"},
	"nom_process":            {"推荐程序", "Process"},
	"nom_contact_name":       {"联系人", "Contact"},
	"nom_contact_mobile":     {"联系人手机", "Contact's mobile"},
	"nom_contact_email":      {"联系人邮箱", "Contact's email"},
	"nom_save":               {"保存", "Save"},
	"nom_experts":            {"专家提名", "Expert nominations"},
	"nom_invite_expert":      {"邀请提名专家", "Invite an expert"},
	"nom_expert_name":        {"专家姓名", "Expert's name"},
	"nom_institution":        {"工作单位", "Institution"},
	"nom_expert_title":       {"职务/职称", "Title or position"},
	"nom_invite":             {"邀请", "Invite"},
	"nom_nominated":          {"提名的会议", "Conferences nominated"},
	"nom_nominated_n":        {"已提名", "Nominated"},
	"nom_expert_form":        {"专家提名表", "Expert's nomination form"},
	"nom_expert_title_page":  {"%s · 专家提名表", "%s · nomination form"},
	"nom_expert_pdf":         {"提名表（附件1，PDF）", "Nomination form (attachment 1, PDF)"},
	"nom_fill_online":        {"在线填写", "Fill in online"},
	"nom_nominate_reason":    {"推荐理由", "Reason"},
	"nom_back_file":          {"返回推荐材料", "Back to the file"},
	"nom_committee":          {"专家评审委员会", "Review committee"},
	"nom_committee_hint":     {"不少于5人，体现学科、部门和地域代表性；提名专家原则上不参加评审，参加须说明理由。", "At least five, representative by discipline, sector and region; a nominating expert sits on it only with a justification."},
	"nom_members":            {"评审专家", "Members"},
	"nom_member_name":        {"姓名", "Name"},
	"nom_discipline":         {"学科", "Discipline"},
	"nom_sector":             {"部门", "Sector"},
	"nom_region":             {"地域", "Region"},
	"nom_justification":      {"参加评审的理由（提名专家须填）", "Justification (a nominating expert)"},
	"nom_committee_pdf":      {"评审意见表（附件2，PDF，供签字）", "Opinion form (attachment 2, PDF, to sign)"},
	"nom_opinion":            {"评审结果与意见", "Committee's result and opinion"},
	"nom_result":             {"评审结果", "Result"},
	"nom_opinion_text":       {"评审意见", "Opinion"},
	"nom_opinion_scan":       {"签字的意见表扫描件", "Signed opinion form (scan)"},
	"nom_scan_on_file":       {"已上传的扫描件", "The scan on file"},
	"nom_signed":             {"签字盖章的推荐名单", "Signed and sealed list"},
	"nom_list_pdf":           {"推荐名单（PDF，供签字盖章）", "The list (PDF, to sign and seal)"},
	"nom_signed_scan":        {"签字盖章的推荐名单扫描件", "Signed and sealed list (scan)"},
	"nom_notice":             {"公示", "Public notice"},
	"nom_notice_hint":        {"公示不少于5个工作日（按国家法定节假日和调休计算），期满后方可提交。", "At least five working days (China's holidays and make-up days counted); the list is handed in after it."},
	"nom_notice_starts":      {"公示开始日期", "Notice starts"},
	"nom_notice_days":        {"公示工作日数", "Working days"},
	"nom_notice_where":       {"公示网址", "Published at (URL)"},
	"nom_publish":            {"发布公示", "Publish the notice"},
	"nom_notice_last":        {"公示截止日期", "Last day"},
	"nom_notice_from":        {"可提交日期", "Can be handed in from"},
	"nom_notice_ran":         {"已公示工作日", "Working days run"},
	"nom_notice_complete":    {"公示期满", "The notice has run"},
	"nom_notice_running":     {"公示中", "On notice"},
	"nom_notice_changed":     {"公示后推荐名单有变动，须重新公示。", "The list changed since the notice: publish it again."},
	"nom_notice_provisional": {"以下年份的节假日安排为暂定（尚未与国务院办公厅通知逐日核对）：", "These years' holidays are provisional (not yet checked day by day against the State Council notice): "},
	"nom_notice_none":        {"尚未公示。", "Not yet on notice."},
	"nom_objections":         {"异议", "Objections"},
	"nom_record_objection":   {"登记异议", "Record an objection"},
	"nom_raised_on":          {"提出日期", "Raised on"},
	"nom_objector":           {"异议人", "Raised by"},
	"nom_objection_content":  {"异议内容", "Objection"},
	"nom_handle":             {"异议处理", "Handling"},
	"nom_handle_which":       {"处理的异议", "Objection"},
	"nom_outcome":            {"处理结果", "Outcome"},
	"nobj_upheld":            {"采纳", "Upheld"},
	"nobj_dismissed":         {"不予采纳", "Dismissed"},
	"nom_handling":           {"处理说明", "How it was handled"},
	"nom_unhandled":          {"待处理", "To handle"},
	"nom_record":             {"登记", "Record"},
	"upload_nomination_scan": {"签字（盖章）后的扫描件：PDF、JPEG或PNG，不超过20 MiB", "The signed (and sealed) scan: PDF, JPEG or PNG, at most 20 MiB"},
	"nom_previous":           {"上一期指南会议资源", "The previous guide's resources"},
	"nom_previous_hint":      {"提交上一期指南所列会议的学术报告视频等资源的单位，认定时优先考虑。", "Units that submit the resources of their conferences in the previous guide are considered first."},
	"nom_name_en_col":        {"英文名称", "English name"},
	"nom_priority":           {"优先", "Priority"},
	"nom_priority_yes":       {"已提交上一期指南会议资源，优先考虑", "Previous guide's resources submitted: priority"},
})

// Choose is a select of the conferences, objections… a form acts on,
// its first choice in the page's language.
func (v *view) Choose(path, label string, opts []option) field {
	f := v.Field(path, label, "select")
	f.Options = append([]option{{"", v.T("choose")}}, opts...)
	return f
}

// nomFormLabel names an input of a file's forms by its path: the form's
// name, the row, the input's label (委员会 · 第2行 · 理由).
func nomFormLabel(v *view, path string) string {
	head, rest, _ := strings.Cut(path, ".")
	var f nomForm
	for _, x := range nomForms {
		if x.Sec.Key == head {
			f = x
		}
	}
	if f.Sec.Key == "" {
		return ""
	}
	out := v.T(f.Sec.Label)
	if rest == "" {
		return out
	}
	for _, fd := range f.Sec.Fields {
		if fd.Name == rest {
			return out + " · " + v.T(fd.Label)
		}
	}
	for _, l := range f.Sec.Lists {
		prefix := listPrefix(f.Sec, l)
		if path == prefix {
			return out + " · " + v.T(l.Label)
		}
		if m := listPath.FindStringSubmatch(path); m != nil && m[1] == prefix {
			i, _ := strconv.Atoi(m[2])
			out += " · " + v.T(l.Label) + " " + v.Tf("row_n", i+1)
			for _, fd := range l.Fields {
				if fd.Name == m[3] {
					out += " · " + v.T(fd.Label)
				}
			}
			return out
		}
	}
	return out
}

// formInput reports whether the form of sec has an input (or a list) at
// path; an error elsewhere is shown at the form itself.
func formInput(sec section, path string) bool {
	for _, f := range sec.Fields {
		if path == sec.Key+"."+f.Name {
			return true
		}
	}
	for _, l := range sec.Lists {
		prefix := listPrefix(sec, l)
		if path == prefix {
			return true
		}
		if m := listPath.FindStringSubmatch(path); m != nil && m[1] == prefix {
			for _, f := range l.Fields {
				if f.Name == m[3] {
					return true
				}
			}
		}
	}
	return false
}
