// Package delegation owns what an electing unit sends to a congress
// (seed 004): its nominees, their identities and the indicators computed
// from their details, checked against the unit's allotment (R-DEL-01/02/04).
// This file holds the pure rules: ages at the reference date, the resident
// ID's checksum, the indicators, the tally against the quotas.
package delegation

import (
	"fmt"
	"slices"
	"strings"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/congress"
)

// Identity is a nominee's 身份类型.
type Identity string

// The identities. A person who is both representative and committee
// candidate is recorded as committee candidate only and counts against
// the representatives' seats too (R-DEL-02).
const (
	Committee      Identity = "committee"       // 委员（候选人）
	Representative Identity = "representative"  // 代表
	SpecialInvited Identity = "special_invited" // 特邀代表
	Observer       Identity = "observer"        // 列席代表
	Guest          Identity = "guest"           // 参会嘉宾
	Staff          Identity = "staff"           // 工作人员
)

// Identities in the seed's order.
var Identities = []Identity{Committee, Representative, SpecialInvited, Observer, Guest, Staff}

// Valid reports whether i is one of the identities.
func (i Identity) Valid() bool { return slices.Contains(Identities, i) }

// Zh is the identity's label on the seed's screens.
func (i Identity) Zh() string {
	switch i {
	case Committee:
		return "委员"
	case Representative:
		return "代表"
	case SpecialInvited:
		return "特邀代表"
	case Observer:
		return "列席代表"
	case Guest:
		return "参会嘉宾"
	case Staff:
		return "工作人员"
	}
	return string(i)
}

// AgeAt is the age in full years on ref of someone born on birth: the
// birthday itself counts (on their 45th birthday they are 45).
func AgeAt(birth, ref domain.Date) int {
	age := ref.Year - birth.Year
	if ref.Month < birth.Month || (ref.Month == birth.Month && ref.Day < birth.Day) {
		age--
	}
	return age
}

// MaxAge is the oldest age 45岁以下 admits: 以下 includes the number
// (R-CLS-00).
const MaxAge = 45

// Under45 reports whether someone born on birth is 45 or younger on the
// congress's reference date (R-DEL-01): 45 on their 45th birthday, 46 on
// their 46th.
func Under45(birth, ref domain.Date) bool { return AgeAt(birth, ref) <= MaxAge }

// residentWeights are GB 11643-1999's weights of the first 17 digits.
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// ResidentIDProblem says what is wrong with an 18-digit resident ID number
// (居民身份证, GB 11643-1999): its length and digits, the birth date it
// holds, and its check character (ISO 7064 MOD 11-2, X for 10); "" when
// it is right. It answers in English and Chinese.
func ResidentIDProblem(id string) (en, zh string) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if len(id) != 18 {
		return "must be 18 characters", "须为18位"
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if id[i] < '0' || id[i] > '9' {
			return "the first 17 characters must be digits", "前17位须为数字"
		}
		sum += int(id[i]-'0') * residentWeights[i]
	}
	if _, err := domain.ParseDate(id[6:10] + "-" + id[10:12] + "-" + id[12:14]); err != nil {
		return "the birth date it holds (characters 7 to 14) is not a date", "第7至14位出生日期无效"
	}
	if want := "10X98765432"[sum%11]; id[17] != want {
		return fmt.Sprintf("the check character is wrong (want %c)", want), "校验位错误"
	}
	return "", ""
}

// ResidentIDBirth is the birth date an 18-digit resident ID holds (ok
// false when the ID is not valid).
func ResidentIDBirth(id string) (domain.Date, bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	if en, _ := ResidentIDProblem(id); en != "" {
		return domain.Date{}, false
	}
	d, err := domain.ParseDate(id[6:10] + "-" + id[10:12] + "-" + id[12:14])
	return d, err == nil
}

// DemocraticParties are the eight democratic parties (民主党派).
var DemocraticParties = []string{"中国国民党革命委员会", "中国民主同盟", "中国民主建国会", "中国民主促进会", "中国农工民主党", "中国致公党", "九三学社", "台湾民主自治同盟"}

// Affiliations are the political affiliations (政治面貌) a nominee may
// have, up to two: the Party, the League, the eight democratic parties,
// non-party and the masses.
var Affiliations = append([]string{"中国共产党党员", "中国共产党预备党员", "中国共产主义青年团团员"}, append(slices.Clone(DemocraticParties), "无党派人士", "群众", "其他")...)

// Majority is the ethnic group that is not a minority (少数民族).
const Majority = "汉族"

// Facts are what the indicators are computed from: the nominee's details,
// never the indicators typed in.
type Facts struct {
	Gender       string   // "male" or "female"
	Ethnicity    string   // e.g. 汉族, 蒙古族
	Affiliations []string // up to two of Affiliations
	Grassroots   bool     // 是否为基层一线
	Birth        domain.Date
}

// Indicators are the minimums a nominee counts towards.
type Indicators struct {
	Grassroots      bool `json:"grassroots"`
	Under45         bool `json:"under45"`
	Minority        bool `json:"minority"`
	DemocraticParty bool `json:"democraticParty"`
	Woman           bool `json:"woman"`
}

// IndicatorsOf computes a nominee's indicators on the congress's reference
// date.
func IndicatorsOf(f Facts, ref domain.Date) Indicators {
	in := Indicators{
		Grassroots: f.Grassroots,
		Under45:    !f.Birth.IsZero() && Under45(f.Birth, ref),
		Minority:   f.Ethnicity != "" && f.Ethnicity != Majority,
		Woman:      f.Gender == "female",
	}
	for _, a := range f.Affiliations {
		if slices.Contains(DemocraticParties, a) {
			in.DemocraticParty = true
		}
	}
	return in
}

