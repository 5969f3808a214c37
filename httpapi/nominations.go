package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/pdfdoc"
	"github.com/econf/econf/internal/sheet"
	"github.com/econf/econf/projections"
)

// Important-conference nominations (重要学术会议, seed 003): the
// organiser's cycles and invitation codes.

func (s *Server) openNominationCycle(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.OpenNominationCycle
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.OpenNominationCycle(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/nomination-cycles/"+res.ID.String())
}

func (s *Server) editNominationCycle(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, spec nomination.CycleSpec) (commands.Result, error) {
		return s.App.EditNominationCycle(ctx, a, m, commands.EditNominationCycle{CycleID: id, Spec: spec})
	})
}

// getNominationCycle answers from the stream itself.
func (s *Server) getNominationCycle(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	c, err := s.App.NominationCycle(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, c.Version))
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) issueInvitationCodes(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.IssueInvitationCodes
	if !ok || !decode(w, r, &cmd) {
		return
	}
	s.issuedCodes(w, r, m, cmd)
}

func (s *Server) issuedCodes(w http.ResponseWriter, r *http.Request, m commands.Meta, cmd commands.IssueInvitationCodes) {
	res, err := s.App.IssueInvitationCodes(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if res.Issued == nil {
		res.Issued = []nomination.Entry{}
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	writeJSON(w, http.StatusOK, res)
}

// CodesTemplate is attachment 3's shape (用户邀请注册码): category,
// number, name, code (R-NOM-01).
var CodesTemplate = sheet.Template{Sheet: "用户邀请注册码", Columns: []sheet.Column{
	{Key: "category", Header: "类别 Category", Required: true, MaxChars: 200, Width: 14},
	{Key: "number", Header: "序号 Number", Required: true, MaxChars: 200, Width: 10},
	{Key: "name", Header: "单位名称 Name", Required: true, MaxChars: 200, Width: 36},
	{Key: "code", Header: "邀请码 Code", Required: true, MaxChars: 32, Width: 12},
}}

// importInvitationCodes issues the codes of a filled template: every row,
// or on any bad cell nothing, each bad cell named by row and column.
func (s *Server) importInvitationCodes(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	rows, err := CodesTemplate.Read(bytes.NewReader(body))
	if err != nil {
		s.sheetProblemFor(w, r, err, "R-NOM-01")
		return
	}
	cmd := commands.IssueInvitationCodes{Codes: make([]nomination.CodeRow, 0, len(rows))}
	for _, row := range rows {
		cmd.Codes = append(cmd.Codes, nomination.CodeRow{Row: row.Number, Columns: row.Columns(),
			Category: row.Values["category"], Number: row.Values["number"], Name: row.Values["name"], Code: row.Values["code"]})
	}
	s.issuedCodes(w, r, m, cmd)
}

func (s *Server) listInvitationCodes(w http.ResponseWriter, r *http.Request) {
	list, err := s.App.InvitationCodes(r.Context(), actorOf(r.Context()))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) revokeInvitationCode(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.RevokeInvitationCode) (commands.Result, error) {
		cmd.Unit = id
		return s.App.RevokeInvitationCode(ctx, a, m, cmd)
	})
}

func (s *Server) reissueInvitationCode(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var cmd commands.ReissueInvitationCode
	if !ok || !decodeOptional(w, r, &cmd) {
		return
	}
	cmd.Unit = id
	res, err := s.App.ReissueInvitationCode(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, res.Version))
	writeJSON(w, http.StatusOK, res)
}

// registerWithCode is open to anyone: a wrong code counts as a failed try
// for the address and the client (R-AUTH-02), so codes cannot be guessed.
func (s *Server) registerWithCode(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.RegisterWithCode
	if !ok || !decode(w, r, &cmd) {
		return
	}
	acc := account.ID(cmd.Email)
	if s.throttled(w, r, acc) {
		return
	}
	res, err := s.App.RegisterWithCode(r.Context(), m, cmd)
	if err = s.counted(r, acc, err, fieldFailed("code")); err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "")
}

// A recommending unit's nomination file (seed 003 parts 3–7, 9).

func (s *Server) startNomination(w http.ResponseWriter, r *http.Request) {
	m, ok := meta(w, r)
	var cmd commands.StartNomination
	if !ok || !decode(w, r, &cmd) {
		return
	}
	res, err := s.App.StartNomination(r.Context(), actorOf(r.Context()), m, cmd)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	commandDone(w, http.StatusCreated, res, "/api/v1/nominations/"+res.ID.String())
}

