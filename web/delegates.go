package web

import (
	"cmp"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// The delegates' screens (seed 004, figs 2.1–2.12): the organiser's
// congress (create, invite units, allot their quotas), an electing unit's
// delegation (the quota view, its nominees by status, adding one with the
// quota checked at once, the initial review, revoke, deregister, report
// all), the organiser's final review and the registration forms. Every
// page calls the congress and delegation API; nothing here decides.

// congressRow is one row of GET /api/v1/congresses.
type congressRow struct {
	ID            string    `json:"id"`
	OrganiserID   string    `json:"organiserId"`
	Name          string    `json:"name"`
	ReferenceDate string    `json:"referenceDate"`
	CreatedAt     time.Time `json:"createdAt"`
}

// quota is one quota of an allotment: its seats and minimums.
type quota struct {
	Seats           int `json:"seats"`
	Grassroots      int `json:"grassroots"`
	Under45         int `json:"under45"`
	Minority        int `json:"minority"`
	DemocraticParty int `json:"democraticParty"`
	Women           int `json:"women"`
}

type allotment struct {
	Committee       quota `json:"committee"`
	Representatives quota `json:"representatives"`
	SpecialInvited  int   `json:"specialInvited"`
	Observers       int   `json:"observers"`
	Guests          int   `json:"guests"`
	Staff           int   `json:"staff"`
}

// congressDoc is GET /api/v1/congresses/{id}.
type congressDoc struct {
	ID            string `json:"id"`
	Version       int64  `json:"version"`
	Organiser     string `json:"organiser"`
	Name          string `json:"name"`
	ReferenceDate string `json:"referenceDate"`
	Units         []struct {
		ID        string    `json:"id"`
		Allotment allotment `json:"allotment"`
		Reported  bool      `json:"reported"`
	} `json:"units"`
}

// nominee is one nominee of GET …/delegation.
type nominee struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Identity string `json:"identity"`
	Profile  struct {
		Gender       string   `json:"gender"`
		Ethnicity    string   `json:"ethnicity"`
		Affiliations []string `json:"affiliations"`
		Grassroots   bool     `json:"grassroots"`
	} `json:"profile"`
	Indicators  map[string]bool `json:"indicators"`
	Status      string          `json:"status"`
	Opinion     string          `json:"opinion"`
	AddedAt     time.Time       `json:"addedAt"`
	BirthDate   string          `json:"birthDate"`
	Age         *int            `json:"age"`
	Personal    bool            `json:"personal"`
	Disabled    bool            `json:"disabled"`
	Attachments []attachment    `json:"attachments"`
}

// quotaLine is one indicator of the quota view (fig. 2.8).
type quotaLine struct {
	Quota     string `json:"quota"`
	Indicator string `json:"indicator"`
	Allotted  int    `json:"allotted"`
	Submitted int    `json:"submitted"`
	Met       bool   `json:"met"`
}

type delegationDoc struct {
	Version   int64       `json:"version"`
	Reported  bool        `json:"reported"`
	Nominees  []nominee   `json:"nominees"`
	Quota     []quotaLine `json:"quota"`
	Allotment allotment   `json:"allotment"`
}

// The quotas and indicators in the seed's order.
var (
	seatQuotas  = []string{"committee", "representatives"}
	countQuotas = []string{"specialInvited", "observers", "guests", "staff"}
	indicators  = []string{"grassroots", "under45", "minority", "democraticParty", "women"}
	identities  = []string{"committee", "representative", "special_invited", "observer", "guest", "staff"}
	// affiliations are the political affiliations (政治面貌) the API
	// accepts; their values are the Chinese names.
	affiliations = []string{"中国共产党党员", "中国共产党预备党员", "中国共产主义青年团团员", "中国国民党革命委员会", "中国民主同盟",
		"中国民主建国会", "中国民主促进会", "中国农工民主党", "中国致公党", "九三学社", "台湾民主自治同盟", "无党派人士", "群众", "其他"}
	// nomineeTabs are the seed's lists by status: the key, the statuses.
	nomineeTabs = []struct{ Key, Statuses string }{
		{"all", ""}, {"pending", "pending"}, {"approved", "approved"}, {"rejected", "rejected"},
		{"reported", "reported,final_approved,final_rejected"},
	}
)

