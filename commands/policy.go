package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/policy"
	"github.com/econf/econf/domain/workday"
	"github.com/econf/econf/eventstore"
)

// PolicyStream holds every published policy, newest last (R-POL-01).
const PolicyStream = "policy-econf"

// PolicyPublished is the event recording a new policy version.
type PolicyPublished struct {
	Policy policy.Policy `json:"policy"`
}

// EventType names the event.
func (PolicyPublished) EventType() string { return "policy.published" }

// Policies reads the policy in force: the last one published, or the
// built-in default before any was.
type Policies struct {
	store eventstore.Store

	// last is the newest publication decoded, by its stored bytes: nearly
	// every command reads the policy in force, and decoding its JSON (the
	// working-day calendar, the funding rules, ...) cost as much CPU as
	// the rest of the command.
	mu   sync.Mutex
	last *decodedPolicy
}

type decodedPolicy struct {
	data   []byte
	policy policy.Policy
}

// Current returns the policy in force. It reads the newest publication
// every time (another process may have published one); only its decoding
// is skipped when the stored bytes are those decoded last. The caller gets
// a copy of its own to change as it likes.
func (p *Policies) Current(ctx context.Context) (policy.Policy, error) {
	events, err := p.store.ReadStream(ctx, PolicyStream, eventstore.Backwards, 0, 1)
	if errors.Is(err, eventstore.ErrStreamNotFound) {
		return policy.Default(), nil
	}
	if err != nil {
		return policy.Policy{}, fmt.Errorf("read policy: %w", err)
	}
	return p.decode(events[0].Data)
}

// decode is the policy data holds, upcast, decoded again only when data
// differs from the last bytes decoded.
func (p *Policies) decode(data []byte) (policy.Policy, error) {
	p.mu.Lock()
	last := p.last
	p.mu.Unlock()
	if last != nil && bytes.Equal(last.data, data) {
		return deepCopy(last.policy), nil
	}
	var e PolicyPublished
	if err := json.Unmarshal(data, &e); err != nil {
		return policy.Policy{}, fmt.Errorf("decode policy: %w", err)
	}
	pol := e.Policy.Upcast()
	p.mu.Lock()
	p.last = &decodedPolicy{data: bytes.Clone(data), policy: deepCopy(pol)}
	p.mu.Unlock()
	return pol, nil
}

// PublishPolicy makes a new policy version the one in force. Only platform
// admins may; the version must be new, so every decision's recorded policy
// version names exactly one set of rules.
func (a *App) PublishPolicy(ctx context.Context, actor domain.Actor, meta Meta, p policy.Policy) (Result, error) {
	if actor.Role != domain.RolePlatformAdmin {
		return Result{}, fmt.Errorf("publish policy: %w", domain.ErrForbidden)
	}
	p.Version = strings.TrimSpace(p.Version)
	// The funding calls are the bureaus' to publish (PublishFundingCall):
	// an admin's policy keeps the calls in force, it neither drops nor
	// forges one.
	// Likewise the working-day calendar is edited a year at a time
	// (SetWorkCalendarYear): a policy read, changed and sent back keeps the
	// calendar in force, whatever its workCalendar says.
	p = p.Upcast()
	p.Funding.Calls = nil
	p.WorkCalendar = workday.Shipped()
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	return a.publishPolicy(ctx, actor, meta, "PublishPolicy", func(current policy.Policy) (policy.Policy, error) {
		p.Funding.Calls = current.Funding.Calls
		p.WorkCalendar = current.WorkCalendar
		return p, nil
	})
}

// publishPolicy appends the policy next makes of the one in force, under
// a version never published before (R-POL-01).
func (a *App) publishPolicy(ctx context.Context, actor domain.Actor, meta Meta, command string,
	next func(current policy.Policy) (policy.Policy, error)) (Result, error) {
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(PolicyStream))
	return a.execute(ctx, actor, meta, command, PolicyStream, id, func(l loaded) (decision, error) {
		seen := map[string]bool{policy.Default().Version: true}
		current := policy.Default()
		for _, e := range l.events {
			var old PolicyPublished
			if err := json.Unmarshal(e.Data, &old); err != nil {
				return decision{}, fmt.Errorf("decode policy #%d: %w", e.Number, err)
			}
			seen[strings.TrimSpace(old.Policy.Version)] = true
			current = old.Policy.Upcast()
		}
		p, err := next(current)
		if err != nil {
			return decision{}, err
		}
		if seen[p.Version] {
			var probs domain.Problems
			probs.Add("version", "R-POL-01", "a policy with this version was already published; choose a new version", "该版本号的政策已发布，请使用新的版本号")
			return decision{}, probs.Err()
		}
		return decision{events: []event{PolicyPublished{Policy: p}}, policy: p.Version}, nil
	})
}
