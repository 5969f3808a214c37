package funding

import (
	"fmt"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/google/uuid"
)

// maxFen bounds an amount (one trillion yuan) so sums cannot overflow; a
// shape limit, not a business rule.
const maxFen = 100_000_000_000_000

// Check validates an application under the policy's funding rules and
// text limits, every problem at once with its field path and rule id, and
// answers its flags. The application is trimmed in place.
func Check(app *Application, r policy.FundingRules, t policy.TextLimits) (Flags, error) {
	var pr domain.Problems
	c := &app.Conference
	c.NameZh, c.NameEn, c.City = strings.TrimSpace(c.NameZh), strings.TrimSpace(c.NameEn), strings.TrimSpace(c.City)
	if pr.Required("conference.nameZh", "SCHEMA", c.NameZh) {
		pr.MaxChars("conference.nameZh", "SCHEMA", c.NameZh, t.Short)
	}
	pr.MaxChars("conference.nameEn", "SCHEMA", c.NameEn, t.Short)
	if pr.Required("conference.city", "SCHEMA", c.City) {
		pr.MaxChars("conference.city", "SCHEMA", c.City, t.Short)
		if outside(c.City) {
			pr.Add("conference.city", "R-FUND-01",
				"the programme funds conferences held in the mainland of China, not in Hong Kong, Macao or Taiwan (第一条)",
				"本办法资助在我国境内（不含港、澳、台地区）举办的国际会议（第一条）")
		}
	}
	if c.OpeningDate.IsZero() {
		pr.Add("conference.openingDate", "SCHEMA", "required", "必填")
	}
	if c.ClosingDate.IsZero() {
		pr.Add("conference.closingDate", "SCHEMA", "required", "必填")
	} else if !c.OpeningDate.IsZero() && c.ClosingDate.Before(c.OpeningDate) {
		pr.Add("conference.closingDate", "SCHEMA", "must not be before the opening date", "闭幕日期不得早于开幕日期")
	}

	checkApproval(&pr, &app.Approval, t)
	checkCategory(&pr, app, r)
	checkBudget(&pr, app, t)

	s := app.Statements
	if (s.AcademyName || s.AcademyLeaders) && len(s.Proof) == 0 {
		pr.Add("statements.proof", "R-FUND-07",
			"using the academy's name as host or its leaders as chair or committee members needs the leaders' prior approval: upload the proof",
			"使用“中国科学院主办”字样或请院领导担任会议主席、名誉主席、组委会成员等，须事先报批并提供相关证明文件")
	}
	for i, id := range s.Proof {
		if id == uuid.Nil {
			pr.Add(fmt.Sprintf("statements.proof[%d]", i), "SCHEMA", "must be an uploaded file's id", "须为已上传文件的编号")
		}
	}
	if err := pr.Err(); err != nil {
		return Flags{}, err
	}
	a := app.Attendance
	return Flags{
		StateCouncil:    a.Total >= r.StateCouncil.Total || a.Foreign >= r.StateCouncil.Foreign || s.ForeignLeaders,
		ForeignMinistry: s.Sensitive,
		AcademyName:     s.AcademyName || s.AcademyLeaders,
	}, nil
}

// outsideMainland are names of places the programme does not fund
// conferences in (第一条: 在我国境内（不含港、澳、台地区）举办): Hong Kong,
// Macao, Taiwan and Taiwan's cities, in Chinese (either script) and in
// English, matched anywhere in the city's name.
var outsideMainland = []string{"香港", "澳门", "澳門", "台湾", "臺灣", "台灣", "台北", "臺北", "新北", "高雄", "台中", "臺中", "台南", "臺南", "桃园", "桃園", "新竹", "基隆", "嘉义", "嘉義",
	"hong kong", "hongkong", "macao", "macau", "taiwan", "taipei", "kaohsiung", "taichung", "tainan", "taoyuan", "hsinchu", "keelung"}

// outside reports whether city names a place outside the mainland.
func outside(city string) bool {
	c := strings.ToLower(city)
	for _, n := range outsideMainland {
		if strings.Contains(c, n) {
			return true
		}
	}
	return false
}

// checkApproval (R-FUND-02): a declaration in econf, or the approval
// document's number, date and scan; not both.
func checkApproval(pr *domain.Problems, a *Approval, t policy.TextLimits) {
	a.Number = strings.TrimSpace(a.Number)
	doc := a.Number != "" || !a.Date.IsZero() || a.ScanFileID != uuid.Nil
	switch {
	case a.InEconf() && doc:
		pr.Add("approval", "R-FUND-02", "name either the approved declaration or the approval document, not both",
			"请填写已获批的会议申报或会议批件之一，不能同时填写")
	case a.InEconf():
	case !doc:
		pr.Add("approval", "R-FUND-02", "only an approved conference may apply: name its approved declaration or its approval document",
			"仅已获批的会议可以申请资助：请填写已获批的会议申报或国际会议批件")
	default:
		if pr.Required("approval.number", "R-FUND-02", a.Number) {
			pr.MaxChars("approval.number", "SCHEMA", a.Number, t.Short)
		}
		if a.Date.IsZero() {
			pr.Add("approval.date", "R-FUND-02", "required: the approval document's date", "必填：批件日期")
		}
		if a.ScanFileID == uuid.Nil {
			pr.Add("approval.scanFileId", "R-FUND-02", "required: upload the approval document's scan", "必填：请上传批件扫描件")
		}
	}
}

