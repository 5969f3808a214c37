package personal

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// A personal value as stored: "econf:pii:1:KEYID:KIND:CIPHERTEXT", where
// KIND is s for a string and j for any other JSON value, and CIPHERTEXT
// is the nonce and AES-256-GCM sealed value in unpadded base64url.
const prefix = "econf:pii:1:"

// recordPersons derives the person of a record's own people (a key person
// known by name only).
var recordPersons = uuid.MustParse("6f1e1c1a-3b1d-4c55-9a7e-5e2b7f0c9d41")

// IsCiphertext tells whether a stored value is an encrypted personal value.
func IsCiphertext(v string) bool { return strings.HasPrefix(v, prefix) }

func aad(keyID uuid.UUID, kind string) []byte {
	return []byte("econf-pii-1|" + keyID.String() + "|" + kind)
}

func sealValue(keyID uuid.UUID, key []byte, v any) (string, error) {
	kind, plain := "s", []byte(nil)
	if s, ok := v.(string); ok {
		plain = []byte(s)
	} else {
		kind = "j"
		b, err := json.Marshal(v)
		if err != nil {
			return "", err
		}
		plain = b
	}
	return prefix + keyID.String() + ":" + kind + ":" + base64.RawURLEncoding.EncodeToString(seal(key, plain, aad(keyID, kind))), nil
}

type sealed struct {
	keyID uuid.UUID
	kind  string
	ct    []byte
}

func parseSealed(v string) (sealed, error) {
	parts := strings.SplitN(strings.TrimPrefix(v, prefix), ":", 3)
	if len(parts) != 3 || (parts[1] != "s" && parts[1] != "j") {
		return sealed{}, errors.New("malformed personal value")
	}
	id, err := uuid.Parse(parts[0])
	if err != nil {
		return sealed{}, fmt.Errorf("malformed personal value: %w", err)
	}
	ct, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return sealed{}, fmt.Errorf("malformed personal value: %w", err)
	}
	return sealed{keyID: id, kind: parts[1], ct: ct}, nil
}

// erase sets field f of obj as it reads once its person is erased: Erased
// for a plain string, else left out (its zero value, so the payload still
// decodes: a date, a reference).
func (s site) erase(obj map[string]any, f string) {
	if s.text[f] {
		obj[f] = Erased
	} else {
		delete(obj, f)
	}
}

// decodeJSON reads a payload keeping numbers as written.
func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func encodeJSON(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// visit calls fn on every object at path in node.
func visit(node any, path []string, fn func(obj map[string]any) error) error {
	if len(path) == 0 {
		if obj, ok := node.(map[string]any); ok {
			return fn(obj)
		}
		return nil
	}
	if path[0] == "[]" {
		list, _ := node.([]any)
		for _, el := range list {
			if err := visit(el, path[1:], fn); err != nil {
				return err
			}
		}
		return nil
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	return visit(obj[path[0]], path[1:], fn)
}

func present(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	}
	return true
}

// subjectOf is the person obj holds, from its clear-text values (ok false:
// it holds no personal value).
func subjectOf(s site, obj map[string]any, stream string) (uuid.UUID, bool) {
	if s.id != "" {
		if str, ok := obj[s.id].(string); ok {
			if id, err := uuid.Parse(str); err == nil && id != uuid.Nil {
				return id, true
			}
		}
	}
	if s.key != "" {
		if str, ok := obj[s.key].(string); ok && str != "" && !IsCiphertext(str) && str != Erased {
			return SubjectOf(str), true
		}
	}
	if id, ok := streamPerson(stream); ok {
		return id, true
	}
	for _, f := range s.fields {
		if str, ok := obj[f].(string); ok && str != "" && !IsCiphertext(str) && str != Erased {
			return RecordPerson(stream, str), true
		}
	}
	return uuid.Nil, false
}

// encrypt seals the personal values of a payload of eventType written to
// stream. It returns the payload unchanged when the type has none.
func (k *Keys) encrypt(ctx context.Context, eventType, stream string, data json.RawMessage) (json.RawMessage, error) {
	ss := sitesOf(eventType)
	if len(ss) == 0 {
		return data, nil
	}
	doc, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("personal: %s: %w", eventType, err)
	}
	changed := false
	for _, s := range ss {
		err := visit(doc, s.path, func(obj map[string]any) error {
			subject, ok := subjectOf(s, obj, stream)
			if !ok {
				return nil
			}
			var keyID uuid.UUID
			var key []byte
			for _, f := range s.fields {
				v := obj[f]
				if !present(v) {
					continue
				}
				if str, ok := v.(string); ok && IsCiphertext(str) {
					continue
				}
				if key == nil {
					var err error
					if keyID, key, err = k.forWrite(ctx, subject); err != nil {
						return err
					}
				}
				c, err := sealValue(keyID, key, v)
				if err != nil {
					return err
				}
				obj[f] = c
				changed = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("personal: %s: %w", eventType, err)
		}
	}
	if !changed {
		return data, nil
	}
	return encodeJSON(doc)
}

// decrypt opens the personal values of a stored payload: a value whose
// key was erased reads as Erased (null for a value that is not a string),
// and so does clear text (written before encryption) of an erased person.
func (k *Keys) decrypt(ctx context.Context, eventType, stream string, data json.RawMessage) (json.RawMessage, error) {
	ss := sitesOf(eventType)
	if len(ss) == 0 {
		return data, nil
	}
	doc, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("personal: %s: %w", eventType, err)
	}
	changed := false
	for _, s := range ss {
		err := visit(doc, s.path, func(obj map[string]any) error {
			clear := false
			for _, f := range s.fields {
				str, ok := obj[f].(string)
				if !ok || !IsCiphertext(str) {
					clear = clear || present(obj[f])
					continue
				}
				v, erased, err := k.open(ctx, str)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				if erased {
					s.erase(obj, f)
				} else {
					obj[f] = v
				}
				changed = true
			}
			if !clear {
				return nil
			}
			subject, ok := subjectOf(s, obj, stream)
			if !ok {
				return nil
			}
			erased, err := k.isErased(ctx, subject)
			if err != nil || !erased {
				return err
			}
			for _, f := range s.fields {
				if present(obj[f]) {
					s.erase(obj, f)
					changed = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("personal: %s: %w", eventType, err)
		}
	}
	if !changed {
		return data, nil
	}
	return encodeJSON(doc)
}

// open reads a sealed value; erased is true when its key is gone.
func (k *Keys) open(ctx context.Context, v string) (_ any, erased bool, _ error) {
	sv, err := parseSealed(v)
	if err != nil {
		return nil, false, err
	}
	key, err := k.forRead(ctx, sv.keyID)
	if err != nil {
		return nil, false, err
	}
	if key == nil {
		return nil, true, nil
	}
	plain, err := open(key, sv.ct, aad(sv.keyID, sv.kind))
	if err != nil {
		return nil, false, fmt.Errorf("personal: open value under key %s: %w", sv.keyID, err)
	}
	if sv.kind == "s" {
		return string(plain), false, nil
	}
	v2, err := decodeJSON(plain)
	return v2, false, err
}
