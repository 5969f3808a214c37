package nomination

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/workday"
)

// The public notice (公示, R-NOM-04, seed 003 一(五)): the recommending
// unit publishes its recommendation list on a start date for at least
// NoticeMinWorkingDays working days, counted on the working-day calendar
// of the policy in force (China's holidays and 调休 make-up working days);
// objections raised during the notice are recorded with their handling;
// the list is submitted only once the notice has run its full working
// days, on the list as noticed, with every objection handled. Its events
// are the file's, in the file's stream; File.Apply keeps them in the
// history, and the notice is folded from there.

// NoticeMinWorkingDays is the shortest notice R-NOM-04 allows (公示不少于
// 5个工作日).
const NoticeMinWorkingDays = 5

// Notice event names as stored: never change one.
const (
	EventNoticePublished   = "nomination.notice_published"
	EventObjectionRecorded = "nomination.objection_recorded"
	EventObjectionHandled  = "nomination.objection_handled"
	noticeRule             = "R-NOM-04"
	// An objection's outcomes: upheld (the list was changed accordingly)
	// or dismissed.
	ObjectionUpheld    = "upheld"
	ObjectionDismissed = "dismissed"
)

// NoticeEventTypes lists every notice event name.
func NoticeEventTypes() []string {
	return []string{EventNoticePublished, EventObjectionRecorded, EventObjectionHandled}
}

func init() {
	FileDecoders = append(FileDecoders, func(eventType string, data []byte) (Event, bool, error) {
		e, err := DecodeNotice(eventType, data)
		if errors.Is(err, ErrUnknownNoticeEvent) {
			return nil, false, nil
		}
		return e, true, err
	})
	SubmitGates = append(SubmitGates, noticeRan)
}

// NoticePublished: the unit published its list (the recommendations
// Listed) from Starts for WorkingDays working days; LastDay is the
// notice's last day as the calendar in force counted it then (a later edit
// of the calendar moves it: every check counts again). Where says where it
// was published. A later one replaces it (the list changed since).
type NoticePublished struct {
	Starts      domain.Date `json:"starts"`
	WorkingDays int         `json:"workingDays"`
	LastDay     domain.Date `json:"lastDay"`
	Where       string      `json:"where"`
	Listed      []uuid.UUID `json:"listed"`
	By          uuid.UUID   `json:"by"`
	At          time.Time   `json:"at"`
}

// ObjectionRecorded: an objection raised on RaisedOn, during the notice.
type ObjectionRecorded struct {
	ObjectionID uuid.UUID   `json:"objectionId"`
	RaisedOn    domain.Date `json:"raisedOn"`
	Objector    string      `json:"objector" personal:"field"`
	Content     string      `json:"content" personal:"field"` // the objector's own words
	By          uuid.UUID   `json:"by"`
	At          time.Time   `json:"at"`
}

// ObjectionHandled: the unit's handling of an objection; Outcome is
// "upheld" (the list was changed accordingly) or "dismissed".
type ObjectionHandled struct {
	ObjectionID uuid.UUID `json:"objectionId"`
	Outcome     string    `json:"outcome"`
	Handling    string    `json:"handling"`
	By          uuid.UUID `json:"by"`
	At          time.Time `json:"at"`
}

func (NoticePublished) EventType() string   { return EventNoticePublished }
func (ObjectionRecorded) EventType() string { return EventObjectionRecorded }
func (ObjectionHandled) EventType() string  { return EventObjectionHandled }

// ErrUnknownNoticeEvent: DecodeNotice met a name it does not know.
var ErrUnknownNoticeEvent = errors.New("nomination notice: unknown event type")

// DecodeNotice reads a stored notice event by its name.
func DecodeNotice(eventType string, data []byte) (Event, error) {
	switch eventType {
	case EventNoticePublished:
		return decodeNotice[NoticePublished](eventType, data)
	case EventObjectionRecorded:
		return decodeNotice[ObjectionRecorded](eventType, data)
	case EventObjectionHandled:
		return decodeNotice[ObjectionHandled](eventType, data)
	}
	return nil, fmt.Errorf("%w: %q", ErrUnknownNoticeEvent, eventType)
}

