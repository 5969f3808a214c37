// Package smslogin owns the rules of signing in with a mobile number and a
// one-time code sent by SMS (R-DEL-07, seed 004 一.2): who may (an active
// account whose mobile was verified by a code before), what the code is
// worth (it expires, is good once, and a few wrong tries void it), how
// often codes may be sent (per mobile and per client address), and the
// consent the sign-in records (the user agreement and the privacy policy).
// Its events hold references (the account id, the documents' versions),
// never the mobile number or the code: those stay in operational tables.
package smslogin

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// Rule is the rule id of SMS sign-in.
const Rule = "R-DEL-07"

// The limits of R-DEL-07. A code is valid for CodeTTL and survives
// MaxWrongCodes wrong tries; one mobile is sent at most one code per
// ResendAfter and MobilePerHour an hour; one client address asks for at
// most AddressPerHour codes an hour.
const (
	CodeTTL        = 5 * time.Minute
	MaxWrongCodes  = 5
	ResendAfter    = time.Minute
	MobilePerHour  = 5
	AddressPerHour = 20
)

// The documents a sign-in accepts; a new version asks everyone again.
const (
	AgreementVersion = "2026-12"
	PrivacyVersion   = "2026-12"
)

// Purpose is what a code is for.
type Purpose string

const (
	// SignIn: a code sent to a verified mobile, to sign in with.
	SignIn Purpose = "sign-in"
	// Verify: a code sent to the mobile of a signed-in account's profile,
	// to prove the account holds it.
	Verify Purpose = "verify"
)

// Event names as stored; never change one.
const (
	EventMobileVerified = "sms_login.mobile_verified"
	EventSignedIn       = "sms_login.signed_in"
)

// MobileVerified: the account proved it holds the mobile of its profile by
// the code sent to it; from now on it may sign in with that mobile.
type MobileVerified struct {
	UserID uuid.UUID `json:"userId"`
	At     time.Time `json:"at"`
}

// SignedIn: the account signed in with a code sent to its verified mobile,
// accepting the user agreement and the privacy policy of these versions
// (the consent R-DEL-07 records).
type SignedIn struct {
	UserID           uuid.UUID `json:"userId"`
	AgreementVersion string    `json:"agreementVersion"`
	PrivacyVersion   string    `json:"privacyVersion"`
	At               time.Time `json:"at"`
}

func (MobileVerified) EventType() string { return EventMobileVerified }
func (SignedIn) EventType() string       { return EventSignedIn }

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("smslogin: unknown event type")

// Decode reads a stored event by its name.
func Decode(eventType string, data []byte) (any, error) {
	var e any
	switch eventType {
	case EventMobileVerified:
		e = new(MobileVerified)
	case EventSignedIn:
		e = new(SignedIn)
	default:
		return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
	}
	if err := json.Unmarshal(data, e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

// CheckMobile reports a mobile number that is not a mainland mobile.
func CheckMobile(pr *domain.Problems, path, mobile string) {
	if pr.Required(path, Rule, mobile) && !domain.ValidMobile(mobile) {
		pr.Add(path, Rule, "must be a mainland mobile number: 11 digits starting with 1", "须为11位大陆手机号码（以1开头）")
	}
}

// Consent is what the sign-in form's check box says.
type Consent struct {
	AcceptAgreement bool `json:"acceptAgreement"`
	AcceptPrivacy   bool `json:"acceptPrivacy"`
}

// CheckConsent reports a sign-in without both documents accepted
// (我已阅读并同意《用户协议》《隐私协议》).
func CheckConsent(pr *domain.Problems, c Consent) {
	if !c.AcceptAgreement {
		pr.Add("acceptAgreement", Rule, "accept the user agreement to sign in", "须阅读并同意《用户协议》")
	}
	if !c.AcceptPrivacy {
		pr.Add("acceptPrivacy", Rule, "accept the privacy policy to sign in", "须阅读并同意《隐私协议》")
	}
}

// Attempt is one try of a code as the store counted it.
type Attempt struct {
	// Found is false when no code is pending for the mobile.
	Found bool
	// Tries counts every try of this code, this one included.
	Tries     int
	ExpiresAt time.Time
	// Match reports whether the code given is the one sent (compared in
	// constant time).
	Match bool
}

// Check decides a try: no pending code (never sent, already used, or for
// a mobile no account holds) answers like a wrong code, so the answer does
// not tell which mobiles have accounts; an expired code, or one tried
// wrongly MaxWrongCodes times before, is void even when right.
func Check(path string, a Attempt, now time.Time) error {
	var pr domain.Problems
	wrongBefore := a.Tries - 1
	switch {
	case !a.Found:
		pr.Add(path, Rule, "the code is wrong or already used; ask for a new one", "验证码错误或已使用，请重新获取")
	case wrongBefore >= MaxWrongCodes || (!a.Match && a.Tries >= MaxWrongCodes):
		pr.Add(path, Rule, fmt.Sprintf("too many wrong codes (%d): this code is void; ask for a new one", MaxWrongCodes),
			fmt.Sprintf("验证码错误次数过多（%d次），该验证码已失效，请重新获取", MaxWrongCodes))
	case !now.Before(a.ExpiresAt):
		pr.Add(path, Rule, "the code has expired; ask for a new one", "验证码已过期，请重新获取")
	case !a.Match:
		left := MaxWrongCodes - a.Tries
		pr.Add(path, Rule, fmt.Sprintf("the code is wrong; %d tries left", left),
			fmt.Sprintf("验证码错误，还可尝试%d次", left))
	}
	return pr.Err()
}

// TooSoon is a code asked for beyond the limits: Wait says when the next
// one may be sent.
type TooSoon struct {
	Wait time.Duration
	// Address is true when the client address, not the mobile, is over
	// its limit.
	Address bool
}

func (e *TooSoon) Error() string {
	return fmt.Sprintf("%s: too many codes asked for; try again in %s", Rule, e.Wait.Round(time.Second))
}

// Sends are the codes sent lately, as the store counted them, for one key
// (a mobile or a client address), newest last.
type Sends []time.Time

// NextSend says how long a mobile with these sends must wait before the
// next code (0: it may have one now).
func NextSend(mobile Sends, now time.Time) time.Duration {
	var wait time.Duration
	if n := len(mobile); n > 0 {
		wait = max(wait, mobile[n-1].Add(ResendAfter).Sub(now))
	}
	wait = max(wait, hourWait(mobile, MobilePerHour, now))
	return max(wait, 0)
}

// NextAddressSend is NextSend for one client address.
func NextAddressSend(address Sends, now time.Time) time.Duration {
	return max(hourWait(address, AddressPerHour, now), 0)
}

// hourWait: with limit sends in the last hour, the wait until the oldest
// of them is an hour old.
func hourWait(sends Sends, limit int, now time.Time) time.Duration {
	var recent Sends
	for _, s := range sends {
		if now.Sub(s) < time.Hour {
			recent = append(recent, s)
		}
	}
	if len(recent) < limit {
		return 0
	}
	return recent[len(recent)-limit].Add(time.Hour).Sub(now)
}
