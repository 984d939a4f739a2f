package nexwaytest

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dialect makes the fake answer in one of the shapes Nexway's answers
// plausibly take but its documentation does not show: half of them are
// documented only from the legacy SOAP API or not at all, so a client must
// not depend on the one shape the fake answers by default. Only JSON
// answers are rewritten, after the operation ran; the product feed
// (RouteFeed) is neither rewritten nor compressed. The zero Dialect
// changes nothing.
type Dialect struct {
	// NumbersAsStrings sends every number as a string of its digits
	// ("productRef":"733551"), as some integrations do.
	NumbersAsStrings bool
	// AlternativeNames uses the other names some fields have: the legacy
	// API's "categories" and "subcategory" for the category tree,
	// "productRef" for an offer's "ref", "dateEndDownload" and
	// "downloadEndDate" for the download dates, camelCase for the token
	// answer, and other plausible names for the undocumented subscription
	// fields ("subscriptionStatus", "expiryDate", "renewalCount",
	// "lastPartnerOrderNumber", "id"), with capitalised status and offer
	// type values ("Canceled", "Up").
	AlternativeNames bool
	// Dates sends dates ("2026-01-26") in another form.
	Dates DateForm
	// NullLists sends null for every empty list.
	NullLists bool
	// SingleObjects sends a list of one object as the object itself, as
	// converters from XML do.
	SingleObjects bool
	// ExtraFields adds fields no client knows to every object.
	ExtraFields bool
	// Compression compresses every answer, whether or not the client asked:
	// "gzip" or "deflate" (Content-Encoding); "" sends it as it is.
	Compression string
	// ByteOrderMark puts a UTF-8 byte order mark before every JSON answer,
	// as some Windows-hosted gateways and .NET serializers do.
	ByteOrderMark bool
	// NoDownloadEndDate leaves downloadEndDate out of the download info,
	// whose fields only the legacy API documents: a client extending the
	// window by a period must find its base elsewhere.
	NoDownloadEndDate bool
}

// DateForm is a way to send a calendar date.
type DateForm int

// Date forms.
const (
	// DatePlain sends "2026-01-26", the documented form.
	DatePlain DateForm = iota
	// DateRFC3339 sends a timestamp in the day, with an offset:
	// "2026-01-26T10:00:00+02:00".
	DateRFC3339
	// DateTime sends "2026-01-26 00:00:00".
	DateTime
	// DateEpoch sends the seconds since 1970 of an hour into the day, as a
	// number.
	DateEpoch
	// DateEpochMillis sends the milliseconds since 1970 of midnight UTC, as
	// a string.
	DateEpochMillis
)

// WithDialect makes the fake answer every request in d.
func WithDialect(d Dialect) Option {
	return func(c *config) error { c.dialect, c.variants = d, false; return nil }
}

// WithVariants makes the fake answer each request in a dialect drawn at
// random from a source seeded by seed: every field of Dialect is on or off
// with even odds, and the date form and compression are drawn among all;
// ByteOrderMark and NoDownloadEndDate stay off, so that a test decoding the
// fake's answers by hand keeps working.
// The same seed and the same requests give the same answers. Run a
// storefront's tests with it to make sure they do not depend on one shape.
//
// StartServer and NewServer also turn it on when the environment variable
// NEXWAYTEST_VARIANTS holds a seed (an integer), so that a whole test suite
// or example program can run in this mode unchanged.
func WithVariants(seed int64) Option {
	return func(c *config) error {
		c.variants, c.variantSeed = true, seed
		return nil
	}
}

// variantsFromEnv applies NEXWAYTEST_VARIANTS, which a test run sets.
func variantsFromEnv(c *config) {
	if v := os.Getenv("NEXWAYTEST_VARIANTS"); v != "" {
		if seed, err := strconv.ParseInt(v, 10, 64); err == nil {
			c.variants, c.variantSeed = true, seed
		}
	}
}

// dialects picks the dialect of each answer.
type dialects struct {
	fixed Dialect
	mu    sync.Mutex
	rng   *rand.Rand // nil: always fixed
}

func newDialects(c *config) *dialects {
	d := &dialects{fixed: c.dialect}
	if c.variants {
		d.rng = rand.New(rand.NewPCG(uint64(c.variantSeed), 0x6469616c656374))
	}
	return d
}

