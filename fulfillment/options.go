package fulfillment

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Defaults of a Handler.
const (
	// DefaultMaxBodySize caps a request body; Nexway's default body is
	// about a kilobyte.
	DefaultMaxBodySize = 1 << 20
	// DefaultLease is how long a request holds its unit. Nexway's timeout
	// for the call is not documented; the lease must outlast the
	// Fulfiller, which gets it as its context's deadline.
	DefaultLease = time.Minute
	// DefaultBusyWait is how long a retry waits for another request
	// working on the same unit before answering 503.
	DefaultBusyWait = 2 * time.Second
)

// An Option configures a Handler.
type Option func(*config) error

type config struct {
	authSet   bool
	userSum   [sha256.Size]byte // credentials are kept hashed, compared in constant time
	passSum   [sha256.Size]byte
	checkAuth bool
	signer    *Signer
	sigHeader string
	routes    map[string]Operation
	custom    func(raw []byte) (any, error)
	bodyType  reflect.Type // what the body is decoded into: Body or the custom T
	idPath    path         // the unit's id
	genPath   *path        // the generation's id for OpRenew and OpUpgrade; nil: none
	genSet    bool         // WithGenerationPath was given
	shape     AnswerShape
	maxBody   int64
	lease     time.Duration
	busyWait  time.Duration
	logger    *slog.Logger
}

// WithBasicAuth makes the handler require HTTP Basic credentials: the user
// and password configured for the integration at Nexway. A request without
// them gets 401 and its body is not read. Both must be non-empty UTF-8
// without control characters, and the user without a colon (RFC 7617):
// no client could send other credentials.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		if user == "" || password == "" {
			return errors.New("fulfillment: WithBasicAuth: empty user or password")
		}
		// RFC 7617 §2: no client can send these, so Nexway would be
		// locked out.
		if strings.Contains(user, ":") {
			return errors.New("fulfillment: WithBasicAuth: the user holds a colon")
		}
		if !sendable(user) {
			return errors.New("fulfillment: WithBasicAuth: the user is not UTF-8 or holds a control character")
		}
		if !sendable(password) {
			return errors.New("fulfillment: WithBasicAuth: the password is not UTF-8 or holds a control character")
		}
		c.authSet, c.checkAuth = true, true
		c.userSum, c.passSum = sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
		return nil
	}
}

// sendable reports whether s is UTF-8 without control characters, as
// RFC 7617 requires of Basic credentials.
func sendable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// WithoutAuth lets the handler serve requests without Basic credentials,
// for an integration that authenticates Nexway otherwise (TLS client
// certificates checked by the server, or a gateway in front). NewHandler
// refuses to build a handler with neither this nor WithBasicAuth.
func WithoutAuth() Option {
	return func(c *config) error {
		c.authSet, c.checkAuth = true, false
		return nil
	}
}

// WithSignature makes the handler require Nexway's request signature,
// checked by s, in the signature header (see WithSignatureHeader). A
// missing or wrong signature gets 403 and the Fulfiller is not called.
//
// The signed fields must cover what keys a unit: the id ($.fulfillmentId,
// or WithCustomBody's idPath) and, when a route renews or upgrades, the
// generation's id ($.checkout.orderId, or WithGenerationPath's), however
// spelt ($['a'] is $.a); NewHandler fails otherwise, naming the path.
// A signature that leaves them out binds nothing: one captured request,
// replayed with ids made up, would obtain a key for each. The signature
// does not cover the route (Nexway signs body fields only), so a captured
// request replayed on another route is still served, once per route.
func WithSignature(s *Signer) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("fulfillment: WithSignature: nil signer")
		}
		c.signer = s
		return nil
	}
}

// WithSignatureHeader names the header that carries the signature, when
// the integration uses another than DefaultSignatureHeader.
func WithSignatureHeader(name string) Option {
	return func(c *config) error {
		if strings.TrimSpace(name) == "" {
			return errors.New("fulfillment: WithSignatureHeader: empty name")
		}
		c.sigHeader = name
		return nil
	}
}

// WithRoutes replaces DefaultRoutes: each URL path (as the handler sees it,
// so after any http.StripPrefix) maps to its operation. Paths are matched
// exactly, except that a trailing slash is ignored.
func WithRoutes(routes map[string]Operation) Option {
	return func(c *config) error {
		if len(routes) == 0 {
			return errors.New("fulfillment: WithRoutes: no route")
		}
		c.routes = make(map[string]Operation, len(routes))
		for p, op := range routes {
			if !strings.HasPrefix(p, "/") || op == "" {
				return fmt.Errorf("fulfillment: WithRoutes: route %q: path must start with / and name an operation", p)
			}
			c.routes[trimSlash(p)] = op
		}
		return nil
	}
}

