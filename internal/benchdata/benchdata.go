// Package benchdata gives benchmarks their database and generated data. By
// default a benchmark gets a fresh database on a durable PostgreSQL cluster
// (fsync on, as published figures must be) started for it; with
// ECONF_BENCH_FSYNC=off it gets one from pgtest's throwaway cluster (fsync
// off) instead, for quick trials; with DATABASE_URL set it gets a fresh
// database on that server (scripts/perf-baseline points it at the durable
// cluster it compares against). Data sets are generated only when a
// benchmark asks, never in plain "go test".
package benchdata

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/classify"
	"github.com/econf/econf/domain/forecast"
	"github.com/econf/econf/eventstore"
	"github.com/econf/econf/internal/pgcluster"
	"github.com/econf/econf/internal/pgcluster/pgtest"
)

// Durable tells whether New starts a durable cluster of its own. With
// DATABASE_URL set, databases are made on that server instead (through
// pgtest), and its settings decide.
func Durable() bool {
	return os.Getenv("ECONF_BENCH_FSYNC") != "off" && os.Getenv("DATABASE_URL") == ""
}

// DB is a migrated benchmark database.
type DB struct {
	// Pool is what the benchmarked code uses: pgx's defaults but with
	// PoolConns connections, so 16 concurrent writers each have one.
	Pool *pgxpool.Pool
	// Fill loads generated data: synchronous_commit is off on its
	// connections, as the durability of set-up data is not measured.
	Fill *pgxpool.Pool
	// URL connects to the database.
	URL string
}

// PoolConns is the size of DB.Pool.
const PoolConns = 20

// New returns a fresh database that migrate has prepared (dbschema.Up for
// the whole service); tb's cleanup removes it.
func New(tb testing.TB, migrate pgtest.MigrateFunc) *DB {
	tb.Helper()
	ctx := context.Background()
	var url string
	if Durable() {
		c, err := pgcluster.Start(ctx, pgcluster.Options{Durable: true, Log: discard{}})
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = c.Close() })
		if err := c.CreateDatabase(ctx, "bench", ""); err != nil {
			tb.Fatal(err)
		}
		url = c.URL("bench")
	} else {
		url = pgtest.NewDatabaseURL(tb, migrate)
	}
	pool := open(tb, url, nil)
	if Durable() {
		if err := migrate(ctx, pool); err != nil {
			tb.Fatal(err)
		}
	}
	fill := open(tb, url, map[string]string{"synchronous_commit": "off"})
	return &DB{Pool: pool, Fill: fill, URL: url}
}

func open(tb testing.TB, url string, params map[string]string) *pgxpool.Pool {
	tb.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = PoolConns
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// Sizes is the record counts to generate: ECONF_BENCH_SIZES (comma
// separated, e.g. "10000,100000,1000000") or def.
func Sizes(tb testing.TB, def ...int) []int {
	v := os.Getenv("ECONF_BENCH_SIZES")
	if v == "" {
		return def
	}
	var out []int
	for _, s := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			tb.Fatalf("ECONF_BENCH_SIZES: %q is not a positive whole number", s)
		}
		out = append(out, n)
	}
	return out
}

// Org is the organisation tree generated records belong to.
type Org struct {
	Authority  uuid.UUID
	University uuid.UUID
	Units      []uuid.UUID
	Applicants []uuid.UUID
}

// NewOrg has one authority, one university, 40 units and 2,000 applicants.
func NewOrg() Org {
	o := Org{Authority: id("authority", 0), University: id("university", 0)}
	for i := range 40 {
		o.Units = append(o.Units, id("unit", i))
	}
	for i := range 2000 {
		o.Applicants = append(o.Applicants, id("applicant", i))
	}
	return o
}

func id(kind string, i int) uuid.UUID {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:bench:"+kind+":"+strconv.Itoa(i)))
}

// Topics vary the names so keyword searches select a fraction of the rows.
var Topics = []string{"分布式系统", "人工智能", "材料科学", "海洋工程", "量子信息", "生物医学", "数字经济", "智能制造",
	"高能物理", "古典文献", "区域国别", "生态环境", "网络安全", "空间科学", "农业遗传", "临床医学"}

