package projections

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/change"
	"github.com/econf/econf/domain/declaration"
	"github.com/econf/econf/domain/delegation"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/domain/funding"
	"github.com/econf/econf/domain/nomination"
	"github.com/econf/econf/domain/procedure"
	"github.com/econf/econf/domain/summary"
)

// recordKind describes one kind of record to the approval log and the status
// view: where its events are, what each does to the record, and who holds it
// in each status.
type recordKind struct {
	name         string // record_kind in the tables and queries
	eventPrefix  string // of its event types
	streamPrefix string // of its stream names, before the id
	// read says what one of its events did.
	read func(eventType string, data []byte) (step, error)
	// holders says who holds the record in each status; a status that is
	// not listed is final.
	holders map[string]holder
	// atAuthority is the status that submits the record to the authority,
	// which sees it from then on (R-ACT-02).
	atAuthority string
}

// step is what one event did to a record.
type step struct {
	status           string // the status after; "" when the event does not set one
	action, actionZh string // for people
	comment          string
	// created is the record's scope, on the event that creates it.
	created *domain.Scope
	// edit marks a draft save: it keeps the status view's "since" when the
	// status does not change.
	edit bool
	// decision marks a reviewer's decision (approve, reject, return,
	// grant, accept), made on the record as its events before it left it.
	decision bool
}

// holder is who holds a record in one status. org is the record_status
// column naming the organisation; applicant adds the applicant as the
// holding user.
type holder struct {
	role      domain.Role
	org       string
	applicant bool
}

var (
	atUnit      = holder{role: domain.RoleUnitAdmin, org: "unit_id"}
	atSchool    = holder{role: domain.RoleSchoolAdmin, org: "university_id"}
	atAuthority = holder{role: domain.RoleAuthorityReviewer, org: "authority_id"}
	atApplicant = holder{role: domain.RoleApplicant, org: "unit_id", applicant: true}
)

// recordKinds lists every kind the approval log and status view follow.
// A conference's change requests and its summary are records of their own
// kinds whose id is the declaration's: a record is always (kind, id). Who
// holds a record in each status, and when it reaches the authority, come
// from its procedure's declaration (domain/procedure): a procedure declared
// there needs here only its events' names for people.
var recordKinds = []recordKind{
	{
		name: forecast.Flow.Name, eventPrefix: "forecast.", streamPrefix: "forecast-",
		read: readForecast, holders: holdersOf(forecast.Flow.Holders()),
		atAuthority: string(forecast.Flow.Awaiting(procedure.Authority)),
	},
	{
		// authority_rejected is final: the domain lets the applicant
		// neither edit, resubmit nor withdraw it (R-DECL-16).
		name: declaration.Flow.Name, eventPrefix: "declaration.", streamPrefix: "declaration-",
		read: readDeclaration, holders: holdersOf(declaration.Flow.Holders()),
		atAuthority: string(declaration.Flow.Awaiting(procedure.Authority)),
	},
	{
		// The school decides change requests; the record exists only for
		// a conference the authority approved, so the authority sees it
		// from the start (created scope).
		name: change.Flow.Name, eventPrefix: "change.", streamPrefix: "change-",
		read: readChange, holders: holdersOf(change.Flow.Holders()),
	},
	{
		// The applicant writes the summary, the school accepts or returns
		// it (R-SUM-04); like the change, it follows an approved
		// conference.
		name: summary.Flow.Name, eventPrefix: "summary.", streamPrefix: "summary-",
		read: readSummary, holders: holdersOf(summary.Flow.Holders()),
	},
	{
		// An institute's funding application (seed 002): its
		// administrators hold it where an applicant would, the bureau's
		// reviewers once submitted; granted and rejected are final.
		name: funding.Flow.Name, eventPrefix: "funding.", streamPrefix: "funding-",
		read: readFunding, holders: holdersWith(funding.Flow.Holders(), map[procedure.Level]holder{
			procedure.Applicant: atUnit, procedure.Bureau: atAuthority,
		}),
		atAuthority: string(funding.Flow.Awaiting(procedure.Bureau)),
	},
	{
		// A recommending unit's nomination file (seed 003): its contacts
		// hold it where an applicant would, the organiser's staff once
		// submitted. The cycle's and the codes' events have other
		// prefixes (nomination_cycle., invitation_code.).
		name: nomination.Flow.Name, eventPrefix: "nomination.", streamPrefix: "nomination-",
		read: readNomination, holders: holdersWith(nomination.Flow.Holders(), map[procedure.Level]holder{
			procedure.Applicant: atUnit, procedure.Organiser: atAuthority,
		}),
		atAuthority: string(nomination.Flow.Awaiting(procedure.Organiser)),
	},
	{
		// An electing unit's delegation to a congress (seed 004): the
		// unit's administrators hold it while nominating and reviewing
		// (R-DEL-02/03), the organiser's reviewers once it reported all
		// (R-DEL-04) for the final review (R-DEL-05). Each nominee's own
		// status is the delegates list's.
		name: "delegation", eventPrefix: "delegation.", streamPrefix: "delegation-",
		read: readDelegation, holders: map[string]holder{DelegationNominating: atUnit, string(delegation.Reported): atAuthority},
		atAuthority: string(delegation.Reported),
	},
}

