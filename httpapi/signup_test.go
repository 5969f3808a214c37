package httpapi_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/eventstore/pgstore"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/demo"
	"github.com/econf/econf/internal/filestore"
	"github.com/econf/econf/internal/mail"
	"github.com/econf/econf/internal/mail/mailtest"
	"github.com/econf/econf/internal/pending"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/internal/sms"
	"github.com/econf/econf/projections"
)

// signupHarness is the harness with registration, the mail outbox drained
// to an in-process SMTP server, and the notifications read model.
type signupHarness struct {
	*harness
	smtp *mailtest.Server
}

func newSignupHarness(t *testing.T) *signupHarness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pool := pgtest.NewDatabase(t, dbschema.Up)
	store := pgstore.New(pool)
	clock := policy.NewFixedClock(inWindow)
	as := auth.NewStore(pool, clock.Now)
	files, err := filestore.NewLocal(t.TempDir(), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	app, err := commands.New(commands.Deps{Store: store, Clock: clock, Credentials: as, Sessions: as, Files: files, Overdue: projections.NewQueries(pool)})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := demo.Seed(ctx, app, password, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	runner, err := projections.NewRunner(pool, store, log, projections.All()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := runner.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	smtpSrv := mailtest.Start(t)
	sender, err := mail.NewSMTP(mail.SMTPConfig{Host: smtpSrv.Host(), Port: smtpSrv.Port(), From: "econf <noreply@demo-univ.edu.cn>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	drainer := mail.NewDrainer(pool, sender, mail.DrainerConfig{Poll: 20 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}, log)
	done := make(chan error, 2)
	go func() { done <- runner.Run(ctx) }()
	go func() { done <- drainer.Run(ctx) }()
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		App: app, Auth: as, Reads: projections.NewQueries(pool), Waiter: runner, Pool: pool, Log: log,
		Signup:   app.Signup(pending.NewStore(pool), 30*time.Minute),
		SMSLogin: app.SMSLogin(sms.NewCodes(pool, clock.Now), sms.NewDev(pool)),
	}))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("runner or drainer: %v", err)
			}
		}
	})
	h := &harness{t: t, url: srv.URL, pool: pool, store: store, app: app, clock: clock, tree: tree, tokens: map[string]string{}}
	return &signupHarness{harness: h, smtp: smtpSrv}
}

var activationCode = regexp.MustCompile(`激活码为 (\d{6})`)
var resetCode = regexp.MustCompile(`验证码为 (\d{6})`)

// code waits for the n-th mail to addr matching re and returns its code.
func (h *signupHarness) code(addr string, re *regexp.Regexp, n int) string {
	h.t.Helper()
	ms, ok := h.smtp.WaitForN(5*time.Second, n, func(m mailtest.Message) bool { return m.To == addr && re.MatchString(m.Body) })
	if !ok {
		h.t.Fatalf("no mail %d to %s matching %s", n, addr, re)
	}
	m := ms[n-1]
	return re.FindStringSubmatch(m.Body)[1]
}

