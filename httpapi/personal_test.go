package httpapi_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/deadlines"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// The person erased: the applicant block of a forecast names them. Their
// name's characters appear nowhere else in a forecast form, so a PDF's
// ToUnicode map shows whether it was drawn.
const (
	erasedName   = "龚翊"
	erasedMobile = "13900000077"
	erasedEmail  = "gong.yi@example.edu.cn"
)

// TestErasePersonEverywhere: a person's personal fields are encrypted in
// the events table; once a platform admin erases them (with a reason),
// they are unreadable in the read models (detail, list, status, log),
// the history, the export, the PDF form and the mails still queued, while
// every stream's hash chain still verifies over the unchanged stored
// events. An unknown person, a second erasure, a missing reason and a
// non-admin are refused with precise problems and write nothing.
func TestErasePersonEverywhere(t *testing.T) {
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		pool, store := c.Pool, c.App.Store()
		c.Erased = func(ctx context.Context, _ uuid.UUID) {
			if err := projections.Refresh(ctx, pool, store, projections.All()...); err != nil {
				t.Errorf("refresh read models: %v", err)
			}
		}
	})
	ctx := context.Background()
	applicant, unit, auditor, admin := h.email(domain.RoleApplicant), h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuditor), h.email(domain.RolePlatformAdmin)
	id, _ := h.submit(func(m map[string]any) {
		m["applicant"] = map[string]any{"name": erasedName, "staffNo": "T7707", "title": "教授", "unit": "计算机学院",
			"department": "软件工程系", "mobile": erasedMobile, "email": erasedEmail}
	})
	if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", unit, map[string]any{"comment": "同意"}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	h.settle()
	stored := func() string {
		t.Helper()
		var s string
		if err := h.pool.QueryRow(ctx, `SELECT string_agg(data::text, ' ' ORDER BY number) FROM events WHERE stream_id = $1`, "forecast-"+id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := stored()
	for _, clear := range []string{erasedName, erasedMobile, erasedEmail, "T7707"} {
		if strings.Contains(before, clear) {
			t.Errorf("the events table holds %q in clear", clear)
		}
	}
	if !strings.Contains(before, "2027年分布式系统国际研讨会") {
		t.Errorf("the conference's name should stay readable: %s", before)
	}

	// What each place shows, read the same way before and after.
	reads := map[string]func() string{
		"detail":  func() string { return string(h.do("GET", "/api/v1/forecasts/"+id, applicant, nil).body) },
		"list":    func() string { return string(h.do("GET", "/api/v1/forecasts", unit, nil).body) },
		"status":  func() string { return string(h.do("GET", "/api/v1/forecasts/"+id+"/status", applicant, nil).body) },
		"log":     func() string { return string(h.do("GET", "/api/v1/forecasts/"+id+"/log", applicant, nil).body) },
		"history": func() string { return string(h.do("GET", "/api/v1/forecasts/"+id+"/history", auditor, nil).body) },
		"export":  func() string { return string(h.do("GET", "/api/v1/forecasts/export?format=csv", unit, nil).body) },
	}
	for _, where := range []string{"detail", "history", "export"} {
		if got := reads[where](); !strings.Contains(got, erasedName) {
			t.Fatalf("%s before erasure lacks the name: %s", where, got)
		}
	}
	// The PDF's page contents (deflated) draw the name's characters by
	// their code points (龚 is U+9F9A).
	drawsName := func() bool {
		res := h.do("GET", "/api/v1/forecasts/"+id+"/form.pdf", applicant, nil)
		if res.status != http.StatusOK {
			t.Fatalf("form.pdf: %d", res.status)
		}
		return pdfDraws(res.body, 0x9F9A)
	}
	if !drawsName() {
		t.Fatal("the PDF before erasure does not draw the name")
	}
	// Mails still queued: one to the person, one that names them.
	for _, m := range []mail.Message{
		{DedupeKey: "pipl-test:1", Template: mail.ForecastApprovedUnit, To: erasedEmail, Data: map[string]string{"name": erasedName}},
		{DedupeKey: "pipl-test:2", Template: mail.ForecastApprovedUnit, To: "someone.else@example.edu.cn", Data: map[string]string{"note": "申请人" + erasedName + "，电话" + erasedMobile}},
	} {
		if _, err := mail.Enqueue(ctx, h.pool, m); err != nil {
			t.Fatal(err)
		}
	}
	subject := account.ID(erasedEmail).String()
	if res := h.do("GET", "/api/v1/persons/"+subject+"/personal-data", admin, nil); res.status != http.StatusOK || !strings.Contains(string(res.body), erasedMobile) {
		t.Fatalf("personal data: %d %s", res.status, res.body)
	}
	if res := h.do("GET", "/api/v1/persons/"+subject+"/personal-data", applicant, nil); res.status != http.StatusForbidden {
		t.Errorf("another's personal data as an applicant: %d", res.status)
	}
	if res := h.do("GET", "/api/v1/me/personal-data", applicant, nil); res.status != http.StatusOK || !strings.Contains(string(res.body), applicant) {
		t.Errorf("my personal data: %d %s", res.status, res.body)
	}

	// Refused, nothing written.
	events := h.eventCount()
	for _, c := range []struct {
		who    string
		body   map[string]any
		status int
		want   string
	}{
		{applicant, map[string]any{"email": erasedEmail, "reason": "本人申请"}, http.StatusForbidden, "forbidden"},
		{admin, map[string]any{"email": erasedEmail}, http.StatusUnprocessableEntity, `"path":"reason"`},
		{admin, map[string]any{"email": erasedEmail, "subject": subject, "reason": "本人申请"}, http.StatusUnprocessableEntity, `"path":"email"`},
		{admin, map[string]any{"email": "nobody.here@example.edu.cn", "reason": "本人申请"}, http.StatusNotFound, "unknown-person"},
		{admin, map[string]any{"subject": uuid.NewString(), "reason": "本人申请"}, http.StatusNotFound, "unknown-person"},
	} {
		res := h.do("POST", "/api/v1/persons/erase", c.who, c.body)
		if res.status != c.status || !strings.Contains(string(res.body), c.want) {
			t.Errorf("erase %v as %s: %d %s; want %d %s", c.body, c.who, res.status, res.body, c.status, c.want)
		}
	}
	if n := h.eventCount(); n != events {
		t.Fatalf("refused erasures wrote %d events", n-events)
	}

	res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"email": erasedEmail, "reason": "本人依《个人信息保护法》申请删除"})
	if res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	got := res.json(t)
	if got["subject"] != subject || got["keys"].(float64) != 1 || got["fields"].(float64) < 4 {
		t.Errorf("erasure answer %v", got)
	}
	h.settle()

	if after := stored(); after != before {
		t.Errorf("erasure changed the stored events:\n%s\n%s", before, after)
	}
	for where, read := range reads {
		got := read()
		if strings.Contains(got, erasedName) || strings.Contains(got, erasedMobile) || strings.Contains(got, erasedEmail) {
			t.Errorf("%s after erasure still shows the person: %s", where, got)
		}
	}
	for _, where := range []string{"detail", "history", "export"} {
		if !strings.Contains(reads[where](), personal.Erased) {
			t.Errorf("%s after erasure does not say %s", where, personal.Erased)
		}
	}
	if drawsName() {
		t.Error("the PDF after erasure still draws the name")
	}
	var queued int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at < now() + interval '1 year'
		AND (lower(recipient) = $1 OR data::text LIKE '%' || $2 || '%' OR data::text LIKE '%' || $3 || '%')`, erasedEmail, erasedName, erasedMobile).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 0 {
		t.Errorf("%d queued mails still hold the person", queued)
	}
	if res := h.do("GET", "/api/v1/persons/"+subject+"/personal-data", admin, nil); strings.Contains(string(res.body), erasedMobile) {
		t.Errorf("personal data after erasure: %s", res.body)
	}
	// Nowhere else either: no row of any table (every read model's
	// generations, notifications, the outbox, the events as stored).
	if held := h.heldAnywhere(erasedName, erasedMobile, erasedEmail, "T7707"); len(held) > 0 {
		t.Errorf("after erasure the database still holds the person in %s", strings.Join(held, ", "))
	}
	// Every stream's chain still holds over the events as stored.
	all, err := h.stored.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	byStream := map[string][]eventstore.RecordedEvent{}
	for _, e := range all {
		byStream[e.StreamID] = append(byStream[e.StreamID], e)
	}
	for s, evs := range byStream {
		if n := eventstore.VerifyChain(evs); n != 0 {
			t.Errorf("%s: chain breaks at %d after erasure", s, n)
		}
	}
	events = h.eventCount()
	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": subject, "reason": "再次删除"}); res.status != http.StatusConflict || !strings.Contains(string(res.body), "already-erased") {
		t.Errorf("second erasure: %d %s", res.status, res.body)
	}
	if n := h.eventCount(); n != events {
		t.Errorf("second erasure wrote %d events", n-events)
	}
}

// pdfDraws tells whether a PDF's page contents (inflated) draw the
// character r as a two-byte code (the Identity-H encoding of its font).
func pdfDraws(pdf []byte, r rune) bool {
	code := []byte{byte(r >> 8), byte(r)}
	for rest := pdf; ; {
		i := bytes.Index(rest, []byte("stream"))
		if i < 0 {
			return false
		}
		rest = bytes.TrimLeft(rest[i+len("stream"):], "\r\n")
		end := bytes.Index(rest, []byte("endstream"))
		if end < 0 {
			return false
		}
		body := rest[:end]
		if z, err := zlib.NewReader(bytes.NewReader(body)); err == nil {
			if b, err := io.ReadAll(z); err == nil || len(b) > 0 {
				body = b
			}
		}
		if bytes.Contains(body, []byte("BT /F")) && bytes.Contains(body, code) { // a page's contents, not the font
			return true
		}
		rest = rest[end+len("endstream"):]
	}
}

// TestRetentionErasesPeopleOfClosedRecords: with retention.closedRecordMonths
// at 6, the person named only in a forecast withdrawn 7 months ago is
// erased (detail and history show 已删除个人信息); one named in a forecast
// still open, and the applicant's own account, are kept; 5 months after the
// withdrawal nobody is erased; a second run erases nobody again.
func TestRetentionErasesPeopleOfClosedRecords(t *testing.T) {
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		pool, store := c.Pool, c.App.Store()
		c.Erased = func(ctx context.Context, _ uuid.UUID) {
			if err := projections.Refresh(ctx, pool, store, projections.All()...); err != nil {
				t.Errorf("refresh read models: %v", err)
			}
		}
	})
	ctx := context.Background()
	applicant, admin := h.email(domain.RoleApplicant), h.email(domain.RolePlatformAdmin)
	block := func(name, email string) func(m map[string]any) {
		return func(m map[string]any) {
			m["applicant"] = map[string]any{"name": name, "title": "教授", "unit": "计算机学院", "department": "软件工程系", "mobile": "13900000088", "email": email}
		}
	}
	gone, _ := h.submit(block("测试庚", "geng.test@example.edu.cn"))
	open, _ := h.submit(block("测试辛", "xin.test@example.edu.cn"))
	if res := h.do("POST", "/api/v1/forecasts/"+gone+"/withdraw", applicant, map[string]any{"reason": "不再举办"}); res.status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", res.status, res.body)
	}
	p := h.do("GET", "/api/v1/policy", admin, nil).json(t)
	p["version"] = "retention-6"
	p["retention"] = map[string]any{"closedRecordMonths": 6}
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != http.StatusOK {
		t.Fatalf("publish policy: %d %s", res.status, res.body)
	}
	p["retention"] = map[string]any{"closedRecordMonths": -1}
	if res := h.do("PUT", "/api/v1/policy", admin, p); res.status != http.StatusUnprocessableEntity || !res.hasRule("R-POL-01") {
		t.Errorf("negative retention: %d %s", res.status, res.body)
	}
	operator := domain.Actor{UserID: uuid.New(), Role: domain.RolePlatformAdmin}
	if erased, err := h.app.ApplyRetention(ctx, operator, h.clock.Now().AddDate(0, 5, 0)); err != nil || len(erased) != 0 {
		t.Fatalf("after 5 months: %v %v", erased, err)
	}
	erased, err := h.app.ApplyRetention(ctx, operator, h.clock.Now().AddDate(0, 7, 0))
	if err != nil || len(erased) != 1 || erased[0] != account.ID("geng.test@example.edu.cn") {
		t.Fatalf("after 7 months: %v %v", erased, err)
	}
	if err := projections.Refresh(ctx, h.pool, h.store, projections.All()...); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if body := string(h.do("GET", "/api/v1/forecasts/"+gone, applicant, nil).body); strings.Contains(body, "测试庚") || !strings.Contains(body, personal.Erased) {
		t.Errorf("withdrawn forecast after retention: %s", body)
	}
	if body := string(h.do("GET", "/api/v1/forecasts/"+open, applicant, nil).body); !strings.Contains(body, "测试辛") {
		t.Errorf("open forecast after retention: %s", body)
	}
	if body := string(h.do("GET", "/api/v1/me/personal-data", applicant, nil).body); !strings.Contains(body, applicant) {
		t.Errorf("the applicant's account after retention: %s", body)
	}
	if again, err := h.app.ApplyRetention(ctx, operator, h.clock.Now().AddDate(0, 8, 0)); err != nil || len(again) != 0 {
		t.Errorf("second run: %v %v", again, err)
	}

	// The deadline engine applies the rules on its own, on the first tick
	// of each day by its clock: a person named only in a forecast withdrawn
	// now is erased by the first tick 7 months on, once however many
	// engines tick and however often.
	late, _ := h.submit(block("测试壬", "ren.test@example.edu.cn"))
	if res := h.do("POST", "/api/v1/forecasts/"+late+"/withdraw", applicant, map[string]any{"reason": "不再举办"}); res.status != http.StatusOK {
		t.Fatalf("withdraw: %d %s", res.status, res.body)
	}
	ren := account.ID("ren.test@example.edu.cn")
	h.settle() // the engine finds candidates in the read models
	var told []uuid.UUID
	h.engine.Erased = func(_ context.Context, p uuid.UUID) { told = append(told, p) }
	other := &deadlines.Engine{Candidates: projections.NewQueries(h.pool), App: h.app, Policies: h.app.Policies(), Clock: h.clock}
	tick := func() (erased int) {
		t.Helper()
		for _, e := range []*deadlines.Engine{h.engine, other} {
			st, err := e.Tick(ctx)
			if err != nil || st.Failed != 0 {
				t.Fatalf("tick: %+v %v", st, err)
			}
			erased += st.Erased
		}
		return erased
	}
	if n := tick(); n != 0 {
		t.Errorf("a tick on the day of the withdrawal erased %d", n)
	}
	h.clock.Set(h.clock.Now().AddDate(0, 7, 1))
	if n := tick(); n != 1 || len(told) != 1 || told[0] != ren {
		t.Errorf("the first tick 7 months on erased %d (told %v), want %s", n, told, ren)
	}
	if n := tick(); n != 0 {
		t.Errorf("a second tick the same day erased %d", n)
	}
	var erasures int
	if err := h.pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE stream_id = $1 AND type = 'person.erased'`, commands.PersonStream(ren)).Scan(&erasures); err != nil {
		t.Fatal(err)
	}
	if erasures != 1 {
		t.Errorf("%d person.erased events for %s, want 1", erasures, ren)
	}
}

