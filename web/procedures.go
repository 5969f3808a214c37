package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
)

// procedure is one procedure's page set: the one place a procedure that
// lands later (funding, nominations, delegates) adds its screens. See
// web/README.md.
type procedure struct {
	// Kind is its records' approval chain: with it come the list (filters,
	// sort, paging, export), the record's page (status, holder, approval
	// log, documents, decisions, withdraw) and its history, all generic.
	// A procedure whose records have no such chain (the delegates) leaves
	// it nil and names its first page in Path.
	Kind *recordKind
	Path string
	// Nav is the message key of its list in the header.
	Nav string
	// Inbox says what waits for whom: role → tasks, in order.
	Inbox map[string][]inboxTask
	// InboxRows, when set, adds what waits for the signed-in user that
	// the Inbox's lists cannot say (records read through their own API).
	InboxRows func(s *Server, r *http.Request, v *view) []inboxSection
	// Pages are its own templates (templates/NAME.html, each defining
	// "content" on the shared layout), Routes its own handlers (forms).
	Pages  []string
	Routes func(s *Server, r chi.Router)
	// Own: its list and record pages are its own (in Routes); Kind then
	// serves only its header link, inbox rows and statuses.
	Own bool
	// Notify is the prefix of the notification kinds about its records
	// (forecast_approved…), which then link to the record's page.
	Notify string
	// Takes says whether a signed-in account's organisation takes part in
	// the procedure (by GET /me's orgKind): its header link and its inbox
	// rows show only then. Auditors and analysts, who read every
	// procedure's records, see them all; platform admins, who read none
	// (they keep the tree and the accounts), none.
	Takes func(m *me) bool
}

// orgKinds: the accounts of organisations of these kinds take part.
func orgKinds(kinds ...string) func(*me) bool {
	return func(m *me) bool { return slices.Contains(kinds, m.OrgKind) }
}

// The trees' kinds (domain/org): a university's, an academy's and a
// science association's with its recommending units.
var (
	universityTree  = orgKinds("authority", "university", "unit")
	academyTree     = orgKinds("bureau", "academy", "institute")
	associationTree = orgKinds("association", "national_society", "society_union", "provincial_association", "university_association")
)

// congressParty: a congress's organiser (the reviewers of an organisation
// in the authority's part: an authority, a bureau, an association) and
// the units it invites to elect (the administrators of a unit, an
// institute or a university).
func congressParty(m *me) bool {
	switch m.Role {
	case "authority_reviewer":
		return slices.Contains([]string{"authority", "bureau", "association"}, m.OrgKind)
	case "unit_admin", "school_admin":
		return slices.Contains([]string{"unit", "institute", "university"}, m.OrgKind)
	}
	return false
}

// takesPart reports whether the signed-in account m takes part in p.
func (p procedure) takesPart(m *me) bool {
	switch {
	case m == nil || m.Role == "platform_admin":
		return false
	case m.Role == "auditor" || m.Role == "analyst":
		return true
	}
	return p.Takes == nil || p.Takes(m)
}

// TakesPart reports whether the signed-in account takes part in the
// procedure whose header link is nav (forecasts, funding…).
func (v *view) TakesPart(nav string) bool {
	for _, p := range procedures {
		if p.Nav == nav {
			return p.takesPart(v.Me)
		}
	}
	return false
}

