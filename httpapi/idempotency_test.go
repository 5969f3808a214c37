package httpapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// send is a request safe to send from several goroutines at once.
func (h *harness) send(method, path, token string, body []byte, headers ...string) (response, error) {
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

// concurrently sends n requests at once; body(i) is the i-th body.
func (h *harness) concurrently(n int, method, path, token string, body func(i int) []byte, headers ...string) []response {
	h.t.Helper()
	out := make([]response, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i], errs[i] = h.send(method, path, token, body(i), headers...)
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			h.t.Fatal(err)
		}
	}
	return out
}

func problemType(r response) string {
	var p struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(r.body, &p)
	return strings.TrimPrefix(p.Type, "https://econf.invalid/problems/")
}

// TestIdempotencyConcurrentSameKey: ten approvals at once under one key
// with ten different comments run one command: one answer is a success
// with its event, every other is refused (422 idempotency-key-reused, or
// 409 idempotency-in-progress), and one event is written. Ten identical
// requests at once all get the one answer.
func TestIdempotencyConcurrentSameKey(t *testing.T) {
	h := newHarness(t)
	unit := h.token(h.email(domain.RoleUnitAdmin))

	t.Run("different bodies", func(t *testing.T) {
		id, _ := h.submit(nil)
		before := h.eventCount()
		answers := h.concurrently(10, "POST", "/api/v1/forecasts/"+id+"/approve-unit", unit, func(i int) []byte {
			return fmt.Appendf(nil, `{"comment":"同意，意见%d"}`, i)
		}, "Idempotency-Key", "approve-race")
		ok := 0
		for _, a := range answers {
			switch {
			case a.status == http.StatusOK:
				ok++
			case a.status == http.StatusUnprocessableEntity && problemType(a) == "idempotency-key-reused":
			case a.status == http.StatusConflict && problemType(a) == "idempotency-in-progress" && a.header.Get("Retry-After") != "":
			default:
				t.Errorf("answer %d %s", a.status, a.body)
			}
		}
		if ok != 1 {
			t.Errorf("%d requests with different bodies under one key succeeded; want exactly 1", ok)
		}
		if got := h.eventCount() - before; got != 1 {
			t.Errorf("%d events appended; want 1", got)
		}
	})

	t.Run("one body", func(t *testing.T) {
		id, _ := h.submit(nil)
		before := h.eventCount()
		answers := h.concurrently(10, "POST", "/api/v1/forecasts/"+id+"/approve-unit", unit, func(int) []byte {
			return []byte(`{"comment":"同意"}`)
		}, "Idempotency-Key", "approve-same")
		var first []byte
		replayed := 0
		for _, a := range answers {
			if a.status != http.StatusOK {
				t.Errorf("identical request: %d %s; want the first answer", a.status, a.body)
				continue
			}
			if first == nil {
				first = a.body
			} else if !bytes.Equal(a.body, first) {
				t.Errorf("identical requests answered differently: %s vs %s", a.body, first)
			}
			if a.header.Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != 9 {
			t.Errorf("%d answers replayed; want 9", replayed)
		}
		if got := h.eventCount() - before; got != 1 {
			t.Errorf("%d events appended; want 1", got)
		}
	})
}

// TestIdempotencyRetryAfterFailureWithOtherBody: when a command appended
// but its answer was never kept (a crash or a failure between the append
// and storing the answer; here the database refuses to store answers), a
// retry under the key with another body must not succeed silently while
// its body is dropped: it is 422. The same request again gets the first
// run's result, and nothing is appended twice.
func TestIdempotencyRetryAfterFailureWithOtherBody(t *testing.T) {
	h := newHarness(t)
	unit := h.email(domain.RoleUnitAdmin)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `CREATE FUNCTION lose_answers() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.status IS NOT NULL THEN RAISE EXCEPTION 'the answer is lost'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER lose_answers BEFORE INSERT OR UPDATE ON idempotency FOR EACH ROW EXECUTE FUNCTION lose_answers()`); err != nil {
		t.Fatal(err)
	}
	before := h.eventCount()
	key := []string{"Idempotency-Key", "approve-lost"}
	first := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, key...)
	if first.status != http.StatusOK {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	if _, err := h.pool.Exec(ctx, `DROP TRIGGER lose_answers ON idempotency`); err != nil {
		t.Fatal(err)
	}
	other := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "另一条意见"}, key...)
	if other.status != http.StatusUnprocessableEntity || problemType(other) != "idempotency-key-reused" {
		t.Errorf("another body under the key after the answer was lost: %d %s; want 422 idempotency-key-reused", other.status, other.body)
	}
	same := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, key...)
	if same.status != http.StatusOK || same.json(t)["version"] != first.json(t)["version"] {
		t.Errorf("the same request again: %d %s; want the first run's result %s", same.status, same.body, first.body)
	}
	if got := h.eventCount() - before; got != 1 {
		t.Errorf("%d events appended; want 1", got)
	}
	// Now the answer is kept and replayed.
	if again := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "同意"}, key...); again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("third time: %d, replayed %q", again.status, again.header.Get("Idempotent-Replayed"))
	}
}

