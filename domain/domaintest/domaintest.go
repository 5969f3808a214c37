// Package domaintest holds the helpers the domain packages' tests share to
// compare outcomes of behaviour methods in tables. Only tests import it.
package domaintest

import (
	"errors"
	"slices"
	"testing"

	"github.com/econf/econf/domain"
)

// Outcome classifies an error for table comparisons: "ok", "forbidden",
// "not found", "conflict", "validation" or "state <rule>" for a state error
// (which must carry both messages).
func Outcome(err error) string {
	var se *domain.StateError
	var ve *domain.ValidationError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &se):
		if !errors.Is(err, domain.ErrWrongState) || se.Message == "" || se.Zh == "" {
			return "malformed state error: " + err.Error()
		}
		return "state " + se.Rule
	case errors.As(err, &ve):
		return "validation"
	case errors.Is(err, domain.ErrForbidden):
		return "forbidden"
	case errors.Is(err, domain.ErrNotFound):
		return "not found"
	case errors.Is(err, domain.ErrConflict):
		return "conflict"
	}
	return "unexpected: " + err.Error()
}

// FieldErrors renders a validation error as "path rule" strings in the
// order they were reported (nil for no error), failing the test on any
// other error or on a field error lacking a message in either language.
func FieldErrors(t testing.TB, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ve *domain.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v; want a *domain.ValidationError", err)
	}
	out := make([]string, 0, len(ve.Fields))
	for _, f := range ve.Fields {
		if f.Message == "" || f.Zh == "" {
			t.Errorf("field error %+v lacks a message in one language", f)
		}
		out = append(out, f.Path+" "+f.Rule)
	}
	return out
}

// SortedFieldErrors is FieldErrors, sorted.
func SortedFieldErrors(t testing.TB, err error) []string {
	t.Helper()
	out := FieldErrors(t, err)
	slices.Sort(out)
	return out
}
