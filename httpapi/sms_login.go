package httpapi

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain/smslogin"
	"github.com/econf/econf/internal/sms"
)

// SMS sign-in (R-DEL-07): a code to a verified mobile, then the code with
// the user agreement and privacy policy accepted. Asking for codes is
// limited per mobile and per client address (429 with Retry-After); wrong
// codes count as failed sign-ins (R-AUTH-02) per mobile and address.

// smsNamespace names the failure count of a mobile (the account behind it
// is not told before the code is right).
var smsNamespace = uuid.MustParse("2b0f3f62-6a3e-5d1c-9f7e-0c3d1a8e4b57")

func mobileAccount(mobile string) uuid.UUID {
	return uuid.NewSHA1(smsNamespace, []byte(strings.TrimSpace(mobile)))
}

// smsEnabled answers 503 where the server runs without an SMS sender.
func (s *Server) smsEnabled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.SMSLogin == nil {
			writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "SMS sign-in unavailable", Status: http.StatusServiceUnavailable,
				Detail: "this server does not send SMS codes", Zh: "本服务器未开通短信验证码登录"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// smsError answers a code asked for too often with 429 and Retry-After,
// anything else as usual.
func (s *Server) smsError(w http.ResponseWriter, r *http.Request, err error) {
	var soon *smslogin.TooSoon
	if errors.Is(err, sms.ErrProvider) {
		s.Log.ErrorContext(r.Context(), "sms provider", "err", err)
		w.Header().Set("Retry-After", "60")
		writeProblem(w, r, problem{Type: problemBase + "unavailable", Title: "SMS not sent", Status: http.StatusServiceUnavailable,
			Detail: "the SMS provider did not take the message; try again later", Zh: "短信发送失败，请稍后重试"})
		return
	}
	if !errors.As(err, &soon) {
		s.writeError(w, r, err)
		return
	}
	secs := strconv.Itoa(max(int(math.Ceil(soon.Wait.Seconds())), 1))
	w.Header().Set("Retry-After", secs)
	detail, zh := "codes were asked for this mobile too often; try again in "+secs+" s", "该手机号获取验证码过于频繁，请于 "+secs+" 秒后重试"
	if soon.Address {
		detail, zh = "too many codes were asked for from this address; try again in "+secs+" s", "该网络地址获取验证码过于频繁，请于 "+secs+" 秒后重试"
	}
	writeProblem(w, r, problem{Type: problemBase + "too-many-attempts", Title: "Too many attempts", Status: http.StatusTooManyRequests,
		Rule: smslogin.Rule, Detail: detail, Zh: zh})
}

func (s *Server) requestSMSCode(w http.ResponseWriter, r *http.Request) {
	var cmd commands.RequestSMSCode
	if !decode(w, r, &cmd) {
		return
	}
	res, err := s.SMSLogin.RequestSignInCode(r.Context(), cmd, s.clientAddress(r))
	if err != nil {
		s.smsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

func (s *Server) smsSignIn(w http.ResponseWriter, r *http.Request) {
	var cmd commands.SMSSignIn
	if !decode(w, r, &cmd) {
		return
	}
	acc := mobileAccount(cmd.Mobile)
	if s.throttled(w, r, acc) {
		return
	}
	id, err := s.SMSLogin.SignIn(r.Context(), cmd)
	if err = s.counted(r, acc, err, fieldFailed("code")); err != nil {
		s.writeError(w, r, err)
		return
	}
	actor, err := s.App.ResolveActor(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	token, exp, err := s.Auth.CreateSession(r.Context(), actor, s.TokenTTL)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, loginAnswer{Token: token, ExpiresAt: exp, User: meOf(actor)})
}

func (s *Server) startMobileVerification(w http.ResponseWriter, r *http.Request) {
	res, err := s.SMSLogin.StartMobileVerification(r.Context(), actorOf(r.Context()), s.clientAddress(r))
	if err != nil {
		s.smsError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, res)
}

func (s *Server) confirmMobile(w http.ResponseWriter, r *http.Request) {
	var cmd commands.ConfirmMobile
	if !decode(w, r, &cmd) {
		return
	}
	a := actorOf(r.Context())
	if s.throttled(w, r, a.UserID) {
		return
	}
	err := s.counted(r, a.UserID, s.SMSLogin.ConfirmMobile(r.Context(), a, cmd), fieldFailed("code"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
