package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/deadlines"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/projections"
)

// at moves the clock to 10:00 in Shanghai on the given day; sessions are
// logged in again.
func (h *harness) at(year int, month time.Month, day int) {
	h.clock.Set(time.Date(year, month, day, 10, 0, 0, 0, domain.Shanghai))
	clear(h.tokens)
}

// tick runs the deadline engine once, after the read models caught up.
func (h *harness) tick() {
	h.t.Helper()
	h.settle()
	if _, err := h.engine.Tick(h.t.Context()); err != nil {
		h.t.Fatalf("deadline tick: %v", err)
	}
	h.settle()
}

// deadlineFacts counts the deadline events of a type in a conference's
// deadline stream.
func (h *harness) deadlineFacts(declarationID, eventType string) int {
	h.t.Helper()
	var n int
	if err := h.pool.QueryRow(h.t.Context(), `SELECT count(*) FROM events WHERE stream_id = $1 AND type = $2`,
		"deadline-"+declarationID, eventType).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// approvedDeclaration takes the sections() conference (2027-04-20 to 22)
// from a forecast through every approval on 2026-10-31.
func (h *harness) approvedDeclaration(edit ...func(map[string]any)) string {
	h.t.Helper()
	secs := sections()
	for _, e := range edit {
		e(secs)
	}
	forecastID := h.approvedForecast()
	h.at(2026, 10, 31)
	applicant := h.email(domain.RoleApplicant)
	start := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID, "noticeAcknowledged": true})
	if start.status != 201 {
		h.t.Fatalf("start: %d %s", start.status, start.body)
	}
	id := start.json(h.t)["id"].(string)
	d := "/api/v1/declarations/" + id
	for name, body := range secs {
		if res := h.do("PUT", d+"/sections/"+name, applicant, body); res.status != 200 {
			h.t.Fatalf("save %s: %d %s", name, res.status, res.body)
		}
	}
	if res := h.do("POST", d+"/people.xlsx", applicant, peopleSheet(h.t, [][]string{
		{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "Jane Roe", "英国", "Example College", "Professor"}})); res.status != 200 {
		h.t.Fatalf("people: %d %s", res.status, res.body)
	}
	h.walk([]step{
		{"submit", "POST", d + "/submit", applicant, map[string]any{"commitmentAcknowledged": true}, 200, ""},
		{"unit", "POST", d + "/approve-unit", h.email(domain.RoleUnitAdmin), nil, 200, ""},
		{"school", "POST", d + "/approve-school", h.email(domain.RoleSchoolAdmin), nil, 200, ""},
		{"authority", "POST", d + "/approve-authority", h.email(domain.RoleAuthorityReviewer), nil, 200, ""},
	})
	return id
}

// upload stores a file of a kind and returns its description.
func (h *harness) upload(kind, name string, body []byte) map[string]any {
	h.t.Helper()
	res := h.do("POST", "/api/v1/files?kind="+kind+"&name="+url.QueryEscape(name), h.email(domain.RoleApplicant), body)
	if res.status != 201 {
		h.t.Fatalf("upload %s: %d %s", name, res.status, res.body)
	}
	f := res.json(h.t)
	// A form refers to an upload by what the event records.
	return map[string]any{"id": f["id"], "sha256": f["sha256"], "name": f["name"], "contentType": f["contentType"], "size": f["size"]}
}

var (
	jpeg = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	png  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	pdf  = []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
)

