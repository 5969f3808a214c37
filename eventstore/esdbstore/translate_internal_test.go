package esdbstore

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/econf/econf/eventstore"
)

// TestCutSendIsUnavailable: a stream cut under a send surfaces as io.EOF
// wrapped by the client ("could not send append request header"); it is an
// outage to retry, not a failure of the command (CI saw it fail
// TestSubscriptionSurvivesCutConnections).
func TestCutSendIsUnavailable(t *testing.T) {
	for _, cause := range []error{io.EOF, io.ErrUnexpectedEOF} {
		err := translate(fmt.Errorf("could not send append request header. Reason: %w", cause))
		if !errors.Is(err, eventstore.ErrUnavailable) {
			t.Errorf("translate(%v) = %v, want ErrUnavailable", cause, err)
		}
	}
	if err := translate(errors.New("something else")); errors.Is(err, eventstore.ErrUnavailable) {
		t.Errorf("an unrelated error became ErrUnavailable: %v", err)
	}
}
