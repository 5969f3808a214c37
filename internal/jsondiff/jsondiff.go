// Package jsondiff compares two JSON documents field by field: what an
// auditor reads to see what changed between two revisions of a record.
package jsondiff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// Op says what happened at a path.
type Op string

const (
	Added   Op = "added"   // absent before (Before is null)
	Removed Op = "removed" // absent after (After is null)
	Changed Op = "changed" // present in both with different values
)

// Change is one difference: the value at Path before and after. Path is
// written as the API's field errors are: object keys joined by dots, array
// indexes in brackets ("form.hosting[1].nameEn"); the empty path is the
// document itself.
type Change struct {
	Path   string `json:"path"`
	Op     Op     `json:"op"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// Diff lists the differences from a to b, both JSON documents, in path
// order: objects key by key (sorted), arrays index by index, anything
// else (numbers compared as written, strings, booleans, null) as a whole.
// A value whose kind differs (an object become a string) is one change.
func Diff(a, b []byte) ([]Change, error) {
	va, err := decode(a)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: before: %w", err)
	}
	vb, err := decode(b)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: after: %w", err)
	}
	out := []Change{}
	walk("", va, vb, &out)
	return out, nil
}

// Values is Diff of two values as encoding/json marshals them.
func Values(a, b any) ([]Change, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: before: %w", err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("jsondiff: after: %w", err)
	}
	return Diff(ja, jb)
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func walk(path string, a, b any, out *[]Change) {
	switch x := a.(type) {
	case map[string]any:
		if y, ok := b.(map[string]any); ok {
			keys := slices.Sorted(maps.Keys(x))
			for k := range y {
				if _, ok := x[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			for _, k := range keys {
				va, inA := x[k]
				vb, inB := y[k]
				p := join(path, k)
				switch {
				case !inA:
					*out = append(*out, Change{Path: p, Op: Added, After: vb})
				case !inB:
					*out = append(*out, Change{Path: p, Op: Removed, Before: va})
				default:
					walk(p, va, vb, out)
				}
			}
			return
		}
	case []any:
		if y, ok := b.([]any); ok {
			for i := range max(len(x), len(y)) {
				p := path + "[" + strconv.Itoa(i) + "]"
				switch {
				case i >= len(x):
					*out = append(*out, Change{Path: p, Op: Added, After: y[i]})
				case i >= len(y):
					*out = append(*out, Change{Path: p, Op: Removed, Before: x[i]})
				default:
					walk(p, x[i], y[i], out)
				}
			}
			return
		}
	}
	if !same(a, b) {
		*out = append(*out, Change{Path: path, Op: Changed, Before: a, After: b})
	}
}

// same compares two scalars, or values of different kinds (never the same).
func same(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return false // b is of another kind, else walk compared inside
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
