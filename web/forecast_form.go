package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The forecast form's inputs are named by the API's field paths, so an
// error the API reports for a path lands next to the input of that name.
var (
	forecastText = []string{
		"applicant.name", "applicant.staffNo", "applicant.title", "applicant.unit", "applicant.department",
		"applicant.mobile", "applicant.email", "nameZh", "nameEn", "province", "address",
		"offsiteJustification", "type", "scale", "fundingSource", "remarks",
	}
	forecastDates  = []string{"startDate", "commitmentDate"}
	forecastInts   = []string{"chineseCount", "foreignCount"}
	forecastFlags  = []string{"sensitive", "unBody", "intergovernmentalOrg", "coreInterests", "foreignMinisters", "nationalLeaders", "stateLeadersNpc"}
	organisationNo = 3 // rows of hosting organisations on the form
)

// formView is the forecast form page.
type formView struct {
	Action  string // where the form posts
	Version int64  // the revised record's version (If-Match), 0 for new
	Idem    string
	Orgs    []int
	Flags   []string
}

func (s *Server) newFormView(action string, version int64) formView {
	fv := formView{Action: action, Version: version, Idem: randomToken(18), Flags: forecastFlags}
	for i := range organisationNo {
		fv.Orgs = append(fv.Orgs, i)
	}
	return fv
}

// detailsFromForm builds the API's forecast body from the form. Values
// the API could not even read (a date that is none, a number that is
// none) are reported next to their inputs, and then nothing is sent.
func detailsFromForm(r *http.Request, v *view) map[string]any {
	body := map[string]any{}
	set := func(path string, val any) {
		m := body
		parts := strings.Split(path, ".")
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = val
	}
	local := map[string]string{}
	for _, k := range forecastText {
		val := r.PostFormValue(k)
		v.Form[k] = val
		if val != "" {
			set(k, val)
		}
	}
	for _, k := range forecastDates {
		val := strings.TrimSpace(r.PostFormValue(k))
		v.Form[k] = val
		if val == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, val); err != nil {
			local[k] = v.Msg("请输入日期，例如 2027-05-10", "Enter a date, e.g. 2027-05-10")
			continue
		}
		set(k, val)
	}
	for _, k := range forecastInts {
		val := strings.TrimSpace(r.PostFormValue(k))
		v.Form[k] = val
		if val == "" {
			continue
		}
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			local[k] = v.T("integer")
			continue
		}
		set(k, n)
	}
	v.Form["local"] = r.PostFormValue("local")
	set("local", v.Form["local"] == "on")
	flags := map[string]any{}
	for _, f := range forecastFlags {
		k := "flags." + f
		v.Form[k] = r.PostFormValue(k)
		flags[f] = v.Form[k] == "on"
	}
	body["flags"] = flags
	orgs := []any{}
	for i := range organisationNo {
		o := map[string]any{}
		for _, f := range []string{"role", "nameZh", "nameEn"} {
			k := fmt.Sprintf("organisations[%d].%s", i, f)
			v.Form[k] = r.PostFormValue(k)
			if v.Form[k] != "" {
				o[f] = v.Form[k]
			}
		}
		if len(o) > 0 {
			orgs = append(orgs, o)
		}
	}
	body["organisations"] = orgs
	if len(local) > 0 {
		v.Errors = map[string]string{}
		for k, msg := range local {
			v.Errors[k] = msg
			v.Problems = append(v.Problems, fieldProblem{Path: k, ID: fieldID(k), Label: v.label(k), Message: msg})
		}
	}
	return body
}

// formFromDetails fills the form from a record's details.
func formFromDetails(v *view, d map[string]any) {
	var walk func(prefix string, x any)
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			for k, e := range t {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, e)
			}
		case []any:
			for i, e := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		case bool:
			if t {
				v.Form[prefix] = "on"
			}
		case float64:
			v.Form[prefix] = strconv.FormatFloat(t, 'f', -1, 64)
		case string:
			v.Form[prefix] = t
		}
	}
	walk("", d)
}

func (s *Server) forecastNew(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "forecast_form")
	if !s.signedIn(w, r, v) {
		return
	}
	v.Form["applicant.name"] = v.Me.Name
	v.Form["local"] = "on"
	v.Data = s.newFormView("/forecasts/new", 0)
	s.render(w, r, http.StatusOK, "forecast_form", v)
}

func (s *Server) forecastCreate(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "forecast_form")
	if !s.signedIn(w, r, v) {
		return
	}
	body := detailsFromForm(r, v)
	if len(v.Problems) > 0 {
		s.afterSave(w, r, v, &answer{status: http.StatusUnprocessableEntity}, s.newFormView("/forecasts/new", 0), "")
		return
	}
	a := s.api(r, call{method: "POST", path: "/forecasts", body: body, header: map[string]string{"Idempotency-Key": idemKey(r)}})
	s.afterSave(w, r, v, a, s.newFormView("/forecasts/new", 0), "")
}

func (s *Server) forecastEdit(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "forecast_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	a := s.api(r, call{method: "GET", path: "/forecasts/" + id})
	var rec struct {
		Version int64          `json:"version"`
		Details map[string]any `json:"details"`
	}
	if !a.ok() || a.decode(&rec) != nil {
		s.failed(w, r, v, a)
		return
	}
	formFromDetails(v, rec.Details)
	v.Data = s.newFormView("/forecasts/"+id+"/edit", rec.Version)
	s.render(w, r, http.StatusOK, "forecast_form", v)
}

func (s *Server) forecastRevise(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "forecast_form")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	version, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if !ok || err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body := detailsFromForm(r, v)
	if len(v.Problems) > 0 {
		s.afterSave(w, r, v, &answer{status: http.StatusUnprocessableEntity}, s.newFormView("/forecasts/"+id+"/edit", version), id)
		return
	}
	a := s.api(r, call{method: "PUT", path: "/forecasts/" + id, body: body,
		header: map[string]string{"Idempotency-Key": idemKey(r), "If-Match": fmt.Sprintf(`"%d"`, version)}})
	s.afterSave(w, r, v, a, s.newFormView("/forecasts/"+id+"/edit", version), id)
}

// afterSave shows the form again with every error next to its input, or
// goes to the record's page.
func (s *Server) afterSave(w http.ResponseWriter, r *http.Request, v *view, a *answer, fv formView, id string) {
	if a.ok() {
		if id == "" {
			var res struct {
				ID string `json:"id"`
			}
			if err := a.decode(&res); err != nil {
				s.failed(w, r, v, a)
				return
			}
			id = res.ID
		}
		http.Redirect(w, r, "/forecasts/"+id+"?done=submitted&pos="+url.QueryEscape(a.header.Get("X-Econf-Position")), http.StatusSeeOther)
		return
	}
	status := a.status
	switch {
	case a.status == http.StatusConflict || a.status == http.StatusPreconditionFailed:
		v.Error = v.T("stale")
	case a.status == http.StatusBadRequest || a.status == http.StatusUnprocessableEntity:
		v.addProblems(a.problem())
	default:
		s.failed(w, r, v, a)
		return
	}
	v.Data = fv
	s.render(w, r, status, "forecast_form", v)
}
