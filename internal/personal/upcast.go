package personal

import (
	"encoding/json"
	"fmt"
	"sync"
)

// Upcaster turns an event payload of one schema version into the next
// version's shape.
type Upcaster func(data json.RawMessage) (json.RawMessage, error)

// Upcasters is the registry of upcasters, by event type and the schema
// version they read (the metadata's schemaVersion). Reading an event runs
// every step from its stored version up to the type's current version, so
// a stored event is never rewritten: old events keep reading as the code
// moves on.
type Upcasters struct {
	mu    sync.RWMutex
	steps map[string]map[int]Upcaster
}

// Register adds the step from version from to from+1 of eventType. A
// second step for the same version is a programming error (panic).
func (u *Upcasters) Register(eventType string, from int, f Upcaster) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.steps == nil {
		u.steps = map[string]map[int]Upcaster{}
	}
	if u.steps[eventType] == nil {
		u.steps[eventType] = map[int]Upcaster{}
	}
	if _, dup := u.steps[eventType][from]; dup {
		panic(fmt.Sprintf("personal: two upcasters for %s v%d", eventType, from))
	}
	u.steps[eventType][from] = f
}

// Current is the schema version events of eventType are written in: one
// past the last registered step (1 without any).
func (u *Upcasters) Current(eventType string, base int) int {
	u.mu.RLock()
	defer u.mu.RUnlock()
	v := base
	for {
		if _, ok := u.steps[eventType][v]; !ok {
			return v
		}
		v++
	}
}

// Versions lists the older versions of every event type that has steps:
// what the registry's tests must hold a stored example of.
func (u *Upcasters) Versions() map[string][]int {
	u.mu.RLock()
	defer u.mu.RUnlock()
	out := map[string][]int{}
	for t, steps := range u.steps {
		for v := range steps {
			out[t] = append(out[t], v)
		}
	}
	return out
}

// Upcast runs data, stored at version, through every step up to the
// current version, and returns the payload and the version reached.
// Versions 0 and 1 are the same (events written before versions were
// numbered).
func (u *Upcasters) Upcast(eventType string, version int, data json.RawMessage) (json.RawMessage, int, error) {
	if version < 1 {
		version = 1
	}
	for {
		u.mu.RLock()
		f, ok := u.steps[eventType][version]
		u.mu.RUnlock()
		if !ok {
			return data, version, nil
		}
		out, err := f(data)
		if err != nil {
			return nil, version, fmt.Errorf("upcast %s v%d: %w", eventType, version, err)
		}
		data = out
		version++
	}
}

// Registry is the application's upcasters.
var Registry = &Upcasters{}

// SchemaEncrypted is the schema version from which an event type with
// personal fields holds them encrypted. Version 1 held them in clear text
// in the same shape; its step to 2 leaves the shape as it is, and clear
// text of an erased person is redacted on reading (Store).
const SchemaEncrypted = 2

// clearText is the step from version 1 (clear text) to SchemaEncrypted.
func clearText(data json.RawMessage) (json.RawMessage, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("payload is not JSON")
	}
	return data, nil
}
