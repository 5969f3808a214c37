package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/econf/econf/domain"
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
