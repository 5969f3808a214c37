// Package eventstore owns the event store port: the types every adapter
// speaks (events, metadata, positions), the errors they translate driver
// failures into, and the hash chain that makes a stream tamper-evident.
//
// Adapters live in sub-packages (pgstore for the embedded PostgreSQL default,
// esdbstore for EventStoreDB) and must all pass the exported contract suite in
// eventstore/storetest.
package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Errors every adapter translates its driver's failures into.
var (
	// ErrWrongVersion: the stream is not at the expected version.
	ErrWrongVersion = errors.New("eventstore: wrong expected version")
	// ErrStreamNotFound: the stream has no events.
	ErrStreamNotFound = errors.New("eventstore: stream not found")
	// ErrDuplicateEvent: an event id in the batch already exists elsewhere
	// (not as an exact retry of the same append).
	ErrDuplicateEvent = errors.New("eventstore: duplicate event id")
	// ErrUnavailable: the store cannot be reached; nothing was written.
	ErrUnavailable = errors.New("eventstore: unavailable")
	// ErrStreamDeleted: the stream was deleted in the store by its
	// operator (EventStoreDB's delete or tombstone); econf never deletes.
	ErrStreamDeleted = errors.New("eventstore: stream deleted")
	// ErrAccessDenied: the store refuses the application's credentials,
	// or their rights do not reach the stream: a configuration fault.
	ErrAccessDenied = errors.New("eventstore: access denied")
)

// Version is the number of events in a stream. A new stream has version 0;
// the first event appended to it gets event number 1.
type Version uint64

// NoStream is the expected version of a stream that must not exist yet.
const NoStream Version = 0

// Position is a place in the global ($all) order. PostgreSQL uses one
// number for both parts; EventStoreDB has a commit and a prepare position.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event.
var Start = Position{}

