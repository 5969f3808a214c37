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
)

// CodeStatus is where a unit's invitation code stands.
type CodeStatus string

const (
	CodeIssuedStatus  CodeStatus = "issued"  // valid, not used yet
	CodeUsedStatus    CodeStatus = "used"    // a contact registered with it
	CodeRevokedStatus CodeStatus = "revoked" // never valid again
)

// Entry is one recommending unit in the registry and its current code.
type Entry struct {
	Association uuid.UUID  `json:"association"`
	Unit        uuid.UUID  `json:"unit"`
	Kind        org.Kind   `json:"kind"`
	Category    string     `json:"category"`
	Number      string     `json:"number"`
	Name        string     `json:"name"`
	Code        string     `json:"code"`
	Status      CodeStatus `json:"status"`
	Contact     uuid.UUID  `json:"contact,omitempty"`
}

// CodeRow is one unit as attachment 3 lists it (category, number, name,
// code). Row and Columns place it in an imported spreadsheet, for errors
// by row and column; Row 0 is a row given as JSON (errors at
// codes[i].field).
type CodeRow struct {
	Row      int               `json:"-"`
	Columns  map[string]string `json:"-"`
	Category string            `json:"category"`
	Number   string            `json:"number"`
	Name     string            `json:"name"`
	Code     string            `json:"code"`
}

// KindOf is the kind of unit a category of attachment 3 names: 学会联合体
// a society union, 地方科协 (or 省级科协) a provincial association, 高校科协
// a university association, any other (理科, 工科, 农科, 医科, 交叉学科) a
// national society.
func KindOf(category string) org.Kind {
	switch strings.TrimSpace(category) {
	case "学会联合体":
		return org.SocietyUnion
	case "地方科协", "省级科协":
		return org.ProvincialAssociation
	case "高校科协", "高校":
		return org.UniversityAssociation
	}
	return org.NationalSociety
}

// UnitID is the id of the recommending unit named name under association:
// a re-import finds the same unit.
func UnitID(association uuid.UUID, name string) uuid.UUID {
	return uuid.NewSHA1(association, []byte("recommending-unit:"+strings.TrimSpace(name)))
}

// RegistryID is the id of the platform's one code registry.
var RegistryID = uuid.MustParse("3b0f6c1e-8d4a-5f2b-9c7e-1a2b3c4d5e6f")

// Registry is the aggregate of every invitation code (R-NOM-01): one
// stream, so a code is unique platform-wide and used at most once.
type Registry struct {
	units   map[uuid.UUID]*Entry
	codes   map[string]uuid.UUID // every code ever issued → its unit
	order   []uuid.UUID
	pending []Event
}

// NewRegistry is the empty registry.
func NewRegistry(uuid.UUID) *Registry {
	return &Registry{units: map[uuid.UUID]*Entry{}, codes: map[string]uuid.UUID{}}
}

func (r *Registry) Pending() []Event { return slices.Clone(r.pending) }
func (r *Registry) record(e Event)   { r.Apply(e); r.pending = append(r.pending, e) }

// Entry is the unit's entry; ok is false for a unit without one.
func (r *Registry) Entry(unit uuid.UUID) (Entry, bool) {
	e, ok := r.units[unit]
	if !ok {
		return Entry{}, false
	}
	return *e, true
}

// Entries are an association's units in the order first issued.
func (r *Registry) Entries(association uuid.UUID) []Entry {
	var out []Entry
	for _, id := range r.order {
		if e := r.units[id]; e.Association == association {
			out = append(out, *e)
		}
	}
	return out
}

// ByCode is the entry of the unit code was issued to, whatever its status.
func (r *Registry) ByCode(code string) (Entry, bool) {
	u, ok := r.codes[strings.TrimSpace(code)]
	if !ok {
		return Entry{}, false
	}
	return *r.units[u], true
}

// Known reports whether code was ever issued.
func (r *Registry) Known(code string) bool { _, ok := r.codes[strings.TrimSpace(code)]; return ok }

// Apply folds one stored event into the state; it never fails.
func (r *Registry) Apply(e Event) {
	switch e := e.(type) {
	case CodeIssued:
		en, ok := r.units[e.Unit]
		if !ok {
			en = &Entry{}
			r.units[e.Unit] = en
			r.order = append(r.order, e.Unit)
		}
		contact := en.Contact
		*en = Entry{Association: e.Association, Unit: e.Unit, Kind: e.Kind, Category: e.Category, Number: e.Number, Name: e.Name,
			Code: e.Code, Status: CodeIssuedStatus, Contact: contact}
		r.codes[e.Code] = e.Unit
	case CodeRevoked:
		if en, ok := r.units[e.Unit]; ok && en.Code == e.Code {
			en.Status = CodeRevokedStatus
		}
	case CodeUsed:
		if en, ok := r.units[e.Unit]; ok && en.Code == e.Code {
			en.Status, en.Contact = CodeUsedStatus, e.User
		}
	}
}

