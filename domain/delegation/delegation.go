package delegation

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/procedure"
)

// Status is a nominee's status, as the seed's lists show it.
type Status string

const (
	Pending       Status = "pending"        // 初审待审核
	Approved      Status = "approved"       // 初审通过待上报
	Rejected      Status = "rejected"       // 代表委员审核不通过
	Reported      Status = "reported"       // 初审通过已上报/终审待审核
	FinalApproved Status = "final_approved" // 终审审核通过
	FinalRejected Status = "final_rejected" // 终审审核不通过
)

// Zh is the status's label on the seed's screens.
func (s Status) Zh() string {
	switch s {
	case Pending:
		return "初审待审核"
	case Approved:
		return "初审通过待上报"
	case Rejected:
		return "初审审核不通过"
	case Reported:
		return "初审通过已上报/终审待审核"
	case FinalApproved:
		return "终审审核通过"
	case FinalRejected:
		return "终审审核不通过"
	}
	return string(s)
}

// Flow is the nominee's procedure: the unit's initial review (初审,
// R-DEL-03), whose approval it may revoke while not reported.
var Flow = procedure.Procedure[procedure.None]{
	Name: "nominee", Noun: "nominee", NounZh: "推荐人选", Rule: "R-DEL-03", OwnerRule: "R-DEL-03",
	Steps: []procedure.Step[procedure.None]{
		{Level: procedure.Unit, Awaits: procedure.State(Pending), Approved: procedure.State(Approved), Rejected: procedure.State(Rejected), Revocable: true},
	},
	Label: procedure.Labels[Status],
}

// Profile is a nominee's details (the seed's three pages), what the
// indicators are computed from besides the birth date: gender, ethnicity,
// political affiliations (up to two), the grassroots flag. It is the
// person's: events hold it encrypted as one value (NomineeAdded).
type Profile struct {
	Gender       string   `json:"gender"`
	Ethnicity    string   `json:"ethnicity"`
	Affiliations []string `json:"affiliations"`
	Grassroots   bool     `json:"grassroots"`

	// Page one: person and contact (基本信息一).
	Nationality      string `json:"nationality,omitempty"`
	NativePlace      Place  `json:"nativePlace,omitzero"`
	Birthplace       Place  `json:"birthplace,omitzero"`
	Email            string `json:"email,omitempty"`
	Mobile           string `json:"mobile,omitempty"`
	Occupation       string `json:"occupation,omitempty"`       // 职业类别, e.g. 公务员
	OccupationDetail string `json:"occupationDetail,omitempty"` // e.g. 中央和地方各级党政机关
	IDType           string `json:"idType,omitempty"`           // one of IDTypes
	IDNumber         string `json:"idNumber,omitempty"`         // answers mask it (MaskID)
	Photo            Photo  `json:"photo,omitzero"`
	// Page two: education and profession (基本信息二).
	FullTime    Education `json:"fullTimeEducation,omitzero"`
	InService   Education `json:"inServiceEducation,omitzero"`
	Discipline  string    `json:"discipline,omitempty"`  // 学科分类
	Title       string    `json:"title,omitempty"`       // 专业技术职务
	TitleLevel  string    `json:"titleLevel,omitempty"`  // one of TitleLevels
	Academician string    `json:"academician,omitempty"` // one of Academicians, "" none
	Employer    string    `json:"employer,omitempty"`
	Position    string    `json:"position,omitempty"`
	// Page three: posts and résumé (基本信息三).
	AcademicPosts    []Post `json:"academicPosts,omitempty"` // 学术组织任职情况
	PartyPosts       []Post `json:"partyPosts,omitempty"`    // 党派及社会团体任职情况
	AssociationStaff bool   `json:"associationStaff,omitempty"`
	StaffCategory    string `json:"staffCategory,omitempty"` // 专职人员类别
	PreviousTerm     string `json:"previousTerm,omitempty"`  // 上一届全委会任职情况
	NPC              string `json:"npc,omitempty"`           // 人大代表: one of Levels, "" none
	CPPCC            string `json:"cppcc,omitempty"`         // 政协委员: one of Levels, "" none
	Resume           string `json:"resume,omitempty" text:"multiline"`
}

