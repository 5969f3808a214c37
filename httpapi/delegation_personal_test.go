package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	stdpng "image/png"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/personal"
)

// congressWith is a congress of the harness's authority with the
// harness's unit invited and allotted seats committee candidates and
// representatives each (no minimums) and staff staff; it answers the
// congress's path.
func congressWith(t *testing.T, h *harness, seats, staff int) string {
	t.Helper()
	organiser := h.email(domain.RoleAuthorityReviewer)
	res := h.do("POST", "/api/v1/congresses", organiser, map[string]string{"name": "第九次代表大会", "referenceDate": "2027-03-01"}, "Idempotency-Key", "congress-with")
	if res.status != http.StatusCreated {
		t.Fatalf("create congress: %d %s", res.status, res.body)
	}
	cong := res.header.Get("Location")
	q := map[string]int{"seats": seats, "grassroots": 0, "under45": 0, "minority": 0, "democraticParty": 0, "women": 0}
	allot := map[string]any{"allotment": map[string]any{"committee": q, "representatives": q, "specialInvited": 0, "observers": 0, "guests": 0, "staff": staff}}
	if res := h.do("PUT", cong+"/units/"+h.tree.Unit.String(), organiser, allot, "Idempotency-Key", "congress-with-allot"); res.status != http.StatusOK {
		t.Fatalf("allot: %d %s", res.status, res.body)
	}
	return cong
}

// delegationStream is the stream of the harness's unit's delegation to
// the congress at path cong.
func delegationStream(t *testing.T, h *harness, cong string) string {
	t.Helper()
	id, err := uuid.Parse(path.Base(cong))
	if err != nil {
		t.Fatal(err)
	}
	return commands.DelegationStream(delegation.ID(id, h.tree.Unit))
}

// storedStream is a stream's payloads as the events table holds them.
func storedStream(t *testing.T, h *harness, stream string) string {
	t.Helper()
	var s string
	if err := h.pool.QueryRow(context.Background(), `SELECT coalesce(string_agg(data::text, ' ' ORDER BY number), '') FROM events WHERE stream_id = $1`, stream).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNomineePersonalFieldsEncryptedR_DEL_08: a nominee's name, birth date
// and details (gender, ethnicity, party) are never in clear in the events
// table; erasing the nominee (their id is the person's) blanks them
// everywhere they are read while the stream's hash chain, over the
// unchanged stored events, still verifies. The quota counts stay.
func TestNomineePersonalFieldsEncryptedR_DEL_08(t *testing.T) {
	h := newHarness(t)
	unitAdmin, admin := h.email(domain.RoleUnitAdmin), h.email(domain.RolePlatformAdmin)
	cong := congressWith(t, h, 1, 1)
	res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": "龚翊鸣", "identity": "committee", "birthDate": "1983-07-19",
		"profile": map[string]any{"gender": "female", "ethnicity": "鄂温克族", "affiliations": []string{"九三学社"}, "grassroots": true}},
		"Idempotency-Key", "add-personal")
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	if res := h.do("PUT", cong+"/nominees/"+nominee, unitAdmin, map[string]any{"name": "龚翊鸣", "birthDate": "1983-07-19",
		"profile": map[string]any{"gender": "female", "ethnicity": "鄂温克族", "affiliations": []string{"九三学社", "中国民主同盟"}, "grassroots": true}},
		"Idempotency-Key", "edit-personal"); res.status != http.StatusOK {
		t.Fatalf("edit: %d %s", res.status, res.body)
	}
	stream := delegationStream(t, h, cong)
	before := storedStream(t, h, stream)
	for _, clear := range []string{"龚翊鸣", "1983-07-19", "鄂温克族", "九三学社", "中国民主同盟", "female"} {
		if strings.Contains(before, clear) {
			t.Errorf("the events table holds %q in clear: %s", clear, before)
		}
	}
	if !strings.Contains(before, "econf:pii:1:") {
		t.Fatalf("no encrypted value stored: %s", before)
	}
	view := func() string {
		return string(h.do("GET", cong+"/units/"+h.tree.Unit.String()+"/delegation", unitAdmin, nil).body)
	}
	if v := view(); !strings.Contains(v, "龚翊鸣") || !strings.Contains(v, "鄂温克族") || !strings.Contains(v, "1983-07-19") {
		t.Fatalf("the unit does not read its nominee: %s", v)
	}

	res = h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": nominee, "reason": "被推荐人依《个人信息保护法》申请删除"})
	if res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	if got := res.json(t); got["keys"].(float64) != 1 || got["fields"].(float64) < 6 {
		t.Errorf("erasure answer %v", got)
	}
	if after := storedStream(t, h, stream); after != before {
		t.Error("erasure changed the stored events")
	}
	v := view()
	for _, clear := range []string{"龚翊鸣", "1983-07-19", "鄂温克族", "九三学社"} {
		if strings.Contains(v, clear) {
			t.Errorf("after erasure the delegation still shows %q: %s", clear, v)
		}
	}
	if !strings.Contains(v, personal.Erased) || !strings.Contains(v, `"minority":true`) {
		t.Errorf("after erasure: %s", v)
	}
	events, err := h.stored.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := eventstore.VerifyChain(events); n != 0 || len(events) != 2 {
		t.Errorf("chain of %d events breaks at %d after erasure", len(events), n)
	}
}

