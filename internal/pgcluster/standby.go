package pgcluster

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
)

// BaseBackup copies the running cluster into dir (which must not exist or
// be empty) with pg_basebackup -R: the copy, started with Start{Dir: dir},
// is a hot standby that streams the WAL from this cluster and answers
// read-only queries. The cluster needs wal_level replica or higher (the
// default) and a pg_hba entry for replication from 127.0.0.1 (initdb's
// default, trusted in a test cluster). Running as root, pg_basebackup runs as
// the postgres user, who then owns the copy, as Start wants.
func (c *Cluster) BaseBackup(ctx context.Context, dir string) error {
	account, err := account()
	if err != nil {
		return err
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return fmt.Errorf("pgcluster: base backup: %w", err)
	}
	if err := prepareDir(dir, account); err != nil {
		return err
	}
	args := []string{"-D", dir, "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", Superuser,
		"-R", "--checkpoint=fast", "--wal-method=stream", "--no-sync"}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, "pg_basebackup"), args...)
	cmd.Env = childEnv()
	if c.password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+c.password)
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = sysProcAttr(account, false)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pgcluster: pg_basebackup into %s: %w\n%s", dir, err, lastLines(out.String(), 20))
	}
	return nil
}
