package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/mail/mailtest"
)

// Issue 12 part 11: authentication per OWASP ASVS level 2.

// TestCommonPasswordsRefused: every place a password is chosen refuses
// common and breached ones, short ones and the account's own address or
// name with a 422 naming the field and R-AUTH-01, and changes nothing
// (R-AUTH-01, NIST SP 800-63B). password123 was accepted before.
func TestCommonPasswordsRefused(t *testing.T) {
	h := newSignupHarness(t)
	const addr = "lin.qiao@demo-univ.edu.cn"
	admin := h.email(domain.RolePlatformAdmin)
	app := h.tree.Account(domain.RoleApplicant)
	before := h.eventCount()
	for _, pw := range []string{"password123", "password1234567", "Password!2024-2025", "qwertyuiopasdfgh", "lin.qiao river song 4"} {
		own := pw == "lin.qiao river song 4" // the new account's own address
		expect(t, "register with "+pw, h.do("POST", "/api/v1/auth/registrations", "", h.registration(addr, func(m map[string]any) { m["password"] = pw })), 422, "R-AUTH-01@password")
		expect(t, "create an account with "+pw, h.do("POST", "/api/v1/users", admin, map[string]any{
			"email": addr, "name": "林乔", "role": "applicant", "orgId": h.tree.Unit.String(), "mobile": "13900000001", "password": pw}), 422, "R-AUTH-01@password")
		if own {
			continue
		}
		expect(t, "change to "+pw, h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", app.UserID), app.Email,
			map[string]string{"password": pw, "currentPassword": app.Password}), 422, "R-AUTH-01@password")
	}
	// The applicant's own name (张明远) and address are refused too.
	expect(t, "change to the own name", h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", app.UserID), app.Email,
		map[string]string{"password": "张明远的新密码很长很长很长很长", "currentPassword": app.Password}), 422, "R-AUTH-01@password")
	expect(t, "change to the own address", h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", app.UserID), app.Email,
		map[string]string{"password": "my " + app.Email + " password", "currentPassword": app.Password}), 422, "R-AUTH-01@password")
	expect(t, "reset to a common password", h.do("POST", "/api/v1/auth/password-reset/confirm", "",
		map[string]string{"email": app.Email, "code": "123456", "password": "iloveyou1234567890"}), 422, "R-AUTH-01@password")
	if n := h.eventCount(); n != before {
		t.Errorf("refused passwords left %d events", n-before)
	}
	h.login(app.Email, app.Password)
	expect(t, "a good password", h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", app.UserID), app.Email,
		map[string]string{"password": "orchard thimble 64 canoe", "currentPassword": app.Password}), 204, "")
}

// TestRegistrationDoesNotRevealAccounts: registering an address that
// already has an account answers exactly as a new address does (status,
// body shape, headers) and records nothing; the account's holder is mailed
// a notice instead of a code, and the account is unchanged.
func TestRegistrationDoesNotRevealAccounts(t *testing.T) {
	h := newSignupHarness(t)
	taken := h.tree.Account(domain.RoleApplicant)
	const fresh = "he.yun@demo-univ.edu.cn"
	before := h.eventCount()
	a := h.do("POST", "/api/v1/auth/registrations", "", h.registration(taken.Email, nil))
	if n := h.eventCount(); n != before {
		t.Errorf("a registration of a taken address recorded %d events", n-before)
	}
	b := h.do("POST", "/api/v1/auth/registrations", "", h.registration(fresh, nil))
	if a.status != 202 || b.status != 202 {
		t.Fatalf("taken %d %s, fresh %d %s; want both 202", a.status, a.body, b.status, b.body)
	}
	shape := func(r response) []string {
		m := r.json(t)
		keys := slices.Sorted(maps.Keys(m))
		if _, err := time.Parse(time.RFC3339, fmt.Sprint(m["expiresAt"])); err != nil {
			t.Errorf("expiresAt %v", m["expiresAt"])
		}
		return keys
	}
	if ka, kb := shape(a), shape(b); !slices.Equal(ka, kb) {
		t.Errorf("bodies differ in shape: %v and %v", ka, kb)
	}
	headers := func(r response) []string {
		var out []string
		for k := range r.header {
			if k != "Date" && k != "Content-Length" && k != "X-Request-Id" {
				out = append(out, k)
			}
		}
		slices.Sort(out)
		return out
	}
	if ha, hb := headers(a), headers(b); !slices.Equal(ha, hb) {
		t.Errorf("headers differ: %v and %v", ha, hb)
	}
	h.code(fresh, activationCode, 1)
	if _, ok := h.smtp.WaitFor(5*time.Second, func(m mailtest.Message) bool {
		return m.To == taken.Email && strings.Contains(m.Subject, "already has an econf account")
	}); !ok {
		t.Error("the holder of the taken address got no notice")
	}
	if n := h.mailsTo(taken.Email, "Activation code"); n != 0 {
		t.Errorf("%d activation codes sent to a taken address", n)
	}
	// The account is as it was: the old password signs in.
	h.login(taken.Email, taken.Password)
	var pending int
	if err := h.pool.QueryRow(context.Background(), `SELECT count(*) FROM pending_registrations WHERE email = $1`, taken.Email).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	if pending != 0 {
		t.Errorf("%d pending registrations for a taken address", pending)
	}
}