// summaryContent is a complete summary (R-SUM-03) with academic text of
// chars characters and the given photos.
func summaryContent(chars int, photos []map[string]any, proceedings map[string]any) map[string]any {
	ps := []any{}
	for i, p := range photos {
		ps = append(ps, map[string]any{"file": p, "caption": fmt.Sprintf("开幕式合影%d：李主席（示范大学教授），2027年4月21日，武汉", i+1)})
	}
	return map[string]any{
		"academic": strings.Repeat("学", chars),
		"attendance": []any{
			map[string]any{"region": "mainland", "count": 90},
			map[string]any{"region": "hong_kong", "count": 6},
			map[string]any{"region": "taiwan", "count": 4},
			map[string]any{"region": "foreign", "country": "英国", "count": 25},
			map[string]any{"region": "foreign", "country": "美国", "count": 17},
		},
		"papersDomestic": 48, "papersForeign": 31,
		"proceedings":     "论文集由示范出版社出版",
		"photos":          ps,
		"proceedingsFile": proceedings,
		"domestic":        []any{map[string]any{"name": "李主席", "country": "中国", "institution": "示范大学", "title": "教授"}},
		"foreign":         []any{map[string]any{"name": "Jane Roe", "country": "英国", "institution": "Example College", "title": "Professor"}},
	}
}