// getNomination answers from the stream itself, with the quota view.
func (s *Server) getNomination(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	f, err := s.App.Nomination(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, f.Version))
	writeJSON(w, http.StatusOK, f)
}

func (s *Server) nominationQuota(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	q, err := s.App.NominationQuota(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, q)
}

// recordOnPath is onPath for a command whose answer names what it recorded
// (its entries, its new row's id) beside the record's version: the body is
// decoded into B, and the answer is run's value with the version's ETag.
func recordOnPath[B, T any](s *Server, w http.ResponseWriter, r *http.Request, run func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, body B) (T, eventstore.Version, error)) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	m, ok := meta(w, r)
	var body B
	if !ok || !decode(w, r, &body) {
		return
	}
	v, version, err := run(r.Context(), actorOf(r.Context()), m, id, body)
	withID(s, w, r, v, version, err)
}

// withID answers a command whose answer names what it recorded.
func withID[T any](s *Server, w http.ResponseWriter, r *http.Request, v T, version any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%v"`, version))
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) addPlanEntries(w http.ResponseWriter, r *http.Request) {
	recordOnPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.AddPlanEntries) (commands.PlanEntriesAdded, eventstore.Version, error) {
		cmd.NominationID = id
		res, err := s.App.AddPlanEntries(ctx, a, m, cmd)
		return res, res.Version, err
	})
}

// PlanTemplate is the annual plan's spreadsheet (征集内容 1): name, dates,
// place, host, organiser, and whether the unit itself hosts it.
var PlanTemplate = sheet.Template{Sheet: "学术会议年度计划", Columns: []sheet.Column{
	{Key: "name", Header: "会议名称 Name", Required: true, MaxChars: 200, Width: 36},
	{Key: "openingDate", Header: "开幕日期 Opening", Required: true, Width: 14},
	{Key: "closingDate", Header: "闭幕日期 Closing", Required: true, Width: 14},
	{Key: "place", Header: "地点 Place", Required: true, MaxChars: 200},
	{Key: "host", Header: "主办单位 Host", Required: true, MaxChars: 200, Width: 30},
	{Key: "organiser", Header: "承办单位 Organiser", MaxChars: 200, Width: 30},
	{Key: "own", Header: "本单位主办 Own", Required: true, Enum: []string{"是", "否"}, Width: 12},
}}

// importPlan adds a filled plan template's rows: every row, or on any bad
// cell nothing, each bad cell named by row and column (R-NOM-05).
func (s *Server) importPlan(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
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
	rows, err := PlanTemplate.Read(bytes.NewReader(body))
	if err != nil {
		s.sheetProblemFor(w, r, err, "R-NOM-05")
		return
	}
	cmd := commands.AddPlanEntries{NominationID: id}
	var bad []sheet.CellError
	for _, row := range rows {
		e := nomination.PlanEntry{Name: row.Values["name"], Place: row.Values["place"], Host: row.Values["host"], Carrier: row.Values["organiser"], Own: row.Values["own"] == "是"}
		for _, d := range []struct {
			key string
			to  *domain.Date
		}{{"openingDate", &e.Opening}, {"closingDate", &e.Closing}} {
			v, err := domain.ParseDate(row.Values[d.key])
			if err != nil {
				bad = append(bad, row.Fail(d.key, "must be a date YYYY-MM-DD", "须为日期，格式YYYY-MM-DD"))
			}
			*d.to = v
		}
		cols := row.Columns()
		number := row.Number
		cmd.Entries = append(cmd.Entries, e)
		cmd.Cells = append(cmd.Cells, func(key string) string { return fmt.Sprintf("sheet:%s%d", cols[key], number) })
	}
	if len(bad) > 0 {
		s.sheetProblemFor(w, r, &sheet.ImportError{Cells: bad}, "R-NOM-05")
		return
	}
	res, err := s.App.AddPlanEntries(r.Context(), actorOf(r.Context()), m, cmd)
	withID(s, w, r, res, res.Version, err)
}

func (s *Server) removePlanEntry(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		entry, err := uuid.Parse(chi.URLParam(r, "entry"))
		if err != nil {
			return commands.Result{}, fmt.Errorf("plan entry: %w", domain.ErrNotFound)
		}
		return s.App.RemovePlanEntry(ctx, a, m, commands.RemovePlanEntry{NominationID: id, EntryID: entry})
	})
}

