package web_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/econf/econf/internal/mail/mailtest"
)

var (
	activationCode = regexp.MustCompile(`激活码为 (\d{6})`)
	resetCode      = regexp.MustCompile(`验证码为 (\d{6})`)
)

// registration registers in the browser: a weak password is
// refused next to its input (R-AUTH-01) and an address outside the
// university's domains next to the email (R-ACT-03); then the emailed
// code activates the account, which signs in to its inbox.
func registration(t *testing.T, s *site, b *browser) {
	b.t = t
	u := b.user("newcomer")
	u.open("/login")
	u.click(`a[href="/register"]`)
	u.axe("registration form")
	unit := eval[string](u, `document.querySelector('#f-unitId optgroup option').value`)
	u.fill(map[string]string{"f-email": "zhao.min@gmail.com", "f-name": "赵敏", "f-mobile": "13912345678", "f-staffNo": "S2031",
		"f-unitId": unit, "f-password": "short"})
	u.click(`main form button[type=submit]`)
	u.waitFor(`!!document.querySelector('#error-summary')`)
	contains(t, "weak password", u.text("#f-password-error"), "R-AUTH-01")
	contains(t, "foreign address", u.text("#f-email-error"), "R-ACT-03")
	if v := eval[string](u, `document.querySelector('#f-password').value`); v != "" {
		t.Error("the refused password was sent back into the page")
	}
	if v := eval[string](u, `document.querySelector('#f-unitId').value`); v != unit {
		t.Errorf("the unit chosen was lost: %q", v)
	}
	u.shot("register-errors")
	u.axe("registration form with errors")

	addr := "zhao.min@demo-univ.edu.cn"
	u.fill(map[string]string{"f-email": addr, "f-password": "amber lantern quietly 58"})
	u.click(`main form button[type=submit]`)
	u.waitFor(`location.pathname === '/register/activate'`)
	if v := eval[string](u, `document.querySelector('#f-email').value`); v != addr {
		t.Errorf("activation form email %q; want %s", v, addr)
	}
	ms, ok := s.smtp.WaitForN(10*time.Second, 1, func(m mailtest.Message) bool { return m.To == addr && activationCode.MatchString(m.Body) })
	if !ok {
		t.Fatal("no activation mail")
	}
	code := activationCode.FindStringSubmatch(ms[0].Body)[1]
	u.shot("activate")
	u.axe("activation form")
	u.fill(map[string]string{"f-code": code})
	u.click(`main form button[type=submit]`)
	u.waitFor(`location.pathname === '/login'`)
	contains(t, "after activation", u.text(".flash"), "账号已激活")
	u.signIn(addr, "amber lantern quietly 58")
	contains(t, "signed in", u.text("header"), "赵敏")
	u.shot("inbox-newcomer")

	// Sign out, forget the password, reset it with the emailed code.
	u.click(`form[action="/logout"] button`)
	u.waitFor(`location.pathname === '/login'`)
	u.click(`a[href="/password-reset"]`)
	u.fill(map[string]string{"f-email": addr})
	u.click(`main form button[type=submit]`)
	u.waitFor(`location.search.includes('sent=1')`)
	ms, ok = s.smtp.WaitForN(10*time.Second, 1, func(m mailtest.Message) bool { return m.To == addr && resetCode.MatchString(m.Body) })
	if !ok {
		t.Fatal("no reset mail")
	}
	u.fill(map[string]string{"f-code": resetCode.FindStringSubmatch(ms[0].Body)[1], "f-password": "copper harbour lantern 71"})
	u.axe("password reset")
	u.shot("password-reset")
	u.click(`main form button[type=submit]`)
	u.waitFor(`location.pathname === '/login'`)
	contains(t, "after the reset", u.text(".flash"), "密码已重置")
	u.signIn(addr, "copper harbour lantern 71")
}
