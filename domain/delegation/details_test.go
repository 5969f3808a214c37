package delegation_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/policy"
)

// fullProfile is a nominee's three pages filled in, born 1982-03-01 (45
// on the reference date) with a resident ID that holds that date.
func fullProfile() delegation.Profile {
	return delegation.Profile{Gender: "female", Ethnicity: "蒙古族", Affiliations: []string{"中国民主同盟", "中国共产党党员"}, Grassroots: true,
		Nationality: "中国", NativePlace: delegation.Place{Province: "北京市", City: "市辖区", District: "西城区"},
		Birthplace: delegation.Place{Province: "内蒙古自治区", City: "呼和浩特市"}, Email: "nominee.test@example.edu.cn", Mobile: "13900000123",
		Occupation: "公务员", OccupationDetail: "中央和地方各级党政机关", IDType: "resident_id", IDNumber: checked("11010519820301002"),
		FullTime:   delegation.Education{Level: "博士研究生", Degree: "博士", School: "某某大学", Major: "计算机科学"},
		InService:  delegation.Education{Level: "硕士研究生", Degree: "硕士", School: "某某学院", Major: "管理学"},
		Discipline: "数学", Title: "教授", TitleLevel: "正高级", Academician: "cas", Employer: "某某大学", Position: "院长",
		AcademicPosts:    []delegation.Post{{Kind: "全国学会", Organisation: "某学会", Role: "理事"}},
		PartyPosts:       []delegation.Post{{Kind: "其他社会组织", Organisation: "某协会", Role: "会员"}},
		AssociationStaff: true, StaffCategory: "农技协", PreviousTerm: "常务委员", NPC: "省级", Resume: "1999年至今 某某大学\n2005年 访问学者"}
}