// TestSecurityHeaders: every answer, whatever its status or route, carries
// the OWASP headers; authenticated answers and logins are never stored.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	app := h.email(domain.RoleApplicant)
	id, _ := h.submit(nil)
	for _, c := range []struct {
		name    string
		res     response
		noStore bool
	}{
		{"health", h.do("GET", "/healthz", "", nil), false},
		{"health, HEAD", h.do("HEAD", "/healthz", "", nil), false},
		{"openapi", h.do("GET", "/openapi.json", "", nil), false},
		{"unknown route", h.do("GET", "/nowhere", "", nil), false},
		{"universities", h.do("GET", "/api/v1/auth/universities", "", nil), false},
		{"login", h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": app, "password": h.tree.Account(domain.RoleApplicant).Password}), true},
		{"failed login", h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": app, "password": "wrong but long enough"}), true},
		{"no token", h.do("GET", "/api/v1/me", "", nil), false},
		{"me", h.do("GET", "/api/v1/me", app, nil), true},
		{"a forecast", h.do("GET", "/api/v1/forecasts/"+id, app, nil), true},
		{"a pdf", h.do("GET", "/api/v1/forecasts/"+id+"/form.pdf", app, nil), true},
		{"an error", h.do("POST", "/api/v1/forecasts", app, "{"), true},
	} {
		for k, want := range map[string]string{
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"X-Content-Type-Options":  "nosniff",
			"X-Frame-Options":         "DENY",
			"Referrer-Policy":         "no-referrer",
		} {
			if got := c.res.header.Get(k); got != want {
				t.Errorf("%s (%d): %s %q, want %q", c.name, c.res.status, k, got, want)
			}
		}
		if got := c.res.header.Get("Cache-Control"); c.noStore && got != "no-store" {
			t.Errorf("%s (%d): Cache-Control %q, want no-store", c.name, c.res.status, got)
		}
	}
}

// TestHealthzHead: probes and load balancers that send HEAD get 200
// without a body (it was 405).
func TestHealthzHead(t *testing.T) {
	h := newHarness(t)
	res := h.do("HEAD", "/healthz", "", nil)
	if res.status != http.StatusOK || len(res.body) != 0 {
		t.Fatalf("HEAD /healthz: %d with %d bytes; want 200 without a body", res.status, len(res.body))
	}
}

// TestJSONContentType415: a JSON body sent with another Content-Type (a
// form, text, none) is 415 on every kind of JSON route, open or not, and
// changes nothing; application/json (with parameters) is taken.
func TestJSONContentType415(t *testing.T) {
	h := newHarness(t)
	app := h.email(domain.RoleApplicant)
	admin := h.email(domain.RolePlatformAdmin)
	id, _ := h.submit(nil)
	body, _ := json.Marshal(forecastBody(nil))
	before := h.eventCount()
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "", "application/jsonx", "application/merge-patch+json", "nonsense/"} {
		for _, c := range []struct {
			method, path, who string
			body              string
		}{
			{"POST", "/api/v1/auth/login", "", `{"email":"` + app + `","password":"` + h.tree.Account(domain.RoleApplicant).Password + `"}`},
			{"POST", "/api/v1/forecasts", app, string(body)},
			{"PUT", "/api/v1/forecasts/" + id, app, string(body)},
			{"POST", "/api/v1/forecasts/" + id + "/withdraw", app, `{}`},
			{"PUT", "/api/v1/declarations/" + id + "/sections/basic", app, `{}`},
			{"POST", "/api/v1/users", admin, `{}`},
		} {
			var res response
			if ct == "" {
				res = h.doRaw(c.method, c.path, c.who, c.body, "")
			} else {
				res = h.do(c.method, c.path, c.who, c.body, "Content-Type", ct)
			}
			if res.status != 415 || !strings.Contains(string(res.body), "unsupported-media-type") {
				t.Errorf("%s %s as %q: %d %s, want 415", c.method, c.path, ct, res.status, res.body)
			}
		}
	}
	if n := h.eventCount(); n != before {
		t.Errorf("refused bodies left %d events", n-before)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8"} {
		res := h.do("POST", "/api/v1/forecasts", app, string(body), "Content-Type", ct)
		if res.status != 201 {
			t.Errorf("a forecast as %q: %d %s", ct, res.status, res.body)
		}
	}
}

