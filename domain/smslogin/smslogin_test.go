package smslogin_test

import (
	"testing"
	"time"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/domaintest"
	"github.com/econf/econf/domain/smslogin"
)

func TestCodeCheckR_DEL_07(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	exp := now.Add(time.Second)
	for _, c := range []struct {
		name string
		a    smslogin.Attempt
		ok   bool
	}{
		{"right code, first try", smslogin.Attempt{Found: true, Tries: 1, ExpiresAt: exp, Match: true}, true},
		{"right code after 4 wrong", smslogin.Attempt{Found: true, Tries: 5, ExpiresAt: exp, Match: true}, true},
		{"right code after 5 wrong: void", smslogin.Attempt{Found: true, Tries: 6, ExpiresAt: exp, Match: true}, false},
		{"wrong code", smslogin.Attempt{Found: true, Tries: 1, ExpiresAt: exp}, false},
		{"right code at its expiry", smslogin.Attempt{Found: true, Tries: 1, ExpiresAt: now, Match: true}, false},
		{"right code a second before its expiry", smslogin.Attempt{Found: true, Tries: 1, ExpiresAt: exp, Match: true}, true},
		{"no code (used, never sent)", smslogin.Attempt{}, false},
	} {
		err := smslogin.Check("code", c.a, now)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
		if err != nil {
			if got := domaintest.FieldErrors(t, err); len(got) != 1 || got[0] != "code R-DEL-07" {
				t.Errorf("%s: %v", c.name, got)
			}
		}
	}
}

func TestSendLimitsR_DEL_07(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	for _, c := range []struct {
		name  string
		sends smslogin.Sends
		want  time.Duration
	}{
		{"none", nil, 0},
		{"one 59 s ago", smslogin.Sends{ago(59 * time.Second)}, time.Second},
		{"one 60 s ago", smslogin.Sends{ago(time.Minute)}, 0},
		{"4 in the hour", smslogin.Sends{ago(50 * time.Minute), ago(40 * time.Minute), ago(30 * time.Minute), ago(20 * time.Minute)}, 0},
		{"5 in the hour", smslogin.Sends{ago(50 * time.Minute), ago(40 * time.Minute), ago(30 * time.Minute), ago(20 * time.Minute), ago(10 * time.Minute)}, 10 * time.Minute},
		{"5, the oldest an hour ago", smslogin.Sends{ago(time.Hour), ago(40 * time.Minute), ago(30 * time.Minute), ago(20 * time.Minute), ago(10 * time.Minute)}, 0},
	} {
		if got := smslogin.NextSend(c.sends, now); got != c.want {
			t.Errorf("%s: wait %s, want %s", c.name, got, c.want)
		}
	}
	var addr smslogin.Sends
	for i := range smslogin.AddressPerHour - 1 {
		addr = append(addr, ago(time.Duration(59-i)*time.Minute))
	}
	if w := smslogin.NextAddressSend(addr, now); w != 0 {
		t.Errorf("address below its limit waits %s", w)
	}
	addr = append(addr, ago(time.Second))
	if w := smslogin.NextAddressSend(addr, now); w != time.Minute {
		t.Errorf("address at its limit waits %s, want 1m0s", w)
	}
}

func TestConsentR_DEL_07(t *testing.T) {
	for _, c := range []struct {
		consent smslogin.Consent
		want    int
	}{
		{smslogin.Consent{AcceptAgreement: true, AcceptPrivacy: true}, 0},
		{smslogin.Consent{AcceptAgreement: true}, 1},
		{smslogin.Consent{AcceptPrivacy: true}, 1},
		{smslogin.Consent{}, 2},
	} {
		var pr domain.Problems
		smslogin.CheckConsent(&pr, c.consent)
		if got := domaintest.FieldErrors(t, pr.Err()); len(got) != c.want {
			t.Errorf("%+v: %v", c.consent, got)
		}
	}
}
