// Package procedure declares the shape of an approval procedure as data and
// interprets it (issue 13). A procedure names its review levels in order
// (unit, school, authority, bureau, organiser, committee: who decides at
// each step), the state each level decides on and where each of its
// decisions leads (approve, reject, return for revision, revoke back to
// pending), what the owner may do in which states (edit, submit,
// withdraw), and the gates a transition must pass (a quota, a report-all,
// a notice period, a deadline) as functions over the procedure's facts.
//
// Review and Own are the whole interpreter: given the state, who acts and
// the decision, the next state or a precise rule error. They are pure; the
// aggregate records the event, whose stored name never changes, and its
// Apply stays the only fold of history. The command layer runs every
// decision through one load → authorise → decide → append path
// (commands/procedure.go), and the read models learn who holds a record in
// each state from Holders.
//
// How to add a procedure: docs/procedures.md, with the change request
// (domain/change/flow.go) as the smallest real example.
//
// testdata/recorded-streams.json holds streams stored before the engine
// existed; TestRecordedStreamsReplayUnchanged proves they still fold into
// the same states.
package procedure
