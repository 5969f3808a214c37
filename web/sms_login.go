package web

import (
	"net/http"
	"strings"
)

// SMS sign-in (R-DEL-07) on the sign-in page: a unit contact asks for a
// code to the mobile their account verified, then signs in with it, the
// user agreement and the privacy policy accepted (each a checkbox, the
// consent recorded by the API). Codes, their expiry, single use and
// throttling are the API's.

func (s *Server) smsCode(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "sign_in")
	v.Form["mobile"], v.Form["next"] = strings.TrimSpace(r.PostFormValue("mobile")), r.PostFormValue("next")
	v.Form["tab"] = "sms"
	a := s.api(r, call{method: "POST", path: "/auth/sms-code", body: map[string]string{"mobile": v.Form["mobile"]}})
	status := http.StatusOK
	if a.ok() {
		v.Flash = v.T("sms_sent")
		v.Form["sms_sent"] = "1"
	} else {
		status = a.status
		s.smsProblems(v, a.problem())
	}
	s.ssoLinks(r, v)
	s.render(w, r, status, "login", v)
}

func (s *Server) smsSignIn(w http.ResponseWriter, r *http.Request) {
	v := s.newView(r, "sign_in")
	for _, k := range []string{"mobile", "code", "next"} {
		v.Form[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	v.Form["tab"], v.Form["sms_sent"] = "sms", "1"
	body := map[string]any{"mobile": v.Form["mobile"], "code": v.Form["code"]}
	for _, k := range []string{"acceptAgreement", "acceptPrivacy"} {
		on := r.PostFormValue(k) != ""
		body[k] = on
		if on {
			v.Form[k] = "on"
		}
	}
	a := s.api(r, call{method: "POST", path: "/auth/sms-login", body: body})
	var ans struct {
		Token string `json:"token"`
	}
	if !a.ok() || a.decode(&ans) != nil {
		s.smsProblems(v, a.problem())
		s.ssoLinks(r, v)
		s.render(w, r, max(a.status, http.StatusBadRequest), "login", v)
		return
	}
	s.setSession(w, r, ans.Token)
	s.setCSRF(w, r) // a new token for the new session
	next := v.Form["next"]
	if !localPath(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// smsProblems shows the API's answer on the SMS form: field errors next
// to their inputs (mobile, code, each consent), anything else on top.
func (s *Server) smsProblems(v *view, p problem) {
	for i := range p.Errors {
		p.Errors[i].Path = strings.TrimPrefix(p.Errors[i].Path, "body:")
	}
	if p.Status == http.StatusUnauthorized && len(p.Errors) == 0 {
		p.Errors = []fieldError{{Path: "code", Message: "the code is wrong or has expired", Zh: "验证码错误或已过期"}}
	}
	v.addProblems(p)
	for i := range v.Problems {
		switch v.Problems[i].Path {
		case "acceptAgreement", "acceptPrivacy":
			v.Problems[i].Label = v.T("sms_" + v.Problems[i].Path)
		case "code":
			v.Problems[i].Label = v.T("sms_code")
		}
	}
}

var _ = addMsgs(map[string][2]string{
	"sms_sign_in":         {"短信验证码登录", "Sign in with an SMS code"},
	"sms_hint":            {"适用于已验证手机号的账号（如各单位联系人）。", "For accounts with a verified mobile (the units' contacts, say)."},
	"sms_mobile":          {"手机号码", "Mobile number"},
	"sms_code":            {"短信验证码", "SMS code"},
	"sms_send":            {"获取验证码", "Send me a code"},
	"sms_sent":            {"如该手机号已验证，验证码已发送，5分钟内有效。", "If the mobile is verified, a code is on its way; it is good for 5 minutes."},
	"sms_acceptAgreement": {"我已阅读并同意《用户协议》", "I have read and accept the user agreement"},
	"sms_acceptPrivacy":   {"我已阅读并同意《隐私协议》", "I have read and accept the privacy policy"},
	"sms_submit":          {"登录", "Sign in"},
	"password_sign_in":    {"账号密码登录", "Sign in with a password"},
})
