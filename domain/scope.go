package domain

import "github.com/google/uuid"

// Scope is where a record sits in the organisation tree and who owns it.
type Scope struct {
	Owner      uuid.UUID // the applicant; a notification's recipient; a file's uploader
	Unit       uuid.UUID
	University uuid.UUID
	Authority  uuid.UUID
	// AtAuthority is true once the record has been submitted to the
	// authority (it reached school approval at least once).
	AtAuthority bool
}

// Kind is a kind of record, as the scope model knows it.
type Kind string

// The kinds of record the scope model covers. A new procedure's record
// (funding, nomination, delegate) adds its kind here and a line to Access.
const (
	KindForecast    Kind = "forecast"
	KindDeclaration Kind = "declaration"
	KindChange      Kind = "change" // a conference's change request
	KindSummary     Kind = "summary"
	// KindFunding is a funding application (domain/funding): its institute,
	// academy and bureau sit where a record's unit, university and
	// authority do.
	KindFunding Kind = "funding"
	// KindCongress is a congress of a science association (domain/congress,
	// seed 004): its organiser sits where a record's authority does. The
	// invited units read their own allotment through the congress itself.
	KindCongress Kind = "congress"
	// KindDelegation is an electing unit's nominees to a congress
	// (domain/delegation): the unit sits where a record's unit does, the
	// organiser where its authority does, reached once reported.
	KindDelegation Kind = "delegation"
	// KindNomineePersonal is a nominee's personal fields (PIPL): name,
	// birth date, ID number, mobile, photo and the rest of the details
	// (domain/delegation), in the delegation's scope. Only the nominee's
	// unit and, once reported, the organiser read them; auditors and
	// analysts read the delegation without them.
	KindNomineePersonal Kind = "nominee_personal"
	// KindNomination is a recommending unit's nomination file for a cycle
	// (domain/nomination, seed 003): the unit sits where a record's unit
	// does, its association (the organiser) where the authority does.
	KindNomination Kind = "nomination"
	// KindHistory is a record's event history and approval log: read by
	// whoever may read the record.
	KindHistory Kind = "history"
	// KindFile is an upload, its Scope the uploader as Owner. Whoever may
	// read a record that refers to the file may read it as well: that is
	// the referring record's kind and scope, checked as such.
	KindFile Kind = "file"
	// KindNotification is an inbox notice, its Scope the recipient as
	// Owner.
	KindNotification Kind = "notification"
)

// Action is what an actor does to a record.
type Action string

const (
	// Read: see the record, its history, its files. A record one may not
	// read does not exist for one (404, or absent from a list).
	Read Action = "read"
	// Review: decide on the record at the level of one's role (approve,
	// reject, return, revoke).
	Review Action = "review"
)

// Place is the part of a record's Scope that must be the actor's own for a
// grant to reach the record.
type Place int

const (
	// Nowhere reaches no record (the zero value: what is not granted is
	// refused).
	Nowhere Place = iota
	// Everywhere reaches every record of the kind.
	Everywhere
	// OwnRecord: Scope.Owner is the actor (Actor.UserID).
	OwnRecord
	// OwnUnit: Scope.Unit is the actor's organisation (Actor.OrgID).
	OwnUnit
	// OwnUniversity: Scope.University is the actor's organisation.
	OwnUniversity
	// OwnAuthority: Scope.Authority is the actor's organisation.
	OwnAuthority
)

// Grant is which records of a kind a role reaches for an action: those at
// its Place, and with Submitted only those submitted to the authority.
type Grant struct {
	Place     Place
	Submitted bool
}

// Grants are one kind's grants by action and role; a role or action not
// listed gets nothing.
type Grants map[Action]map[Role]Grant

// recordGrants are the procedures' records (R-ACT-02): applicants read
// their own; unit and school admins and authority reviewers read and review
// what is in their organisation, the authority only once it was submitted
// to it; auditors and analysts read everything and decide nothing; the
// platform itself (the deadline engine) reads everything.
var recordGrants = Grants{
	Read: {
		RoleApplicant:         {Place: OwnRecord},
		RoleUnitAdmin:         {Place: OwnUnit},
		RoleSchoolAdmin:       {Place: OwnUniversity},
		RoleAuthorityReviewer: {Place: OwnAuthority, Submitted: true},
		RoleAuditor:           {Place: Everywhere},
		RoleAnalyst:           {Place: Everywhere},
		RoleSystem:            {Place: Everywhere},
	},
	Review: {
		RoleUnitAdmin:         {Place: OwnUnit},
		RoleSchoolAdmin:       {Place: OwnUniversity},
		RoleAuthorityReviewer: {Place: OwnAuthority, Submitted: true},
	},
}

