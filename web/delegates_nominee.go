package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// A nominee's details, the seed's three pages (基本信息一、二、三, figs
// 2.4 and 2.11): every field the API takes, as tabs of one form. The form
// is prefilled from the delegation's answer (the ID number as the API
// masks it: sent back unchanged, the API keeps the one held), saved with
// one PUT, and every API error shown next to its input; the indicators
// the API computes are shown, never typed.

// nField is one input of the nominee's pages: its API path, message key,
// kind, and the choices of a select (a key of nomineeChoices).
type nField struct {
	Path, Label, Kind, Choices string
	Req                        bool
}

// nList is a repeated list of posts on a page.
type nList struct{ Path, Label string }

// nPage is one of the seed's pages.
type nPage struct {
	Key    string
	Fields []nField
	Lists  []nList
}

// maxPostRows bounds the rows of a list of posts (the API's MaxPosts).
const maxPostRows = 10

// postFields are the inputs of a post's row.
var postFields = []string{"kind", "organisation", "role"}

var nomineePages = []nPage{
	{Key: "d_page1", Fields: []nField{
		{Path: "name", Label: "d_nominee_name", Kind: "text", Req: true},
		{Path: "profile.gender", Label: "d_f_gender", Kind: "select", Choices: "gender", Req: true},
		{Path: "profile.ethnicity", Label: "d_f_ethnicity", Kind: "text", Req: true},
		{Path: "birthDate", Label: "d_f_birthDate", Kind: "date", Req: true},
		{Path: "profile.nationality", Label: "d_f_nationality", Kind: "text"},
		{Path: "profile.nativePlace.province", Label: "d_f_nativePlace_province", Kind: "text"},
		{Path: "profile.nativePlace.city", Label: "d_f_nativePlace_city", Kind: "text"},
		{Path: "profile.nativePlace.district", Label: "d_f_nativePlace_district", Kind: "text"},
		{Path: "profile.birthplace.province", Label: "d_f_birthplace_province", Kind: "text"},
		{Path: "profile.birthplace.city", Label: "d_f_birthplace_city", Kind: "text"},
		{Path: "profile.birthplace.district", Label: "d_f_birthplace_district", Kind: "text"},
		{Path: "profile.email", Label: "d_f_email", Kind: "email"},
		{Path: "profile.mobile", Label: "d_f_mobile", Kind: "tel"},
		{Path: "profile.affiliations[0]", Label: "d_f_affiliations", Kind: "select", Choices: "party", Req: true},
		{Path: "profile.affiliations[1]", Label: "d_f_party2", Kind: "select", Choices: "party"},
		{Path: "profile.occupation", Label: "d_f_occupation", Kind: "text"},
		{Path: "profile.occupationDetail", Label: "d_f_occupationDetail", Kind: "text"},
		{Path: "profile.idType", Label: "d_f_idType", Kind: "select", Choices: "idType"},
		{Path: "profile.idNumber", Label: "d_f_idNumber", Kind: "text"},
		{Path: "profile.photo", Label: "d_f_photo", Kind: "file"},
	}},
	{Key: "d_page2", Fields: []nField{
		{Path: "profile.fullTimeEducation.level", Label: "d_f_ft_level", Kind: "select", Choices: "eduLevel"},
		{Path: "profile.fullTimeEducation.degree", Label: "d_f_ft_degree", Kind: "select", Choices: "degree"},
		{Path: "profile.fullTimeEducation.school", Label: "d_f_ft_school", Kind: "text"},
		{Path: "profile.fullTimeEducation.major", Label: "d_f_ft_major", Kind: "text"},
		{Path: "profile.inServiceEducation.level", Label: "d_f_is_level", Kind: "select", Choices: "eduLevel"},
		{Path: "profile.inServiceEducation.degree", Label: "d_f_is_degree", Kind: "select", Choices: "degree"},
		{Path: "profile.inServiceEducation.school", Label: "d_f_is_school", Kind: "text"},
		{Path: "profile.inServiceEducation.major", Label: "d_f_is_major", Kind: "text"},
		{Path: "profile.discipline", Label: "d_f_discipline", Kind: "text"},
		{Path: "profile.title", Label: "d_f_title", Kind: "text"},
		{Path: "profile.titleLevel", Label: "d_f_titleLevel", Kind: "select", Choices: "titleLevel"},
		{Path: "profile.academician", Label: "d_f_academician", Kind: "select", Choices: "academician"},
		{Path: "profile.employer", Label: "d_f_employer", Kind: "text"},
		{Path: "profile.position", Label: "d_f_position", Kind: "text"},
	}},
	{Key: "d_page3", Fields: []nField{
		{Path: "profile.grassroots", Label: "d_f_grassroots", Kind: "checkbox"},
		{Path: "profile.associationStaff", Label: "d_f_associationStaff", Kind: "checkbox"},
		{Path: "profile.staffCategory", Label: "d_f_staffCategory", Kind: "text"},
		{Path: "profile.previousTerm", Label: "d_f_previousTerm", Kind: "text"},
		{Path: "profile.npc", Label: "d_f_npc", Kind: "select", Choices: "level"},
		{Path: "profile.cppcc", Label: "d_f_cppcc", Kind: "select", Choices: "level"},
		{Path: "profile.resume", Label: "d_f_resume", Kind: "textarea"},
	}, Lists: []nList{{"profile.academicPosts", "d_f_academicPosts"}, {"profile.partyPosts", "d_f_partyPosts"}}},
}