// TestConferenceAftercareTimeTravel moves the clock through a conference's
// whole life after approval: a change (R-CHG-01..04), the change window
// closing (R-CHG-02), the conference, the summary opening (R-SUM-01),
// reminders, the summary falling overdue and blocking a new declaration
// (R-SUM-02), the summary handed in late, returned and accepted (R-SUM-03,
// R-SUM-04), which lifts the block.
func TestConferenceAftercareTimeTravel(t *testing.T) {
	h := newHarness(t)
	id := h.approvedDeclaration()
	d := "/api/v1/declarations/" + id
	applicant, school, unit, auditor := h.email(domain.RoleApplicant), h.email(domain.RoleSchoolAdmin), h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuditor)
	proposal := map[string]any{"description": "因场地冲突，会议顺延一天，并调整中文名称。",
		"changes": map[string]any{"nameZh": "2027年分布式系统可靠性国际研讨会", "dates": map[string]any{"start": "2027-04-21", "end": "2027-04-23"}}}

	// R-CHG-02: the original start is 2027-04-20, so 2027-02-20 is the last
	// day; 59 days before the start is too late.
	h.at(2027, 2, 21)
	before := h.eventCount()
	h.walk([]step{{"change 59 days before the start", "POST", d + "/change-request", applicant, proposal, 409, "R-CHG-02"}})
	if h.eventCount() != before {
		t.Errorf("a refused change wrote events")
	}
	// R-CHG-01: a conference not approved by the authority cannot change.
	h.at(2027, 2, 20)
	draft := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"noticeAcknowledged": true, "form": map[string]any{
		"basic": sections()["basic"], "attendance": map[string]any{"foreign": 20, "mainland": 60}}})
	if draft.status != 201 {
		t.Fatalf("draft: %d %s", draft.status, draft.body)
	}
	h.walk([]step{
		{"change of a draft", "POST", "/api/v1/declarations/" + draft.json(t)["id"].(string) + "/change-request", applicant, proposal, 409, "R-CHG-01"},
		{"change on the last day", "POST", d + "/change-request", applicant, proposal, 201, ""},
		{"a second change while the first waits", "POST", d + "/change-request", applicant, proposal, 409, "R-CHG-03"},
		{"the unit may not decide", "POST", d + "/change-request/approve", unit, nil, 403, ""},
		{"rejection without a reason", "POST", d + "/change-request/reject", school, map[string]any{}, 422, "R-CHG-04"},
		{"the school approves", "POST", d + "/change-request/approve", school, map[string]any{"comment": "同意变更"}, 200, ""},
		{"a second change after approval", "POST", d + "/change-request", applicant, proposal, 409, "R-CHG-03"},
	})
	// R-CHG-04: the conference shows the new values, history keeps both.
	hist := h.do("GET", d+"/history", auditor, nil).json(t)
	eff := hist["effective"].(map[string]any)
	if hist["changed"] != true || eff["nameZh"] != "2027年分布式系统可靠性国际研讨会" || eff["dates"].(map[string]any)["start"] != "2027-04-21" {
		t.Errorf("effective values: changed=%v %v", hist["changed"], eff)
	}
	if form := hist["form"].(map[string]any)["basic"].(map[string]any); form["nameZh"] != "2027年分布式系统国际研讨会" {
		t.Errorf("the declaration's own form must keep the old name: %v", form["nameZh"])
	}
	ch := hist["change"].(map[string]any)
	if entries := ch["entries"].([]any); len(entries) != 2 || ch["status"] != "approved" || ch["chainIntact"] != true {
		t.Errorf("change history: %v", ch)
	} else if data := entries[0].(map[string]any)["data"].(map[string]any); data["old"].(map[string]any)["nameZh"] != "2027年分布式系统国际研讨会" {
		t.Errorf("the request keeps the old values: %v", data["old"])
	}
	h.checkChangeReadModels(d)

	// R-CHG-02: the window closes; the engine records it once.
	h.at(2027, 2, 22)
	h.tick()
	h.tick()
	if n := h.deadlineFacts(id, "deadline.change_window_closed"); n != 1 {
		t.Errorf("change window closed facts: %d; want 1", n)
	}

	// R-SUM-01: the summary opens the day after the (changed) end date.
	photo := h.upload("summary_photo", "合影.jpg", jpeg)
	photos := []map[string]any{photo, h.upload("summary_photo", "报告.jpg", jpeg), h.upload("summary_photo", "讨论.jpg", jpeg)}
	proceedings := h.upload("proceedings", "论文集.pdf", pdf)
	h.at(2027, 4, 23)
	h.walk([]step{
		{"open on the last conference day", "POST", d + "/summary/open", applicant, nil, 409, "R-SUM-01"},
		{"save on the last conference day", "PUT", d + "/summary", applicant, summaryContent(3000, photos, proceedings), 409, "R-SUM-01"},
	})
	if res := h.do("POST", "/api/v1/files?kind=summary_photo&name=fake.jpg", applicant, png); res.status != 422 {
		t.Errorf("a PNG named .jpg as a summary photo: %d %s", res.status, res.body)
	}
	h.at(2027, 4, 24)
	before = h.eventCount()
	h.walk([]step{
		{"six photos", "PUT", d + "/summary", applicant, summaryContent(3000, append(photos, photo, photo, photo), proceedings), 422, "R-SUM-03"},
	})
	if h.eventCount() != before {
		t.Errorf("a refused summary wrote events")
	}
	h.walk([]step{
		{"a draft of 2999 characters", "PUT", d + "/summary", applicant, summaryContent(2999, photos[:2], proceedings), 200, ""},
		{"submit 2999 characters and 2 photos", "POST", d + "/summary/submit", applicant, nil, 422, "R-SUM-03"},
	})
	sum := h.do("GET", d+"/summary", applicant, nil).json(t)
	if sum["status"] != "draft" || sum["dueDate"] != "2027-06-23" || sum["overdue"] != false {
		t.Errorf("summary: %v %v %v; want a draft due 2027-06-23", sum["status"], sum["dueDate"], sum["overdue"])
	}

	// Reminders: 14 and 3 days before the due date, once each.
	h.at(2027, 6, 9)
	h.tick()
	h.tick()
	h.at(2027, 6, 20)
	h.tick()
	if n := h.deadlineFacts(id, "deadline.reminded"); n != 2 {
		t.Errorf("reminders: %d; want 2 (14 and 3 days before)", n)
	}

	// R-SUM-02: overdue on 2027-06-24; recorded once; new declarations blocked.
	h.at(2027, 6, 24)
	h.tick()
	h.tick()
	if n := h.deadlineFacts(id, "deadline.summary_overdue"); n != 1 {
		t.Errorf("summary overdue facts: %d; want 1", n)
	}
	inbox := string(h.do("GET", "/api/v1/me/notifications", applicant, nil).body)
	if strings.Count(inbox, `"kind":"deadline_reminder"`) != 2 || strings.Count(inbox, `"kind":"summary_overdue"`) != 1 {
		t.Errorf("the applicant's inbox should hold two reminders and one overdue notice: %s", inbox)
	}
	next := h.nextDeclaration()
	before = h.eventCount()
	res := h.do("POST", next+"/submit", applicant, map[string]any{"commitmentAcknowledged": true})
	if res.status != 409 || !res.hasRule("R-SUM-02") || !strings.Contains(string(res.body), "2027年分布式系统可靠性国际研讨会") {
		t.Fatalf("submit while a summary is overdue: %d %s; want 409 naming R-SUM-02 and the conference", res.status, res.body)
	}
	if h.eventCount() != before {
		t.Errorf("a blocked submission wrote events")
	}
	h.checkStanding(true, id)

	// Handed in late; the block lifts at once.
	h.walk([]step{
		{"complete the summary", "PUT", d + "/summary", applicant, summaryContent(3000, photos, proceedings), 200, ""},
		{"submit", "POST", d + "/summary/submit", applicant, nil, 200, ""},
		{"return without a reason", "POST", d + "/summary/return", school, nil, 422, "R-SUM-04"},
		{"the school returns it", "POST", d + "/summary/return", school, map[string]any{"reason": "请补充照片说明中的职衔"}, 200, ""},
		{"accept a returned one", "POST", d + "/summary/accept", school, nil, 409, "R-SUM-04"},
		{"resubmit", "POST", d + "/summary/submit", applicant, nil, 200, ""},
		{"the school accepts", "POST", d + "/summary/accept", school, map[string]any{"comment": "内容翔实"}, 200, ""},
		{"the next declaration goes through", "POST", next + "/submit", applicant, map[string]any{"commitmentAcknowledged": true}, 200, ""},
	})
	h.checkStanding(false, id)
	var sh struct {
		Summary struct {
			Status  string
			Entries []struct {
				Type string
				Data json.RawMessage
			}
		}
		Deadlines struct{ Entries []struct{ Type string } }
	}
	if err := json.Unmarshal(h.do("GET", d+"/history", auditor, nil).body, &sh); err != nil {
		t.Fatal(err)
	}
	if sh.Summary.Status != "accepted" || len(sh.Summary.Entries) != 7 {
		t.Errorf("summary history: %s with %d entries; want accepted with 7 (opened, two saves, submitted, returned, submitted, accepted)", sh.Summary.Status, len(sh.Summary.Entries))
	}
	for _, e := range sh.Summary.Entries {
		if e.Type == "summary.submitted" && !strings.Contains(string(e.Data), `"late":true`) {
			t.Errorf("a submission after the due date is marked late: %s", e.Data)
		}
	}
	if len(sh.Deadlines.Entries) != 4 {
		t.Errorf("deadline history: %+v; want change window, two reminders, overdue", sh.Deadlines.Entries)
	}
	// The reviewer may download the applicant's photos through the conference.
	if res := h.do("GET", "/api/v1/files/"+photo["id"].(string)+"?declaration="+id, school, nil); res.status != 200 {
		t.Errorf("school downloads a summary photo: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/files/"+photo["id"].(string)+"?declaration="+id, h.tree.OtherUnitAd.Email, nil); res.status != 404 {
		t.Errorf("another unit's admin downloads a summary photo: %d", res.status)
	}
	h.checkSummaryReadModels(id)
}

