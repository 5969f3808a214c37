package org_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// Shared table helpers.
var (
	fieldErrors = domaintest.FieldErrors
)

var (
	admin     = domain.Actor{UserID: uuid.New(), Role: domain.RolePlatformAdmin}
	authority = uuid.New()
	univ      = uuid.New()
)

// R-ACT-02: authority → university → unit; R-ACT-03: universities carry
// their institutional email domains.
func TestCreate(t *testing.T) {
	tests := []struct {
		name   string
		spec   org.Spec
		parent org.Kind
		want   []string
	}{
		{"R-ACT-02 authority", org.Spec{Kind: org.Authority, NameZh: "示例省教育厅"}, "", nil},
		{"R-ACT-02 university under an authority", org.Spec{Kind: org.University, NameZh: "示例大学", NameEn: "Example University", ParentID: authority, EmailDomains: []string{"example.edu.cn"}}, org.Authority, nil},
		{"R-ACT-02 unit under a university", org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: univ}, org.University, nil},
		{"R-ACT-02 authority with a parent", org.Spec{Kind: org.Authority, NameZh: "示例省教育厅", ParentID: univ}, org.University, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 university without parent", org.Spec{Kind: org.University, NameZh: "示例大学"}, "", []string{"parentId R-ACT-02"}},
		{"R-ACT-02 university under a university", org.Spec{Kind: org.University, NameZh: "示例大学", ParentID: univ}, org.University, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 unit under an authority", org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: authority}, org.Authority, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 unit under an unknown parent", org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: uuid.New()}, "", []string{"parentId R-ACT-02"}},
		{"R-ACT-02 bureau", org.Spec{Kind: org.Bureau, NameZh: "示例科学院国际合作局"}, "", nil},
		{"R-ACT-02 academy under a bureau", org.Spec{Kind: org.Academy, NameZh: "示例科学院", ParentID: authority}, org.Bureau, nil},
		{"R-ACT-02 institute under an academy", org.Spec{Kind: org.Institute, NameZh: "示例研究所", ParentID: univ}, org.Academy, nil},
		{"R-ACT-02 bureau with a parent", org.Spec{Kind: org.Bureau, NameZh: "示例科学院国际合作局", ParentID: univ}, org.Academy, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 academy under an authority", org.Spec{Kind: org.Academy, NameZh: "示例科学院", ParentID: authority}, org.Authority, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 institute under a university", org.Spec{Kind: org.Institute, NameZh: "示例研究所", ParentID: univ}, org.University, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 unit under an academy", org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: univ}, org.Academy, []string{"parentId R-ACT-02"}},
		{"R-ACT-02 institute without parent", org.Spec{Kind: org.Institute, NameZh: "示例研究所"}, "", []string{"parentId R-ACT-02"}},
		{"unknown kind", org.Spec{Kind: "faculty", NameZh: "物理学院"}, "", []string{"kind SCHEMA"}},
		{"names required", org.Spec{Kind: org.Authority, NameZh: " "}, "", []string{"nameZh SCHEMA"}},
		{"name too long", org.Spec{Kind: org.Authority, NameZh: strings.Repeat("厅", 201)}, "", []string{"nameZh SCHEMA"}},
		{"R-ACT-03 bad and repeated domains", org.Spec{Kind: org.University, NameZh: "示例大学", ParentID: authority,
			EmailDomains: []string{"example.edu.cn", "localhost", "EXAMPLE.edu.cn", "bad_domain.cn", "-x.cn"}}, org.Authority,
			[]string{"emailDomains[1] R-ACT-03", "emailDomains[2] R-ACT-03", "emailDomains[3] R-ACT-03", "emailDomains[4] R-ACT-03"}},
		{"R-ACT-03 domains on a unit", org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: univ, EmailDomains: []string{"phys.example.edu.cn"}}, org.University,
			[]string{"emailDomains R-ACT-03"}},
	}
	p := policy.Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := org.New(uuid.New())
			err := o.Create(admin, tt.spec, tt.parent, p)
			if got := fieldErrors(t, err); !slices.Equal(got, tt.want) {
				t.Errorf("Create errors = %q; want %q", got, tt.want)
			}
			if (err == nil) != o.Exists() || (err == nil) != (len(o.Pending()) == 1) {
				t.Errorf("Exists() = %v with %d pending after err %v", o.Exists(), len(o.Pending()), err)
			}
		})
	}
}