// The details of the seed's three pages are checked when added or edited
// (R-DEL-02): the resident ID's checksum and the birth date it holds, the
// mobile and email, the choices of each select, the staff category with
// the staff flag; each refused at its path, nothing recorded. The
// indicators come from the details, never typed.
func TestNomineeDetailsR_DEL_02(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	unit := uuid.New()
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit}
	el := delegation.Electing{Congress: uuid.New(), Organiser: uuid.New(), Unit: unit, ReferenceDate: ref, Allotment: seed, Invited: true}
	birth := domain.Date{Year: 1982, Month: 3, Day: 1}
	for _, c := range []struct {
		name string
		edit func(p *delegation.Profile, b *domain.Date)
		want []string
	}{
		{"all three pages", func(*delegation.Profile, *domain.Date) {}, nil},
		{"a lower-case x check character", func(p *delegation.Profile, b *domain.Date) {
			*b = domain.Date{Year: 1949, Month: 12, Day: 31}
			p.IDNumber = "11010519491231002x"
		}, nil},
		{"wrong check character", func(p *delegation.Profile, _ *domain.Date) { p.IDNumber = p.IDNumber[:17] + "0" }, []string{"profile.idNumber R-DEL-02"}},
		{"17 digits", func(p *delegation.Profile, _ *domain.Date) { p.IDNumber = p.IDNumber[:17] }, []string{"profile.idNumber R-DEL-02"}},
		{"birth date not the ID's", func(_ *delegation.Profile, b *domain.Date) { *b = domain.Date{Year: 1982, Month: 3, Day: 2} }, []string{"profile.idNumber R-DEL-02"}},
		{"a passport is not checksummed", func(p *delegation.Profile, _ *domain.Date) { p.IDType, p.IDNumber = "passport", "E12345678" }, nil},
		{"an ID number without its type", func(p *delegation.Profile, _ *domain.Date) { p.IDType = "" }, []string{"profile.idType R-DEL-02"}},
		{"an unknown ID type", func(p *delegation.Profile, _ *domain.Date) { p.IDType = "driving_licence" }, []string{"profile.idType R-DEL-02"}},
		{"mobile of 10 digits", func(p *delegation.Profile, _ *domain.Date) { p.Mobile = "1390000012" }, []string{"profile.mobile R-DEL-02"}},
		{"email without a domain", func(p *delegation.Profile, _ *domain.Date) { p.Email = "nominee.test@" }, []string{"profile.email R-DEL-02"}},
		{"three parties", func(p *delegation.Profile, _ *domain.Date) { p.Affiliations = append(p.Affiliations, "群众") }, []string{"profile.affiliations R-DEL-02"}},
		{"an unknown degree level", func(p *delegation.Profile, _ *domain.Date) { p.FullTime.Level = "博士后" }, []string{"profile.fullTimeEducation.level R-DEL-02"}},
		{"title level and academician", func(p *delegation.Profile, _ *domain.Date) { p.TitleLevel, p.Academician = "特级", "nas" },
			[]string{"profile.titleLevel R-DEL-02", "profile.academician R-DEL-02"}},
		{"a post without its organisation", func(p *delegation.Profile, _ *domain.Date) { p.AcademicPosts[0].Organisation = " " },
			[]string{"profile.academicPosts[0].organisation R-DEL-02"}},
		{"staff without a category", func(p *delegation.Profile, _ *domain.Date) { p.StaffCategory = "" }, []string{"profile.staffCategory R-DEL-02"}},
		{"a category without staff", func(p *delegation.Profile, _ *domain.Date) { p.AssociationStaff = false }, []string{"profile.staffCategory R-DEL-02"}},
		{"a résumé over the long limit", func(p *delegation.Profile, _ *domain.Date) {
			p.Resume = strings.Repeat("经", policy.Default().Text.Long+1)
		},
			[]string{"profile.resume R-DEL-02"}},
		{"born after the reference date", func(p *delegation.Profile, b *domain.Date) {
			*b, p.IDType, p.IDNumber = domain.Date{Year: 2027, Month: 3, Day: 2}, "", ""
		},
			[]string{"birthDate R-DEL-02"}},
		{"born on the reference date", func(p *delegation.Profile, b *domain.Date) { *b, p.IDType, p.IDNumber = ref, "", "" }, nil},
	} {
		p, b := fullProfile(), birth
		c.edit(&p, &b)
		d := delegation.New(delegation.ID(el.Congress, unit))
		err := d.Add(admin, el, uuid.New(), delegation.NewNominee{Name: "测试被推荐人", Identity: delegation.Committee, Profile: p, Birth: b}, policy.Default(), now)
		if got := domaintest.FieldErrors(t, err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if c.want != nil && len(d.Pending()) != 0 {
			t.Errorf("%s: recorded %v", c.name, d.Pending())
		}
		if c.want == nil {
			n := d.Nominees()[0]
			if !slices.Equal(n.Profile.AcademicPosts, p.AcademicPosts) || n.Profile.Resume != p.Resume || n.BirthDate != b {
				t.Errorf("%s: details not kept: %+v", c.name, n)
			}
		}
	}
	// The indicators are the details', whatever the identity page says.
	d := delegation.New(delegation.ID(el.Congress, unit))
	if err := d.Add(admin, el, uuid.New(), delegation.NewNominee{Name: "测试被推荐人", Identity: delegation.Committee, Profile: fullProfile(), Birth: birth}, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	if in := d.Nominees()[0].Indicators; in != (delegation.Indicators{Grassroots: true, Under45: true, Minority: true, DemocraticParty: true, Woman: true}) {
		t.Errorf("indicators %+v", in)
	}
}

func TestMaskID(t *testing.T) {
	for in, want := range map[string]string{"11010519491231002X": "1101**********002X", "E12345678": "E123*5678", "1234567": "*******", "": ""} {
		if got := delegation.MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}

// Answers mask the ID number (MaskID); an edit that sends the masked
// number back with the same type keeps the one held, while a new number
// is checked as any other and a masked one under another type is refused
// (R-DEL-02).
func TestEditKeepsTheMaskedIDR_DEL_02(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, domain.Shanghai)
	unit := uuid.New()
	admin := domain.Actor{UserID: uuid.New(), Role: domain.RoleUnitAdmin, OrgID: unit}
	el := delegation.Electing{Congress: uuid.New(), Organiser: uuid.New(), Unit: unit, ReferenceDate: ref, Allotment: seed, Invited: true}
	birth := domain.Date{Year: 1982, Month: 3, Day: 1}
	d := delegation.New(delegation.ID(el.Congress, unit))
	id, p := uuid.New(), fullProfile()
	if err := d.Add(admin, el, id, delegation.NewNominee{Name: "测试被推荐人", Identity: delegation.Committee, Profile: p, Birth: birth}, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	shown := p
	shown.IDNumber, shown.Resume = delegation.MaskID(p.IDNumber), "2010年至今 某某大学"
	if err := d.Edit(admin, el, id, delegation.EditNominee{Name: "测试被推荐人", Profile: shown, Birth: birth}, policy.Default(), now); err != nil {
		t.Fatalf("the masked ID number sent back: %v", err)
	}
	if n, _ := d.Nominee(id); n.Profile.IDNumber != p.IDNumber || n.Profile.Resume != shown.Resume {
		t.Errorf("after the edit: ID %q résumé %q; want the ID held %q", n.Profile.IDNumber, n.Profile.Resume, p.IDNumber)
	}
	passport := shown
	passport.IDType = "other"
	passport.IDNumber = delegation.MaskID(p.IDNumber)
	if err := d.Edit(admin, el, id, delegation.EditNominee{Name: "测试被推荐人", Profile: passport, Birth: birth}, policy.Default(), now); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.Nominee(id); n.Profile.IDNumber != delegation.MaskID(p.IDNumber) {
		t.Errorf("another type: the number sent is the number (%q)", n.Profile.IDNumber)
	}
	back := shown
	back.IDNumber = delegation.MaskID(p.IDNumber)
	if got := domaintest.FieldErrors(t, d.Edit(admin, el, id, delegation.EditNominee{Name: "测试被推荐人", Profile: back, Birth: birth}, policy.Default(), now)); !slices.Equal(got, []string{"profile.idNumber R-DEL-02"}) {
		t.Errorf("a masked resident ID with none held under that type: %v", got)
	}
}
