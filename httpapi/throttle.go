package httpapi

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/internal/auth"
)

// Failed tries of a password or a mailed code are counted per account and
// per client address (R-AUTH-02, OWASP ASVS V2.2.1): a lock answers 429
// too-many-attempts with Retry-After before anything is checked, so a
// locked account gives no answer about the password tried.

// clientAddress is the address failures are counted for: the TCP peer, or
// the first address of ClientAddressHeader when a reverse proxy sets it.
func (s *Server) clientAddress(r *http.Request) string {
	if s.ClientAddressHeader != "" {
		v, _, _ := strings.Cut(r.Header.Get(s.ClientAddressHeader), ",")
		if ip := net.ParseIP(strings.TrimSpace(v)); ip != nil {
			return ip.String()
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// throttled answers 429 when the account or the client address is locked;
// it reports whether it answered.
func (s *Server) throttled(w http.ResponseWriter, r *http.Request, account uuid.UUID) bool {
	wait, err := s.Auth.Throttle().Wait(r.Context(), auth.AccountKey(account), auth.AddressKey(s.clientAddress(r)))
	if err != nil {
		s.writeError(w, r, err)
		return true
	}
	if wait <= 0 {
		return false
	}
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	writeProblem(w, r, problem{Type: problemBase + "too-many-attempts", Title: "Too many attempts", Status: http.StatusTooManyRequests, Rule: auth.ThrottleRule,
		Detail: "too many failed attempts; try again in " + strconv.Itoa(secs) + " s", Zh: "失败次数过多，请于 " + strconv.Itoa(secs) + " 秒后重试"})
	return true
}

// counted records the outcome of a try on account: a failure (failed says
// which errors are one) counts for the account and the address, a success
// clears the account's count. It returns err for the handler to answer.
func (s *Server) counted(r *http.Request, account uuid.UUID, err error, failed func(error) bool) error {
	t := s.Auth.Throttle()
	switch {
	case err == nil:
		if cerr := t.Succeed(r.Context(), auth.AccountKey(account)); cerr != nil {
			s.Log.WarnContext(r.Context(), "clear throttle", "error", cerr)
		}
	case failed(err):
		if cerr := t.Fail(r.Context(), auth.AccountKey(account), auth.AddressKey(s.clientAddress(r))); cerr != nil {
			return cerr
		}
	}
	return err
}

// fieldFailed says whether err is a validation error on path (a wrong
// code, a wrong current password).
func fieldFailed(path string) func(error) bool {
	return func(err error) bool {
		var v *domain.ValidationError
		if !errors.As(err, &v) {
			return false
		}
		for _, f := range v.Fields {
			if f.Path == path {
				return true
			}
		}
		return false
	}
}

func badCredentials(err error) bool { return errors.Is(err, auth.ErrBadCredentials) }
