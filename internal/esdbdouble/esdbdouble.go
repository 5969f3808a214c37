// Package esdbdouble is a TEST DOUBLE of EventStoreDB, not EventStoreDB: an
// in-memory gRPC server built on the Streams service interfaces that
// EventStore-Client-Go generates, so the real client talks to it over a
// real socket. It exists so CI, where EventStoreDB cannot run, can drive
// eventstore/esdbstore through the contract suite and the end-to-end tests.
//
// It implements only what esdbstore uses:
//   - Append with expected-revision checks (revision, no stream, any, stream
//     exists) and EventStoreDB's idempotent re-append of the same event ids
//     at the same expected revision;
//   - stream reads forwards and backwards (answering only Event or
//     StreamNotFound, as the client panics on anything else);
//   - $all reads forwards and backwards (inclusive of the start position);
//   - catch-up-then-live $all subscriptions (exclusive of the start
//     position) with stream-name or event-type filters by prefix or regex,
//     CaughtUp and Checkpoint messages.
//
// It does not model: persistence, clustering, gossip, leader election,
// server features, stream metadata, deletes and tombstones, link events and
// projections, persistent subscriptions, BatchAppend, ACLs beyond one set of
// basic credentials, scavenging, log positions as byte offsets of a real
// transaction file, or EventStoreDB's exact errors beyond wrong expected
// version, stream not found and unauthenticated.
//
// CutConnections closes every client connection (subscriptions drop and the
// client reconnects); Stop and Restart take the server away and bring it
// back on the same address with its events kept; OpenConnections counts
// the client connections held open. For the adapter's error paths,
// TombstoneStream makes a stream deleted (reads and appends answer
// EventStoreDB's stream-deleted exception), DenyStream makes the credentials
// lack access to a stream (PermissionDenied), and WriteSystemEvent writes
// an event of EventStoreDB's own.
package esdbdouble

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Options configure a double.
type Options struct {
	// TLS serves over TLS with a fresh self-signed certificate; CAFile
	// names the PEM file a client must trust.
	TLS bool
	// Username and Password, when set, are required on every call as
	// basic credentials (which the client sends only over TLS).
	Username, Password string
}

// record is one stored event.
type record struct {
	id          uuid.UUID
	stream      string
	revision    uint64
	commit      uint64
	prepare     uint64
	eventType   string
	contentType string
	created     int64 // .NET ticks (100 ns) since the Unix epoch, as EventStoreDB sends
	data        []byte
	meta        []byte
}

func (r *record) after(commit, prepare uint64) bool {
	return r.commit > commit || (r.commit == commit && r.prepare > prepare)
}

// Double is the in-memory EventStoreDB stand-in.
type Double struct {
	api.UnimplementedStreamsServer
	opts   Options
	CAFile string // with Options.TLS: the certificate to trust

	mu      sync.Mutex
	all     []*record
	streams map[string][]*record
	deleted map[string]bool // tombstoned streams
	denied  map[string]bool // streams the credentials may not touch
	next    uint64          // the next log position
	changed chan struct{}   // closed and replaced on every append

	serveMu sync.Mutex
	addr    string
	cert    *tls.Certificate
	srv     *grpc.Server
	lis     *trackingListener
}

// Start runs a double on a free loopback port. It holds one system event
// ($-prefixed stream and type), as every EventStoreDB does, so filters are
// exercised from the first read.
func Start(opts Options) (*Double, error) {
	d := &Double{opts: opts, streams: map[string][]*record{}, deleted: map[string]bool{}, denied: map[string]bool{}, next: 1 << 10, changed: make(chan struct{})}
	d.write("$stats-double", []*api.AppendReq_ProposedMessage{{
		Id:       protoUUID(uuid.New()),
		Metadata: map[string]string{"type": "$statsCollected", "content-type": "application/json"},
		Data:     []byte(`{}`),
	}})
	if opts.TLS {
		cert, caFile, err := selfSigned()
		if err != nil {
			return nil, err
		}
		d.cert, d.CAFile = cert, caFile
	}
	if err := d.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return d, nil
}

