package nomination

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// Expert is a named expert the unit invited to nominate (专家提名).
type Expert struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name" personal:"field"`
	Institution string    `json:"institution"`
	Title       string    `json:"title"` // 职务/职称
}

// Nominated is one conference an expert nominates, with the reason
// (attachment 1: 会议名称, 推荐理由).
type Nominated struct {
	Conference string    `json:"conference"`
	PlanEntry  uuid.UUID `json:"planEntryId,omitempty"`
	Reason     string    `json:"reason"`
}

// Member is one expert of the review committee, described so that its
// representativeness shows (学科覆盖面, 部门, 地域). Justification is why
// a nominating expert sits on it anyway (原则上, R-NOM-04).
type Member struct {
	Name          string `json:"name" personal:"field"`
	Institution   string `json:"institution"`
	Title         string `json:"title,omitempty"`
	Discipline    string `json:"discipline"`
	Sector        string `json:"sector"`
	Region        string `json:"region"`
	Justification string `json:"justification,omitempty" personal:"field"` // why this person sits on it
}

// Opinion is the committee's result and opinion with its signed form.
type Opinion struct {
	Result  string    `json:"result"`
	Opinion string    `json:"opinion"`
	Scan    uuid.UUID `json:"scanFileId"`
}

// File is the aggregate: one recommending unit's nomination file for one
// cycle.
type File struct {
	id          uuid.UUID
	cycle       uuid.UUID
	unit        uuid.UUID
	kind        org.Kind
	association uuid.UUID
	status      Status
	submitted   bool // it reached the organiser at least once
	plan        []PlanEntry
	scheme      *Scheme
	list        []Recommendation
	experts     []Expert
	nominations map[uuid.UUID][]Nominated
	committee   []Member
	opinion     *Opinion
	signed      uuid.UUID
	previous    *Resources
	history     []Event
	pending     []Event
}

// FileID is the id of a unit's file for a cycle: one per unit and cycle.
func FileID(cycle, unit uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(cycle, []byte("nomination-file:"+unit.String()))
}

// NewFile is a file not yet started, with the given id.
func NewFile(id uuid.UUID) *File { return &File{id: id, nominations: map[uuid.UUID][]Nominated{}} }

func (f *File) ID() uuid.UUID          { return f.id }
func (f *File) Cycle() uuid.UUID       { return f.cycle }
func (f *File) Unit() uuid.UUID        { return f.unit }
func (f *File) Kind() org.Kind         { return f.kind }
func (f *File) Status() Status         { return f.status }
func (f *File) Exists() bool           { return f.status != "" }
func (f *File) Plan() []PlanEntry      { return slices.Clone(f.plan) }
func (f *File) List() []Recommendation { return slices.Clone(f.list) }
func (f *File) Experts() []Expert      { return slices.Clone(f.experts) }
func (f *File) Committee() []Member    { return slices.Clone(f.committee) }
func (f *File) SignedList() uuid.UUID  { return f.signed }
func (f *File) Pending() []Event       { return slices.Clone(f.pending) }
func (f *File) Nominations(expert uuid.UUID) []Nominated {
	return slices.Clone(f.nominations[expert])
}

// History is every event folded into the file, in order: what gates of
// other files (the public notice) read.
func (f *File) History() []Event { return slices.Clone(f.history) }

// Scheme is the recommendation scheme; ok is false before one is saved.
func (f *File) Scheme() (Scheme, bool) {
	if f.scheme == nil {
		return Scheme{}, false
	}
	return *f.scheme, true
}

// RefersTo reports whether the file refers to the upload: the committee's
// signed opinion form, the signed and sealed list, or a file of the
// previous guide's resources sent with it (a reader of the file reads them
// through it).
func (f *File) RefersTo(upload uuid.UUID) bool {
	return upload != uuid.Nil && (f.signed == upload || f.opinion != nil && f.opinion.Scan == upload || f.previous != nil && f.previous.Refers(upload))
}

// Opinion is the committee's opinion; ok is false before it is recorded.
func (f *File) Opinion() (Opinion, bool) {
	if f.opinion == nil {
		return Opinion{}, false
	}
	return *f.opinion, true
}

