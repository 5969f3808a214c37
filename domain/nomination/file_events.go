package nomination

import (
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain/org"
)

// The events of a unit's nomination file; never change a name.
const (
	EventStarted               = "nomination.started"
	EventPlanEntriesAdded      = "nomination.plan_entries_added"
	EventPlanEntryRemoved      = "nomination.plan_entry_removed"
	EventSchemeSaved           = "nomination.scheme_saved"
	EventRecommendationAdded   = "nomination.recommendation_added"
	EventRecommendationRemoved = "nomination.recommendation_removed"
	EventExpertInvited         = "nomination.expert_invited"
	EventExpertNominated       = "nomination.expert_nominated"
	EventCommitteeSet          = "nomination.committee_set"
	EventCommitteeOpinion      = "nomination.committee_opinion_recorded"
	EventListSigned            = "nomination.list_signed"
	EventSubmitted             = "nomination.submitted"
	EventReturned              = "nomination.returned"
	EventPreviousResources     = "nomination.previous_resources_submitted"
)

// fileEventTypes are the events of a unit's nomination file.
var fileEventTypes = []string{EventStarted, EventPlanEntriesAdded, EventPlanEntryRemoved, EventSchemeSaved,
	EventRecommendationAdded, EventRecommendationRemoved, EventExpertInvited, EventExpertNominated,
	EventCommitteeSet, EventCommitteeOpinion, EventListSigned, EventSubmitted, EventReturned, EventPreviousResources}

// Started: a unit's contact opened its file for a cycle.
type Started struct {
	ID          uuid.UUID `json:"id"`
	Cycle       uuid.UUID `json:"cycle"`
	Unit        uuid.UUID `json:"unit"`
	Kind        org.Kind  `json:"kind"`
	Association uuid.UUID `json:"association"`
	By          uuid.UUID `json:"by"`
	At          time.Time `json:"at"`
}

// PlanEntriesAdded: conferences entered in the annual plan, one or an
// imported sheet's rows (R-NOM-05).
type PlanEntriesAdded struct {
	Entries []PlanEntry `json:"entries"`
	By      uuid.UUID   `json:"by"`
	At      time.Time   `json:"at"`
}

// PlanEntryRemoved: a conference taken out of the plan.
type PlanEntryRemoved struct {
	Entry uuid.UUID `json:"entry"`
	By    uuid.UUID `json:"by"`
	At    time.Time `json:"at"`
}

// SchemeSaved: the recommendation scheme as it now stands.
type SchemeSaved struct {
	Scheme Scheme    `json:"scheme"`
	By     uuid.UUID `json:"by"`
	At     time.Time `json:"at"`
}

// RecommendationAdded: a conference put on the list (R-NOM-02/03).
type RecommendationAdded struct {
	Recommendation Recommendation `json:"recommendation"`
	By             uuid.UUID      `json:"by"`
	At             time.Time      `json:"at"`
}

// RecommendationRemoved: a conference taken off the list.
type RecommendationRemoved struct {
	Recommendation uuid.UUID `json:"recommendation"`
	By             uuid.UUID `json:"by"`
	At             time.Time `json:"at"`
}

// ExpertInvited: the unit invited a named expert to nominate.
type ExpertInvited struct {
	Expert Expert    `json:"expert"`
	By     uuid.UUID `json:"by"`
	At     time.Time `json:"at"`
}

// ExpertNominated: an invited expert's nominations (attachment 1), as
// they now stand.
type ExpertNominated struct {
	Expert      uuid.UUID   `json:"expert"`
	Nominations []Nominated `json:"nominations"`
	By          uuid.UUID   `json:"by"`
	At          time.Time   `json:"at"`
}

