package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/econf/econf/commands"
	"github.com/econf/econf/internal/sms"
)

const smsUsage = `usage: econf sms list [--json]   the SMS codes the development sender kept (newest first)

With ECONF_SMS_PROVIDER=dev (the default) SMS sign-in codes are not sent:
they are kept in the database and read here.`

// smsSender is the sender ECONF_SMS_PROVIDER names: dev (kept in the
// database, read with econf sms list) or aliyun (Alibaba Cloud SMS).
func smsSender(pool *pgxpool.Pool, log *slog.Logger) (commands.SMSSender, error) {
	switch p := envOr("ECONF_SMS_PROVIDER", "dev"); p {
	case "dev":
		log.Warn("ECONF_SMS_PROVIDER=dev: SMS sign-in codes are not sent; read them with: econf sms list")
		return sms.NewDev(pool), nil
	case "aliyun":
		a := &sms.Aliyun{Endpoint: os.Getenv("ECONF_SMS_ALIYUN_ENDPOINT"), AccessKeyID: os.Getenv("ECONF_SMS_ALIYUN_ACCESS_KEY_ID"),
			AccessKeySecret: os.Getenv("ECONF_SMS_ALIYUN_ACCESS_KEY_SECRET"), SignName: os.Getenv("ECONF_SMS_ALIYUN_SIGN_NAME"),
			TemplateCodes: map[string]string{sms.CodeTemplate: os.Getenv("ECONF_SMS_ALIYUN_TEMPLATE_CODE")},
			Client:        &http.Client{Timeout: 10 * time.Second}}
		if a.AccessKeyID == "" || a.AccessKeySecret == "" || a.SignName == "" || a.TemplateCodes[sms.CodeTemplate] == "" {
			return nil, usageError("ECONF_SMS_PROVIDER=aliyun needs ECONF_SMS_ALIYUN_ACCESS_KEY_ID, ECONF_SMS_ALIYUN_ACCESS_KEY_SECRET, ECONF_SMS_ALIYUN_SIGN_NAME and ECONF_SMS_ALIYUN_TEMPLATE_CODE")
		}
		log.Info("sms", "provider", "aliyun", "endpoint", a.Endpoint)
		return a, nil
	default:
		return nil, usageError(fmt.Sprintf("ECONF_SMS_PROVIDER: want dev or aliyun, not %q", p))
	}
}

// cmdSMS lists the development sender's messages: the operator's SMS sink.
func cmdSMS(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return groupHelp("sms", args, stdout)
	}
	var asJSON *bool
	cfg, _, err := parseFlagsWith("sms list", args[1:], stderr, func(fs flagSet) {
		asJSON = fs.Bool("json", false, "print JSON")
	})
	if err != nil {
		return err
	}
	if len(cfg.args) != 0 {
		return usageError(smsUsage)
	}
	e, err := open(ctx, cfg, cfg.logger(stderr))
	if err != nil {
		return err
	}
	defer e.close()
	kept, err := sms.NewDev(e.pool).List(ctx, 200)
	if err != nil {
		return err
	}
	if *asJSON {
		if kept == nil {
			kept = []sms.Kept{}
		}
		return json.NewEncoder(stdout).Encode(kept)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT\tTO\tCODE")
	for _, k := range kept {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", k.ID, k.At.Local().Format("2006-01-02 15:04:05"), k.To, k.Params["code"])
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d messages (kept by the development sender, not sent)\n", len(kept))
	return nil
}