func decodeNotice[E Event](eventType string, data []byte) (Event, error) {
	var e E
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", eventType, err)
	}
	return e, nil
}

// Objection is one objection and, once handled, its handling.
type Objection struct {
	ID        uuid.UUID   `json:"id"`
	RaisedOn  domain.Date `json:"raisedOn"`
	Objector  string      `json:"objector"`
	Content   string      `json:"content"`
	Outcome   string      `json:"outcome,omitempty"`
	Handling  string      `json:"handling,omitempty"`
	HandledAt *time.Time  `json:"handledAt,omitempty"`
}

// notice is the file's public notice folded from its history: the latest
// publication, every objection, and whether the list changed after it.
type notice struct {
	published  *NoticePublished
	objections []Objection
	changed    bool // a recommendation added or removed since the publication
}

func (f *File) notice() notice {
	var n notice
	for _, e := range f.history {
		switch e := e.(type) {
		case NoticePublished:
			p := e
			n.published, n.changed = &p, false
		case RecommendationAdded, RecommendationRemoved:
			n.changed = n.published != nil
		case ObjectionRecorded:
			n.objections = append(n.objections, Objection{ID: e.ObjectionID, RaisedOn: e.RaisedOn, Objector: e.Objector, Content: e.Content})
		case ObjectionHandled:
			for i := range n.objections {
				if n.objections[i].ID == e.ObjectionID {
					at := e.At
					n.objections[i].Outcome, n.objections[i].Handling, n.objections[i].HandledAt = e.Outcome, e.Handling, &at
				}
			}
		}
	}
	return n
}

// PublishNotice is the unit's publication of its list.
type PublishNotice struct {
	Starts      domain.Date `json:"starts"`
	WorkingDays int         `json:"workingDays,omitempty"` // 0: NoticeMinWorkingDays
	Where       string      `json:"where"`
}