func (s *Server) saveNominationScheme(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, sc nomination.Scheme) (commands.Result, error) {
		return s.App.SaveNominationScheme(ctx, a, m, commands.SaveNominationScheme{NominationID: id, Scheme: sc})
	})
}

func (s *Server) addRecommendation(w http.ResponseWriter, r *http.Request) {
	recordOnPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, rec nomination.Recommendation) (commands.AddedRecommendation, eventstore.Version, error) {
		res, err := s.App.AddRecommendation(ctx, a, m, commands.AddRecommendation{NominationID: id, Recommendation: rec})
		return res, res.Version, err
	})
}

func (s *Server) removeRecommendation(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		rec, err := uuid.Parse(chi.URLParam(r, "rec"))
		if err != nil {
			return commands.Result{}, fmt.Errorf("recommendation: %w", domain.ErrNotFound)
		}
		return s.App.RemoveRecommendation(ctx, a, m, commands.RemoveRecommendation{NominationID: id, RecommendationID: rec})
	})
}

func (s *Server) inviteExpert(w http.ResponseWriter, r *http.Request) {
	recordOnPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, e nomination.Expert) (commands.InvitedExpert, eventstore.Version, error) {
		res, err := s.App.InviteExpert(ctx, a, m, commands.InviteExpert{NominationID: id, Expert: e})
		return res, res.Version, err
	})
}

func (s *Server) nominateConferences(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.NominateConferences) (commands.Result, error) {
		expert, err := uuid.Parse(chi.URLParam(r, "expert"))
		if err != nil {
			return commands.Result{}, fmt.Errorf("expert: %w", domain.ErrNotFound)
		}
		cmd.NominationID, cmd.ExpertID = id, expert
		return s.App.NominateConferences(ctx, a, m, cmd)
	})
}

func (s *Server) setReviewCommittee(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.SetReviewCommittee) (commands.Result, error) {
		cmd.NominationID = id
		return s.App.SetReviewCommittee(ctx, a, m, cmd)
	})
}

func (s *Server) recordCommitteeOpinion(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, o nomination.Opinion) (commands.Result, error) {
		return s.App.RecordCommitteeOpinion(ctx, a, m, commands.RecordCommitteeOpinion{NominationID: id, Opinion: o})
	})
}

func (s *Server) signNominationList(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.SignNominationList) (commands.Result, error) {
		cmd.NominationID = id
		return s.App.SignNominationList(ctx, a, m, cmd)
	})
}

func (s *Server) submitNomination(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		return s.App.SubmitNomination(ctx, a, m, commands.SubmitNomination{NominationID: id})
	})
}

func (s *Server) returnNomination(w http.ResponseWriter, r *http.Request) {
	s.decision(w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, b commentBody) (commands.Result, error) {
		return s.App.ReturnNomination(ctx, a, m, commands.ReturnNomination{NominationID: id, Reason: b.Reason})
	})
}

// nominationReads are a file's status view and approval log, after
// waiting for the read models when the client asks to.
func (s *Server) nominationReads() (status, log http.HandlerFunc) {
	status = declarationRead(s, s.Reads.NominationStatus, same, projections.StatusViewName)
	log = declarationRead(s, func(ctx context.Context, a domain.Actor, id uuid.UUID) ([]projections.LogEntry, error) {
		return s.approvalLog(ctx, a, "nomination", id)
	}, entries, projections.ApprovalLogName, projections.StatusViewName)
	return status, log
}

// The nomination's documents (seed 003 attachments 1, 2 and the list).