// Addr is the host:port the double serves on.
func (d *Double) Addr() string {
	d.serveMu.Lock()
	defer d.serveMu.Unlock()
	return d.addr
}

// URL is a connection string for the double, with the credentials and
// certificate when it has them.
func (d *Double) URL() string {
	u := url.URL{Scheme: "esdb", Host: d.Addr()}
	q := url.Values{}
	if d.opts.TLS {
		q.Set("tls", "true")
		q.Set("tlsCAFile", d.CAFile)
	} else {
		q.Set("tls", "false")
	}
	if d.opts.Username != "" {
		u.User = url.UserPassword(d.opts.Username, d.opts.Password)
	}
	// Fail fast while the double is stopped: a few quick discovery rounds.
	q.Set("maxDiscoverAttempts", "3")
	q.Set("discoveryInterval", "50")
	u.RawQuery = q.Encode()
	return u.String()
}

func (d *Double) listen(addr string) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("esdbdouble: listen: %w", err)
	}
	opts := []grpc.ServerOption{
		// The client pings every 10 s even without calls; the default
		// policy (5 min) would answer with GOAWAY too_many_pings.
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}),
		grpc.UnaryInterceptor(d.authUnary),
		grpc.StreamInterceptor(d.authStream),
	}
	if d.cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewServerTLSFromCert(d.cert)))
	}
	srv := grpc.NewServer(opts...)
	api.RegisterStreamsServer(srv, d)
	tl := &trackingListener{Listener: lis, conns: map[net.Conn]struct{}{}}
	d.serveMu.Lock()
	d.addr, d.srv, d.lis = lis.Addr().String(), srv, tl
	d.serveMu.Unlock()
	go srv.Serve(tl) //nolint:errcheck // ends with Stop
	return nil
}

// Stop takes the server away (every connection is closed and new ones are
// refused); the events are kept for Restart.
func (d *Double) Stop() {
	d.serveMu.Lock()
	srv := d.srv
	d.srv = nil
	d.serveMu.Unlock()
	if srv != nil {
		srv.Stop()
	}
}

