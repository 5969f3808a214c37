package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/uuid"
	"golang.org/x/term"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/domain"
	"github.com/econf/econf/domain/account"
	"github.com/econf/econf/internal/auth"
	"github.com/econf/econf/projections"
)

// operator is the actor of operator commands: a platform administrator that
// is no account, named as such in every event it records.
var operator = domain.Actor{UserID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("econf:operator")), Name: "operator (econf admin)", Role: domain.RolePlatformAdmin}

func cmdAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "create":
		return cmdAdminCreate(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "analyst-role":
		return cmdAdminAnalystRole(ctx, args[1:], stdout, stderr)
	}
	return groupHelp("admin", args, stdout)
}

// cmdAdminAnalystRole creates or updates a PostgreSQL login role that reads
// the read models' rm views and nothing else (docs/read-models.md): for a
// BI tool or an analyst's SQL client.
func cmdAdminAnalystRole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var name, pwFile string
	cfg, _, err := parseFlagsWith("admin analyst-role", args, stderr, func(fs flagSet) {
		fs.StringVar(&name, "name", "", "the PostgreSQL role to create or update (lower-case letters, digits, _)")
		fs.StringVar(&pwFile, "password-file", "", "read the role's password from this file's first line; without it, asked on the terminal")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) > 0 {
		return usageError("econf admin analyst-role: no arguments expected, got " + cfg.args[0])
	}
	if name = strings.TrimSpace(name); name == "" {
		return usageError("econf admin analyst-role: --name is required")
	}
	password, err := readPassword(pwFile, stderr)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword("password", password, name); err != nil {
		return err
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	created, err := projections.SetAnalystRole(ctx, e.pool, name, password)
	if errors.Is(err, projections.ErrAnalystRole) {
		return usageError("econf admin analyst-role: " + err.Error() + "; nothing changed")
	}
	if err != nil {
		return err
	}
	what := "updated (new password)"
	if created {
		what = "created"
	}
	fmt.Fprintf(stdout, "analyst role %s %s: it reads the views of schema rm, nothing else (member of %s); see docs/read-models.md\n", name, what, projections.AnalystGroup)
	return nil
}

// cmdAdminCreate creates a platform administrator who can sign in at once:
// the first account of an installation without the demo. Its organisation
// is an existing one (--org) or a new top-level authority (--org-name).
func cmdAdminCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var email, name, pwFile, orgID, orgName, orgNameEn string
	cfg, _, err := parseFlagsWith("admin create", args, stderr, func(fs flagSet) {
		fs.StringVar(&email, "email", "", "the administrator's email (the login)")
		fs.StringVar(&name, "name", "", "the administrator's name")
		fs.StringVar(&pwFile, "password-file", "", "read the password from this file's first line; without it, asked on the terminal")
		fs.StringVar(&orgID, "org", "", "id of the existing organisation the administrator belongs to")
		fs.StringVar(&orgName, "org-name", "", "without --org: create a top-level authority (上级主管部门) of this Chinese name for the administrator")
		fs.StringVar(&orgNameEn, "org-name-en", "", "with --org-name: its English name")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) > 0 {
		return usageError("econf admin create: no arguments expected, got " + cfg.args[0])
	}
	email, name = strings.TrimSpace(email), strings.TrimSpace(name)
	if email == "" || name == "" {
		return usageError("econf admin create: --email and --name are required")
	}
	if !domain.ValidEmail(account.NormalizeEmail(email)) {
		return usageError(fmt.Sprintf("econf admin create: --email %q is not an email address (R-ACT-03)", email))
	}
	var org uuid.UUID
	switch {
	case orgID != "" && orgName != "":
		return usageError("econf admin create: give --org or --org-name, not both")
	case orgID != "":
		if org, err = uuid.Parse(orgID); err != nil {
			return usageError(fmt.Sprintf("econf admin create: --org %q is not an organisation id", orgID))
		}
	case orgName == "":
		return usageError("econf admin create: give --org ID of an existing organisation, or --org-name to create a top-level authority for the administrator")
	}
	password, err := readPassword(pwFile, stderr)
	if err != nil {
		return err
	}
	// The password rule (R-AUTH-01) before anything is written.
	if err := auth.CheckPassword("password", password, email, name); err != nil {
		return err
	}

	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	exists, err := e.app.AccountExists(ctx, email)
	if err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("an account with the email %s exists already (R-ACT-03); nothing created", email)
	}
	if org == uuid.Nil {
		res, err := e.app.CreateOrganisation(ctx, operator, commands.Meta{}, commands.CreateOrganisation{Kind: "authority", NameZh: orgName, NameEn: orgNameEn})
		if err != nil {
			return fmt.Errorf("organisation %s: %w", orgName, err)
		}
		org = res.ID
		fmt.Fprintf(stdout, "organisation %s created: %s (authority)\n", orgName, org)
	}
	res, err := e.app.CreateUser(ctx, operator, commands.Meta{}, commands.CreateUser{Email: email, Name: name, Role: domain.RolePlatformAdmin, OrgID: org, Password: password})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "platform administrator %s created: %s; sign in with POST /api/v1/auth/login\n", email, res.ID)
	return nil
}

// readPassword reads the password from the file's first line, or asks for
// it twice on a terminal without echo. Nothing else is a password source:
// a flag would show it in the process list and the shell's history.
func readPassword(file string, prompt io.Writer) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		pw := strings.TrimSuffix(string(line), "\r")
		if pw == "" {
			return "", usageError("--password-file: the first line is empty")
		}
		return pw, nil
	}
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		return "", usageError("no terminal to ask for the password on; give --password-file")
	}
	ask := func(p string) (string, error) {
		fmt.Fprint(prompt, p)
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(prompt)
		return string(b), err
	}
	pw, err := ask("Password (15 or more characters; a few unrelated words): ")
	if err != nil {
		return "", err
	}
	again, err := ask("The same password again: ")
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("the two passwords differ; nothing created")
	}
	return pw, nil
}
