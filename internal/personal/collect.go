package personal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/mail"
)

// Item is one personal value of one person in one event.
type Item struct {
	Stream     string    `json:"stream"`
	Number     uint64    `json:"number"`
	Type       string    `json:"type"`
	RecordedAt time.Time `json:"recordedAt"`
	// Field is the value's JSON path in the payload ("details.applicant.email").
	Field string `json:"field"`
	Value any    `json:"value"`
	// Encrypted is false for a value written in clear text before
	// encryption (it stays in the events table; it reads as 已删除个人信息
	// once its person is erased).
	Encrypted bool `json:"encrypted"`
}

// collectPage is how many events one read of $all takes.
const collectPage = 1000

// Collect finds every personal value of subject in the whole store, in
// the order written: what a person downloads of their own data, and what
// an erasure takes out of the mails still queued. It reads all of $all.
func (s *Store) Collect(ctx context.Context, subject uuid.UUID) ([]Item, error) {
	var items []Item
	from := eventstore.Start
	for {
		page, err := s.Store.ReadAll(ctx, from, collectPage)
		if err != nil {
			return nil, err
		}
		for _, e := range page {
			from = e.Position
			ss := sitesOf(e.Type)
			if len(ss) == 0 {
				continue
			}
			stored := e.Data
			if err := s.read(ctx, &e); err != nil {
				return nil, err
			}
			found, err := itemsOf(ss, e, stored, subject)
			if err != nil {
				return nil, err
			}
			items = append(items, found...)
		}
		if len(page) < collectPage {
			return items, nil
		}
	}
}

// itemsOf lists subject's values in one event (e read, stored as stored).
func itemsOf(ss []site, e eventstore.RecordedEvent, stored json.RawMessage, subject uuid.UUID) ([]Item, error) {
	clearDoc, err := decodeJSON(e.Data)
	if err != nil {
		return nil, err
	}
	storedDoc, err := decodeJSON(stored)
	if err != nil {
		return nil, err
	}
	var items []Item
	for _, s := range ss {
		var clearObjs, storedObjs []map[string]any
		var paths []string
		collectObjs(clearDoc, s.path, "", &clearObjs, &paths)
		collectObjs(storedDoc, s.path, "", &storedObjs, nil)
		if len(clearObjs) != len(storedObjs) {
			return nil, fmt.Errorf("personal: %s#%d: payload shapes differ", e.StreamID, e.Number)
		}
		for i, obj := range clearObjs {
			who, ok := subjectOf(s, obj, e.StreamID)
			if !ok || who != subject {
				continue
			}
			for _, f := range s.fields {
				v, ok := obj[f]
				if !ok || !present(v) {
					continue
				}
				str, _ := storedObjs[i][f].(string)
				field := f
				if paths[i] != "" {
					field = paths[i] + "." + f
				}
				items = append(items, Item{Stream: e.StreamID, Number: e.Number, Type: e.Type, RecordedAt: e.Metadata.RecordedAt,
					Field: field, Value: v, Encrypted: IsCiphertext(str)})
			}
		}
	}
	return items, nil
}

// collectObjs lists the objects at path in node, with their JSON paths.
func collectObjs(node any, path []string, at string, out *[]map[string]any, paths *[]string) {
	if len(path) == 0 {
		if obj, ok := node.(map[string]any); ok {
			*out = append(*out, obj)
			if paths != nil {
				*paths = append(*paths, at)
			}
		}
		return
	}
	if path[0] == "[]" {
		list, _ := node.([]any)
		for i, el := range list {
			collectObjs(el, path[1:], fmt.Sprintf("%s[%d]", at, i), out, paths)
		}
		return
	}
	obj, ok := node.(map[string]any)
	if !ok {
		return
	}
	next := path[0]
	if at != "" {
		next = at + "." + path[0]
	}
	collectObjs(obj[path[0]], path[1:], next, out, paths)
}

// ErrUnknownPerson: no personal data of the person is stored, nor was it
// ever (no data key).
var ErrUnknownPerson = errors.New("no personal data of this person is known")

// ErrAlreadyErased: the person was erased and nothing of theirs has been
// written since.
var ErrAlreadyErased = errors.New("this person's personal data is already erased")

// Findings is what an erasure will take away: the person's values in
// the events, and whether they have a live data key.
type Findings struct {
	Items []Item
	Live  bool // a data key to delete
}

