package httpapi_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/econf/econf/domain"
)

var latin = regexp.MustCompile(`[A-Za-z]{2}`)

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// literalText is the text of the string literals an expression is built
// from ("a" + x + "b" gives "ab"), and whether it has any.
func literalText(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		a, okA := literalText(e.X)
		b, okB := literalText(e.Y)
		return a + b, okA || okB
	case *ast.CallExpr: // fmt.Sprintf("...", ...)
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			return literalText(e.Args[0])
		}
	}
	return "", false
}

// TestMessagesHaveBothLanguages reads every message table of the code:
// each problem answer, field error and state error (httpapi, domain,
// projections, commands) and each Problems.Add has an English text and a
// Chinese one, the Chinese in Chinese and the English without it; each
// web page text has both.
func TestMessagesHaveBothLanguages(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != ".." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		pair := func(at token.Pos, what string, en, zh ast.Expr) {
			checked++
			pos := fset.Position(at)
			if zh == nil {
				t.Errorf("%s: %s has no Chinese text (Zh)", pos, what)
				return
			}
			if en == nil {
				t.Errorf("%s: %s has no English text", pos, what)
				return
			}
			if _, pure := zh.(*ast.BasicLit); pure {
				if s, _ := literalText(zh); !hasHan(s) {
					t.Errorf("%s: %s: the Chinese text %q is not Chinese", pos, what, s)
				}
			}
			if _, concat := en.(*ast.BinaryExpr); concat {
				return // a variable's text (a cell header) between the literals
			}
			if s, ok := literalText(en); ok && !latin.MatchString(s) {
				t.Errorf("%s: %s: the English text %q is not English", pos, what, s)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				name := ""
				switch ty := n.Type.(type) {
				case *ast.Ident:
					name = ty.Name
				case *ast.SelectorExpr:
					name = ty.Sel.Name
				}
				keys := map[string]ast.Expr{}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok {
							keys[k.Name] = kv.Value
						}
					}
				}
				switch name {
				case "problem":
					en := keys["Detail"]
					if en == nil {
						en = keys["Title"]
					}
					pair(n.Pos(), "problem", en, keys["Zh"])
				case "FieldError", "StateError":
					if len(keys) > 0 { // FieldError{} is "none"
						pair(n.Pos(), name, keys["Message"], keys["Zh"])
					}
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Add" && len(n.Args) == 4 {
					if _, ok := literalText(n.Args[1]); ok || strings.Contains(path, "domain") {
						pair(n.Pos(), "Problems.Add", n.Args[2], n.Args[3])
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Errorf("checked only %d messages: the walk misses the code", checked)
	}
	t.Logf("%d messages checked", checked)
}

// TestErrorsSayTheSameInBothLanguages: known answers say the same thing in
// English and Chinese (a wrong password is not "sign in first"); the
// Accept-Language header picks the language of detail and of each field
// error's message (zh stays Chinese); < and > arrive as themselves, never
// as \u003c.
func TestErrorsSayTheSameInBothLanguages(t *testing.T) {
	h := newHarness(t)
	applicant := h.email(domain.RoleApplicant)
	cases := []struct {
		name         string
		method, path string
		who          string
		body         any
		status       int
		en, zh       string
	}{
		{"wrong password", "POST", "/api/v1/auth/login", "", map[string]string{"email": applicant, "password": "not the password at all 1"}, 401,
			"wrong email or password", "邮箱或密码错误"},
		{"unknown account", "POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@demo-univ.edu.cn", "password": "not the password at all 1"}, 401,
			"wrong email or password", "邮箱或密码错误"},
		{"no token", "GET", "/api/v1/me", "", nil, 401, "sign in first: send Authorization: Bearer <token>", "请先登录"},
		{"no such endpoint", "GET", "/api/v1/nowhere", "", nil, 404, "no such endpoint", "接口不存在"},
		{"no such record", "GET", "/api/v1/forecasts/00000000-0000-0000-0000-000000000001", applicant, nil, 404, "no such record", "记录不存在"},
	}
	for _, c := range cases {
		for _, lang := range []string{"", "en-GB,en;q=0.9", "zh-CN,zh;q=0.9,en;q=0.8"} {
			res := h.do(c.method, c.path, c.who, c.body, "Accept-Language", lang)
			if res.status != c.status {
				t.Errorf("%s (%q): %d %s; want %d", c.name, lang, res.status, res.body, c.status)
				continue
			}
			if bytes.Contains(res.body, []byte(`\u003c`)) || bytes.Contains(res.body, []byte(`\u003e`)) || bytes.Contains(res.body, []byte(`\u0026`)) {
				t.Errorf("%s: the answer escapes <, > or &: %s", c.name, res.body)
			}
			p := res.json(t)
			zh, _ := p["zh"].(string)
			if !strings.Contains(zh, c.zh) {
				t.Errorf("%s (%q): zh %q; want it to say %q", c.name, lang, zh, c.zh)
			}
			detail, _ := p["detail"].(string)
			want, wantLang := c.en, "en"
			if strings.HasPrefix(lang, "zh") {
				want, wantLang = c.zh, "zh"
			}
			if !strings.Contains(detail, want) {
				t.Errorf("%s (Accept-Language %q): detail %q; want it to say %q", c.name, lang, detail, want)
			}
			if got := res.header.Get("Content-Language"); got != wantLang {
				t.Errorf("%s (Accept-Language %q): Content-Language %q; want %s", c.name, lang, got, wantLang)
			}
		}
	}
	// A field error's message follows the language too.
	for _, lang := range []string{"en", "zh"} {
		res := h.do("POST", "/api/v1/forecasts", applicant, map[string]any{"nameZh": 5}, "Accept-Language", lang)
		if res.status != 400 && res.status != 422 {
			t.Fatalf("a bad forecast: %d %s", res.status, res.body)
		}
		p := res.json(t)
		errs, _ := p["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("a bad forecast: no field errors: %s", res.body)
		}
		for _, e := range errs {
			fe := e.(map[string]any)
			msg, _ := fe["message"].(string)
			if hasHan(msg) != (lang == "zh") {
				t.Errorf("Accept-Language %s: field error message %q", lang, msg)
			}
			if zh, _ := fe["zh"].(string); !hasHan(zh) {
				t.Errorf("field error zh %q is not Chinese", zh)
			}
		}
	}
}