// Scope is its place in the tree: the recommending unit as unit, its
// association as authority (which sees every unit's file, R-NOM-04), and
// whether it was submitted.
func (f *File) Scope() domain.Scope {
	return domain.Scope{Unit: f.unit, Authority: f.association, AtAuthority: f.submitted}
}

// Quota is the list's indicator view under the policy (R-NOM-03).
func (f *File) Quota(p policy.Policy) Quota {
	return QuotaOf(f.kind, len(f.plan), f.list, p.Nomination)
}

// Apply folds one stored event into the state; it never fails.
func (f *File) Apply(e Event) {
	f.history = append(f.history, e)
	switch e := e.(type) {
	case Started:
		f.id, f.cycle, f.unit, f.kind, f.association, f.status = e.ID, e.Cycle, e.Unit, e.Kind, e.Association, StatusDrafting
	case PlanEntriesAdded:
		f.plan = append(f.plan, e.Entries...)
	case PlanEntryRemoved:
		f.plan = slices.DeleteFunc(f.plan, func(p PlanEntry) bool { return p.ID == e.Entry })
	case SchemeSaved:
		s := e.Scheme
		f.scheme = &s
	case RecommendationAdded:
		f.list = append(f.list, e.Recommendation)
	case RecommendationRemoved:
		f.list = slices.DeleteFunc(f.list, func(r Recommendation) bool { return r.ID == e.Recommendation })
	case ExpertInvited:
		f.experts = append(f.experts, e.Expert)
	case ExpertNominated:
		f.nominations[e.Expert] = e.Nominations
	case CommitteeSet:
		f.committee = e.Members
	case CommitteeOpinion:
		f.opinion = &Opinion{Result: e.Result, Opinion: e.Opinion, Scan: e.Scan}
	case ListSigned:
		f.signed = e.Scan
	case Submitted:
		f.status, f.submitted = StatusSubmitted, true
	case Returned:
		f.status = StatusReturned
	case PreviousResources:
		r := e.Resources
		f.previous = &r
	}
}

func (f *File) record(e Event) {
	f.Apply(e)
	f.pending = append(f.pending, e)
}

// contact reports whether a acts for the file's unit: its contact (a unit
// admin of the recommending unit).
func (f *File) contact(a domain.Actor) bool {
	return a.Role == domain.RoleUnitAdmin && a.OrgID == f.unit && f.unit != uuid.Nil
}

// editable checks the actor may change the file now.
func (f *File) editable(a domain.Actor) error {
	if _, err := Flow.Own(procedure.State(f.status), f.contact(a), procedure.Edit, Facts{}); err != nil {
		return fmt.Errorf("nomination file %s: %w", f.id, err)
	}
	return nil
}

// Start opens the unit's file for a cycle. kind is the actor's
// organisation's kind as the command found it: only a recommending unit's
// contact starts one, for a cycle of its own association.
func (f *File) Start(a domain.Actor, kind org.Kind, cycle *Cycle, now time.Time) error {
	if a.Role != domain.RoleUnitAdmin || !kind.Recommending() {
		return fmt.Errorf("start nomination: only a recommending unit's contact (R-NOM-01): %w", domain.ErrForbidden)
	}
	if !cycle.Exists() || cycle.Organiser() != a.Authority {
		return fmt.Errorf("nomination cycle %s: %w", cycle.ID(), domain.ErrNotFound)
	}
	if f.Exists() {
		return nil // one file per unit and cycle: starting again answers it
	}
	f.record(Started{ID: f.id, Cycle: cycle.ID(), Unit: a.OrgID, Kind: kind, Association: a.Authority, By: a.UserID, At: now})
	return nil
}