// photoPNG is a real w×h PNG image.
func photoPNG(t *testing.T, w, hgt int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, hgt))
	for x := range w {
		for y := range hgt {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var b bytes.Buffer
	if err := stdpng.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// uploadAs keeps a file as who and answers the reference a nominee gives.
func uploadAs(t *testing.T, h *harness, who, kind, name string, body []byte) map[string]any {
	t.Helper()
	res := h.do("POST", "/api/v1/files?kind="+kind+"&name="+url.QueryEscape(name), who, body)
	if res.status != http.StatusCreated {
		t.Fatalf("upload %s: %d %s", name, res.status, res.body)
	}
	f := res.json(t)
	return map[string]any{"id": f["id"], "sha256": f["sha256"], "name": f["name"], "contentType": f["contentType"], "size": f["size"]}
}

// residentID completes 17 digits with the GB 11643-1999 check character.
func residentID(s17 string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

// nomineeDetails is the seed's three pages for someone born on birth
// (yyyymmdd in the ID number).
func nomineeDetails(idNumber string, photo map[string]any) map[string]any {
	p := map[string]any{"gender": "female", "ethnicity": "蒙古族", "affiliations": []string{"中国民主同盟"}, "grassroots": true,
		"nationality": "中国", "nativePlace": map[string]string{"province": "北京市", "city": "市辖区", "district": "西城区"},
		"birthplace": map[string]string{"province": "内蒙古自治区", "city": "呼和浩特市"}, "email": "nominee.test@example.edu.cn", "mobile": "13900000123",
		"occupation": "科研人员", "occupationDetail": "高等学校", "idType": "resident_id", "idNumber": idNumber,
		"fullTimeEducation":  map[string]string{"level": "博士研究生", "degree": "博士", "school": "某某大学", "major": "计算机科学"},
		"inServiceEducation": map[string]string{"level": "硕士研究生", "degree": "硕士", "school": "某某学院", "major": "管理学"},
		"discipline":         "数学", "title": "教授", "titleLevel": "正高级", "academician": "cae", "employer": "某某大学", "position": "院长",
		"academicPosts":    []map[string]string{{"kind": "全国学会", "organisation": "某学会", "role": "理事"}},
		"partyPosts":       []map[string]string{{"kind": "其他社会组织", "organisation": "某协会", "role": "会员"}},
		"associationStaff": true, "staffCategory": "农技协", "previousTerm": "常务委员", "npc": "省级", "cppcc": "市级",
		"resume": "1999年至今 某某大学\n2005年 访问学者"}
	if photo != nil {
		p["photo"] = photo
	}
	return p
}

// TestNomineeDetailsScopedAndMaskedR_DEL_02: the three pages of details
// with a photo uploaded by the unit; a malformed resident ID, one whose
// birth date is not the nominee's, a photo of the wrong kind or too small
// refused at their paths with nothing written; the ID number masked in
// every answer; the personal fields shown to the unit and (once reported)
// the organiser only, not to an auditor; the photo downloaded through the
// delegation by those who may, by no one else.
func TestNomineeDetailsScopedAndMaskedR_DEL_02(t *testing.T) {
	h := newHarness(t)
	unitAdmin, organiser, auditor := h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuthorityReviewer), h.email(domain.RoleAuditor)
	cong := congressWith(t, h, 1, 0)
	photo := uploadAs(t, h, unitAdmin, "nominee_photo", "证件照.png", photoPNG(t, 120, 160))
	tiny := uploadAs(t, h, unitAdmin, "nominee_photo", "小图.png", photoPNG(t, 20, 20))
	scan := uploadAs(t, h, unitAdmin, "nominee_attachment", "推荐信.png", photoPNG(t, 120, 160))
	id := residentID("15010219820301004") // born 1982-03-01: 45 on the reference date
	add := func(key, birth string, profile map[string]any) response {
		return h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": "乌兰测试", "identity": "committee", "birthDate": birth, "profile": profile},
			"Idempotency-Key", key)
	}
	events := h.eventCount()
	for _, c := range []struct {
		name, birth string
		profile     map[string]any
		want        string
	}{
		{"a wrong check character", "1982-03-01", nomineeDetails(id[:17]+"0", photo), "R-DEL-02@profile.idNumber"},
		{"a birth date not the ID's", "1982-03-02", nomineeDetails(id, photo), "R-DEL-02@profile.idNumber"},
		{"a photo too small", "1982-03-01", nomineeDetails(id, tiny), "R-DEL-02@profile.photo.id"},
		{"an attachment as the photo", "1982-03-01", nomineeDetails(id, scan), "R-DEL-02@profile.photo.id"},
		{"born after the reference date", "2027-03-02", nomineeDetails("", photo), "R-DEL-02@birthDate"},
	} {
		if c.profile["idNumber"] == "" {
			delete(c.profile, "idNumber")
			delete(c.profile, "idType")
		}
		if res := add("bad-"+c.name, c.birth, c.profile); res.status != http.StatusUnprocessableEntity || !res.hasRule(c.want) {
			t.Errorf("%s: %d %s", c.name, res.status, res.body)
		}
	}
	if n := h.eventCount(); n != events {
		t.Fatalf("refused additions wrote %d events", n-events)
	}
	res := add("good", "1982-03-01", nomineeDetails(id, photo))
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	if raw := storedStream(t, h, delegationStream(t, h, cong)); strings.Contains(raw, id) || strings.Contains(raw, "13900000123") || strings.Contains(raw, "某某大学") {
		t.Errorf("details in clear in the events table: %s", raw)
	}
	delegationPath := cong + "/units/" + h.tree.Unit.String() + "/delegation"
	masked := id[:4] + "**********" + id[14:]
	check := func(who string, personal bool) {
		t.Helper()
		res := h.do("GET", delegationPath, who, nil)
		if res.status != http.StatusOK {
			t.Fatalf("delegation as %s: %d %s", who, res.status, res.body)
		}
		body := string(res.body)
		if strings.Contains(body, id) {
			t.Errorf("%s reads the whole ID number: %s", who, body)
		}
		n := res.json(t)["nominees"].([]any)[0].(map[string]any)
		if n["personal"] != personal {
			t.Errorf("%s: personal %v", who, n["personal"])
		}
		if !personal {
			if strings.Contains(body, "乌兰测试") || strings.Contains(body, "13900000123") || strings.Contains(body, "1982-03-01") || strings.Contains(body, "蒙古族") {
				t.Errorf("%s reads personal fields: %s", who, body)
			}
			if in := n["indicators"].(map[string]any); in["under45"] != true || in["minority"] != true {
				t.Errorf("%s: indicators %v", who, in)
			}
			return
		}
		p := n["profile"].(map[string]any)
		if n["name"] != "乌兰测试" || p["idNumber"] != masked || p["mobile"] != "13900000123" || n["age"] != 45.0 ||
			p["fullTimeEducation"].(map[string]any)["school"] != "某某大学" || p["academician"] != "cae" {
			t.Errorf("%s reads %v", who, n)
		}
	}
	check(unitAdmin, true)
	check(auditor, false)
	photoURL := "/api/v1/files/" + photo["id"].(string) + "?congress=" + path.Base(cong) + "&unit=" + h.tree.Unit.String()
	if res := h.do("GET", photoURL, auditor, nil); res.status != http.StatusNotFound {
		t.Errorf("an auditor downloads the photo: %d", res.status)
	}
	for _, step := range []string{"approve"} {
		if res := h.do("POST", cong+"/nominees/"+nominee+"/"+step, unitAdmin, nil, "Idempotency-Key", "s-"+step); res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", step, res.status, res.body)
		}
	}
	if res := h.do("POST", cong+"/report", unitAdmin, nil, "Idempotency-Key", "report"); res.status != http.StatusOK {
		t.Fatalf("report: %d %s", res.status, res.body)
	}
	check(organiser, true)
	if res := h.do("GET", photoURL, organiser, nil); res.status != http.StatusOK || res.header.Get("Content-Type") != "image/png" {
		t.Errorf("the organiser downloads the photo: %d", res.status)
	}
	if res := h.do("GET", photoURL, h.tree.OtherUnitAd.Email, nil); res.status != http.StatusNotFound {
		t.Errorf("another unit downloads the photo: %d", res.status)
	}
	// The registration form prints the personal fields and the photo for
	// the organiser, neither for an auditor (R-DEL-06).
	formsURL := cong + "/units/" + h.tree.Unit.String() + "/registration-forms.pdf"
	for _, c := range []struct {
		who      string
		personal bool
	}{{organiser, true}, {auditor, false}} {
		res := h.do("GET", formsURL, c.who, nil)
		if res.status != http.StatusOK {
			t.Fatalf("forms as %s: %d", c.who, res.status)
		}
		if pdfDraws(res.body, '乌') != c.personal || bytes.Contains(res.body, []byte("/Subtype /Image")) != c.personal {
			t.Errorf("forms as %s: name or photo drawn %v, want %v", c.who, pdfDraws(res.body, '乌'), c.personal)
		}
	}
	// The delegates list shows the personal columns to the unit and the
	// organiser, the rows without them to an auditor, who cannot search
	// them either.
	h.settle()
	for _, c := range []struct {
		who, query string
		rows       int
		name       string
	}{{unitAdmin, "", 1, "乌兰测试"}, {organiser, "?name=乌兰", 1, "乌兰测试"}, {auditor, "", 1, ""}, {auditor, "?name=乌兰", 0, ""}, {auditor, "?ethnicity=蒙古族", 0, ""}} {
		res := h.do("GET", "/api/v1/delegates"+c.query, c.who, nil)
		if res.status != http.StatusOK {
			t.Fatalf("delegates%s as %s: %d %s", c.query, c.who, res.status, res.body)
		}
		items := res.json(t)["items"].([]any)
		if len(items) != c.rows || (c.rows > 0 && items[0].(map[string]any)["name"] != c.name) {
			t.Errorf("delegates%s as %s: %s", c.query, c.who, res.body)
		}
		if c.name == "" && strings.Contains(string(res.body), "蒙古族") {
			t.Errorf("delegates%s as %s shows the ethnicity: %s", c.query, c.who, res.body)
		}
	}
	// A reported nominee's details are not the unit's to change (R-DEL-05).
	if res := h.do("PUT", cong+"/nominees/"+nominee, unitAdmin, map[string]any{"name": "乌兰测试", "birthDate": "1982-03-01", "profile": nomineeDetails(id, photo)},
		"Idempotency-Key", "edit-reported"); res.status != http.StatusConflict || !res.hasRule("R-DEL-05") {
		t.Errorf("edit a reported nominee: %d %s", res.status, res.body)
	}
}