// TestErasureDeletesTheirUploads: erasing an account's person deletes for
// good every file they uploaded (description and content on disk), keeps a
// content another person also uploaded, leaves others' files readable, and
// every stream's chain still verifies; the answer counts the files.
func TestErasureDeletesTheirUploads(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	erased, other, admin := h.tree.OtherApp.Email, h.email(domain.RoleApplicant), h.email(domain.RolePlatformAdmin)
	up := func(who, kind, name string, body []byte) string {
		t.Helper()
		res := h.do("POST", "/api/v1/files?kind="+kind+"&name="+name, who, body)
		if res.status != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", name, res.status, res.body)
		}
		return res.json(t)["id"].(string)
	}
	photo := up(erased, "summary_photo", "photo1.jpg", jpeg)
	scan := up(erased, "location_approval", "approval.pdf", pdf)
	kept := up(other, "summary_photo", "same.jpg", jpeg) // the same content as photo
	res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"email": erased, "reason": "本人依《个人信息保护法》申请删除"})
	if res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	if got := res.json(t)["files"]; got != float64(2) {
		t.Errorf("erasure answer counts %v files, want 2: %s", got, res.body)
	}
	exists := func(parts ...string) bool {
		_, err := os.Stat(filepath.Join(append([]string{h.filesDir}, parts...)...))
		return err == nil
	}
	for _, id := range []string{photo, scan} {
		if exists("meta", id+".json") {
			t.Errorf("the description of %s is still on disk", id)
		}
		if res := h.do("GET", "/api/v1/files/"+id, admin, nil); res.status != http.StatusNotFound {
			t.Errorf("GET erased file %s: %d", id, res.status)
		}
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	if exists("blobs", sum(pdf)) {
		t.Error("the erased person's PDF content is still on disk")
	}
	if !exists("blobs", sum(jpeg)) || !exists("meta", kept+".json") {
		t.Error("another person's upload of the same content went too")
	}
	if res := h.do("GET", "/api/v1/files/"+kept, other, nil); res.status != http.StatusOK || !bytes.Equal(res.body, jpeg) {
		t.Errorf("another person's file after the erasure: %d", res.status)
	}
	all, err := h.stored.ReadAll(ctx, eventstore.Start, 0)
	if err != nil {
		t.Fatal(err)
	}
	byStream := map[string][]eventstore.RecordedEvent{}
	for _, e := range all {
		byStream[e.StreamID] = append(byStream[e.StreamID], e)
	}
	for s, evs := range byStream {
		if n := eventstore.VerifyChain(evs); n != 0 {
			t.Errorf("%s: chain breaks at %d after erasure", s, n)
		}
	}
}