// nominationFormPDF is attachment 1: blank for a cycle, or filled with an
// invited expert's nominations.
func (s *Server) nominationFormPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ctx, a := r.Context(), actorOf(r.Context())
	cycleID := id
	var data pdfdoc.NominationFormData
	if expert := chi.URLParam(r, "expert"); expert != "" {
		f, err := s.App.Nomination(ctx, a, id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		cycleID = f.Cycle
		found := false
		for _, e := range f.Experts {
			if e.ID.String() == expert {
				found = true
				data.Expert, data.Institution, data.Title = e.Name, e.Institution, e.Title
				for _, n := range e.Nominations {
					data.Nominations = append(data.Nominations, [2]string{n.Conference, n.Reason})
				}
			}
		}
		if !found {
			s.writeError(w, r, fmt.Errorf("expert %s: %w", expert, domain.ErrNotFound))
			return
		}
	}
	c, err := s.App.NominationCycle(ctx, a, cycleID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data.Year, data.WindowStart, data.WindowEnd, data.Cutoff = c.Spec.Year, zhDate(c.Spec.WindowStart), zhDate(c.Spec.WindowEnd), zhDate(c.Spec.MechanismCutoff)
	var buf bytes.Buffer
	if err := pdfdoc.NominationForm(&buf, data); err != nil {
		s.writeError(w, r, fmt.Errorf("render nomination form: %w", err))
		return
	}
	writePDF(w, "nomination-form.pdf", buf.Bytes())
}

func zhDate(d domain.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// committeeFormPDF is attachment 2, for every member's signature.
func (s *Server) committeeFormPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	f, err := s.App.Nomination(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data := pdfdoc.CommitteeFormData{Unit: f.UnitName}
	for _, rec := range f.Recommendations {
		data.Conference = append(data.Conference, [2]string{rec.Name, rec.Host})
	}
	for _, m := range f.Committee {
		data.Members = append(data.Members, m.Name)
	}
	if f.Opinion != nil {
		data.Result, data.Opinion = f.Opinion.Result, f.Opinion.Opinion
	}
	var buf bytes.Buffer
	if err := pdfdoc.CommitteeForm(&buf, data); err != nil {
		s.writeError(w, r, fmt.Errorf("render committee form: %w", err))
		return
	}
	writePDF(w, "committee-opinion-form.pdf", buf.Bytes())
}

// nominationListPDF is the list for the head's signature and the seal.
func (s *Server) nominationListPDF(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ctx, a := r.Context(), actorOf(r.Context())
	f, err := s.App.Nomination(ctx, a, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.App.NominationCycle(ctx, a, f.Cycle)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data := pdfdoc.RecommendationListData{Year: c.Spec.Year, Unit: f.UnitName}
	for _, rec := range f.Recommendations {
		row := pdfdoc.RecommendationRow{Name: rec.Name, Host: rec.Host, Opening: rec.Opening.String(), Kind: "单次会议", Note: rec.Reason}
		if rec.Kind == nomination.Mechanism {
			row.Kind = "机制性会议"
			row.Note = ""
			for _, e := range rec.Editions {
				row.Note += fmt.Sprintf("第%d届 %s；", e.Number, e.Date)
			}
		}
		if rec.JointInternational {
			row.Note += "联合国际组织推荐"
		}
		data.Items = append(data.Items, row)
	}
	var buf bytes.Buffer
	if err := pdfdoc.RecommendationList(&buf, data); err != nil {
		s.writeError(w, r, fmt.Errorf("render recommendation list: %w", err))
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, f.Version))
	writePDF(w, "recommendation-list.pdf", buf.Bytes())
}

// Recognition and the guide (seed 003 parts 10–11, R-NOM-05/06).

// recOn runs a decision on one recommendation of a file.
func (s *Server) recOn(run func(ctx context.Context, a domain.Actor, m commands.Meta, cmd commands.DecideRecommendation) (commands.Result, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.DecideRecommendation) (commands.Result, error) {
			rec, err := uuid.Parse(chi.URLParam(r, "rec"))
			if err != nil {
				return commands.Result{}, fmt.Errorf("recommendation: %w", domain.ErrNotFound)
			}
			cmd.NominationID, cmd.RecommendationID = id, rec
			return run(ctx, a, m, cmd)
		})
	}
}

func (s *Server) publishGuide(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		return s.App.PublishGuide(ctx, a, m, id)
	})
}

// guideRec is the {rec} path parameter of a guide's conference.
func guideRec(r *http.Request) (uuid.UUID, error) {
	rec, err := uuid.Parse(chi.URLParam(r, "rec"))
	if err != nil {
		return uuid.Nil, fmt.Errorf("guide conference: %w", domain.ErrNotFound)
	}
	return rec, nil
}

func (s *Server) updateGuideConference(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, cmd commands.UpdateGuideConference) (commands.Result, error) {
		rec, err := guideRec(r)
		if err != nil {
			return commands.Result{}, err
		}
		cmd.CycleID, cmd.RecommendationID = id, rec
		return s.App.UpdateGuideConference(ctx, a, m, cmd)
	})
}