var delegatesProcedure = procedure{
	Path: "/congresses", Nav: "congresses", Pages: []string{"congresses", "congress", "delegation", "nominee_edit", "nominee", "congress_overview", "delegates_list"}, Takes: congressParty,
	InboxRows: (*Server).delegateInbox,
	Routes: func(s *Server, r chi.Router) {
		r.Get("/congresses", s.congressList)
		r.Post("/congresses", s.congressCreate)
		r.Get("/congresses/{id}", s.congressPage)
		r.Get("/congresses/{id}/overview", s.congressOverview)
		r.Get("/delegates", s.delegatesList)
		r.Get("/delegates/export", s.delegatesExport)
		r.Post("/congresses/{id}/allot", s.congressAllot)
		r.Get("/congresses/{id}/units/{unit}", s.delegationPage)
		r.Post("/congresses/{id}/units/{unit}/nominees", s.nomineeAdd)
		r.Post("/congresses/{id}/units/{unit}/report", s.delegationReport)
		r.Get("/congresses/{id}/units/{unit}/registration-forms.pdf", s.registrationForms)
		r.Post("/congresses/{id}/units/{unit}/nominees/{nominee}", s.nomineeAct)
		r.Get("/congresses/{id}/units/{unit}/nominees/{nominee}/edit", s.nomineeEdit)
		r.Get("/congresses/{id}/units/{unit}/nominees/{nominee}", s.nomineePage)
		r.Post("/congresses/{id}/units/{unit}/nominees/{nominee}/attachments", s.nomineeAttachments)
		r.Get("/congresses/{id}/units/{unit}/files/{file}", s.nomineeFile)
		r.Post("/congresses/{id}/units/{unit}/selection", s.delegationSelection)
		r.Get("/congresses/{id}/units/{unit}/registration-forms.zip", s.delegationDownload(func(c, u string) (string, url.Values) {
			return "/congresses/" + c + "/units/" + u + "/registration-forms.zip", url.Values{}
		}))
		r.Get("/congresses/{id}/units/{unit}/export.xlsx", s.delegationDownload(func(c, u string) (string, url.Values) {
			return "/delegates/export", url.Values{"congressId": {c}, "unitId": {u}, "format": {"xlsx"}}
		}))
		r.Post("/congresses/{id}/units/{unit}/nominees/{nominee}/edit", s.nomineeSave)
	},
}

// pathIDs reads the path's uuids by name; ok false when one is not one.
func pathIDs(r *http.Request, names ...string) ([]string, bool) {
	out := make([]string, len(names))
	for i, n := range names {
		id, err := uuid.Parse(chi.URLParam(r, n))
		if err != nil {
			return nil, false
		}
		out[i] = id.String()
	}
	return out, true
}

// signedInWith starts a page on a record named by the path's ids: the
// view for key, the signed-in reader (else the sign-in page), and the
// ids parsed (else 404). ok is false when the answer has been written.
func (s *Server) signedInWith(w http.ResponseWriter, r *http.Request, key string, names ...string) (*view, []string, bool) {
	v := s.newView(r, key)
	if !s.signedIn(w, r, v) {
		return v, nil, false
	}
	ids, ok := pathIDs(r, names...)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return v, nil, false
	}
	return v, ids, true
}

// congressesView is the list page's data.
type congressesView struct {
	Items     []congressRow
	Organiser bool
	Unit      string // the unit admin's own unit: its delegation pages
	Idem      string
}

func (s *Server) congressList(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "congresses")
	if !s.signedIn(w, r, v) {
		return
	}
	s.showCongresses(w, r, v, http.StatusOK)
}

func (s *Server) showCongresses(w http.ResponseWriter, r *http.Request, v *view, status int) {
	a := s.api(r, call{method: "GET", path: "/congresses", header: minPosition(r)})
	var l struct {
		Items []congressRow `json:"items"`
	}
	if !a.ok() || a.decode(&l) != nil {
		s.failed(w, r, v, a)
		return
	}
	cv := congressesView{Items: l.Items, Organiser: v.Me.Role == "authority_reviewer", Idem: randomToken(18)}
	if v.Me.Role == "unit_admin" || v.Me.Role == "school_admin" {
		cv.Unit = v.Me.OrgID
	}
	v.Data = cv
	s.render(w, r, status, "congresses", v)
}

