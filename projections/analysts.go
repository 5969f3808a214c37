package projections

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/unicode/norm"
)

// AnalystGroup is the NOLOGIN role whose members read the rm views and
// nothing else: not the event store, not the generations' schemas, not
// public. Each analyst's login role is a member (econf admin analyst-role).
const AnalystGroup = "econf_analysts"

// roleName is what an analyst's role may be called: a plain lower-case
// identifier, so it needs no quoting in a BI tool's connection settings.
var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// ErrAnalystRole: the name cannot be an analyst's role (bad spelling, a
// reserved or privileged role); nothing was changed.
var ErrAnalystRole = errors.New("not an analyst role")

// SetAnalystRole creates or updates the LOGIN role name with password as a
// member of AnalystGroup, creating the group and its grants when missing:
// USAGE on schema rm, SELECT on its views now and, by default privileges
// and by exposeViews, on views a rebuild creates. It answers whether the
// role was created. The password travels as a SCRAM-SHA-256 verifier, never
// in clear (server logs keep statements).
func SetAnalystRole(ctx context.Context, pool *pgxpool.Pool, name, password string) (created bool, err error) {
	if !roleName.MatchString(name) || strings.HasPrefix(name, "pg_") || name == AnalystGroup {
		return false, fmt.Errorf("%w: %q: a role name is a lower-case letter or _ then up to 62 letters, digits or _, not starting with pg_ and not %s", ErrAnalystRole, name, AnalystGroup)
	}
	verifier, err := scramVerifier(password)
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('econf.analysts'))`); err != nil {
			return err
		}
		var groupLogin *bool
		if err := tx.QueryRow(ctx, `SELECT (SELECT rolcanlogin FROM pg_roles WHERE rolname = $1)`, AnalystGroup).Scan(&groupLogin); err != nil {
			return err
		}
		if groupLogin == nil {
			if _, err := tx.Exec(ctx, `CREATE ROLE `+AnalystGroup+` NOLOGIN`); err != nil {
				return fmt.Errorf("create role %s: %w", AnalystGroup, err)
			}
		} else if *groupLogin {
			return fmt.Errorf("%w: the role %s exists and can log in; econf expects it to be a NOLOGIN group", ErrAnalystRole, AnalystGroup)
		}
		grants := []string{
			`GRANT USAGE ON SCHEMA rm TO ` + AnalystGroup,
			`GRANT SELECT ON ALL TABLES IN SCHEMA rm TO ` + AnalystGroup,
			`ALTER DEFAULT PRIVILEGES IN SCHEMA rm GRANT SELECT ON TABLES TO ` + AnalystGroup,
		}
		for _, g := range grants {
			if _, err := tx.Exec(ctx, g); err != nil {
				return fmt.Errorf("%s: %w", g, err)
			}
		}
		var exists, privileged, self bool
		if err := tx.QueryRow(ctx, `SELECT count(*) > 0, COALESCE(bool_or(rolsuper OR rolcreaterole OR rolcreatedb OR rolreplication OR rolbypassrls), false),
			$1 = current_user FROM pg_roles WHERE rolname = $1`, name).Scan(&exists, &privileged, &self); err != nil {
			return err
		}
		switch {
		case self:
			return fmt.Errorf("%w: %s is the role econf itself connects as", ErrAnalystRole, name)
		case privileged:
			return fmt.Errorf("%w: the role %s exists with privileges beyond reading (superuser, CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS)", ErrAnalystRole, name)
		}
		role := pgx.Identifier{name}.Sanitize()
		if exists {
			var owns bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1)
				OR EXISTS (SELECT FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = $1)`, name).Scan(&owns); err != nil {
				return err
			}
			if owns {
				return fmt.Errorf("%w: the role %s owns tables or schemas of this database", ErrAnalystRole, name)
			}
			if _, err := tx.Exec(ctx, `ALTER ROLE `+role+` LOGIN INHERIT PASSWORD `+quote(verifier)); err != nil {
				return fmt.Errorf("alter role %s: %w", name, err)
			}
		} else if _, err := tx.Exec(ctx, `CREATE ROLE `+role+` LOGIN INHERIT PASSWORD `+quote(verifier)); err != nil {
			return fmt.Errorf("create role %s: %w", name, err)
		}
		created = !exists
		for _, s := range []string{
			`GRANT ` + AnalystGroup + ` TO ` + role,
			// A second fence: whatever a future grant lets through, the
			// analyst's sessions are read-only.
			`ALTER ROLE ` + role + ` SET default_transaction_read_only = on`,
		} {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	return created, err
}

// grantAnalysts lets AnalystGroup read the view rm.<table>, when the group
// exists: a view a rebuild drops and creates again (its columns changed)
// loses its grants, and default privileges only cover views created by the
// role that set them.
func grantAnalysts(ctx context.Context, tx pgx.Tx, table string) error {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT to_regrole($1) IS NOT NULL`, AnalystGroup).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return nil
	}
	if _, err := tx.Exec(ctx, `GRANT SELECT ON rm.`+table+` TO `+AnalystGroup); err != nil {
		return fmt.Errorf("grant rm.%s to %s: %w", table, AnalystGroup, err)
	}
	return nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// scramIterations is PostgreSQL's own default (scram_iterations).
const scramIterations = 4096

// scramVerifier is the SCRAM-SHA-256 verifier PostgreSQL stores for the
// password (RFC 5802, RFC 7677), computed here so the password itself never
// reaches the server. The password is normalised as SASLprep does (NFKC,
// other spaces to U+0020), as libpq and JDBC do before they sign in.
func scramVerifier(password string) (string, error) {
	if password == "" || strings.ContainsRune(password, 0) {
		return "", fmt.Errorf("%w: the password is empty or holds a NUL byte", ErrAnalystRole)
	}
	prepped := norm.NFKC.String(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Zs, r) {
			return ' '
		}
		return r
	}, password))
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	salted, err := pbkdf2.Key(sha256.New, prepped, salt, scramIterations, sha256.Size)
	if err != nil {
		return "", err
	}
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	stored := sha256.Sum256(mac(salted, "Client Key"))
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("SCRAM-SHA-256$%d:%s$%s:%s", scramIterations, b64(salt), b64(stored[:]), b64(mac(salted, "Server Key"))), nil
}