func (s *Server) submitConferenceResources(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, res nomination.Resources) (commands.Result, error) {
		rec, err := guideRec(r)
		if err != nil {
			return commands.Result{}, err
		}
		return s.App.SubmitConferenceResources(ctx, a, m, commands.SubmitConferenceResources{CycleID: id, RecommendationID: rec, Resources: res})
	})
}

func (s *Server) trackConferenceQuality(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, _ struct{}) (commands.Result, error) {
		rec, err := guideRec(r)
		if err != nil {
			return commands.Result{}, err
		}
		return s.App.TrackConferenceQuality(ctx, a, m, id, rec)
	})
}

func (s *Server) submitPreviousResources(w http.ResponseWriter, r *http.Request) {
	onPath(s, w, r, func(ctx context.Context, a domain.Actor, m commands.Meta, id uuid.UUID, res nomination.Resources) (commands.Result, error) {
		return s.App.SubmitPreviousResources(ctx, a, m, commands.SubmitPreviousResources{NominationID: id, Resources: res})
	})
}

// guide reads a cycle's guide as the actor may see it; anonymous readers
// see a published one (the public list).
func (s *Server) guide(w http.ResponseWriter, r *http.Request) (commands.Guide, bool) {
	id, ok := pathID(w, r)
	if !ok {
		return commands.Guide{}, false
	}
	g, err := s.App.NominationGuide(r.Context(), actorOf(r.Context()), id)
	if err != nil {
		s.writeError(w, r, err)
		return commands.Guide{}, false
	}
	return g, true
}

func (s *Server) getGuide(w http.ResponseWriter, r *http.Request) {
	if g, ok := s.guide(w, r); ok {
		writeJSON(w, http.StatusOK, g)
	}
}

func guideRows(g commands.Guide) []pdfdoc.GuideRow {
	rows := make([]pdfdoc.GuideRow, 0, len(g.Items))
	for _, e := range g.Items {
		rows = append(rows, pdfdoc.GuideRow{Name: e.Name, NameEn: e.NameEn, Host: e.Host, Unit: e.UnitName, Opening: e.Opening.String(), Place: e.Place, Field: e.Field})
	}
	return rows
}

func (s *Server) guidePDF(w http.ResponseWriter, r *http.Request) {
	g, ok := s.guide(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := pdfdoc.Catalogue(&buf, g.Title+" 重要学术会议指南 / Guide to Important Academic Conferences", guideRows(g), time.Time{}); err != nil {
		s.writeError(w, r, fmt.Errorf("render catalogue: %w", err))
		return
	}
	writePDF(w, "guide.pdf", buf.Bytes())
}

func (s *Server) guideXLSX(w http.ResponseWriter, r *http.Request) {
	g, ok := s.guide(w, r)
	if !ok {
		return
	}
	f := excelize.NewFile()
	defer f.Close()
	const sh = "Sheet1"
	header := []any{"序号 No.", "会议名称", "Conference", "主办单位 Host", "推荐单位 Recommended by", "召开时间 Date", "地点 Place", "领域 Field", "类型 Kind"}
	_ = f.SetSheetRow(sh, "A1", &header)
	for i, e := range g.Items {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		row := []any{i + 1, e.Name, e.NameEn, e.Host, e.UnitName, e.Opening.String(), e.Place, e.Field, string(e.Kind)}
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="guide.xlsx"`)
	if err := f.Write(w); err != nil {
		s.Log.WarnContext(r.Context(), "write guide", "err", err)
	}
}

// certificatePDF is a recognised conference's certificate, through its
// recommending unit (its contact) or the organiser's staff.
func (s *Server) certificatePDF(w http.ResponseWriter, r *http.Request) {
	g, ok := s.guide(w, r)
	if !ok {
		return
	}
	rec, err := guideRec(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	a := actorOf(r.Context())
	for _, e := range g.Items {
		if e.Recommendation != rec || !g.Published || !(a.OrgID == e.Unit || a.Role == domain.RoleAuthorityReviewer) {
			continue
		}
		var buf bytes.Buffer
		row := guideRows(commands.Guide{Items: []nomination.GuideEntry{e}})[0]
		if err := pdfdoc.Certificate(&buf, g.Title, row, time.Time{}); err != nil {
			s.writeError(w, r, fmt.Errorf("render certificate: %w", err))
			return
		}
		writePDF(w, "certificate.pdf", buf.Bytes())
		return
	}
	s.writeError(w, r, fmt.Errorf("certificate %s: %w", rec, domain.ErrNotFound))
}
