package nexwaytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// AdminPrefix is the path under which WithAdminAPI serves the admin API.
// Nexway has no route under it, so it cannot shadow one.
const AdminPrefix = "/_fake/"

// maxAdminBody caps an admin request's body: room for a catalog or a CSV
// of a few hundred thousand keys.
const maxAdminBody = 32 << 20

// WithAdminAPI serves the admin API: the knobs of Server over HTTP, under
// AdminPrefix, for tests written in any language. Each route decodes its
// JSON body, calls the method named beside it, and answers JSON: the
// method's result, {} when it has none, or {"error":"..."} with HTTP 400
// (bad input, the method's error), 403 (a caller not on loopback), 404 (no
// such order or route), 405 (wrong method) or 413 (a body over 32 MiB).
//
//	POST   /_fake/reset                                 Reset
//	POST   /_fake/products                              LoadCatalogJSON (AddProducts): a JSON array of Product
//	PUT    /_fake/products                              UpdateProducts: a JSON array of Product
//	DELETE /_fake/products/{ref}                        RemoveProducts
//	PUT    /_fake/categories                            SetCategories: a JSON array of Category
//	PUT    /_fake/oslist                                SetOperatingSystems: a JSON array of OS
//	PUT    /_fake/feed                                  SetFeed: FeedSettings
//	POST   /_fake/products/{ref}/keys                   AddKeys: a JSON array of keys; answers {"productRef","keysLeft"}
//	GET    /_fake/products/{ref}/keys                   KeysLeft: {"productRef","keysLeft"}
//	POST   /_fake/keys                                  LoadKeysCSV: CSV rows productRef,licenseKey
//	PUT    /_fake/products/{ref}/publisher              SetPublisher: {"generatedKeys":"PREFIX"} or {"http":HTTPPublisher}
//	POST   /_fake/faults                                InjectFault: {"route":Route,"fault":Fault}
//	PUT    /_fake/faults/rate                           SetFaultRate: {"route":Route,"rate":0.1,"faults":[Fault]}
//	DELETE /_fake/faults                                ClearFaults
//	PUT    /_fake/ratelimit                             SetRateLimit: {"rate":10,"burst":10}; rate 0 turns it off
//	GET    /_fake/ratelimit                             RateLimited: {secret: 429s answered}
//	POST   /_fake/holds                                 HoldNext: {"count":1,"code":1060}
//	POST   /_fake/orders/{partnerOrderNumber}/release   Release; answers the OrderSnapshot
//	POST   /_fake/orders/{partnerOrderNumber}/reject    Reject: {"code":1062}; answers the OrderSnapshot
//	GET    /_fake/orders                                Orders: a JSON array of OrderSnapshot
//	GET    /_fake/orders/{partnerOrderNumber}           Order: an OrderSnapshot, or 404
//	GET    /_fake/clock                                 Now: {"now":"2026-01-05T09:00:00Z"}
//	POST   /_fake/clock/advance                         Advance: {"by":"24h"}; answers {"now"}
//	GET    /_fake/requests                              Requests: a JSON array of LoggedRequest
//	DELETE /_fake/requests                              ResetRequests
//	GET    /_fake/counts                                Counts: {Route:{"requests","faulted"}}
//	POST   /_fake/wait-idle                             WaitIdle, until the caller gives up
//
// The types are written as their JSON tags and MarshalJSON methods say, a
// Route as its pattern ("POST /connect/order/new"; "" is RouteAny), a
// duration as a Go duration string ("90s", "36h"). Admin requests are
// neither logged nor counted, faulted or gated by credentials. The API is
// for tests: it answers callers on loopback only, unless WithRemoteAdmin
// is given too. Without WithAdminAPI, paths under AdminPrefix are unknown
// routes, as at Nexway.
func WithAdminAPI() Option { return func(c *config) error { c.admin = true; return nil } }

// WithRemoteAdmin lets callers that are not on loopback use the admin API
// (WithAdminAPI), for a fake in a container or on another machine than its
// tests. Anyone who reaches the port can then empty the fake or read the
// credentials its clients sent: use it on a private network only. The
// caller is told by the connection's address, never by a header such as
// X-Forwarded-For. On its own it enables nothing.
func WithRemoteAdmin() Option { return func(c *config) error { c.remoteAdmin = true; return nil } }

