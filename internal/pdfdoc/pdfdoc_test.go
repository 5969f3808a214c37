package pdfdoc

import (
	"bytes"
	"fmt"
	"github.com/econf/econf/domain/declaration"
	"image"
	"image/png"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
)

func sample() ForecastFormData {
	return ForecastFormData{
		ID:      "7c1e4d2a-0000-4000-8000-000000000001",
		Version: 3,
		Status:  forecast.StatusUnitApproved,
		Printed: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		Details: forecast.Details{
			Applicant: forecast.Applicant{Name: "张三", StaffNo: "S1024", Title: "教授", Unit: "物理学院",
				Department: "凝聚态物理系", Mobile: "13800138000", Email: "zhangsan@example.org"},
			NameZh:               "第十届国际凝聚态物理研讨会",
			NameEn:               "The 10th International Workshop on Condensed Matter Physics (IWCMP)",
			StartDate:            domain.Date{Year: 2026, Month: 10, Day: 12},
			CommitmentDate:       domain.Date{Year: 2026, Month: 5, Day: 1},
			Local:                false,
			Province:             "浙江省杭州市",
			Address:              "西湖区文三路100号国际会议中心",
			OffsiteJustification: "合作方所在地，便于参观实验室",
			Type:                 classify.NaturalScience,
			Scale:                classify.General,
			ChineseCount:         120,
			ForeignCount:         45,
			Flags:                classify.Flags{NationalLeaders: true},
			Organisations: []forecast.Organisation{
				{Role: forecast.Host, NameZh: "某某大学", NameEn: "Some University"},
				{Role: forecast.CoOrganiser, NameZh: "中国物理学会", NameEn: "Chinese Physical Society"},
			},
			FundingSource: "学校专项经费（括号）与会议注册费",
			Remarks:       "无特殊说明\\反斜杠",
		},
	}
}

func render(t *testing.T, f func(*bytes.Buffer) error) []byte {
	t.Helper()
	compress = false
	defer func() { compress = true }()
	var buf bytes.Buffer
	if err := f(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestForecastFormText(t *testing.T) {
	v := sample()
	pdf := render(t, func(b *bytes.Buffer) error { return ForecastForm(b, v) })
	checkStructure(t, pdf, 1)
	text := extractText(t, pdf)
	flat := strings.ReplaceAll(text, "\n", "") // wrapped values continue on the next line
	d := v.Details
	for _, want := range []string{
		"国际会议预报申请表", v.ID, "打印日期：2026-03-02", "版本：3",
		d.Applicant.Name, d.Applicant.StaffNo, d.Applicant.Title, d.Applicant.Unit, d.Applicant.Department,
		d.Applicant.Mobile, d.Applicant.Email, d.NameZh, "开会时间", "2026-10-12", "2026-05-01",
		"否", d.Province, d.Address, d.OffsiteJustification, "自然科学", "一般国际会议",
		"120", "45", "165", "单位初审通过", "邀请党和国家领导人出席",
		"主办", "某某大学", "Some University", "协办", "中国物理学会", "Chinese Physical Society",
		d.FundingSource, d.Remarks, "单位负责人签字：", "单位盖章：", "日期：",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("extracted text lacks %q\n--- text ---\n%s", want, text)
		}
	}
	// The long English name wraps; its words must all be there, in order.
	if !strings.Contains(strings.Join(strings.Fields(text), " "), "International Workshop on") {
		t.Errorf("English name missing:\n%s", text)
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		// Cross-check with a real reader when the machine has one.
		f := t.TempDir() + "/f.pdf"
		if err := os.WriteFile(f, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, f, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{d.NameZh, d.Applicant.Name, "单位负责人签字"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("pdftotext lacks %q:\n%s", want, out)
			}
		}
	}
}

func TestForecastFormDeterministic(t *testing.T) {
	v := sample()
	var a, b bytes.Buffer
	if err := ForecastForm(&a, v); err != nil {
		t.Fatal(err)
	}
	if err := ForecastForm(&b, v); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two renderings differ")
	}
	checkStructure(t, a.Bytes(), 1)
}

