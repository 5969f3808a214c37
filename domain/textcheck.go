package domain

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RuleText is the rule id of text no field may hold: NUL and the other
// control characters, and bytes that are not UTF-8. Tab, newline and
// carriage return are allowed only in fields tagged `text:"multiline"`.
const RuleText = "TEXT"

// TextProblem is one string holding a character no input may carry.
type TextProblem struct {
	Path string // JSON path of the field, e.g. "organisations[1].nameEn"
	At   int    // 0-based character offset of the first bad character
	Char rune   // the character; utf8.RuneError for bytes that are not UTF-8
	// Invalid is true when the text is not UTF-8 at At.
	Invalid bool
}

func (p TextProblem) describe() (en, zh string) {
	if p.Invalid {
		return fmt.Sprintf("not UTF-8 text at character %d", p.At+1),
			fmt.Sprintf("第%d个字符不是有效的UTF-8文本", p.At+1)
	}
	return fmt.Sprintf("control character U+%04X at character %d is not allowed (tab and newline only in multi-line fields)", p.Char, p.At+1),
		fmt.Sprintf("第%d个字符为控制字符U+%04X，不允许输入（制表符和换行仅限多行文本字段）", p.At+1, p.Char)
}

// FieldError is the problem as the field error an answer carries.
func (p TextProblem) FieldError() FieldError {
	en, zh := p.describe()
	return FieldError{Path: p.Path, Rule: RuleText, Message: en, Zh: zh}
}

// Error makes a TextProblem an error.
func (p TextProblem) Error() string {
	en, _ := p.describe()
	return p.Path + ": " + en
}

// TextFault finds the first character s may not hold: a control character
// (U+0000–U+001F, U+007F–U+009F) or a byte that is not UTF-8. A multi-line
// text may hold tab, newline and carriage return. ok is false when s is fine.
func TextFault(s string, multiline bool) (p TextProblem, ok bool) {
	at := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII, the common case
			i++
			at++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return TextProblem{At: at, Char: utf8.RuneError, Invalid: true}, true
		case r == '\t' || r == '\n' || r == '\r':
			if !multiline {
				return TextProblem{At: at, Char: r}, true
			}
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return TextProblem{At: at, Char: r}, true
		}
		i += size
		at++
	}
	return TextProblem{}, false
}

// CheckText walks v (a struct, pointer, slice, map or string, as a request
// body decodes into) and reports every string holding a character no input
// may carry, each by its JSON path. Struct fields tagged `text:"multiline"`
// may hold tab and newline; `text:"-"` skips a field whose bytes are opaque.
// Map keys are checked too. The result is nil when all text is clean.
func CheckText(v any) []TextProblem {
	var out []TextProblem
	walkText(reflect.ValueOf(v), "", false, &out)
	return out
}

// TextError is CheckText as a *ValidationError (nil when all text is clean).
func TextError(v any) error {
	problems := CheckText(v)
	if len(problems) == 0 {
		return nil
	}
	fields := make([]FieldError, len(problems))
	for i, p := range problems {
		fields[i] = p.FieldError()
	}
	return &ValidationError{Fields: fields}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func walkText(v reflect.Value, path string, multiline bool, out *[]TextProblem) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkText(v.Elem(), path, multiline, out)
		}
	case reflect.String:
		if p, bad := TextFault(v.String(), multiline); bad {
			p.Path = path
			*out = append(*out, p)
		}
	case reflect.Slice, reflect.Array:
		if !holdsText(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			walkText(v.Index(i), fmt.Sprintf("%s[%d]", path, i), multiline, out)
		}
	case reflect.Map:
		keyText := v.Type().Key().Kind() == reflect.String
		if !keyText && !holdsText(v.Type().Elem()) {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			k := fmt.Sprint(iter.Key())
			if keyText {
				if p, bad := TextFault(k, false); bad {
					p.Path = joinPath(path, strconv.QuoteToASCII(k))
					*out = append(*out, p)
					continue
				}
			}
			walkText(iter.Value(), joinPath(path, k), multiline, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("text")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			fv := v.Field(i)
			if f.Anonymous && name == "" {
				walkText(fv, path, multiline, out) // embedded: its fields sit at this level
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			walkText(fv, joinPath(path, name), multiline || tag == "multiline", out)
		}
	}
}

// holdsText reports whether values of t can contain a string (so a byte
// slice or a UUID is not walked element by element).
func holdsText(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String, reflect.Interface, reflect.Struct, reflect.Map:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsText(t.Elem())
	}
	return false
}

// StorableText is s as PostgreSQL text (and jsonb) can store it: NUL becomes
// U+FFFD and so does every byte that is not UTF-8; everything else stays.
// It is the one place that makes text storable: read models use it for all
// text an event carries, since events, once written, are never changed.
func StorableText(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}
