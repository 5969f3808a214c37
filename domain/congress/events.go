package congress

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// Event names as stored; never change one.
const (
	EventCreated       = "congress.created"
	EventUnitInvited   = "congress.unit_invited"
	EventQuotaAllotted = "congress.quota_allotted"
	EventUnitReported  = "congress.unit_reported"
)

// EventTypes lists every congress event name.
func EventTypes() []string {
	return []string{EventCreated, EventUnitInvited, EventQuotaAllotted, EventUnitReported}
}

// ErrUnknownEvent: Decode met an event name this package does not know.
var ErrUnknownEvent = errors.New("congress: unknown event type")

// Event is a fact in a congress's history.
type Event interface{ EventType() string }

// Created: an organiser (e.g. a city association, 市科协) set up a
// congress (换届活动) with the date ages are counted at.
type Created struct {
	ID            uuid.UUID   `json:"id"`
	Organiser     uuid.UUID   `json:"organiser"`
	Name          string      `json:"name"`
	ReferenceDate domain.Date `json:"referenceDate"`
	By            uuid.UUID   `json:"by"`
	At            time.Time   `json:"at"`
}

// UnitInvited: an electing unit (受邀单位) takes part.
type UnitInvited struct {
	Unit uuid.UUID `json:"unit"`
	At   time.Time `json:"at"`
}

// QuotaAllotted: the unit's quotas and counts were set or changed
// (R-DEL-01).
type QuotaAllotted struct {
	Unit      uuid.UUID `json:"unit"`
	Allotment Allotment `json:"allotment"`
	At        time.Time `json:"at"`
}

// UnitReported: the unit reported all its nominees (全部上报, R-DEL-04);
// its quotas are fixed from now on.
type UnitReported struct {
	Unit uuid.UUID `json:"unit"`
	At   time.Time `json:"at"`
}

func (Created) EventType() string       { return EventCreated }
func (UnitInvited) EventType() string   { return EventUnitInvited }
func (QuotaAllotted) EventType() string { return EventQuotaAllotted }
func (UnitReported) EventType() string  { return EventUnitReported }

// Decode reads a stored event by its name; unknown JSON fields are ignored.
func Decode(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventCreated:
		return decode[Created](eventType, data)
	case EventUnitInvited:
		return decode[UnitInvited](eventType, data)
	case EventQuotaAllotted:
		return decode[QuotaAllotted](eventType, data)
	case EventUnitReported:
		return decode[UnitReported](eventType, data)
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