// DelegationNominating is a delegation's status in the status view until
// the unit reports all (then "reported").
const DelegationNominating = "nominating"

// levelHolders are the holders of each procedure level that has accounts.
var levelHolders = map[procedure.Level]holder{
	procedure.Applicant: atApplicant,
	procedure.Unit:      atUnit,
	procedure.School:    atSchool,
	procedure.Authority: atAuthority,
}

// holdersOf turns a procedure's holders into the status view's; a level
// without accounts yet holds nothing anyone can act on, and is left out.
func holdersOf(levels map[procedure.State]procedure.Level) map[string]holder {
	return holdersWith(levels, levelHolders)
}

// holdersWith is holdersOf with the holder of each level given.
func holdersWith(levels map[procedure.State]procedure.Level, by map[procedure.Level]holder) map[string]holder {
	out := make(map[string]holder, len(levels))
	for s, l := range levels {
		if h, ok := by[l]; ok {
			out[string(s)] = h
		}
	}
	return out
}

// kindOf finds the kind an event type belongs to.
func kindOf(eventType string) (recordKind, bool) {
	for _, k := range recordKinds {
		if strings.HasPrefix(eventType, k.eventPrefix) {
			return k, true
		}
	}
	return recordKind{}, false
}

// forecastActions names each forecast event for people.
var forecastActions = map[string][2]string{
	forecast.EventSubmitted:           {"submitted", "个人申请"},
	forecast.EventRevised:             {"revised and resubmitted", "修改后重新提交"},
	forecast.EventWithdrawn:           {"withdrawn", "删除（撤回）"},
	forecast.EventApprovedAtUnit:      {"approved by the unit", "单位初审通过"},
	forecast.EventApprovedAtSchool:    {"approved by the school", "单位终审通过"},
	forecast.EventApprovedByAuthority: {"approved by the authority", "预报审核通过"},
	forecast.EventRejected:            {"rejected", "审核驳回"},
	forecast.EventSignedFormAttached:  {"signed form uploaded", "上传签字盖章的申请表"},
}

func readForecast(eventType string, data []byte) (step, error) {
	ev, err := forecast.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	return forecastStep(eventType, ev), nil
}

// forecastStep is what a decoded forecast event did.
func forecastStep(eventType string, ev forecast.Event) step {
	status, _ := statusAfter(ev)
	action := forecastActions[eventType]
	s := step{status: string(status), action: action[0], actionZh: action[1]}
	switch ev := ev.(type) {
	case forecast.Submitted:
		s.created = &domain.Scope{Owner: ev.ApplicantID, Unit: ev.UnitID, University: ev.UniversityID, Authority: ev.AuthorityID}
	case forecast.ApprovedAtUnit:
		s.comment, s.decision = ev.Comment, true
	case forecast.ApprovedAtSchool:
		s.comment, s.decision = ev.Comment, true
	case forecast.ApprovedByAuthority:
		s.comment, s.decision = ev.Comment, true
	case forecast.Rejected:
		s.comment, s.decision = ev.Reason, true
	case forecast.Withdrawn:
		s.comment = ev.Reason
	case forecast.SignedFormAttached:
		s.comment = ev.File.Name
	}
	return s
}