// Restart serves again on the address the double had.
func (d *Double) Restart() error {
	d.Stop()
	var err error
	for range 50 { // the port may take a moment to be free again
		if err = d.listen(d.Addr()); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// Close stops the double and removes its certificate file.
func (d *Double) Close() {
	d.Stop()
	if d.CAFile != "" {
		os.RemoveAll(filepath.Dir(d.CAFile))
	}
}

// CutConnections closes every open client connection, as a network fault
// would; it returns how many it closed. The server keeps accepting.
func (d *Double) CutConnections() int {
	d.serveMu.Lock()
	tl := d.lis
	d.serveMu.Unlock()
	if tl == nil {
		return 0
	}
	return tl.closeAll()
}

// EventCount is how many events the double holds, system events excluded.
func (d *Double) EventCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, r := range d.all {
		if !strings.HasPrefix(r.stream, "$") {
			n++
		}
	}
	return n
}

// OpenConnections counts the client connections the double holds open.
func (d *Double) OpenConnections() int {
	d.serveMu.Lock()
	l := d.lis
	d.serveMu.Unlock()
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// WriteSystemEvent writes an event of EventStoreDB's own kind (a $-type)
// to a stream, as the server does for a tombstone ($streamDeleted) or
// stream metadata ($metadata in $$stream).
func (d *Double) WriteSystemEvent(stream, eventType string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.write(stream, []*api.AppendReq_ProposedMessage{{
		Id:       protoUUID(uuid.New()),
		Metadata: map[string]string{"type": eventType, "content-type": "application/json"},
		Data:     []byte(`{}`),
	}})
}

// TombstoneStream deletes a stream for good, as EventStoreDB's tombstone does:
// its $streamDeleted event goes to $all, and reads and appends of the
// stream fail with the stream-deleted exception.
func (d *Double) TombstoneStream(stream string) {
	d.WriteSystemEvent(stream, "$streamDeleted")
	d.mu.Lock()
	d.deleted[stream] = true
	d.mu.Unlock()
}

// DenyStream makes the stream out of the credentials' reach (an ACL).
func (d *Double) DenyStream(stream string) {
	d.mu.Lock()
	d.denied[stream] = true
	d.mu.Unlock()
}

// refused is the error EventStoreDB gives for a deleted or denied stream.
// Called with mu held.
func (d *Double) refused(stream string) error {
	switch {
	case d.denied[stream]:
		return status.Error(codes.PermissionDenied, "Access denied")
	case d.deleted[stream]:
		return deletedError{stream: stream}
	}
	return nil
}

// deletedError is a deleted stream's refusal; refuse sends the trailers
// that tell the client (exception: stream-deleted, stream-name).
type deletedError struct{ stream string }

func (e deletedError) Error() string { return fmt.Sprintf("Event stream '%s' is deleted.", e.stream) }

func (e deletedError) GRPCStatus() *status.Status {
	return status.New(codes.FailedPrecondition, e.Error())
}

// refuse answers a call on a deleted or denied stream.
func refuse(srv grpc.ServerStream, err error) error {
	var de deletedError
	if errors.As(err, &de) {
		srv.SetTrailer(metadata.Pairs("exception", "stream-deleted", "stream-name", de.stream))
	}
	return err
}

// trackingListener remembers accepted connections so they can be cut.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

func (l *trackingListener) closeAll() int {
	l.mu.Lock()
	conns := make([]net.Conn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	return len(conns)
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}

// authorised checks the basic credentials when the double requires them.
func (d *Double) authorised(ctx context.Context) error {
	if d.opts.Username == "" {
		return nil
	}
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte(d.opts.Username+":"+d.opts.Password))
	md, _ := metadata.FromIncomingContext(ctx)
	for _, got := range md.Get("authorization") {
		if got == want {
			return nil
		}
	}
	return status.Error(codes.Unauthenticated, "Bad HTTP status code: Unauthorized")
}

func (d *Double) authUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := d.authorised(ctx); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (d *Double) authStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := d.authorised(ss.Context()); err != nil {
		return err
	}
	return handler(srv, ss)
}

// Append implements the Streams service's Append.
func (d *Double) Append(srv api.Streams_AppendServer) error {
	first, err := srv.Recv()
	if err != nil {
		return err
	}
	opts := first.GetOptions()
	if opts == nil {
		return status.Error(codes.InvalidArgument, "append: the first message must be the options")
	}
	var proposed []*api.AppendReq_ProposedMessage
	for {
		msg, err := srv.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if msg.GetProposedMessage() == nil {
			return status.Error(codes.InvalidArgument, "append: options sent twice")
		}
		proposed = append(proposed, msg.GetProposedMessage())
	}
	resp, err := d.appendBatch(string(opts.GetStreamIdentifier().GetStreamName()), opts, proposed)
	if err != nil {
		return refuse(srv, err)
	}
	return srv.SendAndClose(resp)
}

func (d *Double) appendBatch(stream string, opts *api.AppendReq_Options, proposed []*api.AppendReq_ProposedMessage) (*api.AppendResp, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.refused(stream); err != nil {
		return nil, err
	}
	events := d.streams[stream]
	current := int64(len(events)) - 1 // -1: no stream
	var expected int64
	check := true
	wrong := &api.AppendResp_WrongExpectedVersion{}
	switch e := opts.GetExpectedStreamRevision().(type) {
	case *api.AppendReq_Options_Revision:
		expected = int64(e.Revision)
		wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: e.Revision}
	case *api.AppendReq_Options_NoStream:
		expected = -1
		wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
	case *api.AppendReq_Options_StreamExists:
		check = false
		if current < 0 {
			wrong.ExpectedRevisionOption = &api.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
			return wrongVersion(wrong, current), nil
		}
	default: // any
		check = false
	}
	if check && expected != current {
		// EventStoreDB's idempotency: the same ids already written right
		// after the expected revision succeed without writing again.
		if last, ok := idempotent(events, expected, proposed); ok {
			return success(last), nil
		}
		return wrongVersion(wrong, current), nil
	}
	if len(proposed) == 0 {
		ok := &api.AppendResp_Success{PositionOption: &api.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}}
		if current < 0 {
			ok.CurrentRevisionOption = &api.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
		} else {
			ok.CurrentRevisionOption = &api.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(current)}
		}
		return &api.AppendResp{Result: &api.AppendResp_Success_{Success: ok}}, nil
	}
	return success(d.write(stream, proposed)), nil
}

