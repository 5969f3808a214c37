package pdfdoc

import (
	"bytes"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// RegistrationFormData is one nominee's registration form (登记表, seed 004
// fig. 2.12), every field as printed. The personal ones are empty for a
// reader who may not see them, and for an erased nominee: they print as a
// dash, so the layout stays the template's. The ID number prints whole:
// the form is the one place it is not masked.
type RegistrationFormData struct {
	Congress     string // e.g. 第九次代表大会
	Unit         string // 推荐单位
	Identity     string // 代表, 委员, ...
	Name         string
	Gender       string // 男 or 女
	BirthDate    string // 出生年月, yyyy-mm-dd
	Ethnicity    string
	Nationality  string
	Affiliations []string
	NativePlace  string // 北京市/市辖区/西城区
	Birthplace   string
	IDType       string // 居民身份证, ...
	IDNumber     string
	FullTime     string // 学历 and 学位
	FullTimeOf   string // 毕业院校 and 专业
	InService    string
	InServiceOf  string
	Mobile       string
	Email        string
	Occupation   string
	Discipline   string
	Title        string // 专业技术职务
	TitleLevel   string // 专业技术等级
	Academician  string // 中科院院士, 工程院院士, 否
	Employer     string // 工作单位及职务
	AcademicPost []string
	PartyPost    []string
	Grassroots   bool
	Staff        string // 学会或科协专职人员: 是 or 否
	StaffKind    string // 专职人员类别
	PreviousTerm string
	NPC          string // 人大代表: the level, or 否
	CPPCC        string // 政协委员: the level, or 否
	Resume       string
	Status       string // Chinese label
	// Photo is the nominee's photo (JPEG or PNG bytes), drawn in the box at
	// the top right; without one the box says 照片.
	Photo     []byte
	PhotoType string // "JPG" or "PNG"
}

// photoW is the photo box's width (a one-inch photo's proportions).
const photoW = 32

// RegistrationForms writes one registration form per nominee, each on its
// own page, in one file (R-DEL-06).
func RegistrationForms(w io.Writer, forms []RegistrationFormData, printed time.Time) error {
	d := newDoc("P", "登记表", printed)
	for i, f := range forms {
		if i > 0 {
			d.AddPage()
		}
		d.title(f.Identity+"登记表", "推举单位："+dash(f.Unit)+"    "+dash(f.Congress))
		d.registrationHead(i, f)
		d.pairs(
			"全日制教育（最高学历）", dash(f.FullTime), "毕业院校系及专业", dash(f.FullTimeOf),
			"在职教育", dash(f.InService), "毕业院校系及专业", dash(f.InServiceOf),
			"移动电话", dash(f.Mobile), "电子邮箱", dash(f.Email),
			"职业类别", dash(f.Occupation), "专业技术职务", dash(f.Title),
			"是否两院院士", dash(f.Academician), "专业技术等级", dash(f.TitleLevel),
			"学科分类", dash(f.Discipline), "证件类型", dash(f.IDType),
			"证件号码", dash(f.IDNumber),
			"工作单位及职务", dash(f.Employer),
			"学术组织任职情况", dash(strings.Join(f.AcademicPost, "；")),
			"党派及社会团体任职情况", dash(strings.Join(f.PartyPost, "；")),
			"是否为基层一线", yesNo(f.Grassroots), "审核状态", dash(f.Status),
			"学会或科协专职人员", dash(f.Staff), "专职人员类别", dash(f.StaffKind),
			"上一届全委会任职情况", dash(f.PreviousTerm),
			"人大代表", dash(f.NPC), "政协委员", dash(f.CPPCC),
			"主要学习工作经历", dash(f.Resume))
		d.signatures()
	}
	if len(forms) == 0 {
		d.title("登记表", "（无人选）")
	}
	return d.output(w)
}

// registrationHead draws the form's first rows beside the photo box, as
// the template has them.
func (d *doc) registrationHead(i int, f RegistrationFormData) {
	w := d.width() - photoW
	const lw = 26
	half := w / 2
	x0, y0 := d.GetX(), d.GetY()
	for _, r := range [][4]string{
		{"姓名", dash(f.Name), "出生年月", dash(f.BirthDate)},
		{"性别", dash(f.Gender), "国籍", dash(f.Nationality)},
		{"民族", dash(f.Ethnicity), "政治面貌", dash(strings.Join(f.Affiliations, "、"))},
		{"籍贯", dash(f.NativePlace), "出生地", dash(f.Birthplace)},
		{"身份类型", dash(f.Identity), "推举单位", dash(f.Unit)},
	} {
		d.row([]cell{{w: lw, text: r[0], label: true}, {w: half - lw, text: r[1]}, {w: lw, text: r[2], label: true}, {w: half - lw, text: r[3]}}, nil)
	}
	y1 := d.GetY()
	d.Rect(x0+w, y0, photoW, y1-y0, "D")
	drawn := false
	if len(f.Photo) > 0 && (f.PhotoType == "JPG" || f.PhotoType == "PNG") {
		name := "photo-" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		opt := fpdf.ImageOptions{ImageType: f.PhotoType}
		if info := d.RegisterImageOptionsReader(name, opt, bytes.NewReader(f.Photo)); info != nil && d.Ok() {
			bw, bh := float64(photoW-4), y1-y0-4
			iw, ih := info.Extent()
			scale := min(bw/iw, bh/ih)
			dw, dh := iw*scale, ih*scale
			d.ImageOptions(name, x0+w+2+(bw-dw)/2, y0+2+(bh-dh)/2, dw, dh, false, opt, 0, "")
			drawn = true
		}
		d.ClearError() // a photo that does not decode leaves the box empty
	}
	if !drawn {
		d.SetXY(x0+w, y0+(y1-y0)/2-d.lineH/2)
		d.CellFormat(photoW, d.lineH, "照片", "", 0, "C", false, 0, "")
	}
	d.SetXY(x0, y1)
}
