package web

import (
	"net/http"
)

// The organiser's recognition and the published guide (seed 003 parts
// 10–11): the staff recognise or decline each conference of a submitted
// file (or return the file), publish the guide (the catalogue as PDF and
// xlsx, a public read-only list) and hand out certificates; after
// recognition the host updates its conference (refused within two weeks
// of its opening, R-NOM-05), submits its resources and takes part in
// quality tracking (R-NOM-06).

func init() {
	decide := section{Key: "decide", Label: "nom_decide", Fields: []sectionField{txt("nameEn", "nom_name_en"), kind("reason", "nom_decline_reason", "textarea")}}
	nomForms["recognise"] = nomForm{Sec: decide, Method: "POST", Path: "/recommendations/{target}/recognise", Target: "decide.rec"}
	nomForms["decline"] = nomForm{Sec: decide, Method: "POST", Path: "/recommendations/{target}/decline", Target: "decide.rec"}
	nomForms["return"] = nomForm{Sec: section{Key: "return", Label: "nom_return", Fields: []sectionField{kind("reason", "nom_return_reason", "textarea")}},
		Method: "POST", Path: "/return"}
	nomForms["publish"] = nomForm{Sec: section{Key: "publish", Label: "nom_publish_guide"}, Method: "POST", Path: "/guide/publish", Cycle: true}
	nomForms["update"] = nomForm{Sec: section{Key: "update", Label: "nom_update", Fields: []sectionField{
		kind("openingDate", "nom_rec_opening", "date"), txt("place", "nom_rec_place"),
	}}, Method: "PUT", Path: "/guide/{target}", Target: "update.rec", Cycle: true}
	nomForms["resources"] = nomForm{Sec: section{Key: "resources", Label: "nom_resources", Fields: []sectionField{
		kind("videos", "nom_videos", "lines"),
		upload("summaries", "nom_summaries", "proceedings"), upload("proceedings", "nom_proceedings", "proceedings"),
	}}, Method: "POST", Path: "/guide/{target}/resources", Target: "resources.rec", Cycle: true, IDLists: true}
	nomForms["track"] = nomForm{Sec: section{Key: "track", Label: "nom_tracking"}, Method: "POST", Path: "/guide/{target}/quality-tracking", Target: "track.rec", Cycle: true}
}

// guideEntry is one recognised conference as GET /guides/{id} reads it.
type guideEntry struct {
	Recommendation string `json:"recommendationId"`
	File           string `json:"nominationId"`
	Unit           string `json:"unitId"`
	UnitName       string `json:"unitName"`
	Name           string `json:"name"`
	NameEn         string `json:"nameEn"`
	Host           string `json:"host"`
	Opening        string `json:"openingDate"`
	Place          string `json:"place"`
	Field          string `json:"field"`
	Kind           string `json:"kind"`
	Priority       bool   `json:"priority"`
	Resources      *struct {
		Videos      []string `json:"videos"`
		Summaries   []string `json:"summaries"`
		Proceedings []string `json:"proceedings"`
	} `json:"resources"`
	Tracked bool `json:"qualityTracked"`
}

type guide struct {
	Cycle     string       `json:"cycleId"`
	Year      int          `json:"year"`
	Title     string       `json:"title"`
	Published bool         `json:"published"`
	Items     []guideEntry `json:"items"`
	// Declined (the staff's read): declined recommendations, each with
	// its reason.
	Declined []struct {
		Recommendation string `json:"recommendationId"`
		Reason         string `json:"reason"`
	} `json:"declined"`
}

// readGuide reads a cycle's guide as the signed-in user (or anyone) may.
func (s *Server) readGuide(r *http.Request, cycle string) (*guide, *answer) {
	a := s.api(r, call{method: "GET", path: "/guides/" + cycle})
	var g guide
	if !a.ok() || a.decode(&g) != nil {
		return nil, a
	}
	return &g, a
}

// guideView is the guide's page: every conference for the staff, the
// unit's own with their forms for its contact.
type guideView struct {
	ID      string
	Guide   *guide
	Staff   bool
	Own     []guideEntry
	Targets []option
	Forms   map[string]nomFormFields
	Idem    string
}

func (s *Server) nominationGuide(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_guide")
	if !s.signedIn(w, r, v) {
		return
	}
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.T("saved_ok")
	}
	s.showGuide(w, r, v, http.StatusOK)
}

