package personal_test

import (
	"encoding"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	_ "github.com/econf/econf/commands" // declares the events it defines itself (clock, integrity, person.erased, policy)
	"github.com/econf/econf/internal/personal"
)

// moduleRoot is the directory holding go.mod, and the module's path.
func moduleRoot(t *testing.T) (string, string) {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if m, ok := strings.CutPrefix(line, "module "); ok {
					return dir, strings.TrimSpace(m)
				}
			}
			t.Fatal("go.mod names no module")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
}

// eventTypesInSource finds every type of the module's code (tests aside)
// with an EventType() string method: every payload the command path can
// write (commands.eventData names each event by that method). Keys are
// "import/path.TypeName".
func eventTypesInSource(t *testing.T) map[string]string {
	t.Helper()
	root, module := moduleRoot(t)
	found := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch name := d.Name(); {
			case path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "vendor"):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := module
		if rel != "." {
			pkg += "/" + filepath.ToSlash(rel)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "EventType" || fn.Type.Params.NumFields() != 0 ||
				fn.Type.Results.NumFields() != 1 {
				continue
			}
			if id, ok := fn.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				found[pkg+"."+id.Name] = fset.Position(fn.Pos()).String()
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func typeKey(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath() + "." + t.Name()
}

// Every event type the code defines is declared to the personal catalog
// (catalog.go, or personal.Register in the package that defines it), so
// the sweep below reads its fields; a new procedure's events cannot be
// written without passing it.
func TestEveryEventTypeIsDeclared(t *testing.T) {
	inSource := eventTypesInSource(t)
	if len(inSource) < 100 {
		t.Fatalf("found only %d event types in the source: the scan is broken", len(inSource))
	}
	declared := map[string]bool{}
	for _, p := range personal.Payloads() {
		declared[typeKey(p)] = true
	}
	var missing []string
	for k, pos := range inSource {
		if !declared[k] {
			missing = append(missing, k+" ("+pos+")")
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("event type %s is not declared to the personal catalog (internal/personal/catalog.go)", m)
	}
}

// suspectName: a field whose name says it may hold a person's data, of
// any type (a uuid naming a photo or a file, a birth time, a number).
var suspectName = regexp.MustCompile(`(?i)birth|born|photo|avatar|portrait|resume|cv$|idnumber|idcard|passport|mobile|phone|email|mail|address|file|scan|attachment|signature|gender|ethnic`)

var (
	uuidType = reflect.TypeFor[uuid.UUID]()
	unmarsh  = reflect.TypeFor[json.Unmarshaler]()
	textUn   = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// candidate is one field of a payload that can hold personal data and is
// not tagged personal.
type candidate struct {
	event string // event type
	path  string // JSON path in the payload
	field string // "pkg.Struct.Field", how the allow-list names it
	typ   string // "pkg.Type" of a named leaf type, for the allow-list
}

func shortType(t reflect.Type) string {
	for t != uuidType && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map) {
		t = t.Elem()
	}
	if t.Name() == "" {
		return ""
	}
	pkg := t.PkgPath()
	if i := strings.LastIndex(pkg, "/"); i >= 0 {
		pkg = pkg[i+1:]
	}
	return pkg + "." + t.Name()
}

// mayHoldPersonal: a leaf type (after lists) that can carry a person's
// data: any text, raw JSON, a map, an interface, a type that decodes
// itself (a date); anything at all when the field's name is suspect.
func mayHoldPersonal(t reflect.Type, name string) bool {
	for t != uuidType && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return true // []byte, json.RawMessage
		}
		t = t.Elem()
	}
	if suspectName.MatchString(name) {
		return true
	}
	switch {
	case t == uuidType:
		return false
	case t.Kind() == reflect.String, t.Kind() == reflect.Map, t.Kind() == reflect.Interface:
		return true
	case t.Kind() == reflect.Struct && (reflect.PointerTo(t).Implements(unmarsh) || reflect.PointerTo(t).Implements(textUn)):
		return t.String() != "time.Time" // a date of its own type (a birth date); instants are when things happened
	}
	return false
}

// sweep walks a payload type's fields as Register does, and returns the
// fields that may hold personal data without a personal tag.
func sweep(event string, t reflect.Type) []candidate {
	var out []candidate
	var walk func(t reflect.Type, path string, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, path string, seen map[reflect.Type]bool) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array {
			if t.Kind() != reflect.Pointer {
				path += "[]"
			}
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		var fields func(st reflect.Type)
		fields = func(st reflect.Type) {
			for i := range st.NumField() {
				f := st.Field(i)
				if !f.IsExported() {
					continue
				}
				if f.Anonymous && f.Tag.Get("json") == "" && f.Type.Kind() == reflect.Struct {
					fields(f.Type)
					continue
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				p := name
				if path != "" {
					p = path + "." + name
				}
				if _, tagged := f.Tag.Lookup("personal"); tagged {
					continue
				}
				leaf := f.Type
				for leaf != uuidType && (leaf.Kind() == reflect.Pointer || leaf.Kind() == reflect.Slice || leaf.Kind() == reflect.Array) {
					if leaf.Kind() == reflect.Slice && leaf.Elem().Kind() == reflect.Uint8 {
						break
					}
					leaf = leaf.Elem()
				}
				if leaf.Kind() == reflect.Struct && !reflect.PointerTo(leaf).Implements(unmarsh) && !reflect.PointerTo(leaf).Implements(textUn) {
					walk(f.Type, p, seen)
					continue
				}
				if mayHoldPersonal(f.Type, name) {
					out = append(out, candidate{event: event, path: p, field: shortType(st) + "." + f.Name, typ: shortType(f.Type)})
				}
			}
		}
		fields(t)
	}
	walk(t, "", map[reflect.Type]bool{})
	return out
}

// Every field of every declared event's payload that can hold a person's
// data (text, a date of its own type, raw JSON, a map; any field whose
// name says mobile, email, birth, photo, file …) is either tagged personal
// (encrypted under its person's key, erasable) or on the allow-list below
// with the reason it holds no one's personal data. A new field of that
// kind fails here until it is one or the other.
func TestEveryPayloadFieldIsPersonalOrAllowed(t *testing.T) {
	payloads := personal.Payloads()
	used := map[string]bool{}
	var events []string
	for e, p := range payloads {
		if !strings.Contains(typeKey(p), "_test.") { // a test's own event type
			events = append(events, e)
		}
	}
	slices.Sort(events)
	for _, e := range events {
		for _, c := range sweep(e, payloads[e]) {
			if _, ok := notPersonal[c.field]; ok {
				used[c.field] = true
				continue
			}
			if _, ok := notPersonal[c.typ]; ok && c.typ != "" {
				used[c.typ] = true
				continue
			}
			t.Errorf("%s: %s (%s, type %s) can hold personal data: tag it personal or allow it in notPersonal with a reason", e, c.path, c.field, c.typ)
		}
	}
	for k := range notPersonal {
		if !used[k] {
			t.Errorf("notPersonal[%q] allows a field no event has any more: remove it", k)
		}
	}
}

// because gives keys one reason.
func because(reason string, keys ...string) map[string]string {
	m := map[string]string{}
	for _, k := range keys {
		m[k] = reason
	}
	return m
}

func allow(groups ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, g := range groups {
		for k, r := range g {
			if _, dup := out[k]; dup {
				panic("notPersonal lists " + k + " twice")
			}
			out[k] = r
		}
	}
	return out
}

// notPersonal: fields (pkg.Struct.Field) and leaf types (pkg.Type) that
// can hold text (or are named like a person's data) but hold no person's
// data, each with the reason. A person's name, mobile, phone, email, ID
// number, birth date, photo or file, address or résumé is never here: it
// is tagged personal on its type.
var notPersonal = allow(
	because("a code from a closed set the domain validates (an enum), never free text",
		"domain.Role", "classify.Scale", "classify.Type", "change.Field", "deadline.Kind", "declaration.ContactKind",
		"declaration.Location", "declaration.Source", "declaration.Status", "delegation.Identity", "delegation.Status",
		"forecast.HostingRole", "forecast.Status", "funding.Nature", "org.Kind", "nomination.ConferenceKind",
		"policy.BlockScope", "policy.Filing", "summary.Region", "funding.ReviewClaimed.Decision",
		"nomination.CommitteeOpinion.Result", "nomination.ObjectionHandled.Outcome", "account.Created.Via"),
	because("a conference's (a record's) own data: its names, theme, place, dates, organisers, budget and programme, not a person's",
		"change.Dates.End", "change.Dates.Start", "change.Place.Address", "change.Place.Province", "change.Requested.Description",
		"change.Requested.RequestBy", "change.Values.NameEn", "change.Values.NameZh", "change.Values.Theme",
		"congress.Created.Name", "congress.Created.ReferenceDate", "deadline.Ref.NameZh",
		"declaration.AgendaItem.Content", "declaration.AgendaItem.Date", "declaration.AgendaItem.Time",
		"declaration.Basic.Address", "declaration.Basic.CommitmentDate", "declaration.Basic.EndDate", "declaration.Basic.NameEn",
		"declaration.Basic.NameZh", "declaration.Basic.Province", "declaration.Basic.StartDate",
		"declaration.BudgetLine.Amount", "declaration.BudgetLine.Explanation",
		"declaration.Content.Background", "declaration.Content.TaiwanStatement", "declaration.Content.Theme", "declaration.Content.Topics",
		"declaration.Edition.Date", "declaration.Edition.Host", "declaration.Edition.Place",
		"declaration.Organisation.NameEn", "declaration.Organisation.NameZh", "declaration.Organisation.Website",
		"forecast.Details.Address", "forecast.Details.CommitmentDate", "forecast.Details.FundingSource", "forecast.Details.NameEn",
		"forecast.Details.NameZh", "forecast.Details.OffsiteJustification", "forecast.Details.Province", "forecast.Details.Remarks",
		"forecast.Details.StartDate", "forecast.Organisation.NameEn", "forecast.Organisation.NameZh",
		"funding.Conference.City", "funding.Conference.ClosingDate", "funding.Conference.NameEn", "funding.Conference.NameZh",
		"funding.Conference.OpeningDate", "funding.Source.Name", "funding.PlanLine.NameZh",
		"nomination.ConferenceUpdated.Opening", "nomination.ConferenceUpdated.Place", "nomination.Edition.Date",
		"nomination.GuideEntry.Field", "nomination.GuideEntry.Host", "nomination.GuideEntry.Name", "nomination.GuideEntry.NameEn",
		"nomination.GuideEntry.Opening", "nomination.GuideEntry.Place", "nomination.PlanEntry.Carrier", "nomination.PlanEntry.Closing",
		"nomination.PlanEntry.Host", "nomination.PlanEntry.Name", "nomination.PlanEntry.Opening", "nomination.PlanEntry.Place",
		"nomination.Recommendation.Field", "nomination.Recommendation.Host", "nomination.Recommendation.Name",
		"nomination.Recommendation.Opening", "nomination.Recommendation.Place", "nomination.Recommendation.Reason",
		"nomination.Nominated.Conference", "nomination.Nominated.Reason", "nomination.Resources.Videos",
		"nomination.Scheme.Principles", "nomination.Scheme.Process", "nomination.Scheme.Standards",
		"summary.Content.Academic", "summary.Content.DomesticNote", "summary.Content.ForeignNote", "summary.Content.Proceedings",
		"summary.CountryCount.Country", "summary.Opened.EndDate"),
	because("the form asks for who takes part as a group (全体代表, 分会场); the people by name are declaration.Person, tagged",
		"declaration.AgendaItem.Participants"),
	because("a reviewer's or unit's comment, reason or opinion on a record (a conference, an application, a file), not about a person; an opinion on a nominee (a person) is tagged in domain/delegation",
		"change.Approved.Comment", "change.Rejected.Reason", "declaration.ApprovedAtSchool.Comment", "declaration.ApprovedAtUnit.Comment",
		"declaration.ApprovedByAuthority.Comment", "declaration.Rejected.Reason", "declaration.Withdrawn.Reason",
		"forecast.ApprovedAtSchool.Comment", "forecast.ApprovedAtUnit.Comment", "forecast.ApprovedByAuthority.Comment",
		"forecast.Rejected.Reason", "forecast.Withdrawn.Reason", "funding.Acknowledged.Note", "funding.ClawedBack.Reason",
		"funding.Granted.Comment", "funding.PlanDecided.Comment", "funding.Rejected.Reason", "funding.Returned.Reason",
		"funding.Suspended.Reason", "funding.Referred.Reason", "funding.ProgressFiled.Text", "funding.SummaryFiled.Text",
		"nomination.CodeRevoked.Reason", "nomination.CommitteeOpinion.Opinion", "nomination.Declined.Reason",
		"nomination.ObjectionHandled.Handling", "nomination.Returned.Reason", "summary.Accepted.Comment", "summary.Returned.Reason"),
	because("a date the procedure computed or a deadline (due, filed, today), not a person's",
		"declaration.ApprovedAtSchool.FileBy", "declaration.Lead.FileBy", "declaration.Lead.NGOFileBy", "declaration.Lead.SubmitBy",
		"deadline.NGOFiled.FiledOn", "deadline.Passed.DueDate", "deadline.Passed.Today", "deadline.Reminded.DueDate",
		"funding.Approval.Date", "funding.Period.From", "funding.Period.Until", "funding.PlanOverdue.DueDate", "funding.PlanOverdue.Today",
		"funding.SummaryFiled.DueDate", "funding.SummaryOverdue.DueDate", "funding.SummaryOverdue.Today", "funding.SummaryReminded.DueDate",
		"nomination.CycleSpec.Deadline", "nomination.CycleSpec.MechanismCutoff", "nomination.CycleSpec.WindowEnd",
		"nomination.CycleSpec.WindowStart", "nomination.Schedule.CatalogueBy", "nomination.Schedule.ListBy",
		"nomination.Schedule.RecognitionBy", "nomination.NoticePublished.LastDay", "nomination.NoticePublished.Starts",
		"nomination.ObjectionRecorded.RaisedOn", "summary.Opened.DueDate", "summary.Submitted.DueDate"),
	because("an organisation's data (a unit, institute, association, its e-mail domains, an approval's number), not a person's",
		"declaration.Applicant.Department", "declaration.Applicant.Unit", "forecast.Applicant.Department", "forecast.Applicant.Unit",
		"funding.Approval.Number", "funding.PlanLine.InstituteName", "nomination.CodeIssued.Category", "nomination.CodeIssued.Name",
		"nomination.CodeIssued.Number", "nomination.GuideEntry.UnitName", "org.Created.EmailDomains", "org.Created.NameEn",
		"org.Created.NameZh", "org.EmailDomainsSet.EmailDomains", "org.Renamed.NameEn", "org.Renamed.NameZh",
		"nomination.NoticePublished.Where", "funding.Referred.To"),
	because("a person's professional title, institution, nationality or field beside their name: the name (tagged) identifies; "+
		"with it erased these name no one, and read models and statistics count by them (the same rule for every procedure)",
		"account.ProfileUpdated.Title", "declaration.Applicant.Title", "forecast.Applicant.Title", "declaration.Person.Institution",
		"declaration.Person.Nationality", "declaration.Person.Title", "nomination.Expert.Institution", "nomination.Expert.Title",
		"nomination.Member.Discipline", "nomination.Member.Institution", "nomination.Member.Region", "nomination.Member.Sector",
		"nomination.Member.Title", "summary.Attendee.Country", "summary.Attendee.Institution", "summary.Attendee.Title"),
	because("a document of the record (a signed form, an approval's scan, a report's files, a conference photo and its caption): "+
		"its file name, type and digest; a person's own files are tagged where they are attached (delegation.NomineeAttachmentsSet)",
		"declaration.Attachment.ContentType", "declaration.Attachment.Name", "declaration.Attachment.SHA256",
		"forecast.SignedForm.ContentType", "forecast.SignedForm.Name", "forecast.SignedForm.SHA256", "funding.Approval.ScanFileID",
		"funding.ProgressFiled.Files", "funding.SummaryFiled.Files", "nomination.CommitteeOpinion.Scan", "nomination.ListSigned.Scan",
		"summary.Photo.Caption"),
	because("a one-time registration code and its cycle's settings (title, fields), issued to a unit",
		"nomination.CodeIssued.Code", "nomination.CodeRevoked.Code", "nomination.CodeUsed.Code", "nomination.CycleSpec.Fields",
		"nomination.CycleSpec.Title"),
	because("a rule's warning (rule id, JSON path, the rule's message)",
		"domain.Warning.Message", "domain.Warning.Path", "domain.Warning.Rule", "domain.Warning.Zh"),
	because("the platform's policy and calendar, published by an admin: rules, dates, sources, versions",
		"policy.FundingCall.Closes", "policy.FundingCall.Opens", "policy.LeadTime.FileMonths", "policy.NameRules.DiscouragedEn",
		"policy.NameRules.DiscouragedZh", "policy.NameRules.ForbiddenZh", "policy.NominationRules.Ineligible",
		"policy.NominationRules.NominatorOnCommittee", "policy.NominationRules.Rounding", "policy.Policy.Version",
		"policy.SummaryRules.MaxPhotos", "policy.SummaryRules.MinPhotos", "policy.SummaryRules.PhotoContentType",
		"policy.WindowOverride.Close", "policy.WindowOverride.Open", "workday.Day.Date", "workday.Day.Name", "workday.Source.Issued",
		"workday.Source.Note", "workday.Source.Number", "workday.Source.Title", "workday.Source.URL"),
	because("the versions of the user agreement and privacy policy a person accepted: the platform's documents",
		"smslogin.SignedIn.AgreementVersion", "smslogin.SignedIn.PrivacyVersion"),
	because("the operations record: the simulated clock's step and why, an integrity incident's stream, hashes and finding "+
		"(records and hashes, never a payload), an erasure's legal ground (the event names its person by id only, and "+
		"writing it under their key would undo the erasure)",
		"commands.ClockAdvanced.Amount", "commands.ClockAdvanced.Reason", "commands.IncidentRecorded.Finding",
		"commands.IncidentRecorded.FoundHash", "commands.IncidentRecorded.NamedHash", "commands.IncidentRecorded.Reason",
		"commands.IncidentRecorded.Stream", "commands.PersonErased.Reason"),
)