func TestApprovalLogText(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 30, 0, 0, time.UTC)
	var rows []LogRow
	for i := range 40 { // enough for a page break with a repeated header
		rows = append(rows, LogRow{At: at.Add(time.Duration(i) * time.Hour), Action: "单位初审通过", Actor: fmt.Sprintf("李四%d", i),
			Role: "单位管理员", Comment: "同意。材料齐全，请学校审核。", StatusBefore: "个人申请", StatusAfter: "单位初审通过"})
	}
	pdf := render(t, func(b *bytes.Buffer) error { return ApprovalLog(b, "预报报批日志", rows) })
	pages := checkStructure(t, pdf, 0)
	if pages < 2 {
		t.Errorf("pages = %d, want a page break", pages)
	}
	text := extractText(t, pdf)
	for _, want := range []string{"预报报批日志", "共 40 条记录", "时间", "操作人", "状态变更",
		"2026-03-01 10:30", "李四0", "李四39", "同意。材料齐全，请学校审核。", "个人申请 → 单位初审通过"} {
		if !strings.Contains(text, want) {
			t.Errorf("extracted text lacks %q", want)
		}
	}
	if n := strings.Count(text, "状态变更"); n != pages {
		t.Errorf("header printed %d times on %d pages", n, pages)
	}

	empty := render(t, func(b *bytes.Buffer) error { return ApprovalLog(b, "日志", nil) })
	checkStructure(t, empty, 1)
	if !strings.Contains(extractText(t, empty), "（无记录）") {
		t.Error("empty log lacks its placeholder")
	}
}

