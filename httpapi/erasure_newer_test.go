package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/projections"
)

// newErasureHarness is a harness whose read models are rebuilt on each
// erasure, as econf serve rebuilds them.
func newErasureHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		pool, store := c.Pool, c.App.Store()
		c.Erased = func(ctx context.Context, _ uuid.UUID) {
			if err := projections.Refresh(ctx, pool, store, projections.All()...); err != nil {
				t.Errorf("refresh read models: %v", err)
			}
		}
	})
}

// heldAnywhere lists where the database still holds any of values: every
// row of every table of every schema (the read models of each generation,
// the outbox, sessions, the events table as stored …), read as text.
func (h *harness) heldAnywhere(values ...string) []string {
	h.t.Helper()
	ctx := context.Background()
	rows, err := h.pool.Query(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`)
	if err != nil {
		h.t.Fatal(err)
	}
	var tables [][2]string
	for rows.Next() {
		var s, n string
		if err := rows.Scan(&s, &n); err != nil {
			h.t.Fatal(err)
		}
		tables = append(tables, [2]string{s, n})
	}
	rows.Close()
	if len(tables) < 10 {
		h.t.Fatalf("only %d tables: the scan is broken", len(tables))
	}
	patterns := make([]string, len(values))
	for i, v := range values {
		patterns[i] = "%" + v + "%"
	}
	var held []string
	for _, tb := range tables {
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %q.%q t WHERE t::text LIKE ANY($1)`, tb[0], tb[1])
		if err := h.pool.QueryRow(ctx, q, patterns).Scan(&n); err != nil {
			h.t.Fatalf("%s.%s: %v", tb[0], tb[1], err)
		}
		if n > 0 {
			var row string
			q := fmt.Sprintf(`SELECT left(t::text, 600) FROM %q.%q t WHERE t::text LIKE ANY($1) LIMIT 1`, tb[0], tb[1])
			if err := h.pool.QueryRow(ctx, q, patterns).Scan(&row); err != nil {
				h.t.Fatalf("%s.%s: %v", tb[0], tb[1], err)
			}
			held = append(held, fmt.Sprintf("%s.%s (%d rows, as %s)", tb[0], tb[1], n, row))
		}
	}
	return held
}

// xlsxText is the text of every part of a workbook.
func xlsxText(t *testing.T, b []byte) string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	var all strings.Builder
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		all.Write(b)
	}
	return all.String()
}