func TestCreateNormalisesDomains(t *testing.T) {
	o := org.New(uuid.New())
	err := o.Create(admin, org.Spec{Kind: org.University, NameZh: " 示例大学 ", ParentID: authority,
		EmailDomains: []string{" @Example.EDU.cn", "mail.example.org"}}, org.Authority, policy.Default())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.EmailDomains(), []string{"example.edu.cn", "mail.example.org"}; !slices.Equal(got, want) {
		t.Errorf("EmailDomains() = %q; want %q", got, want)
	}
	if o.NameZh() != "示例大学" {
		t.Errorf("NameZh() = %q; want it trimmed", o.NameZh())
	}
}

// R-ACT-01: only platform admins manage organisations.
func TestOnlyPlatformAdmins(t *testing.T) {
	p := policy.Default()
	for _, r := range domain.Roles {
		if r == domain.RolePlatformAdmin {
			continue
		}
		a := domain.Actor{UserID: uuid.New(), Role: r}
		if err := org.New(uuid.New()).Create(a, org.Spec{Kind: org.Authority, NameZh: "示例省教育厅"}, "", p); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("Create as %s = %v; want ErrForbidden", r, err)
		}
		o := university(t)
		if err := o.Rename(a, "新名", "", p); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("Rename as %s = %v; want ErrForbidden", r, err)
		}
		if err := o.SetEmailDomains(a, []string{"example.org"}); !errors.Is(err, domain.ErrForbidden) {
			t.Errorf("SetEmailDomains as %s = %v; want ErrForbidden", r, err)
		}
	}
}

func university(t *testing.T) *org.Organisation {
	t.Helper()
	o := org.New(uuid.New())
	if err := o.Create(admin, org.Spec{Kind: org.University, NameZh: "示例大学", ParentID: authority, EmailDomains: []string{"example.edu.cn"}}, org.Authority, policy.Default()); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestLifecycle(t *testing.T) {
	p := policy.Default()
	o := university(t)
	if err := o.Create(admin, org.Spec{Kind: org.Authority, NameZh: "x"}, "", p); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("second Create = %v; want ErrConflict", err)
	}
	if err := o.Rename(admin, "示例理工大学", "Example Institute of Technology", p); err != nil {
		t.Fatal(err)
	}
	if err := o.Rename(admin, "示例理工大学", "Example Institute of Technology", p); err != nil {
		t.Fatal(err)
	}
	if got := fieldErrors(t, o.Rename(admin, "", "", p)); !slices.Equal(got, []string{"nameZh SCHEMA"}) {
		t.Errorf("Rename to blank = %q; want nameZh SCHEMA", got)
	}
	if err := o.SetEmailDomains(admin, []string{"example.edu.cn", "mails.example.edu.cn"}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetEmailDomains(admin, []string{"Example.edu.cn", "mails.example.edu.cn"}); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range o.Pending() {
		types = append(types, e.EventType())
	}
	if want := []string{"org.created", "org.renamed", "org.email_domains_set"}; !slices.Equal(types, want) {
		t.Errorf("events = %q; want %q (unchanged values record nothing)", types, want)
	}

	unit := org.New(uuid.New())
	if err := unit.Rename(admin, "物理学院", "", p); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Rename before Create = %v; want ErrNotFound", err)
	}
	if err := unit.Create(admin, org.Spec{Kind: org.Unit, NameZh: "物理学院", ParentID: o.ID()}, o.Kind(), p); err != nil {
		t.Fatal(err)
	}
	if got := fieldErrors(t, unit.SetEmailDomains(admin, []string{"x.example.org"})); !slices.Equal(got, []string{"emailDomains R-ACT-03"}) {
		t.Errorf("SetEmailDomains on a unit = %q; want emailDomains R-ACT-03", got)
	}
}

// R-ACT-03: registration accepts institutional addresses only: the domain or
// a subdomain of it, whatever the case.
func TestAllowsEmail(t *testing.T) {
	o := university(t)
	for _, tt := range []struct {
		email string
		want  bool
	}{
		{"someone@example.edu.cn", true},
		{"  Someone@EXAMPLE.edu.cn ", true},
		{"someone@mail.example.edu.cn", true},
		{"someone@badexample.edu.cn", false},
		{"someone@example.edu.cn.evil.org", false},
		{"someone@gmail.com", false},
		{"example.edu.cn", false},
		{"a b@example.edu.cn", false},
	} {
		if got := o.AllowsEmail(tt.email); got != tt.want {
			t.Errorf("AllowsEmail(%q) = %v; want %v", tt.email, got, tt.want)
		}
	}
}

