package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse 42")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("hash %q is not argon2id PHC", h)
	}
	if !VerifyPassword(h, "correct horse 42") {
		t.Error("the right password does not verify")
	}
	for _, wrong := range []string{"correct horse 43", "", "correct horse 42 "} {
		if VerifyPassword(h, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	other, _ := HashPassword("correct horse 42")
	if other == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=x$a$b", "$bcrypt$..."} {
		if VerifyPassword(bad, "x") {
			t.Errorf("malformed hash %q verifies", bad)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{
		"Passw0rd-1":              true,
		"abcdefghij1":             true,
		"密码很长很长很长很长1":             true,
		"short1":                  false,
		"onlyletterslong":         false,
		"1234567890123":           false,
		strings.Repeat("a1", 101): false,
	} {
		if err := CheckPassword("password", pw); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v; want ok=%v", pw, err, ok)
		}
	}
}