// Nominee is one person the unit put forward.
type Nominee struct {
	ID         uuid.UUID   `json:"id"`
	Name       string      `json:"name"`
	BirthDate  domain.Date `json:"birthDate,omitzero"`
	Identity   Identity    `json:"identity"`
	Profile    Profile     `json:"profile"`
	Indicators Indicators  `json:"indicators"`
	Status     Status      `json:"status"`
	Opinion    string      `json:"opinion,omitempty"`
	// Disabled: the nominee's account is disabled (禁用, R-DEL-08).
	Disabled    bool         `json:"disabled"`
	Attachments []Attachment `json:"attachments,omitempty"`
	AddedAt     time.Time    `json:"addedAt"`
}

// Delegation is the aggregate: one unit's nominees to one congress.
type Delegation struct {
	id        uuid.UUID
	congress  uuid.UUID
	unit      uuid.UUID
	organiser uuid.UUID
	nominees  []Nominee
	reported  bool
	pending   []Event
}

// ID is the delegation of unit to congress.
func ID(congressID, unit uuid.UUID) uuid.UUID { return uuid.NewSHA1(congressID, unit[:]) }

// New is a delegation with nothing recorded yet.
func New(id uuid.UUID) *Delegation { return &Delegation{id: id} }

func (d *Delegation) ID() uuid.UUID        { return d.id }
func (d *Delegation) Congress() uuid.UUID  { return d.congress }
func (d *Delegation) Unit() uuid.UUID      { return d.unit }
func (d *Delegation) Organiser() uuid.UUID { return d.organiser }
func (d *Delegation) Exists() bool         { return d.unit != uuid.Nil }
func (d *Delegation) IsReported() bool     { return d.reported }

// Nominees are the nominees not deregistered, in the order added.
func (d *Delegation) Nominees() []Nominee { return slices.Clone(d.nominees) }

// Nominee is one nominee (ok false: none such).
func (d *Delegation) Nominee(id uuid.UUID) (Nominee, bool) {
	i := d.index(id)
	if i < 0 {
		return Nominee{}, false
	}
	return d.nominees[i], true
}

func (d *Delegation) index(id uuid.UUID) int {
	return slices.IndexFunc(d.nominees, func(n Nominee) bool { return n.ID == id })
}

// Scope: the electing unit holds it, the organiser plays the authority
// once it was reported.
func (d *Delegation) Scope() domain.Scope {
	return domain.Scope{Unit: d.unit, Authority: d.organiser, AtAuthority: d.reported}
}

// Pending are the events recorded since New or the last fold.
func (d *Delegation) Pending() []Event { return slices.Clone(d.pending) }

func (d *Delegation) record(e Event) {
	d.Apply(e)
	d.pending = append(d.pending, e)
}

func (d *Delegation) set(id uuid.UUID, f func(*Nominee)) {
	if i := d.index(id); i >= 0 {
		f(&d.nominees[i])
	}
}