// ClearText counts the values written in clear text before encryption.
func (f Findings) ClearText() int {
	n := 0
	for _, it := range f.Items {
		if !it.Encrypted && it.Value != Erased {
			n++
		}
	}
	return n
}

// Find looks up what subject's erasure would take away: ErrUnknownPerson
// when nothing of theirs is known, ErrAlreadyErased when it is all gone.
func (s *Store) Find(ctx context.Context, subject uuid.UUID) (Findings, error) {
	live, erased, err := s.keys.Known(ctx, subject)
	if err != nil {
		return Findings{}, err
	}
	items, err := s.Collect(ctx, subject)
	if err != nil {
		return Findings{}, err
	}
	f := Findings{Items: items, Live: live}
	readable := 0
	for _, it := range items {
		if it.Value != Erased {
			readable++
		}
	}
	switch {
	case !live && !erased && len(items) == 0:
		return f, fmt.Errorf("person %s: %w", subject, ErrUnknownPerson)
	case !live && readable == 0:
		return f, fmt.Errorf("person %s: %w", subject, ErrAlreadyErased)
	}
	return f, nil
}

// Erase deletes subject's data keys (or, for a person known only from
// clear text written before encryption, marks them erased so that text is
// redacted on reading) and takes their values out of the mails still
// queued. It returns how many data keys it deleted. Read models must be
// rebuilt afterwards to forget what they hold.
func (s *Store) Erase(ctx context.Context, subject uuid.UUID, reason string, f Findings) (keys int, err error) {
	if keys, err = s.keys.Shred(ctx, subject, reason); err != nil {
		return 0, err
	}
	if keys == 0 {
		if err := s.keys.MarkErased(ctx, subject, reason); err != nil {
			return 0, err
		}
	}
	var addresses, values []string
	for _, it := range f.Items {
		v, ok := it.Value.(string)
		if !ok || v == Erased {
			continue
		}
		values = append(values, v)
		if strings.Contains(v, "@") {
			addresses = append(addresses, v)
		}
	}
	if _, err := mail.Redact(ctx, s.keys.pool, addresses, values, Erased); err != nil {
		return keys, err
	}
	// An account's verified mobile (SMS sign-in, internal/sms) goes too.
	if _, err := s.keys.pool.Exec(ctx, `DO $$ BEGIN
		IF to_regclass('verified_mobiles') IS NOT NULL THEN DELETE FROM verified_mobiles WHERE user_id = '`+subject.String()+`'; END IF;
		END $$`); err != nil {
		return keys, fmt.Errorf("personal: forget the verified mobile of %s: %w", subject, err)
	}
	return keys, nil
}

// Subjects lists the people whose personal values a read payload of
// eventType in stream holds (decrypted: as the Store hands it out).
func Subjects(eventType, stream string, data json.RawMessage) ([]uuid.UUID, error) {
	ss := sitesOf(eventType)
	if len(ss) == 0 {
		return nil, nil
	}
	doc, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	var out []uuid.UUID
	for _, s := range ss {
		var objs []map[string]any
		collectObjs(doc, s.path, "", &objs, nil)
		for _, obj := range objs {
			held := false
			for _, f := range s.fields {
				if v, ok := obj[f].(string); present(obj[f]) && (!ok || v != Erased) {
					held = true
				}
			}
			if !held {
				continue
			}
			if id, ok := subjectOf(s, obj, stream); ok {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// ClearText lists the personal fields of a stored payload of eventType
// that hold a value in clear text (JSON paths, "content.domestic[0].name"):
// values written before their field was declared personal, or a writer
// that went around the Store. A payload the Store wrote lists none.
func ClearText(eventType string, stored json.RawMessage) ([]string, error) {
	ss := sitesOf(eventType)
	if len(ss) == 0 {
		return nil, nil
	}
	doc, err := decodeJSON(stored)
	if err != nil {
		return nil, fmt.Errorf("personal: %s: %w", eventType, err)
	}
	var out []string
	for _, s := range ss {
		var objs []map[string]any
		var paths []string
		collectObjs(doc, s.path, "", &objs, &paths)
		for i, obj := range objs {
			for _, f := range s.fields {
				if str, ok := obj[f].(string); !present(obj[f]) || ok && (IsCiphertext(str) || str == Erased) {
					continue
				}
				if paths[i] == "" {
					out = append(out, f)
				} else {
					out = append(out, paths[i]+"."+f)
				}
			}
		}
	}
	return out, nil
}