// Less reports whether p comes before q in the global order.
func (p Position) Less(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

// String renders the position as "commit/prepare".
func (p Position) String() string {
	return strconv.FormatUint(p.Commit, 10) + "/" + strconv.FormatUint(p.Prepare, 10)
}

// ParsePosition reads the form String writes; a single number means both parts.
func ParsePosition(s string) (Position, error) {
	c, pr, found := strings.Cut(strings.TrimSpace(s), "/")
	commit, err := strconv.ParseUint(c, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("position %q: want \"commit/prepare\" or a whole number", s)
	}
	if !found {
		return Position{Commit: commit, Prepare: commit}, nil
	}
	prepare, err := strconv.ParseUint(pr, 10, 64)
	if err != nil {
		return Position{}, fmt.Errorf("position %q: want \"commit/prepare\" or a whole number", s)
	}
	return Position{Commit: commit, Prepare: prepare}, nil
}

// Metadata travels with every event. Adapters store it as JSON beside the
// payload and give it back unchanged.
type Metadata struct {
	ActorID       string    `json:"actorId"`
	Role          string    `json:"role"`
	OrgID         string    `json:"orgId,omitempty"`
	Command       string    `json:"command"`
	CommandID     string    `json:"commandId"`
	CorrelationID string    `json:"correlationId"`
	CausationID   string    `json:"causationId,omitempty"`
	RecordedAt    time.Time `json:"recordedAt"`
	PolicyVersion string    `json:"policyVersion,omitempty"`
	SchemaVersion int       `json:"schemaVersion"`
	// PrevHash is the Hash of the stream's previous event ("" for the first):
	// a rewritten event breaks every link after it.
	PrevHash string `json:"prevHash,omitempty"`
	// HashScheme is how this event's own Hash is computed (see Hash): 0 for
	// events written before schemes were numbered, HashStoredBytes since.
	HashScheme int `json:"hashScheme,omitempty"`
	// SimulatedClock: written on a training instance whose clock is
	// simulated (ECONF_CLOCK), so a history tells its decisions apart;
	// RecordedAt is then the simulated time.
	SimulatedClock bool `json:"simulatedClock,omitempty"`
}

// Hash schemes. An event names its own scheme, so a stream written under
// an older one keeps verifying after the code moves on, and its next event
// links to the old event's hash computed the old way.
const (
	// HashMarshalled (0) hashed the metadata as re-marshalled from the
	// decoded struct: adding a field to Metadata would have changed every
	// old hash, so it is computed from a frozen copy of the struct as it
	// was (metadataV0).
	HashMarshalled = 0
	// HashStoredBytes (2) hashes the metadata's bytes exactly as stored.
	HashStoredBytes = 2
	// CurrentHashScheme is the scheme new events are written under.
	CurrentHashScheme = HashStoredBytes
)

// metadataV0 is Metadata as it stood when HashMarshalled was the only
// scheme. Never change it: old hashes depend on its exact marshalling.
type metadataV0 struct {
	ActorID       string    `json:"actorId"`
	Role          string    `json:"role"`
	OrgID         string    `json:"orgId,omitempty"`
	Command       string    `json:"command"`
	CommandID     string    `json:"commandId"`
	CorrelationID string    `json:"correlationId"`
	CausationID   string    `json:"causationId,omitempty"`
	RecordedAt    time.Time `json:"recordedAt"`
	PolicyVersion string    `json:"policyVersion,omitempty"`
	SchemaVersion int       `json:"schemaVersion"`
	PrevHash      string    `json:"prevHash,omitempty"`
}

// EventData is an event to append.
type EventData struct {
	ID       uuid.UUID
	Type     string
	Data     json.RawMessage
	Metadata Metadata
	// RawMetadata, when set, is written as the metadata instead of
	// Metadata marshalled: a copy between stores keeps the bytes its
	// hashes cover.
	RawMetadata json.RawMessage
}

// MetadataBytes is what an adapter stores as the event's metadata.
func (e EventData) MetadataBytes() ([]byte, error) {
	if len(e.RawMetadata) > 0 {
		if !json.Valid(e.RawMetadata) {
			return nil, errors.New("raw metadata is not JSON")
		}
		return e.RawMetadata, nil
	}
	return json.Marshal(e.Metadata)
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID       uuid.UUID
	StreamID string
	// Number is the event's 1-based place in its stream; after reading it the
	// stream is at Version(Number).
	Number   uint64
	Position Position
	Type     string
	Data     json.RawMessage
	Metadata Metadata
	// RawMetadata is the metadata exactly as stored, which Metadata was
	// decoded from. Hashes cover these bytes.
	RawMetadata json.RawMessage
	// Created is when the store wrote the event.
	Created time.Time
	// StoredData, when set, is the payload exactly as stored, and Data
	// what a reading layer made of it (personal fields decrypted or
	// redacted, internal/personal). Hashes and Merkle leaves cover the
	// stored bytes.
	StoredData json.RawMessage
}

// Stored is the payload's bytes as stored: StoredData when a reading
// layer changed Data, else Data.
func (e RecordedEvent) Stored() json.RawMessage {
	if e.StoredData != nil {
		return e.StoredData
	}
	return e.Data
}

// AppendResult tells where an append left the stream.
type AppendResult struct {
	Version  Version
	Position Position // of the last event appended
}

// Direction of a stream read.
type Direction int

const (
	Forwards Direction = iota
	Backwards
)

// Store is the port the application writes and reads events through.
type Store interface {
	// Append writes events to the stream if it is exactly at expected.
	// A stale expected version is ErrWrongVersion. Appending a batch whose
	// event ids are already the stream's events at expected+1.. is a retry:
	// it writes nothing and returns the original result.
	Append(ctx context.Context, stream string, expected Version, events []EventData) (AppendResult, error)
	// ReadStream reads up to limit events (0: all) starting at event number
	// from (inclusive; 0 or 1 means the first event forwards, and 0 means the
	// last event backwards). A stream with no events is ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, dir Direction, from uint64, limit int) ([]RecordedEvent, error)
	// ReadAll reads up to limit events of the application's streams after
	// position from (exclusive), in global order. It never hands out an event
	// while one before it in the global order could still commit.
	ReadAll(ctx context.Context, from Position, limit int) ([]RecordedEvent, error)
	// SubscribeAll calls handle for every event after from (exclusive) in
	// global order, first catching up and then live, until ctx ends or
	// handle returns an error (which it returns). It waits for new events
	// without polling when idle.
	SubscribeAll(ctx context.Context, from Position, handle func(context.Context, RecordedEvent) error) error
	// Ping tells whether the store can be reached.
	Ping(ctx context.Context) error
}

// EventID is the deterministic id of the index-th event a command writes:
// a retried command produces the same ids and so appends nothing twice.
func EventID(commandID uuid.UUID, index int) uuid.UUID {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(index))
	return uuid.NewSHA1(commandID, b[:])
}