// declarationActions names each declaration event for people; a section
// save is "saved <section>".
var declarationActions = map[string][2]string{
	declaration.EventStarted:             {"started", "开始申报"},
	declaration.EventApplicantSaved:      {"saved applicant", "保存申请人信息"},
	declaration.EventBasicSaved:          {"saved basic information", "保存会议基本信息"},
	declaration.EventAttendanceSaved:     {"saved attendance", "保存参会人数"},
	declaration.EventHostingSaved:        {"saved hosting organisations", "保存主办单位"},
	declaration.EventBudgetSaved:         {"saved budget", "保存会议经费预算"},
	declaration.EventStatementsSaved:     {"saved statements", "保存特殊说明"},
	declaration.EventContentSaved:        {"saved content", "保存会议内容"},
	declaration.EventPeopleSaved:         {"saved key people", "保存会议主要人员"},
	declaration.EventAgendaSaved:         {"saved agenda", "保存会议日程"},
	declaration.EventContactsSaved:       {"saved contacts", "保存联系人"},
	declaration.EventSubmitted:           {"submitted", "个人申请"},
	declaration.EventWithdrawn:           {"withdrawn", "撤回"},
	declaration.EventApprovedAtUnit:      {"approved by the unit", "单位初审通过"},
	declaration.EventApprovedAtSchool:    {"approved by the school", "学校审核通过"},
	declaration.EventApprovedByAuthority: {"approved by the authority", "获批"},
}

// declarationRejections names a rejection by the status it leads to.
var declarationRejections = map[declaration.Status]string{
	declaration.StatusUnitRejected:      "rejected by the unit",
	declaration.StatusSchoolRejected:    "rejected by the school",
	declaration.StatusAuthorityRejected: "rejected by the authority",
}

func readDeclaration(eventType string, data []byte) (step, error) {
	ev, err := declaration.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	status := declarationStatusAfter(ev)
	action := declarationActions[eventType]
	s := step{status: string(status), action: action[0], actionZh: action[1]}
	switch ev := ev.(type) {
	case declaration.Started:
		s.created = &domain.Scope{Owner: ev.ApplicantID, Unit: ev.UnitID, University: ev.UniversityID, Authority: ev.AuthorityID}
	case declaration.Submitted:
	case declaration.ApprovedAtUnit:
		s.comment, s.decision = ev.Comment, true
	case declaration.ApprovedAtSchool:
		s.comment, s.decision = ev.Comment, true
	case declaration.ApprovedByAuthority:
		s.comment, s.decision = ev.Comment, true
	case declaration.Withdrawn:
		s.comment = ev.Reason
	case declaration.Rejected:
		s.comment, s.decision = ev.Reason, true
		s.action, s.actionZh = declarationRejections[status], status.Zh()
	default:
		s.edit = true // a section save
	}
	return s, nil
}

// declarationStatusAfter is the status an event leaves a declaration in.
// Every declaration event sets the status whatever it was before (a section
// save returns it to draft, a rejection's stage says which level rejected),
// so the aggregate's own fold over the one event answers, and the read
// models cannot drift from the domain. It is "" for a rejection at a stage
// the domain does not know.
func declarationStatusAfter(ev declaration.Event) declaration.Status {
	d := declaration.New(uuid.Nil)
	d.Apply(ev)
	return d.Status()
}

// changeActions names each change event for people.
var changeActions = map[string][2]string{
	change.EventRequested: {"change requested", "申请变更"},
	change.EventApproved:  {"change approved", "变更审核通过"},
	change.EventRejected:  {"change rejected", "变更驳回"},
}

func readChange(eventType string, data []byte) (step, error) {
	ev, err := change.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	c := change.New(uuid.Nil)
	c.Apply(ev)
	action := changeActions[eventType]
	s := step{status: string(c.Status()), action: action[0], actionZh: action[1]}
	switch ev := ev.(type) {
	case change.Requested:
		s.created = &domain.Scope{Owner: ev.ApplicantID, Unit: ev.UnitID, University: ev.UniversityID, Authority: ev.AuthorityID,
			AtAuthority: true}
		s.comment = ev.Description
	case change.Approved:
		s.comment, s.decision = ev.Comment, true
	case change.Rejected:
		s.comment, s.decision = ev.Reason, true
	}
	return s, nil
}

// summaryActions names each summary event for people.
var summaryActions = map[string][2]string{
	summary.EventOpened:    {"summary started", "填写总结"},
	summary.EventSaved:     {"summary saved", "保存总结"},
	summary.EventSubmitted: {"summary submitted", "提交总结"},
	summary.EventAccepted:  {"summary accepted", "总结审核通过"},
	summary.EventReturned:  {"returned for revision", "退回修改"},
}

func readSummary(eventType string, data []byte) (step, error) {
	ev, err := summary.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	x := summary.New(uuid.Nil)
	x.Apply(ev)
	action := summaryActions[eventType]
	s := step{status: string(x.Status()), action: action[0], actionZh: action[1]}
	switch ev := ev.(type) {
	case summary.Opened:
		s.created = &domain.Scope{Owner: ev.ApplicantID, Unit: ev.UnitID, University: ev.UniversityID, Authority: ev.AuthorityID,
			AtAuthority: true}
		s.comment = "提交截止日期 / due: " + ev.DueDate.String()
	case summary.Saved:
		s.edit = true
	case summary.Submitted:
		if ev.Late {
			s.comment = "逾期提交 / late: due " + ev.DueDate.String() // R-SUM-02
		}
	case summary.Accepted:
		s.comment, s.decision = ev.Comment, true
	case summary.Returned:
		s.comment, s.decision = ev.Reason, true
	}
	return s, nil
}

