package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/smslogin"
	"github.com/econf/econf/internal/pending"
	"github.com/econf/econf/internal/sms"
)

// SMSLoginStream is the stream of one account's SMS sign-ins and mobile
// verifications (R-DEL-07).
func SMSLoginStream(userID uuid.UUID) string { return "sms-login-" + userID.String() }

// SMSCodes keeps the operational state of SMS sign-in: pending codes,
// send counts, verified mobiles (internal/sms.Codes).
type SMSCodes interface {
	Allow(ctx context.Context, mobile, address string) error
	Save(ctx context.Context, key string, p sms.Pending, code string) (uuid.UUID, error)
	Try(ctx context.Context, key, code string) (sms.Pending, smslogin.Attempt, error)
	Use(ctx context.Context, key string, codeID uuid.UUID) (bool, error)
	VerifyMobile(ctx context.Context, userID uuid.UUID, mobile string) error
	Holder(ctx context.Context, mobile string) (uuid.UUID, bool, error)
}

// SMSSender sends one text message (internal/sms.Aliyun or sms.Dev).
type SMSSender interface {
	Send(ctx context.Context, m sms.Message) error
}

// SMSLogin runs sign-in by mobile and SMS code and the verification of an
// account's mobile that allows it (R-DEL-07).
type SMSLogin struct {
	app    *App
	codes  SMSCodes
	sender SMSSender
}

// SMSLogin returns the SMS sign-in commands.
func (a *App) SMSLogin(codes SMSCodes, sender SMSSender) *SMSLogin {
	return &SMSLogin{app: a, codes: codes, sender: sender}
}

// CodeSent is the answer to a code asked for: the same whether or not a
// code went out, so it tells nobody which mobiles have accounts.
type CodeSent struct {
	ExpiresAt          time.Time `json:"expiresAt"`
	ResendAfterSeconds int       `json:"resendAfterSeconds"`
}

// RequestSMSCode asks for a sign-in code.
type RequestSMSCode struct {
	Mobile string `json:"mobile"`
}

func signInKey(mobile string) string    { return string(smslogin.SignIn) + ":" + mobile }
func verifyKey(userID uuid.UUID) string { return string(smslogin.Verify) + ":" + userID.String() }

// RequestSignInCode counts the ask against the mobile's and the client
// address's limits (*smslogin.TooSoon beyond them), then sends a code when
// an active account verified the mobile and still has it in its profile.
func (s *SMSLogin) RequestSignInCode(ctx context.Context, cmd RequestSMSCode, address string) (CodeSent, error) {
	mobile := strings.TrimSpace(cmd.Mobile)
	var pr domain.Problems
	smslogin.CheckMobile(&pr, "mobile", mobile)
	if err := pr.Err(); err != nil {
		return CodeSent{}, err
	}
	if err := s.codes.Allow(ctx, mobile, address); err != nil {
		return CodeSent{}, err
	}
	out := s.sent()
	userID, ok, err := s.codes.Holder(ctx, mobile)
	if err != nil || !ok {
		return out, err
	}
	u, err := s.holder(ctx, userID, mobile)
	if err != nil || u == uuid.Nil {
		return out, err
	}
	return out, s.send(ctx, signInKey(mobile), sms.Pending{UserID: userID, Mobile: mobile, ExpiresAt: out.ExpiresAt})
}

func (s *SMSLogin) sent() CodeSent {
	return CodeSent{ExpiresAt: s.app.clock.Now().Add(smslogin.CodeTTL).UTC().Truncate(time.Second), ResendAfterSeconds: int(smslogin.ResendAfter / time.Second)}
}

// holder is userID when that account is active and its profile's mobile
// is still mobile; uuid.Nil otherwise.
func (s *SMSLogin) holder(ctx context.Context, userID uuid.UUID, mobile string) (uuid.UUID, error) {
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return uuid.Nil, err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return uuid.Nil, err
	}
	if !u.Active() || u.Profile().Mobile != mobile {
		return uuid.Nil, nil
	}
	return userID, nil
}

func (s *SMSLogin) send(ctx context.Context, key string, p sms.Pending) error {
	code, err := pending.NewCode()
	if err != nil {
		return err
	}
	if _, err := s.codes.Save(ctx, key, p, code); err != nil {
		return err
	}
	if err := s.sender.Send(ctx, sms.Message{To: p.Mobile, Template: sms.CodeTemplate, Params: map[string]string{"code": code}}); err != nil {
		return fmt.Errorf("send sms code: %w", err)
	}
	return nil
}

// SMSSignIn is the sign-in form: the mobile, the code and the consent.
type SMSSignIn struct {
	Mobile string `json:"mobile"`
	Code   string `json:"code"`
	smslogin.Consent
}