// Apply folds one stored event into the state; it never fails.
func (d *Delegation) Apply(e Event) {
	switch e := e.(type) {
	case NomineeAdded:
		d.congress, d.unit, d.organiser = e.Congress, e.Unit, e.Organiser
		d.nominees = append(d.nominees, Nominee{ID: e.Nominee, Name: e.Name, BirthDate: e.BirthDate, Identity: e.Identity, Profile: e.Profile,
			Indicators: e.Indicators, Status: Pending, AddedAt: e.At})
	case NomineeApproved:
		d.set(e.Nominee, func(n *Nominee) { n.Status, n.Opinion = Approved, e.Opinion })
	case NomineeRejected:
		d.set(e.Nominee, func(n *Nominee) { n.Status, n.Opinion = Rejected, e.Opinion })
	case NomineeRevoked:
		d.set(e.Nominee, func(n *Nominee) { n.Status, n.Opinion = Pending, "" })
	case NomineeEdited:
		d.set(e.Nominee, func(n *Nominee) {
			n.Name, n.BirthDate, n.Profile, n.Indicators, n.Status, n.Opinion = e.Name, e.BirthDate, e.Profile, e.Indicators, e.Next, ""
		})
	case NomineeFinalApproved:
		d.set(e.Nominee, func(n *Nominee) { n.Status, n.Opinion = FinalApproved, e.Opinion })
	case NomineeFinalRejected:
		d.set(e.Nominee, func(n *Nominee) { n.Status, n.Opinion = FinalRejected, e.Opinion })
	case NomineeDisabled:
		d.set(e.Nominee, func(n *Nominee) { n.Disabled = true })
	case NomineeEnabled:
		d.set(e.Nominee, func(n *Nominee) { n.Disabled = false })
	case NomineeAttachmentsSet:
		d.set(e.Nominee, func(n *Nominee) { n.Attachments = slices.Clone(e.Files) })
	case NomineeDeregistered:
		if i := d.index(e.Nominee); i >= 0 {
			d.nominees = slices.Delete(d.nominees, i, i+1)
		}
	case AllReported:
		d.reported = true
		for _, id := range e.Nominees {
			d.set(id, func(n *Nominee) { n.Status = Reported })
		}
	}
}

func counted(ns []Nominee) []Counted {
	out := make([]Counted, len(ns))
	for i, n := range ns {
		out[i] = Counted{Identity: n.Identity, Indicators: n.Indicators}
	}
	return out
}

// Tally is the quota view of the nominees approved or reported against
// the allotment (fig. 2.8).
func (d *Delegation) Tally(a congress.Allotment) []Line {
	var in []Nominee
	for _, n := range d.nominees {
		if n.Status == Approved || n.Status == Reported || n.Status == FinalApproved || n.Status == FinalRejected {
			in = append(in, n)
		}
	}
	return Tally(a, counted(in))
}

// NewNominee is what the unit enters to add a nominee: the name, the
// identity, the birth date and the details the indicators are computed
// from.
type NewNominee struct {
	Name     string      `json:"name"`
	Identity Identity    `json:"identity"`
	Profile  Profile     `json:"profile"`
	Birth    domain.Date `json:"birthDate"`
}

// Electing is the congress as a delegation sees it.
type Electing struct {
	Congress      uuid.UUID
	Organiser     uuid.UUID
	Unit          uuid.UUID
	ReferenceDate domain.Date
	Allotment     congress.Allotment
	Invited       bool
	UnitReported  bool
}

func (d *Delegation) unitAdmin(a domain.Actor, unit uuid.UUID, what string) error {
	if a.OrgID != unit || (a.Role != domain.RoleUnitAdmin && a.Role != domain.RoleSchoolAdmin) {
		return fmt.Errorf("%s: only the electing unit's administrators may (R-DEL-02): %w", what, domain.ErrForbidden)
	}
	return nil
}

func (d *Delegation) notReported(action string) error {
	if d.reported {
		return &domain.StateError{Rule: "R-DEL-04", Status: string(Reported), Action: action,
			Message: "the unit has reported its nominees", Zh: "该单位已全部上报，不可再修改"}
	}
	return nil
}

