package pdfdoc

import (
	"io"
	"strings"
	"time"
)

// RegistrationFormData is one nominee's registration form (登记表, seed 004
// fig. 2.12). Fields econf does not hold yet (the personal ones wait for
// the personal-data protection) print as a dash, so the layout stays the
// template's.
type RegistrationFormData struct {
	Congress     string // e.g. 第九次代表大会
	Unit         string // 推荐单位
	Identity     string // 代表, 委员, ...
	Name         string
	Gender       string // 男 or 女
	Ethnicity    string
	Affiliations []string
	Grassroots   bool
	Status       string // Chinese label
}

// RegistrationForms writes one registration form per nominee, each on its
// own page, in one file (R-DEL-06).
func RegistrationForms(w io.Writer, forms []RegistrationFormData, printed time.Time) error {
	d := newDoc("P", "登记表", printed)
	for i, f := range forms {
		if i > 0 {
			d.AddPage()
		}
		title := f.Identity + "登记表"
		d.title(title, "推举单位："+dash(f.Unit)+"    "+dash(f.Congress))
		d.pairs("姓名", dash(f.Name), "出生年月", "—",
			"性别", dash(f.Gender), "政治面貌", dash(strings.Join(f.Affiliations, "、")),
			"民族", dash(f.Ethnicity), "身份类型", dash(f.Identity),
			"籍贯", "—", "出生地", "—",
			"全日制教育（最高学历）", "—", "毕业院校系及专业", "—",
			"在职教育", "—", "毕业院校系及专业", "—",
			"移动电话", "—", "电子邮件", "—",
			"职业类别", "—", "专业技术职务", "—",
			"是否两院院士", "—", "专业技术等级", "—",
			"工作单位及职务", "—",
			"学术组织任职情况", "—",
			"党派及社会团体任职情况", "—",
			"是否为基层一线", yesNo(f.Grassroots), "审核状态", dash(f.Status),
			"主要学习工作经历", "—")
		d.signatures()
	}
	if len(forms) == 0 {
		d.title("登记表", "（无人选）")
	}
	return d.output(w)
}
