package httpapi

import (
	"net/http/httptest"
	"testing"
)

// The address failures count for: the peer, or the proxy's header when
// configured (its first, valid address only).
func TestClientAddress(t *testing.T) {
	r := httptest.NewRequest("POST", "/api/v1/auth/login", nil)
	r.RemoteAddr = "198.51.100.4:51234"
	r.Header.Set("X-Real-IP", "203.0.113.9, 10.0.0.1")
	if got := (&Server{}).clientAddress(r); got != "198.51.100.4" {
		t.Errorf("without the header setting: %q", got)
	}
	s := &Server{Config: Config{ClientAddressHeader: "X-Real-IP"}}
	if got := s.clientAddress(r); got != "203.0.113.9" {
		t.Errorf("with the header: %q", got)
	}
	r.Header.Set("X-Real-IP", "not an address")
	if got := s.clientAddress(r); got != "198.51.100.4" {
		t.Errorf("with a bad header: %q", got)
	}
}
