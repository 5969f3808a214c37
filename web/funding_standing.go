package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// An institute's standing with the bureau in the pages (第十二条,
// R-FUND-06, R-FUND-08): whether it may apply, why not and until when;
// the bureau's clawback of a grant (on the application's page) and its
// suspension of an institute's applications (on the institute's
// eligibility page), each error next to its input.

// eligibilityBar is one reason an institute may not apply, as the API
// says it.
type eligibilityBar struct {
	Rule      string `json:"rule"`
	Message   string `json:"message"`
	Zh        string `json:"zh"`
	Until     string `json:"until"`
	FundingID string `json:"fundingId"`
}

// eligibility is GET /api/v1/funding/institutes/{id}/eligibility and a
// row of GET /api/v1/funding/eligibility.
type eligibility struct {
	Institute     string           `json:"institute"`
	InstituteName string           `json:"instituteName"`
	AcademyName   string           `json:"academyName"`
	Year          int              `json:"year"`
	Eligible      bool             `json:"eligible"`
	Bars          []eligibilityBar `json:"bars"`
	Sanctions     []struct {
		Kind      string `json:"kind"`
		Reason    string `json:"reason"`
		To        string `json:"to"`
		FundingID string `json:"fundingId"`
		AmountFen int64  `json:"amountFen"`
		On        string `json:"on"`
		Period    struct {
			From  string `json:"from"`
			Until string `json:"until"`
		} `json:"period"`
	} `json:"sanctions"`
}

// eligibilityView is the eligibility page: one institute's (Institute
// set), or the bureau's list of its institutes (Items).
type eligibilityView struct {
	One   *eligibility
	Name  string
	Items []eligibility
	// List: the page lists institutes; Suspend: the bureau may suspend
	// the one shown.
	List, Suspend bool
	Year          string
	// Idem and ReferIdem key the suspension's and the referral's forms.
	Idem, ReferIdem string
}

// fundingEligibility shows whether an institute may apply to a year's
// call today: each bar with its rule and until when, and the sanctions
// recorded (R-FUND-06, R-FUND-08). An institute's administrator reads
// their own; the bureau, auditors and analysts list the institutes they
// may see and open one by ?institute=, where the bureau suspends it.
func (s *Server) fundingEligibility(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_eligibility")
	if !s.signedIn(w, r, v) {
		return
	}
	switch r.URL.Query().Get("done") {
	case "suspension":
		v.Flash = v.T("fund_suspended")
	case "clawback":
		v.Flash = v.T("fund_clawed_back")
	case "referral":
		v.Flash = v.T("fund_referred")
	}
	s.showEligibility(w, r, v, http.StatusOK, r.URL.Query().Get("institute"), r.URL.Query().Get("year"), r.URL.Query().Get("pos"))
}

// showEligibility renders the page for institute ("" : the user's own,
// or the list for those who see several) and year ("" : next year's
// call), after the read model reached pos when given.
func (s *Server) showEligibility(w http.ResponseWriter, r *http.Request, v *view, status int, inst, year, pos string) {
	ev := eligibilityView{Year: strings.TrimSpace(year), Idem: randomToken(18), ReferIdem: randomToken(18)}
	v.Form["year"] = ev.Year
	q := url.Values{}
	if ev.Year != "" {
		q.Set("year", ev.Year)
	}
	hdr := map[string]string{}
	if validPosition(pos) {
		hdr["X-Econf-Min-Position"] = pos
	}
	if inst == "" && v.Me.Role != "unit_admin" {
		ev.List = true
		inst = ""
	} else if inst == "" {
		inst = v.Me.OrgID
	}
	if _, err := uuid.Parse(inst); !ev.List && err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	path := "/funding/eligibility"
	if !ev.List {
		path = "/funding/institutes/" + inst + "/eligibility"
	}
	a := s.api(r, call{method: "GET", path: path, query: q, header: hdr})
	if a.status == http.StatusBadRequest {
		p := a.problem()
		for i := range p.Errors {
			p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "query:")
		}
		v.addProblems(p)
		v.relabel(func(v *view, path string) string { return v.T("fund_call_for") })
		v.Data = ev
		s.render(w, r, http.StatusBadRequest, "funding_eligibility", v)
		return
	}
	if ev.List {
		var list struct {
			Items []eligibility `json:"items"`
		}
		if !a.ok() || a.decode(&list) != nil {
			s.failed(w, r, v, a)
			return
		}
		ev.Items = list.Items
		v.Data = ev
		s.render(w, r, status, "funding_eligibility", v)
		return
	}
	var el eligibility
	if !a.ok() || a.decode(&el) != nil {
		s.failed(w, r, v, a)
		return
	}
	ev.One = &el
	ev.Suspend = v.Me.Role == "authority_reviewer"
	if ev.Suspend || v.Me.Role != "unit_admin" {
		// The institute's name, from the organisations everyone reads.
		if oa := s.api(r, call{method: "GET", path: "/organisations"}); oa.ok() {
			var orgs struct {
				Items []struct {
					ID     string `json:"id"`
					NameZh string `json:"nameZh"`
					NameEn string `json:"nameEn"`
				} `json:"items"`
			}
			if oa.decode(&orgs) == nil {
				for _, o := range orgs.Items {
					if o.ID == inst {
						ev.Name = v.Msg(o.NameZh, o.NameEn)
					}
				}
			}
		}
	}
	if ev.Name != "" {
		v.Title = v.T("fund_eligibility") + " · " + ev.Name
	}
	v.Data = ev
	s.render(w, r, status, "funding_eligibility", v)
}