// Surnames and given names make applicant names.
var (
	surnames = []string{"张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴"}
	given    = []string{"明远", "静怡", "立群", "文博", "思源", "海涛", "晓梅", "国强", "雨晴", "建华"}
)

// Details is record i's forecast.
func Details(i int) forecast.Details {
	topic := Topics[i%len(Topics)]
	return forecast.Details{
		Applicant: forecast.Applicant{Name: surnames[i%len(surnames)] + given[(i/10)%len(given)], Title: "教授", Unit: "计算机学院",
			Department: "软件工程系", Mobile: "13800000001", Email: "a@demo-univ.edu.cn"},
		NameZh:    fmt.Sprintf("2027年%s国际研讨会（%d）", topic, i),
		NameEn:    fmt.Sprintf("2027 International Workshop no. %d", i),
		StartDate: domain.Date{Year: 2027, Month: time.Month(1 + i%12), Day: 1 + i%28}, CommitmentDate: domain.Date{Year: 2027, Month: 1, Day: 15},
		Local: true, Province: "湖北省", Address: "武汉市示范路1号",
		Type: classify.NaturalScience, Scale: classify.General, ChineseCount: 100 + i%50, ForeignCount: 40,
		Organisations: []forecast.Organisation{{Role: forecast.Host, NameZh: "示范大学", NameEn: "Demo University"}},
		FundingSource: "自筹",
	}
}

// RecordID is record i's forecast id.
func RecordID(i int) uuid.UUID { return id("forecast", i) }

// Stream is record i's stream.
func Stream(i int) string { return "forecast-" + RecordID(i).String() }

// EventsPerRecord is how many events ForecastEvents writes.
const EventsPerRecord = 6

// ForecastEvents is record i's life: submitted, approved by the unit,
// rejected by the school, revised, approved by the unit again, approved by
// the school.
func ForecastEvents(o Org, i int) []eventstore.EventData {
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, domain.Shanghai).Add(time.Duration(i) * time.Second)
	d := Details(i)
	unit := o.Units[i%len(o.Units)]
	evs := []forecast.Event{
		forecast.Submitted{ForecastID: RecordID(i), ApplicantID: o.Applicants[i%len(o.Applicants)], UnitID: unit, UniversityID: o.University,
			AuthorityID: o.Authority, PlanYear: 2027, Details: d, Computed: classify.General, At: at},
		forecast.ApprovedAtUnit{Comment: "同意推荐", At: at.Add(time.Hour)},
		forecast.Rejected{Stage: forecast.StatusUnitApproved, Reason: "请补充外方合作单位", At: at.Add(2 * time.Hour)},
		forecast.Revised{Details: d, Computed: classify.General, At: at.Add(3 * time.Hour)},
		forecast.ApprovedAtUnit{At: at.Add(4 * time.Hour)},
		forecast.ApprovedAtSchool{Comment: "同意上报", At: at.Add(5 * time.Hour)},
	}
	out := make([]eventstore.EventData, len(evs))
	for k, e := range evs {
		b, err := json.Marshal(e)
		if err != nil {
			panic(err) // plain structs
		}
		out[k] = eventstore.EventData{ID: eventstore.EventID(RecordID(i), k), Type: e.EventType(), Data: b,
			Metadata: Metadata(at.Add(time.Duration(k) * time.Hour))}
	}
	return out
}

// Metadata is plausible event metadata recorded at at.
func Metadata(at time.Time) eventstore.Metadata {
	return eventstore.Metadata{ActorID: id("actor", 0).String(), Role: string(domain.RoleUnitAdmin), Command: "bench",
		CommandID: uuid.NewString(), CorrelationID: "bench", RecordedAt: at, PolicyVersion: "bench", SchemaVersion: 1}
}

// FillEvents appends records [from, to) through store, each record's
// events in one append, with writers appending concurrently.
func FillEvents(ctx context.Context, store eventstore.Store, o Org, from, to, writers int) error {
	var next = make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range max(writers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if _, err := store.Append(ctx, Stream(i), eventstore.NoStream, ForecastEvents(o, i)); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}