func (h *signupHarness) mailsTo(addr, subject string) int {
	n := 0
	for _, m := range h.smtp.Messages() {
		if m.To == addr && strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

func (h *signupHarness) registration(email string, edit func(m map[string]any)) map[string]any {
	m := map[string]any{"email": email, "name": "赵敏", "mobile": "13912345678", "staffNo": "S2031",
		"universityId": h.tree.University.String(), "unitId": h.tree.Unit.String(), "password": "amber lantern quietly 58"}
	if edit != nil {
		edit(m)
	}
	return m
}

func (h *signupHarness) login(email, pw string) string {
	h.t.Helper()
	res := h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	if res.status != http.StatusOK {
		h.t.Fatalf("login %s: %d %s", email, res.status, res.body)
	}
	tok := res.json(h.t)["token"].(string)
	h.tokens[email] = tok
	return tok
}

func expect(t *testing.T, what string, res response, status int, rule string) {
	t.Helper()
	if res.status != status || (rule != "" && !res.hasRule(rule)) {
		t.Errorf("%s: got %d %v (%s), want %d %s", what, res.status, res.rules(), res.body, status, rule)
	}
}

// TestRegisterActivateSubmitAndMail is R-ACT-03 end to end: a new applicant
// registers, activates with the code from the delivered mail, signs in,
// submits a forecast, and the unit's approval mails them exactly once and
// lands in their inbox; a rebuild of the inbox mails nothing again.
func TestRegisterActivateSubmitAndMail(t *testing.T) {
	h := newSignupHarness(t)
	const addr = "zhao.min@demo-univ.edu.cn"

	res := h.do("GET", "/api/v1/auth/universities", "", nil, "X-Econf-Min-Position", lastPos(h.harness).String())
	if res.status != 200 || !strings.Contains(string(res.body), h.tree.Unit.String()) {
		t.Fatalf("universities: %d %s", res.status, res.body)
	}

	// Bad input, each refused with its field and rule.
	other, err := h.app.CreateOrganisation(context.Background(), demo.System, commands.Meta{}, commands.CreateOrganisation{
		Kind: "university", NameZh: "另一所大学", NameEn: "Another University", ParentID: h.tree.Authority, EmailDomains: []string{"another.edu.cn"}})
	if err != nil {
		t.Fatal(err)
	}
	otherUnit, err := h.app.CreateOrganisation(context.Background(), demo.System, commands.Meta{}, commands.CreateOrganisation{
		Kind: "unit", NameZh: "物理学院", NameEn: "School of Physics", ParentID: other.ID})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "email outside the domains", h.do("POST", "/api/v1/auth/registrations", "", h.registration("zhao.min@gmail.com", nil)), 422, "R-ACT-03@email")
	expect(t, "weak password", h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, func(m map[string]any) { m["password"] = "short" })), 422, "R-AUTH-01@password")
	expect(t, "unit of another university", h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, func(m map[string]any) { m["unitId"] = otherUnit.ID.String() })), 422, "R-ACT-03@unitId")
	expect(t, "no mobile", h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, func(m map[string]any) { delete(m, "mobile") })), 422, "R-ACT-03@mobile")

	res = h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, nil))
	if res.status != http.StatusAccepted {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	code := h.code(addr, activationCode, 1)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	expect(t, "wrong code", h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": wrong}), 422, "R-ACT-03@code")
	expect(t, "login before activation", h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": addr, "password": "amber lantern quietly 58"}), 401, "")
	res = h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": code})
	if res.status != http.StatusCreated {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}
	expect(t, "activate twice", h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": code}), 422, "R-ACT-03@code")

	h.login(addr, "amber lantern quietly 58")
	me := h.do("GET", "/api/v1/me", addr, nil).json(t)
	if me["role"] != "applicant" || me["orgId"] != h.tree.Unit.String() {
		t.Fatalf("me: %v", me)
	}
	userID := me["id"].(string)
	expect(t, "profile", h.do("PUT", "/api/v1/users/"+userID+"/profile", addr, map[string]string{
		"name": "赵敏", "mobile": "13912345678", "officePhone": "027-8765 4321", "title": "副教授", "remarks": "外事秘书"}), 200, "")
	expect(t, "bad office phone", h.do("PUT", "/api/v1/users/"+userID+"/profile", addr, map[string]string{"name": "赵敏", "mobile": "13912345678", "officePhone": "abc"}), 422, "R-ACT-03@officePhone")
	expect(t, "someone else's profile", h.do("PUT", "/api/v1/users/"+userID+"/profile", h.email(domain.RoleApplicant), map[string]string{"name": "x", "mobile": "13912345678"}), 404, "")
	// R-ACT-03: the profile reads back as saved (the form is filled from
	// it), for the user and a platform admin; another user gets 404.
	got := h.do("GET", "/api/v1/users/"+userID+"/profile", addr, nil)
	if p := got.json(t); got.status != http.StatusOK || p["name"] != "赵敏" || p["officePhone"] != "027-8765 4321" || p["title"] != "副教授" || p["remarks"] != "外事秘书" || got.header.Get("ETag") == "" {
		t.Errorf("R-ACT-03 read the profile: %d %s", got.status, got.body)
	}
	expect(t, "a platform admin reads the profile", h.do("GET", "/api/v1/users/"+userID+"/profile", h.email(domain.RolePlatformAdmin), nil), 200, "")
	expect(t, "someone else reads the profile", h.do("GET", "/api/v1/users/"+userID+"/profile", h.email(domain.RoleApplicant), nil), 404, "")
	expect(t, "a profile of no UUID", h.do("GET", "/api/v1/users/nope/profile", addr, nil), 404, "")

	res = h.do("POST", "/api/v1/forecasts", addr, forecastBody(func(m map[string]any) {
		m["applicant"].(map[string]any)["name"] = "赵敏"
		m["applicant"].(map[string]any)["email"] = addr
	}))
	if res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	id := res.json(t)["id"].(string)
	expect(t, "unit approves", h.do("POST", "/api/v1/forecasts/"+id+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]string{"comment": "同意推荐"}), 200, "")

	if _, ok := h.smtp.WaitFor(5*time.Second, func(m mailtest.Message) bool {
		return m.To == addr && strings.Contains(m.Subject, "单位初审")
	}); !ok {
		t.Fatal("no mail for the unit approval")
	}

	// The inbox has it, unread; mark it read.
	inbox := h.do("GET", "/api/v1/me/notifications", addr, nil).json(t)
	items, _ := inbox["items"].([]any)
	if inbox["unread"] != float64(1) || len(items) != 1 || items[0].(map[string]any)["kind"] != "forecast_approved_unit" {
		t.Fatalf("inbox: %v", inbox)
	}
	nid := items[0].(map[string]any)["id"].(string)
	expect(t, "empty read", h.do("POST", "/api/v1/me/notifications/read", addr, map[string]any{}), 422, "SCHEMA@ids")
	expect(t, "mark read", h.do("POST", "/api/v1/me/notifications/read", addr, map[string]any{"ids": []string{nid}}), 200, "")
	if got := h.do("GET", "/api/v1/me/notifications?unread=true", addr, nil).json(t); got["unread"] != float64(0) {
		t.Fatalf("after marking read: %v", got)
	}
	if got := h.do("GET", "/api/v1/me/notifications", h.email(domain.RoleApplicant), nil).json(t); got["unread"] != float64(0) {
		t.Errorf("another user's inbox: %v", got)
	}

	// A rebuild of the inbox keeps the read mark and mails nothing again.
	if _, err := projections.Rebuild(context.Background(), h.pool, h.store, projections.Notifications{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.do("GET", "/api/v1/me/notifications", addr, nil).json(t); got["unread"] != float64(0) || len(got["items"].([]any)) != 1 {
		t.Errorf("after rebuild: %v", got)
	}
	time.Sleep(300 * time.Millisecond) // a duplicate would be out by now (poll 20 ms)
	if n := h.mailsTo(addr, "单位初审"); n != 1 {
		t.Errorf("%d mails for the unit approval, want exactly 1", n)
	}
	if n := h.mailsTo(addr, "激活码"); n != 1 {
		t.Errorf("%d activation mails, want 1", n)
	}
}

// TestCodesExpireVoidAndReset covers an expired code, the sixth wrong code
// voiding the code, and password reset by email without telling whether an
// address has an account.
func TestCodesExpireVoidAndReset(t *testing.T) {
	h := newSignupHarness(t)
	const addr = "qian.lin@demo-univ.edu.cn"
	register := func() {
		t.Helper()
		if res := h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, nil)); res.status != http.StatusAccepted {
			t.Fatalf("register: %d %s", res.status, res.body)
		}
	}
	activate := func(code string) response {
		res := h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": code})
		if res.status == http.StatusTooManyRequests { // R-AUTH-02: wait out the lock; this test is about the code's own limit
			secs, _ := strconv.Atoi(res.header.Get("Retry-After"))
			h.clock.Advance(time.Duration(secs) * time.Second)
			res = h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": code})
		}
		return res
	}

	// Expired.
	register()
	code := h.code(addr, activationCode, 1)
	h.clock.Advance(31 * time.Minute)
	res := activate(code)
	expect(t, "expired code", res, 422, "R-ACT-03@code")
	if !strings.Contains(string(res.body), "expired") {
		t.Errorf("expired: %s", res.body)
	}

	// A new registration voids the old code; six wrong codes void the new one.
	register()
	code = h.code(addr, activationCode, 2)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 1; i <= 5; i++ {
		res := activate(wrong)
		expect(t, "wrong code", res, 422, "R-ACT-03@code")
		if strings.Contains(string(res.body), "is void") {
			t.Fatalf("wrong code %d already voids: %s", i, res.body)
		}
	}
	res = activate(wrong)
	if res.status != 422 || !strings.Contains(string(res.body), "is void") {
		t.Fatalf("sixth wrong code: %d %s", res.status, res.body)
	}
	if res := activate(code); res.status != 422 || !strings.Contains(string(res.body), "is void") {
		t.Fatalf("the right code after it is void: %d %s", res.status, res.body)
	}

	// Register afresh and activate.
	register()
	if res := activate(h.code(addr, activationCode, 3)); res.status != http.StatusCreated {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}

	// Reset: an unknown address answers the same and mails nothing.
	expect(t, "reset unknown", h.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": "nobody@demo-univ.edu.cn"}), 202, "")
	expect(t, "reset", h.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": addr}), 202, "")
	rc := h.code(addr, resetCode, 1)
	if n := len(h.smtp.Messages()); n != 4 {
		t.Errorf("%d mails, want 3 activation and 1 reset", n)
	}
	confirm := func(code, pw string) response {
		return h.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"email": addr, "code": code, "password": pw})
	}
	wrong = "000000"
	if rc == wrong {
		wrong = "111111"
	}
	expect(t, "reset with a weak password", confirm(rc, "weak"), 422, "R-AUTH-01@password")
	expect(t, "reset with a wrong code", confirm(wrong, "harbor pebble lantern 7"), 422, "R-ACT-03@code")
	expect(t, "reset", confirm(rc, "harbor pebble lantern 7"), 204, "")
	expect(t, "reset code used", confirm(rc, "harbor pebble lantern 8"), 422, "R-ACT-03@code")
	expect(t, "old password", h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": addr, "password": "amber lantern quietly 58"}), 401, "")
	h.login(addr, "harbor pebble lantern 7")

	// Every step left an event; none holds the address or a code.
	rows, err := h.pool.Query(context.Background(), `SELECT type, data::text FROM events WHERE type LIKE 'registration.%' OR type LIKE 'password_reset.%'`)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for rows.Next() {
		var typ, data string
		if err := rows.Scan(&typ, &data); err != nil {
			t.Fatal(err)
		}
		types[typ]++
		if strings.Contains(data, addr) || strings.Contains(data, rc) || strings.Contains(data, "13912345678") {
			t.Errorf("%s holds personal data or a code: %s", typ, data)
		}
	}
	if types["registration.requested"] != 3 || types["registration.activated"] != 1 || types["password_reset.requested"] != 1 || types["password_reset.completed"] != 1 {
		t.Errorf("events: %v", types)
	}
}

// TestMailInTheRecipientsLanguage: a registration asking for English
// (Accept-Language) gets its activation code in English only; the account
// then chooses Chinese (PUT /api/v1/me/language) and its next mail is in
// Chinese only; GET /api/v1/me says the language at each step; a language
// other than zh or en is refused. Accounts without a language get both
// (TestRegisterActivateSubmitAndMail).
func TestMailInTheRecipientsLanguage(t *testing.T) {
	h := newSignupHarness(t)
	const addr = "qian.lan@demo-univ.edu.cn"
	res := h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, nil), "Accept-Language", "en-GB,en;q=0.9")
	if res.status != http.StatusAccepted {
		t.Fatalf("register: %d %s", res.status, res.body)
	}
	english := regexp.MustCompile(`activation code is (\d{6})`)
	ms, ok := h.smtp.WaitForN(5*time.Second, 1, func(m mailtest.Message) bool { return m.To == addr })
	if !ok {
		t.Fatal("no activation mail")
	}
	m := ms[0]
	if !english.MatchString(m.Body) || strings.Contains(m.Body, "激活码") || strings.Contains(m.Subject, "激活码") || !strings.Contains(m.Body, "Dear 赵敏,") {
		t.Fatalf("the activation mail is not in English only: %s\n%s", m.Subject, m.Body)
	}
	if res := h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": addr, "code": english.FindStringSubmatch(m.Body)[1]}); res.status != http.StatusCreated {
		t.Fatalf("activate: %d %s", res.status, res.body)
	}
	h.login(addr, "amber lantern quietly 58")
	// GET /me says the language chosen, and the organisation's kind.
	meSays := func(who, want string) {
		t.Helper()
		kind := "unit"
		if who == h.email(domain.RoleSchoolAdmin) {
			kind = "university"
		}
		me := h.do("GET", "/api/v1/me", who, nil).json(t)
		if got, _ := me["language"].(string); got != want || me["orgKind"] != kind {
			t.Errorf("GET /me of %s: language %q, orgKind %v; want %q and %s", who, got, me["orgKind"], want, kind)
		}
	}
	meSays(addr, "en")
	meSays(h.email(domain.RoleUnitAdmin), "") // none chosen: absent, mails bilingual
	expect(t, "another language", h.do("PUT", "/api/v1/me/language", addr, map[string]string{"language": "fr"}), 422, "SCHEMA@language")
	expect(t, "Chinese", h.do("PUT", "/api/v1/me/language", addr, map[string]string{"language": "zh"}), 200, "")
	meSays(addr, "zh")
	// A password reset asked for in English by an account without a
	// language: its code comes in English, and that is its language now.
	// One that has a language keeps it.
	other := h.email(domain.RoleSchoolAdmin)
	expect(t, "reset in English", h.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": other}, "Accept-Language", "en"), 202, "")
	if rm, ok := h.smtp.WaitFor(5*time.Second, func(m mailtest.Message) bool { return m.To == other }); !ok {
		t.Error("no reset mail")
	} else if !strings.Contains(rm.Body, "the code to reset your econf password is") || strings.Contains(rm.Body, "验证码") {
		t.Errorf("a reset asked for in English: the mail is not in English only:\n%s", rm.Body)
	}
	meSays(other, "en")
	expect(t, "reset in English, Chinese kept", h.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": addr}, "Accept-Language", "en"), 202, "")
	meSays(addr, "zh")
	res = h.do("POST", "/api/v1/forecasts", addr, forecastBody(func(m map[string]any) {
		m["applicant"].(map[string]any)["name"] = "赵敏"
		m["applicant"].(map[string]any)["email"] = addr
	}))
	if res.status != http.StatusCreated {
		t.Fatalf("submit: %d %s", res.status, res.body)
	}
	expect(t, "unit approves", h.do("POST", "/api/v1/forecasts/"+res.json(t)["id"].(string)+"/approve-unit", h.email(domain.RoleUnitAdmin), map[string]string{"comment": "同意推荐"}), 200, "")
	got, ok := h.smtp.WaitFor(5*time.Second, func(m mailtest.Message) bool { return m.To == addr && strings.Contains(m.Subject, "单位初审") })
	if !ok {
		t.Fatal("no mail for the unit approval")
	}
	if got.Subject != "预报已通过单位初审" || strings.Contains(got.Body, "Dear") || strings.Contains(got.Body, "Conference:") || !strings.Contains(got.Body, "意见：同意推荐") {
		t.Errorf("the unit approval's mail is not in Chinese only: %s\n%s", got.Subject, got.Body)
	}
}