// fundingActions names each funding event for people.
var fundingActions = map[string][2]string{
	funding.EventDrafted:   {"drafted", "填写资助申请"},
	funding.EventEdited:    {"edited", "修改资助申请"},
	funding.EventSubmitted: {"submitted", "提交资助申请"},
	funding.EventWithdrawn: {"withdrawn", "撤回"},
	funding.EventGranted:   {"granted", "批准资助"},
	funding.EventRejected:  {"rejected", "不予资助"},
	funding.EventReturned:  {"returned for revision", "退回修改"},
	// After the grant (R-FUND-05, R-FUND-06, R-FUND-09); the status stays.
	funding.EventAcknowledged:    {"acknowledged the funder", "标注资助来源"},
	funding.EventProgressFiled:   {"reported progress", "报送进展情况"},
	funding.EventSummaryFiled:    {"handed in the summary report", "提交总结报告"},
	funding.EventSummaryReminded: {"summary reminder", "总结报告提醒"},
	funding.EventSummaryOverdue:  {"summary overdue", "总结报告逾期"},
}

func readFunding(eventType string, data []byte) (step, error) {
	ev, err := funding.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	action := fundingActions[eventType]
	s := step{action: action[0], actionZh: action[1]}
	switch ev := ev.(type) {
	case funding.Drafted:
		s.status = string(funding.StatusDraft)
		s.created = &domain.Scope{Owner: ev.Owner, Unit: ev.Institute, University: ev.Academy, Authority: ev.Bureau}
	case funding.Edited:
		// keeps the status it was edited in (draft, withdrawn, returned)
	case funding.Submitted:
		s.status = string(funding.StatusSubmitted)
		s.comment = fmt.Sprintf("%d年度资助征集 / call for %d", ev.Year, ev.Year)
	case funding.Withdrawn:
		s.status = string(funding.StatusWithdrawn)
	case funding.Granted:
		s.status = string(funding.StatusGranted)
		s.comment = strings.TrimSpace(fmt.Sprintf("%d.%02d元 / yuan %s", ev.AmountFen/100, ev.AmountFen%100, ev.Comment))
		s.decision = true
	case funding.Rejected:
		s.status, s.comment, s.decision = string(funding.StatusRejected), ev.Reason, true
	case funding.Returned:
		s.status, s.comment, s.decision = string(funding.StatusReturned), ev.Reason, true
	case funding.Acknowledged:
		s.comment = ev.Note
	case funding.ProgressFiled:
		s.comment = ev.Text
	case funding.SummaryFiled:
		s.comment = fmt.Sprintf("应交 / due %s", ev.DueDate)
		if ev.Late {
			s.comment += "（逾期 / late）"
		}
	case funding.SummaryReminded:
		s.comment = fmt.Sprintf("应交 / due %s", ev.DueDate)
	case funding.SummaryOverdue:
		s.comment = fmt.Sprintf("应交 / due %s", ev.DueDate)
	}
	return s, nil
}

// nominationActions names each nomination file event for people.
var nominationActions = map[string][2]string{
	nomination.EventStarted:               {"started", "开始遴选推荐"},
	nomination.EventPlanEntriesAdded:      {"plan entries added", "填报学术会议年度计划"},
	nomination.EventPlanEntryRemoved:      {"plan entry removed", "删除年度计划会议"},
	nomination.EventSchemeSaved:           {"scheme saved", "制定推荐方案"},
	nomination.EventRecommendationAdded:   {"recommendation added", "列入推荐名单"},
	nomination.EventRecommendationRemoved: {"recommendation removed", "移出推荐名单"},
	nomination.EventExpertInvited:         {"expert invited", "邀请提名专家"},
	nomination.EventExpertNominated:       {"expert nominated", "专家提名"},
	nomination.EventCommitteeSet:          {"review committee set", "成立专家评审委员会"},
	nomination.EventCommitteeOpinion:      {"committee opinion recorded", "专家评审委员会意见"},
	nomination.EventListSigned:            {"signed list uploaded", "上传签字盖章推荐名单"},
	nomination.EventSubmitted:             {"submitted", "提交推荐名单"},
	nomination.EventReturned:              {"returned for revision", "退回修改"},
	nomination.EventPreviousResources:     {"previous guide's resources submitted", "提交上一版指南会议资源"},
}