// SignIn checks the consent first (a missing tick costs no try of the
// code), then the code (expiry, tries, once only), and records the
// sign-in with the versions of the documents accepted. It answers the
// account to open a session for.
func (s *SMSLogin) SignIn(ctx context.Context, cmd SMSSignIn) (uuid.UUID, error) {
	mobile := strings.TrimSpace(cmd.Mobile)
	var pr domain.Problems
	smslogin.CheckMobile(&pr, "mobile", mobile)
	pr.Required("code", smslogin.Rule, cmd.Code)
	smslogin.CheckConsent(&pr, cmd.Consent)
	if err := pr.Err(); err != nil {
		return uuid.Nil, err
	}
	p, err := s.use(ctx, signInKey(mobile), cmd.Code)
	if err != nil {
		return uuid.Nil, err
	}
	userID, err := s.holder(ctx, p.UserID, mobile)
	if err != nil {
		return uuid.Nil, err
	}
	if userID == uuid.Nil { // disabled, or the mobile changed since the code went
		return uuid.Nil, smslogin.Check("code", smslogin.Attempt{}, s.app.clock.Now())
	}
	meta := Meta{CommandID: uuid.NewSHA1(p.CodeID, []byte("sms-sign-in")), CorrelationID: p.CodeID.String()}
	if err := s.record(ctx, userID, meta, "SignInBySMS", smslogin.SignedIn{UserID: userID,
		AgreementVersion: smslogin.AgreementVersion, PrivacyVersion: smslogin.PrivacyVersion, At: s.app.clock.Now()}); err != nil {
		return uuid.Nil, err
	}
	return userID, nil
}

// use tries code at key and, when right, ends its life.
func (s *SMSLogin) use(ctx context.Context, key, code string) (sms.Pending, error) {
	p, try, err := s.codes.Try(ctx, key, strings.TrimSpace(code))
	if err != nil {
		return p, err
	}
	if err := smslogin.Check("code", try, s.app.clock.Now()); err != nil {
		return p, err
	}
	ok, err := s.codes.Use(ctx, key, p.CodeID)
	if err != nil {
		return p, err
	}
	if !ok { // a parallel request used it first
		return p, smslogin.Check("code", smslogin.Attempt{}, s.app.clock.Now())
	}
	return p, nil
}

func (s *SMSLogin) record(ctx context.Context, userID uuid.UUID, meta Meta, command string, e event) error {
	l, err := s.app.load(ctx, UserStream(userID))
	if err != nil {
		return err
	}
	u, err := foldUser(userID, l)
	if err != nil {
		return err
	}
	actor := domain.Actor{UserID: userID, Name: u.Name(), Role: u.Role(), OrgID: u.OrgID()}
	pol, err := s.app.policies.Current(ctx)
	if err != nil {
		return err
	}
	_, err = s.app.execute(ctx, actor, meta, command, SMSLoginStream(userID), userID, func(loaded) (decision, error) {
		return decision{events: []event{e}, policy: pol.Version}, nil
	})
	return err
}

// StartMobileVerification sends a code to the mobile of the signed-in
// account's profile, within the same limits as a sign-in code.
func (s *SMSLogin) StartMobileVerification(ctx context.Context, actor domain.Actor, address string) (CodeSent, error) {
	l, err := s.app.load(ctx, UserStream(actor.UserID))
	if err != nil {
		return CodeSent{}, err
	}
	u, err := foldUser(actor.UserID, l)
	if err != nil {
		return CodeSent{}, err
	}
	if !u.Active() {
		return CodeSent{}, fmt.Errorf("verify mobile of %s: %w", actor.UserID, domain.ErrForbidden)
	}
	mobile := u.Profile().Mobile
	var pr domain.Problems
	if mobile == "" {
		pr.Add("mobile", smslogin.Rule, "the profile has no mobile number; add one first", "个人资料中没有手机号码，请先填写")
	}
	if err := pr.Err(); err != nil {
		return CodeSent{}, err
	}
	if err := s.codes.Allow(ctx, mobile, address); err != nil {
		return CodeSent{}, err
	}
	out := s.sent()
	return out, s.send(ctx, verifyKey(actor.UserID), sms.Pending{UserID: actor.UserID, Mobile: mobile, ExpiresAt: out.ExpiresAt})
}

// ConfirmMobile is the code sent to the profile's mobile.
type ConfirmMobile struct {
	Code string `json:"code"`
}

// ConfirmMobile checks the code and records the mobile as the account's
// for SMS sign-in; a mobile another account verified is refused.
func (s *SMSLogin) ConfirmMobile(ctx context.Context, actor domain.Actor, cmd ConfirmMobile) error {
	var pr domain.Problems
	pr.Required("code", smslogin.Rule, cmd.Code)
	if err := pr.Err(); err != nil {
		return err
	}
	p, err := s.use(ctx, verifyKey(actor.UserID), cmd.Code)
	if err != nil {
		return err
	}
	userID, err := s.holder(ctx, actor.UserID, p.Mobile)
	if err != nil {
		return err
	}
	if userID == uuid.Nil {
		pr.Add("code", smslogin.Rule, "the profile's mobile changed since the code was sent; ask for a new one", "验证码发送后手机号码已变更，请重新获取")
		return pr.Err()
	}
	if err := s.codes.VerifyMobile(ctx, userID, p.Mobile); err != nil {
		if errors.Is(err, sms.ErrMobileTaken) {
			pr.Add("mobile", smslogin.Rule, "another account already signs in with this mobile", "该手机号码已被其他账号用于短信登录")
			return pr.Err()
		}
		return err
	}
	meta := Meta{CommandID: uuid.NewSHA1(p.CodeID, []byte("verify-mobile")), CorrelationID: p.CodeID.String()}
	return s.record(ctx, userID, meta, "VerifyMobile", smslogin.MobileVerified{UserID: userID, At: s.app.clock.Now()})
}