func (d *dialects) next() Dialect {
	if d.rng == nil {
		return d.fixed
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	coin := func() bool { return d.rng.IntN(2) == 1 }
	return Dialect{
		NumbersAsStrings: coin(), AlternativeNames: coin(), Dates: DateForm(d.rng.IntN(5)),
		NullLists: coin(), SingleObjects: coin(), ExtraFields: coin(),
		Compression: [...]string{"", "gzip", "deflate"}[d.rng.IntN(3)],
	}
}

func (d Dialect) rewrites() bool {
	return d.NumbersAsStrings || d.AlternativeNames || d.Dates != DatePlain || d.NullLists || d.SingleObjects || d.ExtraFields ||
		d.ByteOrderMark || d.NoDownloadEndDate
}

// alternativeNames are the other names of fields, per route.
var alternativeNames = map[Route]map[string]string{
	RouteCategories:         {"categoryList": "categories", "Subcategory list": "subcategory"},
	RouteCrossSell:          {"ref": "productRef"},
	RouteDownloadInfo:       {"downloadEndDate": "dateEndDownload"},
	RouteExtendDownload:     {"newDownloadEndDate": "downloadEndDate"},
	RouteToken:              {"access_token": "accessToken", "expires_in": "expiresIn", "refresh_token": "refreshToken", "refresh_expires_in": "refreshExpiresIn"},
	RouteSubscriptionStatus: subscriptionNames,
	RouteSubscriptionCancel: subscriptionNames,
	RouteSubscriptionRenew:  subscriptionNames,
}

var subscriptionNames = map[string]string{"status": "subscriptionStatus", "expirationDate": "expiryDate", "generation": "renewalCount",
	"currentPartnerOrderNumber": "lastPartnerOrderNumber", "subscriptionId": "id"}

var plainDatePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// speak rewrites a JSON answer of route in d. An answer that is not JSON
// is returned as it is.
func (d Dialect) speak(route Route, body []byte) []byte {
	if !d.rewrites() {
		return body
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var tree any
	if dec.Decode(&tree) != nil {
		return body
	}
	if obj, ok := tree.(map[string]any); ok && d.NoDownloadEndDate && route == RouteDownloadInfo {
		delete(obj, "downloadEndDate")
	}
	tree = d.rewrite(route, tree, true)
	var buf bytes.Buffer
	if d.ByteOrderMark {
		buf.WriteString("\uFEFF")
	}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(tree) != nil {
		return body
	}
	return buf.Bytes()
}

func (d Dialect) rewrite(route Route, x any, top bool) any {
	switch x := x.(type) {
	case map[string]any:
		for k, v := range x {
			x[k] = d.rewrite(route, v, false)
		}
		if d.AlternativeNames {
			d.rename(route, x, top)
		}
		if d.ExtraFields {
			x["x-trace"] = map[string]any{"span": "3f2a", "sampled": true}
			x["deprecatedField"] = nil
		}
		return x
	case []any:
		for i, v := range x {
			x[i] = d.rewrite(route, v, false)
		}
		switch {
		case len(x) == 0 && d.NullLists:
			return nil
		case len(x) == 1 && d.SingleObjects:
			if _, obj := x[0].(map[string]any); obj {
				return x[0]
			}
		}
		return x
	case json.Number:
		if d.NumbersAsStrings {
			return string(x)
		}
	case string:
		if d.Dates != DatePlain && plainDatePattern.MatchString(x) {
			return d.Dates.format(x)
		}
	}
	return x
}

func (d Dialect) rename(route Route, obj map[string]any, top bool) {
	for from, to := range alternativeNames[route] {
		if from == "subscriptionId" && !top {
			continue // the subscription's own id, not an order line's
		}
		if v, ok := obj[from]; ok {
			delete(obj, from)
			obj[to] = v
		}
	}
	for _, k := range []string{"subscriptionStatus", "type"} {
		if s, ok := obj[k].(string); ok && (k == "type") == (route == RouteCrossSell) {
			if s == "cancelled" {
				s = "canceled"
			}
			obj[k] = strings.ToUpper(s[:min(1, len(s))]) + s[min(1, len(s)):]
		}
	}
}

func (f DateForm) format(date string) any {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	switch f {
	case DateRFC3339:
		return t.Add(10 * time.Hour).In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
	case DateTime:
		return t.Format(time.DateTime)
	case DateEpoch:
		return json.Number(strconv.FormatInt(t.Add(time.Hour).Unix(), 10))
	case DateEpochMillis:
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return date
}

// compress encodes body for the Content-Encoding d names.
func (d Dialect) compress(h http.Header, body []byte) []byte {
	if len(body) == 0 {
		return body // nothing to encode: a 204 sends no body at all
	}
	var buf bytes.Buffer
	switch d.Compression {
	case "gzip":
		zw := gzip.NewWriter(&buf)
		zw.Write(body)
		zw.Close()
	case "deflate":
		zw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		zw.Write(body)
		zw.Close()
	default:
		return body
	}
	h.Set("Content-Encoding", d.Compression)
	h.Del("Content-Length")
	return buf.Bytes()
}

// dialectWriter holds an answer until the handler is done, then sends it
// in the dialect.
type dialectWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *dialectWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *dialectWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// Unwrap lets http.ResponseController reach the connection, for faults.
func (w *dialectWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish sends the held answer, rewritten when it is JSON.
func (w *dialectWriter) finish(d Dialect, route Route) {
	if w.status == 0 {
		return // nothing was written (a hijacked connection)
	}
	body := w.body.Bytes()
	h := w.ResponseWriter.Header()
	h.Del("Content-Length") // the body changes
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		body = d.speak(route, body)
	}
	body = d.compress(h, body)
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(body)
}