// adminless are the exported methods of Server that have no admin route,
// each for a reason: a test fails when any other method lacks one.
var adminless = map[string]string{
	"ServeHTTP": "it is the fake itself, which every route reaches",
	"Close":     "stopping the fake is its process's business (SIGTERM to nexway-fake)",
}

// adminRoute is one route of the admin API. do decodes the request, calls
// knobs, and returns what to answer.
type adminRoute struct {
	pattern string
	knobs   []string // the methods of Server it calls, checked by a test
	do      func(s *Server, r *http.Request, body []byte) (any, error)
}

// done is the answer of a route whose method returns nothing but an error.
var done = struct{}{}

// adminRoutes returns the routes of the admin API; WithAdminAPI's comment
// lists them, and so does the README, as tests check. (A function, not a
// variable: Reset, which a route calls, builds the admin API.)
func adminRoutes() []adminRoute {
	return []adminRoute{
		{"POST /_fake/reset", []string{"Reset"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return done, s.Reset()
		}},
		{"POST /_fake/products", []string{"LoadCatalogJSON", "AddProducts"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			return done, s.LoadCatalogJSON(bytes.NewReader(body))
		}},
		{"PUT /_fake/products", []string{"UpdateProducts"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var ps []Product
			if err := decodeBody(body, &ps); err != nil {
				return nil, err
			}
			return done, s.UpdateProducts(ps...)
		}},
		{"DELETE /_fake/products/{ref}", []string{"RemoveProducts"}, func(s *Server, r *http.Request, _ []byte) (any, error) {
			ref, err := pathRef(r)
			if err != nil {
				return nil, err
			}
			return done, s.RemoveProducts(ref)
		}},
		{"PUT /_fake/categories", []string{"SetCategories"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var cs []Category
			if err := decodeBody(body, &cs); err != nil {
				return nil, err
			}
			s.SetCategories(cs)
			return done, nil
		}},
		{"PUT /_fake/oslist", []string{"SetOperatingSystems"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var os []OS
			if err := decodeBody(body, &os); err != nil {
				return nil, err
			}
			s.SetOperatingSystems(os)
			return done, nil
		}},
		{"PUT /_fake/feed", []string{"SetFeed"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var f FeedSettings
			if err := decodeBody(body, &f); err != nil {
				return nil, err
			}
			return done, s.SetFeed(f)
		}},
		{"POST /_fake/products/{ref}/keys", []string{"AddKeys", "KeysLeft"}, func(s *Server, r *http.Request, body []byte) (any, error) {
			ref, err := pathRef(r)
			if err != nil {
				return nil, err
			}
			var keys []string
			if err := decodeBody(body, &keys); err != nil {
				return nil, err
			}
			if err := s.AddKeys(ref, keys...); err != nil {
				return nil, err
			}
			return keysLeft{Ref: ref, Left: s.KeysLeft(ref)}, nil
		}},
		{"GET /_fake/products/{ref}/keys", []string{"KeysLeft"}, func(s *Server, r *http.Request, _ []byte) (any, error) {
			ref, err := pathRef(r)
			if err != nil {
				return nil, err
			}
			return keysLeft{Ref: ref, Left: s.KeysLeft(ref)}, nil
		}},
		{"POST /_fake/keys", []string{"LoadKeysCSV"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			return done, s.LoadKeysCSV(bytes.NewReader(body))
		}},
		{"PUT /_fake/products/{ref}/publisher", []string{"SetPublisher"}, func(s *Server, r *http.Request, body []byte) (any, error) {
			ref, err := pathRef(r)
			if err != nil {
				return nil, err
			}
			var in publisherSpec
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			p, err := in.publisher()
			if err != nil {
				return nil, err
			}
			return done, s.SetPublisher(ref, p)
		}},
		{"POST /_fake/faults", []string{"InjectFault"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var in struct {
				Route Route  `json:"route"`
				Fault *Fault `json:"fault"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			if err := s.checkRoute(in.Route); err != nil {
				return nil, err
			}
			if in.Fault == nil {
				return nil, errors.New("fault is missing")
			}
			s.InjectFault(in.Route, *in.Fault)
			return done, nil
		}},
		{"PUT /_fake/faults/rate", []string{"SetFaultRate"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var in struct {
				Route  Route    `json:"route"`
				Rate   *float64 `json:"rate"`
				Faults []Fault  `json:"faults"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			if err := s.checkRoute(in.Route); err != nil {
				return nil, err
			}
			if in.Rate == nil || *in.Rate < 0 || *in.Rate > 1 {
				return nil, errors.New("rate must be given, from 0 to 1")
			}
			s.SetFaultRate(in.Route, *in.Rate, in.Faults...)
			return done, nil
		}},
		{"DELETE /_fake/faults", []string{"ClearFaults"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			s.ClearFaults()
			return done, nil
		}},
		{"PUT /_fake/ratelimit", []string{"SetRateLimit"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var in struct {
				Rate  *float64 `json:"rate"`
				Burst int      `json:"burst"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			if in.Rate == nil {
				return nil, errors.New("rate is missing (0 turns the limit off)")
			}
			s.SetRateLimit(rate.Limit(*in.Rate), in.Burst)
			return done, nil
		}},
		{"GET /_fake/ratelimit", []string{"RateLimited"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return s.RateLimited(), nil
		}},
		{"POST /_fake/holds", []string{"HoldNext"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var in struct {
				Count *int `json:"count"`
				Code  int  `json:"code"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			if in.Count == nil {
				return nil, errors.New("count is missing")
			}
			return done, s.HoldNext(*in.Count, in.Code)
		}},
		{"POST /_fake/orders/{partnerOrderNumber}/release", []string{"Release", "Order"}, func(s *Server, r *http.Request, _ []byte) (any, error) {
			pon := r.PathValue("partnerOrderNumber")
			if _, err := s.orderOr404(pon); err != nil {
				return nil, err
			}
			if err := s.Release(pon); err != nil {
				return nil, err
			}
			return s.orderOr404(pon)
		}},
		{"POST /_fake/orders/{partnerOrderNumber}/reject", []string{"Reject", "Order"}, func(s *Server, r *http.Request, body []byte) (any, error) {
			var in struct {
				Code int `json:"code"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			pon := r.PathValue("partnerOrderNumber")
			if _, err := s.orderOr404(pon); err != nil {
				return nil, err
			}
			if err := s.Reject(pon, in.Code); err != nil {
				return nil, err
			}
			return s.orderOr404(pon)
		}},
		{"GET /_fake/orders", []string{"Orders"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return s.Orders(), nil
		}},
		{"GET /_fake/orders/{partnerOrderNumber}", []string{"Order"}, func(s *Server, r *http.Request, _ []byte) (any, error) {
			return s.orderOr404(r.PathValue("partnerOrderNumber"))
		}},
		{"GET /_fake/clock", []string{"Now"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return clockReading{Now: s.Now()}, nil
		}},
		{"POST /_fake/clock/advance", []string{"Advance", "Now"}, func(s *Server, _ *http.Request, body []byte) (any, error) {
			var in struct {
				By string `json:"by"`
			}
			if err := decodeBody(body, &in); err != nil {
				return nil, err
			}
			if in.By == "" {
				return nil, errors.New(`by is missing: a duration such as "24h"`)
			}
			d, err := parseDuration("by", in.By)
			if err != nil {
				return nil, err
			}
			if !s.Advance(d) {
				return nil, errors.New("the clock is the wall clock and cannot be moved")
			}
			return clockReading{Now: s.Now()}, nil
		}},
		{"GET /_fake/requests", []string{"Requests"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return s.Requests(), nil
		}},
		{"DELETE /_fake/requests", []string{"ResetRequests"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			s.ResetRequests()
			return done, nil
		}},
		{"GET /_fake/counts", []string{"Counts"}, func(s *Server, _ *http.Request, _ []byte) (any, error) {
			return s.Counts(), nil
		}},
		{"POST /_fake/wait-idle", []string{"WaitIdle"}, func(s *Server, r *http.Request, _ []byte) (any, error) {
			return done, s.WaitIdle(r.Context())
		}},
	}
}

// keysLeft answers the key routes.
type keysLeft struct {
	Ref  int `json:"productRef"`
	Left int `json:"keysLeft"`
}

// clockReading answers the clock routes.
type clockReading struct {
	Now time.Time `json:"now"`
}

// publisherSpec names a Publisher in JSON: exactly one of its fields.
type publisherSpec struct {
	GeneratedKeys *string        `json:"generatedKeys"` // the prefix of GeneratedKeys
	HTTP          *HTTPPublisher `json:"http"`
}

func (p publisherSpec) publisher() (Publisher, error) {
	switch {
	case (p.GeneratedKeys == nil) == (p.HTTP == nil):
		return nil, errors.New(`give one of generatedKeys (a key prefix) or http ({"baseURL","username","password"})`)
	case p.GeneratedKeys != nil:
		return GeneratedKeys(*p.GeneratedKeys), nil
	case p.HTTP.BaseURL == "":
		return nil, errors.New("http.baseURL is missing")
	}
	return *p.HTTP, nil
}

// adminError is an error answered with a status other than 400.
type adminError struct {
	status int
	msg    string
}

func (e *adminError) Error() string { return e.msg }

// orderOr404 is the snapshot of an order, or a 404 naming it.
func (s *Server) orderOr404(pon string) (any, error) {
	o, ok := s.Order(pon)
	if !ok {
		return nil, &adminError{http.StatusNotFound, fmt.Sprintf("order %q not found", pon)}
	}
	return o, nil
}

// pathRef reads the {ref} of a route's path.
func pathRef(r *http.Request) (int, error) {
	ref, err := strconv.Atoi(r.PathValue("ref"))
	if err != nil || ref <= 0 {
		return 0, fmt.Errorf("product ref %q is not a positive whole number", r.PathValue("ref"))
	}
	return ref, nil
}

// decodeBody decodes an admin request's JSON body.
func decodeBody(body []byte, v any) error {
	if err := decodeStrict(body, v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// checkRoute refuses a Route that is neither RouteAny nor one the fake
// serves: such a fault would never hit.
func (s *Server) checkRoute(r Route) error {
	if r == RouteAny {
		return nil
	}
	method, path, ok := strings.Cut(string(r), " ")
	if ok && strings.HasPrefix(path, "/") {
		req, err := http.NewRequest(method, "http://fake"+strings.NewReplacer("{$}", "", "{", "", "}", "").Replace(path), nil)
		if err == nil && s.routeOf(req) == r {
			return nil
		}
	}
	return fmt.Errorf(`route %q is not a route of the fake (a pattern such as "POST /connect/order/new", or "" for any /connect route)`, r)
}

// adminHandler is the admin API of s.
func (s *Server) adminHandler() http.Handler {
	m := http.NewServeMux()
	for _, rt := range adminRoutes() {
		m.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
			body, err := readAdminBody(w, r)
			if err != nil {
				writeAdmin(w, nil, err)
				return
			}
			v, err := rt.do(s, r, body)
			writeAdmin(w, v, err)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.remoteAdmin && !fromLoopback(r) {
			writeAdmin(w, nil, &adminError{http.StatusForbidden, "the admin API answers callers on loopback only (WithRemoteAdmin, nexway-fake -admin-remote)"})
			return
		}
		if _, pattern := m.Handler(r); pattern == "" {
			writeAdmin(w, nil, noAdminRoute(m, r))
			return
		}
		m.ServeHTTP(w, r)
	})
}

// readAdminBody reads an admin request's body, up to maxAdminBody.
func readAdminBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil { // a client request given to ServeHTTP
		return nil, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &adminError{http.StatusRequestEntityTooLarge, "request body over 32 MiB"}
	case err != nil:
		return nil, fmt.Errorf("reading the request body: %w", err)
	}
	return body, nil
}

// noAdminRoute tells a wrong method (405) from an unknown path (404).
func noAdminRoute(m *http.ServeMux, r *http.Request) error {
	for _, rt := range adminRoutes() {
		method, _, _ := strings.Cut(rt.pattern, " ")
		probe := r.Clone(r.Context())
		probe.Method = method
		if _, pattern := m.Handler(probe); pattern != "" {
			return &adminError{http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", r.Method, r.URL.Path)}
		}
	}
	return &adminError{http.StatusNotFound, fmt.Sprintf("no admin route %s %s", r.Method, r.URL.Path)}
}

// serveAdmin serves a request under AdminPrefix when the admin API is on,
// and reports whether it did.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) bool {
	if s.admin == nil || !strings.HasPrefix(r.URL.Path, AdminPrefix) {
		return false
	}
	s.admin.ServeHTTP(w, r)
	return true
}

// fromLoopback reports whether the request came from a loopback address.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// writeAdmin answers v as JSON, or err as {"error":...} with its status.
func writeAdmin(w http.ResponseWriter, v any, err error) {
	status := http.StatusOK
	if err != nil {
		status = http.StatusBadRequest
		var ae *adminError
		if errors.As(err, &ae) {
			status = ae.status
		}
		v = struct {
			Error string `json:"error"`
		}{err.Error()}
	}
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(struct {
			Error string `json:"error"`
		}{err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
