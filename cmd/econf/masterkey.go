package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/econf/econf/internal/personal"
	"github.com/econf/econf/projections"
)

// masterKeyFile is where a master key is made on a first start without
// ECONF_MASTER_KEY(_FILE): a demo's convenience, beside the database.
// Production keeps the key elsewhere (docs/operations.md, "Personal data").
const masterKeyFile = "master.key"

// masterKeys reads the master keys that wrap the personal data keys:
// ECONF_MASTER_KEY (base64 or hex; several separated by commas, the
// current first, during a rotation) or ECONF_MASTER_KEY_FILE (one a line,
// the current first). With neither, <data>/master.key, made on first use.
func masterKeys(cfg *config, log *slog.Logger) (*personal.Keyring, error) {
	env, file := os.Getenv("ECONF_MASTER_KEY"), os.Getenv("ECONF_MASTER_KEY_FILE")
	switch {
	case env != "" && file != "":
		return nil, usageError("set ECONF_MASTER_KEY or ECONF_MASTER_KEY_FILE, not both")
	case env != "":
		r, err := personal.ParseKeyring(env)
		if err != nil {
			return nil, usageError("ECONF_MASTER_KEY: " + err.Error())
		}
		return r, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("ECONF_MASTER_KEY_FILE: %w", err)
		}
		r, err := personal.ParseKeyring(string(b))
		if err != nil {
			return nil, usageError("ECONF_MASTER_KEY_FILE " + file + ": " + err.Error())
		}
		return r, nil
	}
	path := filepath.Join(cfg.Data, masterKeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
			return nil, err
		}
		if err := makeKeyFile(path); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("master key: %w", err)
		}
		log.Warn("made a master key for personal data beside the database; keep production's elsewhere (ECONF_MASTER_KEY_FILE)", "file", path)
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	r, err := personal.ParseKeyring(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", path, err)
	}
	return r, nil
}

// makeKeyFile writes a new master key into a new file path (0600); a file
// already there (another process made it first) is fs.ErrExist.
func makeKeyFile(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(f, personal.NewMasterKey())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// refreshAfterErasure rebuilds every read model in the background after
// a person's personal data was erased (one refresh at a time; erasures
// during one are taken in by the next).
func (e *env) refreshAfterErasure(ctx context.Context, log *slog.Logger) func(context.Context, uuid.UUID) {
	pending := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-pending:
			}
			start := time.Now()
			if err := projections.Refresh(ctx, e.pool, e.store, projections.All()...); err != nil {
				log.Error("read models not refreshed after an erasure: run econf projections rebuild", "err", err)
				continue
			}
			log.Info("read models refreshed after an erasure", "took", time.Since(start).Round(time.Millisecond))
		}
	}()
	return func(context.Context, uuid.UUID) {
		select {
		case pending <- struct{}{}:
		default: // one is queued already
		}
	}
}
