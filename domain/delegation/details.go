package delegation

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
)

// A nominee's details, the seed's three pages (fig. 2.4, 2.11): every one
// of them the person's (PIPL), held in Profile and written encrypted.

// Place is a province, city and district (籍贯, 出生地).
type Place struct {
	Province string `json:"province"`
	City     string `json:"city,omitempty"`
	District string `json:"district,omitempty"`
}

// IsZero reports whether no place is given.
func (p Place) IsZero() bool { return p == Place{} }

// String is the place as the forms print it: 北京市/市辖区/西城区.
func (p Place) String() string {
	var parts []string
	for _, s := range []string{p.Province, p.City, p.District} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "/")
}

// Education is a full-time or in-service education (学历, 学位, 毕业院校, 所学专业).
type Education struct {
	Level  string `json:"level"`            // 学历, one of EducationLevels
	Degree string `json:"degree,omitempty"` // 学位, one of Degrees
	School string `json:"school,omitempty"`
	Major  string `json:"major,omitempty"`
}

// IsZero reports whether no education is given.
func (e Education) IsZero() bool { return e == Education{} }

// Post is a post held in an organisation (学术组织, 党派及社会团体任职情况).
type Post struct {
	Kind         string `json:"kind,omitempty"` // e.g. 全国学会, 省级学会, 其他社会组织
	Organisation string `json:"organisation"`
	Role         string `json:"role"`
}

