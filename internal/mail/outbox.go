package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sender delivers one composed message.
type Sender interface {
	Send(ctx context.Context, to string, msg []byte) error
	From() string
}

// DrainerConfig tunes the outbox drainer.
type DrainerConfig struct {
	// Poll is how often an idle drainer looks for due mail (default 1 s).
	Poll time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed mail is tried
	// again; it doubles with every attempt (defaults 5 s and 10 min).
	MinBackoff, MaxBackoff time.Duration
	// Lease is how long a mail in hand is hidden from other drainers; a
	// drainer that dies mid-send leaves it to be retried after this
	// (default 2 min, longer than an SMTP timeout).
	Lease time.Duration
	// MaxAttempts gives up on a mail after this many failures (default 50,
	// days with MaxBackoff); given-up mails stay in the table with their
	// last error.
	MaxAttempts int
}

func (c *DrainerConfig) defaults() {
	if c.Poll == 0 {
		c.Poll = time.Second
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 5 * time.Second
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 10 * time.Minute
	}
	if c.Lease == 0 {
		c.Lease = 2 * time.Minute
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 50
	}
}

// Drainer sends the outbox's due mail. It is a Watermill handler fed by a
// subscriber over the outbox table. No database transaction stays open
// while a mail is sent: a mail is leased in one short statement, sent, then
// marked sent or scheduled again in another, so a slow or absent SMTP
// server never holds back the event store's readers.
type Drainer struct {
	pool   *pgxpool.Pool
	sender Sender
	cfg    DrainerConfig
	log    *slog.Logger
	now    func() time.Time
}

// NewDrainer drains pool's outbox through sender.
func NewDrainer(pool *pgxpool.Pool, sender Sender, cfg DrainerConfig, log *slog.Logger) *Drainer {
	cfg.defaults()
	return &Drainer{pool: pool, sender: sender, cfg: cfg, log: log, now: time.Now}
}

const topic = "mail_outbox"

// Run sends mail until ctx ends.
func (d *Drainer) Run(ctx context.Context) error {
	wlog := watermill.NewSlogLoggerWithLevelMapping(d.log.With("component", "mail"), map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})
	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wlog)
	if err != nil {
		return fmt.Errorf("mail router: %w", err)
	}
	router.AddMiddleware(middleware.Recoverer)
	router.AddConsumerHandler("mail", topic, &outboxSubscriber{d: d}, d.handle)
	if err := router.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("mail router: %w", err)
	}
	return nil
}

// leased is one mail in hand.
type leased struct {
	ID        uuid.UUID         `json:"id"`
	DedupeKey string            `json:"dedupeKey"`
	Template  Template          `json:"template"`
	To        string            `json:"to"`
	Data      map[string]string `json:"data"`
	Attempts  int               `json:"attempts"`
}

// handle composes and sends one mail; an error nacks it, and the
// subscriber schedules the next attempt.
func (d *Drainer) handle(msg *message.Message) error {
	var m leased
	if err := json.Unmarshal(msg.Payload, &m); err != nil {
		return fmt.Errorf("mail %s: %w", msg.UUID, err)
	}
	ctx := msg.Context()
	lang, err := LanguageOf(ctx, d.pool, m.To)
	if err != nil {
		d.noteError(context.WithoutCancel(ctx), m, err, false)
		return err
	}
	r, err := render(m.Template, m.Data, lang)
	if err != nil {
		d.noteError(context.WithoutCancel(ctx), m, err, true) // retrying renders the same
		return err
	}
	if err := d.sender.Send(ctx, m.To, compose(d.sender.From(), m.To, m.DedupeKey, r, d.now())); err != nil {
		d.noteError(context.WithoutCancel(ctx), m, err, Permanent(err))
		return err
	}
	d.log.Info("mail sent", "template", m.Template, "dedupe_key", m.DedupeKey, "attempt", m.Attempts)
	return nil
}

