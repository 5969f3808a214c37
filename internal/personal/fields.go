package personal

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/econf/econf/domain/account"
)

// How a domain type marks personal data: a struct tag on each field,
//
//	personal:"field"  the value is personal and written encrypted
//	personal:"key"    personal too, and it tells who the person is (an
//	                  email, an ID number): the person is
//	                  account.ID(value), so an email names the same
//	                  person as the account with that address
//	personal:"id"     the person's id itself (a uuid, not encrypted)
//
// A struct with such fields is one person wherever it appears in an event
// (at the top, nested, in a list). A person with neither an id nor a key is
// the stream's own person when Streams names one (an account's stream),
// else a person of that record, known by their first personal field (a
// name). Register an event type once with one value of it.

// site is one place in an event's JSON that holds a person.
type site struct {
	path   []string // JSON object keys; "[]" steps into every element of a list
	fields []string // JSON names of the personal fields
	// text: the field is a plain Go string, which reads as Erased once its
	// person is erased; any other (a date, a reference) reads as null, its
	// zero value, so the payload still decodes.
	text map[string]bool
	key  string // JSON name of the key field, or ""
	id   string // JSON name of the id field, or ""
}

var (
	regMu   sync.RWMutex
	sites   = map[string][]site{}
	streams = map[string]bool{} // stream prefixes ("user-") whose id is the person
	// payloads: every registered event type's payload type, personal
	// fields or not (the sweep in sweep_test.go reads every field of each).
	payloads = map[string]reflect.Type{}
)

// Register declares the personal fields of event types, each given as one
// value of its payload type (with an EventType method). It panics on a tag
// it does not know: a declaration error is a programming error.
func Register(events ...interface{ EventType() string }) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, e := range events {
		var found []site
		payloads[e.EventType()] = reflect.TypeOf(e)
		walkType(reflect.TypeOf(e), nil, &found, map[reflect.Type]bool{})
		if len(found) > 0 {
			sites[e.EventType()] = found
		} else {
			delete(sites, e.EventType())
		}
	}
}

// PersonStreams declares stream prefixes whose streams are one person's
// own (the rest of the stream name is their uuid): an account's stream
// holds its person's profile without naming them inside the payload.
func PersonStreams(prefixes ...string) {
	regMu.Lock()
	defer regMu.Unlock()
	for _, p := range prefixes {
		streams[p] = true
	}
}

// Types lists the event types with personal fields.
func Types() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(sites))
	for t := range sites {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// Payloads is every registered event type with its payload type, with
// personal fields or without.
func Payloads() map[string]reflect.Type {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make(map[string]reflect.Type, len(payloads))
	for t, p := range payloads {
		out[t] = p
	}
	return out
}

// Fields lists an event type's personal fields as JSON paths
// ("details.applicant.email", "contacts[].name").
func Fields(eventType string) []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []string
	for _, s := range sites[eventType] {
		prefix := strings.ReplaceAll(strings.Join(s.path, "."), ".[]", "[]")
		for _, f := range s.fields {
			if prefix == "" {
				out = append(out, f)
			} else {
				out = append(out, prefix+"."+f)
			}
		}
	}
	return out
}

func sitesOf(eventType string) []site {
	regMu.RLock()
	defer regMu.RUnlock()
	return sites[eventType]
}

// streamPerson is the person whose own stream this is.
func streamPerson(stream string) (uuid.UUID, bool) {
	regMu.RLock()
	defer regMu.RUnlock()
	for p := range streams {
		if rest, ok := strings.CutPrefix(stream, p); ok {
			if id, err := uuid.Parse(rest); err == nil {
				return id, true
			}
		}
	}
	return uuid.Nil, false
}

// SubjectOf is the person a key value (an email, an ID number) names: the
// account id an account with that email has.
func SubjectOf(key string) uuid.UUID { return account.ID(key) }

// RecordPerson is the person a record's stream knows by name only (a key
// person of a declaration, an expert or committee member of a nomination
// file): erasing this subject erases that name and the fields beside it
// in that stream.
func RecordPerson(stream, name string) uuid.UUID {
	return uuid.NewSHA1(recordPersons, []byte(stream+"|"+name))
}

// plainString tells a Go string, which any text decodes into, from a type
// of its own decoding (domain.Date).
func plainString(t reflect.Type) bool {
	if t.Kind() != reflect.String {
		return false
	}
	p := reflect.PointerTo(t)
	return !p.Implements(reflect.TypeFor[json.Unmarshaler]()) && !p.Implements(reflect.TypeFor[encoding.TextUnmarshaler]())
}

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, true
}

func walkType(t reflect.Type, path []string, out *[]site, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		walkType(t.Elem(), append(slices.Clone(path), "[]"), out, seen)
		return
	case reflect.Struct:
	default:
		return
	}
	if seen[t] {
		return
	}
	seen[t] = true
	defer delete(seen, t)
	s := site{path: slices.Clone(path), text: map[string]bool{}}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
				walk(f.Type) // embedded: its fields are this object's
				continue
			}
			name, ok := jsonName(f)
			if !ok {
				continue
			}
			switch tag, has := f.Tag.Lookup("personal"); {
			case !has:
				walkType(f.Type, append(slices.Clone(path), name), out, seen)
			case tag == "field":
				s.fields = append(s.fields, name)
				s.text[name] = plainString(f.Type)
			case tag == "key":
				s.fields = append(s.fields, name)
				s.text[name] = plainString(f.Type)
				s.key = name
			case tag == "id":
				s.id = name
			default:
				panic(fmt.Sprintf("personal: field %s.%s: tag personal:%q (want field, key or id)", t.Name(), f.Name, tag))
			}
		}
	}
	walk(t)
	if len(s.fields) > 0 {
		*out = append(*out, s)
	}
}