func (in Indicators) has(key string) bool {
	switch key {
	case "grassroots":
		return in.Grassroots
	case "under45":
		return in.Under45
	case "minority":
		return in.Minority
	case "democraticParty":
		return in.DemocraticParty
	case "women":
		return in.Woman
	}
	return false
}

// Counted is a nominee as the tally sees it.
type Counted struct {
	Identity   Identity
	Indicators Indicators
}

// Line is one indicator of the quota view (fig. 2.8): the allotment (in
// brackets on the screen), the number submitted, met or not.
type Line struct {
	Quota     string `json:"quota"`     // committee, representatives, specialInvited, observers, guests, staff
	Indicator string `json:"indicator"` // seats or the minimum's key
	Zh        string `json:"zh"`        // e.g. 代表名额, 委员候选人基层工作者
	Allotted  int    `json:"allotted"`
	Submitted int    `json:"submitted"`
	Met       bool   `json:"met"`
}

// quotaOf says which seats a nominee of identity i takes: a committee
// candidate takes a committee seat and a representative seat.
func quotaOf(i Identity) []string {
	switch i {
	case Committee:
		return []string{"committee", "representatives"}
	case Representative:
		return []string{"representatives"}
	case SpecialInvited:
		return []string{"specialInvited"}
	case Observer:
		return []string{"observers"}
	case Guest:
		return []string{"guests"}
	case Staff:
		return []string{"staff"}
	}
	return nil
}

var quotaZh = map[string]string{"committee": "委员候选人", "representatives": "代表", "specialInvited": "特邀代表", "observers": "列席代表", "guests": "参会嘉宾", "staff": "工作人员"}

// Tally is the quota view of a unit's nominees against its allotment
// (R-DEL-04): every quota's seats must be filled exactly, every minimum
// reached.
func Tally(a congress.Allotment, ns []Counted) []Line {
	quotas := []struct {
		key string
		q   congress.Quota
	}{{"committee", a.Committee}, {"representatives", a.Representatives}}
	var lines []Line
	for _, qu := range quotas {
		seats := Line{Quota: qu.key, Indicator: "seats", Zh: quotaZh[qu.key] + "名额", Allotted: qu.q.Seats}
		var inds []Line
		for _, ind := range congress.Indicators {
			inds = append(inds, Line{Quota: qu.key, Indicator: ind.Key, Zh: quotaZh[qu.key] + ind.Zh, Allotted: ind.Of(qu.q)})
		}
		for _, n := range ns {
			if !slices.Contains(quotaOf(n.Identity), qu.key) {
				continue
			}
			seats.Submitted++
			for i := range inds {
				if n.Indicators.has(inds[i].Indicator) {
					inds[i].Submitted++
				}
			}
		}
		seats.Met = seats.Submitted == seats.Allotted
		lines = append(lines, seats)
		for _, l := range inds {
			l.Met = l.Submitted >= l.Allotted
			lines = append(lines, l)
		}
	}
	for _, c := range []struct {
		key string
		n   int
	}{{"specialInvited", a.SpecialInvited}, {"observers", a.Observers}, {"guests", a.Guests}, {"staff", a.Staff}} {
		l := Line{Quota: c.key, Indicator: "seats", Zh: quotaZh[c.key], Allotted: c.n}
		for _, n := range ns {
			if slices.Contains(quotaOf(n.Identity), c.key) {
				l.Submitted++
			}
		}
		l.Met = l.Submitted == l.Allotted
		lines = append(lines, l)
	}
	return lines
}

// CheckAddition refuses a nominee of identity who would take a seat beyond
// the allotment (R-DEL-02), naming the quota it breaks; current are the
// unit's nominees so far.
func CheckAddition(a congress.Allotment, current []Counted, identity Identity) error {
	var pr domain.Problems
	if !identity.Valid() {
		pr.Add("identity", "R-DEL-02", fmt.Sprintf("unknown identity %q", identity), "身份类型无效")
		return pr.Err()
	}
	with := append(slices.Clone(current), Counted{Identity: identity})
	for _, l := range Tally(a, with) {
		if l.Indicator == "seats" && l.Submitted > l.Allotted && slices.Contains(quotaOf(identity), l.Quota) {
			pr.Add("identity", "R-DEL-02", fmt.Sprintf("over the %s quota: %d allotted, this would be number %d", l.Quota, l.Allotted, l.Submitted),
				fmt.Sprintf("超出%s名额：分配%d位，此为第%d位", quotaZh[l.Quota], l.Allotted, l.Submitted))
		}
	}
	return pr.Err()
}

// CheckReport refuses a report-all while any indicator is not met
// (R-DEL-04), naming every one that is not.
func CheckReport(a congress.Allotment, reported []Counted) error {
	var pr domain.Problems
	for _, l := range Tally(a, reported) {
		if l.Met {
			continue
		}
		path := l.Quota + "." + l.Indicator
		if l.Indicator == "seats" {
			pr.Add(path, "R-DEL-04", fmt.Sprintf("%s: %d allotted, %d submitted", path, l.Allotted, l.Submitted),
				fmt.Sprintf("%s：分配%d位，已提交%d位", l.Zh, l.Allotted, l.Submitted))
			continue
		}
		pr.Add(path, "R-DEL-04", fmt.Sprintf("%s: at least %d, %d submitted", path, l.Allotted, l.Submitted),
			fmt.Sprintf("%s：不少于%d位，已提交%d位", l.Zh, l.Allotted, l.Submitted))
	}
	return pr.Err()
}