// sanctionPath names the page's input of a sanction's API field path
// under prefix (clawback., suspension.): amountFen is the amount in
// yuan; anything else not an input is the reason.
func sanctionPath(prefix, path string) string {
	path = strings.TrimPrefix(path, "body:")
	switch {
	case path == "amountFen":
		return prefix + "amount"
	case path == "period.from" || path == "period.until" || path == "reason" || path == "to":
		return prefix + path
	case strings.HasPrefix(path, "period"):
		return prefix + "period.until"
	}
	return prefix + "reason"
}

// sanctionLabel names a sanction form's input by its path.
func sanctionLabel(v *view, path string) string {
	_, rest, _ := strings.Cut(path, ".")
	switch rest {
	case "amount":
		return v.T("fund_clawback_amount")
	case "reason":
		return v.T("fund_reason")
	case "period.from":
		return v.T("fund_period_from")
	case "period.until":
		return v.T("fund_period_until")
	case "to":
		return v.T("fund_referral_to")
	}
	return ""
}

// sanctionBody reads a sanction form's reason and period (prefix
// clawback. or suspension.) into v.Form and the API's body; an empty
// date is left out (the API says whether it is required).
func sanctionBody(r *http.Request, v *view, prefix string) map[string]any {
	body := map[string]any{}
	v.Form[prefix+"reason"] = strings.TrimSpace(r.PostFormValue(prefix + "reason"))
	body["reason"] = v.Form[prefix+"reason"]
	period := map[string]string{}
	for _, k := range []string{"from", "until"} {
		x := strings.TrimSpace(r.PostFormValue(prefix + "period." + k))
		v.Form[prefix+"period."+k] = x
		if x != "" {
			period[k] = x
		}
	}
	if len(period) > 0 || prefix == "suspension." {
		body["period"] = period
	}
	return body
}

// sanctionRefused puts a refused sanction's errors next to the form's
// inputs; false when the answer is no refusal of the input.
func sanctionRefused(v *view, a *answer, prefix string) bool {
	if a.status != http.StatusBadRequest && a.status != http.StatusUnprocessableEntity && a.status != http.StatusConflict {
		return false
	}
	p := a.problem()
	if len(p.Errors) == 0 {
		p.Errors = []fieldError{{Path: "reason", Rule: p.Rule, Message: firstNonEmpty(p.Detail, p.Title), Zh: p.Zh}}
	}
	for i := range p.Errors {
		p.Errors[i].Path = sanctionPath(prefix, p.Errors[i].Path)
	}
	v.addProblems(p)
	v.relabel(sanctionLabel)
	return true
}