// The choices of the nominee's selects: value and message key ("" for a
// value shown as it is).
var nomineeChoices = map[string][][2]string{
	"gender": {{"male", "d_male"}, {"female", "d_female"}},
	"idType": {{"resident_id", "d_idt_resident_id"}, {"passport", "d_idt_passport"}, {"hk_macau_permit", "d_idt_hk_macau_permit"},
		{"taiwan_permit", "d_idt_taiwan_permit"}, {"foreign_permanent_resident", "d_idt_foreign_permanent_resident"}, {"other", "d_idt_other"}},
	"eduLevel":    {{"博士研究生", ""}, {"硕士研究生", ""}, {"大学本科", ""}, {"大学专科", ""}, {"中等专科", ""}, {"高中及以下", ""}},
	"degree":      {{"博士", ""}, {"硕士", ""}, {"学士", ""}, {"无", ""}},
	"titleLevel":  {{"正高级", ""}, {"副高级", ""}, {"中级", ""}, {"初级", ""}, {"无", ""}},
	"academician": {{"cas", "d_acad_cas"}, {"cae", "d_acad_cae"}, {"both", "d_acad_both"}},
	"level":       {{"全国", ""}, {"省级", ""}, {"市级", ""}, {"县级", ""}, {"乡镇", ""}},
}

func init() {
	for _, p := range affiliations {
		nomineeChoices["party"] = append(nomineeChoices["party"], [2]string{p, ""})
	}
}

// NomineeField is the input of f with its choices, value, error and,
// for the photo, the upload it holds.
func (v *view) NomineeField(f nField) field {
	fl := v.Field(f.Path, f.Label, f.Kind)
	fl.Required = f.Req
	if f.Choices != "" {
		var opts []option
		for _, c := range nomineeChoices[f.Choices] {
			label := c[0]
			if c[1] != "" {
				label = v.T(c[1])
			}
			opts = append(opts, option{c[0], label})
		}
		fl = fl.WithOptions(opts)
	}
	switch f.Path {
	case "profile.photo":
		fl.File = attachmentOf(v.Form, f.Path)
		fl.Hint = v.T("d_photo_hint")
	case "profile.idNumber":
		fl.Hint = v.T("d_idnumber_hint")
	}
	return fl
}

// postRow is one row of a list of posts in the form.
type postRow struct {
	N      int
	Fields []field
}

