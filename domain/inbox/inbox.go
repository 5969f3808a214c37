// Package inbox owns a user's in-app notifications' read state. Marking
// notifications read is recorded as an event on the user's own inbox stream
// ("inbox-<user id>"): the inbox read model is rebuilt from events like
// every other, and a rebuild must not turn read notifications unread again.
package inbox

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
)

// EventRead is the stored name of Read; never change it.
const EventRead = "inbox.read"

// MaxIDs bounds how many notifications one request marks by id.
const MaxIDs = 500

// Read: the user read the listed notifications, or with All every
// notification they had when the event was recorded.
type Read struct {
	IDs []uuid.UUID `json:"ids,omitempty"`
	All bool        `json:"all,omitempty"`
	At  time.Time   `json:"at"`
}

func (Read) EventType() string { return EventRead }

// NewRead checks a request to mark notifications read: either some ids or
// all of them.
func NewRead(ids []uuid.UUID, all bool, at time.Time) (Read, error) {
	var pr domain.Problems
	switch {
	case all && len(ids) > 0:
		pr.Add("ids", "SCHEMA", "send either ids or all, not both", "ids 与 all 只能二选一")
	case !all && len(ids) == 0:
		pr.Add("ids", "SCHEMA", "name the notifications to mark read, or send all: true", "请指定要标记为已读的通知，或设置 all 为 true")
	case len(ids) > MaxIDs:
		pr.Add("ids", "SCHEMA", fmt.Sprintf("at most %d ids at once", MaxIDs), fmt.Sprintf("一次最多%d条", MaxIDs))
	}
	for i, id := range ids {
		if id == uuid.Nil {
			pr.Add(fmt.Sprintf("ids[%d]", i), "SCHEMA", "not a notification id", "通知ID无效")
		}
	}
	return Read{IDs: ids, All: all, At: at}, pr.Err()
}

// Decode reads a stored inbox event.
func Decode(eventType string, data []byte) (Read, error) {
	var r Read
	if eventType != EventRead {
		return r, fmt.Errorf("inbox: unknown event type %q", eventType)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return r, nil
}
