package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// cmdHealthcheck asks a running econf for /healthz (or /readyz with
// --ready) and exits 0 on a 200, 1 otherwise. It is the image's HEALTHCHECK:
// the runtime image has no curl or wget, and the binary is there anyway.
func cmdHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("econf healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printHelp(fs.Output(), "healthcheck", fs) }
	addr := fs.String("addr", envOr("ECONF_ADDR", "127.0.0.1:8080"), "the address serve listens on; 0.0.0.0 and :: are asked on loopback (env ECONF_ADDR)")
	ready := fs.Bool("ready", false, "ask /readyz (database and event store answer) instead of /healthz (the process serves)")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError(err.Error())
	}
	if fs.NArg() > 0 {
		return usageError("econf healthcheck: no arguments expected, got " + fs.Arg(0))
	}
	target, err := healthURL(*addr, *ready)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", target, res.Status, body)
	}
	fmt.Fprintf(stdout, "%s: %s\n", target, body)
	return nil
}

// healthURL turns a listen address into the URL to ask: a wildcard host
// (serve listening on every interface) is asked on loopback.
func healthURL(addr string, ready bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return "", usageError(fmt.Sprintf("--addr / ECONF_ADDR: want host:port, got %q", addr))
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::", "[::]":
		host = "::1"
	}
	path := "/healthz"
	if ready {
		path = "/readyz"
	}
	return (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: path}).String(), nil
}
