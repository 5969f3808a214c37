package org

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Event names as stored; never change one.
const (
	EventCreated         = "org.created"
	EventRenamed         = "org.renamed"
	EventEmailDomainsSet = "org.email_domains_set"
)

// EventTypes lists every organisation event name.
func EventTypes() []string { return []string{EventCreated, EventRenamed, EventEmailDomainsSet} }

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("org: unknown event type")

// Event is a fact in an organisation's history.
type Event interface {
	EventType() string
}

// Created: a platform admin added an organisation to the tree.
type Created struct {
	ID           uuid.UUID `json:"id"`
	Kind         Kind      `json:"kind"`
	NameZh       string    `json:"nameZh"`
	NameEn       string    `json:"nameEn,omitempty"`
	ParentID     uuid.UUID `json:"parentId"` // zero for an authority
	EmailDomains []string  `json:"emailDomains,omitempty"`
}

// Renamed: the names changed.
type Renamed struct {
	NameZh string `json:"nameZh"`
	NameEn string `json:"nameEn,omitempty"`
}

// EmailDomainsSet: a university's institutional email domains were replaced.
type EmailDomainsSet struct {
	EmailDomains []string `json:"emailDomains"`
}

func (Created) EventType() string         { return EventCreated }
func (Renamed) EventType() string         { return EventRenamed }
func (EmailDomainsSet) EventType() string { return EventEmailDomainsSet }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventCreated:
		return decode[Created](eventType, data)
	case EventRenamed:
		return decode[Renamed](eventType, data)
	case EventEmailDomainsSet:
		return decode[EmailDomainsSet](eventType, data)
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownEvent, eventType)
}

func decode[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}