// Add puts a nominee forward (R-DEL-02): the quota is checked at once, an
// addition over it refused with the quota it breaks; the details are
// checked and the indicators computed at the reference date.
func (d *Delegation) Add(by domain.Actor, c Electing, id uuid.UUID, n NewNominee, p policy.Policy, now time.Time) error {
	if !c.Invited {
		return fmt.Errorf("add nominee: unit %s is not invited to congress %s: %w", c.Unit, c.Congress, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, c.Unit, "add nominee"); err != nil {
		return err
	}
	if err := d.notReported("add nominee"); err != nil {
		return err
	}
	if c.UnitReported {
		return d.notReportedCongress()
	}
	var pr domain.Problems
	name := strings.TrimSpace(n.Name)
	if pr.Required("name", "R-DEL-02", name) {
		pr.MaxChars("name", "R-DEL-02", name, p.Text.Short)
	}
	checkProfile(&pr, n.Profile)
	checkDetails(&pr, n.Profile, n.Birth, p)
	switch {
	case n.Birth.IsZero():
		pr.Add("birthDate", "R-DEL-02", "required: the age indicator is computed from it", "必填：年龄指标据此计算")
	case n.Birth.After(c.ReferenceDate):
		pr.Add("birthDate", "R-DEL-02", fmt.Sprintf("after the congress's reference date %s", c.ReferenceDate), fmt.Sprintf("晚于大会基准日期%s", c.ReferenceDate))
	}
	pr.Merge("", CheckAddition(c.Allotment, counted(d.nominees), n.Identity))
	if err := pr.Err(); err != nil {
		return err
	}
	facts := Facts{Gender: n.Profile.Gender, Ethnicity: n.Profile.Ethnicity, Affiliations: n.Profile.Affiliations, Grassroots: n.Profile.Grassroots, Birth: n.Birth}
	d.record(NomineeAdded{Congress: c.Congress, Unit: c.Unit, Organiser: c.Organiser, Nominee: id, Name: name, BirthDate: n.Birth, Identity: n.Identity,
		Profile: n.Profile, Indicators: IndicatorsOf(facts, c.ReferenceDate), By: by.UserID, At: now})
	return nil
}

func (d *Delegation) notReportedCongress() error {
	return &domain.StateError{Rule: "R-DEL-04", Status: string(Reported), Action: "add nominee",
		Message: "the unit has reported its nominees", Zh: "该单位已全部上报，不可再修改"}
}

func checkProfile(pr *domain.Problems, p Profile) {
	if p.Gender != "male" && p.Gender != "female" {
		pr.Add("profile.gender", "R-DEL-02", "must be male or female", "须为男或女")
	}
	if pr.Required("profile.ethnicity", "R-DEL-02", strings.TrimSpace(p.Ethnicity)) && !strings.HasSuffix(strings.TrimSpace(p.Ethnicity), "族") {
		pr.Add("profile.ethnicity", "R-DEL-02", "must be an ethnic group such as 汉族 or 蒙古族", "须为民族名称，如汉族、蒙古族")
	}
	switch n := len(p.Affiliations); {
	case n == 0:
		pr.Add("profile.affiliations", "R-DEL-02", "required: one or two political affiliations", "必填：政治面貌（一至两项）")
	case n > 2:
		pr.Add("profile.affiliations", "R-DEL-02", "at most two political affiliations", "政治面貌至多两项")
	}
	for i, a := range p.Affiliations {
		if !slices.Contains(Affiliations, a) {
			pr.Add(fmt.Sprintf("profile.affiliations[%d]", i), "R-DEL-02", fmt.Sprintf("unknown political affiliation %q", a), "政治面貌无效")
		}
	}
}

func (d *Delegation) reviewEvents(id uuid.UUID, by uuid.UUID) procedure.Events[Event] {
	return procedure.Events[Event]{
		{Decision: procedure.Approve}: func(r procedure.Decided) Event {
			return NomineeApproved{Nominee: id, Opinion: r.Text, By: by, At: r.Now}
		},
		{Decision: procedure.Reject}: func(r procedure.Decided) Event {
			return NomineeRejected{Nominee: id, Opinion: r.Text, By: by, At: r.Now}
		},
	}
}

// Review is the unit's initial review of one nominee (R-DEL-03): approve
// (an opinion optional) or reject (an opinion required).
func (d *Delegation) Review(by domain.Actor, id uuid.UUID, dec procedure.Decision, opinion string, now time.Time) error {
	n, ok := d.Nominee(id)
	if !ok {
		return fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, "review nominee"); err != nil {
		return err
	}
	if n.Disabled {
		return disabledError(n, "review nominee")
	}
	role := by.Role
	if role == domain.RoleSchoolAdmin {
		role = domain.RoleUnitAdmin // a university electing: its administrators review as the unit
	}
	e, err := procedure.Record(&Flow, d.reviewEvents(id, by.UserID), procedure.State(n.Status), role, dec, procedure.Unit, opinion, now, procedure.None{})
	if err != nil {
		return fmt.Errorf("nominee %s: %w", id, err)
	}
	d.record(e)
	return nil
}

// Revoke takes back the unit's approval or rejection (撤销, R-DEL-03): the
// nominee awaits the initial review again. A reported nominee's decision
// is the organiser's now.
func (d *Delegation) Revoke(by domain.Actor, id uuid.UUID, now time.Time) error {
	n, ok := d.Nominee(id)
	if !ok {
		return fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, "revoke"); err != nil {
		return err
	}
	if n.Disabled {
		return disabledError(n, "revoke")
	}
	if n.Status != Approved && n.Status != Rejected {
		return &domain.StateError{Rule: "R-DEL-03", Status: string(n.Status), Action: "revoke",
			Message: fmt.Sprintf("only an approval or rejection of the initial review can be revoked; the nominee is %s", n.Status),
			Zh:      fmt.Sprintf("仅可撤销初审通过或不通过的人选，当前状态为“%s”", n.Status.Zh())}
	}
	d.record(NomineeRevoked{Nominee: id, From: n.Status, By: by.UserID, At: now})
	return nil
}

// Deregister removes a nominee not yet reported (注销, R-DEL-08).
func (d *Delegation) Deregister(by domain.Actor, id uuid.UUID, now time.Time) error {
	n, ok := d.Nominee(id)
	if !ok {
		return fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, "deregister"); err != nil {
		return err
	}
	if n.Status == Reported || n.Status == FinalApproved || n.Status == FinalRejected {
		return &domain.StateError{Rule: "R-DEL-08", Status: string(n.Status), Action: "deregister",
			Message: "a reported nominee is the organiser's to decide", Zh: "已上报的人选不可注销"}
	}
	d.record(NomineeDeregistered{Nominee: id, By: by.UserID, At: now})
	return nil
}

// ReportAll reports every approved nominee (全部上报, R-DEL-04): only when
// each quota is filled and every minimum met by them, and none awaits the
// initial review; the refusal names every indicator not met.
func (d *Delegation) ReportAll(by domain.Actor, a congress.Allotment, now time.Time) error {
	if !d.Exists() {
		return fmt.Errorf("report: no nominees: %w", domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, "report all"); err != nil {
		return err
	}
	if err := d.notReported("report all"); err != nil {
		return err
	}
	for _, n := range d.nominees {
		if n.Disabled {
			return &domain.StateError{Rule: "R-DEL-08", Status: string(n.Status), Action: "report all",
				Message: fmt.Sprintf("nominee %s's account is disabled: enable or deregister it first", n.ID),
				Zh:      "有人选账号已禁用，请先启用或注销后再全部上报"}
		}
	}
	var ids []uuid.UUID
	var approved []Nominee
	for _, n := range d.nominees {
		if n.Status == Approved {
			ids, approved = append(ids, n.ID), append(approved, n)
		}
	}
	if err := CheckReport(a, counted(approved)); err != nil {
		return err
	}
	d.record(AllReported{Nominees: ids, By: by.UserID, At: now})
	return nil
}

// EditNominee is what the unit may change of a nominee: not its identity.
type EditNominee struct {
	Name    string      `json:"name"`
	Profile Profile     `json:"profile"`
	Birth   domain.Date `json:"birthDate"`
}

// Edit changes a nominee the unit holds: one awaiting or refused at the
// initial review (back to it), or one the organiser refused (resubmitted
// to the final review, R-DEL-05). A reported nominee awaiting the final
// review or passed by it is not the unit's to change.
func (d *Delegation) Edit(by domain.Actor, c Electing, id uuid.UUID, e EditNominee, p policy.Policy, now time.Time) error {
	n, ok := d.Nominee(id)
	if !ok {
		return fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if err := d.unitAdmin(by, d.unit, "edit nominee"); err != nil {
		return err
	}
	if n.Disabled {
		return disabledError(n, "edit nominee")
	}
	next := Pending
	switch n.Status {
	case Pending, Rejected:
	case FinalRejected:
		next = Reported
	default:
		return &domain.StateError{Rule: "R-DEL-05", Status: string(n.Status), Action: "edit nominee",
			Message: fmt.Sprintf("a nominee can be edited while pending or refused; it is %s", n.Status),
			Zh:      fmt.Sprintf("仅待审核或审核不通过的人选可以修改，当前状态为“%s”", n.Status.Zh())}
	}
	// Answers mask the ID number: an edit that sends it back as shown,
	// with the same type, keeps the one held (a form prefilled from an
	// answer does so).
	if held := n.Profile.IDNumber; held != "" && e.Profile.IDType == n.Profile.IDType && e.Profile.IDNumber == MaskID(held) {
		e.Profile.IDNumber = held
	}
	var pr domain.Problems
	name := strings.TrimSpace(e.Name)
	if pr.Required("name", "R-DEL-02", name) {
		pr.MaxChars("name", "R-DEL-02", name, p.Text.Short)
	}
	checkProfile(&pr, e.Profile)
	checkDetails(&pr, e.Profile, e.Birth, p)
	switch {
	case e.Birth.IsZero():
		pr.Add("birthDate", "R-DEL-02", "required: the age indicator is computed from it", "必填：年龄指标据此计算")
	case e.Birth.After(c.ReferenceDate):
		pr.Add("birthDate", "R-DEL-02", fmt.Sprintf("after the congress's reference date %s", c.ReferenceDate), fmt.Sprintf("晚于大会基准日期%s", c.ReferenceDate))
	}
	if err := pr.Err(); err != nil {
		return err
	}
	facts := Facts{Gender: e.Profile.Gender, Ethnicity: e.Profile.Ethnicity, Affiliations: e.Profile.Affiliations, Grassroots: e.Profile.Grassroots, Birth: e.Birth}
	d.record(NomineeEdited{Nominee: id, Name: name, BirthDate: e.Birth, Profile: e.Profile, Indicators: IndicatorsOf(facts, c.ReferenceDate), Next: next, By: by.UserID, At: now})
	return nil
}

// FinalReview is the organiser's decision on a reported nominee (终审,
// R-DEL-05): approve (an opinion optional) or reject (an opinion
// required). A final decision is not revoked.
func (d *Delegation) FinalReview(by domain.Actor, id uuid.UUID, approve bool, opinion string, now time.Time) error {
	n, ok := d.Nominee(id)
	if !ok {
		return fmt.Errorf("nominee %s: %w", id, domain.ErrNotFound)
	}
	if by.Role != domain.RoleAuthorityReviewer || by.OrgID != d.organiser {
		return fmt.Errorf("final review of %s: only the organiser's reviewers may (R-DEL-05): %w", id, domain.ErrForbidden)
	}
	if n.Status != Reported {
		return &domain.StateError{Rule: "R-DEL-05", Status: string(n.Status), Action: "final review",
			Message: fmt.Sprintf("the final review needs a reported nominee; it is %s", n.Status),
			Zh:      fmt.Sprintf("仅“%s”的人选可以终审，当前状态为“%s”", Reported.Zh(), n.Status.Zh())}
	}
	opinion = strings.TrimSpace(opinion)
	if approve {
		d.record(NomineeFinalApproved{Nominee: id, Opinion: opinion, By: by.UserID, At: now})
		return nil
	}
	if opinion == "" {
		var pr domain.Problems
		pr.Add("reason", "R-DEL-05", "a final rejection needs an opinion", "终审不通过须填写意见")
		return pr.Err()
	}
	d.record(NomineeFinalRejected{Nominee: id, Opinion: opinion, By: by.UserID, At: now})
	return nil
}
