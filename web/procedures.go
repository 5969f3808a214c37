package web

import (
	"net/http"
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
}

// procedures are the procedures the pages serve, in the header's order.
var procedures = []procedure{
	{
		Kind: forecastKind, Nav: "forecasts", Notify: "forecast_", Pages: []string{"forecast_form"},
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
		Kind: declarationKind, Nav: "declarations", Notify: "declaration_", Pages: []string{"declaration_form", "aftercare"},
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
		Kind: fundingKind, Nav: "funding", Own: true, Notify: "funding_",
		Pages: []string{"funding_list", "funding_form", "funding_record", "funding_plan", "funding_eligibility"},
		Inbox: map[string][]inboxTask{
			"unit_admin": {{fundingKind, "inbox_fund_revise", "draft,returned,withdrawn", nil}, {fundingKind, "inbox_fund_progress", "submitted", nil},
				{fundingKind, "inbox_fund_obligations", "granted", nil}},
			"authority_reviewer": {{fundingKind, "inbox_fund_review", "submitted", nil}},
		},
		Routes: fundingRoutes,
	},
	{
		Kind: nominationKind, Nav: "nominations", Own: true,
		Pages:  []string{"nominations", "nomination_cycle", "nomination_codes", "nomination_file"},
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

// inboxOf lists what waits for role, procedure by procedure.
func inboxOf(role string) []inboxTask {
	var ts []inboxTask
	for _, p := range procedures {
		ts = append(ts, p.Inbox[role]...)
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

// Nav lists the procedures' lists for the header: link, label.
func (v *view) Nav() []option {
	var os []option
	for _, p := range procedures {
		path := p.Path
		if p.Kind != nil {
			path = "/" + p.Kind.Seg
		}
		os = append(os, option{path, v.T(p.Nav)})
	}
	return os
}