// nextDeclaration prepares a complete small natural-science declaration
// for 2027-11-10 to 12, ready to submit.
func (h *harness) nextDeclaration(who ...string) string {
	h.t.Helper()
	applicant := h.email(domain.RoleApplicant)
	if len(who) > 0 {
		applicant = who[0]
	}
	b := sections()["basic"].(map[string]any)
	b["scale"], b["nameZh"], b["nameEn"] = "small", "2027年数值代数研讨会", "2027 Workshop on Numerical Algebra"
	b["startDate"], b["endDate"], b["commitmentDate"] = "2027-11-10", "2027-11-12", "2027-09-01"
	res := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"noticeAcknowledged": true,
		"form": map[string]any{"basic": b, "attendance": map[string]any{"foreign": 20, "mainland": 60}}})
	if res.status != 201 {
		h.t.Fatalf("next declaration: %d %s", res.status, res.body)
	}
	d := "/api/v1/declarations/" + res.json(h.t)["id"].(string)
	for name, body := range sections() {
		if name == "basic" || name == "attendance" {
			continue
		}
		if name == "agenda" {
			body = []any{map[string]any{"date": "2027-11-10", "time": "09:00-10:30", "participants": "全体代表", "content": "开幕式"}}
		}
		if res := h.do("PUT", d+"/sections/"+name, applicant, body); res.status != 200 {
			h.t.Fatalf("next: save %s: %d %s", name, res.status, res.body)
		}
	}
	if res := h.do("POST", d+"/people.xlsx", applicant, peopleSheet(h.t, [][]string{{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "John Doe", "美国", "Example University", "Professor"}})); res.status != 200 {
		h.t.Fatalf("next: people: %d %s", res.status, res.body)
	}
	return d
}