// TestEraseNomineeEverywhere: a nominee with the seed's details (ID
// number, mobile, email, résumé, photo), reviewed with opinions about
// them by the unit and the organiser, is erased by a platform admin; then
// nothing of theirs is readable anywhere: the delegation, the delegates
// list and its csv and xlsx exports, the nominee's history, the
// registration forms (PDF, zip), the inboxes, and no row of any table of
// the database (read models of every generation, the events table as
// stored) holds any of it, while the stream's chain still verifies.
func TestEraseNomineeEverywhere(t *testing.T) {
	h := newErasureHarness(t)
	unitAdmin, organiser, admin := h.email(domain.RoleUnitAdmin), h.email(domain.RoleAuthorityReviewer), h.email(domain.RolePlatformAdmin)
	cong := congressWith(t, h, 1, 0)
	photo := uploadAs(t, h, unitAdmin, "nominee_photo", "证件照.png", photoPNG(t, 120, 160))
	id := residentID("15010219820301004")
	res := h.do("POST", cong+"/nominees", unitAdmin, map[string]any{"name": "乌兰测试", "identity": "committee", "birthDate": "1982-03-01",
		"profile": nomineeDetails(id, photo)}, "Idempotency-Key", "add")
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	nominee := res.json(t)["id"].(string)
	unitOpinion, finalOpinion := "乌兰测试同志推荐材料属实", "乌兰测试同志符合委员条件"
	if res := h.do("POST", cong+"/nominees/"+nominee+"/approve", unitAdmin, map[string]string{"reason": unitOpinion}, "Idempotency-Key", "approve"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if res := h.do("POST", cong+"/report", unitAdmin, nil, "Idempotency-Key", "report"); res.status != http.StatusOK {
		t.Fatalf("report: %d %s", res.status, res.body)
	}
	unitPath := cong + "/units/" + h.tree.Unit.String()
	if res := h.do("POST", unitPath+"/nominees/"+nominee+"/final-approve", organiser, map[string]string{"reason": finalOpinion}, "Idempotency-Key", "final"); res.status != http.StatusOK {
		t.Fatalf("final approve: %d %s", res.status, res.body)
	}
	h.settle()
	stream := delegationStream(t, h, cong)
	before := storedStream(t, h, stream)
	// What the person is: each of these in clear is theirs.
	// (the ID number's last four digits as the lists mask it: four digits
	// alone turn up in any ciphertext)
	theirs := []string{"乌兰测试", id, "**********" + id[14:], "13900000123", "nominee.test@example.edu.cn", "访问学者", "1982-03-01"}
	for _, clear := range append(theirs, "属实", "符合委员条件") {
		if strings.Contains(before, clear) {
			t.Errorf("the events table holds %q in clear", clear)
		}
	}
	congID := cong[strings.LastIndex(cong, "/")+1:]
	reads := map[string]func() string{
		"delegation": func() string { return string(h.do("GET", unitPath+"/delegation", organiser, nil).body) },
		"list":       func() string { return string(h.do("GET", "/api/v1/delegates?congressId="+congID, organiser, nil).body) },
		"csv": func() string {
			return string(h.do("GET", "/api/v1/delegates/export?format=csv&congressId="+congID, organiser, nil).body)
		},
		"xlsx": func() string {
			return xlsxText(t, h.do("GET", "/api/v1/delegates/export?congressId="+congID, organiser, nil).body)
		},
		"history": func() string {
			return string(h.do("GET", unitPath+"/nominees/"+nominee+"/history", organiser, nil).body)
		},
		"log":   func() string { return string(h.do("GET", unitPath+"/delegation/log", organiser, nil).body) },
		"inbox": func() string { return string(h.do("GET", "/api/v1/inbox", unitAdmin, nil).body) },
	}
	for _, where := range []string{"delegation", "list", "csv", "xlsx", "history"} {
		if got := reads[where](); !strings.Contains(got, "乌兰测试") {
			t.Fatalf("%s before the erasure lacks the name: %.400s", where, got)
		}
	}
	if got := reads["list"](); !strings.Contains(got, finalOpinion) {
		t.Errorf("the list before the erasure lacks the organiser's opinion: %s", got)
	}
	forms := func() (pdfName, pdfPhoto, zipName bool) {
		t.Helper()
		res := h.do("GET", unitPath+"/registration-forms.pdf", organiser, nil)
		if res.status != http.StatusOK {
			t.Fatalf("forms: %d %s", res.status, res.body)
		}
		pdfName, pdfPhoto = pdfDraws(res.body, '乌'), bytes.Contains(res.body, []byte("/Subtype /Image"))
		res = h.do("GET", unitPath+"/registration-forms.zip", organiser, nil)
		z, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
		if res.status != http.StatusOK || err != nil || len(z.File) != 1 {
			t.Fatalf("forms zip: %d %v", res.status, err)
		}
		r, _ := z.File[0].Open()
		b, _ := io.ReadAll(r)
		r.Close()
		return pdfName, pdfPhoto, pdfDraws(b, '乌') || strings.Contains(z.File[0].Name, "乌兰")
	}
	if n, p, z := forms(); !n || !p || !z {
		t.Fatalf("the forms before the erasure: name %v photo %v zip %v", n, p, z)
	}
	if held := h.heldAnywhere(theirs[:1]...); len(held) == 0 {
		t.Fatal("the scan finds the name nowhere before the erasure: it reads nothing")
	}

	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": nominee, "reason": "被推荐人依《个人信息保护法》申请删除"}); res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	h.settle()
	if after := storedStream(t, h, stream); after != before {
		t.Error("the erasure changed the stored events")
	}
	for where, read := range reads {
		got := read()
		for _, clear := range append(theirs, unitOpinion, finalOpinion) {
			if strings.Contains(got, clear) {
				t.Errorf("%s after the erasure still holds %q", where, clear)
			}
		}
	}
	if n, p, z := forms(); n || p || z {
		t.Errorf("the forms after the erasure: name %v photo %v zip %v", n, p, z)
	}
	if held := h.heldAnywhere(append(theirs, unitOpinion, finalOpinion)...); len(held) > 0 {
		t.Errorf("after the erasure the database still holds the nominee's data in %s", strings.Join(held, ", "))
	}
	events, err := h.stored.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := eventstore.VerifyChain(events); n != 0 {
		t.Errorf("the chain breaks at %d after the erasure", n)
	}
}

// TestEraseSummaryAttendeeEverywhere: an attendee named in a conference's
// summary (到会代表名单) is a person the summary knows by name only; their
// name is stored encrypted, and once a platform admin erases them
// (personal.RecordPerson of the summary's stream and the name) the
// summary, the conference's history and no row of any table hold it, the
// other attendee reads as written and the chain still verifies.
func TestEraseSummaryAttendeeEverywhere(t *testing.T) {
	h := newErasureHarness(t)
	id := h.approvedDeclaration()
	d := "/api/v1/declarations/" + id
	applicant, auditor, admin := h.email(domain.RoleApplicant), h.email(domain.RoleAuditor), h.email(domain.RolePlatformAdmin)
	h.at(2027, 4, 24)
	content := summaryContent(2999, nil, nil)
	delete(content, "proceedingsFile")
	content["domestic"] = []any{map[string]any{"name": "阮测试", "country": "中国", "institution": "示范大学", "title": "教授"},
		map[string]any{"name": "闻测试", "country": "中国", "institution": "示范大学", "title": "研究员"}}
	if res := h.do("PUT", d+"/summary", applicant, content); res.status != http.StatusOK {
		t.Fatalf("save the summary: %d %s", res.status, res.body)
	}
	h.settle()
	stream := "summary-" + id
	before := storedStream(t, h, stream)
	if strings.Contains(before, "阮测试") || strings.Contains(before, "闻测试") {
		t.Errorf("the events table holds an attendee's name in clear: %s", before)
	}
	reads := map[string]func() string{
		"summary": func() string { return string(h.do("GET", d+"/summary", applicant, nil).body) },
		"history": func() string { return string(h.do("GET", d+"/history", auditor, nil).body) },
	}
	for where, read := range reads {
		if got := read(); !strings.Contains(got, "阮测试") {
			t.Fatalf("%s before the erasure lacks the attendee: %.400s", where, got)
		}
	}
	subject := personal.RecordPerson(stream, "阮测试").String()
	if res := h.do("POST", "/api/v1/persons/erase", admin, map[string]any{"subject": subject, "reason": "参会代表本人申请删除"}); res.status != http.StatusOK {
		t.Fatalf("erase: %d %s", res.status, res.body)
	}
	h.settle()
	if after := storedStream(t, h, stream); after != before {
		t.Error("the erasure changed the stored events")
	}
	for where, read := range reads {
		got := read()
		if strings.Contains(got, "阮测试") || !strings.Contains(got, personal.Erased) || !strings.Contains(got, "闻测试") {
			t.Errorf("%s after the erasure: %.600s", where, got)
		}
	}
	if held := h.heldAnywhere("阮测试"); len(held) > 0 {
		t.Errorf("after the erasure the database still holds the attendee's name in %s", strings.Join(held, ", "))
	}
	events, err := h.stored.ReadStream(context.Background(), stream, eventstore.Forwards, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n := eventstore.VerifyChain(events); n != 0 {
		t.Errorf("the chain breaks at %d after the erasure", n)
	}
}
