package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/econf/econf/httpapi"
	"github.com/econf/econf/internal/sms"
)

// withSMS gives the site SMS sign-in with the development sender, whose
// codes the test reads (*dev is set once the site is built).
func withSMS(dev **sms.Dev) func(cfg *httpapi.Config, _ string) {
	return func(cfg *httpapi.Config, _ string) {
		*dev = sms.NewDev(cfg.Pool)
		cfg.SMSLogin = cfg.App.SMSLogin(sms.NewCodes(cfg.Pool, time.Now), *dev)
	}
}

// smsSignIn signs a unit contact in on the sign-in page with the mobile
// their account verified and an SMS code (R-DEL-07): a malformed mobile is
// refused next to its input; without the two consents ticked each is
// refused next to its checkbox; a wrong code next to the code; then in.
func smsSignIn(t *testing.T, s *site, b *browser, dev *sms.Dev) {
	b.t = t
	const mobile = "13800000000" // every demo account's profile mobile
	who := s.tree.OtherUnitAd
	if err := sms.NewCodes(s.pool, time.Now).VerifyMobile(context.Background(), who.UserID, mobile); err != nil {
		t.Fatal(err)
	}
	u := b.user("sms")
	u.open("/login")
	u.fill(map[string]string{"f-mobile": "1380000"})
	u.click("#sms-send")
	if msg := u.text("#f-mobile-error"); !strings.Contains(msg, "R-DEL-07") {
		t.Errorf("malformed mobile: %q next to it", msg)
	}
	u.fill(map[string]string{"f-mobile": mobile})
	u.click("#sms-send")
	kept, err := dev.List(context.Background(), 5)
	if err != nil || len(kept) == 0 || kept[0].To != mobile {
		t.Fatalf("no code kept for %s: %v %v", mobile, kept, err)
	}
	code := kept[0].Params["code"]
	u.fill(map[string]string{"f-code": code})
	u.click("#sms-sign-in")
	for _, id := range []string{"f-acceptAgreement", "f-acceptPrivacy"} {
		if msg := u.text("#" + id + "-error"); msg == "" {
			t.Errorf("consent not given: nothing next to %s; summary %q", id, u.text("#error-summary"))
		}
	}
	u.shot("sms-sign-in-errors")
	u.axe("sign-in with SMS errors")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	u.fill(map[string]string{"f-code": wrong})
	u.do(chromedp.Click(chromedp.ID("f-acceptAgreement")), chromedp.Click(chromedp.ID("f-acceptPrivacy")))
	u.click("#sms-sign-in")
	if msg := u.text("#f-code-error"); msg == "" {
		t.Errorf("wrong code: nothing next to the code; page %q", u.text("main"))
	}
	// The consents stay ticked on the refused form.
	if !eval[bool](u, `document.querySelector('#f-acceptAgreement').checked && document.querySelector('#f-acceptPrivacy').checked`) {
		t.Error("the consents were not kept on the refused form")
	}
	u.fill(map[string]string{"f-code": code})
	u.click("#sms-sign-in")
	u.waitFor(`location.pathname === '/'`)
	if got := u.text("#profile-link"); got == "" {
		t.Errorf("signed in by SMS: no user in the header")
	}
}
