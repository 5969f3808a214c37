// Package mailtest runs an SMTP server double in process for tests (plain,
// STARTTLS or implicit TLS with a certificate from a CA the test makes) and
// reads the messages it receives.
package mailtest

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one delivered mail, decoded.
type Message struct {
	From, To  string
	Subject   string
	MessageID string
	Body      string
}

// Server is an in-process SMTP server on a loopback port.
type Server struct {
	t    testing.TB
	addr string

	mu       sync.Mutex
	messages []Message
	changed  chan struct{}
	srv      *smtp.Server

	tls      *tls.Config // nil: plain
	implicit bool        // TLS from the first byte, else STARTTLS offered
	auth     [2]string   // username and password to require; empty: none
}

// Reserve picks a free loopback port without listening on it: a server
// that is down. Start brings it up.
func Reserve(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{t: t, addr: addr, changed: make(chan struct{})}
	t.Cleanup(s.Stop)
	return s
}

// Start runs a server on a free port.
func Start(t testing.TB) *Server {
	s := Reserve(t)
	s.Start()
	return s
}

// StartTLSServer runs a double speaking TLS with cert: from the first byte
// when implicit (SMTPS), else offering STARTTLS.
func StartTLSServer(t testing.TB, cert tls.Certificate, implicit bool) *Server {
	s := Reserve(t)
	s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	s.implicit = implicit
	s.Start()
	return s
}

// RequireAuth makes the double accept mail only after AUTH PLAIN as
// username with password.
func (s *Server) RequireAuth(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auth = [2]string{username, password}
}

func (s *Server) credentials() [2]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.auth
}

// Host and Port are where the server listens (or will).
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the server's port.
func (s *Server) Port() int { return s.addrPort() }

func (s *Server) addrPort() int {
	a, err := net.ResolveTCPAddr("tcp", s.addr)
	if err != nil {
		s.t.Fatal(err)
	}
	return a.Port
}

// Start begins accepting mail on the reserved port.
func (s *Server) Start() {
	s.t.Helper()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		s.t.Fatalf("mailtest: listen on %s: %v", s.addr, err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = s.tls == nil
	srv.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are what some tests want
	if s.tls != nil {
		if s.implicit {
			ln = tls.NewListener(ln, s.tls)
		} else {
			srv.TLSConfig = s.tls
		}
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }() // ends with Stop
}

// Stop closes the server.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Messages are the mails received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// WaitFor waits until a received mail matches, and returns it.
func (s *Server) WaitFor(timeout time.Duration, match func(Message) bool) (Message, bool) {
	ms, ok := s.WaitForN(timeout, 1, match)
	if !ok {
		return Message{}, false
	}
	return ms[0], true
}

// WaitForN waits until n received mails match, and returns them all.
func (s *Server) WaitForN(timeout time.Duration, n int, match func(Message) bool) ([]Message, bool) {
	deadline := time.After(timeout)
	for {
		s.mu.Lock()
		ch := s.changed
		var got []Message
		for _, m := range s.messages {
			if match(m) {
				got = append(got, m)
			}
		}
		s.mu.Unlock()
		if len(got) >= n {
			return got, true
		}
		select {
		case <-ch:
		case <-deadline:
			return got, false
		}
	}
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

type session struct {
	s        *Server
	from, to string
	authed   bool
}

// AuthMechanisms offers PLAIN (smtp.AuthSession).
func (x *session) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth checks PLAIN credentials against RequireAuth's.
func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, password string) error {
		if want := x.s.credentials(); want[0] == "" || username != want[0] || password != want[1] {
			return errors.New("mailtest: invalid credentials")
		}
		x.authed = true
		return nil
	}), nil
}

func (x *session) Reset()        {}
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.credentials()[0] != "" && !x.authed {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Decode(raw)
	if err != nil {
		return err
	}
	m.From, m.To = x.from, x.to
	x.s.add(m)
	return nil
}

// Decode reads a text/plain mail with a base64, quoted-printable or plain
// body and an encoded subject.
func Decode(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	body, err := io.ReadAll(msg.Body)
	if err != nil {
		return Message{}, err
	}
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "base64":
		body, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(body)), ""))
	case "", "7bit", "8bit":
	default:
		err = errors.New("mailtest: unsupported transfer encoding")
	}
	if err != nil {
		return Message{}, err
	}
	return Message{Subject: subject, MessageID: msg.Header.Get("Message-ID"), Body: strings.ReplaceAll(string(body), "\r\n", "\n")}, nil
}
