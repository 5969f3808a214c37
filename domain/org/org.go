// Package org owns the organisation tree (R-ACT-02): authorities, the
// universities under them and the units (departments) under those, their
// names, and the institutional email domains registration accepts
// (R-ACT-03). Platform admins manage it (R-ACT-01).
//
// An academy is a tenant beside the universities, with its own three
// levels playing the same parts (Kind.Part): its bureau of international
// cooperation (国际合作局) the authority's, the academy the university's,
// its institutes (院属单位) the unit's. Roles, scopes and procedures see
// the part; the academy's own procedures (conference funding, seed 002)
// ask for the academy kinds.
//
// A science association's tree (seed 003, important-conference
// nominations): the association (科协), which organises the nominations,
// plays the authority's part; its recommending units (全国学会,
// 学会联合体, 省级科协, 高校科协) hang directly under it and play the
// unit's part. The association's reviewers (authority reviewers) may
// register their own recommending units (ImportInvitationCodes does).
package org

import (
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Kind is the level of an organisation in the tree.
type Kind string

const (
	Authority  Kind = "authority"  // 上级主管部门
	University Kind = "university" // 所属高校
	Unit       Kind = "unit"       // 院系/单位

	// An academy's tree (seed 002): Bureau → Academy → Institute.
	Bureau    Kind = "bureau"    // 国际合作局: the authority's part
	Academy   Kind = "academy"   // 中国科学院: a tenant beside the universities
	Institute Kind = "institute" // 院属单位: the unit's part

	// A science association's tree (seed 003): the association and its
	// recommending units (R-NOM-01).
	Association           Kind = "association"            // 科协: the organiser, the authority's part
	NationalSociety       Kind = "national_society"       // 全国学会
	SocietyUnion          Kind = "society_union"          // 学会联合体
	ProvincialAssociation Kind = "provincial_association" // 省级科协
	UniversityAssociation Kind = "university_association" // 高校科协
)

// Kinds lists every kind in the tree's order.
var Kinds = []Kind{Authority, University, Unit, Bureau, Academy, Institute,
	Association, NationalSociety, SocietyUnion, ProvincialAssociation, UniversityAssociation}

// Recommending reports whether k is a recommending unit's kind (R-NOM-01).
func (k Kind) Recommending() bool {
	return k == NationalSociety || k == SocietyUnion || k == ProvincialAssociation || k == UniversityAssociation
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Part is the level k plays in the tree: Authority, University or Unit.
// The academy's kinds play the parts of the universities' (the bureau
// the authority's, the academy the university's, an institute the
// unit's); "" for an unknown kind.
func (k Kind) Part() Kind {
	switch k {
	case Authority, Bureau, Association:
		return Authority
	case University, Academy:
		return University
	case Unit, Institute, NationalSociety, SocietyUnion, ProvincialAssociation, UniversityAssociation:
		return Unit
	}
	return ""
}

// InAcademy reports whether k belongs to an academy's tree.
func (k Kind) InAcademy() bool { return k == Bureau || k == Academy || k == Institute }

// ParentKind is the kind an organisation of kind k hangs under; "" for an
// authority, a bureau or an association, which are roots; a recommending
// unit hangs directly under its association. The trees do not mix: an
// institute hangs under an academy, never under a university.
func (k Kind) ParentKind() Kind {
	switch k {
	case University:
		return Authority
	case Unit:
		return University
	case Academy:
		return Bureau
	case Institute:
		return Academy
	case NationalSociety, SocietyUnion, ProvincialAssociation, UniversityAssociation:
		return Association
	}
	return ""
}

// Spec is what a platform admin supplies to create an organisation.
type Spec struct {
	Kind     Kind      `json:"kind"`
	NameZh   string    `json:"nameZh"`
	NameEn   string    `json:"nameEn,omitempty"`
	ParentID uuid.UUID `json:"parentId"` // zero for an authority
	// EmailDomains are a university's institutional domains ("univ.edu.cn");
	// only universities have them.
	EmailDomains []string `json:"emailDomains,omitempty"`
}

// Organisation is the aggregate.
type Organisation struct {
	id      uuid.UUID
	kind    Kind
	nameZh  string
	nameEn  string
	parent  uuid.UUID
	domains []string
	pending []Event
}

// New is an organisation not yet created, with the given id.
func New(id uuid.UUID) *Organisation { return &Organisation{id: id} }

func (o *Organisation) ID() uuid.UUID       { return o.id }
func (o *Organisation) Kind() Kind          { return o.kind }
func (o *Organisation) NameZh() string      { return o.nameZh }
func (o *Organisation) NameEn() string      { return o.nameEn }
func (o *Organisation) ParentID() uuid.UUID { return o.parent }

// EmailDomains are the institutional email domains, a copy.
func (o *Organisation) EmailDomains() []string { return slices.Clone(o.domains) }

// Exists reports whether the organisation was created.
func (o *Organisation) Exists() bool { return o.kind != "" }

// Pending are the events recorded by behaviour methods since New.
func (o *Organisation) Pending() []Event { return slices.Clone(o.pending) }

// Apply folds one stored event into the state; it never fails.
func (o *Organisation) Apply(e Event) {
	switch e := e.(type) {
	case Created:
		o.id, o.kind, o.nameZh, o.nameEn, o.parent, o.domains = e.ID, e.Kind, e.NameZh, e.NameEn, e.ParentID, e.EmailDomains
	case Renamed:
		o.nameZh, o.nameEn = e.NameZh, e.NameEn
	case EmailDomainsSet:
		o.domains = e.EmailDomains
	}
}

func (o *Organisation) record(e Event) {
	o.Apply(e)
	o.pending = append(o.pending, e)
}

// Create records a new organisation. parent is the kind of s.ParentID as the
// caller found it ("" when there is no such organisation): a university must
// hang under an authority and a unit under a university (R-ACT-02).
// The English name is optional: the seeds show Chinese names only, and a
// made-up translation would be worse than none.
func (o *Organisation) Create(a domain.Actor, s Spec, parent Kind, p policy.Policy) error {
	if err := mayCreate(a, s); err != nil {
		return err
	}
	if o.Exists() {
		return fmt.Errorf("create organisation %s: already exists: %w", o.id, domain.ErrConflict)
	}
	var pr domain.Problems
	if pr.Required("kind", "SCHEMA", string(s.Kind)) && !s.Kind.Valid() {
		pr.Add("kind", "SCHEMA", "must be authority, university, unit, bureau, academy, institute, association, national_society, society_union, provincial_association or university_association",
			"须为上级主管部门、高校、院系、国际合作局、科学院、院属单位、科协、全国学会、学会联合体、省级科协或高校科协")
	}
	if s.Kind.Valid() {
		switch want := s.Kind.ParentKind(); {
		case want == "" && s.ParentID != uuid.Nil:
			pr.Add("parentId", "R-ACT-02", fmt.Sprintf("%s has no parent", s.Kind.withArticle()), fmt.Sprintf("%s不设上级组织", s.Kind.zh()))
		case want != "" && s.ParentID == uuid.Nil:
			pr.Add("parentId", "R-ACT-02", fmt.Sprintf("required: the %s this %s belongs to", want, s.Kind),
				fmt.Sprintf("必填：所属%s", want.zh()))
		case want != "" && parent != want:
			pr.Add("parentId", "R-ACT-02",
				fmt.Sprintf("%s belongs to %s, not to %s", s.Kind.withArticle(), want.withArticle(), parent.withArticle()),
				fmt.Sprintf("%s须隶属于%s", s.Kind.zh(), want.zh()))
		}
	}
	nameZh, nameEn := checkNames(&pr, s.NameZh, s.NameEn, p)
	var domains []string
	if len(s.EmailDomains) > 0 {
		if s.Kind == University {
			domains = checkDomains(&pr, s.EmailDomains)
		} else {
			pr.Add("emailDomains", "R-ACT-03", "only universities have email domains", "仅高校可设置邮箱域名")
		}
	}
	if err := pr.Err(); err != nil {
		return err
	}
	o.record(Created{ID: o.id, Kind: s.Kind, NameZh: nameZh, NameEn: nameEn, ParentID: s.ParentID, EmailDomains: domains})
	return nil
}

// Rename changes the names; renaming to the current names records nothing.
func (o *Organisation) Rename(a domain.Actor, nameZh, nameEn string, p policy.Policy) error {
	if err := o.mayChange(a, "rename organisation"); err != nil {
		return err
	}
	var pr domain.Problems
	nameZh, nameEn = checkNames(&pr, nameZh, nameEn, p)
	if err := pr.Err(); err != nil {
		return err
	}
	if nameZh != o.nameZh || nameEn != o.nameEn {
		o.record(Renamed{NameZh: nameZh, NameEn: nameEn})
	}
	return nil
}

// SetEmailDomains replaces a university's institutional email domains;
// the same set again records nothing.
func (o *Organisation) SetEmailDomains(a domain.Actor, domains []string) error {
	if err := o.mayChange(a, "set email domains"); err != nil {
		return err
	}
	var pr domain.Problems
	if o.kind != University {
		pr.Add("emailDomains", "R-ACT-03", "only universities have email domains", "仅高校可设置邮箱域名")
		return pr.Err()
	}
	domains = checkDomains(&pr, domains)
	if err := pr.Err(); err != nil {
		return err
	}
	if !slices.Equal(domains, o.domains) {
		o.record(EmailDomainsSet{EmailDomains: domains})
	}
	return nil
}

// AllowsEmail reports whether email is an institutional address of this
// organisation: its domain is one of EmailDomains or a subdomain of one
// ("mail.univ.edu.cn" under "univ.edu.cn").
func (o *Organisation) AllowsEmail(email string) bool { return EmailInDomains(email, o.domains) }

// EmailInDomains reports whether email's domain is one of domains or a
// subdomain of one, ignoring case.
func EmailInDomains(email string, domains []string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	if !domain.ValidEmail(email) {
		return false
	}
	_, host, _ := strings.Cut(email, "@")
	for _, d := range domains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

func (o *Organisation) mayChange(a domain.Actor, what string) error {
	if err := platformAdmin(a, what); err != nil {
		return err
	}
	if !o.Exists() {
		return fmt.Errorf("%s %s: %w", what, o.id, domain.ErrNotFound)
	}
	return nil
}

// mayCreate: a platform admin creates any organisation; an association's
// reviewer (its organiser's staff) registers recommending units under its
// own association (R-NOM-01).
func mayCreate(a domain.Actor, s Spec) error {
	if a.Role == domain.RoleAuthorityReviewer && s.Kind.Recommending() && s.ParentID != uuid.Nil && s.ParentID == a.OrgID {
		return nil
	}
	return platformAdmin(a, "create organisation")
}

func platformAdmin(a domain.Actor, what string) error {
	if a.Role != domain.RolePlatformAdmin {
		return fmt.Errorf("%s: role %s may not (R-ACT-01): %w", what, a.Role, domain.ErrForbidden)
	}
	return nil
}

func checkNames(pr *domain.Problems, zh, en string, p policy.Policy) (string, string) {
	zh, en = strings.TrimSpace(zh), strings.TrimSpace(en)
	if pr.Required("nameZh", "SCHEMA", zh) {
		pr.MaxChars("nameZh", "SCHEMA", zh, p.Text.Short)
	}
	pr.MaxChars("nameEn", "SCHEMA", en, p.Text.Short)
	return zh, en
}

// checkDomains normalises domains (trimmed, lower case, without a leading
// "@") and reports invalid and repeated ones.
func checkDomains(pr *domain.Problems, domains []string) []string {
	out := make([]string, 0, len(domains))
	for i, d := range domains {
		path := fmt.Sprintf("emailDomains[%d]", i)
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), "@")
		switch {
		case !domain.ValidDomainName(d):
			pr.Add(path, "R-ACT-03", "must be a domain name such as univ.edu.cn", "须为有效的域名，如univ.edu.cn")
		case slices.Contains(out, d):
			pr.Add(path, "R-ACT-03", fmt.Sprintf("%s is listed twice", d), fmt.Sprintf("域名%s重复", d))
		default:
			out = append(out, d)
		}
	}
	return out
}

func (k Kind) zh() string {
	switch k {
	case Authority:
		return "上级主管部门"
	case University:
		return "高校"
	case Unit:
		return "院系"
	case Bureau:
		return "国际合作局"
	case Academy:
		return "科学院"
	case Institute:
		return "院属单位"
	case Association:
		return "科协"
	case NationalSociety:
		return "全国学会"
	case SocietyUnion:
		return "学会联合体"
	case ProvincialAssociation:
		return "省级科协"
	case UniversityAssociation:
		return "高校科协"
	}
	return "组织"
}

func (k Kind) withArticle() string {
	switch k {
	case "":
		return "an unknown organisation"
	case Authority:
		return "an authority"
	case Academy, Institute, Association:
		return "an " + string(k)
	}
	return "a " + strings.ReplaceAll(string(k), "_", " ")
}
