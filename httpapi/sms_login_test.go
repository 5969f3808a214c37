package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/dbschema"
	"github.com/econf/econf/internal/pgcluster/pgtest"
	"github.com/econf/econf/internal/sms"
)

// newSMSHarness is the harness with SMS sign-in on the development sender,
// whose kept messages the test reads as an operator would.
func newSMSHarness(t *testing.T) (*harness, *sms.Dev) {
	t.Helper()
	var h *harness
	var dev *sms.Dev
	h = newHarnessOn(t, pgtest.NewDatabase(t, dbschema.Up), func(c *httpapi.Config) {
		dev = sms.NewDev(c.Pool)
		c.SMSLogin = c.App.SMSLogin(sms.NewCodes(c.Pool, func() time.Time { return h.clock.Now() }), dev)
	})
	return h, dev
}

// lastCode is the newest code the development sender kept for mobile.
func lastCode(t *testing.T, dev *sms.Dev, mobile string) (string, int) {
	t.Helper()
	kept, err := dev.List(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	code := ""
	for _, k := range kept {
		if k.To == mobile {
			if n == 0 {
				code = k.Params["code"]
			}
			n++
		}
	}
	return code, n
}

func accountOf(h *harness, role domain.Role) string {
	for _, a := range h.tree.Accounts {
		if a.Role == role {
			return a.Email
		}
	}
	h.t.Fatalf("no demo account of role %s", role)
	return ""
}

// TestSMSSignInR_DEL_07 walks SMS sign-in: only a verified mobile gets a
// code; the consent is required; a code is good once, for 5 minutes, and
// survives 4 wrong tries; codes are limited per mobile; one account per
// mobile.
func TestSMSSignInR_DEL_07(t *testing.T) {
	h, dev := newSMSHarness(t)
	const mobile = "13800000000" // every demo account's profile mobile
	unitAdmin, applicant := accountOf(h, domain.RoleUnitAdmin), accountOf(h, domain.RoleApplicant)
	ask := func() response { return h.do("POST", "/api/v1/auth/sms-code", "", map[string]string{"mobile": mobile}) }
	mustAsk := func() {
		t.Helper()
		if res := ask(); res.status != http.StatusAccepted {
			t.Fatalf("ask: %d %s", res.status, res.body)
		}
	}
	signIn := func(code string, agree, privacy bool) response {
		return h.do("POST", "/api/v1/auth/sms-login", "", map[string]any{"mobile": mobile, "code": code, "acceptAgreement": agree, "acceptPrivacy": privacy})
	}

	// No account verified the mobile yet: the same answer, no SMS.
	if res := ask(); res.status != http.StatusAccepted {
		t.Fatalf("ask before verification: %d %s", res.status, res.body)
	}
	if _, n := lastCode(t, dev, mobile); n != 0 {
		t.Fatalf("%d codes sent to a mobile no account verified", n)
	}
	if res := h.do("POST", "/api/v1/auth/sms-code", "", map[string]string{"mobile": "1380000"}); res.status != 422 || !res.hasRule("R-DEL-07") {
		t.Errorf("malformed mobile: %d %s", res.status, res.body)
	}

	// The unit admin verifies the mobile of its profile.
	h.clock.Advance(time.Minute)
	if res := h.do("POST", "/api/v1/me/mobile/verification", unitAdmin, nil); res.status != http.StatusAccepted {
		t.Fatalf("start verification: %d %s", res.status, res.body)
	}
	code, _ := lastCode(t, dev, mobile)
	if res := h.do("POST", "/api/v1/me/mobile/verification/confirm", unitAdmin, map[string]string{"code": wrong(code)}); res.status != 422 || !res.hasRule("R-DEL-07") {
		t.Fatalf("wrong verification code: %d %s", res.status, res.body)
	}
	if res := h.do("POST", "/api/v1/me/mobile/verification/confirm", unitAdmin, map[string]string{"code": code}); res.status != http.StatusNoContent {
		t.Fatalf("confirm: %d %s", res.status, res.body)
	}
	// Within a minute no other code goes to the mobile; then another account
	// cannot take it.
	if res := h.do("POST", "/api/v1/me/mobile/verification", applicant, nil); res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" {
		t.Fatalf("second code within the minute: %d %s", res.status, res.body)
	}
	h.clock.Advance(time.Minute)
	if res := h.do("POST", "/api/v1/me/mobile/verification", applicant, nil); res.status != http.StatusAccepted {
		t.Fatalf("applicant's verification: %d %s", res.status, res.body)
	}
	code, _ = lastCode(t, dev, mobile)
	if res := h.do("POST", "/api/v1/me/mobile/verification/confirm", applicant, map[string]string{"code": code}); res.status != 422 || !res.hasRule("R-DEL-07@mobile") {
		t.Fatalf("a mobile another account verified: %d %s", res.status, res.body)
	}

	// Sign in: consent first (costs no try), then the right code once.
	h.clock.Advance(time.Minute)
	if res := ask(); res.status != http.StatusAccepted {
		t.Fatalf("ask: %d %s", res.status, res.body)
	}
	code, _ = lastCode(t, dev, mobile)
	if res := signIn(code, false, false); res.status != 422 || !res.hasRule("R-DEL-07@acceptAgreement") || !res.hasRule("R-DEL-07@acceptPrivacy") {
		t.Fatalf("without consent: %d %s", res.status, res.body)
	}
	res := signIn(code, true, true)
	if res.status != http.StatusOK {
		t.Fatalf("sign in: %d %s", res.status, res.body)
	}
	token := res.json(t)["token"].(string)
	me := h.do("GET", "/api/v1/me", "", nil, "Authorization", "Bearer "+token)
	if me.status != http.StatusOK || me.json(t)["role"] != string(domain.RoleUnitAdmin) {
		t.Fatalf("me with the SMS session: %d %s", me.status, me.body)
	}
	if res := signIn(code, true, true); res.status != 422 || !strings.Contains(string(res.body), "already used") {
		t.Fatalf("the code again: %d %s", res.status, res.body)
	}

	// A fresh code (the reuse above counted one failure; a success clears it).
	h.clock.Advance(time.Minute)
	mustAsk()
	code, _ = lastCode(t, dev, mobile)
	if res := signIn(code, true, true); res.status != http.StatusOK {
		t.Fatalf("second sign-in: %d %s", res.status, res.body)
	}

	// Five codes went to the mobile this hour: a sixth waits for the hour.
	h.clock.Advance(time.Minute)
	if res := ask(); res.status != http.StatusTooManyRequests || !res.hasRule("R-DEL-07") {
		t.Fatalf("a sixth code within the hour: %d %s", res.status, res.body)
	}

	// Wrong codes: 4 leave tries, the 5th voids the code (and locks the
	// mobile's sign-in for a minute, R-AUTH-02).
	h.clock.Advance(time.Hour)
	mustAsk()
	code, _ = lastCode(t, dev, mobile)
	for i := 1; i <= 5; i++ {
		res := signIn(wrong(code), true, true)
		if res.status != 422 || !res.hasRule("R-DEL-07@code") {
			t.Fatalf("wrong code %d: %d %s", i, res.status, res.body)
		}
		if void := strings.Contains(string(res.body), "void"); void != (i == 5) {
			t.Fatalf("wrong code %d: %s", i, res.body)
		}
	}
	if res := signIn(code, true, true); res.status != http.StatusTooManyRequests {
		t.Fatalf("after 5 failures: %d %s", res.status, res.body)
	}
	h.clock.Advance(2 * time.Minute)
	if res := signIn(code, true, true); res.status != 422 || !strings.Contains(string(res.body), "void") {
		t.Fatalf("the right code after 5 wrong ones: %d %s", res.status, res.body)
	}

	// Expired: 5 minutes after it was sent.
	h.clock.Advance(10 * time.Minute)
	mustAsk()
	code, _ = lastCode(t, dev, mobile)
	h.clock.Advance(5 * time.Minute)
	if res := signIn(code, true, true); res.status != 422 || !strings.Contains(string(res.body), "expired") {
		t.Fatalf("expired code: %d %s", res.status, res.body)
	}
}

// wrong is another six-digit code.
func wrong(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}