// WithCustomBody is for an integration whose body template is its own
// rather than Nexway's default. The handler decodes each body into a new
// T, answering 400 without calling the Fulfiller when that fails, and
// hands it over in Request.Custom as a *T; Request.Body stays zero. idPath
// is the JSONPath of the unit's id in that body, such as "$.licenseId"; a
// body without a valid id (a string or a number) there gets 400. The body
// is read as strictly as the default one, and a member whose name matches
// a field of T only by case is refused, and so is a number that T would
// hold rounded (in a float field, or in an any, where encoding/json makes
// float64s): decode long numbers as json.Number or string. Renewals are keyed by the id alone: give each generation an id
// of its own in the template.
func WithCustomBody[T any](idPath string) Option {
	return func(c *config) error {
		p, err := parsePath(idPath)
		if err != nil {
			return err
		}
		c.idPath = p
		c.bodyType = reflect.TypeFor[T]()
		c.custom = func(raw []byte) (any, error) {
			v := new(T)
			return v, json.Unmarshal(raw, v)
		}
		return nil
	}
}

// WithGenerationPath names the JSONPath of the id that tells apart the
// renewals (and upgrades) of one license, for a custom template
// (WithCustomBody): each generation is then a unit of its own, keyed by
// the fulfillment id and the id at path (Request.Generation), and a
// renewal or an upgrade without a valid id there gets 400. The default
// template's is "$.checkout.orderId"; it fails when path is not a path of
// the form $.name, $['name'] or $.list[0].
func WithGenerationPath(path string) Option {
	return func(c *config) error {
		p, err := parsePath(path)
		if err != nil {
			return err
		}
		c.genPath, c.genSet = &p, true
		return nil
	}
}

// WithAnswerShape sets the layout of 200 answers; FlatAnswer by default.
func WithAnswerShape(s AnswerShape) Option {
	return func(c *config) error {
		if s == nil {
			return errors.New("fulfillment: WithAnswerShape: nil shape")
		}
		c.shape = s
		return nil
	}
}

// WithMaxBodySize caps the request body; a larger one gets 413.
func WithMaxBodySize(n int64) Option {
	return func(c *config) error {
		if n <= 0 {
			return errors.New("fulfillment: WithMaxBodySize: size must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// WithLease sets how long a request holds its unit (DefaultLease). The
// Fulfiller's context ends when the lease does. A lease left by a replica
// that died is taken over by the first retry after it ends, so a short
// lease recovers sooner, but one shorter than a slow Fulfiller lets a
// retry run the unit a second time.
func WithLease(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("fulfillment: WithLease: duration must be positive")
		}
		c.lease = d
		return nil
	}
}

// WithBusyWait sets how long a request for a unit that another request is
// working on waits for its answer before giving up with 503 and a
// Retry-After header (DefaultBusyWait). Zero answers 503 at once.
func WithBusyWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("fulfillment: WithBusyWait: negative duration")
		}
		c.busyWait = d
		return nil
	}
}

// WithLogger sets the logger for refused requests and failures. Log lines
// carry the operation, the fulfillment id and the outcome, never a body,
// a credential or a signature. Silent by default.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("fulfillment: WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// Where the default template has its ids.
const (
	defaultIDPath         = "$.fulfillmentId"
	defaultGenerationPath = "$.checkout.orderId"
)

func defaultConfig() *config {
	id, _ := parsePath(defaultIDPath)
	gen, _ := parsePath(defaultGenerationPath)
	return &config{
		idPath:    id,
		genPath:   &gen,
		sigHeader: DefaultSignatureHeader,
		routes:    DefaultRoutes(),
		bodyType:  reflect.TypeFor[Body](),
		shape:     FlatAnswer{},
		maxBody:   DefaultMaxBodySize,
		lease:     DefaultLease,
		busyWait:  DefaultBusyWait,
		logger:    slog.New(slog.DiscardHandler),
	}
}

// trimSlash drops a trailing slash, except from "/".
func trimSlash(p string) string {
	if len(p) > 1 {
		return strings.TrimSuffix(p, "/")
	}
	return p
}
