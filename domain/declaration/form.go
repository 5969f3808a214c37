package declaration

import (
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/google/uuid"
)

// Form is the declaration form (国际会议申报表, 000 §三), one field per
// section; each section is saved on its own as a draft (R-DECL-15). The JSON
// names are the first element of every field error's path
// ("basic.nameZh", "budget[2].amount", "people.foreign[0].nationality").
type Form struct {
	Applicant  Applicant      `json:"applicant"`
	Basic      Basic          `json:"basic"`
	Attendance Attendance     `json:"attendance"`
	Hosting    []Organisation `json:"hosting"`
	Budget     []BudgetLine   `json:"budget"`
	Statements Statements     `json:"statements"`
	Content    Content        `json:"content"`
	People     People         `json:"people"`
	Agenda     []AgendaItem   `json:"agenda"`
	Contacts   []Contact      `json:"contacts"`
}

// Applicant is filled from the account and may be changed (000 §三 1).
type Applicant struct {
	Name       string `json:"name" personal:"field"`
	StaffNo    string `json:"staffNo,omitempty" personal:"field"`
	Title      string `json:"title"`
	Unit       string `json:"unit"`
	Department string `json:"department"`
	Mobile     string `json:"mobile" personal:"field"`
	Email      string `json:"email" personal:"key"`
}

// Location says where the conference is held (R-DECL-07).
type Location string

const (
	Local     Location = "local"      // 本地：申报单位所在城市
	OtherCity Location = "other_city" // 外地
)

// Valid reports whether l is a known location.
func (l Location) Valid() bool { return l == Local || l == OtherCity }

// Basic is the conference's basic information (会议基本信息). A draft's
// unset dates and choices are left out of its JSON: "" is no date and no
// value of their enums.
type Basic struct {
	NameZh string `json:"nameZh"` // R-DECL-03
	NameEn string `json:"nameEn"`
	// StartDate and EndDate are both conference days (R-DECL-04).
	StartDate domain.Date `json:"startDate,omitzero"`
	EndDate   domain.Date `json:"endDate,omitzero"`
	// CommitmentDate (拟对外承诺日期): nothing is announced before the
	// authority approves.
	CommitmentDate domain.Date `json:"commitmentDate,omitzero"`
	Location       Location    `json:"location,omitzero"`
	Province       string      `json:"province"` // 省或直辖市
	Address        string      `json:"address"`
	// LocalApproval is the local foreign affairs office's approval
	// (当地外办批复件), required for OtherCity (R-DECL-07).
	LocalApproval Attachment     `json:"localApproval,omitzero"`
	Type          classify.Type  `json:"type,omitzero"`
	Scale         classify.Scale `json:"scale,omitzero"` // declared; checked against the computed one (R-CLS-05)
}

// Days is the duration with both ends counted; 0 unless both dates are set
// and in order.
func (b Basic) Days() int {
	if b.StartDate.IsZero() || b.EndDate.IsZero() || b.EndDate.Before(b.StartDate) {
		return 0
	}
	return b.StartDate.DaysUntil(b.EndDate) + 1
}

// Attendance is the expected attendance (R-DECL-08). Domestic and total are
// computed, never typed.
type Attendance struct {
	Foreign       int `json:"foreign"`
	Mainland      int `json:"mainland"`
	HKMacaoTaiwan int `json:"hkMacaoTaiwan"`
}

// Domestic counts mainland and Hong Kong, Macao and Taiwan attendees.
func (a Attendance) Domestic() int { return a.Mainland + a.HKMacaoTaiwan }

// Total is domestic plus foreign.
func (a Attendance) Total() int { return a.Domestic() + a.Foreign }

// Organisation is one hosting organisation (R-DECL-09). A foreign one needs
// its background material and the statement that its website was checked
// for "two Chinas" content (R-DECL-20, 001).
type Organisation struct {
	Role           forecast.HostingRole `json:"role"`
	NameZh         string               `json:"nameZh"`
	NameEn         string               `json:"nameEn"`
	Foreign        bool                 `json:"foreign"`
	Website        string               `json:"website,omitempty"`
	WebsiteChecked bool                 `json:"websiteChecked"`
	Background     Attachment           `json:"background,omitzero"`
}

// Source is where a budget line's money comes from (R-DECL-10).
type Source string

