package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/econf/econf/domain"
)

// approvalPDF is the scanned approval of the local foreign-affairs office a
// conference in another city needs (R-DECL-07): a small PDF, padded to a
// realistic few tens of kilobytes. The store judges it by its content.
var approvalPDF = func() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")
	for b.Len() < 32<<10 {
		b.WriteString("% 湖北省外事办公室关于同意在杭州举办国际会议的批复 scan padding\n")
	}
	b.WriteString("%%EOF\n")
	return b.Bytes()
}()

// declare declares the conference of round n, whose forecast forecastID the
// authority has just approved, as its applicant does (R-DECL-01..16):
// start from the forecast (its fields are copied) and wait for the draft in
// the declarations list; for a conference in another city, upload the local
// approval; fill the sections the forecast does not give, one save each;
// submit; the unit approves; every other time (the rounds whose forecast was
// not rejected) the school rejects, the applicant reads the declaration,
// completes the content section, resubmits and the unit approves again;
// school and authority approve; then the school admin searches the list by
// a Chinese keyword, the applicant reads the status view (behind the last
// decision's position) and the auditor the history.
func (w *workflow) declare(ctx context.Context, n int64, token, forecastID string) error {
	c := w.c
	conf := w.conference(n)
	created, a, err := w.create(ctx, OpDeclStart, "/api/v1/declarations",
		map[string]any{"forecastId": forecastID, "noticeAcknowledged": true}, "load-decl-"+token, lagDeclarations, token)
	if err != nil {
		return err
	}
	d := "/api/v1/declarations/" + created
	etag, pos := a.header.Get("ETag"), a.header.Get("X-Econf-Position")
	// step sends a command on the declaration at the version last seen.
	step := func(op, method, path string, role domain.Role, body any) error {
		a, err := c.call(ctx, op, method, path, role, body, http.StatusOK, "If-Match", etag)
		if err == nil {
			etag, pos = a.header.Get("ETag"), a.header.Get("X-Econf-Position")
		}
		return err
	}

	basic := map[string]any{
		"nameZh": fmt.Sprintf("%d年%s国际研讨会", w.year, conf.topic), "nameEn": fmt.Sprintf("%d International Workshop %s", w.year, token),
		"startDate": conf.start.String(), "endDate": conf.end.String(), "commitmentDate": fmt.Sprintf("%d-01-15", w.year),
		"location": "local", "province": "湖北省", "address": "武汉市洪山区示范路1号", "type": "natural_science", "scale": "general",
	}
	if !conf.local {
		up, err := c.call(ctx, OpDeclUpload, "POST", "/api/v1/files?kind=location_approval&name="+url.QueryEscape("外办批复-"+token+".pdf"),
			domain.RoleApplicant, approvalPDF, http.StatusCreated)
		if err != nil {
			return err
		}
		var file struct {
			ID          string `json:"id"`
			SHA256      string `json:"sha256"`
			Name        string `json:"name"`
			ContentType string `json:"contentType"`
			Size        int64  `json:"size"`
		}
		if err := json.Unmarshal(up.body, &file); err != nil || file.ID == "" {
			c.rec.fail(OpDeclUpload, "unexpected-body", truncate(up.body, 200))
			return &opError{"unexpected-body", truncate(up.body, 200)}
		}
		basic["location"], basic["province"], basic["address"], basic["localApproval"] = "other_city", "浙江省", "杭州市西湖区示范路2号", file
	}
	content := map[string]any{"theme": conf.topic + "的前沿进展与国际合作", "topics": []string{conf.topic + "基础理论", conf.topic + "应用"},
		"previousEditions": []any{map[string]any{"date": fmt.Sprintf("%d-05-08", w.year-2), "place": "武汉", "host": "示范大学", "attendees": 120, "foreign": 30}},
		"taiwanStatement":  "会议不涉及台湾问题，会议材料遵守一个中国原则。", "background": "促进" + conf.topic + "领域的国际学术交流。"}
	sections := []struct {
		name string
		body any
	}{
		{"basic", basic},
		{"attendance", map[string]any{"foreign": 40, "mainland": 100, "hkMacaoTaiwan": 6}},
		{"budget", []any{map[string]any{"source": "self_raised", "amount": "50000"}, map[string]any{"source": "registration_fees", "amount": "80000.50"}}},
		{"content", content},
		{"people", map[string]any{
			"chairs":  []any{map[string]any{"name": "李主席", "nationality": "中国", "institution": "示范大学", "title": "教授"}},
			"foreign": []any{map[string]any{"name": "Jane Roe", "nationality": "英国", "institution": "Example College", "title": "Professor"}}}},
		{"agenda", []any{
			map[string]any{"date": conf.start.String(), "time": "09:00-10:30", "participants": "全体代表", "content": "开幕式及大会报告"},
			map[string]any{"date": conf.start.AddDays(1).String(), "time": "14:00-17:30", "participants": "分会场代表", "content": "专题研讨"}}},
		{"contacts", []any{
			map[string]any{"kind": "conference", "name": "王会务", "phone": "027-87540000", "email": "conf@demo-univ.edu.cn"},
			map[string]any{"kind": "international_office", "name": "赵外事", "phone": "13900000000", "email": "intl@demo-univ.edu.cn"}}},
	}
	for _, s := range sections {
		if err := step(OpDeclSave, "PUT", d+"/sections/"+s.name, domain.RoleApplicant, s.body); err != nil {
			return err
		}
	}
	submit := map[string]any{"commitmentAcknowledged": true}
	if err := step(OpDeclSubmit, "POST", d+"/submit", domain.RoleApplicant, submit); err != nil {
		return err
	}
	if err := step(OpDeclApproveUnit, "POST", d+"/approve-unit", domain.RoleUnitAdmin, map[string]string{"comment": "同意申报"}); err != nil {
		return err
	}
	if n%2 == 1 {
		if err := step(OpDeclReject, "POST", d+"/reject", domain.RoleSchoolAdmin, map[string]string{"reason": "请补充往届会议信息"}); err != nil {
			return err
		}
		g, err := c.call(ctx, OpDeclGet, "GET", d, domain.RoleApplicant, nil, http.StatusOK, "X-Econf-Min-Position", pos)
		if err != nil {
			return err
		}
		etag = g.header.Get("ETag")
		content["previousEditions"] = append(content["previousEditions"].([]any),
			map[string]any{"date": fmt.Sprintf("%d-10-16", w.year-4), "place": "上海", "host": "示范大学", "attendees": 90, "foreign": 25})
		if err := step(OpDeclSave, "PUT", d+"/sections/content", domain.RoleApplicant, content); err != nil {
			return err
		}
		if err := step(OpDeclSubmit, "POST", d+"/submit", domain.RoleApplicant, submit); err != nil {
			return err
		}
		if err := step(OpDeclApproveUnit, "POST", d+"/approve-unit", domain.RoleUnitAdmin, nil); err != nil {
			return err
		}
	}
	if err := step(OpDeclApproveSchool, "POST", d+"/approve-school", domain.RoleSchoolAdmin, map[string]string{"comment": "同意报送"}); err != nil {
		return err
	}
	if err := step(OpDeclApproveAuthority, "POST", d+"/approve-authority", domain.RoleAuthorityReviewer, nil); err != nil {
		return err
	}
	keyword := string([]rune(conf.topic)[:3])
	if _, err := c.call(ctx, OpDeclListKeyword, "GET", "/api/v1/declarations?q="+url.QueryEscape(keyword), domain.RoleSchoolAdmin, nil, http.StatusOK); err != nil {
		return err
	}
	st, err := c.call(ctx, OpDeclStatus, "GET", d+"/status", domain.RoleApplicant, nil, http.StatusOK, "X-Econf-Min-Position", pos)
	if err != nil {
		return err
	}
	var status struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(st.body, &status); err != nil || status.Status != "authority_approved" {
		detail := "status view behind the authority's approval: " + truncate(st.body, 200)
		c.rec.fail(OpDeclStatus, "unexpected-body", detail)
		return &opError{"unexpected-body", detail}
	}
	_, err = c.call(ctx, OpDeclHistory, "GET", d+"/history", domain.RoleAuditor, nil, http.StatusOK)
	return err
}
