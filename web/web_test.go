package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/web"
)

type page struct {
	status int
	header http.Header
	body   string
	cookie map[string]*http.Cookie
}

func get(t *testing.T, c *http.Client, u string, header ...string) page {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(t, c, req)
}

func post(t *testing.T, c *http.Client, u string, form url.Values, header ...string) page {
	t.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return send(t, c, req)
}

func send(t *testing.T, c *http.Client, req *http.Request) page {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	p := page{status: res.StatusCode, header: res.Header, body: string(b), cookie: map[string]*http.Cookie{}}
	for _, ck := range res.Cookies() {
		p.cookie[ck.Name] = ck
	}
	return p
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF field in the page: %.300s", p.body)
	}
	return m[1]
}

// TestPagesShape checks the frame every page stands in: served at / beside
// the API (whose answers are unchanged), Chinese by default and English by
// Accept-Language or the toggle, a strict CSP whose nonce is the one on
// the page's only script, no external host, session and CSRF cookies
// HttpOnly with SameSite, and every form refused without its CSRF token or
// from another site.
func TestPagesShape(t *testing.T) {
	s := newSite(t)
	c := s.client(t)

	// Signed out, every page leads to the sign-in page.
	p := get(t, c, s.url+"/")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("GET / signed out: %d %q", p.status, p.header.Get("Location"))
	}
	// The API keeps its own answers: unknown paths are problem+json 404s.
	for path, want := range map[string]int{"/healthz": 200, "/no/such/page": 404, "/api/v1/me": 401, "/api/v1/nope": 404} {
		if p := get(t, c, s.url+path); p.status != want || (want != 200 && !strings.HasPrefix(p.header.Get("Content-Type"), "application/problem+json")) {
			t.Errorf("GET %s: %d %s; want %d from the API", path, p.status, p.header.Get("Content-Type"), want)
		}
	}

	c = s.client(t) // a browser that never came before
	p = get(t, c, s.url+"/login")
	if p.status != 200 || !strings.Contains(p.body, `<html lang="zh-CN">`) || !strings.Contains(p.body, "<h1>登录</h1>") {
		t.Fatalf("GET /login: %d, not the Chinese page: %.400s", p.status, p.body)
	}
	csp := p.header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`script-src 'nonce-([A-Za-z0-9_-]{20,})'`).FindStringSubmatch(csp)
	if nonce == nil || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "form-action 'self'") {
		t.Fatalf("CSP %q: want default-src 'none', a script nonce, form-action 'self', frame-ancestors 'none'", csp)
	}
	scripts := regexp.MustCompile(`<script[^>]*>`).FindAllString(p.body, -1)
	if len(scripts) != 1 || !strings.Contains(scripts[0], `nonce="`+nonce[1]+`"`) || !strings.Contains(scripts[0], `src="/static/htmx-2.0.11.min.js"`) {
		t.Errorf("scripts %q: want only htmx, with the nonce %s", scripts, nonce[1])
	}
	if again := get(t, c, s.url+"/login"); strings.Contains(again.header.Get("Content-Security-Policy"), nonce[1]) {
		t.Error("the nonce did not change between two requests")
	}
	if m := regexp.MustCompile(`(?i)(src|href|action)="(https?:)?//`).FindString(p.body); m != "" {
		t.Errorf("the page refers to another host: %s", m)
	}
	ck := p.cookie["econf_csrf"]
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Secure {
		t.Fatalf("CSRF cookie %+v: want HttpOnly, SameSite=Strict, not Secure over plain HTTP", ck)
	}
	token := csrfOf(t, p)
	if token != ck.Value {
		t.Fatal("the form's CSRF token is not the cookie's")
	}
	if st := get(t, c, s.url+"/static/htmx-2.0.11.min.js"); st.status != 200 || !strings.HasPrefix(st.header.Get("Content-Type"), "text/javascript") {
		t.Errorf("htmx: %d %s", st.status, st.header.Get("Content-Type"))
	}

	// English by Accept-Language; the toggle's choice wins over it.
	if en := get(t, s.client(t), s.url+"/login", "Accept-Language", "en-GB,en;q=0.9,zh-CN;q=0.5"); !strings.Contains(en.body, `<html lang="en">`) || !strings.Contains(en.body, "<h1>Sign in</h1>") {
		t.Errorf("Accept-Language en: not the English page: %.300s", en.body)
	}
	if zhp := get(t, s.client(t), s.url+"/login", "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"); !strings.Contains(zhp.body, "<h1>登录</h1>") {
		t.Error("Accept-Language zh-CN first: not the Chinese page")
	}
	tg := post(t, c, s.url+"/lang", url.Values{"csrf": {token}, "lang": {"en"}, "back": {"/login"}})
	if tg.status != http.StatusSeeOther || tg.header.Get("Location") != "/login" || tg.cookie["econf_lang"] == nil || !tg.cookie["econf_lang"].HttpOnly {
		t.Fatalf("toggle: %d %q %+v", tg.status, tg.header.Get("Location"), tg.cookie["econf_lang"])
	}
	if en := get(t, c, s.url+"/login", "Accept-Language", "zh-CN"); !strings.Contains(en.body, "<h1>Sign in</h1>") {
		t.Error("after the toggle to English: not the English page")
	}
	if off := post(t, c, s.url+"/lang", url.Values{"csrf": {token}, "lang": {"zh"}, "back": {"//evil.example/"}}); off.header.Get("Location") != "/" {
		t.Errorf("toggle with a foreign back link redirected to %q", off.header.Get("Location"))
	}

	// A sign-in without the token, with another token, or from another
	// site signs no one in.
	good := url.Values{"csrf": {token}, "email": {s.email(domain.RoleApplicant)}, "password": {password(domain.RoleApplicant)}}
	bad := map[string]func() page{
		"no token": func() page { f := cloneForm(good); f.Del("csrf"); return post(t, c, s.url+"/login", f) },
		"wrong token": func() page {
			f := cloneForm(good)
			f.Set("csrf", strings.Repeat("x", 43))
			return post(t, c, s.url+"/login", f)
		},
		"cross-site": func() page { return post(t, c, s.url+"/login", good, "Sec-Fetch-Site", "cross-site") },
		"other origin": func() page {
			return post(t, c, s.url+"/login", good, "Origin", "http://evil.example")
		},
		"no cookie": func() page { return post(t, s.client(t), s.url+"/login", good) },
	}
	for name, try := range bad {
		if p := try(); p.status != http.StatusForbidden || p.cookie["econf_session"] != nil {
			t.Errorf("%s: %d, session cookie %v; want 403 and none", name, p.status, p.cookie["econf_session"])
		}
	}
	// Wrong password: the form again with the message, 401.
	wrong := cloneForm(good)
	wrong.Set("password", "not the password at all 1")
	if p := post(t, c, s.url+"/login", wrong); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "邮箱或密码错误") {
		t.Errorf("wrong password: %d %.300s", p.status, p.body)
	}

	in := post(t, c, s.url+"/login", good, "Origin", s.url)
	sess := in.cookie["econf_session"]
	if in.status != http.StatusSeeOther || in.header.Get("Location") != "/" || sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
		t.Fatalf("sign-in: %d %q, session cookie %+v", in.status, in.header.Get("Location"), sess)
	}
	if in.cookie["econf_csrf"] == nil || in.cookie["econf_csrf"].Value == token {
		t.Error("signing in did not renew the CSRF token")
	}
	home := get(t, c, s.url+"/")
	if home.status != 200 || home.header.Get("Cache-Control") != "no-store" || !strings.Contains(home.body, "退出") {
		t.Fatalf("inbox after sign-in: %d %q %s", home.status, home.header.Get("Cache-Control"), home.body)
	}
	// The session cookie is the API's own session: signing out ends it there.
	out := post(t, c, s.url+"/logout", url.Values{"csrf": {csrfOf(t, home)}})
	if out.status != http.StatusSeeOther || out.cookie["econf_session"] == nil || out.cookie["econf_session"].MaxAge >= 0 {
		t.Fatalf("sign-out: %d %+v", out.status, out.cookie["econf_session"])
	}
	req, _ := http.NewRequest("GET", s.url+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+sess.Value)
	if p := send(t, http.DefaultClient, req); p.status != http.StatusUnauthorized {
		t.Errorf("the API token of the ended session still answers %d", p.status)
	}
}

func cloneForm(f url.Values) url.Values {
	c := url.Values{}
	for k, v := range f {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// TestSimulatedClockBanner: on a training instance's simulated clock every
// page, the sign-in page included, says the time is simulated and shows it;
// on the machine's clock no page does.
func TestSimulatedClockBanner(t *testing.T) {
	simulated := time.Date(2027, 7, 22, 10, 0, 0, 0, time.FixedZone("UTC+8", 8*3600))
	for _, sim := range []bool{true, false} {
		site := httptest.NewServer(web.New(web.Config{API: http.NotFoundHandler(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Now: func() time.Time { return simulated }, SimulatedClock: sim}))
		res, err := http.Get(site.URL + "/login")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		site.Close()
		has := strings.Contains(string(body), `id="simulated-clock"`) && strings.Contains(string(body), "2027-07-22 10:00")
		if res.StatusCode != 200 || has != sim {
			t.Errorf("simulated %v: status %d, banner %v:\n%s", sim, res.StatusCode, has, body)
		}
	}
}