// PostRows are the rows of a list of posts: those the form holds and one
// empty row more, up to maxPostRows.
func (v *view) PostRows(l nList) []postRow {
	n := min(postCount(v.Form, l.Path)+1, maxPostRows)
	if c, err := strconv.Atoi(v.Form[l.Path+".rows"]); err == nil && c > n {
		n = min(c, maxPostRows)
	}
	rows := make([]postRow, n)
	for i := range rows {
		rows[i].N = i + 1
		for _, f := range postFields {
			rows[i].Fields = append(rows[i].Fields, v.Field(fmt.Sprintf("%s[%d].%s", l.Path, i, f), "d_post_"+f, "text"))
		}
	}
	return rows
}

// postCount is the number of rows of a list the form holds.
func postCount(form map[string]string, list string) int {
	n := 0
	for i := range maxPostRows {
		for _, f := range postFields {
			if form[fmt.Sprintf("%s[%d].%s", list, i, f)] != "" {
				n = i + 1
			}
		}
	}
	return n
}

// flattenForm puts a JSON value into the form by its API paths: objects
// dotted, arrays indexed, true as a ticked checkbox.
func flattenForm(form map[string]string, path string, x any) {
	switch x := x.(type) {
	case map[string]any:
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flattenForm(form, p, e)
		}
	case []any:
		for i, e := range x {
			flattenForm(form, fmt.Sprintf("%s[%d]", path, i), e)
		}
	case bool:
		if x {
			form[path] = "on"
		}
	case string:
		form[path] = x
	case float64:
		form[path] = strconv.FormatFloat(x, 'f', -1, 64)
	}
}

// nomineeDetailsBody reads the three pages into the API's body, keeping
// every value in the form. A list's empty rows are dropped and the rest
// moved up in the form too, so the API's row is the form's.
func (s *Server) nomineeDetailsBody(r *http.Request, v *view) map[string]any {
	profile := map[string]any{}
	body := map[string]any{"profile": profile}
	for _, pg := range nomineePages {
		for _, f := range pg.Fields {
			switch {
			case f.Kind == "file":
				if up, ok := s.uploaded(r, v, f.Path, "nominee_photo"); ok {
					profile["photo"] = up
				}
				continue
			case f.Kind == "checkbox":
				if r.PostFormValue(f.Path) != "" {
					v.Form[f.Path] = "on"
				}
				setPath(profile, strings.TrimPrefix(f.Path, "profile."), v.Form[f.Path] == "on")
				continue
			}
			raw := r.PostFormValue(f.Path)
			val := strings.TrimSpace(raw)
			if f.Kind == "textarea" {
				val = strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
			}
			v.Form[f.Path] = val
			switch {
			case val == "" || strings.HasPrefix(f.Path, "profile.affiliations["):
			case f.Path == "name" || f.Path == "birthDate":
				body[f.Path] = val
			default:
				setPath(profile, strings.TrimPrefix(f.Path, "profile."), val)
			}
		}
		for _, l := range pg.Lists {
			var posts []any
			for i := range maxPostRows {
				row := map[string]any{}
				for _, f := range postFields {
					p := fmt.Sprintf("%s[%d].%s", l.Path, i, f)
					if x := strings.TrimSpace(r.PostFormValue(p)); x != "" {
						row[f] = x
					}
				}
				if len(row) == 0 {
					continue
				}
				for _, f := range postFields {
					x, _ := row[f].(string)
					v.Form[fmt.Sprintf("%s[%d].%s", l.Path, len(posts), f)] = x
				}
				posts = append(posts, row)
			}
			if posts != nil {
				profile[strings.TrimPrefix(l.Path, "profile.")] = posts
			}
		}
	}
	parties := []string{}
	for _, p := range []string{v.Form["profile.affiliations[0]"], v.Form["profile.affiliations[1]"]} {
		if p != "" {
			parties = append(parties, p)
		}
	}
	profile["affiliations"] = parties
	if _, ok := body["name"]; !ok {
		body["name"] = ""
	}
	return body
}