// fundingSuspend is the bureau's suspension of the institute's
// applications for a period, with its reason (R-FUND-08): recorded, the
// page shows it among the sanctions and the institute not eligible.
func (s *Server) fundingSuspend(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_eligibility")
	if !s.signedIn(w, r, v) {
		return
	}
	inst := r.PostFormValue("institute")
	if _, err := uuid.Parse(inst); err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	year := r.PostFormValue("year")
	body := sanctionBody(r, v, "suspension.")
	a := s.api(r, call{method: "POST", path: "/funding/institutes/" + inst + "/suspension", body: body,
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		q := url.Values{"institute": {inst}, "done": {"suspension"}, "pos": {a.header.Get("X-Econf-Position")}}
		if year != "" {
			q.Set("year", year)
		}
		http.Redirect(w, r, "/funding/eligibility?"+q.Encode(), http.StatusSeeOther)
	case sanctionRefused(v, a, "suspension."):
		s.showEligibility(w, r, v, a.status, inst, year, "")
	default:
		s.failed(w, r, v, a)
	}
}

// fundingRefer is the bureau's referral of the institute's case to a
// department for further handling (第十二条, R-FUND-08): recorded, the
// page lists it among the sanctions; it bars no application by itself.
func (s *Server) fundingRefer(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "fund_eligibility")
	if !s.signedIn(w, r, v) {
		return
	}
	inst := r.PostFormValue("institute")
	if _, err := uuid.Parse(inst); err != nil {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	year := r.PostFormValue("year")
	for _, k := range []string{"referral.to", "referral.reason"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	a := s.api(r, call{method: "POST", path: "/funding/institutes/" + inst + "/referral",
		body:   map[string]string{"to": v.Form["referral.to"], "reason": v.Form["referral.reason"]},
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		q := url.Values{"institute": {inst}, "done": {"referral"}, "pos": {a.header.Get("X-Econf-Position")}}
		if year != "" {
			q.Set("year", year)
		}
		http.Redirect(w, r, "/funding/eligibility?"+q.Encode(), http.StatusSeeOther)
	case sanctionRefused(v, a, "referral."):
		s.showEligibility(w, r, v, a.status, inst, year, "")
	default:
		s.failed(w, r, v, a)
	}
}

// fundingClawback is the bureau's clawback of part or all of a grant
// (R-FUND-08): an amount in yuan no more than granted and not yet
// clawed back, a reason, and optionally a period the institute may not
// apply; recorded, the institute's eligibility page shows it.
func (s *Server) fundingClawback(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "funding")
	if !s.signedIn(w, r, v) {
		return
	}
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	body := sanctionBody(r, v, "clawback.")
	v.Form["clawback.amount"] = strings.TrimSpace(r.PostFormValue("clawback.amount"))
	fen, ok := toFen(v.Form["clawback.amount"])
	if !ok {
		v.addLocal("clawback.amount", v.T("fund_yuan_hint"))
		v.relabel(sanctionLabel)
		s.showFunding(w, r, v, http.StatusUnprocessableEntity, "")
		return
	}
	body["amountFen"] = fen
	a := s.api(r, call{method: "POST", path: "/funding/" + id + "/clawback", body: body,
		header: map[string]string{"Idempotency-Key": idemKey(r)}})
	switch {
	case a.ok():
		var res struct {
			ID string `json:"id"`
		}
		if a.decode(&res) != nil {
			s.failed(w, r, v, a)
			return
		}
		q := url.Values{"institute": {res.ID}, "done": {"clawback"}, "pos": {a.header.Get("X-Econf-Position")}}
		http.Redirect(w, r, "/funding/eligibility?"+q.Encode(), http.StatusSeeOther)
	case sanctionRefused(v, a, "clawback."):
		s.showFunding(w, r, v, a.status, "")
	default:
		s.failed(w, r, v, a)
	}
}

var _ = addMsgs(map[string][2]string{
	"fund_clawback":           {"追回资助经费", "Claw back funds"},
	"fund_clawback_hint":      {"追回金额不得超过已资助且未追回的金额；填写期间则该期间内本单位不得申请资助。", "No more than granted and not yet clawed back; a period bars the institute's applications while it lasts."},
	"fund_clawback_amount":    {"追回金额（元）", "Amount clawed back (yuan)"},
	"fund_clawback_btn":       {"记录追回", "Record the clawback"},
	"fund_clawed_back":        {"已记录追回资助。", "The clawback is recorded."},
	"fund_suspend":            {"暂停本单位的资助申请", "Suspend the institute's applications"},
	"fund_suspend_hint":       {"期间内本单位提交的资助申请一律不予受理（第十二条）。", "While the period lasts the institute's applications are refused (article 12)."},
	"fund_suspend_btn":        {"记录暂停", "Record the suspension"},
	"fund_suspended":          {"已记录暂停申请。", "The suspension is recorded."},
	"fund_refer":              {"移交相关部门进一步处理", "Refer the case for further handling"},
	"fund_refer_hint":         {"记录移交的部门和原因（第十二条）；移交本身不限制申请，需暂停申请的请另行记录暂停。", "Record the department and the reason (article 12); a referral bars no application by itself: record a suspension for that."},
	"fund_referral_to":        {"移交部门", "Referred to"},
	"fund_refer_btn":          {"记录移交", "Record the referral"},
	"fund_referred":           {"已记录移交。", "The referral is recorded."},
	"fund_sanction_referral":  {"移交处理", "Referral"},
	"fund_period_from":        {"起始日期", "From"},
	"fund_period_until":       {"截止日期（含）", "Until (inclusive)"},
	"fund_institutes":         {"各院属单位的申请资格", "The institutes' eligibility"},
	"fund_academy":            {"院", "Academy"},
	"fund_eligible_col":       {"可否申请", "May apply"},
	"fund_open":               {"查看", "Open"},
	"fund_until_summary":      {"提交总结报告后", "until the summary is in"},
	"fund_institute_overview": {"各单位申请资格", "Institutes' eligibility"},
	"fund_open_application":   {"查看该申请", "the application"},
	"fund_statistics_link":    {"资助统计", "Statistics"},
})