// checkCategory (R-FUND-01): the claimed category's nature, the academy as
// first host or organiser for 1 and 2, and the foreign guests in its range
// (both ends included, R-CLS-00: at 50 or 150 the nature decides);
// (R-FUND-04) the request within its cap.
func checkCategory(pr *domain.Problems, app *Application, r policy.FundingRules) {
	a := app.Attendance
	if a.Foreign < 1 {
		pr.Add("attendance.foreign", "SCHEMA", "an international conference has foreign guests: at least 1", "国际会议须有外宾出席：至少1人")
	}
	if a.Total < a.Foreign {
		pr.Add("attendance.total", "SCHEMA", "must not be below the foreign guests", "不得少于外宾人数")
	}
	cat, ok := r.Category(app.Category)
	if !ok {
		pr.Add("category", "R-FUND-01", "must be 1, 2 or 3", "须为第一、二或三类")
	} else {
		want := natures[app.Category-1]
		if app.Nature != want {
			pr.Add("nature", "R-FUND-01", fmt.Sprintf("category %d is for %s conferences", app.Category, want),
				fmt.Sprintf("第%s类会议须为%s", zhNumber(app.Category), want.zh()))
		}
		if app.Category < 3 && !app.AcademyFirstHost {
			pr.Add("academyFirstHost", "R-FUND-01", fmt.Sprintf("category %d needs the academy or an institute as first host or organiser", app.Category),
				fmt.Sprintf("第%s类会议须以中国科学院或院属单位为第一主办或承办单位", zhNumber(app.Category)))
		}
		if a.Foreign >= 1 && !cat.Admits(a.Foreign) {
			pr.Add("attendance.foreign", "R-FUND-01",
				fmt.Sprintf("category %d has %s foreign guests, both ends included; this conference has %d", app.Category, cat.Range(), a.Foreign),
				fmt.Sprintf("第%s类会议参会外宾人数为%s人（含本数），本会议为%d人", zhNumber(app.Category), cat.Range(), a.Foreign))
		}
		if app.RequestedFen > cat.CapFen {
			pr.Add("requestedFen", "R-FUND-04",
				fmt.Sprintf("category %d is funded up to %s yuan; %s requested", app.Category, yuan(cat.CapFen), yuan(app.RequestedFen)),
				fmt.Sprintf("第%s类会议资助不超过%s元，申请%s元", zhNumber(app.Category), yuan(cat.CapFen), yuan(app.RequestedFen)))
		}
	}
	if app.Nature != "" && app.Nature != NatureHostingRights && app.Nature != NatureAcademyLed && app.Nature != NatureJoint {
		pr.Add("nature", "SCHEMA", "must be hosting_rights, academy_led or joint", "须为hosting_rights、academy_led或joint")
	}
}

// checkBudget (R-FUND-08): a positive request, at least one other source
// of funds, each named with a positive amount, the sources and the
// request adding up to the total, exact in fen.
func checkBudget(pr *domain.Problems, app *Application, t policy.TextLimits) {
	b := &app.Budget
	if app.RequestedFen < 1 || app.RequestedFen > maxFen {
		pr.Add("requestedFen", "SCHEMA", "must be more than 0 fen", "须大于0")
	}
	if b.TotalFen < 1 || b.TotalFen > maxFen {
		pr.Add("budget.totalFen", "SCHEMA", "must be more than 0 fen", "须大于0")
	}
	if len(b.Sources) == 0 {
		pr.Add("budget.sources", "R-FUND-08",
			"the budget names the other sources of funds besides this request (several sources, 第十二条)",
			"预算须列明资助申请以外的其他经费来源（通过多种途径解决会议经费）")
	}
	sum := app.RequestedFen
	for i := range b.Sources {
		s := &b.Sources[i]
		path := fmt.Sprintf("budget.sources[%d]", i)
		s.Name = strings.TrimSpace(s.Name)
		if pr.Required(path+".name", "SCHEMA", s.Name) {
			pr.MaxChars(path+".name", "SCHEMA", s.Name, t.Short)
		}
		if s.AmountFen < 1 || s.AmountFen > maxFen {
			pr.Add(path+".amountFen", "SCHEMA", "must be more than 0 fen", "须大于0")
			continue
		}
		sum += s.AmountFen
	}
	if len(b.Sources) > 0 && b.TotalFen > 0 && sum != b.TotalFen {
		pr.Add("budget.totalFen", "R-FUND-08",
			fmt.Sprintf("the request and the sources add up to %s yuan, not the total %s", yuan(sum), yuan(b.TotalFen)),
			fmt.Sprintf("资助申请与其他经费来源合计%s元，与预算总额%s元不符", yuan(sum), yuan(b.TotalFen)))
	}
}

// yuan writes fen as yuan with two decimals.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func zhNumber(n int) string { return [...]string{"", "一", "二", "三"}[min(max(n, 0), 3)] }

func (n Nature) zh() string {
	switch n {
	case NatureHostingRights:
		return "我院科学家争取获得主办权的国际学术会议"
	case NatureAcademyLed:
		return "我院科学家牵头发起的多边国际学术会议"
	case NatureJoint:
		return "与国外机构联合举办的多边学术研讨会"
	}
	return string(n)
}