// write stores a batch as one transaction: distinct prepare positions and
// one commit position after them all. Called with mu held.
func (d *Double) write(stream string, proposed []*api.AppendReq_ProposedMessage) []*record {
	created := time.Now().UnixNano() / 100
	out := make([]*record, len(proposed))
	for i, p := range proposed {
		out[i] = &record{
			id:          fromProtoUUID(p.GetId()),
			stream:      stream,
			revision:    uint64(len(d.streams[stream])),
			prepare:     d.next,
			eventType:   p.GetMetadata()["type"],
			contentType: p.GetMetadata()["content-type"],
			created:     created,
			data:        p.GetData(),
			meta:        p.GetCustomMetadata(),
		}
		d.next += 64 + uint64(len(p.GetData())+len(p.GetCustomMetadata()))
		d.streams[stream] = append(d.streams[stream], out[i])
	}
	commit := d.next
	d.next += 32
	for _, r := range out {
		r.commit = commit
	}
	d.all = append(d.all, out...)
	close(d.changed)
	d.changed = make(chan struct{})
	return out
}

func idempotent(events []*record, expected int64, proposed []*api.AppendReq_ProposedMessage) ([]*record, bool) {
	from := expected + 1
	if from < 0 || from+int64(len(proposed)) > int64(len(events)) || len(proposed) == 0 {
		return nil, false
	}
	stored := events[from : from+int64(len(proposed))]
	for i, p := range proposed {
		if stored[i].id != fromProtoUUID(p.GetId()) {
			return nil, false
		}
	}
	return stored, true
}

// success reports a write as EventStoreDB does: the stream's revision and
// the transaction's position (its commit, and its first prepare).
func success(batch []*record) *api.AppendResp {
	last := batch[len(batch)-1]
	return &api.AppendResp{Result: &api.AppendResp_Success_{Success: &api.AppendResp_Success{
		CurrentRevisionOption: &api.AppendResp_Success_CurrentRevision{CurrentRevision: last.revision},
		PositionOption: &api.AppendResp_Success_Position{Position: &api.AppendResp_Position{
			CommitPosition: last.commit, PreparePosition: batch[0].prepare,
		}},
	}}}
}

func wrongVersion(w *api.AppendResp_WrongExpectedVersion, current int64) *api.AppendResp {
	if current < 0 {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
	} else {
		w.CurrentRevisionOption = &api.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(current)}
	}
	return &api.AppendResp{Result: &api.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: w}}
}

// Read implements the Streams service's Read: stream reads, $all reads and
// $all subscriptions.
func (d *Double) Read(req *api.ReadReq, srv api.Streams_ReadServer) error {
	o := req.GetOptions()
	match, err := filterOf(o.GetFilter())
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	structured := o.GetUuidOption().GetString_() == nil
	switch {
	case o.GetSubscription() != nil:
		if o.GetAll() == nil {
			return status.Error(codes.Unimplemented, "esdbdouble: only $all subscriptions are modelled")
		}
		return d.subscribe(srv, o.GetAll(), match, structured)
	case o.GetStream() != nil:
		return d.readStream(srv, o, structured)
	case o.GetAll() != nil:
		return d.readAll(srv, o, match, structured)
	}
	return status.Error(codes.InvalidArgument, "read: no stream option")
}