// AddPlanEntries adds conferences to the annual plan, all or none
// (R-NOM-05): each opening in the window; rows place errors in a sheet
// (sheet:<column><row>), else entries[i].<field>.
func (f *File) AddPlanEntries(a domain.Actor, entries []PlanEntry, cells []func(key string) string, c CycleSpec, p policy.Policy, ids func() uuid.UUID, now time.Time) ([]PlanEntry, error) {
	if err := f.editable(a); err != nil {
		return nil, err
	}
	var pr domain.Problems
	if len(entries) == 0 {
		pr.Add("entries", "SCHEMA", "required: at least one conference", "必填：至少一个会议")
	}
	out := make([]PlanEntry, 0, len(entries))
	for i, e := range entries {
		var rowPr domain.Problems
		e.check(&rowPr, "", c, p)
		for _, fe := range fieldsOf(rowPr.Err()) {
			path := fmt.Sprintf("entries[%d].%s", i, fe.Path)
			if i < len(cells) && cells[i] != nil {
				path = cells[i](fe.Path)
			}
			pr.Add(path, fe.Rule, fe.Message, fe.Zh)
		}
		e.ID = ids()
		out = append(out, e)
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	f.record(PlanEntriesAdded{Entries: out, By: a.UserID, At: now})
	return out, nil
}

func fieldsOf(err error) []domain.FieldError {
	if ve, ok := err.(*domain.ValidationError); ok {
		return ve.Fields
	}
	return nil
}

// RemovePlanEntry takes a conference out of the plan; one on the list
// stays until it is taken off the list.
func (f *File) RemovePlanEntry(a domain.Actor, id uuid.UUID, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	if !slices.ContainsFunc(f.plan, func(p PlanEntry) bool { return p.ID == id }) {
		return fmt.Errorf("plan entry %s: %w", id, domain.ErrNotFound)
	}
	if slices.ContainsFunc(f.list, func(r Recommendation) bool { return r.PlanEntry == id }) {
		var pr domain.Problems
		pr.Add("entry", "R-NOM-05", "the conference is on the recommendation list: take it off the list first", "该会议已列入推荐名单，请先从名单中移除")
		return pr.Err()
	}
	f.record(PlanEntryRemoved{Entry: id, By: a.UserID, At: now})
	return nil
}

// SaveScheme records the recommendation scheme.
func (f *File) SaveScheme(a domain.Actor, s Scheme, p policy.Policy, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	if err := s.check(p); err != nil {
		return err
	}
	if f.scheme == nil || *f.scheme != s {
		f.record(SchemeSaved{Scheme: s, By: a.UserID, At: now})
	}
	return nil
}

// AddRecommendation puts a conference on the list (R-NOM-02) and checks
// every quota at once (R-NOM-03): a recommendation over any is refused.
func (f *File) AddRecommendation(a domain.Actor, r Recommendation, c CycleSpec, p policy.Policy, id uuid.UUID, now time.Time) (Recommendation, error) {
	if err := f.editable(a); err != nil {
		return Recommendation{}, err
	}
	if err := r.check(c, p); err != nil {
		return Recommendation{}, err
	}
	var pr domain.Problems
	if r.PlanEntry != uuid.Nil && !slices.ContainsFunc(f.plan, func(e PlanEntry) bool { return e.ID == r.PlanEntry }) {
		pr.Add("planEntryId", "SCHEMA", "no such conference in the plan", "年度计划中无此会议")
	}
	if slices.ContainsFunc(f.list, func(x Recommendation) bool { return x.Name == r.Name && x.Opening == r.Opening }) {
		pr.Add("name", "SCHEMA", "the conference is on the list already", "该会议已在推荐名单中")
	}
	if err := pr.Err(); err != nil {
		return Recommendation{}, err
	}
	r.ID = id
	list := append(slices.Clone(f.list), r)
	if err := QuotaOf(f.kind, len(f.plan), list, p.Nomination).Check("recommendation", p.Nomination); err != nil {
		return Recommendation{}, err
	}
	f.record(RecommendationAdded{Recommendation: r, By: a.UserID, At: now})
	return r, nil
}

// RemoveRecommendation takes a conference off the list.
func (f *File) RemoveRecommendation(a domain.Actor, id uuid.UUID, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	if !slices.ContainsFunc(f.list, func(r Recommendation) bool { return r.ID == id }) {
		return fmt.Errorf("recommendation %s: %w", id, domain.ErrNotFound)
	}
	f.record(RecommendationRemoved{Recommendation: id, By: a.UserID, At: now})
	return nil
}

// InviteExpert records a named expert invited to nominate.
func (f *File) InviteExpert(a domain.Actor, e Expert, p policy.Policy, id uuid.UUID, now time.Time) (Expert, error) {
	if err := f.editable(a); err != nil {
		return Expert{}, err
	}
	var pr domain.Problems
	e.Name = text(&pr, "name", e.Name, true, p.Text.Short)
	e.Institution = text(&pr, "institution", e.Institution, true, p.Text.Short)
	e.Title = text(&pr, "title", e.Title, true, p.Text.Short)
	if err := pr.Err(); err != nil {
		return Expert{}, err
	}
	e.ID = id
	f.record(ExpertInvited{Expert: e, By: a.UserID, At: now})
	return e, nil
}

// Nominate records an invited expert's nominations, any number, each
// with its reason (attachment 1); it replaces the expert's earlier ones.
func (f *File) Nominate(a domain.Actor, expert uuid.UUID, ns []Nominated, p policy.Policy, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	if !slices.ContainsFunc(f.experts, func(e Expert) bool { return e.ID == expert }) {
		return fmt.Errorf("expert %s: %w", expert, domain.ErrNotFound)
	}
	var pr domain.Problems
	for i := range ns {
		path := fmt.Sprintf("nominations[%d].", i)
		ns[i].Conference = text(&pr, path+"conference", ns[i].Conference, true, p.Text.Short)
		ns[i].Reason = text(&pr, path+"reason", ns[i].Reason, true, p.Text.Long)
		if ns[i].PlanEntry != uuid.Nil && !slices.ContainsFunc(f.plan, func(e PlanEntry) bool { return e.ID == ns[i].PlanEntry }) {
			pr.Add(path+"planEntryId", "SCHEMA", "no such conference in the plan", "年度计划中无此会议")
		}
		if w := Ineligible(ns[i].Conference, p.Nomination); w != "" {
			pr.Add(path+"conference", "R-NOM-02", fmt.Sprintf("%s is not an academic conference", w), fmt.Sprintf("“%s”类活动不在推荐范围之内", w))
		}
	}
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(ExpertNominated{Expert: expert, Nominations: ns, By: a.UserID, At: now})
	return nil
}

// nominator is the invited expert who nominated at least one conference
// and is the member (same name and institution); ok false when none.
func (f *File) nominator(m Member) (Expert, bool) {
	for _, e := range f.experts {
		if len(f.nominations[e.ID]) > 0 && e.Name == m.Name && e.Institution == m.Institution {
			return e, true
		}
	}
	return Expert{}, false
}

// checkNominators refuses a nominating expert on the committee (R-NOM-04,
// 原则上): outright under the policy "refuse", without a justification
// under "justify".
func (f *File) checkNominators(members []Member, r policy.NominationRules) error {
	var pr domain.Problems
	for i, m := range members {
		if _, ok := f.nominator(m); !ok {
			continue
		}
		path := fmt.Sprintf("members[%d]", i)
		switch {
		case r.NominatorOnCommittee == "refuse":
			pr.Add(path, "R-NOM-04", fmt.Sprintf("%s nominated conferences and may not sit on the review committee", m.Name),
				fmt.Sprintf("%s为会议提名专家，不能担任评审委员会专家", m.Name))
		case m.Justification == "":
			pr.Add(path+".justification", "R-NOM-04", fmt.Sprintf("%s nominated conferences: a nominating expert sits on the committee only with a recorded justification", m.Name),
				fmt.Sprintf("%s为会议提名专家：原则上不能担任评审委员会专家，如确需担任须说明理由", m.Name))
		}
	}
	return pr.Err()
}

// SetCommittee records the review committee (R-NOM-04): at least the
// policy's least size, each member described by discipline, sector and
// region, no nominating expert unless justified (as the policy says).
func (f *File) SetCommittee(a domain.Actor, members []Member, p policy.Policy, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	var pr domain.Problems
	if n := len(members); n < p.Nomination.CommitteeMin {
		pr.Add("members", "R-NOM-04", fmt.Sprintf("the review committee has at least %d experts (%d given)", p.Nomination.CommitteeMin, n),
			fmt.Sprintf("专家评审委员会不少于%d人（现为%d人）", p.Nomination.CommitteeMin, n))
	}
	seen := map[string]int{}
	for i := range members {
		m := &members[i]
		path := fmt.Sprintf("members[%d].", i)
		m.Name = text(&pr, path+"name", m.Name, true, p.Text.Short)
		m.Institution = text(&pr, path+"institution", m.Institution, true, p.Text.Short)
		m.Title = text(&pr, path+"title", m.Title, false, p.Text.Short)
		m.Discipline = text(&pr, path+"discipline", m.Discipline, true, p.Text.Short)
		m.Sector = text(&pr, path+"sector", m.Sector, true, p.Text.Short)
		m.Region = text(&pr, path+"region", m.Region, true, p.Text.Short)
		m.Justification = text(&pr, path+"justification", m.Justification, false, p.Text.Long)
		key := m.Name + "\x00" + m.Institution
		if j, dup := seen[key]; dup && m.Name != "" {
			pr.Add(path+"name", "SCHEMA", fmt.Sprintf("the same expert as members[%d]", j), fmt.Sprintf("与第%d位专家重复", j+1))
		}
		seen[key] = i
	}
	pr.Merge("", f.checkNominators(members, p.Nomination))
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(CommitteeSet{Members: members, By: a.UserID, At: now})
	return nil
}

// RecordOpinion records the committee's result and opinion with the
// signed scan of its opinion form (attachment 2); the committee must be
// set.
func (f *File) RecordOpinion(a domain.Actor, o Opinion, p policy.Policy, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	var pr domain.Problems
	if len(f.committee) == 0 {
		pr.Add("committee", "R-NOM-04", "set the review committee first", "请先组建专家评审委员会")
	}
	o.Result = text(&pr, "result", o.Result, true, p.Text.Long)
	o.Opinion = text(&pr, "opinion", o.Opinion, true, p.Text.Long)
	if o.Scan == uuid.Nil {
		pr.Add("scanFileId", "R-NOM-04", "required: the signed opinion form's scan", "必填：评审专家签字的意见表扫描件")
	}
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(CommitteeOpinion{Result: o.Result, Opinion: o.Opinion, Scan: o.Scan, By: a.UserID, At: now})
	return nil
}

// SignList records the signed and sealed scan of the list (part 9).
func (f *File) SignList(a domain.Actor, scan uuid.UUID, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	if scan == uuid.Nil {
		var pr domain.Problems
		pr.Add("scanFileId", "R-NOM-04", "required: the signed and sealed list's scan", "必填：签字盖章的推荐名单扫描件")
		return pr.Err()
	}
	if scan != f.signed {
		f.record(ListSigned{Scan: scan, By: a.UserID, At: now})
	}
	return nil
}

// Submit hands the list in to the organiser (part 9): before the
// deadline, with its scheme, committee, opinion and signed scan, within
// every quota (R-NOM-03), and past SubmitGates.
func (f *File) Submit(a domain.Actor, cycle *Cycle, p policy.Policy, now time.Time) error {
	facts := Facts{File: f, Cycle: cycle.Spec(), Policy: p, Today: domain.DateOf(now)}
	if _, err := Flow.Own(procedure.State(f.status), f.contact(a), procedure.Submit, facts); err != nil {
		return fmt.Errorf("nomination file %s: %w", f.id, err)
	}
	f.record(Submitted{CycleEdition: cycle.Edition(), By: a.UserID, At: now})
	return nil
}

// reviewEvents record the organiser's decisions.
var reviewEvents = procedure.Events[Event]{
	{Decision: procedure.Return}: func(r procedure.Decided) Event { return Returned{Reason: strings.TrimSpace(r.Text), At: r.Now} },
}

// Decide records the organiser's return with its reason, as Flow allows.
func (f *File) Decide(a domain.Actor, d procedure.Decision, at procedure.Level, text string, now time.Time) error {
	e, err := procedure.Record(&Flow, reviewEvents, procedure.State(f.status), a.Role, d, at, text, now, Facts{File: f})
	if err != nil {
		return fmt.Errorf("nomination file %s: %w", f.id, err)
	}
	f.record(e)
	return nil
}

// Priority reports whether the unit submitted the previous guide's
// resources with its list (recognised with priority).
func (f *File) Priority() bool { return f.previous != nil }

// Previous is what the unit submitted of the previous guide's resources;
// nil before.
func (f *File) Previous() *Resources {
	if f.previous == nil {
		return nil
	}
	r := *f.previous
	return &r
}

// SubmitPreviousResources records the resources of the unit's conferences
// in the previous guide, submitted with the list (一(五)5).
func (f *File) SubmitPreviousResources(a domain.Actor, r Resources, p policy.Policy, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	var pr domain.Problems
	r.check(&pr, p)
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(PreviousResources{Resources: r, By: a.UserID, At: now})
	return nil
}
