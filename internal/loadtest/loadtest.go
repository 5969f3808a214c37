// Package loadtest drives the econf HTTP API the way its users do: virtual
// users log in as the demo accounts and walk forecasts through the real
// workflow (submit, revise after a rejection, approvals at each level), then
// declare the approved conference (申报: start from the forecast, upload the
// local approval, fill the form section by section, submit, revise after a
// rejection, approvals at each level) while reading lists, status views and
// histories. Every run is bounded by a number of workflows and a duration,
// talks to loopback addresses only, and reports throughput and latency
// percentiles per operation, errors by kind and the projection lag of
// forecasts and of declarations: the time from a command's acknowledgement
// to its record's visibility in the list.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/internal/demo"
)

// Operation names, in the order reports list them.
const (
	OpLogin            = "login"
	OpSubmit           = "submit"
	OpGet              = "get"
	OpRevise           = "revise"
	OpApproveUnit      = "approve-unit"
	OpApproveSchool    = "approve-school"
	OpApproveAuthority = "approve-authority"
	OpReject           = "reject"
	OpListKeyword      = "list-keyword-zh"
	OpListShort        = "list-keyword-2char"
	OpListSorted       = "list-sorted"
	OpListDeep         = "list-deep-page"
	OpStatus           = "status"
	OpHistory          = "history"

	OpDeclStart            = "decl-start"
	OpDeclUpload           = "decl-upload"
	OpDeclSave             = "decl-save-section"
	OpDeclSubmit           = "decl-submit"
	OpDeclGet              = "decl-get"
	OpDeclApproveUnit      = "decl-approve-unit"
	OpDeclApproveSchool    = "decl-approve-school"
	OpDeclApproveAuthority = "decl-approve-authority"
	OpDeclReject           = "decl-reject"
	OpDeclListKeyword      = "decl-list-keyword-zh"
	OpDeclStatus           = "decl-status"
	OpDeclHistory          = "decl-history"
)

// Operations is every operation a run performs.
var Operations = []string{OpLogin, OpSubmit, OpGet, OpRevise, OpApproveUnit, OpApproveSchool, OpApproveAuthority,
	OpReject, OpListKeyword, OpListShort, OpListSorted, OpListDeep, OpStatus, OpHistory,
	OpDeclStart, OpDeclUpload, OpDeclSave, OpDeclSubmit, OpDeclGet, OpDeclApproveUnit, OpDeclApproveSchool,
	OpDeclApproveAuthority, OpDeclReject, OpDeclListKeyword, OpDeclStatus, OpDeclHistory}

// The lists whose projection lag is probed.
const (
	lagForecasts    = "forecasts"
	lagDeclarations = "declarations"
)

// Limits that keep a run bounded whatever the flags say.
const (
	// MaxWorkflows bounds the workflows of one run.
	MaxWorkflows = 1_000_000
	// MaxDuration bounds the length of one run.
	MaxDuration = time.Hour
	// MaxUsers bounds the virtual users.
	MaxUsers = 1024
	// lagTimeout is how long a record may take to show in its list before
	// the probe gives up and counts a lag timeout.
	lagTimeout = 5 * time.Second
	// lagPoll is the interval of the visibility probe (its resolution).
	lagPoll = 5 * time.Millisecond
	// requestTimeout bounds one request.
	requestTimeout = 30 * time.Second
)

// Config is one run.
type Config struct {
	// URL is the server's base URL (http://127.0.0.1:port); it must be a
	// loopback address.
	URL string
	// Accounts are the demo logins (internal/demo); one per role is used.
	Accounts []demo.Account
	// PlanYear is the year forecasts are submitted for; the server's
	// forecast window for it must be open. Conferences start late enough
	// in it for their declarations to meet the default policy's lead times
	// on today's date (see firstStartMonth).
	PlanYear int
	// Users is the number of virtual users (default 8).
	Users int
	// Duration bounds the run (default 10 s).
	Duration time.Duration
	// Workflows bounds the number of workflows started (default and at most
	// MaxWorkflows).
	Workflows int
	// Client sends the requests; nil uses one with enough idle connections
	// for every user.
	Client *http.Client
	// Rate, when above zero, makes the run open-loop: requests are sent
	// at this fixed rate per second whatever the answers' speed, and each
	// latency counts from the request's intended send time (see
	// openloop.go). Users is then the most workflows in flight at once
	// (default DefaultOpenUsers).
	Rate float64
	// Exports, in a closed-loop run, is how many xlsx exports of the
	// forecast list run at once beside the users, for as long as they do:
	// each exporter sends its next export when the last has been read to
	// the end, alternately as the school admin and as the analyst (see
	// exports.go).
	Exports int
}