// PublishNotice puts the list on notice from cmd.Starts (today or later)
// for at least NoticeMinWorkingDays working days on cal (R-NOM-04): the
// unit's contact, while the file is with the unit, a list with at least
// one conference, once (again only after the list changed). A calendar
// without the notice's years refuses: its last day would be a guess.
func (f *File) PublishNotice(a domain.Actor, cmd PublishNotice, cal workday.Calendar, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	n, today := f.notice(), domain.DateOf(now)
	if n.published != nil && !n.changed {
		return &domain.StateError{Rule: noticeRule, Status: "on notice", Action: "publish the list",
			Message: fmt.Sprintf("the list has been on public notice since %s and has not changed since", n.published.Starts),
			Zh:      fmt.Sprintf("推荐名单已于%s起公示，此后未作调整，无需重新公示", n.published.Starts)}
	}
	if cmd.WorkingDays == 0 {
		cmd.WorkingDays = NoticeMinWorkingDays
	}
	var pr domain.Problems
	if len(f.list) == 0 {
		pr.Add("recommendations", noticeRule, "the list is empty: nothing to put on notice", "推荐名单为空，无可公示内容")
	}
	switch {
	case cmd.Starts.IsZero():
		pr.Add("starts", noticeRule, "required", "必填")
	case cmd.Starts.Before(today):
		pr.Add("starts", noticeRule, fmt.Sprintf("the notice starts today (%s) or later", today),
			fmt.Sprintf("公示开始日期不得早于今天（%s）", today))
	}
	if cmd.WorkingDays < NoticeMinWorkingDays || cmd.WorkingDays > 60 {
		pr.Add("workingDays", noticeRule, fmt.Sprintf("a notice runs %d to 60 working days", NoticeMinWorkingDays),
			fmt.Sprintf("公示期为%d至60个工作日", NoticeMinWorkingDays))
	}
	if pr.Required("where", noticeRule, cmd.Where) {
		pr.MaxChars("where", noticeRule, cmd.Where, 500)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	end, err := cal.AddWorkingDays(cmd.Starts, cmd.WorkingDays)
	if err != nil {
		return err
	}
	listed := make([]uuid.UUID, 0, len(f.list))
	for _, r := range f.list {
		listed = append(listed, r.ID)
	}
	f.record(NoticePublished{Starts: cmd.Starts, WorkingDays: cmd.WorkingDays, LastDay: end.AddDays(-1),
		Where: strings.TrimSpace(cmd.Where), Listed: listed, By: a.UserID, At: now})
	return nil
}

func notPublished(action string) error {
	return &domain.StateError{Rule: noticeRule, Status: "not on notice", Action: action,
		Message: fmt.Sprintf("the list has not been put on public notice (at least %d working days, R-NOM-04)", NoticeMinWorkingDays),
		Zh:      fmt.Sprintf("推荐名单尚未公示（公示期不少于%d个工作日）", NoticeMinWorkingDays)}
}

// RecordObjection records an objection raised on raisedOn: during the
// notice, from its first to its last day on cal, and not after today.
func (f *File) RecordObjection(a domain.Actor, id uuid.UUID, raisedOn domain.Date, objector, content string, cal workday.Calendar, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	n, today := f.notice(), domain.DateOf(now)
	if n.published == nil {
		return notPublished("record an objection")
	}
	end, err := cal.AddWorkingDays(n.published.Starts, n.published.WorkingDays)
	if err != nil {
		return err
	}
	last := end.AddDays(-1)
	var pr domain.Problems
	switch {
	case raisedOn.IsZero():
		pr.Add("raisedOn", noticeRule, "required", "必填")
	case raisedOn.After(today):
		pr.Add("raisedOn", noticeRule, fmt.Sprintf("an objection is recorded once raised: %s is after today (%s)", raisedOn, today),
			fmt.Sprintf("异议提出日期%s晚于今天（%s）", raisedOn, today))
	case raisedOn.Before(n.published.Starts) || raisedOn.After(last):
		pr.Add("raisedOn", noticeRule, fmt.Sprintf("an objection is raised during the notice, %s to %s", n.published.Starts, last),
			fmt.Sprintf("异议须在公示期内（%s至%s）提出", n.published.Starts, last))
	}
	if pr.Required("objector", noticeRule, objector) {
		pr.MaxChars("objector", noticeRule, objector, 200)
	}
	if pr.Required("content", noticeRule, content) {
		pr.MaxChars("content", noticeRule, content, 2000)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(ObjectionRecorded{ObjectionID: id, RaisedOn: raisedOn, Objector: strings.TrimSpace(objector),
		Content: strings.TrimSpace(content), By: a.UserID, At: now})
	return nil
}

// HandleObjection records how the unit handled objection id: upheld or
// dismissed, with what it did; once.
func (f *File) HandleObjection(a domain.Actor, id uuid.UUID, outcome, handling string, now time.Time) error {
	if err := f.editable(a); err != nil {
		return err
	}
	var o *Objection
	n := f.notice()
	for i := range n.objections {
		if n.objections[i].ID == id {
			o = &n.objections[i]
		}
	}
	if o == nil {
		return fmt.Errorf("objection %s: %w", id, domain.ErrNotFound)
	}
	if o.Outcome != "" {
		return &domain.StateError{Rule: noticeRule, Status: "handled", Action: "handle the objection",
			Message: fmt.Sprintf("the objection was already handled (%s)", o.Outcome), Zh: "该异议已处理"}
	}
	var pr domain.Problems
	if outcome != ObjectionUpheld && outcome != ObjectionDismissed {
		pr.Add("outcome", noticeRule, `must be "upheld" or "dismissed"`, `须为"upheld"（采纳）或"dismissed"（不予采纳）`)
	}
	if pr.Required("handling", noticeRule, handling) {
		pr.MaxChars("handling", noticeRule, handling, 2000)
	}
	if err := pr.Err(); err != nil {
		return err
	}
	f.record(ObjectionHandled{ObjectionID: id, Outcome: outcome, Handling: strings.TrimSpace(handling), By: a.UserID, At: now})
	return nil
}

// NoticeState is the notice as of a day on a calendar: what the file's
// notice view and the submission gate read.
type NoticeState struct {
	Published bool        `json:"published"`
	Starts    domain.Date `json:"starts,omitzero"`
	// WorkingDays the notice runs; Ran, the full working days it has run
	// by the start of the day.
	WorkingDays int `json:"workingDays,omitempty"`
	Ran         int `json:"ran"`
	// LastDay is its last day; SubmittableFrom the first day the list may
	// be submitted (the day after LastDay), on the calendar in force.
	LastDay         domain.Date `json:"lastDay,omitzero"`
	SubmittableFrom domain.Date `json:"submittableFrom,omitzero"`
	Where           string      `json:"where,omitempty"`
	// Complete: the notice has run all its working days.
	Complete bool `json:"complete"`
	// ListChanged: a conference was added to or removed from the list
	// after the notice was published; it must be published again.
	ListChanged bool `json:"listChanged"`
	// ProvisionalYears are calendar years the count read that are still
	// provisional (their State Council notice not yet entered).
	ProvisionalYears []int       `json:"provisionalYears,omitempty"`
	Objections       []Objection `json:"objections"`
	Unhandled        int         `json:"unhandled"`
}

// NoticeState is the file's notice as of today on cal.
func (f *File) NoticeState(cal workday.Calendar, today domain.Date) (NoticeState, error) {
	n := f.notice()
	s := NoticeState{Objections: n.objections, ListChanged: n.changed}
	if s.Objections == nil {
		s.Objections = []Objection{}
	}
	for _, o := range s.Objections {
		if o.Outcome == "" {
			s.Unhandled++
		}
	}
	if n.published == nil {
		return s, nil
	}
	p := n.published
	s.Published, s.Starts, s.WorkingDays, s.Where = true, p.Starts, p.WorkingDays, p.Where
	end, err := cal.AddWorkingDays(p.Starts, p.WorkingDays)
	if err != nil {
		return NoticeState{}, err
	}
	s.SubmittableFrom, s.LastDay = end, end.AddDays(-1)
	upTo := today
	if upTo.After(end) {
		upTo = end
	}
	if s.Ran, err = cal.WorkingDaysBetween(p.Starts, upTo); err != nil {
		return NoticeState{}, err
	}
	s.Complete = s.Ran >= p.WorkingDays
	s.ProvisionalYears = cal.ProvisionalYears(p.Starts, s.LastDay)
	return s, nil
}

// noticeRan is the submission's gate (R-NOM-04): the list was put on
// notice as it stands, the notice has run all its working days by the
// start of today on the policy's calendar (a holiday inside extends it, a
// make-up working day counts), and every objection raised is handled.
var noticeRan = procedure.Gate[Facts]{Name: "public notice", Rule: noticeRule, Check: func(f Facts) error {
	s, err := f.File.NoticeState(f.Policy.WorkCalendar, f.Today)
	switch {
	case err != nil:
		return err
	case !s.Published:
		return notPublished("submit the list")
	case s.ListChanged:
		return &domain.StateError{Rule: noticeRule, Status: "list changed", Action: "submit the list",
			Message: fmt.Sprintf("the list changed after its notice of %s: publish it again for at least %d working days", s.Starts, NoticeMinWorkingDays),
			Zh:      fmt.Sprintf("推荐名单在%s起的公示后有调整，须重新公示（不少于%d个工作日）", s.Starts, NoticeMinWorkingDays)}
	case !s.Complete:
		return &domain.StateError{Rule: noticeRule, Status: "on notice", Action: "submit the list",
			Message: fmt.Sprintf("the public notice from %s runs %d working days, to %s; by today (%s) it has run %d: the list may be submitted from %s",
				s.Starts, s.WorkingDays, s.LastDay, f.Today, s.Ran, s.SubmittableFrom),
			Zh: fmt.Sprintf("公示自%s起须满%d个工作日（至%s），截至今天（%s）已满%d个工作日，%s起方可提交推荐名单",
				s.Starts, s.WorkingDays, s.LastDay, f.Today, s.Ran, s.SubmittableFrom)}
	case s.Unhandled > 0:
		return &domain.StateError{Rule: noticeRule, Status: "objections pending", Action: "submit the list",
			Message: fmt.Sprintf("%d objection(s) raised during the notice are not handled yet", s.Unhandled),
			Zh:      fmt.Sprintf("公示期间收到的%d条异议尚未处理", s.Unhandled)}
	}
	return nil
}}