func (d *Drainer) noteError(ctx context.Context, m leased, cause error, permanent bool) {
	giveUp := permanent || m.Attempts >= d.cfg.MaxAttempts
	level := slog.LevelWarn
	if giveUp {
		level = slog.LevelError
	}
	d.log.Log(ctx, level, "mail not sent", "template", m.Template, "dedupe_key", m.DedupeKey, "attempt", m.Attempts, "give_up", giveUp, "err", cause)
	next := d.backoff(m.Attempts)
	if giveUp {
		next = 100 * 365 * 24 * time.Hour // parked: an operator may reset next_attempt_at
	}
	if _, err := d.pool.Exec(ctx, `UPDATE mail_outbox SET last_error = $2, next_attempt_at = now() + $3::interval, leased_until = NULL
		WHERE id = $1 AND sent_at IS NULL`, m.ID, cause.Error(), next.String()); err != nil {
		d.log.Error("record mail failure", "dedupe_key", m.DedupeKey, "err", err)
	}
}

// backoff is the wait after the attempt-th failure.
func (d *Drainer) backoff(attempt int) time.Duration {
	b := d.cfg.MinBackoff
	for i := 1; i < attempt && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.cfg.MaxBackoff)
}

// lease takes the next due mail, hiding it from other drainers for the
// lease time; ok is false when none is due.
func (d *Drainer) lease(ctx context.Context) (leased, bool, error) {
	var m leased
	var data []byte
	err := d.pool.QueryRow(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, leased_until = now() + $1::interval
		WHERE id = (SELECT id FROM mail_outbox
		            WHERE sent_at IS NULL AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())
		            ORDER BY next_attempt_at, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING id, dedupe_key, template, recipient, data, attempts`, d.cfg.Lease.String()).
		Scan(&m.ID, &m.DedupeKey, &m.Template, &m.To, &data, &m.Attempts)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("lease mail: %w", err)
	}
	if err := json.Unmarshal(data, &m.Data); err != nil {
		return m, false, fmt.Errorf("mail %s data: %w", m.DedupeKey, err)
	}
	return m, true, nil
}

// sent marks a mail delivered and forgets its data (a one-time code,
// names); the row stays as the ledger of its dedupe key.
func (d *Drainer) sent(ctx context.Context, id uuid.UUID) error {
	_, err := d.pool.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), leased_until = NULL, last_error = NULL, data = '{}'
		WHERE id = $1`, id)
	return err
}

// outboxSubscriber is a Watermill Subscriber over the outbox: it leases one
// due mail at a time, hands it out, and on ack marks it sent. A nack has
// already been scheduled again by the handler.
type outboxSubscriber struct {
	d *Drainer

	mu      sync.Mutex
	closed  bool
	cancels []context.CancelFunc
	wg      sync.WaitGroup
}

func (s *outboxSubscriber) Subscribe(ctx context.Context, _ string) (<-chan *message.Message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("mail subscriber closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	s.cancels = append(s.cancels, cancel)
	out := make(chan *message.Message)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(out)
		s.pump(ctx, out)
	}()
	return out, nil
}

func (s *outboxSubscriber) pump(ctx context.Context, out chan<- *message.Message) {
	idle := time.NewTimer(0)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
		}
		for ctx.Err() == nil {
			m, ok, err := s.d.lease(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.d.log.Warn("mail outbox", "err", err)
				}
				break
			}
			if !ok {
				break
			}
			payload, _ := json.Marshal(m) // plain struct: cannot fail
			msg := message.NewMessage(m.ID.String(), payload)
			msg.SetContext(ctx)
			select {
			case out <- msg:
			case <-ctx.Done():
				return
			}
			select {
			case <-msg.Acked():
				if err := s.d.sent(context.WithoutCancel(ctx), m.ID); err != nil {
					s.d.log.Error("mark mail sent; it may be sent again after its lease", "dedupe_key", m.DedupeKey, "err", err)
				}
			case <-msg.Nacked():
			case <-ctx.Done():
				return
			}
		}
		idle.Reset(s.d.cfg.Poll)
	}
}

func (s *outboxSubscriber) Close() error {
	s.mu.Lock()
	s.closed = true
	for _, c := range s.cancels {
		c()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}
