package projections

import (
	"bytes"
	"encoding/json"
	"reflect"
	"unicode/utf8"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
)

// storableEvent is e with every string it carries made storable in
// PostgreSQL text and jsonb (domain.StorableText): events are never
// changed, so one written before inputs refused NUL (or by another writer)
// must still apply to every read model. applyInTx passes each event through
// here before any read model sees it, so no read model can forget.
func storableEvent(e eventstore.RecordedEvent) eventstore.RecordedEvent {
	e.StreamID = domain.StorableText(e.StreamID)
	e.Type = domain.StorableText(e.Type)
	md := reflect.ValueOf(&e.Metadata).Elem()
	for i := range md.NumField() {
		if f := md.Field(i); f.Kind() == reflect.String && f.CanSet() {
			f.SetString(domain.StorableText(f.String()))
		}
	}
	e.Data = storableJSON(e.Data)
	return e
}

// storableJSON rewrites a JSON document whose strings PostgreSQL cannot
// store: a NUL (\u0000), an unpaired surrogate escape, or bytes that are
// not UTF-8. Every other document is returned as it is, unchanged and
// uncopied. A document that is not JSON is left for the read model's own
// decoding to report.
func storableJSON(data []byte) []byte {
	if utf8.Valid(data) && !bytes.Contains(data, []byte(`\u0000`)) && !hasSurrogateEscape(data) {
		return data
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return data
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(storableValue(v)); err != nil {
		return data
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

// hasSurrogateEscape reports whether data holds a \uD800–\uDFFF escape,
// which jsonb refuses unless paired; decoding replaces an unpaired one.
func hasSurrogateEscape(data []byte) bool {
	for i := bytes.Index(data, []byte(`\u`)); i >= 0; {
		if i+3 < len(data) && (data[i+2] == 'd' || data[i+2] == 'D') {
			switch data[i+3] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
		j := bytes.Index(data[i+2:], []byte(`\u`))
		if j < 0 {
			return false
		}
		i += 2 + j
	}
	return false
}

// storableValue applies domain.StorableText to every string and key of a
// decoded JSON value.
func storableValue(v any) any {
	switch x := v.(type) {
	case string:
		return domain.StorableText(x)
	case []any:
		for i := range x {
			x[i] = storableValue(x[i])
		}
		return x
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			out[domain.StorableText(k)] = storableValue(c)
		}
		return out
	}
	return v
}