// TestNomineeAccountsAttachmentsBatchR_DEL_03_08: a nominee's account is
// disabled and enabled (while disabled it is not reviewed and the unit may
// not report); files are attached from the unit's uploads; a batch review
// is all or nothing: one nominee that cannot be decided refuses the batch,
// naming it, and nothing is written; a batch that can be is one decision
// with each nominee's result. Deregistering a nominee (R-DEL-08) erases
// their personal data and deletes their photo and attachments, while the
// history still verifies.
func TestNomineeAccountsAttachmentsBatchR_DEL_03_08(t *testing.T) {
	h := newHarness(t)
	unitAdmin := h.email(domain.RoleUnitAdmin)
	cong := congressWith(t, h, 1, 2)
	photo := uploadAs(t, h, unitAdmin, "nominee_photo", "证件照.png", photoPNG(t, 110, 150))
	scan := uploadAs(t, h, unitAdmin, "nominee_attachment", "推荐信.pdf", pdf)
	other := uploadAs(t, h, h.tree.OtherUnitAd.Email, "nominee_attachment", "别人的.pdf", pdf)
	add := func(name, identity string, profile map[string]any) string {
		t.Helper()
		res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": name, "identity": identity, "birthDate": "1990-05-06", "profile": profile},
			"Idempotency-Key", "add-"+name)
		if res.status != http.StatusCreated {
			t.Fatalf("add %s: %d %s", name, res.status, res.body)
		}
		return res.json(t)["id"].(string)
	}
	plain := map[string]any{"gender": "male", "ethnicity": "汉族", "affiliations": []string{"群众"}, "grassroots": false}
	a := add("测试甲", "committee", plain)
	b := add("测试乙", "staff", plain)
	c := add("测试丙", "staff", map[string]any{"gender": "female", "ethnicity": "汉族", "affiliations": []string{"群众"}, "grassroots": false, "photo": photo})
	nom := func(id, action string, body any, key string) response {
		return h.do("POST", cong+"/nominees/"+id+"/"+action, unitAdmin, body, "Idempotency-Key", key)
	}
	batch := func(decision, reason, key string, ids ...string) response {
		return h.do("POST", cong+"/nominees/review", unitAdmin, map[string]any{"decision": decision, "reason": reason, "nominees": ids}, "Idempotency-Key", key)
	}

	// Attachments: the unit's uploads of the right kind only.
	attach := func(key string, files ...map[string]any) response {
		return h.do("PUT", cong+"/nominees/"+a+"/attachments", unitAdmin, map[string]any{"files": files}, "Idempotency-Key", key)
	}
	if res := attach("att-other", other); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-03@files[0].id") {
		t.Errorf("another's upload attached: %d %s", res.status, res.body)
	}
	if res := attach("att-photo", photo); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-03@files[0].id") {
		t.Errorf("a photo upload attached: %d %s", res.status, res.body)
	}
	if res := attach("att", scan); res.status != http.StatusOK {
		t.Fatalf("attach: %d %s", res.status, res.body)
	}

	// Disabled: not reviewed, and the batch naming it is refused whole.
	if res := nom(b, "disable", nil, "dis-b"); res.status != http.StatusOK {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	if res := nom(b, "disable", nil, "dis-b2"); res.status != http.StatusConflict || !res.hasRule("R-DEL-08") {
		t.Errorf("disable twice: %d %s", res.status, res.body)
	}
	if res := nom(b, "approve", nil, "app-b"); res.status != http.StatusConflict || !res.hasRule("R-DEL-08") {
		t.Errorf("approve a disabled nominee: %d %s", res.status, res.body)
	}
	events := h.eventCount()
	if res := batch("approve", "", "batch-1", a, b, c); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-08@nominees[1]") ||
		res.hasRule("R-DEL-08@nominees[0]") || res.hasRule("R-DEL-08@nominees[2]") {
		t.Errorf("a batch with a disabled nominee: %d %s", res.status, res.body)
	}
	if res := batch("reject", "", "batch-2", a); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-03@reason") {
		t.Errorf("a batch rejection without an opinion: %d %s", res.status, res.body)
	}
	if res := batch("approve", "", "batch-3", a, a); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-03@nominees[1]") {
		t.Errorf("a nominee twice: %d %s", res.status, res.body)
	}
	if res := batch("approve", "", "batch-4", a, uuid.NewString()); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-DEL-03@nominees[1]") {
		t.Errorf("a nominee not the unit's: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != events {
		t.Fatalf("refused batches wrote %d events", n-events)
	}
	if res := nom(b, "enable", nil, "en-b"); res.status != http.StatusOK {
		t.Fatalf("enable: %d %s", res.status, res.body)
	}
	res := batch("approve", "同意", "batch-5", a, b)
	if res.status != http.StatusOK {
		t.Fatalf("batch approve: %d %s", res.status, res.body)
	}
	results := res.json(t)["results"].([]any)
	if len(results) != 2 || results[0].(map[string]any)["status"] != "approved" || results[1].(map[string]any)["nominee"] != b {
		t.Errorf("batch results %v", results)
	}
	if again := batch("approve", "同意", "batch-5", a, b); again.status != http.StatusOK || len(again.json(t)["results"].([]any)) != 2 {
		t.Errorf("the batch replayed: %d %s", again.status, again.body)
	}
	if res := nom(c, "disable", nil, "dis-c"); res.status != http.StatusOK {
		t.Fatalf("disable c: %d %s", res.status, res.body)
	}
	if res := h.do("POST", cong+"/report", unitAdmin, nil, "Idempotency-Key", "rep"); res.status != http.StatusConflict || !res.hasRule("R-DEL-08") {
		t.Errorf("report with a disabled nominee: %d %s", res.status, res.body)
	}

	// Deregistered: their personal data and files gone for good.
	if _, err := os.Stat(filepath.Join(h.filesDir, "meta", photo["id"].(string)+".json")); err != nil {
		t.Fatalf("the photo before: %v", err)
	}
	if res := nom(c, "deregister", nil, "dereg-c"); res.status != http.StatusOK {
		t.Fatalf("deregister: %d %s", res.status, res.body)
	}
	if _, err := os.Stat(filepath.Join(h.filesDir, "meta", photo["id"].(string)+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deregistered nominee's photo is still stored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(h.filesDir, "blobs", photo["sha256"].(string))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the photo's content is still stored: %v", err)
	}
	admin := h.email(domain.RolePlatformAdmin)
	if res := h.do("GET", "/api/v1/persons/"+c+"/personal-data", admin, nil); res.status != http.StatusOK || strings.Contains(string(res.body), "测试丙") {
		t.Errorf("the deregistered nominee's data: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": c, "reason": "再次删除"}); res.status != http.StatusConflict {
		t.Errorf("erase after deregistering: %d %s", res.status, res.body)
	}
	stream := delegationStream(t, h, cong)
	stored, err := h.stored.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := eventstore.VerifyChain(stored); n != 0 {
		t.Errorf("chain breaks at %d after the erasure", n)
	}
	// The platform admin's erasure of a nominee deletes their attachment too.
	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": a, "reason": "本人申请删除"}); res.status != http.StatusOK {
		t.Fatalf("erase a: %d %s", res.status, res.body)
	}
	if _, err := os.Stat(filepath.Join(h.filesDir, "meta", scan["id"].(string)+".json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the erased nominee's attachment is still stored: %v", err)
	}
}