// CommitteeSet: the review committee as it now stands (R-NOM-04).
type CommitteeSet struct {
	Members []Member  `json:"members"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// CommitteeOpinion: the committee's result and opinion with the signed
// scan of its opinion form (attachment 2).
type CommitteeOpinion struct {
	Result  string    `json:"result"`
	Opinion string    `json:"opinion"`
	Scan    uuid.UUID `json:"scanFileId"`
	By      uuid.UUID `json:"by"`
	At      time.Time `json:"at"`
}

// ListSigned: the signed and sealed scan of the recommendation list.
type ListSigned struct {
	Scan uuid.UUID `json:"scanFileId"`
	By   uuid.UUID `json:"by"`
	At   time.Time `json:"at"`
}

// Submitted: the unit submitted its list under the cycle's edition.
type Submitted struct {
	CycleEdition int       `json:"cycleEdition"`
	By           uuid.UUID `json:"by"`
	At           time.Time `json:"at"`
}

// Returned: the organiser sent the list back for revision.
type Returned struct {
	Reason string    `json:"reason"`
	By     uuid.UUID `json:"by"`
	At     time.Time `json:"at"`
}

// PreviousResources: with its list the unit submitted the resources of
// its conferences in the previous guide (videos, expert summaries,
// proceedings): recognition gives it priority (一(五)5).
type PreviousResources struct {
	Resources Resources `json:"resources"`
	By        uuid.UUID `json:"by"`
	At        time.Time `json:"at"`
}

func (PreviousResources) EventType() string     { return EventPreviousResources }
func (Started) EventType() string               { return EventStarted }
func (PlanEntriesAdded) EventType() string      { return EventPlanEntriesAdded }
func (PlanEntryRemoved) EventType() string      { return EventPlanEntryRemoved }
func (SchemeSaved) EventType() string           { return EventSchemeSaved }
func (RecommendationAdded) EventType() string   { return EventRecommendationAdded }
func (RecommendationRemoved) EventType() string { return EventRecommendationRemoved }
func (ExpertInvited) EventType() string         { return EventExpertInvited }
func (ExpertNominated) EventType() string       { return EventExpertNominated }
func (CommitteeSet) EventType() string          { return EventCommitteeSet }
func (CommitteeOpinion) EventType() string      { return EventCommitteeOpinion }
func (ListSigned) EventType() string            { return EventListSigned }
func (Submitted) EventType() string             { return EventSubmitted }
func (Returned) EventType() string              { return EventReturned }

// FileDecoders decode the file's events other files of this package add
// (the public notice, part 8): each answers ok false for a name it does
// not know.
var FileDecoders []func(eventType string, data []byte) (e Event, ok bool, err error)

// decodeFile decodes the events of a unit's nomination file; ok is false
// for a name it does not know.
func decodeFile(eventType string, data []byte) (Event, bool, error) {
	var (
		e   Event
		err error
	)
	switch eventType {
	case EventStarted:
		e, err = decode[Started](eventType, data)
	case EventPlanEntriesAdded:
		e, err = decode[PlanEntriesAdded](eventType, data)
	case EventPlanEntryRemoved:
		e, err = decode[PlanEntryRemoved](eventType, data)
	case EventSchemeSaved:
		e, err = decode[SchemeSaved](eventType, data)
	case EventRecommendationAdded:
		e, err = decode[RecommendationAdded](eventType, data)
	case EventRecommendationRemoved:
		e, err = decode[RecommendationRemoved](eventType, data)
	case EventExpertInvited:
		e, err = decode[ExpertInvited](eventType, data)
	case EventExpertNominated:
		e, err = decode[ExpertNominated](eventType, data)
	case EventCommitteeSet:
		e, err = decode[CommitteeSet](eventType, data)
	case EventCommitteeOpinion:
		e, err = decode[CommitteeOpinion](eventType, data)
	case EventListSigned:
		e, err = decode[ListSigned](eventType, data)
	case EventSubmitted:
		e, err = decode[Submitted](eventType, data)
	case EventReturned:
		e, err = decode[Returned](eventType, data)
	case EventPreviousResources:
		e, err = decode[PreviousResources](eventType, data)
	default:
		for _, d := range FileDecoders {
			if e, ok, err := d(eventType, data); ok {
				return e, true, err
			}
		}
		return nil, false, nil
	}
	return e, true, err
}