const (
	SelfRaised       Source = "self_raised"       // 自筹
	Sponsorship      Source = "sponsorship"       // 赞助费
	RegistrationFees Source = "registration_fees" // 与会人员注册费
	MinistryGrant    Source = "ministry_grant"    // 部委或机构资助
	OtherSource      Source = "other"             // 其他（须说明）
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	switch s {
	case SelfRaised, Sponsorship, RegistrationFees, MinistryGrant, OtherSource:
		return true
	}
	return false
}

// BudgetLine is one line of the budget (会议经费预算).
type BudgetLine struct {
	Source Source `json:"source"`
	// Amount is yuan as a decimal string with at most two decimals; see
	// ParseAmount.
	Amount      string `json:"amount"`
	Explanation string `json:"explanation,omitempty" text:"multiline"`
}

// Statements are the special statements (特殊说明, R-DECL-11). The
// classification flags double as the statements: Sensitive, NationalLeaders
// and ForeignMinisters (外国政要或前政要) default to no.
type Statements struct {
	Flags classify.Flags `json:"flags"`
	// OverseasNGO: an overseas NGO holds a temporary activity here, to be
	// filed with the provincial public security bureau (Lead.NGOFileBy).
	OverseasNGO bool `json:"overseasNgo"`
}

// Content is theme, topics, previous editions, the Taiwan statement and the
// background (R-DECL-12).
type Content struct {
	Theme            string    `json:"theme"`
	Topics           []string  `json:"topics"`
	PreviousEditions []Edition `json:"previousEditions"`
	TaiwanStatement  string    `json:"taiwanStatement" text:"multiline"`
	Background       string    `json:"background" text:"multiline"` // 举办会议的背景和意义
}

// Edition is a previous edition of the conference.
type Edition struct {
	Date      domain.Date `json:"date"`
	Place     string      `json:"place"`
	Host      string      `json:"host"`
	Attendees int         `json:"attendees"` // 会议规模
	Foreign   int         `json:"foreign"`
}

// People are the key people (会议主要人员, R-DECL-13), by group.
type People struct {
	Chairs        []Person `json:"chairs"`
	ViceChairs    []Person `json:"viceChairs"`
	Foreign       []Person `json:"foreign"`
	Mainland      []Person `json:"mainland"`
	HKMacaoTaiwan []Person `json:"hkMacaoTaiwan"`
}

// Person is one key person.
type Person struct {
	Name        string `json:"name" personal:"field"`
	Nationality string `json:"nationality"`
	Institution string `json:"institution"`
	Title       string `json:"title"` // 职称或职务
}

// groups lists the groups with their JSON names, in form order.
func (p *People) groups() []group {
	return []group{{"chairs", &p.Chairs}, {"viceChairs", &p.ViceChairs}, {"foreign", &p.Foreign},
		{"mainland", &p.Mainland}, {"hkMacaoTaiwan", &p.HKMacaoTaiwan}}
}

type group struct {
	name string
	list *[]Person
}

// AgendaItem is one item of the programme (会议日程, R-DECL-14).
type AgendaItem struct {
	Date         domain.Date `json:"date"`
	Time         string      `json:"time"` // e.g. "09:00-10:30"
	Participants string      `json:"participants" text:"multiline"`
	Content      string      `json:"content" text:"multiline"`
}

// ContactKind tells the conference's contacts from the international
// office's (R-DECL-14).
type ContactKind string

const (
	ConferenceContact          ContactKind = "conference"           // 会议联系人
	InternationalOfficeContact ContactKind = "international_office" // 国际处联系人
)

// Valid reports whether k is a known kind.
func (k ContactKind) Valid() bool { return k == ConferenceContact || k == InternationalOfficeContact }

// Contact is one contact person.
type Contact struct {
	Kind  ContactKind `json:"kind"`
	Name  string      `json:"name" personal:"field"`
	Phone string      `json:"phone" personal:"field"` // office or mobile
	Email string      `json:"email" personal:"key"`
}

// Attachment references a stored file. The file store checks that the
// file exists and matches; the declaration keeps the reference.
type Attachment struct {
	ID          uuid.UUID `json:"id"`
	SHA256      string    `json:"sha256"` // lower-case hex
	Name        string    `json:"name"`
	ContentType string    `json:"contentType"`
	Size        int64     `json:"size"`
}

// IsZero reports whether no file is attached.
func (a Attachment) IsZero() bool { return a == Attachment{} }

// clone is a deep copy: accessors hand out copies, never shared slices.
func (f Form) clone() Form {
	f.Hosting = slices.Clone(f.Hosting)
	f.Budget = slices.Clone(f.Budget)
	f.Content.Topics = slices.Clone(f.Content.Topics)
	f.Content.PreviousEditions = slices.Clone(f.Content.PreviousEditions)
	for _, g := range f.People.groups() {
		*g.list = slices.Clone(*g.list)
	}
	f.Agenda = slices.Clone(f.Agenda)
	f.Contacts = slices.Clone(f.Contacts)
	return f
}