func TestReplayAndDecode(t *testing.T) {
	p := policy.Default()
	o := university(t)
	if err := o.Rename(admin, "示例理工大学", "Example Tech", p); err != nil {
		t.Fatal(err)
	}
	if err := o.SetEmailDomains(admin, []string{"example.edu.cn", "tech.example.org"}); err != nil {
		t.Fatal(err)
	}
	replayed := org.New(o.ID())
	for _, e := range o.Pending() {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		back, err := org.Decode(e.EventType(), b)
		if err != nil {
			t.Fatal(err)
		}
		replayed.Apply(back)
	}
	type view struct {
		ID           uuid.UUID
		Kind         org.Kind
		NameZh       string
		NameEn       string
		Parent       uuid.UUID
		EmailDomains []string
	}
	snap := func(o *org.Organisation) view {
		return view{o.ID(), o.Kind(), o.NameZh(), o.NameEn(), o.ParentID(), o.EmailDomains()}
	}
	if got, want := snap(replayed), snap(o); !reflect.DeepEqual(got, want) {
		t.Errorf("replayed = %+v; want %+v", got, want)
	}
	for _, name := range org.EventTypes() {
		if e, err := org.Decode(name, []byte(`{}`)); err != nil || e.EventType() != name {
			t.Errorf("Decode(%s) = %v, %v", name, e, err)
		}
	}
	if _, err := org.Decode("org.deleted", []byte(`{}`)); !errors.Is(err, org.ErrUnknownEvent) {
		t.Errorf("Decode(unknown) = %v; want ErrUnknownEvent", err)
	}
	b, _ := json.Marshal(org.Created{Kind: org.Unit})
	for _, key := range []string{`"id"`, `"kind":"unit"`, `"nameZh"`, `"parentId"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("json.Marshal(Created) = %s; want %s", b, key)
		}
	}
}

// R-ACT-02: the academy's kinds play the universities' parts, so roles and
// scopes treat an institute as a unit and the bureau as an authority.
func TestKindPart(t *testing.T) {
	want := map[org.Kind]org.Kind{
		org.Authority: org.Authority, org.University: org.University, org.Unit: org.Unit,
		org.Bureau: org.Authority, org.Academy: org.University, org.Institute: org.Unit, "faculty": "",
	}
	for k, part := range want {
		if got := k.Part(); got != part {
			t.Errorf("R-ACT-02 %q.Part() = %q; want %q", k, got, part)
		}
		if got := k.InAcademy(); got != (k == org.Bureau || k == org.Academy || k == org.Institute) {
			t.Errorf("%q.InAcademy() = %v", k, got)
		}
	}
}

// TestAssociationTreeR_NOM_01 (seed 003): a science association is a root
// playing the authority's part; its recommending units hang directly under
// it and play the unit's part. The association's own reviewer registers
// recommending units under it, and nothing else, nowhere else.
func TestAssociationTreeR_NOM_01(t *testing.T) {
	p := policy.Default()
	assoc := org.New(uuid.New())
	if err := assoc.Create(admin, org.Spec{Kind: org.Association, NameZh: "示范科协"}, "", p); err != nil {
		t.Fatal(err)
	}
	if assoc.Kind().Part() != org.Authority || org.NationalSociety.Part() != org.Unit || org.NationalSociety.ParentKind() != org.Association {
		t.Error("R-NOM-01 the association plays the authority's part, its units the unit's, under it")
	}
	staff := domain.Actor{UserID: uuid.New(), Role: domain.RoleAuthorityReviewer, OrgID: assoc.ID(), Authority: assoc.ID()}
	for _, k := range []org.Kind{org.NationalSociety, org.SocietyUnion, org.ProvincialAssociation, org.UniversityAssociation} {
		u := org.New(uuid.New())
		if err := u.Create(staff, org.Spec{Kind: k, NameZh: "示范学会", ParentID: assoc.ID()}, org.Association, p); err != nil {
			t.Errorf("R-NOM-01 the association's reviewer registers a %s: %v", k, err)
		}
	}
	if err := org.New(uuid.New()).Create(staff, org.Spec{Kind: org.NationalSociety, NameZh: "别家学会", ParentID: uuid.New()}, org.Association, p); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-NOM-01 a reviewer registering a unit under another association: %v; want forbidden", err)
	}
	if err := org.New(uuid.New()).Create(staff, org.Spec{Kind: org.Unit, NameZh: "院系", ParentID: assoc.ID()}, org.Association, p); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("R-NOM-01 a reviewer creating a unit: %v; want forbidden", err)
	}
	if got := fieldErrors(t, org.New(uuid.New()).Create(admin, org.Spec{Kind: org.NationalSociety, NameZh: "学会", ParentID: uuid.New()}, org.University, p)); !slices.Equal(got, []string{"parentId R-ACT-02"}) {
		t.Errorf("a society under a university = %q; want parentId R-ACT-02", got)
	}
}