// TestIdempotencyCrashedRunKeepsItsKey: a request whose process died while
// it held the key (a reservation whose lease still runs) keeps the key: the
// same request waits and is told to come back (409 idempotency-in-progress
// with Retry-After), another one is 422; when the lease has run out, the
// same request runs again without appending twice.
func TestIdempotencyCrashedRunKeepsItsKey(t *testing.T) {
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) { c.IdempotencyWait = 300 * time.Millisecond })
	unit := h.email(domain.RoleUnitAdmin)
	id, _ := h.submit(nil)
	f := "/api/v1/forecasts/" + id
	key := []string{"Idempotency-Key", "approve-crash"}
	body := map[string]string{"comment": "同意"}
	first := h.do("POST", f+"/approve-unit", unit, body, key...)
	if first.status != http.StatusOK {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	before := h.eventCount()
	// As the process that ran it would have left it, had it died after
	// the append: reserved, no answer, the lease still running.
	if _, err := h.pool.Exec(context.Background(), `UPDATE idempotency SET status = NULL, body = NULL, headers = '{}',
		owner = gen_random_uuid(), lease_until = now() + interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	busy := h.do("POST", f+"/approve-unit", unit, body, key...)
	if busy.status != http.StatusConflict || problemType(busy) != "idempotency-in-progress" || busy.header.Get("Retry-After") == "" {
		t.Errorf("the same request while the key is held: %d %s (Retry-After %q); want 409 idempotency-in-progress",
			busy.status, busy.body, busy.header.Get("Retry-After"))
	}
	if other := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "另一条意见"}, key...); other.status != http.StatusUnprocessableEntity {
		t.Errorf("another request while the key is held: %d %s; want 422", other.status, other.body)
	}
	if _, err := h.pool.Exec(context.Background(), `UPDATE idempotency SET lease_until = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if other := h.do("POST", f+"/approve-unit", unit, map[string]string{"comment": "另一条意见"}, key...); other.status != http.StatusUnprocessableEntity {
		t.Errorf("another request after the lease ran out: %d %s; want 422", other.status, other.body)
	}
	again := h.do("POST", f+"/approve-unit", unit, body, key...)
	if again.status != http.StatusOK || again.json(t)["version"] != first.json(t)["version"] {
		t.Errorf("the same request after the lease ran out: %d %s; want the first run's result %s", again.status, again.body, first.body)
	}
	if h.eventCount() != before {
		t.Errorf("the retry appended %d events", h.eventCount()-before)
	}
}

// paddedSheet is a valid people spreadsheet of at least size bytes: a part
// of incompressible bytes rides along, as a picture would.
func paddedSheet(t *testing.T, rows [][]string, size int) []byte {
	t.Helper()
	sheet := peopleSheet(t, rows)
	zr, err := zip.NewReader(bytes.NewReader(sheet), int64(len(sheet)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "xl/media/padding.bin", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	pad := make([]byte, size-len(sheet))
	_, _ = rand.Read(pad)
	if _, err := w.Write(pad); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestIdempotentSpreadsheetUpload5MiB: the people spreadsheet may be up to
// 5 MiB with an Idempotency-Key as without one (the key's middleware reads
// the body first and used to cap it at 1 MiB); over 5 MiB is 413.
func TestIdempotentSpreadsheetUpload5MiB(t *testing.T) {
	h := newHarness(t)
	forecastID := h.approvedForecast()
	h.clock.Set(time.Date(2026, 10, 31, 10, 0, 0, 0, domain.Shanghai))
	clear(h.tokens)
	applicant := h.email(domain.RoleApplicant)
	start := h.do("POST", "/api/v1/declarations", applicant, map[string]any{"forecastId": forecastID, "noticeAcknowledged": true})
	if start.status != http.StatusCreated {
		t.Fatalf("start: %d %s", start.status, start.body)
	}
	d := "/api/v1/declarations/" + start.json(t)["id"].(string)
	rows := [][]string{{"会议主席", "李主席", "中国", "示范大学", "教授"}, {"国外参会代表", "Jane Roe", "英国", "Example College", "Professor"}}
	xlsx := []string{"Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

	big := paddedSheet(t, rows, 3<<20)
	before := h.eventCount()
	first := h.do("POST", d+"/people.xlsx", applicant, big, append(xlsx, "Idempotency-Key", "people-big")...)
	if first.status != http.StatusOK {
		t.Fatalf("a 3 MiB spreadsheet with an Idempotency-Key: %d %s", first.status, first.body)
	}
	again := h.do("POST", d+"/people.xlsx", applicant, big, append(xlsx, "Idempotency-Key", "people-big")...)
	if again.status != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again.body, first.body) {
		t.Errorf("the same spreadsheet again: %d %s (replayed %q)", again.status, again.body, again.header.Get("Idempotent-Replayed"))
	}
	if got := h.eventCount() - before; got != 1 {
		t.Errorf("%d events; want 1", got)
	}
	huge := paddedSheet(t, rows, 5<<20+1)
	for _, key := range [][]string{nil, {"Idempotency-Key", "people-huge"}} {
		res := h.do("POST", d+"/people.xlsx", applicant, huge, append(xlsx, key...)...)
		if res.status != http.StatusRequestEntityTooLarge || problemType(res) != "too-large" {
			t.Errorf("a spreadsheet over 5 MiB (key %v): %d %s; want 413 too-large", key, res.status, res.body)
		}
	}
	// JSON bodies stay bounded at 1 MiB, with a key or without.
	long := map[string]string{"comment": strings.Repeat("很", 400_000)}
	for _, key := range [][]string{nil, {"Idempotency-Key", "long-comment"}} {
		if res := h.do("POST", "/api/v1/forecasts/"+forecastID+"/reject", h.email(domain.RoleSchoolAdmin), long, key...); res.status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 1.2 MiB JSON body (key %v): %d; want 413", key, res.status)
		}
	}
}

// TestIdempotencyPruned: stored answers older than the retention go, and
// their keys are free again; younger ones stay.
func TestIdempotencyPruned(t *testing.T) {
	h := newHarness(t)
	unit := h.email(domain.RoleUnitAdmin)
	old, _ := h.submit(nil)
	young, _ := h.submit(nil)
	if res := h.do("POST", "/api/v1/forecasts/"+old+"/approve-unit", unit, nil, "Idempotency-Key", "old"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/forecasts/"+young+"/approve-unit", unit, nil, "Idempotency-Key", "young"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	ctx := context.Background()
	if _, err := h.pool.Exec(ctx, `UPDATE idempotency SET created_at = now() - interval '25 hours' WHERE key = 'old'`); err != nil {
		t.Fatal(err)
	}
	n, err := httpapi.PruneIdempotency(ctx, h.pool, httpapi.DefaultIdempotencyRetention)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("pruned %d answers; want 1", n)
	}
	var keys []string
	rows, err := h.pool.Query(ctx, `SELECT key FROM idempotency ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if strings.Join(keys, ",") != "young" {
		t.Errorf("kept keys %v; want [young]", keys)
	}
	// The young key still replays.
	if res := h.do("POST", "/api/v1/forecasts/"+young+"/approve-unit", unit, nil, "Idempotency-Key", "young"); res.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("young key: %d, replayed %q", res.status, res.header.Get("Idempotent-Replayed"))
	}
}

// TestIdempotencySecretConfigured: with a secret configured
// (ECONF_IDEMPOTENCY_SECRET) the fingerprints use it and none is generated
// in the database; without one, one is generated once and kept there.
func TestIdempotencySecretConfigured(t *testing.T) {
	secret := []byte("a secret of at least thirty-two bytes")
	h := newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) { c.IdempotencySecret = secret })
	unit := h.email(domain.RoleUnitAdmin)
	id, _ := h.submit(nil)
	for range 2 {
		if res := h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", unit, nil, "Idempotency-Key", "k"); res.status != http.StatusOK {
			t.Fatalf("approve: %d %s", res.status, res.body)
		}
	}
	var n int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM idempotency_secret`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d secrets generated although one is configured", n)
	}

	g := newHarness(t)
	id, _ = g.submit(nil)
	if res := g.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", g.email(domain.RoleUnitAdmin), nil, "Idempotency-Key", "k"); res.status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.status, res.body)
	}
	var size int
	if err := g.pool.QueryRow(context.Background(), `SELECT count(*), min(length(secret)) FROM idempotency_secret`).Scan(&n, &size); err != nil {
		t.Fatal(err)
	}
	if n != 1 || size < httpapi.MinIdempotencySecret {
		t.Errorf("generated secrets: %d of %d bytes; want one of at least %d", n, size, httpapi.MinIdempotencySecret)
	}
}
