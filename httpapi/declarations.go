package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/anchor"
	"github.com/econf/econf/internal/sheet"
	"github.com/econf/econf/projections"
)

// sectionDecoders read each form section's body into its type (R-DECL-15).
var sectionDecoders = map[string]func(w http.ResponseWriter, r *http.Request, body []byte) (commands.Section, bool){
	"applicant":  decodeSection(commands.ApplicantSection),
	"basic":      decodeSection(commands.BasicSection),
	"attendance": decodeSection(commands.AttendanceSection),
	"hosting":    decodeSection(commands.HostingSection),
	"budget":     decodeSection(commands.BudgetSection),
	"statements": decodeSection(commands.StatementsSection),
	"content":    decodeSection(commands.ContentSection),
	"people":     decodeSection(commands.PeopleSection),
	"agenda":     decodeSection(commands.AgendaSection),
	"contacts":   decodeSection(commands.ContactsSection),
}

func decodeSection[T any](build func(T) commands.Section) func(http.ResponseWriter, *http.Request, []byte) (commands.Section, bool) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) (commands.Section, bool) {
		var v T
		if !decodeInto(w, r, body, &v) {
			return commands.Section{}, false
		}
		return build(v), true
	}
}

func (s *Server) startDeclaration(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.StartDeclaration
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.StartDeclaration(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/declarations/"+res.ID.String())
}

func (s *Server) saveDeclarationSection(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	dec, known := sectionDecoders[chi.URLParam(r, "section")]
	if !known {
		writeProblem(w, r, problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound,
			Detail: "no such section; sections are applicant, basic, attendance, hosting, budget, statements, content, people, agenda, contacts", Zh: "表单分节不存在；分节为 applicant, basic, attendance, hosting, budget, statements, content, people, agenda, contacts"})
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	section, ok := dec(w, r, body)
	if !ok {
		return
	}
	res, err := s.App.SaveDeclarationSection(r.Context(), actorOf(r.Context()), m, id, section)
	s.answer(w, r, res, err)
}

func (s *Server) submitDeclaration(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.SubmitDeclaration) (commands.Result, error) {
		cmd.DeclarationID = id
		return s.App.SubmitDeclaration(ctx, a, m, cmd)
	})
}

// decideFunc is a command deciding on a declaration.
type decideFunc = func(context.Context, domain.Actor, commands.Meta, commands.DecideDeclaration) (commands.Result, error)

// declarationDecision runs a decision taking an optional comment or reason.
func (s *Server) declarationDecision(run decideFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
			return run(ctx, a, m, commands.DecideDeclaration{DeclarationID: id, Text: b.Reason})
		})
	}
}

// getDeclaration answers from the stream itself, never behind a write.
func (s *Server) getDeclaration(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	d, err := s.App.DeclarationAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if at.IsZero() {
		// An earlier revision is not one to write against.
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, d.Version))
	}
	view := map[string]any{"id": d.ID, "version": d.Version, "status": d.Status, "form": d.Form, "warnings": d.Warnings}
	if d.Lead != (declaration.Lead{}) {
		view["lead"] = d.Lead // a draft whose form cannot compute it has none
	}
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) declarationHistory(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	at, ok := pointParam(w, r)
	if !ok {
		return
	}
	h, err := s.App.DeclarationHistoryAt(r.Context(), actorOf(r.Context()), id, at)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Each stream the history replays carries its own proof: the
	// declaration's, and the change, summary and deadline streams'.
	related := func(rh commands.RelatedHistory) provenRelated {
		return provenRelated{rh, s.proofOf(r, rh.Stream, rh.Version)}
	}
	writeJSON(w, http.StatusOK, struct {
		commands.DeclarationHistory
		Change    provenRelated       `json:"change"`
		Summary   provenRelated       `json:"summary"`
		Deadlines provenRelated       `json:"deadlines"`
		Proof     *anchor.StreamProof `json:"proof,omitempty"`
	}{h, related(h.Change), related(h.Summary), related(h.Deadlines), s.proofOf(r, commands.DeclarationStream(id), h.Version)})
}

// provenRelated is one of a conference's other streams replayed, with the
// inclusion proof of its events (up to the version replayed).
type provenRelated struct {
	commands.RelatedHistory
	Proof *anchor.StreamProof `json:"proof,omitempty"`
}

// asOfParam reads the optional ?asOf= time of a history request.
func asOfParam(w http.ResponseWriter, r *http.Request) (*time.Time, bool) {
	v := r.URL.Query().Get("asOf")
	if v == "" {
		return nil, true
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		badRequest(w, r, domain.FieldError{Path: "query:asOf", Rule: "SCHEMA", Message: "want an RFC 3339 time, e.g. 2026-10-01T12:00:00+08:00", Zh: "asOf应为RFC 3339时间"})
		return nil, false
	}
	return &t, true
}