// Hash is an event's link in its stream's tamper-evident chain: it covers
// the stream, number, id, type, payload and metadata (which holds the
// previous event's hash), under the scheme the event names. Under
// HashStoredBytes it is computed over the bytes as stored (RawMetadata;
// Metadata marshalled when there are none yet, as when a batch is linked
// before it is written).
func Hash(e RecordedEvent) string {
	var meta []byte
	switch {
	case e.Metadata.HashScheme == HashMarshalled:
		var m metadataV0
		if len(e.RawMetadata) > 0 && json.Unmarshal(e.RawMetadata, &m) == nil {
			meta, _ = json.Marshal(m) // a struct of plain fields cannot fail
		} else {
			meta, _ = json.Marshal(metadataV0{ActorID: e.Metadata.ActorID, Role: e.Metadata.Role, OrgID: e.Metadata.OrgID,
				Command: e.Metadata.Command, CommandID: e.Metadata.CommandID, CorrelationID: e.Metadata.CorrelationID,
				CausationID: e.Metadata.CausationID, RecordedAt: e.Metadata.RecordedAt, PolicyVersion: e.Metadata.PolicyVersion,
				SchemaVersion: e.Metadata.SchemaVersion, PrevHash: e.Metadata.PrevHash})
		}
	default:
		meta = storedMetadata(e)
	}
	return hex.EncodeToString(framed(sha256.New(), e, meta))
}

// storedMetadata is the event's metadata bytes as stored.
func storedMetadata(e RecordedEvent) []byte {
	if len(e.RawMetadata) > 0 {
		return e.RawMetadata
	}
	meta, _ := json.Marshal(e.Metadata) // a struct of plain fields cannot fail
	return meta
}

// framed writes the event's parts into h, each prefixed with its length,
// and returns the sum. The scheme number goes first for HashStoredBytes,
// so no event hashes alike under two schemes.
func framed(h hash.Hash, e RecordedEvent, meta []byte) []byte {
	if e.Metadata.HashScheme != HashMarshalled {
		var v [8]byte
		binary.BigEndian.PutUint64(v[:], uint64(e.Metadata.HashScheme))
		h.Write([]byte("econf-event"))
		h.Write(v[:])
	}
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], e.Number)
	for _, part := range [][]byte{[]byte(e.StreamID), n[:], e.ID[:], []byte(e.Type), e.Stored(), meta} {
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(part)))
		h.Write(l[:])
		h.Write(part)
	}
	return h.Sum(nil)
}

// LeafData is the event as stored, as one byte string: what a Merkle tree
// over $all takes as the event's record. It covers the stored metadata
// bytes under every scheme, and not the position (a restore renumbers
// positions but keeps the order).
func LeafData(e RecordedEvent) []byte {
	var b []byte
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], e.Number)
	for _, part := range [][]byte{[]byte("econf-leaf-1"), []byte(e.StreamID), n[:], e.ID[:], []byte(e.Type), e.Stored(), storedMetadata(e)} {
		b = binary.BigEndian.AppendUint64(b, uint64(len(part)))
		b = append(b, part...)
	}
	return b
}

// VerifyChain checks that each event of one stream, read forwards from its
// first event, names the previous event's hash. It returns the number of the
// first event that breaks the chain, or 0 when the chain holds.
func VerifyChain(events []RecordedEvent) uint64 {
	return VerifyChainFrom(events, "")
}

// VerifyChainFrom is VerifyChain over a part of a stream whose first event
// must name prev.
func VerifyChainFrom(events []RecordedEvent, prev string) uint64 {
	for _, e := range events {
		if e.Metadata.PrevHash != prev {
			return e.Number
		}
		prev = Hash(e)
	}
	return 0
}