func (d *Double) readStream(srv api.Streams_ReadServer, o *api.ReadReq_Options, structured bool) error {
	so := o.GetStream()
	name := string(so.GetStreamIdentifier().GetStreamName())
	d.mu.Lock()
	events := d.streams[name]
	err := d.refused(name)
	d.mu.Unlock()
	if err != nil {
		return refuse(srv, err)
	}
	if len(events) == 0 {
		return srv.Send(&api.ReadResp{Content: &api.ReadResp_StreamNotFound_{StreamNotFound: &api.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
		}}})
	}
	count := o.GetCount()
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	var out []*record
	switch rev := so.GetRevisionOption().(type) {
	case *api.ReadReq_Options_StreamOptions_Revision:
		if backwards {
			for i := min(rev.Revision, uint64(len(events)-1)) + 1; i > 0; i-- {
				out = append(out, events[i-1])
			}
		} else if rev.Revision < uint64(len(events)) {
			out = events[rev.Revision:]
		}
	case *api.ReadReq_Options_StreamOptions_End:
		if backwards {
			for i := len(events); i > 0; i-- {
				out = append(out, events[i-1])
			}
		}
	default: // start
		if !backwards {
			out = events
		} else {
			out = events[:1]
		}
	}
	return send(srv, out, count, nil, structured)
}

func (d *Double) readAll(srv api.Streams_ReadServer, o *api.ReadReq_Options, match func(*record) bool, structured bool) error {
	d.mu.Lock()
	all := d.all
	d.mu.Unlock()
	backwards := o.GetReadDirection() == api.ReadReq_Options_Backwards
	var out []*record
	switch p := o.GetAll().GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		c, pr := p.Position.GetCommitPosition(), p.Position.GetPreparePosition()
		for i, r := range all {
			if backwards {
				if !r.after(c, pr) && !(r.commit == c && r.prepare == pr) {
					out = append(out, all[i])
				}
			} else if r.after(c, pr) || (r.commit == c && r.prepare == pr) { // inclusive
				out = append(out, r)
			}
		}
		if backwards {
			reverse(out)
		}
	case *api.ReadReq_Options_AllOptions_End:
		if backwards {
			out = append(out, all...)
			reverse(out)
		}
	default: // start
		if !backwards {
			out = all
		}
	}
	return send(srv, out, o.GetCount(), match, structured)
}

func reverse(rs []*record) {
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
}

func send(srv api.Streams_ReadServer, events []*record, count uint64, match func(*record) bool, structured bool) error {
	var sent uint64
	for _, r := range events {
		if sent >= count {
			break
		}
		if match != nil && !match(r) {
			continue
		}
		if err := srv.Send(eventResp(r, structured)); err != nil {
			return err
		}
		sent++
	}
	return nil
}