func readNomination(eventType string, data []byte) (step, error) {
	ev, err := nomination.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	action, ok := nominationActions[eventType]
	if !ok {
		action = [2]string{eventType, eventType}
	}
	s := step{action: action[0], actionZh: action[1], edit: true}
	switch ev := ev.(type) {
	case nomination.Started:
		s.status, s.edit = string(nomination.StatusDrafting), false
		s.created = &domain.Scope{Unit: ev.Unit, Authority: ev.Association}
	case nomination.RecommendationAdded:
		s.comment = ev.Recommendation.Name
	case nomination.Submitted:
		s.status, s.edit = string(nomination.StatusSubmitted), false
		s.comment = fmt.Sprintf("第%d版征集通知 / cycle edition %d", ev.CycleEdition, ev.CycleEdition)
	case nomination.Returned:
		s.status, s.edit, s.comment, s.decision = string(nomination.StatusReturned), false, ev.Reason, true
	}
	return s, nil
}

// delegationActions names each delegation event for people.
var delegationActions = map[string][2]string{
	delegation.EventNomineeAdded:        {"nominee added", "新增推荐人选"},
	delegation.EventNomineeApproved:     {"initial review passed", "初审通过"},
	delegation.EventNomineeRejected:     {"initial review refused", "初审不通过"},
	delegation.EventNomineeRevoked:      {"initial review revoked", "撤销初审结果"},
	delegation.EventNomineeDeregistered: {"nominee deregistered", "注销推荐人选"},
	delegation.EventReported:            {"reported all", "全部上报"},
	delegation.EventNomineeEdited:       {"nominee edited", "修改推荐人选"},
	delegation.EventFinalApproved:       {"final review passed", "终审审核通过"},
	delegation.EventFinalRejected:       {"final review refused", "终审审核不通过"},
	delegation.EventNomineeDisabled:     {"nominee's account disabled", "禁用人选账号"},
	delegation.EventNomineeEnabled:      {"nominee's account enabled", "启用人选账号"},
	delegation.EventAttachmentsSet:      {"nominee's files attached", "上传人选附件"},
}

// readDelegation reads a delegation's event: the delegation is nominating
// from its first nominee and reported once the unit reported all; each
// line's comment names the nominee (by id: a name is personal) and the
// opinion.
func readDelegation(eventType string, data []byte) (step, error) {
	ev, err := delegation.Decode(eventType, data)
	if err != nil {
		return step{}, err
	}
	action, ok := delegationActions[eventType]
	if !ok {
		action = [2]string{eventType, eventType}
	}
	s := step{action: action[0], actionZh: action[1]}
	who := func(id uuid.UUID, opinion string) string {
		c := "人选 / nominee " + id.String()
		if opinion != "" {
			c += "：" + opinion
		}
		return c
	}
	switch ev := ev.(type) {
	case delegation.NomineeAdded:
		s.status, s.edit = DelegationNominating, true
		s.created = &domain.Scope{Unit: ev.Unit, Authority: ev.Organiser}
		s.comment = who(ev.Nominee, ev.Identity.Zh())
	case delegation.NomineeApproved:
		s.comment, s.decision = who(ev.Nominee, ev.Opinion), true
	case delegation.NomineeRejected:
		s.comment, s.decision = who(ev.Nominee, ev.Opinion), true
	case delegation.NomineeRevoked:
		s.comment = who(ev.Nominee, ev.From.Zh())
	case delegation.NomineeDeregistered:
		s.comment = who(ev.Nominee, "")
	case delegation.NomineeEdited:
		s.comment = who(ev.Nominee, ev.Next.Zh())
	case delegation.NomineeFinalApproved:
		s.comment, s.decision = who(ev.Nominee, ev.Opinion), true
	case delegation.NomineeFinalRejected:
		s.comment, s.decision = who(ev.Nominee, ev.Opinion), true
	case delegation.NomineeDisabled:
		s.comment = who(ev.Nominee, "")
	case delegation.NomineeEnabled:
		s.comment = who(ev.Nominee, "")
	case delegation.NomineeAttachmentsSet:
		s.comment = who(ev.Nominee, fmt.Sprintf("%d个附件 / %d files", len(ev.Files), len(ev.Files)))
	case delegation.AllReported:
		s.status = string(delegation.Reported)
		s.comment = fmt.Sprintf("上报%d人 / %d nominees reported", len(ev.Nominees), len(ev.Nominees))
	}
	return s, nil
}