// TestNullBody400: null, or any other non-object where an object is
// required, is a 400 naming the body, never a command run on nothing.
func TestNullBody400(t *testing.T) {
	h := newHarness(t)
	app := h.email(domain.RoleApplicant)
	admin := h.email(domain.RolePlatformAdmin)
	id, _ := h.submit(nil)
	before := h.eventCount()
	for _, b := range []string{"null", " null ", "[]", `"x"`, "1", "true"} {
		for _, c := range []struct{ method, path, who string }{
			{"POST", "/api/v1/auth/login", ""},
			{"POST", "/api/v1/forecasts", app},
			{"POST", "/api/v1/forecasts/" + id + "/withdraw", app},
			{"POST", "/api/v1/forecasts/" + id + "/approve-unit", h.email(domain.RoleUnitAdmin)},
			{"PUT", "/api/v1/declarations/" + id + "/sections/basic", app},
			{"PUT", "/api/v1/policy", admin},
			{"POST", "/api/v1/me/notifications/read", app},
		} {
			res := h.do(c.method, c.path, c.who, b)
			if res.status != 400 || !res.hasRule("SCHEMA") {
				t.Errorf("%s %s with %s: %d %s, want 400 SCHEMA", c.method, c.path, b, res.status, res.body)
			}
		}
	}
	if n := h.eventCount(); n != before {
		t.Errorf("non-object bodies left %d events", n-before)
	}
}