// checkStructure verifies header, trailer, the embedded font and, when
// want > 0, the page count; it returns the page count.
func checkStructure(t *testing.T, pdf []byte, want int) int {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.")) {
		t.Fatalf("no PDF header: %q", pdf[:min(len(pdf), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(pdf, "\r\n"), []byte("%%EOF")) || !bytes.Contains(pdf, []byte("trailer")) ||
		!bytes.Contains(pdf, []byte("startxref")) {
		t.Fatal("no PDF trailer")
	}
	for _, s := range []string{"/FontFile2", "/Subtype /CIDFontType2", "/ToUnicode"} {
		if !bytes.Contains(pdf, []byte(s)) {
			t.Errorf("font not embedded: no %s", s)
		}
	}
	m := regexp.MustCompile(`/Type /Pages\s*/Kids \[[^\]]*\]\s*/Count (\d+)`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no page tree")
	}
	n, _ := strconv.Atoi(string(m[1]))
	if got := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(pdf, -1)); got != n {
		t.Errorf("page objects = %d, /Count = %d", got, n)
	}
	if want > 0 && n != want {
		t.Errorf("pages = %d, want %d", n, want)
	}
	return n
}

// extractText reads the text back from an uncompressed PDF: it takes every
// page content stream, pulls the string operands of Tj and TJ, and maps
// their two-byte codes through the font's ToUnicode CMap. Lines are
// joined with newlines, strings within a TJ array without separators.
func extractText(t *testing.T, pdf []byte) string {
	t.Helper()
	objs := objects(t, pdf)
	cmap := map[uint16]rune{}
	for _, o := range objs {
		if bytes.Contains(o.stream, []byte("begincmap")) {
			parseCMap(t, o.stream, cmap)
		}
	}
	if len(cmap) == 0 {
		t.Fatal("no ToUnicode CMap")
	}
	var contents []int
	for _, o := range objs {
		if regexp.MustCompile(`/Type /Page\b[^s]`).Match(o.dict) {
			m := regexp.MustCompile(`/Contents (\d+) 0 R`).FindSubmatch(o.dict)
			if m == nil {
				t.Fatal("page without contents")
			}
			n, _ := strconv.Atoi(string(m[1]))
			contents = append(contents, n)
		}
	}
	var out strings.Builder
	for _, n := range contents {
		o, ok := objs[n]
		if !ok || o.stream == nil {
			t.Fatalf("contents object %d missing", n)
		}
		if bytes.Contains(o.dict, []byte("/Filter")) {
			t.Fatalf("contents object %d is compressed", n)
		}
		for _, s := range showStrings(t, o.stream) {
			if len(s)%2 != 0 {
				t.Fatalf("odd-length code string %q", s)
			}
			for i := 0; i < len(s); i += 2 {
				code := uint16(s[i])<<8 | uint16(s[i+1])
				r, ok := cmap[code]
				if !ok {
					t.Fatalf("code %04X not in the CMap", code)
				}
				out.WriteRune(r)
			}
			out.WriteByte('\n')
		}
	}
	return out.String()
}

type object struct{ dict, stream []byte }

var objRE = regexp.MustCompile(`(?s)(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n|endobj)`)

// objects indexes the PDF's objects by number; streams are cut by /Length.
func objects(t *testing.T, pdf []byte) map[int]object {
	t.Helper()
	objs := map[int]object{}
	pos := 0
	for {
		m := objRE.FindSubmatchIndex(pdf[pos:])
		if m == nil {
			break
		}
		n, _ := strconv.Atoi(string(pdf[pos+m[2] : pos+m[3]]))
		o := object{dict: pdf[pos+m[4] : pos+m[5]]}
		next := pos + m[1]
		if bytes.HasPrefix(pdf[pos+m[6]:], []byte("stream")) {
			lm := regexp.MustCompile(`/Length (\d+)`).FindSubmatch(o.dict)
			if lm == nil {
				t.Fatalf("object %d: stream without /Length", n)
			}
			l, _ := strconv.Atoi(string(lm[1]))
			o.stream = pdf[next : next+l]
			next += l
		}
		objs[n] = o
		pos = next
	}
	return objs
}

// parseCMap reads bfchar and bfrange entries of a ToUnicode CMap.
func parseCMap(t *testing.T, s []byte, into map[uint16]rune) {
	t.Helper()
	hex := func(b []byte) uint64 {
		v, err := strconv.ParseUint(string(b), 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, m := range regexp.MustCompile(`(?s)beginbfrange(.*?)endbfrange`).FindAllSubmatch(s, -1) {
		for _, r := range regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`).FindAllSubmatch(m[1], -1) {
			lo, hi, dst := hex(r[1]), hex(r[2]), hex(r[3])
			for c := lo; c <= hi; c++ {
				into[uint16(c)] = rune(dst + c - lo)
			}
		}
	}
	for _, m := range regexp.MustCompile(`(?s)beginbfchar(.*?)endbfchar`).FindAllSubmatch(s, -1) {
		for _, r := range regexp.MustCompile(`<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>`).FindAllSubmatch(m[1], -1) {
			into[uint16(hex(r[1]))] = rune(hex(r[2]))
		}
	}
}

// showStrings returns the operands of the text-showing operators in a
// content stream: literal (…) and hex <…> strings, one entry per Tj and
// per TJ array (whose parts are concatenated).
func showStrings(t *testing.T, s []byte) [][]byte {
	t.Helper()
	var out [][]byte
	var pending []byte // strings since the last operator
	inArray := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '(':
			var b []byte
			depth := 1
			for i++; i < len(s); i++ {
				c := s[i]
				if c == '\\' && i+1 < len(s) {
					i++
					switch e := s[i]; e {
					case 'n':
						b = append(b, '\n')
					case 'r':
						b = append(b, '\r')
					case 't':
						b = append(b, '\t')
					case 'b':
						b = append(b, '\b')
					case 'f':
						b = append(b, '\f')
					case '\n':
					default:
						if e >= '0' && e <= '7' {
							v, j := 0, 0
							for ; j < 3 && i+j < len(s) && s[i+j] >= '0' && s[i+j] <= '7'; j++ {
								v = v*8 + int(s[i+j]-'0')
							}
							i += j - 1
							b = append(b, byte(v))
						} else {
							b = append(b, e)
						}
					}
					continue
				}
				if c == '(' {
					depth++
				} else if c == ')' {
					if depth--; depth == 0 {
						break
					}
				}
				b = append(b, c)
			}
			pending = append(pending, b...)
		case c == '<' && i+1 < len(s) && s[i+1] != '<':
			j := bytes.IndexByte(s[i:], '>')
			h := bytes.Join(bytes.Fields(s[i+1:i+j]), nil)
			if len(h)%2 == 1 {
				h = append(h, '0')
			}
			for k := 0; k < len(h); k += 2 {
				v, err := strconv.ParseUint(string(h[k:k+2]), 16, 8)
				if err != nil {
					t.Fatal(err)
				}
				pending = append(pending, byte(v))
			}
			i += j
		case c == '[':
			inArray = true
		case c == ']':
			inArray = false
		case !inArray && (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '\'' || c == '"'):
			j := i
			for j < len(s) && (s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] == '*' || s[j] == '\'' || s[j] == '"') {
				j++
			}
			switch string(s[i:j]) {
			case "Tj", "TJ", "'", "\"":
				out = append(out, pending)
			}
			pending = nil
			i = j - 1
		}
	}
	return out
}

// R-DECL-17: the approval form carries the declaration's fields and the
// three signature boxes, and its text reads back.
func TestDeclarationFormText(t *testing.T) {
	v := DeclarationFormData{ID: "3f2a0000-0000-4000-8000-000000000009", Status: "单位初审通过", Printed: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC),
		Form: declaration.Form{
			Applicant: declaration.Applicant{Name: "王五", Title: "研究员", Unit: "某某大学", Department: "化学学院", Mobile: "13900000000", Email: "w5@example.edu.cn"},
			Basic: declaration.Basic{NameZh: "催化化学国际研讨会", NameEn: "International Workshop on Catalysis",
				StartDate: domain.Date{Year: 2027, Month: 4, Day: 20}, EndDate: domain.Date{Year: 2027, Month: 4, Day: 22},
				Location: declaration.Local, Province: "湖北省", Address: "某某路1号", Type: classify.NaturalScience, Scale: classify.General},
			Attendance: declaration.Attendance{Foreign: 40, Mainland: 100, HKMacaoTaiwan: 10},
			Hosting:    []declaration.Organisation{{Role: forecast.Host, NameZh: "某某大学", NameEn: "Some University"}},
			Budget:     []declaration.BudgetLine{{Source: declaration.SelfRaised, Amount: "50000.00"}, {Source: declaration.RegistrationFees, Amount: "80000.50"}},
			Content:    declaration.Content{Theme: "绿色催化", Topics: []string{"单原子催化", "电催化"}, TaiwanStatement: "不涉及台湾问题。", Background: "促进交流。"},
			People:     declaration.People{Chairs: []declaration.Person{{Name: "赵主席", Nationality: "中国", Institution: "某某大学", Title: "教授"}}},
			Contacts:   []declaration.Contact{{Kind: declaration.ConferenceContact, Name: "钱会务", Phone: "027-00000000", Email: "c@example.edu.cn"}},
		},
		Lead: declaration.Lead{Category: classify.General, Filing: declaration.FilingOnline, FileBy: domain.Date{Year: 2027, Month: 1, Day: 20}},
	}
	pdf := render(t, func(b *bytes.Buffer) error { return DeclarationForm(b, v) })
	checkStructure(t, pdf, 0)
	if out := os.Getenv("ECONF_PDF_SAMPLE"); out != "" { // to look at it: ECONF_PDF_SAMPLE=/tmp/form.pdf
		if err := os.WriteFile(out, pdf, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flat := strings.ReplaceAll(extractText(t, pdf), "\n", "")
	for _, want := range []string{"在华举办国际会议审批表", v.ID, "王五", "催化化学国际研讨会", "2027-04-20", "2027-04-22", "会期（天）", "3",
		"150", "40", "某某大学", "Some University", "130000.50 元", "绿色催化", "单原子催化；电催化", "赵主席", "钱会务",
		"在线提交请示文", "2027-01-20", "学院负责人签字：", "党委负责人签字：", "单位盖章："} {
		if !strings.Contains(flat, want) {
			t.Errorf("approval form lacks %q", want)
		}
	}
}

// TestRegistrationFormsText checks the registration forms (R-DEL-06) field
// by field, one page per nominee: every personal field in the template's
// place, the ID number whole, the photo drawn; a form without the
// personal fields (a reader who may not see them) prints dashes.
func TestRegistrationFormsTextR_DEL_06(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 120, 160))
	var photo bytes.Buffer
	if err := png.Encode(&photo, img); err != nil {
		t.Fatal(err)
	}
	forms := []RegistrationFormData{
		{Congress: "第九次代表大会", Unit: "计算机学院", Identity: "委员", Name: "张某某", Gender: "女", BirthDate: "1982-03-01", Ethnicity: "蒙古族",
			Nationality: "中国", Affiliations: []string{"中国民主同盟", "中国共产党党员"}, NativePlace: "北京市/市辖区/西城区", Birthplace: "内蒙古自治区/呼和浩特市",
			IDType: "居民身份证", IDNumber: "15010219820301004X", FullTime: "博士研究生 博士", FullTimeOf: "某某大学 计算机科学",
			InService: "硕士研究生 硕士", InServiceOf: "某某学院 管理学", Mobile: "13900000123", Email: "nominee.test@example.edu.cn",
			Occupation: "科研人员 高等学校", Discipline: "数学", Title: "教授", TitleLevel: "正高级", Academician: "工程院院士", Employer: "某某大学 院长",
			AcademicPost: []string{"全国学会 某学会 理事"}, PartyPost: []string{"其他社会组织 某协会 会员"}, Grassroots: true, Staff: "是", StaffKind: "农技协",
			PreviousTerm: "常务委员", NPC: "省级", CPPCC: "市级", Resume: "1999年至今 某某大学", Status: "终审审核通过",
			Photo: photo.Bytes(), PhotoType: "PNG"},
		{Congress: "第九次代表大会", Unit: "计算机学院", Identity: "代表", Grassroots: false, Status: "初审通过已上报/终审待审核"},
	}
	pdf := render(t, func(b *bytes.Buffer) error {
		return RegistrationForms(b, forms, time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
	})
	checkStructure(t, pdf, 2)
	flat := strings.ReplaceAll(extractText(t, pdf), "\n", "")
	for _, want := range []string{
		"委员登记表", "代表登记表", "推举单位：计算机学院", "第九次代表大会",
		"姓名张某某", "出生年月1982-03-01", "性别女", "国籍中国", "民族蒙古族", "政治面貌中国民主同盟、中国共产党党员",
		"籍贯北京市/市辖区/西城区", "出生地内蒙古自治区/呼和浩特市", "全日制教育（最高学历）博士研究生 博士", "毕业院校系及专业某某大学 计算机科学",
		"在职教育硕士研究生 硕士", "毕业院校系及专业某某学院 管理学", "移动电话13900000123", "电子邮箱nominee.test@example.edu.cn",
		"职业类别科研人员 高等学校", "专业技术职务教授", "是否两院院士工程院院士", "专业技术等级正高级", "学科分类数学", "证件类型居民身份证",
		"证件号码15010219820301004X", "工作单位及职务某某大学 院长", "学术组织任职情况全国学会 某学会 理事", "党派及社会团体任职情况其他社会组织 某协会 会员",
		"是否为基层一线是", "审核状态终审审核通过", "学会或科协专职人员是", "专职人员类别农技协", "上一届全委会任职情况常务委员",
		"人大代表省级", "政协委员市级", "主要学习工作经历1999年至今 某某大学",
		"审核状态初审通过已上报/终审待审核", "姓名—", "证件号码—", "照片",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("registration forms lack %q", want)
		}
	}
	if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
		t.Error("the photo is not drawn")
	}
}