// Photo is the nominee's photo: an upload of the unit's (image/jpeg or
// image/png, checked to decode as an image), referred to as stored.
type Photo struct {
	ID          uuid.UUID `json:"id"`
	Name        string    `json:"name,omitempty"`
	ContentType string    `json:"contentType,omitempty"`
	Size        int64     `json:"size,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
}

// IsZero reports whether no photo is given.
func (p Photo) IsZero() bool { return p == Photo{} }

// The choices of the seed's selects.
var (
	// IDTypes are the identity documents (证件类型).
	IDTypes = []string{"resident_id", "passport", "hk_macau_permit", "taiwan_permit", "foreign_permanent_resident", "other"}
	// EducationLevels are the levels of education (学历).
	EducationLevels = []string{"博士研究生", "硕士研究生", "大学本科", "大学专科", "中等专科", "高中及以下"}
	// Degrees are the academic degrees (学位).
	Degrees = []string{"博士", "硕士", "学士", "无"}
	// TitleLevels are the professional title levels (专业技术等级).
	TitleLevels = []string{"正高级", "副高级", "中级", "初级", "无"}
	// Academicians: a member of the Chinese Academy of Sciences (中科院院士),
	// of Engineering (工程院院士), of both; "" is none.
	Academicians = []string{"cas", "cae", "both"}
	// Levels of a people's congress or CPPCC membership (人大代表, 政协委员):
	// "" is none.
	Levels = []string{"全国", "省级", "市级", "县级", "乡镇"}
)

// IDTypeZh is the identity document's label (证件类型).
func IDTypeZh(t string) string {
	switch t {
	case "resident_id":
		return "居民身份证"
	case "passport":
		return "护照"
	case "hk_macau_permit":
		return "港澳居民来往内地通行证"
	case "taiwan_permit":
		return "台湾居民来往大陆通行证"
	case "foreign_permanent_resident":
		return "外国人永久居留身份证"
	case "other":
		return "其他"
	}
	return t
}

// AcademicianZh is the academician's label (是否两院院士).
func AcademicianZh(a string) string {
	switch a {
	case "cas":
		return "中科院院士"
	case "cae":
		return "工程院院士"
	case "both":
		return "中科院院士、工程院院士"
	}
	return "否"
}

// MaxPosts bounds each list of posts.
const MaxPosts = 10

var (
	mobilePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	emailPattern  = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// MaskID is an identity number as answers show it: the first four and the
// last four characters, the rest starred (1101**********123X).
func MaskID(id string) string {
	rs := []rune(id)
	if len(rs) <= 8 {
		return strings.Repeat("*", len(rs))
	}
	return string(rs[:4]) + strings.Repeat("*", len(rs)-8) + string(rs[len(rs)-4:])
}

func oneOf(pr *domain.Problems, path, value string, allowed []string) {
	if value != "" && !slices.Contains(allowed, value) {
		pr.Add(path, "R-DEL-02", fmt.Sprintf("%q is not one of %s", value, strings.Join(allowed, ", ")), fmt.Sprintf("“%s”不在可选范围内", value))
	}
}

func short(pr *domain.Problems, p policy.Policy, path, value string) {
	pr.MaxChars(path, "R-DEL-02", value, p.Text.Short)
}

// checkDetails checks the details beyond what the indicators read: each
// one given is well formed (mobile, email, the 18-digit resident ID's
// checksum and the birth date it holds agreeing with birth), chosen from
// its list, and within the policy's lengths.
func checkDetails(pr *domain.Problems, d Profile, birth domain.Date, p policy.Policy) {
	for _, f := range [][2]string{{"nationality", d.Nationality}, {"email", d.Email}, {"occupation", d.Occupation},
		{"occupationDetail", d.OccupationDetail}, {"discipline", d.Discipline}, {"title", d.Title},
		{"employer", d.Employer}, {"position", d.Position}, {"staffCategory", d.StaffCategory}, {"previousTerm", d.PreviousTerm},
		{"nativePlace.province", d.NativePlace.Province}, {"nativePlace.city", d.NativePlace.City}, {"nativePlace.district", d.NativePlace.District},
		{"birthplace.province", d.Birthplace.Province}, {"birthplace.city", d.Birthplace.City}, {"birthplace.district", d.Birthplace.District}} {
		short(pr, p, "profile."+f[0], f[1])
	}
	for _, e := range []struct {
		path string
		e    Education
	}{{"profile.fullTimeEducation", d.FullTime}, {"profile.inServiceEducation", d.InService}} {
		if e.e.IsZero() {
			continue
		}
		if e.e.Level == "" {
			pr.Add(e.path+".level", "R-DEL-02", "required: the level of education", "必填：学历")
		}
		oneOf(pr, e.path+".level", e.e.Level, EducationLevels)
		oneOf(pr, e.path+".degree", e.e.Degree, Degrees)
		short(pr, p, e.path+".school", e.e.School)
		short(pr, p, e.path+".major", e.e.Major)
	}
	if d.Mobile != "" && !mobilePattern.MatchString(d.Mobile) {
		pr.Add("profile.mobile", "R-DEL-02", "an 11-digit mainland mobile number such as 13912345678", "须为11位手机号码")
	}
	if d.Email != "" && !emailPattern.MatchString(d.Email) {
		pr.Add("profile.email", "R-DEL-02", "not an email address", "邮箱格式错误")
	}
	switch {
	case d.IDType == "" && d.IDNumber != "":
		pr.Add("profile.idType", "R-DEL-02", "required with an ID number", "填写证件号时须选择证件类型")
	case d.IDType != "" && d.IDNumber == "":
		pr.Add("profile.idNumber", "R-DEL-02", "required with an ID type", "选择证件类型时须填写证件号")
	}
	oneOf(pr, "profile.idType", d.IDType, IDTypes)
	if d.IDType == "resident_id" && d.IDNumber != "" {
		if en, zh := ResidentIDProblem(d.IDNumber); en != "" {
			pr.Add("profile.idNumber", "R-DEL-02", "resident ID number: "+en, "居民身份证号码"+zh)
		} else if b, _ := ResidentIDBirth(d.IDNumber); !birth.IsZero() && b != birth {
			pr.Add("profile.idNumber", "R-DEL-02", fmt.Sprintf("holds the birth date %s, not the birth date given (%s)", b, birth),
				fmt.Sprintf("证件号中的出生日期%s与所填出生日期%s不一致", b, birth))
		}
	} else {
		short(pr, p, "profile.idNumber", d.IDNumber)
	}
	if d.Photo.ID == uuid.Nil && !d.Photo.IsZero() {
		pr.Add("profile.photo.id", "R-DEL-02", "upload the photo first and give its id", "请先上传照片")
	}
	oneOf(pr, "profile.titleLevel", d.TitleLevel, TitleLevels)
	oneOf(pr, "profile.academician", d.Academician, Academicians)
	oneOf(pr, "profile.npc", d.NPC, Levels)
	oneOf(pr, "profile.cppcc", d.CPPCC, Levels)
	for _, l := range []struct {
		path  string
		posts []Post
	}{{"profile.academicPosts", d.AcademicPosts}, {"profile.partyPosts", d.PartyPosts}} {
		if len(l.posts) > MaxPosts {
			pr.Add(l.path, "R-DEL-02", fmt.Sprintf("at most %d posts", MaxPosts), fmt.Sprintf("至多%d项", MaxPosts))
		}
		for i, post := range l.posts {
			at := fmt.Sprintf("%s[%d]", l.path, i)
			pr.Required(at+".organisation", "R-DEL-02", strings.TrimSpace(post.Organisation))
			short(pr, p, at+".kind", post.Kind)
			short(pr, p, at+".organisation", post.Organisation)
			short(pr, p, at+".role", post.Role)
		}
	}
	if d.AssociationStaff && strings.TrimSpace(d.StaffCategory) == "" {
		pr.Add("profile.staffCategory", "R-DEL-02", "required for full-time association staff", "学会或科协专职人员须填写专职人员类别")
	}
	if !d.AssociationStaff && d.StaffCategory != "" {
		pr.Add("profile.staffCategory", "R-DEL-02", "only for full-time association staff", "仅学会或科协专职人员填写专职人员类别")
	}
	if utf8.RuneCountInString(d.Resume) > p.Text.Long {
		pr.MaxChars("profile.resume", "R-DEL-02", d.Resume, p.Text.Long)
	}
}