// pointParam reads how far a read of a record folds its stream: ?asOf= (a
// time) or ?atRevision= (a revision of the stream, from 1), never both;
// neither is the record now. A revision beyond the stream is the command
// path's 422 (commands.RevisionRule).
func pointParam(w http.ResponseWriter, r *http.Request) (commands.Point, bool) {
	asOf, ok := asOfParam(w, r)
	if !ok {
		return commands.Point{}, false
	}
	p := commands.Point{AsOf: asOf}
	v := r.URL.Query().Get("atRevision")
	if v == "" {
		return p, true
	}
	n, err := strconv.ParseUint(v, 10, 63)
	if err != nil {
		badRequest(w, r, domain.FieldError{Path: "query:atRevision", Rule: "SCHEMA",
			Message: "want a revision number: a whole number from 1, e.g. 3", Zh: "atRevision应为从1开始的整数版本号"})
		return commands.Point{}, false
	}
	rev := eventstore.Version(n)
	p.Revision = &rev
	if asOf != nil {
		badRequest(w, r, domain.FieldError{Path: "query:atRevision", Rule: "SCHEMA",
			Message: "give either asOf or atRevision, not both", Zh: "asOf与atRevision只能指定其一"})
		return commands.Point{}, false
	}
	return p, true
}

// peopleGroups are the key-people groups as the template names them
// (R-DECL-13).
var peopleGroups = []string{"会议主席", "会议副主席", "国外参会代表", "国内大陆参会代表", "港澳台参会代表"}

// PeopleTemplate is the key-people spreadsheet (R-DECL-13).
var PeopleTemplate = sheet.Template{Sheet: "会议主要人员", Columns: []sheet.Column{
	{Key: "group", Header: "人员类别 Group", Required: true, Enum: peopleGroups, Width: 18},
	{Key: "name", Header: "姓名 Name", Required: true, MaxChars: 200},
	{Key: "nationality", Header: "国籍 Nationality", Required: true, MaxChars: 200},
	{Key: "institution", Header: "工作单位 Institution", Required: true, MaxChars: 200, Width: 30},
	{Key: "title", Header: "职务职称 Title", MaxChars: 200},
}}

// importPeople replaces the key people with a filled template: every row,
// or on any bad cell nothing, with each bad cell named (R-DECL-13).
func (s *Server) importPeople(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r) // 5 MiB: bodyLimits
	if !ok {
		return
	}
	rows, err := PeopleTemplate.Read(bytes.NewReader(body))
	var people declaration.People
	if err == nil {
		for _, row := range rows {
			p := declaration.Person{Name: row.Values["name"], Nationality: row.Values["nationality"], Institution: row.Values["institution"], Title: row.Values["title"]}
			switch row.Values["group"] {
			case peopleGroups[0]:
				people.Chairs = append(people.Chairs, p)
			case peopleGroups[1]:
				people.ViceChairs = append(people.ViceChairs, p)
			case peopleGroups[2]:
				people.Foreign = append(people.Foreign, p)
			case peopleGroups[3]:
				people.Mainland = append(people.Mainland, p)
			case peopleGroups[4]:
				people.HKMacaoTaiwan = append(people.HKMacaoTaiwan, p)
			}
		}
	}
	if err != nil {
		s.sheetProblem(w, r, err)
		return
	}
	res, err := s.App.SaveDeclarationSection(r.Context(), actorOf(r.Context()), m, id, commands.PeopleSection(people))
	s.answer(w, r, res, err)
}

// sheetProblem reports a refused key-people spreadsheet with every bad
// cell.
func (s *Server) sheetProblem(w http.ResponseWriter, r *http.Request, err error) {
	s.sheetProblemFor(w, r, err, "R-DECL-13")
}

// sheetProblemFor reports a refused spreadsheet with every bad cell, each
// under the import's rule unless the cell breaks one of its own.
func (s *Server) sheetProblemFor(w http.ResponseWriter, r *http.Request, err error, importRule string) {
	ie, ok := err.(*sheet.ImportError)
	if !ok {
		s.writeError(w, r, err)
		return
	}
	fields := make([]domain.FieldError, 0, len(ie.Cells))
	for _, c := range ie.Cells {
		rule := c.Rule
		if rule == "" {
			rule = importRule
		}
		fields = append(fields, domain.FieldError{Path: fmt.Sprintf("sheet:%s%d", c.Column, c.Row), Rule: rule,
			Message: c.Header + ": " + c.Message, Zh: c.Header + "：" + c.Zh})
	}
	writeProblem(w, r, problem{Type: problemBase + "validation", Title: "The spreadsheet was not imported", Status: http.StatusUnprocessableEntity,
		Detail: "nothing of the file was imported; every bad cell is listed by row and column", Zh: "表格未导入：以下单元格有误（按行列标注），请修改后重新上传", Rule: importRule, Errors: fields})
}

// declarationRead answers one read-model query about a declaration, after
// waiting for the named read models when the client asks to.
func declarationRead[T any](s *Server, query func(context.Context, domain.Actor, uuid.UUID) (T, error), wrap func(T) any, names ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(w, r)
		if !ok || !s.consistent(w, r, names...) {
			return
		}
		v, err := query(r.Context(), actorOf(r.Context()), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, wrap(v))
	}
}

func same[T any](v T) any { return v }

func entries[T any](v []T) any { return map[string]any{"entries": v} }

func (s *Server) declarationRoutes() (detail, status, log, similar http.HandlerFunc) {
	detail = declarationRead(s, s.Reads.DeclarationDetail, same, projections.DeclarationDetailName)
	status = declarationRead(s, s.Reads.DeclarationStatus, same, projections.StatusViewName)
	log = declarationRead(s, func(ctx context.Context, a domain.Actor, id uuid.UUID) ([]projections.LogEntry, error) {
		return s.approvalLog(ctx, a, "declaration", id)
	}, entries, projections.ApprovalLogName, projections.StatusViewName)
	similar = declarationRead(s, s.Reads.SimilarDeclarations, entries, projections.DeclarationListName, projections.StatusViewName)
	return
}
