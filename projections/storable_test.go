package projections_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/projections"
)

// TestReadModelsStoreAnyEventText appends events holding text PostgreSQL
// cannot store as it is (NUL, an unpaired surrogate escape), as a server
// before issue 12 wrote them, and checks every read model storing that text
// applies them and the records after them (issue 12 part 1b): events are
// forever, so the read models make the text storable, not the inputs alone.
func TestReadModelsStoreAnyEventText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sync := f.runDeclarations(t)
	q := projections.NewQueries(f.pool)
	app, unit, auditor := f.actor(t, domain.RoleApplicant), f.actor(t, domain.RoleUnitAdmin), f.actor(t, domain.RoleAuditor)

	// A forecast and its approval written through the commands, which (as
	// before) take any text: the API refuses it now, old events keep it.
	d := details("分布式\x00系统国际研讨会", "Workshop on Distributed\x00Systems", "张\x00明远")
	d.Remarks = "备注\x00"
	res, err := f.app.SubmitForecast(ctx, app, commands.Meta{CorrelationID: "corr\x00id"}, commands.SubmitForecast{Details: d})
	if err != nil {
		t.Fatal(err)
	}
	nul := res.ID
	if _, err := f.app.ApproveAtUnit(ctx, unit, commands.Meta{}, commands.ApproveAtUnit{ForecastID: nul, Comment: "同意\x00"}); err != nil {
		t.Fatal(err)
	}
	// A raw copy of its first event in another stream, with an unpaired
	// surrogate escape, which jsonb refuses.
	events, err := f.store.ReadStream(ctx, "forecast-"+nul.String(), eventstore.Forwards, 1, 1)
	if err != nil || len(events) != 1 {
		t.Fatalf("read the forecast's first event: %v (%d events)", err, len(events))
	}
	raw := uuid.New()
	data := bytes.ReplaceAll(events[0].Data, []byte(nul.String()), []byte(raw.String()))
	data = bytes.Replace(data, []byte(`\u0000`), []byte(`\ud800\u0000`), 1)
	md := events[0].Metadata
	md.CommandID, md.PrevHash = uuid.NewString(), ""
	if _, err := f.store.Append(ctx, "forecast-"+raw.String(), eventstore.NoStream, []eventstore.EventData{{ID: uuid.New(), Type: events[0].Type, Data: data, Metadata: md}}); err != nil {
		t.Fatal(err)
	}
	// A declaration with NUL in its names, content and people.
	c := conference{"计算材料学\x00国际研讨会", "International Workshop on Computational\x00Materials", "计算\x00材料学", "张\x00三", day(time.April, 20), 40}
	x := f.startDeclaration(t, app, c)
	x.submit(app)
	x.do(unit, submitAt, x.d.ApproveAtUnit(unit, "同意\x00", submitAt))
	// Records after them.
	later, err := f.app.SubmitForecast(ctx, app, commands.Meta{}, commands.SubmitForecast{Details: details("后来的系统国际研讨会", "Later Workshop on Systems", "李四")})
	if err != nil {
		t.Fatal(err)
	}
	y := f.startDeclaration(t, app, conference{"后来的材料学国际研讨会", "Later International Workshop on Materials", "后来的主题", "王五", day(time.May, 20), 30})
	y.submit(app)
	y.do(unit, submitAt, y.d.ApproveAtUnit(unit, "同意", submitAt))
	sync()

	fp, err := q.ListForecasts(ctx, auditor, projections.ForecastFilter{Page: 1, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, r := range fp.Items {
		names[r.ID] = r.NameZh + "|" + r.ApplicantName
	}
	for id, want := range map[uuid.UUID]string{nul: "分布式\uFFFD系统国际研讨会|张\uFFFD明远", raw: "分布式\uFFFD系统国际研讨会|张\uFFFD\uFFFD明远", later.ID: "后来的系统国际研讨会|李四"} {
		if got := names[id.String()]; got != want {
			t.Errorf("forecast_list %s: %q; want %q", id, got, want)
		}
	}
	dp, err := q.ListDeclarations(ctx, auditor, projections.DeclarationFilter{Page: 1, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	found := map[uuid.UUID]string{}
	for _, r := range dp.Items {
		found[uuid.MustParse(r.ID)] = r.NameZh + "|" + r.ApplicantName
	}
	if got, want := found[x.id()], "计算材料学\uFFFD国际研讨会|张\uFFFD三"; got != want {
		t.Errorf("declaration_list: %q; want %q", got, want)
	}
	if _, ok := found[y.id()]; !ok {
		t.Errorf("declaration_list misses the declaration after the one with NUL")
	}
	for _, id := range []uuid.UUID{x.id(), y.id()} {
		v, err := q.DeclarationDetail(ctx, auditor, id)
		if err != nil {
			t.Fatalf("declaration_detail %s: %v", id, err)
		}
		if id == x.id() && (v.Form.Content.Theme != "计算\uFFFD材料学" || v.Status != "unit_approved") {
			t.Errorf("declaration_detail: theme %q status %s; want the theme with U+FFFD, unit_approved", v.Form.Content.Theme, v.Status)
		}
	}
	// The applicant was told of each approval.
	in, err := q.Inbox(ctx, app, false, 100)
	if err != nil {
		t.Fatal(err)
	}
	told := map[uuid.UUID]bool{}
	for _, n := range in.Items {
		told[n.RecordID] = true
		if strings.ContainsRune(n.BodyZh+n.TitleZh+n.BodyEn+n.TitleEn, 0) {
			t.Errorf("notification keeps a NUL: %+v", n)
		}
	}
	for _, id := range []uuid.UUID{nul, x.id(), y.id()} {
		if !told[id] {
			t.Errorf("notifications: the applicant was not told of the approval of %s: %+v", id, in.Items)
		}
	}
}