// doRaw sends body with exactly the Content-Type given ("" for none).
func (h *harness) doRaw(method, path, who, body, contentType string) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+h.token(who))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// tooMany checks a 429 too-many-attempts with a Retry-After in seconds and
// returns it.
func tooMany(t *testing.T, what string, res response) time.Duration {
	t.Helper()
	if res.status != 429 || !strings.Contains(string(res.body), "too-many-attempts") {
		t.Fatalf("%s: %d %s; want 429 too-many-attempts", what, res.status, res.body)
	}
	secs, err := strconv.Atoi(res.header.Get("Retry-After"))
	if err != nil || secs <= 0 {
		t.Fatalf("%s: Retry-After %q", what, res.header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// TestLoginThrottled: fifty wrong passwords in a row no longer all answer
// 401: after 5 the account is locked (429, Retry-After), even for the right
// password, the lock doubles, and it ends; a success clears the count. The
// client address is limited across accounts (R-AUTH-02).
func TestLoginThrottled(t *testing.T) {
	h := newHarness(t)
	acc := h.tree.Account(domain.RoleApplicant)
	login := func(email, pw string) response {
		return h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": email, "password": pw})
	}
	for i := 1; i <= 5; i++ {
		expect(t, fmt.Sprintf("wrong password %d", i), login(acc.Email, "not the password at all"), 401, "")
	}
	if d := tooMany(t, "sixth try", login(acc.Email, acc.Password)); d != time.Minute {
		t.Errorf("first lock %v; want 1 min", d)
	}
	h.clock.Advance(time.Minute)
	expect(t, "wrong after the lock", login(acc.Email, "not the password at all"), 401, "")
	if d := tooMany(t, "locked again", login(acc.Email, acc.Password)); d != 2*time.Minute {
		t.Errorf("second lock %v; want 2 min (doubled)", d)
	}
	h.clock.Advance(2 * time.Minute)
	expect(t, "right password after the lock", login(acc.Email, acc.Password), 200, "")
	for i := 1; i <= 4; i++ { // the success cleared the count: 4 free failures again
		expect(t, fmt.Sprintf("wrong password after success %d", i), login(acc.Email, "not the password at all"), 401, "")
	}
	expect(t, "right password", login(acc.Email, acc.Password), 200, "")

	// The address: 30 failures over many accounts (unknown ones too).
	for i := range 30 - 10 {
		res := login(fmt.Sprintf("nobody%d@demo-univ.edu.cn", i), "not the password at all")
		if res.status != 401 {
			t.Fatalf("failure %d from the address: %d %s", i, res.status, res.body)
		}
	}
	tooMany(t, "another account from the address", login(h.email(domain.RoleUnitAdmin), h.tree.Account(domain.RoleUnitAdmin).Password))
	h.clock.Advance(15 * time.Minute)
	expect(t, "after the window", login(h.email(domain.RoleUnitAdmin), h.tree.Account(domain.RoleUnitAdmin).Password), 200, "")
}

// TestCodeEntryThrottled: wrong activation and reset codes count against
// the address's account; a lock is 429 before the code is looked at.
func TestCodeEntryThrottled(t *testing.T) {
	h := newSignupHarness(t)
	acc := h.tree.Account(domain.RoleApplicant)
	expect(t, "reset", h.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"email": acc.Email}), 202, "")
	rc := h.code(acc.Email, resetCode, 1)
	wrong := "000000"
	if rc == wrong {
		wrong = "111111"
	}
	confirm := func(code string) response {
		return h.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"email": acc.Email, "code": code, "password": "orchard thimble 64 canoe"})
	}
	for i := 1; i <= 3; i++ {
		expect(t, "wrong reset code", confirm(wrong), 422, "R-ACT-03@code")
	}
	activate := func(code string) response {
		return h.do("POST", "/api/v1/auth/registrations/activate", "", map[string]string{"email": acc.Email, "code": code})
	}
	for i := 1; i <= 2; i++ {
		expect(t, "wrong activation code", activate(wrong), 422, "R-ACT-03@code")
	}
	tooMany(t, "activation after 5 wrong codes", activate(wrong))
	tooMany(t, "the right reset code while locked", confirm(rc))
	h.clock.Advance(time.Minute)
	expect(t, "the right reset code after the lock", confirm(rc), 204, "")
	h.login(acc.Email, "orchard thimble 64 canoe")
}

// TestCurrentPasswordThrottled: a wrong current password on a password
// change counts like a wrong login; a lock is 429 even with the right one.
func TestCurrentPasswordThrottled(t *testing.T) {
	h := newHarness(t)
	acc := h.tree.Account(domain.RoleApplicant)
	change := func(current string) response {
		return h.do("PUT", fmt.Sprintf("/api/v1/users/%s/password", acc.UserID), acc.Email,
			map[string]string{"password": "orchard thimble 64 canoe", "currentPassword": current})
	}
	for i := 1; i <= 5; i++ {
		expect(t, "wrong current password", change("not the password at all"), 422, "R-ACT-03@currentPassword")
	}
	tooMany(t, "right current password while locked", change(acc.Password))
	tooMany(t, "login while locked", h.do("POST", "/api/v1/auth/login", "", map[string]string{"email": acc.Email, "password": acc.Password}))
	h.clock.Advance(time.Minute)
	if res := change(acc.Password); res.status != 204 {
		t.Fatalf("change after the lock: %d %s", res.status, res.body)
	}
}