// fillNominee prefills the form from the nominee as the API answered it
// (the delegation's nominees, raw).
func fillNominee(v *view, raw map[string]any) {
	for _, k := range []string{"name", "birthDate"} {
		if s, ok := raw[k].(string); ok {
			v.Form[k] = s
		}
	}
	if p, ok := raw["profile"].(map[string]any); ok {
		flattenForm(v.Form, "profile", p)
	}
}

// rawNominee finds a nominee in a delegation's answer, as JSON values.
func rawNominee(a *answer, id string) map[string]any {
	var d struct {
		Nominees []map[string]any `json:"nominees"`
	}
	if a.decode(&d) != nil {
		return nil
	}
	for _, n := range d.Nominees {
		if n["id"] == id {
			return n
		}
	}
	return nil
}

var postPath = regexp.MustCompile(`^(profile\.(?:academicPosts|partyPosts))(?:\[(\d+)\](?:\.(\w+))?)?$`)

// nomineeLabel names a path of the nominee's pages ("" when none).
func (v *view) nomineeLabel(path string) string {
	for _, pg := range nomineePages {
		for _, f := range pg.Fields {
			if f.Path == path {
				return v.T(pg.Key) + " · " + v.T(f.Label)
			}
		}
		for _, l := range pg.Lists {
			m := postPath.FindStringSubmatch(path)
			if m == nil || m[1] != l.Path {
				continue
			}
			out := v.T(pg.Key) + " · " + v.T(l.Label)
			if m[2] != "" {
				i, _ := strconv.Atoi(m[2])
				out += " " + v.Tf("row_n", i+1)
			}
			if m[3] != "" {
				out += " · " + v.T("d_post_"+m[3])
			}
			return out
		}
	}
	return ""
}

// nomineePath is the input an API error of the nominee's form belongs to.
func nomineePath(path string) string {
	path = strings.TrimPrefix(path, "body:")
	switch {
	case path == "profile.affiliations":
		return "profile.affiliations[0]"
	case strings.HasPrefix(path, "profile.photo"):
		return "profile.photo"
	case path == "profile.fullTimeEducation" || path == "profile.inServiceEducation":
		return path + ".level"
	}
	return path
}

// indicatorItem is one indicator the API computed: counted or not.
type indicatorItem struct {
	Label string
	On    bool
}

// NomineeIndicators are a nominee's indicators as the API computed them.
func (v *view) NomineeIndicators(in map[string]bool) []indicatorItem {
	keys := map[string]string{"grassroots": "grassroots", "under45": "under45", "minority": "minority", "democraticParty": "democraticParty", "woman": "women"}
	var out []indicatorItem
	for _, k := range []string{"grassroots", "under45", "minority", "democraticParty", "woman"} {
		out = append(out, indicatorItem{v.T("d_ind_" + keys[k]), in[k]})
	}
	return out
}

var _ = addMsgs(nomineeMsgs)