// Report is what a run measured. Latencies are in milliseconds.
type Report struct {
	URL        string    `json:"url"`
	Users      int       `json:"users"`
	Seconds    float64   `json:"seconds"`
	Workflows  int64     `json:"workflowsCompleted"`
	Requests   int64     `json:"requests"`
	Throughput float64   `json:"requestsPerSecond"`
	Commands   float64   `json:"commandsPerSecond"`
	Ops        []OpStats `json:"operations"`
	// Errors counts failed requests by kind: "http-<status>", "transport",
	// "timeout", "unexpected-body", "lag-timeout" (either list).
	Errors map[string]int64 `json:"errors"`
	// ErrorSamples holds the first failure of each kind, for diagnosis.
	ErrorSamples map[string]string `json:"errorSamples,omitempty"`
	// Lag is the time from a forecast submit's acknowledgement until the
	// forecast is visible in the applicant's list, probed every
	// LagResolutionMS.
	Lag             Stats   `json:"projectionLag"`
	LagResolutionMS float64 `json:"lagResolutionMs"`
	LagTimeouts     int64   `json:"lagTimeouts"`
	// DeclLag is the same probe for declarations, kept apart: from a
	// declaration start's acknowledgement until the draft is visible in the
	// applicant's declarations list.
	DeclLag         Stats `json:"declarationProjectionLag"`
	DeclLagTimeouts int64 `json:"declarationLagTimeouts"`
	// ServerLag is the projection lag measured inside the server over the
	// run: from each event's append until each read model's transaction
	// that applied it committed, every event and read model pooled (the
	// server's econf_projection_delay_seconds histogram, read from /metrics
	// before and after; quantiles interpolated within its buckets, no
	// maximum). Empty when the server does not export it.
	ServerLag Stats `json:"serverProjectionLag"`
	// CommandLatency and QueryLatency pool the operations that append
	// events and those that only read (lists, details, status, history).
	CommandLatency Stats `json:"commandLatency"`
	QueryLatency   Stats `json:"queryLatency"`
	// Loop is "closed" (each user sends its next request when the last is
	// answered) or "open" (a fixed rate; see Config.Rate).
	Loop string    `json:"loop"`
	Open *OpenLoop `json:"openLoop,omitempty"`
	// History and DeclHistory repeat the history operations' figures
	// (a forecast's, and a declaration's four streams), quoted on their
	// own by the performance record.
	History     Stats `json:"forecastHistory"`
	DeclHistory Stats `json:"declarationHistory"`
	// ReadFrom counts the GET answers by the X-Econf-Read-From header of a
	// server with a read replica; nil when no answer carried it.
	ReadFrom *ReadFrom `json:"readFrom,omitempty"`
	// Exports is what the exporters of Config.Exports measured.
	Exports *ExportReport `json:"exports,omitempty"`
}

// ReadFrom is where a server with a read replica answered the run's GET
// requests from (the lag probe's included).
type ReadFrom struct {
	Replica int64 `json:"replica"`
	Primary int64 `json:"primary"`
	// ReplicaShare is Replica / (Replica + Primary).
	ReplicaShare float64 `json:"replicaShare"`
}

// OpStats is one operation's figures.
type OpStats struct {
	Name string `json:"name"`
	Stats
	Errors  int64   `json:"errors"`
	PerSec  float64 `json:"perSecond"`
	Command bool    `json:"command"`
}