var trim = strings.TrimSpace

// Normalisation trims every text; recorded sections are always trimmed, and
// a valid amount is written with two decimals.

func (a Applicant) normalized() Applicant {
	a.Name, a.StaffNo, a.Title, a.Unit, a.Department, a.Mobile, a.Email =
		trim(a.Name), trim(a.StaffNo), trim(a.Title), trim(a.Unit), trim(a.Department), trim(a.Mobile), trim(a.Email)
	return a
}

func (b Basic) normalized() Basic {
	b.NameZh, b.NameEn, b.Province, b.Address = trim(b.NameZh), trim(b.NameEn), trim(b.Province), trim(b.Address)
	b.LocalApproval = b.LocalApproval.normalized()
	return b
}

func (a Attachment) normalized() Attachment {
	a.SHA256, a.Name, a.ContentType = strings.ToLower(trim(a.SHA256)), trim(a.Name), trim(a.ContentType)
	return a
}

func normalizeHosting(orgs []Organisation) []Organisation {
	out := make([]Organisation, len(orgs))
	for i, o := range orgs {
		o.NameZh, o.NameEn, o.Website = trim(o.NameZh), trim(o.NameEn), trim(o.Website)
		o.Background = o.Background.normalized()
		out[i] = o
	}
	return out
}

func normalizeBudget(lines []BudgetLine) []BudgetLine {
	out := make([]BudgetLine, len(lines))
	for i, l := range lines {
		l.Amount, l.Explanation = trim(l.Amount), trim(l.Explanation)
		if fen, err := ParseAmount(l.Amount); err == nil {
			l.Amount = FormatFen(fen)
		}
		out[i] = l
	}
	return out
}

func (c Content) normalized() Content {
	c.Theme, c.TaiwanStatement, c.Background = trim(c.Theme), trim(c.TaiwanStatement), trim(c.Background)
	topics := make([]string, len(c.Topics))
	for i, t := range c.Topics {
		topics[i] = trim(t)
	}
	c.Topics = topics
	editions := make([]Edition, len(c.PreviousEditions))
	for i, e := range c.PreviousEditions {
		e.Place, e.Host = trim(e.Place), trim(e.Host)
		editions[i] = e
	}
	c.PreviousEditions = editions
	return c
}

func (p People) normalized() People {
	for _, g := range p.groups() {
		list := make([]Person, len(*g.list))
		for i, x := range *g.list {
			list[i] = Person{Name: trim(x.Name), Nationality: trim(x.Nationality), Institution: trim(x.Institution), Title: trim(x.Title)}
		}
		*g.list = list
	}
	return p
}

func normalizeAgenda(items []AgendaItem) []AgendaItem {
	out := make([]AgendaItem, len(items))
	for i, x := range items {
		x.Time, x.Participants, x.Content = trim(x.Time), trim(x.Participants), trim(x.Content)
		out[i] = x
	}
	return out
}

func normalizeContacts(cs []Contact) []Contact {
	out := make([]Contact, len(cs))
	for i, x := range cs {
		x.Name, x.Phone, x.Email = trim(x.Name), trim(x.Phone), trim(x.Email)
		out[i] = x
	}
	return out
}

func (f Form) normalized() Form {
	return Form{
		Applicant:  f.Applicant.normalized(),
		Basic:      f.Basic.normalized(),
		Attendance: f.Attendance,
		Hosting:    normalizeHosting(f.Hosting),
		Budget:     normalizeBudget(f.Budget),
		Statements: f.Statements,
		Content:    f.Content.normalized(),
		People:     f.People.normalized(),
		Agenda:     normalizeAgenda(f.Agenda),
		Contacts:   normalizeContacts(f.Contacts),
	}
}

// Attachments are the uploads the form refers to through its typed
// attachment fields: the location approval (R-DECL-07) and each foreign
// co-host's background material (R-DECL-20). Only these grant a reader of
// the declaration the file; a file id written in free text grants nothing.
func (f Form) Attachments() []Attachment {
	var out []Attachment
	if !f.Basic.LocalApproval.IsZero() {
		out = append(out, f.Basic.LocalApproval)
	}
	for _, o := range f.Hosting {
		if !o.Background.IsZero() {
			out = append(out, o.Background)
		}
	}
	return out
}