// procedures are the procedures the pages serve, in the header's order.
var procedures = []procedure{
	{
		Kind: forecastKind, Nav: "forecasts", Notify: "forecast_", Pages: []string{"forecast_form"}, Takes: universityTree,
		Inbox: map[string][]inboxTask{
			"applicant":          {{forecastKind, "inbox_revise", "rejected", nil}, {forecastKind, "inbox_progress", "submitted,unit_approved,school_approved", nil}},
			"unit_admin":         {{forecastKind, "inbox_review", "submitted", nil}},
			"school_admin":       {{forecastKind, "inbox_review", "unit_approved", nil}},
			"authority_reviewer": {{forecastKind, "inbox_review", "school_approved", nil}},
		},
		Routes: func(s *Server, r chi.Router) {
			r.Get("/forecasts/new", s.forecastNew)
			r.Post("/forecasts/new", s.forecastCreate)
			r.Get("/forecasts/{id}/edit", s.forecastEdit)
			r.Post("/forecasts/{id}/edit", s.forecastRevise)
			r.Post("/forecasts/{id}/declare", s.forecastDeclare)
		},
	},
	{
		Kind: declarationKind, Nav: "declarations", Notify: "declaration_", Pages: []string{"declaration_form", "aftercare"}, Takes: universityTree,
		Inbox: map[string][]inboxTask{
			"applicant": {{declarationKind, "inbox_decl_drafts", "draft,unit_rejected,school_rejected,authority_rejected", nil},
				{declarationKind, "inbox_decl_progress", "submitted,unit_approved,school_approved", nil},
				{declarationKind, "inbox_sum_write", "due,overdue,returned", summaryTasks}},
			"unit_admin": {{declarationKind, "inbox_decl_review", "submitted", nil}},
			"school_admin": {{declarationKind, "inbox_decl_review", "unit_approved", nil},
				{declarationKind, "inbox_chg_review", "requested", changeTasks}, {declarationKind, "inbox_sum_review", "submitted", summaryTasks}},
			"authority_reviewer": {{declarationKind, "inbox_decl_review", "school_approved", nil}},
		},
		Routes: func(s *Server, r chi.Router) {
			r.Get("/declarations/{id}/edit", s.declarationEdit)
			r.Post("/declarations/{id}/edit", s.declarationSave)
			r.Post("/declarations/{id}/submit", s.declarationSubmit)
			r.Post("/declarations/{id}/people", s.declarationPeople)
			r.Get("/declarations/people-template.xlsx", s.peopleTemplate)
			r.Get("/declarations/{id}/change", s.changePage)
			r.Post("/declarations/{id}/change", s.changeRequest)
			r.Post("/declarations/{id}/change/decide", s.aftercareDecide("change"))
			r.Get("/declarations/{id}/summary", s.summaryPage)
			r.Post("/declarations/{id}/summary", s.summarySave)
			r.Post("/declarations/{id}/summary/submit", s.summarySubmit)
			r.Post("/declarations/{id}/summary/decide", s.aftercareDecide("summary"))
		},
	},
	{
		Kind: fundingKind, Nav: "funding", Own: true, Notify: "funding_", Takes: academyTree,
		Pages: []string{"funding_list", "funding_form", "funding_record", "funding_plan", "funding_eligibility", "funding_stats"},
		Inbox: map[string][]inboxTask{
			"unit_admin": {{fundingKind, "inbox_fund_revise", "draft,returned,withdrawn", nil}, {fundingKind, "inbox_fund_progress", "submitted", nil},
				{fundingKind, "inbox_fund_obligations", "granted", nil}},
			"authority_reviewer": {{fundingKind, "inbox_fund_review", "submitted", nil}},
		},
		Routes: fundingRoutes,
	},
	{
		Kind: nominationKind, Nav: "nominations", Own: true, Takes: associationTree, InboxRows: (*Server).nominationInbox,
		Pages:  []string{"nominations", "nomination_cycle", "nomination_codes", "nomination_file", "nomination_expert", "nomination_guide", "nomination_public_guide"},
		Routes: nominationRoutes,
	},
	delegatesProcedure,
}

// procedureRoutes mounts every procedure's generic record pages and its
// own.
func (s *Server) procedureRoutes(r chi.Router) {
	for _, p := range procedures {
		k := p.Kind
		if p.Own || k == nil {
			p.Routes(s, r)
			continue
		}
		r.Get("/"+k.Seg, s.list(k))
		r.Get("/"+k.Seg+"/export", s.export(k))
		r.Get("/"+k.Seg+"/{id}", s.recordPage(k))
		r.Get("/"+k.Seg+"/{id}/history", s.history(k))
		r.Post("/"+k.Seg+"/{id}/decide", s.decide(k))
		r.Post("/"+k.Seg+"/{id}/withdraw", s.withdraw(k))
		r.Get("/"+k.Seg+"/{id}/{doc}", s.document(k))
		if p.Routes != nil {
			p.Routes(s, r)
		}
	}
}

// inboxOf lists what waits for m, procedure by procedure, in the
// procedures m takes part in.
func inboxOf(m *me) []inboxTask {
	var ts []inboxTask
	for _, p := range procedures {
		if p.takesPart(m) {
			ts = append(ts, p.Inbox[m.Role]...)
		}
	}
	return ts
}

// procedurePages are the templates the procedures add.
func procedurePages() []string {
	var ns []string
	for _, p := range procedures {
		ns = append(ns, p.Pages...)
	}
	return ns
}

// recordLink is the page of the record a notification of kind is about,
// if a procedure's pages have one.
func recordLink(kind, id string) string {
	for _, p := range procedures {
		if p.Notify != "" && p.Kind != nil && strings.HasPrefix(kind, p.Notify) {
			return "/" + p.Kind.Seg + "/" + id
		}
	}
	return ""
}

// Nav lists the lists of the procedures the signed-in account takes part
// in, for the header: link, label.
func (v *view) Nav() []option {
	var os []option
	for _, p := range procedures {
		if !p.takesPart(v.Me) {
			continue
		}
		path := p.Path
		if p.Kind != nil {
			path = "/" + p.Kind.Seg
		}
		os = append(os, option{path, v.T(p.Nav)})
	}
	return os
}