// organiserGrants: a congress is its organiser's (its reviewers read and
// run it); auditors and analysts read every one.
var organiserGrants = Grants{
	Read: {
		RoleAuthorityReviewer: {Place: OwnAuthority},
		RoleAuditor:           {Place: Everywhere},
		RoleAnalyst:           {Place: Everywhere},
		RoleSystem:            {Place: Everywhere},
	},
	Review: {RoleAuthorityReviewer: {Place: OwnAuthority}},
}

// nominationGrants are a nomination file's: the unit's contacts read and
// work on their own; the organiser's staff see every unit's file (the
// organiser sees all units, issue 19 part 12) and decide once it was
// submitted; auditors, analysts and the platform read everything.
var nominationGrants = Grants{
	Read: {
		RoleUnitAdmin:         {Place: OwnUnit},
		RoleAuthorityReviewer: {Place: OwnAuthority},
		RoleAuditor:           {Place: Everywhere},
		RoleAnalyst:           {Place: Everywhere},
		RoleSystem:            {Place: Everywhere},
	},
	Review: {
		RoleAuthorityReviewer: {Place: OwnAuthority, Submitted: true},
	},
}

// nomineePersonalGrants: a nominee's personal fields are read by the
// electing unit's administrators (a university electing: its own) and
// the organiser's reviewers once reported; no one else.
var nomineePersonalGrants = Grants{
	Read: {
		RoleUnitAdmin:         {Place: OwnUnit},
		RoleSchoolAdmin:       {Place: OwnUnit},
		RoleAuthorityReviewer: {Place: OwnAuthority, Submitted: true},
	},
}

// ownOnly: every account reads its own, and no one else's.
var ownOnly = Grants{Read: {
	RoleApplicant: {Place: OwnRecord}, RoleUnitAdmin: {Place: OwnRecord}, RoleSchoolAdmin: {Place: OwnRecord},
	RoleAuthorityReviewer: {Place: OwnRecord}, RoleAuditor: {Place: OwnRecord}, RoleAnalyst: {Place: OwnRecord},
	RolePlatformAdmin: {Place: OwnRecord},
}}

// Access is the scope model: who may do what to a record of each kind,
// written once. Commands and file downloads check it in memory (Allows),
// the read models turn the same Filter into SQL.
var Access = map[Kind]Grants{
	KindForecast:        recordGrants,
	KindDeclaration:     recordGrants,
	KindChange:          recordGrants,
	KindSummary:         recordGrants,
	KindFunding:         recordGrants,
	KindCongress:        organiserGrants,
	KindDelegation:      recordGrants,
	KindNomineePersonal: nomineePersonalGrants,
	KindNomination:      nominationGrants,
	KindHistory:         recordGrants,
	KindFile:            ownOnly,
	KindNotification:    ownOnly,
}

// Filter is the condition a record must meet for one actor, kind and
// action: its Place must hold the actor's ID, and with Submitted the record
// must have been submitted to the authority. It is what Allows tests and
// what the read models write as SQL.
type Filter struct {
	Place     Place
	ID        uuid.UUID // the actor's user id (OwnRecord) or organisation id
	Submitted bool
}

// FilterFor is the condition records of kind k must meet for a to do act.
func FilterFor(a Actor, k Kind, act Action) Filter {
	g := Access[k][act][a.Role]
	f := Filter{Place: g.Place, Submitted: g.Submitted}
	switch g.Place {
	case OwnRecord:
		f.ID = a.UserID
	case OwnUnit, OwnUniversity, OwnAuthority:
		f.ID = a.OrgID
	}
	if f.Place != Nowhere && f.Place != Everywhere && f.ID == uuid.Nil {
		return Filter{} // an actor without the id reaches nothing
	}
	return f
}

// Admits reports whether a record in scope s meets the filter.
func (f Filter) Admits(s Scope) bool {
	if f.Submitted && !s.AtAuthority {
		return false
	}
	switch f.Place {
	case Everywhere:
		return true
	case OwnRecord:
		return s.Owner == f.ID
	case OwnUnit:
		return s.Unit == f.ID
	case OwnUniversity:
		return s.University == f.ID
	case OwnAuthority:
		return s.Authority == f.ID
	}
	return false
}

// Allows reports whether a may do act to a record of kind k in scope s
// (R-ACT-02). A record one may not read must be answered as not found, so
// callers turn a refused Read into ErrNotFound.
func Allows(a Actor, k Kind, act Action, s Scope) bool {
	return FilterFor(a, k, act).Admits(s)
}