func (s *Server) showGuide(w http.ResponseWriter, r *http.Request, v *view, status int) {
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	g, a := s.readGuide(r, id)
	if g == nil {
		s.failed(w, r, v, a)
		return
	}
	gv := guideView{ID: id, Guide: g, Staff: staff(v), Idem: randomToken(18)}
	for _, e := range g.Items {
		if e.Unit == v.Me.OrgID {
			gv.Own = append(gv.Own, e)
			gv.Targets = append(gv.Targets, option{e.Recommendation, e.Name})
		}
	}
	gv.Forms = v.nominationForms("publish", "update", "resources", "track")
	v.Title = v.Tf("nom_guide_title", g.Title)
	v.Data = gv
	s.render(w, r, status, "nomination_guide", v)
}

// publicGuide is the published guide for anyone, read-only, no sign-in.
func (s *Server) publicGuide(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "nom_guide")
	id, ok := recordID(r)
	if !ok {
		s.failed(w, r, v, &answer{status: http.StatusNotFound})
		return
	}
	g, a := s.readGuide(r, id)
	if g == nil || !g.Published {
		s.failed(w, r, v, a)
		return
	}
	v.Title = v.Tf("nom_guide_title", g.Title)
	v.Data = guideView{ID: id, Guide: g}
	s.render(w, r, http.StatusOK, "nomination_public_guide", v)
}

var _ = addMsgs(map[string][2]string{
	"nom_decide":          {"认定", "Recognition"},
	"nom_decide_which":    {"会议", "Conference"},
	"nom_name_en":         {"会议英文名称（认定时必填）", "English name (to recognise)"},
	"nom_decline_reason":  {"不予认定的理由", "Reason to decline"},
	"nom_recognise":       {"认定", "Recognise"},
	"nom_decline":         {"不予认定", "Decline"},
	"nom_recognised":      {"已认定", "Recognised"},
	"nom_declined":        {"未认定", "Declined"},
	"nom_results":         {"认定结果", "Recognition results"},
	"nom_result_col":      {"认定结果", "Result"},
	"nom_return":          {"退回修改", "Return for revision"},
	"nom_return_reason":   {"退回理由", "Reason"},
	"nom_guide":           {"重要学术会议指南", "Guide to important conferences"},
	"nom_guide_title":     {"%s · 重要学术会议指南", "%s · guide to important conferences"},
	"nom_guide_link":      {"认定与指南", "Recognition and the guide"},
	"nom_public_link":     {"公开名单", "Public list"},
	"nom_publish_guide":   {"发布指南", "Publish the guide"},
	"nom_published":       {"已发布", "Published"},
	"nom_unpublished":     {"未发布", "Not yet published"},
	"nom_guide_pdf":       {"指南目录（PDF，中英文）", "Catalogue (PDF, zh/en)"},
	"nom_guide_xlsx":      {"指南目录（xlsx）", "Catalogue (xlsx)"},
	"nom_certificate":     {"收录证书", "Certificate"},
	"nom_recommended_by":  {"推荐单位", "Recommended by"},
	"nom_my_conferences":  {"本单位入选会议", "My unit's recognised conferences"},
	"nom_update":          {"更新会议信息", "Update the conference"},
	"nom_update_hint":     {"会议开幕两周前可更新，此后不再受理。", "Updates are taken until two weeks before the conference opens."},
	"nom_update_which":    {"会议", "Conference"},
	"nom_resources":       {"会议资源", "Resources"},
	"nom_resources_hint":  {"会议召开后提交学术报告视频链接、专家观点综述和会议论文集（PDF）；再次提交即替换此前提交的资源。", "After the conference: links to its videos, its expert summary and its proceedings (PDF); a new submission replaces the previous one."},
	"nom_videos":          {"学术报告视频链接", "Video links"},
	"nom_summaries":       {"专家观点综述", "Expert summary"},
	"nom_proceedings":     {"会议论文集", "Proceedings"},
	"nom_resources_none":  {"尚未提交", "None yet"},
	"nom_resources_list":  {"已提交的会议资源", "Resources submitted"},
	"nom_tracking":        {"参加质量跟踪", "Take part in quality tracking"},
	"nom_tracked":         {"质量跟踪", "Quality tracking"},
	"nom_tracked_yes":     {"已参加", "Taking part"},
	"nom_resources_given": {"已提交资源", "Resources submitted"},
	"nom_submit_action":   {"提交", "Submit"},
	"nom_none_recognised": {"尚无认定的会议。", "No conference recognised yet."},
})
