package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/internal/mail/mailtest"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// TestScaleOut runs three `econf serve` processes on one PostgreSQL database
// (the scale-out shape: stateless replicas), all started at once on an
// empty database, loads all of them with forecasts and approvals, kills one
// with SIGKILL mid-load and rebuilds a read model from an operator command
// while the others serve. Then: the demo was seeded once; every answered
// command (2xx) is in the store and in the read models; each read model
// applied each event once; each decision was queued for mail once and no
// mail was sent twice; no deadline fact is recorded twice.
func TestScaleOut(t *testing.T) {
	if testing.Short() {
		t.Skip("runs several serve processes")
	}
	ctx := context.Background()
	dbURL := pgtest.NewDatabaseURL(t, nil)
	smtp := mailtest.Start(t)
	data := t.TempDir()
	env := []string{"DATABASE_URL=" + dbURL, "EVENTSTORE_URL=", "ECONF_DEMO_PASSWORD=",
		"ECONF_SMTP_HOST=" + smtp.Host(), "ECONF_SMTP_PORT=" + strconv.Itoa(smtp.Port()), "ECONF_SMTP_STARTTLS=false",
		"ECONF_DEADLINE_INTERVAL=1s"}
	const n = 3
	procs := make([]*serveProc, n)
	for i := range procs {
		procs[i] = launchServe(t, env, "--data", data)
	}
	for _, p := range procs {
		p.waitServing(t)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()

	// Seeded once, by whichever process came first; the logins it kept work.
	seeded := 0
	for _, p := range procs {
		if strings.Contains(p.stdout.String(), "Demo organisation") {
			seeded++
		}
	}
	if seeded != 1 {
		t.Errorf("%d of %d processes seeded the demo", seeded, n)
	}
	var accounts []struct{ Role, Email, Password string }
	b, err := os.ReadFile(filepath.Join(data, "demo-credentials.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &accounts); err != nil {
		t.Fatal(err)
	}

	tokens := map[string]string{}
	for i, a := range accounts {
		tok := loginAs(t, procs[i%n].base, a.Email, a.Password)
		if _, ok := tokens[a.Role]; !ok {
			tokens[a.Role] = tok
		}
	}
	year := time.Now().Year() + 1

	// Load: workers on every process create forecasts and approve them at
	// the unit; what was answered 2xx is acknowledged.
	var (
		mu        sync.Mutex
		created   = map[string]bool{} // acknowledged forecast ids
		approved  = map[string]bool{} // of which the unit approval was acknowledged
		failures  atomic.Int64
		killed    atomic.Int32 // 1 + index of the killed process
		seq       atomic.Int64
		stop      = make(chan struct{})
		wg        sync.WaitGroup
		errSample atomic.Value
	)
	client := checked(t, procs[0].base) // every process serves the same document
	call := func(base, method, path, token string, body any, headers ...string) (int, http.Header, []byte, error) {
		bb, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, base+path, bytes.NewReader(bb))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			return 0, nil, nil, err
		}
		defer res.Body.Close()
		rb, err := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, rb, err
	}
	worker := func(w int) {
		defer wg.Done()
		for i := w; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := procs[i%n]
			if int(killed.Load()) == i%n+1 {
				p = procs[(i+1)%n]
			}
			k := seq.Add(1)
			body := map[string]any{
				"applicant": map[string]any{"name": "Lin Qiao", "staffNo": "T2001", "title": "Professor", "unit": "School of Computing",
					"department": "Software", "mobile": "13900000002", "email": "lin.qiao@example.edu"},
				"nameZh": fmt.Sprintf("%d年分布式系统研讨会%d", year, k), "nameEn": fmt.Sprintf("Workshop on Replicas %d", k),
				"startDate": fmt.Sprintf("%d-06-%02d", year, 1+k%28), "commitmentDate": fmt.Sprintf("%d-01-15", year),
				"local": true, "province": "湖北省", "address": "武汉市洪山区示范路1号", "type": "natural_science", "scale": "general",
				"chineseCount": 100, "foreignCount": 40, "fundingSource": "学院自筹",
				"organisations": []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
			}
			status, h, rb, err := call(p.base, "POST", "/api/v1/forecasts", tokens["applicant"], body, "Idempotency-Key", fmt.Sprintf("scale-%d", k))
			if err != nil || status != http.StatusCreated {
				failures.Add(1)
				errSample.Store(fmt.Sprintf("create: %d %v %s", status, err, rb))
				continue
			}
			var f struct{ ID string }
			if err := json.Unmarshal(rb, &f); err != nil || f.ID == "" {
				t.Errorf("create answered %s", rb)
				return
			}
			mu.Lock()
			created[f.ID] = true
			mu.Unlock()
			// Approve on another process than the one that created it.
			q := procs[(i+1)%n]
			if int(killed.Load()) == (i+1)%n+1 {
				q = procs[(i+2)%n]
			}
			status, _, rb, err = call(q.base, "POST", "/api/v1/forecasts/"+f.ID+"/approve-unit", tokens["unit_admin"],
				map[string]string{"comment": "同意推荐"}, "If-Match", h.Get("ETag"))
			if err != nil || status != http.StatusOK {
				failures.Add(1)
				errSample.Store(fmt.Sprintf("approve: %d %v %s", status, err, rb))
				continue
			}
			mu.Lock()
			approved[f.ID] = true
			mu.Unlock()
		}
	}
	for w := range 2 * n {
		wg.Add(1)
		go worker(w)
	}
	acked := func() int { mu.Lock(); defer mu.Unlock(); return len(approved) }
	var stopOnce sync.Once
	halt := func() { stopOnce.Do(func() { close(stop) }); wg.Wait() }
	defer halt()
	var state string // what the last condition saw
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				halt()
				t.Fatalf("waiting for %s (%s; acked %d, failures %d, last %v)", what, state, acked(), failures.Load(), errSample.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("load", func() bool { return acked() >= 20 })
	procs[2].kill()
	killed.Store(3)
	before := acked()
	waitFor("load after the kill", func() bool { return acked() >= before+20 })

	// A rebuild from an operator command while the others serve and load.
	rebuild := exec.Command(os.Args[0], "projections", "rebuild", "forecast_list", "--data", data)
	rebuild.Env = append(append(os.Environ(), asEconfEnv+"=1"), env...)
	if out, err := rebuild.CombinedOutput(); err != nil {
		halt()
		t.Fatalf("projections rebuild beside serve: %v\n%s", err, out)
	}
	before = acked()
	waitFor("load after the rebuild", func() bool { return acked() >= before+10 })
	halt()
	t.Logf("acknowledged %d forecasts, %d unit approvals; %d requests failed (last: %v)", len(created), len(approved), failures.Load(), errSample.Load())

	// Every acknowledged command is in the store.
	ids := make([]string, 0, len(created))
	for id := range created {
		ids = append(ids, id)
	}
	var missing int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::text[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM events WHERE stream_id = 'forecast-' || a.id)`, ids).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Errorf("%d acknowledged forecasts are not in the store", missing)
	}
	for id := range approved {
		var last int
		if err := pool.QueryRow(ctx, `SELECT coalesce(max(number), 0) FROM events WHERE stream_id = 'forecast-' || $1`, id).Scan(&last); err != nil {
			t.Fatal(err)
		}
		if last < 2 {
			t.Errorf("forecast %s: its acknowledged unit approval is not in the store (%d events)", id, last)
		}
	}

	// The read models catch up: every forecast's row at its stream's
	// version, its approval log one row per event, its decision noticed
	// and queued for mail once.
	waitFor("the read models", func() bool {
		var behind int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM events e WHERE e.stream_id LIKE 'forecast-%' AND e.number = (SELECT max(number) FROM events x WHERE x.stream_id = e.stream_id)
			AND NOT EXISTS (SELECT 1 FROM rm.forecasts f WHERE 'forecast-' || f.id = e.stream_id AND f.version = e.number)`).Scan(&behind)
		if err != nil {
			t.Fatal(err)
		}
		var lag int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM events WHERE stream_id LIKE 'forecast-%') - (SELECT count(*) FROM rm.approval_log WHERE record_kind = 'forecast')`).Scan(&lag); err != nil {
			t.Fatal(err)
		}
		state = fmt.Sprintf("%d forecasts behind, approval log %d rows short", behind, lag)
		return behind == 0 && lag == 0
	})
	var logRows, logEvents int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM rm.approval_log WHERE record_kind = 'forecast'), (SELECT count(*) FROM events WHERE stream_id LIKE 'forecast-%')`).Scan(&logRows, &logEvents); err != nil {
		t.Fatal(err)
	}
	if logRows != logEvents {
		t.Errorf("approval log: %d rows for %d forecast events", logRows, logEvents)
	}
	var dupNotices int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM rm.notifications GROUP BY user_id, record_id, kind HAVING count(*) > 1) d`).Scan(&dupNotices); err != nil {
		t.Fatal(err)
	}
	if dupNotices > 0 {
		t.Errorf("%d notices applied more than once", dupNotices)
	}
	var unnoticed int
	approvedIDs := make([]string, 0, len(approved))
	for id := range approved {
		approvedIDs = append(approvedIDs, id)
	}
	waitFor("the decision notices", func() bool {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::uuid[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM rm.notifications n WHERE n.record_id = a.id)`, approvedIDs).Scan(&unnoticed); err != nil {
			t.Fatal(err)
		}
		state = fmt.Sprintf("%d approvals not noticed", unnoticed)
		return unnoticed == 0
	})

	// Mail: queued once per decision (the dedupe key is unique), sent by
	// the surviving processes, none twice. A mail the killed process had
	// leased waits for its lease.
	var queued, sent, leased int
	waitFor("the mail", func() bool {
		if err := pool.QueryRow(ctx, `SELECT count(*), count(sent_at), count(*) FILTER (WHERE sent_at IS NULL AND leased_until > now()) FROM mail_outbox`).Scan(&queued, &sent, &leased); err != nil {
			t.Fatal(err)
		}
		state = fmt.Sprintf("mail: %d queued, %d sent, %d leased, %d received", queued, sent, leased, len(smtp.Messages()))
		return queued > 0 && sent+leased == queued && len(smtp.Messages()) >= sent
	})
	if queued < len(approved) {
		t.Errorf("mail queued: %d for %d acknowledged decisions", queued, len(approved))
	}
	seen := map[string]int{}
	for _, m := range smtp.Messages() {
		seen[m.MessageID]++
		if seen[m.MessageID] == 2 {
			t.Errorf("mail %s sent twice", m.MessageID)
		}
	}

	// Deadline facts: never one twice.
	var dupFacts int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE stream_id LIKE 'deadline-%'
		GROUP BY stream_id, type, data::text HAVING count(*) > 1) d`).Scan(&dupFacts); err != nil {
		t.Fatal(err)
	}
	if dupFacts > 0 {
		t.Errorf("%d deadline facts recorded twice", dupFacts)
	}
	for _, p := range procs[:2] {
		p.stop(t)
	}
}

// loginAs signs in and returns the bearer token.
func loginAs(t *testing.T, base, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := checked(t, base).Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.Token == "" {
		t.Fatalf("login %s: %d %v", email, res.StatusCode, err)
	}
	return out.Token
}
