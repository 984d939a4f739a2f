// Command nexway-fake serves the fake Nexway Connect of package nexwaytest
// over HTTP, for the end-to-end tests of storefronts written in any
// language (PHP, Node, Python, Go): the same paths, JSON, validation and
// return codes as Nexway, with a catalog, key pools, orders, subscriptions,
// IAM tokens and a clock of its own.
//
// Install it with
//
//	go install github.com/nexway-go/nexway/cmd/nexway-fake@latest
//
// or run it from a checkout with go run ./cmd/nexway-fake. It prints its
// URL and the credentials it accepts, and serves until SIGINT (Ctrl-C) or
// SIGTERM, when it stops cleanly and exits 0. It exits 2 for bad flags and
// 1 when it cannot start (a port taken, a catalog or keys file that does
// not load).
//
// Usage:
//
//	nexway-fake [flags]
//
//	-addr host:port       listen address (default 127.0.0.1:8642; :8642 for every interface)
//	-secret s             the secret header value accepted (default test-secret)
//	-realm r              the IAM realm whose tokens are required; "" for none (default nexwaytest)
//	-client-secret s      the IAM client secret of the realm (default nexwaytest-client-secret)
//	-catalog file.json    products to add: a JSON array in the format of nexwaytest.Product
//	-keys file.csv        license keys to load, rows productRef,licenseKey; repeatable
//	-empty                start without the default catalog, keys, categories and OS list
//	-start time           the clock's start, RFC 3339, or "now" (default 2026-01-05T09:00:00Z)
//	-running-clock        let the clock follow real time from its start (default: fixed)
//	-seed n               seed of the keys, tokens, ids and random faults (default 0)
//	-admin                serve the admin API under /_fake/ (see nexwaytest.WithAdminAPI)
//	-admin-remote         let callers that are not on loopback use the admin API
//
// The catalog and keys files are read once, at start, and loaded again by
// every reset (POST /_fake/reset).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nexway-go/nexway/nexwaytest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop) // a second signal kills at once
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves the fake until ctx ends, and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	set, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2 // parseFlags has told why
	}
	opts, err := set.options()
	if err != nil {
		fmt.Fprintln(stderr, "nexway-fake:", err)
		return 1
	}
	srv, err := nexwaytest.StartServer(opts...)
	if err != nil {
		fmt.Fprintln(stderr, "nexway-fake:", err)
		return 1
	}
	set.banner(stdout, srv)
	<-ctx.Done()
	srv.Close()
	fmt.Fprintln(stdout, "nexway-fake: stopped")
	return 0
}
