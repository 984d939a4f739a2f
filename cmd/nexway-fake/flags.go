package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"time"

	"github.com/nexway-go/nexway/nexwaytest"
)

// defaultAddr is where the command listens unless told: loopback, on a
// port fixed so that test configurations can name it.
const defaultAddr = "127.0.0.1:8642"

// settings are the command's flags.
type settings struct {
	addr, secret, realm, clientSecret string
	catalog                           string
	keys                              []string
	empty, running, admin, remote     bool
	start                             time.Time
	seed                              int64
}

// parseFlags reads the command line. It writes its errors, and the usage,
// to stderr itself.
func parseFlags(args []string, stderr io.Writer) (*settings, error) {
	set := &settings{start: nexwaytest.DefaultStartTime()}
	fs := flag.NewFlagSet("nexway-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&set.addr, "addr", defaultAddr, "listen address (`host:port`; :8642 for every interface)")
	fs.StringVar(&set.secret, "secret", nexwaytest.Secret, "the `secret` header value accepted")
	fs.StringVar(&set.realm, "realm", nexwaytest.Realm, "the IAM `realm` whose tokens are required; empty for none")
	fs.StringVar(&set.clientSecret, "client-secret", nexwaytest.ClientSecret, "the IAM client `secret` of the realm")
	fs.StringVar(&set.catalog, "catalog", "", "products to add, a JSON array of nexwaytest.Product (`file`)")
	fs.Func("keys", "license keys to load, CSV rows productRef,licenseKey (`file`); repeatable", func(path string) error {
		set.keys = append(set.keys, path)
		return nil
	})
	fs.BoolVar(&set.empty, "empty", false, "start without the default catalog, keys, categories and OS list")
	fs.Func("start", "the clock's start, RFC 3339 or \"now\" (`time`; default "+nexwaytest.DefaultStartTime().Format(time.RFC3339)+")", func(v string) error {
		if v == "now" {
			set.start = time.Now().UTC().Truncate(time.Second)
			return nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("not RFC 3339 (2026-01-05T09:00:00Z) nor \"now\"")
		}
		set.start = t
		return nil
	})
	fs.BoolVar(&set.running, "running-clock", false, "let the clock follow real time from its start (default: fixed until advanced)")
	fs.Int64Var(&set.seed, "seed", 0, "seed of the keys, tokens, ids and random faults")
	fs.BoolVar(&set.admin, "admin", false, "serve the admin API under "+nexwaytest.AdminPrefix)
	fs.BoolVar(&set.remote, "admin-remote", false, "let callers that are not on loopback use the admin API (needs -admin)")
	if err := fs.Parse(args); err != nil {
		return nil, err // told, with the usage, by fs
	}
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	case set.remote && !set.admin:
		err = fmt.Errorf("-admin-remote needs -admin")
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		fs.Usage()
		return nil, err
	}
	return set, nil
}

// options turns the settings into the fake's options, reading the catalog
// and keys files.
func (set *settings) options() ([]nexwaytest.Option, error) {
	opts := []nexwaytest.Option{
		nexwaytest.WithAddr(set.addr),
		nexwaytest.WithAccount(set.secret, set.realm, set.clientSecret),
		nexwaytest.WithSeed(set.seed),
		nexwaytest.WithStartTime(set.start),
	}
	if set.empty {
		opts = append(opts, nexwaytest.WithoutCatalog())
	}
	if set.running {
		opts = append(opts, nexwaytest.WithRunningClock())
	}
	if set.admin {
		opts = append(opts, nexwaytest.WithAdminAPI())
	}
	if set.remote {
		opts = append(opts, nexwaytest.WithRemoteAdmin())
	}
	load, err := set.loader()
	if err != nil {
		return nil, err
	}
	return append(opts, nexwaytest.WithSetup(load)), nil
}

// loader reads the catalog and keys files once, and returns the setup that
// loads them into the fake, at start and on every reset.
func (set *settings) loader() (func(*nexwaytest.Server) error, error) {
	var catalog []byte
	if set.catalog != "" {
		b, err := os.ReadFile(set.catalog)
		if err != nil {
			return nil, err // names the file
		}
		catalog = b
	}
	keys := make([][]byte, len(set.keys))
	for i, path := range set.keys {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		keys[i] = b
	}
	return func(s *nexwaytest.Server) error {
		if catalog != nil {
			if err := s.LoadCatalogJSON(bytes.NewReader(catalog)); err != nil {
				return fmt.Errorf("%s: %w", set.catalog, err)
			}
		}
		for i, b := range keys {
			if err := s.LoadKeysCSV(bytes.NewReader(b)); err != nil {
				return fmt.Errorf("%s: %w", set.keys[i], err)
			}
		}
		return nil
	}, nil
}

// banner tells the user where the fake is and which credentials it takes.
// They are the fake's test credentials, printed so that a storefront can be
// pointed at it.
func (set *settings) banner(w io.Writer, srv *nexwaytest.Server) {
	fmt.Fprintf(w, "nexway-fake: serving a fake Nexway Connect at %s\n", srv.URL)
	fmt.Fprintf(w, "  secret header: %s\n", set.secret)
	if set.realm != "" {
		fmt.Fprintf(w, "  IAM realm:     %s\n", set.realm)
		fmt.Fprintf(w, "  client secret: %s\n", set.clientSecret)
	} else {
		fmt.Fprintf(w, "  IAM:           none, no bearer token required\n")
	}
	clock := "fixed; moves when advanced"
	if set.running {
		clock = "running with real time"
	}
	fmt.Fprintf(w, "  clock:         %s (%s)\n", srv.Now().Format(time.RFC3339), clock)
	fmt.Fprintf(w, "  product feed:  %s/flow/getcatalog/v2.4/?secret=%s&provider=%s&config=%s\n", srv.URL,
		url.QueryEscape(set.secret), nexwaytest.FeedProvider, nexwaytest.FeedConfig)
	if set.admin {
		who := "loopback callers only"
		if set.remote {
			who = "any caller"
		}
		fmt.Fprintf(w, "  admin API:     %s%s (%s)\n", srv.URL, nexwaytest.AdminPrefix, who)
	}
	fmt.Fprintln(w, "Stop with Ctrl-C or SIGTERM.")
}
