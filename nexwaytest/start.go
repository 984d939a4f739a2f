package nexwaytest

import (
	"fmt"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// startConfig is what the options for serving the fake beyond one Go test
// set (the nexway-fake command uses them all), and what Reset needs to build
// the state again.
type startConfig struct {
	addr        string                // listen address; "": a random loopback port
	admin       bool                  // serve the admin API under AdminPrefix
	remoteAdmin bool                  // admin callers need not be on loopback
	running     bool                  // the clock moves with real time too
	setup       []func(*Server) error // run on every new state, after the defaults
	opts        []Option              // as given, for Reset
}

// WithAddr makes the fake listen on addr ("127.0.0.1:8642", ":8642")
// instead of a random loopback port. A wildcard host listens on every
// interface, so that other machines or containers reach the fake; URL then
// names 127.0.0.1. It refuses an addr that is not host:port, and
// StartServer fails if addr cannot be listened on (the port is taken, the
// host is not local).
func WithAddr(addr string) Option {
	return func(c *config) error {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return refuse("WithAddr", "must be host:port, such as 127.0.0.1:8642 or :8642")
		}
		c.addr = addr
		return nil
	}
}

// WithAccount sets the Nexway account the fake accepts and its Client
// uses, instead of Secret, Realm and ClientSecret: secret in the `secret`
// header of every /connect request, and realm with clientSecret at the IAM
// token endpoint. An empty realm runs without IAM, as WithoutCredentials
// does, and clientSecret is then ignored. It refuses, as the client's
// WithSecret and WithCredentials do, an empty secret or one that is not
// printable ASCII without spaces, a realm without a client secret, and a
// realm or client secret with control characters or invalid UTF-8.
func WithAccount(secret, realm, clientSecret string) Option {
	return func(c *config) error {
		if secret == "" || strings.ContainsFunc(secret, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return refuse("WithAccount", "the secret must be non-empty printable ASCII without spaces")
		}
		if realm == "" {
			c.secrets, c.realm, c.clientSecret = []string{secret}, "", ""
			return nil
		}
		if clientSecret == "" {
			return refuse("WithAccount", "a realm needs a client secret")
		}
		if !plainText(realm) || !plainText(clientSecret) {
			return refuse("WithAccount", "the realm and client secret must be UTF-8 without control characters")
		}
		c.secrets, c.realm, c.clientSecret = []string{secret}, realm, clientSecret
		return nil
	}
}

// plainText reports whether s is valid UTF-8 without control characters.
func plainText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// WithRunningClock makes the fake's clock move with real time from its
// start (DefaultStartTime, or the time given WithStartTime), as well as
// with Advance: tokens expire, download windows close and subscriptions
// renew on their own, as they would at Nexway, for a fake that serves for
// hours outside a test. Results then depend on timing; by default the
// clock stays fixed until Advance moves it. Reset takes it back to its
// start, from where it runs again.
func WithRunningClock() Option { return func(c *config) error { c.running = true; return nil } }

// WithSetup runs f on the fake's state when it is built: at start, after the
// default catalog (unless WithoutCatalog), and again on every Reset, so
// that what f loads (products, keys, publishers, holds, faults) is part of
// the state Reset returns to. Several WithSetup run in the order given. f
// is given the server being built, which is not yet serving: it must turn
// the knobs of that argument, not keep it. An error from f is returned by
// StartServer (or Reset) as it is, and nothing is left running. A nil f is
// refused.
func WithSetup(f func(*Server) error) Option {
	return func(c *config) error {
		if f == nil {
			return refuse("WithSetup", "needs a function")
		}
		c.setup = append(c.setup, f)
		return nil
	}
}

// newConfig applies opts to the default settings of a started fake: the
// secret, realm and client secret of this package, and a clock at
// DefaultStartTime. It returns the first option's refusal.
func newConfig(opts []Option) (config, error) {
	cfg := config{secrets: []string{Secret}, realm: Realm, clientSecret: ClientSecret, clock: newManualClock(DefaultStartTime())}
	variantsFromEnv(&cfg)
	for _, opt := range opts {
		if opt == nil {
			return config{}, refuse("Option", "is nil")
		}
		if err := opt(&cfg); err != nil {
			return config{}, err
		}
	}
	cfg.opts = slices.Clone(opts)
	if cfg.running {
		cfg.clock = newRunningClock(cfg.clock.Now())
	}
	return cfg, nil
}

// build makes a fake from opts, not listening: the one path by which both
// StartServer and Reset get their state, so that Reset returns to exactly
// what a start gives.
func build(opts []Option) (*Server, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if err := cfg.feed.check(); err != nil {
		return nil, err
	}
	s := newUnstarted(cfg)
	if !cfg.noCatalog {
		if err := s.seedDefaults(); err != nil {
			s.Close()
			return nil, err
		}
	}
	for _, f := range cfg.setup {
		if err := f(s); err != nil {
			s.Close()
			return nil, err
		}
	}
	if cfg.admin {
		s.admin = s.adminHandler()
	}
	return s, nil
}

// listen serves s on addr, or on a random loopback port when addr is "".
func listen(s *Server, addr string) (*httptest.Server, error) {
	if addr == "" {
		return httptest.NewServer(s), nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("nexwaytest: %w", err)
	}
	hs := httptest.NewUnstartedServer(s)
	hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	return hs, nil
}

// baseURL is the URL a client on this machine reaches a listener at: a
// wildcard host is reached on loopback.
func baseURL(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("127.0.0.1", fmt.Sprint(tcp.Port))
	}
	return "http://" + addr.String()
}
