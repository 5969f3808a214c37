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
// only, whatever its browser asks for.
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

	english := register(t, s.client(t), "lin.qiao@demo-univ.edu.cn", "Accept-Language", "en-GB,en;q=0.9")
	if !strings.Contains(english, "activation code is") || strings.Contains(english, "激活码") {
		t.Errorf("registered with Accept-Language en: the activation mail is not English only:\n%s", english)
	}

	c := s.client(t)
	p := get(t, c, s.url+"/login", "Accept-Language", "en")
	if tg := post(t, c, s.url+"/lang", url.Values{"csrf": {csrfOf(t, p)}, "lang": {"zh"}, "back": {"/register"}}, "Accept-Language", "en"); tg.status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", tg.status)
	}
	chinese := register(t, c, "qiao.lin@demo-univ.edu.cn", "Accept-Language", "en")
	if !activationCode.MatchString(chinese) || strings.Contains(chinese, "activation code") {
		t.Errorf("registered after the toggle chose Chinese: the activation mail is not Chinese only:\n%s", chinese)
	}
}
