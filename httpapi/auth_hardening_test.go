package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
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