// Stats summarises a set of latencies in milliseconds.
type Stats struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50Ms"`
	P95   float64 `json:"p95Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
	Mean  float64 `json:"meanMs"`
}

func summarise(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	at := func(q float64) float64 {
		i := int(q*float64(len(ds))+0.5) - 1
		return ms(ds[max(0, min(i, len(ds)-1))])
	}
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Stats{Count: int64(len(ds)), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(ds[len(ds)-1]), Mean: ms(sum / time.Duration(len(ds)))}
}

// CheckLoopback refuses any URL whose host is not a loopback address.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q: want http://127.0.0.1:<port>", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("url %q: the load tool only targets loopback addresses (127.0.0.1, ::1, localhost)", raw)
	}
	return nil
}

// recorder collects latencies and errors from every user.
type recorder struct {
	mu       sync.Mutex
	lat      map[string][]time.Duration
	opErrs   map[string]int64
	errs     map[string]int64
	samples  map[string]string
	lag      map[string][]time.Duration // by list
	lagTO    map[string]int64
	requests atomic.Int64
	maxKeep  int
	// readFrom counts GET answers by their X-Econf-Read-From.
	readReplica, readPrimary atomic.Int64
}

// readFrom counts a GET answer's X-Econf-Read-From.
func (r *recorder) readFrom(h http.Header) {
	switch h.Get("X-Econf-Read-From") {
	case "replica":
		r.readReplica.Add(1)
	case "primary":
		r.readPrimary.Add(1)
	}
}

func newRecorder() *recorder {
	return &recorder{lat: map[string][]time.Duration{}, opErrs: map[string]int64{}, errs: map[string]int64{}, samples: map[string]string{},
		lag: map[string][]time.Duration{}, lagTO: map[string]int64{}, maxKeep: 2_000_000}
}

func (r *recorder) ok(op string, d time.Duration) {
	r.requests.Add(1)
	r.mu.Lock()
	if len(r.lat[op]) < r.maxKeep {
		r.lat[op] = append(r.lat[op], d)
	}
	r.mu.Unlock()
}

func (r *recorder) fail(op, kind, detail string) {
	r.requests.Add(1)
	r.mu.Lock()
	r.opErrs[op]++
	r.errs[kind]++
	if _, ok := r.samples[kind]; !ok {
		r.samples[kind] = op + ": " + detail
	}
	r.mu.Unlock()
}

func (r *recorder) lagged(list string, d time.Duration) {
	r.mu.Lock()
	if len(r.lag[list]) < r.maxKeep {
		r.lag[list] = append(r.lag[list], d)
	}
	r.mu.Unlock()
}

func (r *recorder) lagTimeout(list, token string) {
	r.mu.Lock()
	r.lagTO[list]++
	r.errs["lag-timeout"]++
	if _, ok := r.samples["lag-timeout"]; !ok {
		r.samples["lag-timeout"] = list + ": " + token + " not listed after " + lagTimeout.String()
	}
	r.mu.Unlock()
}

// opError is a failed request, by kind.
type opError struct {
	kind string
	msg  string
}

func (e *opError) Error() string { return e.kind + ": " + e.msg }

// client talks to the API as the demo accounts.
type client struct {
	http   *http.Client
	base   string
	tokens map[domain.Role]string
	rec    *recorder
	// pace, in an open-loop run, waits for the next send time of the
	// schedule and returns it.
	pace func(context.Context) (time.Time, error)
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request, times it and records it under op. body is sent
// as JSON, or as it is when it is a []byte (an upload). A status other
// than want is an error of kind http-<status>.
func (c *client) call(ctx context.Context, op, method, path string, role domain.Role, body any, want int, headers ...string) (answer, error) {
	start := time.Now()
	if c.pace != nil {
		// Open loop: wait for this request's turn in the schedule, and
		// count its latency from then, not from when it could be sent.
		intended, err := c.pace(ctx)
		if err != nil {
			return answer{}, err
		}
		start = intended
	}
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, contentType = bytes.NewReader(b), "application/octet-stream"
	default:
		js, err := json.Marshal(body)
		if err != nil {
			return answer{}, err
		}
		rd = bytes.NewReader(js)
	}
	run := ctx
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if tok := c.tokens[role]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		if run.Err() != nil {
			if c.pace != nil {
				// An open-loop run waits for every request it sent; one
				// that outlived that wait is a failure, not a cut-off.
				c.rec.fail(op, "unfinished", err.Error())
			}
			return answer{}, run.Err() // the run ended: not the server's fault
		}
		kind := "transport"
		if errors.Is(err, context.DeadlineExceeded) {
			kind = "timeout"
		}
		c.rec.fail(op, kind, err.Error())
		return answer{}, &opError{kind, err.Error()}
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	elapsed := time.Since(start)
	if method == http.MethodGet {
		c.rec.readFrom(res.Header)
	}
	if err != nil {
		c.rec.fail(op, "transport", err.Error())
		return answer{}, &opError{"transport", err.Error()}
	}
	if res.StatusCode != want {
		kind := "http-" + strconv.Itoa(res.StatusCode)
		detail := fmt.Sprintf("%s %s: %s", method, path, truncate(b, 300))
		c.rec.fail(op, kind, detail)
		return answer{}, &opError{kind, detail}
	}
	c.rec.ok(op, elapsed)
	return answer{status: res.StatusCode, header: res.Header, body: b}, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// roles the workflows act as.
var roles = []domain.Role{domain.RoleApplicant, domain.RoleUnitAdmin, domain.RoleSchoolAdmin, domain.RoleAuthorityReviewer, domain.RoleAuditor}

func (c *client) login(ctx context.Context, accounts []demo.Account, extra ...domain.Role) error {
	for _, r := range append(slices.Clone(roles), extra...) {
		var acc *demo.Account
		for i := range accounts {
			if accounts[i].Role == r {
				acc = &accounts[i]
				break
			}
		}
		if acc == nil {
			return fmt.Errorf("no demo account with role %s", r)
		}
		a, err := c.call(ctx, OpLogin, "POST", "/api/v1/auth/login", "", map[string]string{"email": acc.Email, "password": acc.Password}, http.StatusOK)
		if err != nil {
			return fmt.Errorf("log in as %s: %w", acc.Email, err)
		}
		var tok struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal(a.body, &tok); err != nil || tok.Token == "" {
			return fmt.Errorf("log in as %s: no token in %s", acc.Email, truncate(a.body, 200))
		}
		c.tokens[r] = tok.Token
	}
	return nil
}

// Run logs in once per role and runs cfg.Users virtual users until
// cfg.Workflows have started or cfg.Duration has passed, whichever comes
// first. Requests in flight when the time is up are abandoned, not counted.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return Report{}, err
	}
	if cfg.Users <= 0 {
		cfg.Users = 8
		if cfg.Rate > 0 {
			cfg.Users = DefaultOpenUsers
		}
	}
	if cfg.Users > MaxUsers {
		return Report{}, fmt.Errorf("at most %d virtual users", MaxUsers)
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	cfg.Duration = min(cfg.Duration, MaxDuration)
	if cfg.Workflows <= 0 || cfg.Workflows > MaxWorkflows {
		cfg.Workflows = MaxWorkflows
	}
	if cfg.PlanYear == 0 {
		cfg.PlanYear = domain.DateOf(time.Now()).Year + 1
	}
	hc := cfg.Client
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 2 * cfg.Users
		tr.MaxIdleConnsPerHost = 2 * cfg.Users
		hc = &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
	}
	rec := newRecorder()
	c := &client{http: hc, base: strings.TrimRight(cfg.URL, "/"), tokens: map[domain.Role]string{}, rec: rec}
	if cfg.Exports < 0 || cfg.Exports > MaxUsers {
		return Report{}, fmt.Errorf("exports %d: want 0 to %d", cfg.Exports, MaxUsers)
	}
	if cfg.Exports > 0 && cfg.Rate > 0 {
		return Report{}, errors.New("exports run beside the closed loop only")
	}
	var exportAs []domain.Role
	if cfg.Exports > 0 {
		exportAs = exportRoles
	}
	if err := c.login(ctx, cfg.Accounts, exportAs...); err != nil {
		return Report{}, err
	}

	firstMonth := firstStartMonth(domain.DateOf(time.Now()), cfg.PlanYear)
	lagBefore, lagErr := c.scrapeLag(ctx)
	withServerLag := func(rep Report, err error) (Report, error) {
		if err == nil && lagErr == nil {
			if after, aerr := c.scrapeLag(ctx); aerr == nil {
				rep.ServerLag = after.since(lagBefore).stats()
			}
		}
		return rep, err
	}
	if cfg.Rate > 0 {
		return withServerLag(runOpen(ctx, cfg, c, firstMonth))
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var started, completed atomic.Int64
	var wg sync.WaitGroup
	begin := time.Now()
	// The exporters run while the users do, and end with them.
	usersDone := make(chan struct{})
	exporters := startExporters(ctx, c, cfg.Exports, usersDone)
	for u := range cfg.Users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &workflow{c: c, year: cfg.PlanYear, user: u, firstMonth: firstMonth}
			for runCtx.Err() == nil {
				n := started.Add(1)
				if n > int64(cfg.Workflows) {
					return
				}
				if w.run(runCtx, n) == nil {
					completed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	close(usersDone)
	rep := rec.report(cfg, elapsed, completed.Load())
	rep.Loop = "closed"
	rep.Exports = exporters.wait(elapsed)
	return withServerLag(rep, nil)
}

// report summarises what rec holds for a run of cfg that took elapsed.
func (rec *recorder) report(cfg Config, elapsed time.Duration, completed int64) Report {
	rep := Report{URL: cfg.URL, Users: cfg.Users, Seconds: elapsed.Seconds(), Workflows: completed,
		Errors: rec.errs, ErrorSamples: rec.samples, LagResolutionMS: float64(lagPoll.Microseconds()) / 1000,
		LagTimeouts: rec.lagTO[lagForecasts], DeclLagTimeouts: rec.lagTO[lagDeclarations]}
	rep.Lag = summarise(rec.lag[lagForecasts])
	rep.DeclLag = summarise(rec.lag[lagDeclarations])
	var commands int64
	var cmdLat, queryLat []time.Duration
	for _, op := range Operations {
		lat := rec.lat[op]
		switch {
		case isCommand(op):
			cmdLat = append(cmdLat, lat...)
		case op != OpLogin && op != OpDeclUpload:
			queryLat = append(queryLat, lat...)
		}
		s := OpStats{Name: op, Stats: summarise(lat), Errors: rec.opErrs[op], Command: isCommand(op)}
		if op != OpLogin {
			s.PerSec = float64(s.Count) / elapsed.Seconds()
			rep.Requests += s.Count + s.Errors
			if s.Command {
				commands += s.Count
			}
		}
		rep.Ops = append(rep.Ops, s)
	}
	rep.CommandLatency, rep.QueryLatency = summarise(cmdLat), summarise(queryLat)
	rep.History, rep.DeclHistory = summarise(rec.lat[OpHistory]), summarise(rec.lat[OpDeclHistory])
	if r, p := rec.readReplica.Load(), rec.readPrimary.Load(); r+p > 0 {
		rep.ReadFrom = &ReadFrom{Replica: r, Primary: p, ReplicaShare: float64(r) / float64(r+p)}
	}
	rep.Throughput = float64(rep.Requests) / elapsed.Seconds()
	rep.Commands = float64(commands) / elapsed.Seconds()
	return rep
}

// isCommand tells the operations that append events. An upload stores a
// file, not an event, and is not one.
func isCommand(op string) bool {
	switch op {
	case OpSubmit, OpRevise, OpApproveUnit, OpApproveSchool, OpApproveAuthority, OpReject,
		OpDeclStart, OpDeclSave, OpDeclSubmit, OpDeclApproveUnit, OpDeclApproveSchool, OpDeclApproveAuthority, OpDeclReject:
		return true
	}
	return false
}

// workflow is one virtual user's walk through a conference's forecast and
// declaration.
type workflow struct {
	c    *client
	year int
	user int
	// firstMonth is the first month of the plan year conferences start in
	// (firstStartMonth).
	firstMonth time.Month
}

// zhTopics vary the Chinese names so keyword searches select a fraction.
var zhTopics = []string{"分布式系统", "人工智能", "材料科学", "海洋工程", "量子信息", "生物医学", "数字经济", "智能制造"}

// conference is what one round's applicant plans; the forecast announces
// it and the declaration declares it.
type conference struct {
	topic      string
	start, end domain.Date
	// local is false for every other pair of rounds: the conference is
	// held in another city, which the forecast justifies and for which the
	// declaration needs the local foreign-affairs office's approval
	// (R-FC-04, R-DECL-07).
	local bool
}

// firstStartMonth is the first month of planYear in which conferences start, so
// that their declarations, submitted today or in the next weeks, meet the
// default policy's lead times (R-DECL-04/05: the longer tier's months before
// the start, on the Asia/Shanghai date): the month after today plus those
// months, and never before March. Conferences start from it to November.
func firstStartMonth(today domain.Date, planYear int) time.Month {
	r := policy.DefaultDeclarationRules()
	earliest := today.AddMonths(max(r.SubmitMonths(true), r.SubmitMonths(false)))
	switch {
	case earliest.Year < planYear:
		return time.March
	case earliest.Year > planYear:
		return time.December
	}
	return min(max(time.March, earliest.Month+1), time.December)
}

func (w *workflow) conference(n int64) conference {
	span := max(1, int(time.December-w.firstMonth))
	start := domain.Date{Year: w.year, Month: w.firstMonth + time.Month(int(n)%span), Day: 1 + int(n)%28}
	return conference{topic: zhTopics[int(n)%len(zhTopics)], start: start, end: start.AddDays(2), local: n%4 < 2}
}

func (w *workflow) body(n int64, token string, revision int) map[string]any {
	conf := w.conference(n)
	b := map[string]any{
		"applicant": map[string]any{"name": "张明远", "staffNo": "T1001", "title": "教授", "unit": "计算机学院",
			"department": "软件工程系", "mobile": "13800000001", "email": "zhang@demo-univ.edu.cn"},
		"nameZh":         fmt.Sprintf("%d年%s国际研讨会", w.year, conf.topic),
		"nameEn":         fmt.Sprintf("%d International Workshop %s", w.year, token),
		"startDate":      conf.start.String(),
		"commitmentDate": fmt.Sprintf("%d-01-15", w.year),
		"local":          true,
		"province":       "湖北省",
		"address":        "武汉市洪山区示范路1号",
		"type":           "natural_science",
		"scale":          "general",
		"chineseCount":   100 + revision,
		"foreignCount":   40,
		"organisations":  []any{map[string]any{"role": "host", "nameZh": "示范大学", "nameEn": "Demo University"}},
		"fundingSource":  "学院自筹",
	}
	if !conf.local {
		b["local"], b["province"], b["address"] = false, "浙江省", "杭州市西湖区示范路2号"
		b["offsiteJustification"] = "合作单位在杭州，会场和住宿条件更能满足会议需要"
	}
	return b
}

// run walks one forecast: submit, wait for it in the list, unit approval,
// every other time a school rejection and a revision followed by a second
// create sends a command that creates a record as the applicant (with an
// idempotency key from keyPrefix), reads the new id from the answer and
// waits until the record shows in the applicant's list (list: "forecasts"
// or "declarations"), recording that lag.
func (w *workflow) create(ctx context.Context, op, path string, body any, keyPrefix, list, token string) (string, answer, error) {
	c := w.c
	a, err := c.call(ctx, op, "POST", path, domain.RoleApplicant, body, http.StatusCreated,
		"Idempotency-Key", keyPrefix+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err != nil {
		return "", a, err
	}
	acked := time.Now()
	var created struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(a.body, &created); err != nil || created.ID == "" {
		c.rec.fail(op, "unexpected-body", truncate(a.body, 200))
		return "", a, &opError{"unexpected-body", truncate(a.body, 200)}
	}
	if err := w.probeLag(ctx, list, token, acked); err != nil {
		return "", a, err
	}
	return created.ID, a, nil
}

// unit approval, school and authority approval, then the reads; and then
// declares the approved conference (declare).
func (w *workflow) run(ctx context.Context, n int64) error {
	c := w.c
	token := fmt.Sprintf("lt%dx%d", w.user, n)
	created, a, err := w.create(ctx, OpSubmit, "/api/v1/forecasts", w.body(n, token, 0), "load-"+token, lagForecasts, token)
	if err != nil {
		return err
	}
	f := "/api/v1/forecasts/" + created
	etag, pos := a.header.Get("ETag"), a.header.Get("X-Econf-Position")
	step := func(op, path string, role domain.Role, body any) error {
		a, err := c.call(ctx, op, "POST", path, role, body, http.StatusOK, "If-Match", etag)
		if err == nil {
			etag, pos = a.header.Get("ETag"), a.header.Get("X-Econf-Position")
		}
		return err
	}
	if err := step(OpApproveUnit, f+"/approve-unit", domain.RoleUnitAdmin, map[string]string{"comment": "同意推荐"}); err != nil {
		return err
	}
	if n%2 == 0 {
		if err := step(OpReject, f+"/reject", domain.RoleSchoolAdmin, map[string]string{"reason": "请补充外方合作单位"}); err != nil {
			return err
		}
		// Read-your-writes: a server reading from a replica answers
		// after the rejection, whose ETag the revision needs.
		g, err := c.call(ctx, OpGet, "GET", f, domain.RoleApplicant, nil, http.StatusOK, "X-Econf-Min-Position", pos)
		if err != nil {
			return err
		}
		r, err := c.call(ctx, OpRevise, "PUT", f, domain.RoleApplicant, w.body(n, token, 1), http.StatusOK, "If-Match", g.header.Get("ETag"))
		if err != nil {
			return err
		}
		etag = r.header.Get("ETag")
		if err := step(OpApproveUnit, f+"/approve-unit", domain.RoleUnitAdmin, nil); err != nil {
			return err
		}
	}
	if err := step(OpApproveSchool, f+"/approve-school", domain.RoleSchoolAdmin, map[string]string{"comment": "同意上报"}); err != nil {
		return err
	}
	if err := step(OpApproveAuthority, f+"/approve-authority", domain.RoleAuthorityReviewer, nil); err != nil {
		return err
	}
	reads := []struct{ op, path string }{
		{OpListKeyword, "/api/v1/forecasts?q=" + url.QueryEscape(string([]rune(zhTopics[int(n)%len(zhTopics)])[:3]))},
		{OpListShort, "/api/v1/forecasts?q=" + url.QueryEscape("系统")},
		{OpListSorted, "/api/v1/forecasts?sort=startDate&order=asc&status=approved"},
		{OpListDeep, "/api/v1/forecasts?page=" + strconv.FormatInt(1+n%50, 10) + "&pageSize=20"},
	}
	for _, r := range reads {
		if _, err := c.call(ctx, r.op, "GET", r.path, domain.RoleSchoolAdmin, nil, http.StatusOK); err != nil {
			return err
		}
	}
	// The status view follows the stream: read it after the last decision,
	// as clients do (read-your-writes).
	if _, err := c.call(ctx, OpStatus, "GET", f+"/status", domain.RoleApplicant, nil, http.StatusOK, "X-Econf-Min-Position", pos); err != nil {
		return err
	}
	if _, err := c.call(ctx, OpHistory, "GET", f+"/history", domain.RoleAuditor, nil, http.StatusOK); err != nil {
		return err
	}
	return w.declare(ctx, n, token, created)
}

// probeLag polls the applicant's list ("forecasts" or "declarations") for
// the new record's unique token until it shows, and records how long after
// the acknowledgement that was. The probe's own requests are not counted as
// operations.
func (w *workflow) probeLag(ctx context.Context, list, token string, acked time.Time) error {
	c := w.c
	path := c.base + "/api/v1/" + list + "?pageSize=1&q=" + url.QueryEscape(token)
	deadline := acked.Add(lagTimeout)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+c.tokens[domain.RoleApplicant])
		res, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.rec.fail("lag-probe", "transport", err.Error())
			return &opError{"transport", err.Error()}
		}
		var page struct {
			Total int64 `json:"total"`
		}
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		c.rec.readFrom(res.Header)
		if err == nil && page.Total > 0 {
			c.rec.lagged(list, time.Since(acked))
			return nil
		}
		if time.Now().After(deadline) {
			c.rec.lagTimeout(list, token)
			return &opError{"lag-timeout", list + ": " + token}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(lagPoll):
		}
	}
}

// WriteText prints the report as a table.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	if r.Open != nil {
		fmt.Fprintf(&b, "econf load: open loop at %.0f requests/s (at most %d workflows in flight), %.1f s against %s\n", r.Open.OfferedRate, r.Users, r.Seconds, r.URL)
	} else {
		fmt.Fprintf(&b, "econf load: %d users, %.1f s against %s\n", r.Users, r.Seconds, r.URL)
	}
	fmt.Fprintf(&b, "workflows completed %d, requests %d (%.0f/s), commands %.0f/s\n\n", r.Workflows, r.Requests, r.Throughput, r.Commands)
	fmt.Fprintf(&b, "%-23s %8s %8s %9s %9s %9s %9s %9s\n", "operation", "count", "errors", "per s", "p50 ms", "p95 ms", "p99 ms", "max ms")
	for _, o := range r.Ops {
		fmt.Fprintf(&b, "%-23s %8d %8d %9.1f %9.2f %9.2f %9.2f %9.2f\n", o.Name, o.Count, o.Errors, o.PerSec, o.P50, o.P95, o.P99, o.Max)
	}
	fmt.Fprintf(&b, "%-23s %8d %8s %9s %9.2f %9.2f %9.2f %9.2f\n", "all commands", r.CommandLatency.Count, "", "",
		r.CommandLatency.P50, r.CommandLatency.P95, r.CommandLatency.P99, r.CommandLatency.Max)
	fmt.Fprintf(&b, "%-23s %8d %8s %9s %9.2f %9.2f %9.2f %9.2f\n", "all queries", r.QueryLatency.Count, "", "",
		r.QueryLatency.P50, r.QueryLatency.P95, r.QueryLatency.P99, r.QueryLatency.Max)
	if o := r.Open; o != nil {
		fmt.Fprintf(&b, "\nopen loop at %.0f requests/s (latencies from each request's intended send time): %d due, %d sent, "+
			"schedule at most %.1f ms behind, at most %d workflows in flight, drained in %.2f s; saturated: %t %s\n",
			o.OfferedRate, o.Scheduled, o.Sent, o.MaxBehindMS, o.MaxInFlight, o.DrainSeconds, o.Saturated, o.SaturatedBy)
	}
	fmt.Fprintf(&b, "\nprojection lag (ack → visible in the applicant's list, probed every %.0f ms)\n", r.LagResolutionMS)
	for _, l := range []struct {
		name     string
		s        Stats
		timeouts int64
	}{{"forecasts (submit)", r.Lag, r.LagTimeouts}, {"declarations (start)", r.DeclLag, r.DeclLagTimeouts}} {
		fmt.Fprintf(&b, "  %-21s n=%d p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms, timeouts %d\n",
			l.name, l.s.Count, l.s.P50, l.s.P95, l.s.P99, l.s.Max, l.timeouts)
	}
	fmt.Fprintf(&b, "projection lag inside the server (append → read model committed, every read model): n=%d p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, mean %.2f ms\n",
		r.ServerLag.Count, r.ServerLag.P50, r.ServerLag.P95, r.ServerLag.P99, r.ServerLag.Mean)
	if f := r.ReadFrom; f != nil {
		fmt.Fprintf(&b, "GET answers read from the replica %d, from the primary %d (replica share %.1f%%)\n", f.Replica, f.Primary, 100*f.ReplicaShare)
	}
	if x := r.Exports; x != nil {
		fmt.Fprintf(&b, "xlsx exports, %d at once beside the users: %d completed (%.2f/s, largest %d bytes), p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; 503 exports-busy %d; errors %v\n",
			x.Exporters, x.Completed, x.PerSec, x.MaxBytes, x.Latency.P50, x.Latency.P95, x.Latency.P99, x.Latency.Max, x.Busy, x.Errors)
	}
	if len(r.Errors) == 0 {
		b.WriteString("errors: none\n")
	} else {
		kinds := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			kinds = append(kinds, k)
		}
		slices.Sort(kinds)
		b.WriteString("errors:")
		for _, k := range kinds {
			fmt.Fprintf(&b, " %s=%d", k, r.Errors[k])
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
