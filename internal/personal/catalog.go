package personal

import (
	"fmt"

	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/congress"
	"github.com/econf/econf/domain/deadline"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/inbox"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/org"
	"github.com/econf/econf/domain/signup"
	"github.com/econf/econf/domain/smslogin"
	"github.com/econf/econf/domain/summary"
)

// procedure registers every event type of one domain package: a value of
// each, decoded from "{}", goes to Register, which finds the personal
// fields by their tags. A type without any is left alone.
func procedure[E interface{ EventType() string }](types []string, decode func(string, []byte) (E, error)) []string {
	var personal []string
	for _, t := range types {
		e, err := decode(t, []byte("{}"))
		if err != nil {
			panic(fmt.Sprintf("personal: %s does not decode from {}: %v", t, err))
		}
		Register(e)
		decoders[t] = func(data []byte) (any, error) { return decode(t, data) }
		if len(sitesOf(t)) > 0 {
			personal = append(personal, t)
		}
	}
	return personal
}

// event adapts a package's Decode that answers any.
func event(decode func(string, []byte) (any, error)) func(string, []byte) (interface{ EventType() string }, error) {
	return func(t string, data []byte) (interface{ EventType() string }, error) {
		v, err := decode(t, data)
		if err != nil {
			return nil, err
		}
		e, ok := v.(interface{ EventType() string })
		if !ok {
			return nil, fmt.Errorf("personal: %s decodes to %T, not an event", t, v)
		}
		return e, nil
	}
}

// decoders decode every registered event type (for the schema tests).
var decoders = map[string]func([]byte) (any, error){}

// The catalog: every procedure's events, declared here once (a new
// procedure adds one line); its personal fields are the struct tags on its
// payload types. Event types that held personal fields in clear text
// before encryption (schema version 1) get the step to SchemaEncrypted.
func init() {
	PersonStreams("user-")
	var existing []string
	existing = append(existing, procedure(account.EventTypes(), account.Decode)...)
	existing = append(existing, procedure(forecast.EventTypes(), forecast.Decode)...)
	existing = append(existing, procedure(declaration.EventTypes(), declaration.Decode)...)
	existing = append(existing, procedure(change.EventTypes(), change.Decode)...)
	existing = append(existing, procedure(summary.EventTypes(), summary.Decode)...)
	existing = append(existing, procedure(deadline.EventTypes(), deadline.Decode)...)
	existing = append(existing, procedure(funding.EventTypes(), funding.Decode)...)
	existing = append(existing, procedure(org.EventTypes(), org.Decode)...)
	// A nominee's name and details were written in clear before they were
	// declared personal (version 1); their attachments never were, and take
	// the same step.
	existing = append(existing, procedure(delegation.EventTypes(), delegation.Decode)...)
	// Nominations (seed 003) were written in clear before their experts,
	// committee members, contacts and objectors were declared personal.
	existing = append(existing, procedure(nomination.EventTypes(), nomination.Decode)...)
	existing = append(existing, procedure(nomination.NoticeEventTypes(), nomination.Decode)...)
	// Procedures that never wrote clear text: no step from version 1.
	procedure(congress.EventTypes(), congress.Decode)
	procedure(funding.PlanEventTypes(), funding.DecodePlan)
	procedure(funding.StandingEventTypes(), funding.DecodeStanding)
	// Sign-up, password reset, SMS sign-in and the inbox name their person
	// by account id only (the account's own stream holds the data).
	procedure([]string{signup.EventRegistrationRequested, signup.EventRegistrationActivated, signup.EventResetRequested,
		signup.EventResetCompleted}, event(signup.Decode))
	procedure([]string{smslogin.EventMobileVerified, smslogin.EventSignedIn}, event(smslogin.Decode))
	procedure([]string{inbox.EventRead}, inbox.Decode)
	// The commands package declares the events it defines itself (the
	// clock, integrity incidents, erasures, policies) with Register.
	// TestEveryEventTypeIsDeclared fails on any event type left out.
	for _, t := range existing {
		Registry.Register(t, 1, clearText)
	}
}

// Decode decodes a payload of a registered event type with its package's
// decoder.
func Decode(eventType string, data []byte) (any, error) {
	d, ok := decoders[eventType]
	if !ok {
		return nil, fmt.Errorf("personal: no procedure declares %q", eventType)
	}
	return d(data)
}