var nomineeMsgs = map[string][2]string{
	"d_page1":                          {"基本信息（一）", "Details (1): person and contact"},
	"d_page2":                          {"基本信息（二）", "Details (2): education and profession"},
	"d_page3":                          {"基本信息（三）", "Details (3): posts and résumé"},
	"d_pages":                          {"人员基本信息", "The nominee's details"},
	"d_f_nationality":                  {"国籍", "Nationality"},
	"d_f_nativePlace_province":         {"籍贯（省）", "Native place: province"},
	"d_f_nativePlace_city":             {"籍贯（市）", "Native place: city"},
	"d_f_nativePlace_district":         {"籍贯（区县）", "Native place: district"},
	"d_f_birthplace_province":          {"出生地（省）", "Birthplace: province"},
	"d_f_birthplace_city":              {"出生地（市）", "Birthplace: city"},
	"d_f_birthplace_district":          {"出生地（区县）", "Birthplace: district"},
	"d_f_email":                        {"邮箱", "Email"},
	"d_f_mobile":                       {"手机", "Mobile"},
	"d_f_occupation":                   {"职业类别", "Occupation category"},
	"d_f_occupationDetail":             {"职业类别（细类）", "Occupation (detail)"},
	"d_f_idType":                       {"证件类型", "ID type"},
	"d_f_idNumber":                     {"证件号", "ID number"},
	"d_f_photo":                        {"照片", "Photo"},
	"d_f_ft_level":                     {"全日制教育 · 学历", "Full-time education: level"},
	"d_f_ft_degree":                    {"全日制教育 · 学位", "Full-time education: degree"},
	"d_f_ft_school":                    {"全日制教育 · 毕业院校", "Full-time education: school"},
	"d_f_ft_major":                     {"全日制教育 · 所学专业", "Full-time education: major"},
	"d_f_is_level":                     {"在职教育 · 学历", "In-service education: level"},
	"d_f_is_degree":                    {"在职教育 · 学位", "In-service education: degree"},
	"d_f_is_school":                    {"在职教育 · 毕业院校", "In-service education: school"},
	"d_f_is_major":                     {"在职教育 · 所学专业", "In-service education: major"},
	"d_f_discipline":                   {"学科分类", "Discipline"},
	"d_f_title":                        {"专业技术职务", "Professional title"},
	"d_f_titleLevel":                   {"专业技术等级", "Title level"},
	"d_f_academician":                  {"是否两院院士", "Academician"},
	"d_f_employer":                     {"工作单位", "Employer"},
	"d_f_position":                     {"职务", "Position"},
	"d_f_associationStaff":             {"学会或科协专职人员", "Full-time association staff"},
	"d_f_staffCategory":                {"专职人员类别", "Staff category"},
	"d_f_previousTerm":                 {"上一届全委会任职情况", "Posts in the previous term"},
	"d_f_npc":                          {"人大代表", "People's congress deputy"},
	"d_f_cppcc":                        {"政协委员", "CPPCC member"},
	"d_f_resume":                       {"个人简历", "Résumé"},
	"d_f_academicPosts":                {"学术组织任职情况", "Posts in academic organisations"},
	"d_f_partyPosts":                   {"党派及社会团体任职情况", "Posts in parties and social organisations"},
	"d_post_kind":                      {"组织类别", "Kind of organisation"},
	"d_post_organisation":              {"组织名称", "Organisation"},
	"d_post_role":                      {"职务", "Post"},
	"d_idt_resident_id":                {"居民身份证", "Resident ID card"},
	"d_idt_passport":                   {"护照", "Passport"},
	"d_idt_hk_macau_permit":            {"港澳居民来往内地通行证", "Hong Kong and Macao permit"},
	"d_idt_taiwan_permit":              {"台湾居民来往大陆通行证", "Taiwan permit"},
	"d_idt_foreign_permanent_resident": {"外国人永久居留身份证", "Foreign permanent resident ID"},
	"d_idt_other":                      {"其他", "Other"},
	"d_acad_cas":                       {"中科院院士", "Academician of the CAS"},
	"d_acad_cae":                       {"工程院院士", "Academician of the CAE"},
	"d_acad_both":                      {"中科院院士、工程院院士", "Academician of both"},
	"d_photo_hint":                     {"JPG或PNG图片，不超过5 MB；选择新图片即替换原照片。", "A JPG or PNG image up to 5 MB; a new one replaces the photo."},
	"d_idnumber_hint":                  {"证件号以脱敏形式显示；不修改即保留原证件号。", "The ID number is shown masked; left as it is, the number held is kept."},
	"d_age":                            {"年龄（基准日期）", "Age at the reference date"},
	"d_indicators":                     {"计入指标（系统计算）", "Indicators (computed)"},
	"d_indicators_hint":                {"指标由出生日期、民族、政治面貌、性别和基层标记计算，不可手工填写。", "Computed from the birth date, ethnic group, affiliations, gender and the grassroots flag; never typed."},
}