func organiserStaff(a domain.Actor, association bool, what string) error {
	if a.Role != domain.RoleAuthorityReviewer || !association {
		return fmt.Errorf("%s: only an association's staff issue invitation codes (R-NOM-01): %w", what, domain.ErrForbidden)
	}
	return nil
}

// cellPath names a field of row i: its cell in a spreadsheet, else its
// JSON path.
func (c CodeRow) cellPath(i int, key string) string {
	if c.Row > 0 {
		return fmt.Sprintf("sheet:%s%d", c.Columns[key], c.Row)
	}
	return fmt.Sprintf("codes[%d].%s", i, key)
}

// validCode: 3 to 32 letters, digits or hyphens (the seed's are three
// digits).
func validCode(c string) bool {
	if len(c) < 3 || len(c) > 32 {
		return false
	}
	for _, r := range c {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-') {
			return false
		}
	}
	return true
}

// Issue records the codes of rows for the actor's association (an import
// of attachment 3 or one unit): all of them or, on any problem, none, with
// every problem named by row and column (R-NOM-01). One code per unit, a
// code for one unit only, never one issued before; a row the registry
// holds already (same unit, same valid code) is skipped, so a re-import
// records nothing. University associations get accounts assigned by an
// administrator instead of a code. It answers the units issued a code.
func (r *Registry) Issue(a domain.Actor, association bool, rows []CodeRow, p policy.Policy, now time.Time) ([]Entry, error) {
	if err := organiserStaff(a, association, "issue invitation codes"); err != nil {
		return nil, err
	}
	var pr domain.Problems
	const rule = "R-NOM-01"
	if len(rows) == 0 {
		pr.Add("codes", "SCHEMA", "required: at least one unit", "必填：至少一个推荐单位")
	}
	codes, names := map[string]int{}, map[string]int{}
	var out []Entry
	for i, row := range rows {
		row.Category, row.Number, row.Name, row.Code = strings.TrimSpace(row.Category), strings.TrimSpace(row.Number), strings.TrimSpace(row.Name), strings.TrimSpace(row.Code)
		ok := true
		for _, f := range []struct{ key, v string }{{"category", row.Category}, {"number", row.Number}, {"name", row.Name}, {"code", row.Code}} {
			if f.v == "" {
				pr.Add(row.cellPath(i, f.key), "SCHEMA", "required", "必填")
				ok = false
			} else if domain.CharCount(f.v) > p.Text.Short {
				pr.MaxChars(row.cellPath(i, f.key), "SCHEMA", f.v, p.Text.Short)
				ok = false
			}
		}
		if !ok {
			continue
		}
		kind := KindOf(row.Category)
		unit := UnitID(a.OrgID, row.Name)
		if kind == org.UniversityAssociation {
			pr.Add(row.cellPath(i, "category"), rule, "university users get their accounts from an administrator, not an invitation code",
				"高校用户由管理员分配账号，不发放邀请码")
			continue
		}
		if !validCode(row.Code) {
			pr.Add(row.cellPath(i, "code"), rule, "must be 3 to 32 letters, digits or hyphens", "邀请码须为3至32位字母、数字或连字符")
			continue
		}
		if j, dup := codes[row.Code]; dup {
			pr.Add(row.cellPath(i, "code"), rule, fmt.Sprintf("code %s is given to row %d as well: one code per unit", row.Code, j), fmt.Sprintf("邀请码%s与第%d行重复：每个单位一个邀请码", row.Code, j))
			continue
		}
		codes[row.Code] = rowNo(row, i)
		if j, dup := names[row.Name]; dup {
			pr.Add(row.cellPath(i, "name"), rule, fmt.Sprintf("%s is listed in row %d as well: one code per unit", row.Name, j), fmt.Sprintf("“%s”与第%d行重复：每个单位一个邀请码", row.Name, j))
			continue
		}
		names[row.Name] = rowNo(row, i)
		cur, has := r.units[unit]
		switch owner, issued := r.codes[row.Code]; {
		case issued && owner != unit:
			pr.Add(row.cellPath(i, "code"), rule, fmt.Sprintf("code %s was issued to %s: a code is for one unit only", row.Code, r.units[owner].Name),
				fmt.Sprintf("邀请码%s已发放给%s，不得用于其他单位", row.Code, r.units[owner].Name))
			continue
		case issued && cur.Status == CodeRevokedStatus && cur.Code == row.Code, issued && cur.Code != row.Code:
			pr.Add(row.cellPath(i, "code"), rule, fmt.Sprintf("code %s was revoked and is never valid again", row.Code), fmt.Sprintf("邀请码%s已作废，不得再次使用", row.Code))
			continue
		case issued:
			continue // the same unit's valid code: already issued
		}
		if has && cur.Status != CodeRevokedStatus {
			pr.Add(row.cellPath(i, "code"), rule, fmt.Sprintf("%s holds code %s already: revoke it first (one code per unit)", row.Name, cur.Code),
				fmt.Sprintf("%s已有邀请码%s，须先作废（每个单位一个邀请码）", row.Name, cur.Code))
			continue
		}
		out = append(out, Entry{Association: a.OrgID, Unit: unit, Kind: kind, Category: row.Category, Number: row.Number, Name: row.Name, Code: row.Code, Status: CodeIssuedStatus})
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	for _, e := range out {
		r.record(CodeIssued{Association: e.Association, Unit: e.Unit, Kind: e.Kind, Category: e.Category, Number: e.Number, Name: e.Name, Code: e.Code, By: a.UserID, At: now})
	}
	return out, nil
}

func rowNo(r CodeRow, i int) int {
	if r.Row > 0 {
		return r.Row
	}
	return i + 1
}

// Revoke voids a unit's code for good (R-NOM-01); a contact who
// registered with it keeps the account.
func (r *Registry) Revoke(a domain.Actor, association bool, unit uuid.UUID, reason string, p policy.Policy, now time.Time) error {
	if err := organiserStaff(a, association, "revoke invitation code"); err != nil {
		return err
	}
	e, ok := r.units[unit]
	if !ok || e.Association != a.OrgID {
		return fmt.Errorf("invitation code of unit %s: %w", unit, domain.ErrNotFound)
	}
	if e.Status == CodeRevokedStatus {
		return &domain.StateError{Rule: "R-NOM-01", Status: string(e.Status), Action: "revoke the code",
			Message: "the code is revoked already", Zh: "该邀请码已作废"}
	}
	reason = strings.TrimSpace(reason)
	var pr domain.Problems
	pr.MaxChars("reason", "SCHEMA", reason, p.Text.Long)
	if err := pr.Err(); err != nil {
		return err
	}
	r.record(CodeRevoked{Unit: unit, Code: e.Code, Reason: reason, By: a.UserID, At: now})
	return nil
}

// Reissue gives a unit a new code, revoking the one it holds (R-NOM-01).
func (r *Registry) Reissue(a domain.Actor, association bool, unit uuid.UUID, code string, p policy.Policy, now time.Time) (Entry, error) {
	if err := organiserStaff(a, association, "reissue invitation code"); err != nil {
		return Entry{}, err
	}
	e, ok := r.units[unit]
	if !ok || e.Association != a.OrgID {
		return Entry{}, fmt.Errorf("invitation code of unit %s: %w", unit, domain.ErrNotFound)
	}
	code = strings.TrimSpace(code)
	var pr domain.Problems
	switch {
	case !validCode(code):
		pr.Add("code", "R-NOM-01", "must be 3 to 32 letters, digits or hyphens", "邀请码须为3至32位字母、数字或连字符")
	case r.Known(code):
		pr.Add("code", "R-NOM-01", fmt.Sprintf("code %s was issued before: a code is issued once", code), fmt.Sprintf("邀请码%s已发放过，不得重复发放", code))
	}
	if err := pr.Err(); err != nil {
		return Entry{}, err
	}
	if e.Status != CodeRevokedStatus {
		r.record(CodeRevoked{Unit: unit, Code: e.Code, Reason: "reissued", By: a.UserID, At: now})
	}
	r.record(CodeIssued{Association: e.Association, Unit: unit, Kind: e.Kind, Category: e.Category, Number: e.Number, Name: e.Name, Code: code, By: a.UserID, At: now})
	return *r.units[unit], nil
}

// Use admits a new user with code as the contact of the code's unit
// (R-NOM-01): a valid code, not used before, and the unit's own when the
// registration names one. It answers the unit's entry.
func (r *Registry) Use(code string, unit, user uuid.UUID, now time.Time) (Entry, error) {
	code = strings.TrimSpace(code)
	var pr domain.Problems
	owner, ok := r.codes[code]
	e := r.units[owner]
	switch {
	case code == "":
		pr.Add("code", "SCHEMA", "required: the invitation code", "必填：邀请码")
	case !ok || e.Code != code || e.Status == CodeRevokedStatus:
		pr.Add("code", "R-NOM-01", "no such invitation code", "邀请码无效")
	case e.Status == CodeUsedStatus:
		pr.Add("code", "R-NOM-01", "this invitation code was used already: a code admits one contact", "该邀请码已被使用")
	case unit != uuid.Nil && unit != owner:
		pr.Add("code", "R-NOM-01", "this invitation code is another unit's", "该邀请码不属于所选单位")
	}
	if err := pr.Err(); err != nil {
		return Entry{}, err
	}
	r.record(CodeUsed{Unit: owner, Code: code, User: user, At: now})
	return *e, nil
}