// subscribe catches up from the start position (exclusive), then sends
// every new matching event as it is written, until the client goes.
func (d *Double) subscribe(srv api.Streams_ReadServer, from *api.ReadReq_Options_AllOptions, match func(*record) bool, structured bool) error {
	if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_Confirmation{Confirmation: &api.ReadResp_SubscriptionConfirmation{
		SubscriptionId: uuid.NewString(),
	}}}); err != nil {
		return err
	}
	d.mu.Lock()
	cursor := 0 // index into all of the next event to look at
	switch p := from.GetAllOption().(type) {
	case *api.ReadReq_Options_AllOptions_Position:
		c, pr := p.Position.GetCommitPosition(), p.Position.GetPreparePosition()
		for cursor < len(d.all) && !d.all[cursor].after(c, pr) {
			cursor++
		}
	case *api.ReadReq_Options_AllOptions_End:
		cursor = len(d.all)
	}
	d.mu.Unlock()
	caughtUp := false
	for {
		d.mu.Lock()
		batch := d.all[cursor:]
		changed := d.changed
		d.mu.Unlock()
		cursor += len(batch)
		for _, r := range batch {
			if match != nil && !match(r) {
				continue
			}
			if err := srv.Send(eventResp(r, structured)); err != nil {
				return err
			}
		}
		if len(batch) > 0 && match != nil {
			last := batch[len(batch)-1]
			if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_Checkpoint_{Checkpoint: &api.ReadResp_Checkpoint{
				CommitPosition: last.commit, PreparePosition: last.prepare,
			}}}); err != nil {
				return err
			}
		}
		if !caughtUp {
			caughtUp = true
			if err := srv.Send(&api.ReadResp{Content: &api.ReadResp_CaughtUp_{CaughtUp: &api.ReadResp_CaughtUp{}}}); err != nil {
				return err
			}
		}
		select {
		case <-srv.Context().Done():
			return srv.Context().Err()
		case <-changed:
		}
	}
}

// filterOf turns a read's filter into a predicate (nil: everything).
func filterOf(f *api.ReadReq_Options_FilterOptions) (func(*record) bool, error) {
	if f == nil {
		return nil, nil
	}
	var expr *api.ReadReq_Options_FilterOptions_Expression
	var field func(*record) string
	switch {
	case f.GetStreamIdentifier() != nil:
		expr, field = f.GetStreamIdentifier(), func(r *record) string { return r.stream }
	case f.GetEventType() != nil:
		expr, field = f.GetEventType(), func(r *record) string { return r.eventType }
	default:
		return nil, errors.New("filter without an expression")
	}
	if re := expr.GetRegex(); re != "" {
		rx, err := regexp.Compile(re)
		if err != nil {
			return nil, err
		}
		return func(r *record) bool { return rx.MatchString(field(r)) }, nil
	}
	prefixes := expr.GetPrefix()
	return func(r *record) bool {
		for _, p := range prefixes {
			if strings.HasPrefix(field(r), p) {
				return true
			}
		}
		return false
	}, nil
}

func eventResp(r *record, structured bool) *api.ReadResp {
	id := protoUUID(r.id)
	if !structured {
		id = &shared.UUID{Value: &shared.UUID_String_{String_: r.id.String()}}
	}
	return &api.ReadResp{Content: &api.ReadResp_Event{Event: &api.ReadResp_ReadEvent{
		Event: &api.ReadResp_ReadEvent_RecordedEvent{
			Id:               id,
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.prepare,
			CommitPosition:   r.commit,
			Metadata: map[string]string{
				"type":         r.eventType,
				"content-type": r.contentType,
				"created":      fmt.Sprint(r.created),
			},
			CustomMetadata: r.meta,
			Data:           r.data,
		},
		Position: &api.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.commit},
	}}}
}

func protoUUID(id uuid.UUID) *shared.UUID {
	var most, least int64
	for i := range 8 {
		most = most<<8 | int64(id[i])
		least = least<<8 | int64(id[8+i])
	}
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits: most, LeastSignificantBits: least,
	}}}
}

func fromProtoUUID(u *shared.UUID) uuid.UUID {
	if s := u.GetStructured(); s != nil {
		var id uuid.UUID
		most, least := uint64(s.GetMostSignificantBits()), uint64(s.GetLeastSignificantBits())
		for i := range 8 {
			id[7-i] = byte(most >> (8 * i))
			id[15-i] = byte(least >> (8 * i))
		}
		return id
	}
	id, _ := uuid.Parse(u.GetString_())
	return id
}

// selfSigned makes a certificate for 127.0.0.1 and localhost and writes it
// to a fresh temporary folder.
func selfSigned() (*tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, "", err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "esdbdouble"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "esdbdouble-")
	if err != nil {
		return nil, "", err
	}
	file := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, "", err
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, file, nil
}
