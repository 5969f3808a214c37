// Package funding is an academy's conference funding (seed 002, 资助): an
// institute's application for a conference it hosts, claimed in one of
// three categories (R-FUND-01) for an approved conference (R-FUND-02),
// handed in to the bureau's yearly call (R-FUND-03), within the category's
// cap (R-FUND-04), with a budget of several sources in fen (R-FUND-08) and
// the flags the counts and statements raise (R-FUND-02, R-FUND-07). Its
// procedure is declared in flow.go; it does no I/O.
package funding

import (
	"github.com/econf/econf/domain"
	"github.com/google/uuid"
)

// Status is where an application stands.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusWithdrawn Status = "withdrawn"
	StatusReturned  Status = "returned"
	StatusGranted   Status = "granted"
	StatusRejected  Status = "rejected"
)

// Zh is the status's Chinese label.
func (s Status) Zh() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusSubmitted:
		return "已提交"
	case StatusWithdrawn:
		return "已撤回"
	case StatusReturned:
		return "退回修改"
	case StatusGranted:
		return "已资助"
	case StatusRejected:
		return "未获资助"
	}
	return "未知状态"
}

// Nature is what kind of conference it is, which decides the category
// first (R-FUND-01, 第三条–第五条).
type Nature string

const (
	// NatureHostingRights: hosting rights won by the academy's
	// scientists (积极争取获得主办权), category 1.
	NatureHostingRights Nature = "hosting_rights"
	// NatureAcademyLed: a multilateral conference the academy's scientists
	// initiated and lead (牵头发起的多边国际学术会议), category 2.
	NatureAcademyLed Nature = "academy_led"
	// NatureJoint: held jointly with foreign research institutions,
	// universities or other high-level institutions (联合举办), category 3.
	NatureJoint Nature = "joint"
)

// natures are the nature of each category, index 0 for category 1.
var natures = [3]Nature{NatureHostingRights, NatureAcademyLed, NatureJoint}

// Application is what the institute fills in.
type Application struct {
	Conference Conference `json:"conference"`
	Approval   Approval   `json:"approval"`
	// Category claimed, 1–3 (R-FUND-01), and the conference's nature.
	Category int    `json:"category"`
	Nature   Nature `json:"nature"`
	// AcademyFirstHost: the academy or an institute is the first host or
	// organiser (第一主办或承办单位), required for categories 1 and 2.
	AcademyFirstHost bool       `json:"academyFirstHost"`
	Attendance       Attendance `json:"attendance"`
	Statements       Statements `json:"statements"`
	Budget           Budget     `json:"budget"`
	// RequestedFen is the amount asked of the bureau, in fen (R-FUND-04).
	RequestedFen int64 `json:"requestedFen"`
}

// Conference is the conference funded; OpeningDate decides the call's
// year (以会议开幕日期为准, R-FUND-03).
type Conference struct {
	NameZh      string      `json:"nameZh"`
	NameEn      string      `json:"nameEn,omitempty"`
	OpeningDate domain.Date `json:"openingDate"`
	ClosingDate domain.Date `json:"closingDate"`
	City        string      `json:"city"`
}

// Approval is how the conference was approved (R-FUND-02): a declaration
// in econf the authority approved, or an approval document issued
// elsewhere (中国科学院国际会议（展览）批件): its number, date and scan.
type Approval struct {
	DeclarationID uuid.UUID   `json:"declarationId,omitempty"`
	Number        string      `json:"number,omitempty"`
	Date          domain.Date `json:"date,omitempty"`
	ScanFileID    uuid.UUID   `json:"scanFileId,omitempty"`
}

// InEconf reports whether the approval is a declaration in econf.
func (a Approval) InEconf() bool { return a.DeclarationID != uuid.Nil }

// Attendance counts the attendees (R-FUND-01, R-FUND-02).
type Attendance struct {
	Total   int `json:"total"`
	Foreign int `json:"foreign"`
}

// Statements are what the applicant declares about guests and names
// (第十条, 第十一条).
type Statements struct {
	// ForeignLeaders: foreign ministers or above, heads of state or of
	// government attend (外国政府正部长及其以上官员、国家元首或政府首腦).
	ForeignLeaders bool `json:"foreignLeaders"`
	// Sensitive: sensitive political issues, ideology or people
	// (敏感政治问题、意识形态和敏感人士).
	Sensitive bool `json:"sensitive"`
	// AcademyName: the conference uses 中国科学院主办; AcademyLeaders:
	// academy leaders serve as chair, honorary chair or committee members.
	AcademyName    bool `json:"academyName"`
	AcademyLeaders bool `json:"academyLeaders"`
	// Proof are the uploaded files proving the leaders' prior approval
	// (相关证明文件, R-FUND-07).
	Proof []uuid.UUID `json:"proof,omitempty"`
}

// Budget is the conference's budget in fen (勤俭节约, 第十二条): its total
// and every source of funds besides the amount requested of the bureau;
// the sources and the request add up to the total (R-FUND-08).
type Budget struct {
	TotalFen int64    `json:"totalFen"`
	Sources  []Source `json:"sources"`
}

// Source is one source of funds (registration fees, the institute's own
// funds, sponsors).
type Source struct {
	Name      string `json:"name"`
	AmountFen int64  `json:"amountFen"`
}

// Flags are what the counts and statements call for (R-FUND-02,
// R-FUND-07): the State Council's approval, the foreign ministry's
// consent, the leaders' approval of the academy's name or leaders.
type Flags struct {
	StateCouncil    bool `json:"stateCouncil"`
	ForeignMinistry bool `json:"foreignMinistry"`
	AcademyName     bool `json:"academyName"`
}
