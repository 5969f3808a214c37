package commands

import (
	"reflect"
	"sync"
)

// deepCopy returns v with every slice, map and pointer it reaches copied
// too, so that changing the copy (an append to one of its slices, a write
// into one of its maps) never changes v. Strings are shared (they cannot
// change), and so are unexported fields (a time.Time's location).
func deepCopy[T any](v T) T {
	var out T
	copyValue(reflect.ValueOf(&out).Elem(), reflect.ValueOf(&v).Elem())
	return out
}

func copyValue(dst, src reflect.Value) {
	if !holdsReferences(src.Type()) {
		dst.Set(src)
		return
	}
	switch src.Kind() {
	case reflect.Struct:
		dst.Set(src) // the unexported fields as they are
		for i := range src.NumField() {
			if f := dst.Field(i); f.CanSet() {
				copyValue(f, src.Field(i))
			}
		}
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i))
		}
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if holdsReferences(src.Type().Elem()) {
			for i := range src.Len() {
				copyValue(s.Index(i), src.Index(i))
			}
		} else {
			reflect.Copy(s, src)
		}
		dst.Set(s)
	case reflect.Map:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			e := reflect.New(src.Type().Elem()).Elem()
			copyValue(e, it.Value())
			m.SetMapIndex(it.Key(), e)
		}
		dst.Set(m)
	case reflect.Pointer:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		p := reflect.New(src.Type().Elem())
		copyValue(p.Elem(), src.Elem())
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		copyValue(e, src.Elem())
		dst.Set(e)
	default: // channels and functions: shared
		dst.Set(src)
	}
}

// references caches holdsReferences by type.
var references sync.Map // reflect.Type → bool

// holdsReferences tells whether a value of t can reach memory a copy of it
// shares (through an exported slice, map, pointer or interface); such
// values are copied part by part, the others at once.
func holdsReferences(t reflect.Type) bool {
	if r, ok := references.Load(t); ok {
		return r.(bool)
	}
	r := computeReferences(t, map[reflect.Type]bool{})
	references.Store(t, r)
	return r
}

func computeReferences(t reflect.Type, seen map[reflect.Type]bool) bool {
	if r, ok := seen[t]; ok {
		return r
	}
	seen[t] = true // a type that refers to itself holds references
	r := false
	switch t.Kind() {
	case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
		r = true
	case reflect.Array:
		r = t.Len() > 0 && computeReferences(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && computeReferences(f.Type, seen) {
				r = true
				break
			}
		}
	}
	seen[t] = r
	return r
}