// TestTwoDeadlineEnginesRecordOnce runs two deadline engines, each with
// its own command layer as two server processes would have, at once and
// repeatedly over conferences whose change window closed and whose summary
// fell overdue: each fact is recorded exactly once (R-SUM-02, R-CHG-02),
// and an engine started afterwards (a restart) records nothing more.
func TestTwoDeadlineEnginesRecordOnce(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for range 4 {
		h.at(2026, 9, 10)
		ids = append(ids, h.approvedDeclaration())
	}
	h.at(2027, 7, 1)
	h.settle()
	as := auth.NewStore(h.pool, h.clock.Now)
	files, err := filestore.NewLocal(h.filesDir, h.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := commands.New(commands.Deps{Store: h.store, Clock: h.clock, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(h.pool)})
	if err != nil {
		t.Fatal(err)
	}
	other := &deadlines.Engine{Candidates: projections.NewQueries(h.pool), App: second, Policies: second.Policies(), Clock: h.clock, Batch: 1}
	for round := range 3 {
		var wg sync.WaitGroup
		var recorded atomic.Int64
		for _, e := range []*deadlines.Engine{h.engine, other} {
			wg.Go(func() {
				st, err := e.Tick(t.Context())
				if err != nil {
					t.Errorf("round %d: %v", round, err)
				}
				recorded.Add(int64(st.Recorded))
			})
		}
		wg.Wait()
		if round == 0 && recorded.Load() < int64(len(ids)) {
			t.Errorf("first round recorded on %d conferences; want at least %d", recorded.Load(), len(ids))
		}
		h.settle()
	}
	restarted := &deadlines.Engine{Candidates: projections.NewQueries(h.pool), App: second, Policies: second.Policies(), Clock: h.clock}
	if st, err := restarted.Tick(t.Context()); err != nil || st.Recorded != 0 {
		t.Errorf("a restarted engine: %+v %v; want nothing recorded", st, err)
	}
	for _, id := range ids {
		for _, typ := range []string{"deadline.summary_overdue", "deadline.change_window_closed"} {
			if n := h.deadlineFacts(id, typ); n != 1 {
				t.Errorf("%s: %s recorded %d times; want once", id, typ, n)
			}
		}
	}
}

// checkChangeReadModels: after an approved change the lists and detail
// show the new values, the change-request views both (R-CHG-04).
func (h *harness) checkChangeReadModels(d string) {
	t := h.t
	t.Helper()
	school, applicant := h.email(domain.RoleSchoolAdmin), h.email(domain.RoleApplicant)
	list := h.do("GET", "/api/v1/declarations?q="+url.QueryEscape("可靠性国际"), school, nil).json(t)
	if list["total"] != float64(1) {
		t.Errorf("the list finds the conference by its new name: %v", list)
	}
	if detail := string(h.do("GET", d+"/detail", applicant, nil).body); !strings.Contains(detail, "2027年分布式系统可靠性国际研讨会") || !strings.Contains(detail, "2027-04-21") {
		t.Errorf("detail shows the new values: %s", detail)
	}
	cr := h.do("GET", d+"/change-request", school, nil).json(t)
	if cr["status"] != "approved" || cr["old"].(map[string]any)["nameZh"] != "2027年分布式系统国际研讨会" || cr["new"].(map[string]any)["nameZh"] != "2027年分布式系统可靠性国际研讨会" {
		t.Errorf("change request view: %v", cr)
	}
	if st := h.do("GET", d+"/change-request/status", applicant, nil).json(t); st["status"] != "approved" {
		t.Errorf("change request status view: %v", st)
	}
	if lg := string(h.do("GET", d+"/change-request/log", school, nil).body); !strings.Contains(lg, "变更审核通过") || !strings.Contains(lg, "同意变更") {
		t.Errorf("change request log: %s", lg)
	}
	// What the school approved: the request as its stream stood before
	// the decision, read back through the log's link.
	var clog struct {
		Entries []struct {
			DecidedOn *int64 `json:"decidedOnRevision"`
			RecordURL string `json:"recordUrl"`
		} `json:"entries"`
	}
	decode(t, h.do("GET", d+"/change-request/log", school, nil), &clog)
	if n := len(clog.Entries); n != 2 || clog.Entries[1].DecidedOn == nil || *clog.Entries[1].DecidedOn != 1 || clog.Entries[1].RecordURL != d+"/change-request?atRevision=1" {
		t.Errorf("the school's decision in the change log: %+v", clog.Entries)
	} else {
		then := h.do("GET", clog.Entries[1].RecordURL, school, nil).json(t)
		state, _ := then["state"].(map[string]any)
		if then["kind"] != "change" || then["version"] != 1.0 || state["status"] != "requested" ||
			state["request"].(map[string]any)["new"].(map[string]any)["nameZh"] != "2027年分布式系统可靠性国际研讨会" {
			t.Errorf("the change request the school approved: %v", then)
		}
	}
	if res := h.do("GET", d+"/change-request?atRevision=3", school, nil); res.status != 422 || !res.hasRule("REVISION@query:atRevision") {
		t.Errorf("the change request past its last revision: %d %s", res.status, res.body)
	}
	crs := h.do("GET", "/api/v1/change-requests?status=approved", school, nil).json(t)
	if crs["total"] != float64(1) {
		t.Errorf("change requests list: %v", crs)
	}
	if res := h.do("GET", d+"/change-request", h.tree.OtherApp.Email, nil); res.status != 404 {
		t.Errorf("another applicant reads the change request: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/change-requests?status=maybe", school, nil); res.status != 400 {
		t.Errorf("a bad status filter: %d", res.status)
	}
}

// checkStanding: the applicant's standing says whether they are blocked,
// naming the conference (R-SUM-02); the admins' list agrees.
func (h *harness) checkStanding(blocked bool, id string) {
	t := h.t
	t.Helper()
	st := h.do("GET", "/api/v1/me/standing", h.email(domain.RoleApplicant), nil).json(t)
	if st["blocked"] != blocked {
		t.Errorf("standing blocked = %v; want %v: %v", st["blocked"], blocked, st)
	}
	if blocked && !strings.Contains(fmt.Sprint(st["blocking"]), id) {
		t.Errorf("standing does not name the overdue conference %s: %v", id, st["blocking"])
	}
	overdue := h.do("GET", "/api/v1/summaries?state=overdue", h.email(domain.RoleSchoolAdmin), nil).json(t)
	if got := overdue["total"] == float64(1); got != blocked {
		t.Errorf("overdue summaries for the school: %v; want one: %v", overdue["total"], blocked)
	}
}

// checkSummaryReadModels: accepted summaries count in the statistics with
// Hong Kong and Taiwan as domestic (R-SUM-03); the list says accepted.
func (h *harness) checkSummaryReadModels(id string) {
	t := h.t
	t.Helper()
	list := h.do("GET", "/api/v1/summaries?state=accepted", h.email(domain.RoleSchoolAdmin), nil).json(t)
	if list["total"] != float64(1) || !strings.Contains(fmt.Sprint(list["items"]), id) {
		t.Errorf("accepted summaries: %v", list)
	}
	d := "/api/v1/declarations/" + id
	if st := h.do("GET", d+"/summary/status", h.email(domain.RoleApplicant), nil).json(t); st["status"] != "accepted" {
		t.Errorf("summary status view: %v", st)
	}
	if lg := string(h.do("GET", d+"/summary/log", h.email(domain.RoleAuditor), nil).body); !strings.Contains(lg, "请补充照片说明中的职衔") || !strings.Contains(lg, "总结审核通过") {
		t.Errorf("summary log: %s", lg)
	}
	// The acceptance links to the summary as the school read it (submitted
	// again after the return) and compares it with what it returned.
	var slog struct {
		Entries []struct {
			DecidedOn    *int64 `json:"decidedOnRevision"`
			RecordURL    string `json:"recordUrl"`
			ChangesSince *int64 `json:"changesSinceRevision"`
		} `json:"entries"`
	}
	decode(t, h.do("GET", d+"/summary/log", h.email(domain.RoleAuditor), nil), &slog)
	var decided []int64
	for _, e := range slog.Entries {
		if e.DecidedOn != nil {
			decided = append(decided, *e.DecidedOn)
		}
	}
	if accept := slog.Entries[len(slog.Entries)-1]; len(decided) != 2 || accept.ChangesSince == nil || *accept.ChangesSince != decided[0] {
		t.Errorf("summary decisions made on %v; the acceptance compares with %v", decided, accept.ChangesSince)
	} else if then := h.do("GET", accept.RecordURL, h.email(domain.RoleAuditor), nil).json(t); then["status"] != "submitted" || then["version"] != float64(decided[1]) {
		t.Errorf("the summary the school accepted (%s): %v", accept.RecordURL, then)
	}
	stats := h.do("GET", "/api/v1/statistics/summaries?year=2027", h.email(domain.RoleAnalyst), nil).json(t)
	if stats["conferences"] != float64(1) || stats["domestic"] != float64(100) || stats["foreign"] != float64(42) ||
		stats["papersDomestic"] != float64(48) || stats["papersForeign"] != float64(31) {
		t.Errorf("statistics: %v; want 1 conference, 100 domestic (90+6+4), 42 foreign, papers 48/31", stats)
	}
	if res := h.do("GET", "/api/v1/statistics/summaries?year=twenty", h.email(domain.RoleAnalyst), nil); res.status != 400 {
		t.Errorf("a bad year: %d", res.status)
	}
}

// TestNGOFilingDeadline: an overseas NGO's temporary activity is filed 15
// days before the start (R-DECL-11): the engine records the day passing
// once, the applicant confirms the filing once, with a receipt that is
// their own upload, never on a future day.
func TestNGOFilingDeadline(t *testing.T) {
	h := newHarness(t)
	id := h.approvedDeclaration(func(s map[string]any) {
		s["statements"] = map[string]any{"flags": map[string]any{}, "overseasNgo": true}
	})
	d := "/api/v1/declarations/" + id
	applicant := h.email(domain.RoleApplicant)
	if lead := h.do("GET", d, applicant, nil).json(t)["lead"].(map[string]any); lead["ngoFileBy"] != "2027-04-05" {
		t.Fatalf("NGO filing day: %v; want 2027-04-05", lead["ngoFileBy"])
	}
	h.at(2027, 4, 5)
	h.tick()
	if n := h.deadlineFacts(id, "deadline.ngo_filing_overdue"); n != 0 {
		t.Errorf("overdue on the day itself: %d", n)
	}
	h.at(2027, 4, 6)
	h.tick()
	h.tick()
	if n := h.deadlineFacts(id, "deadline.ngo_filing_overdue"); n != 1 {
		t.Errorf("NGO filing overdue facts: %d; want 1", n)
	}
	receipt := h.upload("ngo_receipt", "备案回执.pdf", pdf)
	forged := map[string]any{"id": receipt["id"], "sha256": strings.Repeat("0", 64), "name": receipt["name"], "contentType": receipt["contentType"], "size": receipt["size"]}
	before := h.eventCount()
	h.walk([]step{
		{"a filing day in the future", "POST", d + "/ngo-filing", applicant, map[string]any{"filedOn": "2027-04-07"}, 422, "R-DECL-11"},
		{"a forged receipt", "POST", d + "/ngo-filing", applicant, map[string]any{"filedOn": "2027-04-06", "receipt": forged}, 422, "R-DECL-11"},
		{"someone else", "POST", d + "/ngo-filing", h.tree.OtherApp.Email, map[string]any{"filedOn": "2027-04-06"}, 404, ""},
	})
	if h.eventCount() != before {
		t.Errorf("refused confirmations wrote events")
	}
	h.walk([]step{
		{"confirmed", "POST", d + "/ngo-filing", applicant, map[string]any{"filedOn": "2027-04-06", "receipt": receipt}, 200, ""},
		{"confirmed twice", "POST", d + "/ngo-filing", applicant, map[string]any{"filedOn": "2027-04-06"}, 409, ""},
	})
	if res := h.do("GET", "/api/v1/files/"+receipt["id"].(string)+"?declaration="+id, h.email(domain.RoleSchoolAdmin), nil); res.status != 200 {
		t.Errorf("the school reads the receipt: %d", res.status)
	}
}

// TestBlockScopeFromPolicy: whom an overdue summary blocks is policy
// (R-SUM-02, R-POL-01): by default only its applicant; with the scope set
// to the university, an applicant of another unit of the same university
// too; the refusal names the overdue conference.
func TestBlockScopeFromPolicy(t *testing.T) {
	h := newHarness(t)
	h.approvedDeclaration()
	h.at(2027, 6, 24)
	other := h.tree.OtherApp.Email
	next := h.nextDeclaration(other)
	h.settle()
	ok := h.do("POST", next+"/submit", other, map[string]any{"commitmentAcknowledged": true})
	if ok.status != 200 {
		t.Fatalf("another unit's applicant under the applicant scope: %d %s; want 200", ok.status, ok.body)
	}
	next = h.nextDeclaration(other)
	admin := h.email(domain.RolePlatformAdmin)
	p := h.do("GET", "/api/v1/policy", admin, nil).json(t)
	p["version"] = "2027.2"
	p["summary"].(map[string]any)["blockScope"] = "university"
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != 200 {
		t.Fatalf("publish policy: %d %s", res.status, res.body)
	}
	res := h.do("POST", next+"/submit", other, map[string]any{"commitmentAcknowledged": true})
	if res.status != 409 || !res.hasRule("R-SUM-02") || !strings.Contains(string(res.body), "2027年分布式系统国际研讨会") {
		t.Errorf("university scope: %d %s; want 409 naming R-SUM-02 and the conference", res.status, res.body)
	}
	p["summary"].(map[string]any)["blockScope"] = "faculty"
	p["version"] = "2027.3"
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != 422 || !res.hasRule("R-POL-01") {
		t.Errorf("an unknown blocking scope: %d %v", res.status, res.rules())
	}
}
