package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/summary"
	"github.com/econf/econf/internal/pdfdoc"
	"github.com/econf/econf/projections"
)

// forecastFormPDF serves the printable application form (预报申请表,
// R-FC-08); it reads the forecast with the same scope as GET /forecasts/{id}.
func (s *Server) forecastFormPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	h, err := s.App.ForecastHistory(r.Context(), actorOf(r.Context()), id, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := pdfdoc.ForecastForm(&buf, pdfdoc.ForecastFormData{
		ID: h.ID.String(), Version: uint64(h.Version), Status: h.Status, Details: h.Details, Printed: time.Now(),
	}); err != nil {
		s.writeError(w, r, fmt.Errorf("render forecast form: %w", err))
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, h.Version))
	writePDF(w, "forecast-"+h.ID.String()+"-form.pdf", buf.Bytes())
}

// forecastLogPDF serves a forecast's approval log (报批日志) as a table.
func (s *Server) forecastLogPDF(w http.ResponseWriter, r *http.Request) {
	s.logPDF(w, r, "forecast", "国际会议预报报批日志")
}

// declarationLogPDF serves a declaration's approval log as a table.
func (s *Server) declarationLogPDF(w http.ResponseWriter, r *http.Request) {
	s.logPDF(w, r, "declaration", "国际会议申报报批日志")
}

// logPDF prints the approval log of a record of kind.
func (s *Server) logPDF(w http.ResponseWriter, r *http.Request, kind, title string) {
	id, ok := pathID(w, r)
	if !ok || !s.consistent(w, r, projections.ApprovalLogName, projections.StatusViewName) {
		return
	}
	log, err := s.Reads.ApprovalLog(r.Context(), actorOf(r.Context()), kind, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows := make([]pdfdoc.LogRow, len(log))
	for i, e := range log {
		action := e.ActionZh
		if action == "" {
			action = e.Action
		}
		rows[i] = pdfdoc.LogRow{At: e.At, Action: action, Actor: e.ActorName, Role: roleZh(e.ActorRole),
			Comment: e.Comment, StatusBefore: statusZh(kind, e.StatusBefore), StatusAfter: statusZh(kind, e.StatusAfter)}
	}
	var buf bytes.Buffer
	if err := pdfdoc.ApprovalLog(&buf, title, rows); err != nil {
		s.writeError(w, r, fmt.Errorf("render approval log: %w", err))
		return
	}
	writePDF(w, kind+"-"+id.String()+"-log.pdf", buf.Bytes())
}

func writePDF(w http.ResponseWriter, name string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, name))
	h.Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// statusZh labels a status of a record of kind (as the approval log names
// kinds) in Chinese with that kind's own label: the kinds share status
// names ("submitted", "approved", "rejected") but not their meaning. An
// unknown kind or status passes through.
func statusZh(kind, s string) string {
	switch kind {
	case "forecast":
		if s == "" || forecast.Status(s).Valid() {
			return forecast.Status(s).Zh()
		}
	case "declaration":
		// A declaration's own labels, as on its approval form: its
		// school_approved is 学校审核通过, not a forecast's 单位终审通过.
		if s == "" || declaration.Status(s).Valid() {
			return declaration.Status(s).Zh()
		}
	case "change":
		switch st := change.Status(s); st {
		case change.StatusNone, change.StatusRequested, change.StatusApproved, change.StatusRejected:
			return st.Zh()
		}
	case "summary":
		switch st := summary.Status(s); st {
		case "", summary.StatusDraft, summary.StatusSubmitted, summary.StatusAccepted, summary.StatusReturned:
			return st.Zh()
		}
	}
	return s
}

func roleZh(r string) string {
	switch domain.Role(r) {
	case domain.RoleApplicant:
		return "申请人"
	case domain.RoleUnitAdmin:
		return "单位管理员"
	case domain.RoleSchoolAdmin:
		return "学校管理员"
	case domain.RoleAuthorityReviewer:
		return "主管部门审核员"
	case domain.RoleAuditor:
		return "审计员"
	case domain.RoleAnalyst:
		return "分析员"
	case domain.RolePlatformAdmin:
		return "平台管理员"
	}
	return r
}

// declarationFormPDF serves the approval form (在华举办国际会议审批表) once the
// unit has approved the declaration (R-DECL-17): before that there is
// nothing for the heads to sign.
func (s *Server) declarationFormPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	h, err := s.App.DeclarationHistory(r.Context(), actorOf(r.Context()), id, nil)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	switch h.Status {
	case declaration.StatusUnitApproved, declaration.StatusSchoolApproved, declaration.StatusAuthorityApproved:
	default:
		s.writeError(w, r, &domain.StateError{Rule: "R-DECL-17", Status: string(h.Status), Action: "print the approval form",
			Message: "the approval form is printed after the unit's approval", Zh: "单位初审通过后方可下载审批表"})
		return
	}
	var buf bytes.Buffer
	if err := pdfdoc.DeclarationForm(&buf, pdfdoc.DeclarationFormData{
		ID: h.ID.String(), Version: uint64(h.Version), Status: h.Status.Zh(), Form: h.Form, Lead: h.Lead, Printed: time.Now(),
	}); err != nil {
		s.writeError(w, r, fmt.Errorf("render approval form: %w", err))
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, h.Version))
	writePDF(w, "declaration-"+h.ID.String()+"-approval-form.pdf", buf.Bytes())
}
