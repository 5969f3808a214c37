package mail

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/econf/econf/domain/account"
)

// The languages a mail can be written in; "" is both, Chinese first.
const (
	Chinese = "zh"
	English = "en"
)

// SetLanguage stores the language an account reads its mail in. With
// ifUnset, a language already stored is kept (a registration's
// Accept-Language must not override the account's own choice).
func SetLanguage(ctx context.Context, db Execer, userID uuid.UUID, lang string, ifUnset bool) error {
	if lang != Chinese && lang != English {
		return fmt.Errorf("mail language %q: want zh or en", lang)
	}
	q := `INSERT INTO mail_languages (user_id, lang) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, updated_at = now()`
	if ifUnset {
		q = `INSERT INTO mail_languages (user_id, lang) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING`
	}
	_, err := db.Exec(ctx, q, userID, lang)
	return err
}

// rowQuerier reads a row.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// LanguageOf is the language stored for the account an address names
// (account.ID), "" when none: then the mail is bilingual.
func LanguageOf(ctx context.Context, q rowQuerier, email string) (string, error) {
	var lang string
	err := q.QueryRow(ctx, `SELECT lang FROM mail_languages WHERE user_id = $1`, account.ID(strings.ToLower(strings.TrimSpace(email)))).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return lang, err
}

// LanguageOfAccount is the language stored for the account id, "" when
// none (its mails are bilingual).
func LanguageOfAccount(ctx context.Context, q rowQuerier, id uuid.UUID) (string, error) {
	var lang string
	err := q.QueryRow(ctx, `SELECT lang FROM mail_languages WHERE user_id = $1`, id).Scan(&lang)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return lang, err
}

// A bilingual mail is, in order: the Chinese salutation and text; lines
// both languages share ("会议：…", "Conference: …", "意见 / Comment: …");
// the English salutation ("Dear …," or "Hello,") and text; the signature,
// a line each. One language keeps its own parts and the shared lines in
// its words.
var (
	englishStart = regexp.MustCompile(`(?m)^(Dear |Hello,)`)
	// sharedLabel is a line's "中文 / English: " label.
	sharedLabel = regexp.MustCompile(`(?m)^(\S+) / ([A-Za-z][A-Za-z ]*): `)
)

// monolingual cuts the rendered bilingual mail r down to lang.
func monolingual(r rendered, lang string) rendered {
	if lang != Chinese && lang != English {
		return r
	}
	if zh, en, ok := strings.Cut(r.Subject, " / "); ok {
		r.Subject = map[string]string{Chinese: zh, English: en}[lang]
	}
	body, sig, _ := strings.Cut(r.Body, "\n——\n")
	loc := englishStart.FindStringIndex(body)
	if loc == nil {
		return r // not in the bilingual layout: keep both
	}
	zhPart, enPart := body[:loc[0]], body[loc[0]:]
	var own, shared []string
	for _, l := range strings.Split(strings.TrimRight(zhPart, "\n"), "\n") {
		if sharedLine(l) == "" {
			own = append(own, l)
		} else {
			shared = append(shared, l)
		}
	}
	sigLines := strings.Split(strings.Trim(sig, "\n"), "\n")
	var b strings.Builder
	switch lang {
	case Chinese:
		for _, l := range own {
			b.WriteString(l + "\n")
		}
		for _, l := range shared {
			if zh := sharedLine(l); zh != "" && zh != "en" {
				b.WriteString(zh + "\n")
			}
		}
		b.WriteString("\n——\n")
		if len(sigLines) > 0 {
			b.WriteString(sigLines[0] + "\n")
		}
	case English:
		b.WriteString(strings.TrimRight(enPart, "\n") + "\n")
		var extra []string
		for _, l := range shared {
			if strings.HasPrefix(l, "Conference: ") {
				extra = append(extra, l)
			} else if m := sharedLabel.FindStringSubmatch(l); m != nil {
				extra = append(extra, m[2]+": "+l[len(m[0]):])
			}
		}
		if len(extra) > 0 {
			b.WriteString("\n" + strings.Join(extra, "\n") + "\n")
		}
		b.WriteString("\n——\n")
		if len(sigLines) > 1 {
			b.WriteString(sigLines[1] + "\n")
		}
	}
	r.Body = b.String()
	return r
}

// sharedLine is the Chinese form of a line both languages share ("会议：…"
// as is, "意见 / Comment: X" as "意见：X"), "en" for an English-only shared
// line ("Conference: …"), and "" for a line of the Chinese text itself.
func sharedLine(l string) string {
	switch {
	case strings.HasPrefix(l, "会议："):
		return l
	case strings.HasPrefix(l, "Conference: "):
		return "en"
	}
	if m := sharedLabel.FindStringSubmatch(l); m != nil {
		return m[1] + "：" + l[len(m[0]):]
	}
	return ""
}