func (s *Server) congressCreate(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "congresses")
	if !s.signedIn(w, r, v) {
		return
	}
	v.Form["name"], v.Form["referenceDate"] = strings.TrimSpace(r.PostFormValue("name")), strings.TrimSpace(r.PostFormValue("referenceDate"))
	a := s.api(r, call{method: "POST", path: "/congresses", body: map[string]string{"name": v.Form["name"], "referenceDate": v.Form["referenceDate"]},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		var res struct {
			ID string `json:"id"`
		}
		if a.decode(&res) == nil {
			http.Redirect(w, r, "/congresses/"+res.ID+"?pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
			return
		}
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	s.delegateProblems(v, a.problem())
	s.showCongresses(w, r, v, a.status)
}

// formProblem: the API refused what the form sent (the page shows why).
func formProblem(a *answer) bool {
	return a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity || a.status == http.StatusConflict
}

// congressView is the organiser's congress page.
type congressView struct {
	Congress congressDoc
	Units    []unitRow
	UnitOpts []option
	Idem     string
	// Editing is the unit whose allotment the form shows.
	Editing string
}

type unitRow struct {
	ID, Name  string
	Allotment allotment
	Reported  bool
}

// unitNames reads the organisation tree: id → name in the page's
// language, and the organisations that can elect.
func (s *Server) unitNames(r *http.Request, v *view) (map[string]string, []option) {
	a := s.api(r, call{method: "GET", path: "/organisations"})
	var l struct {
		Items []orgRow `json:"items"`
	}
	names := map[string]string{}
	var electing []option
	if a.ok() && a.decode(&l) == nil {
		for _, o := range l.Items {
			names[o.ID] = v.Msg(o.NameZh, o.NameEn)
			if o.Kind == "unit" || o.Kind == "institute" || o.Kind == "university" {
				electing = append(electing, option{o.ID, names[o.ID]})
			}
		}
	}
	return names, electing
}

// congress reads a congress; a failure is shown as the page.
func (s *Server) congress(w http.ResponseWriter, r *http.Request, v *view, id string) (congressDoc, bool) {
	a := s.api(r, call{method: "GET", path: "/congresses/" + id, header: minPosition(r)})
	var c congressDoc
	if !a.ok() || a.decode(&c) != nil {
		s.failed(w, r, v, a)
		return c, false
	}
	return c, true
}

func (s *Server) congressPage(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "congress", "id")
	if !ok {
		return
	}
	if v.Me.Role == "unit_admin" || v.Me.Role == "school_admin" {
		http.Redirect(w, r, "/congresses/"+ids[0]+"/units/"+v.Me.OrgID, http.StatusSeeOther)
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showCongress(w, r, v, ids[0], http.StatusOK)
}

func (s *Server) showCongress(w http.ResponseWriter, r *http.Request, v *view, id string, status int) {
	c, ok := s.congress(w, r, v, id)
	if !ok {
		return
	}
	names, electing := s.unitNames(r, v)
	cv := congressView{Congress: c, Idem: randomToken(18), UnitOpts: electing}
	for _, u := range c.Units {
		cv.Units = append(cv.Units, unitRow{ID: u.ID, Name: cmp.Or(names[u.ID], u.ID), Allotment: u.Allotment, Reported: u.Reported})
	}
	// The form shows the unit chosen for editing, or what was just sent.
	cv.Editing = cmp.Or(v.Form["unitId"], r.URL.Query().Get("unit"))
	if _, sent := v.Form["unitId"]; !sent {
		v.Form["unitId"] = cv.Editing
		var al allotment
		for _, u := range c.Units {
			if u.ID == cv.Editing {
				al = u.Allotment
			}
		}
		for k, n := range allotmentFields(al) {
			v.Form[k] = strconv.Itoa(n)
		}
	}
	v.Title = c.Name
	v.Data = cv
	s.render(w, r, status, "congress", v)
}

// allotmentFields are an allotment's inputs: the API's field path → value.
func allotmentFields(a allotment) map[string]int {
	m := map[string]int{"allotment.specialInvited": a.SpecialInvited, "allotment.observers": a.Observers, "allotment.guests": a.Guests, "allotment.staff": a.Staff}
	for q, qu := range map[string]quota{"committee": a.Committee, "representatives": a.Representatives} {
		p := "allotment." + q + "."
		m[p+"seats"], m[p+"grassroots"], m[p+"under45"], m[p+"minority"], m[p+"democraticParty"], m[p+"women"] =
			qu.Seats, qu.Grassroots, qu.Under45, qu.Minority, qu.DemocraticParty, qu.Women
	}
	return m
}

// AllotmentPaths lists the allotment form's inputs in order: each quota's
// seats and minimums, then the counts.
func (v *view) AllotmentPaths() [][]string {
	var rows [][]string
	for _, q := range seatQuotas {
		row := []string{"allotment." + q + ".seats"}
		for _, ind := range indicators {
			row = append(row, "allotment."+q+"."+ind)
		}
		rows = append(rows, row)
	}
	var counts []string
	for _, c := range countQuotas {
		counts = append(counts, "allotment."+c)
	}
	return append(rows, counts)
}

func (s *Server) congressAllot(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "congress", "id")
	if !ok {
		return
	}
	unit := strings.TrimSpace(r.PostFormValue("unitId"))
	v.Form["unitId"] = unit
	num := func(path string) any {
		x := strings.TrimSpace(r.PostFormValue(path))
		v.Form[path] = x
		if x == "" {
			return 0
		}
		n, err := strconv.Atoi(x)
		if err != nil {
			return x // the API names what is wrong with it
		}
		return n
	}
	body := map[string]any{}
	for _, q := range seatQuotas {
		m := map[string]any{"seats": num("allotment." + q + ".seats")}
		for _, ind := range indicators {
			m[ind] = num("allotment." + q + "." + ind)
		}
		body[q] = m
	}
	for _, c := range countQuotas {
		body[c] = num("allotment." + c)
	}
	if _, err := uuid.Parse(unit); err != nil {
		s.delegateProblems(v, problem{Title: "choose the unit to invite", Zh: "请选择受邀单位", Errors: []fieldError{{Path: "unitId", Rule: "R-DEL-01", Message: "choose the unit to invite", Zh: "请选择受邀单位"}}})
		s.showCongress(w, r, v, ids[0], http.StatusUnprocessableEntity)
		return
	}
	a := s.api(r, call{method: "PUT", path: "/congresses/" + ids[0] + "/units/" + unit, body: map[string]any{"allotment": body},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/congresses/"+ids[0]+"?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	s.delegateProblems(v, a.problem())
	s.showCongress(w, r, v, ids[0], a.status)
}

// delegationView is a unit's delegation page.
type delegationView struct {
	Congress  congressDoc
	Unit      string
	UnitName  string
	UnitAdmin bool // the unit's administrator: adds, reviews, reports
	Organiser bool // the organiser's reviewer: decides the final review
	// Visible: the delegation can be read (the organiser reads it once
	// reported).
	Visible    bool
	Delegation delegationDoc
	Quota      []quotaRow
	Tabs       []option
	Tab        string
	Nominees   []nominee
	Idem       string
	Identities []option
	Genders    []option
	Parties    []option
	Base       string // the page's path
	Allotment  allotment
}

// quotaRow is one quota of the quota view: its name and cells.
type quotaRow struct {
	Key   string
	Cells []quotaCell
}

type quotaCell struct {
	Path                string // the field path a refused report names
	Label               string
	Allotted, Submitted int
	Met                 bool
}

// QuotaHeads are the quota view's column heads.
func (v *view) QuotaHeads() []string {
	hs := []string{v.T("d_seats")}
	for _, ind := range indicators {
		hs = append(hs, v.T("d_ind_"+ind))
	}
	return hs
}

func quotaRows(v *view, lines []quotaLine) []quotaRow {
	var rows []quotaRow
	for _, l := range lines {
		if len(rows) == 0 || rows[len(rows)-1].Key != l.Quota {
			rows = append(rows, quotaRow{Key: l.Quota})
		}
		label := v.T("d_quota_" + l.Quota)
		if l.Indicator != "seats" {
			label += " · " + v.T("d_ind_"+l.Indicator)
		}
		row := &rows[len(rows)-1]
		row.Cells = append(row.Cells, quotaCell{Path: l.Quota + "." + l.Indicator, Label: label, Allotted: l.Allotted, Submitted: l.Submitted, Met: l.Met})
	}
	return rows
}

func (s *Server) delegationPage(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "delegation")
	if !s.signedIn(w, r, v) {
		return
	}
	switch {
	case r.URL.Query().Get("reported") != "":
		v.Flash = v.T("d_reported_ok")
	case r.URL.Query().Get("done") != "":
		v.Flash = v.T("saved_ok")
	}
	s.showDelegation(w, r, v, http.StatusOK)
}

func (s *Server) showDelegation(w http.ResponseWriter, r *http.Request, v *view, status int) {
	ids, ok := pathIDs(r, "id", "unit")
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	c, ok := s.congress(w, r, v, ids[0])
	if !ok {
		return
	}
	names, _ := s.unitNames(r, v)
	dv := delegationView{Congress: c, Unit: ids[1], UnitName: cmp.Or(names[ids[1]], ids[1]), Idem: randomToken(18),
		UnitAdmin: v.Me.OrgID == ids[1] && (v.Me.Role == "unit_admin" || v.Me.Role == "school_admin"),
		Organiser: v.Me.OrgID == c.Organiser && v.Me.Role == "authority_reviewer",
		Base:      "/congresses/" + ids[0] + "/units/" + ids[1]}
	invited := false
	for _, u := range c.Units {
		if u.ID == ids[1] {
			invited, dv.Allotment = true, u.Allotment
		}
	}
	if !invited {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/delegation", header: minPosition(r)})
	switch {
	case a.ok():
		if err := a.decode(&dv.Delegation); err != nil {
			s.failed(w, r, v, &answer{status: http.StatusInternalServerError})
			return
		}
		dv.Visible = true
	case a.status == http.StatusNotFound && dv.Organiser:
		// Not reported yet: the organiser sees the allotment only.
	default:
		s.failed(w, r, v, a)
		return
	}
	dv.Quota = quotaRows(v, dv.Delegation.Quota)
	dv.Tab = r.URL.Query().Get("status")
	for _, t := range nomineeTabs {
		if t.Key == "all" && dv.Tab == "" {
			dv.Tab = "all"
		}
		dv.Tabs = append(dv.Tabs, option{t.Key, v.T("d_tab_" + t.Key)})
		if t.Key != dv.Tab {
			continue
		}
		for _, n := range dv.Delegation.Nominees {
			if t.Statuses == "" || slices.Contains(strings.Split(t.Statuses, ","), n.Status) {
				dv.Nominees = append(dv.Nominees, n)
			}
		}
	}
	for _, i := range identities {
		dv.Identities = append(dv.Identities, option{i, v.T("d_id_" + i)})
	}
	dv.Genders = []option{{"male", v.T("d_male")}, {"female", v.T("d_female")}}
	for _, p := range affiliations {
		dv.Parties = append(dv.Parties, option{p, p})
	}
	// A batch's refusal names each nominee by the box ticked for it.
	for i, p := range v.Problems {
		if id, ok := strings.CutPrefix(p.Path, "batch."); ok {
			for _, n := range dv.Delegation.Nominees {
				if n.ID == id {
					v.Problems[i].Label = n.Name
				}
			}
		}
	}
	v.Title = c.Name + " · " + dv.UnitName
	v.Data = dv
	s.render(w, r, status, "delegation", v)
}

// nomineeBody reads the nominee form's fields into the API's body and
// keeps them in the form.
func nomineeBody(r *http.Request, v *view) map[string]any {
	for _, k := range []string{"name", "identity", "profile.gender", "profile.ethnicity", "profile.affiliations[0]", "profile.affiliations[1]", "birthDate", "profile.mobile"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	if r.PostFormValue("profile.grassroots") != "" {
		v.Form["profile.grassroots"] = "on"
	}
	parties := []string{}
	for _, p := range []string{v.Form["profile.affiliations[0]"], v.Form["profile.affiliations[1]"]} {
		if p != "" {
			parties = append(parties, p)
		}
	}
	body := map[string]any{"name": v.Form["name"], "profile": map[string]any{"gender": v.Form["profile.gender"], "ethnicity": v.Form["profile.ethnicity"],
		"affiliations": parties, "grassroots": v.Form["profile.grassroots"] == "on"}}
	if v.Form["birthDate"] != "" {
		body["birthDate"] = v.Form["birthDate"]
	}
	if m := v.Form["profile.mobile"]; m != "" {
		body["profile"].(map[string]any)["mobile"] = m
	}
	return body
}

func (s *Server) nomineeAdd(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "delegation", "id", "unit")
	if !ok {
		return
	}
	body := nomineeBody(r, v)
	body["identity"] = v.Form["identity"]
	a := s.api(r, call{method: "POST", path: "/congresses/" + ids[0] + "/nominees", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/congresses/"+ids[0]+"/units/"+ids[1]+"?status=pending&done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	s.delegateProblems(v, a.problem())
	s.showDelegation(w, r, v, a.status)
}

// nomineeActions are the decisions on a nominee the page sends, by the
// API's path under the congress.
var nomineeActions = map[string]func(unit, nominee string) string{
	"approve":       func(_, n string) string { return "/nominees/" + n + "/approve" },
	"reject":        func(_, n string) string { return "/nominees/" + n + "/reject" },
	"revoke":        func(_, n string) string { return "/nominees/" + n + "/revoke" },
	"deregister":    func(_, n string) string { return "/nominees/" + n + "/deregister" },
	"disable":       func(_, n string) string { return "/nominees/" + n + "/disable" },
	"enable":        func(_, n string) string { return "/nominees/" + n + "/enable" },
	"final-approve": func(u, n string) string { return "/units/" + u + "/nominees/" + n + "/final-approve" },
	"final-reject":  func(u, n string) string { return "/units/" + u + "/nominees/" + n + "/final-reject" },
}

func (s *Server) nomineeAct(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "delegation")
	if !s.signedIn(w, r, v) {
		return
	}
	ids, ok := pathIDs(r, "id", "unit", "nominee")
	act, known := nomineeActions[r.PostFormValue("action")]
	if !ok || !known {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	opinion := strings.TrimSpace(r.PostFormValue("opinion." + ids[2]))
	v.Form["opinion."+ids[2]] = opinion
	a := s.api(r, call{method: "POST", path: "/congresses/" + ids[0] + act(ids[1], ids[2]), body: map[string]string{"reason": opinion},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		back := "/congresses/" + ids[0] + "/units/" + ids[1] + "?done=1&pos=" + url.QueryEscape(a.header.Get("X-Econf-Position"))
		if r.PostFormValue("back") == "detail" {
			back = "/congresses/" + ids[0] + "/units/" + ids[1] + "/nominees/" + ids[2] + "?done=" + url.QueryEscape(r.PostFormValue("action")) +
				"&pos=" + url.QueryEscape(a.header.Get("X-Econf-Position"))
		}
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
	for i := range p.Errors {
		if p.Errors[i].Path == "reason" || p.Errors[i].Path == "body:reason" {
			p.Errors[i].Path = "opinion." + ids[2]
		}
	}
	s.delegateProblems(v, p)
	s.showDelegation(w, r, v, a.status)
}

func (s *Server) delegationReport(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "delegation", "id", "unit")
	if !ok {
		return
	}
	a := s.api(r, call{method: "POST", path: "/congresses/" + ids[0] + "/report", header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/congresses/"+ids[0]+"/units/"+ids[1]+"?status=reported&reported=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	s.delegateProblems(v, a.problem())
	s.showDelegation(w, r, v, a.status)
}

// registrationForms hands the unit's registration forms (登记表) from the
// API to the browser: all nominees', or those ?nominee= names.
func (s *Server) registrationForms(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "delegation", "id", "unit")
	if !ok {
		return
	}
	q := url.Values{}
	for _, n := range r.URL.Query()["nominee"] {
		if id, err := uuid.Parse(n); err == nil {
			q.Add("nominee", id.String())
		}
	}
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/registration-forms.pdf", query: q})
	if !a.ok() {
		s.failed(w, r, v, a)
		return
	}
	for _, h := range []string{"Content-Type", "Content-Disposition"} {
		if x := a.header.Get(h); x != "" {
			w.Header().Set(h, x)
		}
	}
	_, _ = a.body.WriteTo(w) // the client went away
}

// nomineeEditView is the form that changes a nominee the unit holds.
type nomineeEditView struct {
	Pages    []nPage
	Nominee  nominee
	Base     string
	Idem     string
	Genders  []option
	Parties  []option
	Congress congressDoc
}

func (s *Server) nomineeEdit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "d_edit")
	if !s.signedIn(w, r, v) {
		return
	}
	s.showNomineeEdit(w, r, v, http.StatusOK, true)
}

func (s *Server) showNomineeEdit(w http.ResponseWriter, r *http.Request, v *view, status int, fill bool) {
	ids, ok := pathIDs(r, "id", "unit", "nominee")
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	c, ok := s.congress(w, r, v, ids[0])
	if !ok {
		return
	}
	a := s.api(r, call{method: "GET", path: "/congresses/" + ids[0] + "/units/" + ids[1] + "/delegation"})
	var d delegationDoc
	if !a.ok() || a.decode(&d) != nil {
		s.failed(w, r, v, a)
		return
	}
	ev := nomineeEditView{Base: "/congresses/" + ids[0] + "/units/" + ids[1], Idem: randomToken(18), Congress: c,
		Genders: []option{{"male", v.T("d_male")}, {"female", v.T("d_female")}}}
	for _, p := range affiliations {
		ev.Parties = append(ev.Parties, option{p, p})
	}
	found := false
	for _, n := range d.Nominees {
		if n.ID == ids[2] {
			ev.Nominee, found = n, true
		}
	}
	if !found {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	if fill {
		fillNominee(v, rawNominee(a, ids[2]))
	}
	ev.Pages = nomineePages
	v.Title = v.T("d_edit") + " · " + ev.Nominee.Name
	v.Data = ev
	s.render(w, r, status, "nominee_edit", v)
}

func (s *Server) nomineeSave(w http.ResponseWriter, r *http.Request) {
	v, ids, ok := s.signedInWith(w, r, "d_edit", "id", "unit", "nominee")
	if !ok {
		return
	}
	a := s.api(r, call{method: "PUT", path: "/congresses/" + ids[0] + "/nominees/" + ids[2], body: s.nomineeDetailsBody(r, v),
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	if a.ok() {
		http.Redirect(w, r, "/congresses/"+ids[0]+"/units/"+ids[1]+"?done=1&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	if !formProblem(a) {
		s.failed(w, r, v, a)
		return
	}
	s.delegateProblems(v, a.problem())
	s.showNomineeEdit(w, r, v, a.status, false)
}

// delegateProblems puts the API's errors next to the delegates' inputs,
// each named in the summary by its label here.
func (s *Server) delegateProblems(v *view, p problem) {
	for i := range p.Errors {
		p.Errors[i].Path = nomineePath(p.Errors[i].Path)
	}
	v.addProblems(p)
	for i := range v.Problems {
		if l := v.DelegateLabel(v.Problems[i].Path); l != "" {
			v.Problems[i].Label = l
		}
	}
}

// DelegateLabel names a delegates' field path ("" when it is not one).
func (v *view) DelegateLabel(path string) string {
	if l := v.nomineeLabel(path); l != "" && strings.HasPrefix(path, "profile.") {
		return l
	}
	switch {
	case path == "name" || path == "referenceDate" || path == "unitId" || path == "identity" || path == "birthDate":
		return v.T("d_f_" + path)
	case strings.HasPrefix(path, "opinion."):
		return v.T("d_opinion")
	case path == "batch.opinion" || path == "batch":
		return v.T("d_batch_opinion")
	case path == "attachment":
		return v.T("d_attachments")
	case strings.HasPrefix(path, "profile."):
		f, _, _ := strings.Cut(strings.TrimPrefix(path, "profile."), "[")
		return v.T("d_f_" + f)
	}
	p := strings.TrimPrefix(path, "allotment.")
	q, ind, _ := strings.Cut(p, ".")
	if _, ok := msgs["d_quota_"+q]; !ok {
		return ""
	}
	if ind == "" || ind == "seats" {
		return v.T("d_quota_" + q)
	}
	return v.T("d_quota_"+q) + " · " + v.T("d_ind_"+ind)
}

// WithHint adds a hint under f's input.
func (f field) WithHint(s string) field { f.Hint = s; return f }

// FieldID is the HTML id of the input for an API field path.
func (v *view) FieldID(path string) string { return fieldID(path) }

// NomineeStatus names a nominee's status as the seed's lists do.
func (v *view) NomineeStatus(st string) string { return v.code("d_st_", st) }

// Identity names a nominee's identity.
func (v *view) Identity(id string) string { return v.code("d_id_", id) }

// Indicators lists what a nominee counts towards.
func (v *view) Indicators(in map[string]bool) string {
	var out []string
	keys := map[string]string{"grassroots": "grassroots", "under45": "under45", "minority": "minority", "democraticParty": "democraticParty", "woman": "women"}
	for _, k := range []string{"grassroots", "under45", "minority", "democraticParty", "woman"} {
		if in[k] {
			out = append(out, v.T("d_ind_"+keys[k]))
		}
	}
	return strings.Join(out, "、")
}

// delegateInbox is what waits in the delegates' lists: for a unit's
// administrators, its nominees awaiting the initial review; for the
// organiser's reviewers, the reported nominees awaiting the final review.
func (s *Server) delegateInbox(r *http.Request, v *view) []inboxSection {
	unitAdmin := v.Me.Role == "unit_admin" || v.Me.Role == "school_admin"
	if !unitAdmin && v.Me.Role != "authority_reviewer" {
		return nil
	}
	a := s.api(r, call{method: "GET", path: "/congresses"})
	var l struct {
		Items []congressRow `json:"items"`
	}
	if !a.ok() || a.decode(&l) != nil {
		return nil
	}
	sec := inboxSection{Key: "d_inbox_review"}
	want := "pending"
	if !unitAdmin {
		sec.Key, want = "d_inbox_final", "reported"
	}
	var names map[string]string
	for _, c := range l.Items {
		var units []string
		if unitAdmin {
			units = []string{v.Me.OrgID}
		} else {
			a := s.api(r, call{method: "GET", path: "/congresses/" + c.ID})
			var doc congressDoc
			if !a.ok() || a.decode(&doc) != nil {
				continue
			}
			for _, u := range doc.Units {
				if u.Reported {
					units = append(units, u.ID)
				}
			}
		}
		for _, u := range units {
			a := s.api(r, call{method: "GET", path: "/congresses/" + c.ID + "/units/" + u + "/delegation"})
			var d delegationDoc
			if !a.ok() || a.decode(&d) != nil {
				continue
			}
			for _, n := range d.Nominees {
				if n.Status != want {
					continue
				}
				if names == nil {
					names, _ = s.unitNames(r, v)
				}
				sec.Page.Total++
				if len(sec.Page.Items) < 20 {
					sec.Page.Items = append(sec.Page.Items, forecastRow{ID: n.ID, NameZh: n.Name + " · " + c.Name, ApplicantName: v.Identity(n.Identity),
						UnitName: names[u], Label: v.NomineeStatus(n.Status), Href: "/congresses/" + c.ID + "/units/" + u + "?status=" + want})
				}
			}
		}
	}
	return []inboxSection{sec}
}

var _ = addMsgs(delegateMsgs)

var delegateMsgs = map[string][2]string{
	"congresses":              {"代表大会", "Congresses"},
	"congress":                {"代表大会", "Congress"},
	"delegation":              {"代表委员推选", "Nominees"},
	"d_none":                  {"暂无代表大会。", "No congress yet."},
	"d_new":                   {"新建换届活动", "New congress"},
	"d_f_name":                {"名称", "Name"},
	"d_f_referenceDate":       {"基准日期（计算年龄）", "Reference date (ages are counted at it)"},
	"d_f_unitId":              {"受邀单位", "Invited unit"},
	"d_f_identity":            {"身份类型", "Identity"},
	"d_f_birthDate":           {"出生日期", "Date of birth"},
	"d_f_gender":              {"性别", "Gender"},
	"d_f_ethnicity":           {"民族", "Ethnic group"},
	"d_f_affiliations":        {"政治面貌", "Political affiliation"},
	"d_f_party2":              {"政治面貌（第二项，可不选）", "Second political affiliation (optional)"},
	"d_f_grassroots":          {"基层一线工作者", "Grassroots worker"},
	"d_nominee_name":          {"姓名", "Name"},
	"d_ref_date":              {"基准日期", "Reference date"},
	"d_created":               {"创建时间", "Created"},
	"d_units":                 {"受邀单位及名额", "Invited units and their quotas"},
	"d_no_units":              {"尚未邀请单位。", "No unit invited yet."},
	"d_allot":                 {"邀请单位并分配名额", "Invite a unit and allot its quotas"},
	"d_allot_hint":            {"选择已邀请的单位可修改其名额（上报前）。", "Choose an invited unit to change its quotas (until it reports)."},
	"d_allot_save":            {"保存名额", "Save the quotas"},
	"d_edit_quota":            {"修改名额", "Edit quotas"},
	"d_open":                  {"查看推选", "Open nominees"},
	"d_unit_reported":         {"已全部上报", "Reported"},
	"d_unit_open":             {"未上报", "Not reported"},
	"d_quota_view":            {"名额情况", "Quotas"},
	"d_quota_note":            {"括号内为分配名额，括号外为已提交数量；绿色为符合条件，红色为不符合条件，只有所有指标都符合条件后才能全部上报。", "In brackets: the allotment; outside: the number submitted. Green is met, red is not; only when every indicator is met can the unit report."},
	"d_met":                   {"符合", "met"},
	"d_unmet":                 {"不符合", "not met"},
	"d_seats":                 {"名额", "Seats"},
	"d_quota_committee":       {"委员候选人名额", "Committee candidates"},
	"d_quota_representatives": {"代表名额", "Representatives"},
	"d_quota_specialInvited":  {"特邀代表", "Special invited representatives"},
	"d_quota_observers":       {"列席代表", "Observers"},
	"d_quota_guests":          {"参会嘉宾", "Guests"},
	"d_quota_staff":           {"工作人员", "Staff"},
	"d_ind_grassroots":        {"基层工作者", "Grassroots workers"},
	"d_ind_under45":           {"45岁以下", "Aged 45 or younger"},
	"d_ind_minority":          {"少数民族", "Ethnic minorities"},
	"d_ind_democraticParty":   {"民主党派", "Democratic parties"},
	"d_ind_women":             {"女性工作者", "Women"},
	"d_at_least":              {"不少于", "at least"},
	"d_id_committee":          {"委员", "Committee candidate"},
	"d_id_representative":     {"代表", "Representative"},
	"d_id_special_invited":    {"特邀代表", "Special invited representative"},
	"d_id_observer":           {"列席代表", "Observer"},
	"d_id_guest":              {"参会嘉宾", "Guest"},
	"d_id_staff":              {"工作人员", "Staff"},
	"d_identity_hint":         {"同时为代表和委员的，仅选“委员”（占用代表名额）。", "Both representative and committee candidate: choose committee candidate only (it takes a representative seat too)."},
	"d_male":                  {"男", "Male"},
	"d_female":                {"女", "Female"},
	"d_st_pending":            {"初审待审核", "Awaiting initial review"},
	"d_st_approved":           {"初审通过待上报", "Approved, to report"},
	"d_st_rejected":           {"初审审核不通过", "Not approved"},
	"d_st_reported":           {"初审通过已上报/终审待审核", "Reported, awaiting final review"},
	"d_st_final_approved":     {"终审审核通过", "Final review passed"},
	"d_st_final_rejected":     {"终审审核不通过", "Final review refused"},
	"d_tab_all":               {"全部人员", "All"},
	"d_tab_pending":           {"代表委员待审核", "Awaiting review"},
	"d_tab_approved":          {"审核通过待上报", "Approved, to report"},
	"d_tab_rejected":          {"审核不通过", "Not approved"},
	"d_tab_reported":          {"审核通过已上报", "Reported"},
	"d_lists":                 {"按状态查看", "Lists by status"},
	"d_add":                   {"新增推荐人选", "Add a nominee"},
	"d_add_submit":            {"新增", "Add"},
	"d_nominees":              {"推荐人选", "Nominees"},
	"d_no_nominees":           {"此列表暂无人员。", "No nominee in this list."},
	"d_col_identity":          {"身份", "Identity"},
	"d_col_gender":            {"性别", "Gender"},
	"d_col_party":             {"党派", "Party"},
	"d_col_indicators":        {"计入指标", "Counts towards"},
	"d_col_status":            {"状态", "Status"},
	"d_col_submitted":         {"提交时间", "Submitted"},
	"d_col_actions":           {"操作", "Actions"},
	"d_opinion":               {"审核意见（驳回必填）", "Opinion (required to reject)"},
	"d_opinion_shown":         {"审核意见", "Opinion"},
	"d_approve":               {"通过", "Approve"},
	"d_reject":                {"驳回", "Reject"},
	"d_revoke":                {"撤销", "Revoke"},
	"d_deregister":            {"注销", "Deregister"},
	"d_final_approve":         {"终审通过", "Pass the final review"},
	"d_final_reject":          {"终审不通过", "Refuse at the final review"},
	"d_edit":                  {"编辑并重新提交", "Edit and resubmit"},
	"d_edit_submit":           {"保存并重新提交", "Save and resubmit"},
	"d_report":                {"全部上报", "Report all"},
	"d_report_hint":           {"将所有初审通过人员上报主办单位终审；须所有指标符合条件。", "Reports every approved nominee to the organiser's final review; every indicator must be met."},
	"d_reported_ok":           {"已全部上报。", "Reported."},
	"d_forms":                 {"下载登记表（PDF）", "Registration forms (PDF)"},
	"d_not_reported":          {"该单位尚未全部上报，上报后可见推荐人选。", "The unit has not reported yet: its nominees show once it does."},
	"d_back":                  {"返回代表大会", "Back to the congress"},
	"d_inbox_review":          {"待初审的推荐人选", "Nominees awaiting the initial review"},
	"d_inbox_final":           {"待终审的推荐人选", "Nominees awaiting the final review"},
	"d_unit":                  {"推荐单位", "Unit"},
}
