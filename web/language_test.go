package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/internal/mail/mailtest"
)

var unitOption = regexp.MustCompile(`<optgroup[^>]*>\s*<option value="([0-9a-f-]{36})"`)

// TestRegistrationMailLanguage: registering through the pages passes the
// reader's language to the API, so the account's mails are written in it:
// a browser that asks for English (Accept-Language) gets its activation
// code in English only; one whose toggle chose Chinese gets it in Chinese
// only, whatever its browser asks for. The profile page says the mail
// language (GET /api/v1/me's language), and the toggle changes it.
func TestRegistrationMailLanguage(t *testing.T) {
	s := newSite(t)
	register := func(t *testing.T, c *http.Client, addr string, header ...string) string {
		t.Helper()
		// The units come from the organisations read model, which catches
		// up with the seed in the background.
		p := get(t, c, s.url+"/register", header...)
		m := unitOption.FindStringSubmatch(p.body)
		for deadline := time.Now().Add(10 * time.Second); m == nil && time.Now().Before(deadline); m = unitOption.FindStringSubmatch(p.body) {
			time.Sleep(50 * time.Millisecond)
			p = get(t, c, s.url+"/register", header...)
		}
		if p.status != http.StatusOK || m == nil {
			t.Fatalf("GET /register: %d, no unit to pick: %.300s", p.status, p.body)
		}
		form := url.Values{"csrf": {csrfOf(t, p)}, "email": {addr}, "name": {"Lin Qiao"}, "mobile": {"13912345670"},
			"unitId": {m[1]}, "password": {"violet kettle ninety 42"}}
		if p := post(t, c, s.url+"/register", form, header...); p.status != http.StatusSeeOther {
			t.Fatalf("POST /register: %d %.500s", p.status, p.body)
		}
		ms, ok := s.smtp.WaitForN(10*time.Second, 1, func(m mailtest.Message) bool { return m.To == addr })
		if !ok {
			t.Fatalf("no activation mail to %s", addr)
		}
		return ms[0].Body
	}

	en := s.client(t)
	english := register(t, en, "lin.qiao@demo-univ.edu.cn", "Accept-Language", "en-GB,en;q=0.9")
	if !strings.Contains(english, "activation code is") || strings.Contains(english, "激活码") {
		t.Errorf("registered with Accept-Language en: the activation mail is not English only:\n%s", english)
	}

	// The profile page says the mail language; the toggle changes it.
	code := regexp.MustCompile(`activation code is (\d{6})`).FindStringSubmatch(english)
	if code == nil {
		t.Fatal("no code in the activation mail")
	}
	p := get(t, en, s.url+"/register/activate", "Accept-Language", "en")
	if a := post(t, en, s.url+"/register/activate", url.Values{"csrf": {csrfOf(t, p)}, "email": {"lin.qiao@demo-univ.edu.cn"}, "code": {code[1]}}, "Accept-Language", "en"); a.status != http.StatusSeeOther {
		t.Fatalf("activate: %d %.300s", a.status, a.body)
	}
	p = get(t, en, s.url+"/login", "Accept-Language", "en")
	if in := post(t, en, s.url+"/login", url.Values{"csrf": {csrfOf(t, p)}, "email": {"lin.qiao@demo-univ.edu.cn"}, "password": {"violet kettle ninety 42"}}, "Accept-Language", "en"); in.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d %.300s", in.status, in.body)
	}
	p = get(t, en, s.url+"/profile", "Accept-Language", "en")
	if !strings.Contains(p.body, `id="mail-language" data-language="en">English<`) {
		t.Errorf("profile of an account registered in English: no mail language English: %.2000s", p.body)
	}
	post(t, en, s.url+"/lang", url.Values{"csrf": {csrfOf(t, p)}, "lang": {"zh"}, "back": {"/profile"}})
	if p = get(t, en, s.url+"/profile", "Accept-Language", "en"); !strings.Contains(p.body, `id="mail-language" data-language="zh">中文<`) {
		t.Errorf("profile after the toggle chose Chinese: no mail language 中文: %.2000s", p.body)
	}

	c := s.client(t)
	p = get(t, c, s.url+"/login", "Accept-Language", "en")
	if tg := post(t, c, s.url+"/lang", url.Values{"csrf": {csrfOf(t, p)}, "lang": {"zh"}, "back": {"/register"}}, "Accept-Language", "en"); tg.status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", tg.status)
	}
	chinese := register(t, c, "qiao.lin@demo-univ.edu.cn", "Accept-Language", "en")
	if !activationCode.MatchString(chinese) || strings.Contains(chinese, "activation code") {
		t.Errorf("registered after the toggle chose Chinese: the activation mail is not Chinese only:\n%s", chinese)
	}
}
