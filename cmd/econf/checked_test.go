package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/econf/econf/internal/openapitest"
)

// checked is an HTTP client whose every exchange with the server at base
// is checked against the /openapi.json that server serves: drift fails the
// test.
func checked(t *testing.T, base string) *http.Client {
	t.Helper()
	c, err := openapitest.Client(t, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Timeout = 20 * time.Second
	return c
}
