package nexwaytest

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nexway-go/nexway/internal/strictjson"
)

// LicenseRequest is what the fake tells a real-time publisher about the unit
// it wants a key for: the fields of the body Nexway's default fulfillment
// template sends (https://apidoc.nexway.store/docs/guides/fulfillment-principles).
type LicenseRequest struct {
	// Operation is "create" for a unit sold, "renew" for a renewal of a
	// subscribed unit (HTTPPublisher calls /licenses/new and
	// /licenses/renew).
	Operation string
	// FulfillmentID is a UUID drawn for the unit: Nexway's id of the
	// license, the same on every retry and, as on Nexway's License
	// Manager, on every renewal of a subscribed unit. A publisher keys a
	// create by it, and a renewal by it and OrderID.
	FulfillmentID string
	// OrderID is the Nexway order number, in decimal: the renewal order's
	// for a renewal, so that each generation has its own.
	OrderID string
	// SubscriptionID is the subscription's id, in decimal, for a renewal;
	// "" for a create (the fake starts a subscription once its order is
	// delivered).
	SubscriptionID string
	// LineItemID is a UUID drawn for the unit's line item.
	LineItemID string
	// ProductRef is the Nexway product reference.
	ProductRef int
	// ProductName is the product's catalog name.
	ProductName string
	// PublisherProductID is the publisher's own SKU of the product; the
	// fake's catalog has none, so it is always "".
	PublisherProductID string
	// GrossPrice is the unit price: the order line's amountTotal, else its
	// amountDutyFree, divided by the quantity, else the catalog price;
	// rounded to cents.
	GrossPrice float64
	// Currency is the order's ISO 4217 currency.
	Currency string
	// UserID is the customer's partnerId, or the e-mail when none was sent.
	UserID string
	// Email is the customer's e-mail address.
	Email string
	// Country is the invoice country, ISO 3166-1 alpha-2 ("FR").
	Country string
	// Locale is the customer's language as a BCP 47 tag (fr_FR → fr-FR).
	Locale string
	// FirstName is the invoice first name, "" when none was sent.
	FirstName string
	// LastName is the invoice last name, "" when none was sent.
	LastName string
}

// Publisher issues a license key in real time, as a publisher's fulfillment
// endpoint does for Nexway.
type Publisher interface {
	// Issue returns the key for one unit. The fake calls it outside its
	// lock, once per unit at a time, with a context that Close cancels. An
	// error, an empty key or a panic leaves the unit without a key (item
	// code 1051), and the fake asks again on later reads of the order
	// (get-order, download info), as Nexway retries in the background;
	// HTTPPublisher's transient failures are also retried on their own.
	Issue(ctx context.Context, req LicenseRequest) (key string, err error)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, req LicenseRequest) (string, error)

// Issue calls f.
func (f PublisherFunc) Issue(ctx context.Context, req LicenseRequest) (string, error) {
	return f(ctx, req)
}

// The operations of a LicenseRequest.
const (
	OperationCreate = "create" // a unit sold: POST /licenses/new
	OperationRenew  = "renew"  // a subscription's renewal: POST /licenses/renew
)

// maxPublisherResponse caps how much of a publisher's answer is read.
const maxPublisherResponse = 1 << 20

// defaultPublisherTimeout applies when HTTPPublisher.Client is nil.
const defaultPublisherTimeout = 10 * time.Second

// Defaults of HTTPPublisher's background retries.
const (
	// DefaultPublisherRetries is how many times HTTPPublisher's failed
	// calls are retried when its Retries field is 0.
	DefaultPublisherRetries = 8
	// DefaultPublisherBackoff is the wait before the first retry when
	// HTTPPublisher's Backoff field is 0.
	DefaultPublisherBackoff = 10 * time.Millisecond
	// DefaultPublisherMaxBackoff caps the wait between retries when
	// HTTPPublisher's MaxBackoff field is 0.
	DefaultPublisherMaxBackoff = time.Second
)

// DefaultSignatureHeader is the header that carries the request signature
// when HTTPPublisher's SignatureHeader field is "", as at Nexway.
const DefaultSignatureHeader = "X-Nexway-Signature"

// HTTPPublisher is a Publisher that calls a publisher's real fulfillment
// endpoint the way Nexway's default template does
// (https://apidoc.nexway.store/docs/guides/fulfillment-principles):
// POST BaseURL+"/licenses/new" (BaseURL+"/licenses/renew" for a
// subscription's renewal, with the license's fulfillmentId and the renewal
// order's orderId) with HTTP Basic auth and the default JSON body,
// {"fulfillmentId", "checkout": {"orderId", "lineItemId", "subscriptionId", "price"},
// "user": {"id", "email", "country", "locale", "firstName", "lastName"},
// "product": {"id", "name", "price"}}, where fulfillmentId is the unit's
// and stays the same on every retry. The body is refused, nothing sent,
// if it does not read one way only (see fulfillment's package doc): the
// fake never sends what a strict publisher must refuse. With SigningSecret set, the request
// carries Nexway's signature of SignedFields in SignatureHeader
// (https://apidoc.nexway.store/docs/guides/fulfillment-templating).
// Fulfillment ids come from the fake's seeded source (WithSeed): a
// publisher's store kept from one run to the next would replay the first
// run's answers to the second.
//
// Success is a 2xx answer with no non-empty errorCode and a key at
// "activationCode" or "licenses[0].key". Anything else (non-2xx, an
// errorCode, an {"error":{...}} object, no key) is a failure, and leaves
// the unit without a key: the order line item answers 1051 with no serial.
//
// A call that fails with a 5xx, 408 or 429 status, or with a transport
// error (no answer, a cut answer, a timeout), is retried in the background
// with the same body, as Nexway retries, up to Retries times: after
// Backoff, then twice as long each time up to MaxBackoff, or after the
// answer's Retry-After when longer (up to MaxBackoff too). The unit is
// delivered when a retry succeeds; reads of the order meanwhile show it
// undelivered and do not call the publisher. Close stops the retries,
// and Reset those of the orders it drops.
// Nexway documents automatic retries but not their schedule; it also
// retries other 4xx statuses, which the fake leaves, with every failure
// that outlasts the retries, to the next read of the order (get-order,
// download info), as for any Publisher: a refused credential or signature
// would fail the same way each time.
type HTTPPublisher struct {
	// BaseURL is the publisher's fulfillment base URL, absolute http or
	// https, without query or fragment; "/licenses/new" is appended,
	// after any trailing slash is removed.
	BaseURL string `json:"baseURL"`
	// Username is the HTTP Basic user Nexway would be given: UTF-8
	// without a colon or control characters (RFC 7617), as Password.
	Username string `json:"username"`
	// Password is the HTTP Basic password; it never appears in an error.
	Password string `json:"password"`
	// Client makes the calls; nil means a client with a 10 s timeout.
	Client *http.Client `json:"-"`
	// SigningSecret, when not "", makes each request carry the
	// HMAC-SHA256 signature keyed with it, as Nexway sends when signing is
	// enabled for the integration. It never appears in an error.
	SigningSecret string `json:"signingSecret"`
	// SignedFields are the JSONPaths into the body that are signed, such
	// as "$.fulfillmentId" or "$.checkout.price.grossPrice" ($ then .name,
	// ['name'] or [index] steps, each reaching a string, a number, a
	// boolean, null or nothing); required with SigningSecret. They are
	// sorted and de-duplicated, as Nexway stores them.
	SignedFields []string `json:"signedFields"`
	// SignatureHeader is the header that carries the signature; ""
	// means DefaultSignatureHeader.
	SignatureHeader string `json:"signatureHeader"`
	// Retries is how many times a call that failed with a 5xx, 408 or 429
	// status or a transport error is tried again in the background: 0
	// means DefaultPublisherRetries, a negative number none.
	Retries int `json:"retries"`
	// Backoff is the wait before the first retry, doubled for each next
	// one: 0 means DefaultPublisherBackoff. In JSON, a Go duration string
	// such as "250ms".
	Backoff time.Duration `json:"backoff"`
	// MaxBackoff caps the wait before a retry, Retry-After included: 0
	// means DefaultPublisherMaxBackoff. In JSON, a Go duration string.
	MaxBackoff time.Duration `json:"maxBackoff"`
}

// publisherBody is the body of Nexway's default fulfillment template.
type publisherBody struct {
	FulfillmentID string            `json:"fulfillmentId"`
	Checkout      publisherCheckout `json:"checkout"`
	User          publisherUser     `json:"user"`
	Product       publisherProduct  `json:"product"`
}

type publisherPrice struct {
	GrossPrice float64 `json:"grossPrice"`
	Currency   string  `json:"currency"`
}

type publisherCheckout struct {
	OrderID        string         `json:"orderId"`
	LineItemID     string         `json:"lineItemId"`
	SubscriptionID string         `json:"subscriptionId,omitempty"`
	Price          publisherPrice `json:"price"`
}

type publisherUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	Country   string `json:"country"`
	Locale    string `json:"locale"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
}

type publisherProduct struct {
	ID                 string         `json:"id"`
	Name               string         `json:"name"`
	PublisherProductID string         `json:"publisherProductId,omitempty"`
	Price              publisherPrice `json:"price"`
}

// publisherAnswer holds the response fields the fake looks at.
type publisherAnswer struct {
	ActivationCode string          `json:"activationCode"`
	ErrorCode      json.RawMessage `json:"errorCode"`
	Error          json.RawMessage `json:"error"`
	Licenses       []struct {
		Key string `json:"key"`
	} `json:"licenses"`
}

// Issue posts the request to the publisher and extracts the key. Errors
// carry the HTTP status or the publisher's error code, never its body, the
// credentials or the signing secret. At most 1 MiB of the answer is read.
// It fails before any call when a field is invalid (see SetPublisher), or
// when a text of req is not UTF-8 (JSON would send U+FFFD in its place).
func (p HTTPPublisher) Issue(ctx context.Context, req LicenseRequest) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	price := publisherPrice{GrossPrice: req.GrossPrice, Currency: req.Currency}
	body, err := json.Marshal(publisherBody{
		FulfillmentID: req.FulfillmentID,
		Checkout: publisherCheckout{OrderID: req.OrderID, LineItemID: req.LineItemID,
			SubscriptionID: req.SubscriptionID, Price: price},
		User: publisherUser{ID: req.UserID, Email: req.Email, Country: req.Country, Locale: req.Locale,
			FirstName: req.FirstName, LastName: req.LastName},
		Product: publisherProduct{ID: strconv.Itoa(req.ProductRef), Name: req.ProductName,
			PublisherProductID: req.PublisherProductID, Price: price},
	})
	if err != nil {
		return "", fmt.Errorf("publisher: encode request: %w", err)
	}
	if strictjson.Faithful(body) != nil {
		return "", errors.New("publisher: a request field is not UTF-8: JSON would send U+FFFD instead")
	}
	hreq, err := p.request(ctx, routeOf(req.Operation), body)
	if err != nil {
		return "", err
	}
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: defaultPublisherTimeout}
	}
	resp, err := client.Do(hreq)
	if err != nil {
		return "", transportFailure(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxPublisherResponse))
	if err != nil {
		return "", transportFailure(ctx, fmt.Errorf("read response: %w", err))
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("publisher: HTTP %d", resp.StatusCode)
		if s := resp.StatusCode; s >= 500 || s == http.StatusRequestTimeout || s == http.StatusTooManyRequests {
			return "", &retryableError{err: err, after: retryAfter(resp.Header)}
		}
		return "", err
	}
	var a publisherAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", errors.New("publisher: response is not a JSON object")
	}
	if code := rawErrorCode(a.ErrorCode); code != "" {
		return "", fmt.Errorf("publisher: errorCode %q", code)
	}
	if len(a.Error) > 0 && !isNull(a.Error) {
		var e struct {
			Code any `json:"code"`
		}
		_ = json.Unmarshal(a.Error, &e)
		return "", fmt.Errorf("publisher: error %v", e.Code)
	}
	if a.ActivationCode != "" {
		return a.ActivationCode, nil
	}
	if len(a.Licenses) > 0 && a.Licenses[0].Key != "" {
		return a.Licenses[0].Key, nil
	}
	return "", errors.New("publisher: no key in response")
}

// routeOf is the path of the default template's call for an operation.
func routeOf(op string) string {
	if op == OperationRenew {
		return "/licenses/renew"
	}
	return "/licenses/new"
}

// request builds the POST of body to route, with its credentials and
// signature. A body that does not read one way only is not sent.
func (p HTTPPublisher) request(ctx context.Context, route string, body []byte) (*http.Request, error) {
	if _, err := strictjson.Parse(body); err != nil {
		return nil, fmt.Errorf("publisher: refusing an ambiguous body: %w", err)
	}
	target := strings.TrimRight(p.BaseURL, "/") + route
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("publisher: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	hreq.SetBasicAuth(p.Username, p.Password)
	if p.SigningSecret != "" {
		sig, err := signBody(p.SigningSecret, p.SignedFields, body)
		if err != nil {
			return nil, fmt.Errorf("publisher: sign: %w", err)
		}
		hreq.Header.Set(cmp.Or(p.SignatureHeader, DefaultSignatureHeader), sig)
	}
	return hreq, nil
}

// check reports, naming it, a field that would make every call fail.
func (p HTTPPublisher) check() error {
	u, err := url.Parse(p.BaseURL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return errors.New("publisher: BaseURL is not an absolute http or https URL")
	case u.User != nil:
		return errors.New("publisher: BaseURL holds credentials: set Username and Password instead")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(p.BaseURL, "#"):
		return errors.New("publisher: BaseURL holds a query or a fragment, which the route appended after it would not reach")
	case strings.Contains(p.Username, ":") || !basicText(p.Username):
		return errors.New("publisher: Username holds a colon, a control character or text that is not UTF-8, which Basic auth cannot carry")
	case !basicText(p.Password):
		return errors.New("publisher: Password holds a control character or text that is not UTF-8, which Basic auth cannot carry")
	case p.SigningSecret != "" && len(p.SignedFields) == 0:
		return errors.New("publisher: SigningSecret is set but SignedFields is empty")
	case p.SigningSecret == "" && len(p.SignedFields) > 0:
		return errors.New("publisher: SignedFields is set but SigningSecret is empty")
	case p.SignatureHeader != "" && !isToken(p.SignatureHeader):
		return fmt.Errorf("publisher: SignatureHeader %q is not a header name", p.SignatureHeader)
	case p.Backoff < 0 || p.MaxBackoff < 0:
		return errors.New("publisher: Backoff or MaxBackoff is negative")
	}
	for _, f := range p.SignedFields {
		if _, err := parseField(f); err != nil {
			return fmt.Errorf("publisher: SignedFields: %w", err)
		}
	}
	return nil
}

// basicText reports whether s can be a Basic credential (RFC 7617):
// UTF-8 without control characters.
func basicText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// isToken reports whether s is an HTTP token, as a header name must be.
func isToken(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r)
	})
}

// retryableError is a failure that Nexway retries: a 5xx, 408 or 429
// answer, or a transport error.
type retryableError struct {
	err   error
	after time.Duration // the answer's Retry-After; 0 when none
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// transportFailure reports a call that got no whole answer: retryable,
// unless ctx ended (the fake is closing).
func transportFailure(ctx context.Context, err error) error {
	err = fmt.Errorf("publisher: %w", err)
	if ctx.Err() != nil {
		return err
	}
	return &retryableError{err: err}
}

// maxRetryAfter bounds a Retry-After header, which MaxBackoff caps anyway.
const maxRetryAfter = time.Hour

// retryAfter reads a Retry-After header, in seconds or as an HTTP date; 0
// when absent or unreadable.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(min(secs, int(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}

// retryDelay is the wait before retry n (from 1) of a call that failed
// with err, and false when err is not worth retrying or the retries are
// spent.
func (p HTTPPublisher) retryDelay(n int, err error) (time.Duration, bool) {
	var re *retryableError
	if !errors.As(err, &re) || n > cmp.Or(p.Retries, DefaultPublisherRetries) {
		return 0, false
	}
	wait, most := cmp.Or(p.Backoff, DefaultPublisherBackoff), cmp.Or(p.MaxBackoff, DefaultPublisherMaxBackoff)
	for i := 1; i < n && wait < most; i++ {
		wait *= 2
	}
	return min(max(wait, re.after), most), true
}

// rawErrorCode returns errorCode as text: "" when absent, null or "", else
// the value (Nexway takes any non-empty errorCode as a failure, so a
// numeric 0 counts too).
func rawErrorCode(b json.RawMessage) string {
	if len(b) == 0 || isNull(b) {
		return ""
	}
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}

// GeneratedKeys returns a Publisher that makes up keys, for real-time
// products that need no publisher endpoint. Keys look like PREFIX-XXXX-XXXX-XXXX and
// are derived from the request's FulfillmentID (and, for a renewal, its
// OrderID), which the server draws from its seeded source: so they are the
// same on every run with the same seed (WithSeed), and unique across the
// server because fulfillment ids and renewal orders are.
func GeneratedKeys(prefix string) Publisher {
	return generatedKeys{prefix: prefix}
}

type generatedKeys struct{ prefix string }

// keyAlphabet leaves out look-alikes (0/O, 1/I).
const keyAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func (g generatedKeys) Issue(_ context.Context, req LicenseRequest) (string, error) {
	in := g.prefix + "\x00" + req.FulfillmentID
	if req.Operation == OperationRenew {
		in += "\x00renew\x00" + req.OrderID
	}
	sum := sha256.Sum256([]byte(in))
	return formatKey(g.prefix, sum[:12]), nil
}

// formatKey renders 12 bytes as PREFIX-XXXX-XXXX-XXXX.
func formatKey(prefix string, b []byte) string {
	var sb strings.Builder
	if prefix != "" {
		sb.WriteString(prefix)
		sb.WriteByte('-')
	}
	for i := 0; i < 12; i++ {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(keyAlphabet[int(b[i])%len(keyAlphabet)])
	}
	return sb.String()
}

// SetPublisher makes a product real-time, fulfilled by p from the next
// order on (or the next read of an order still missing keys); keys left in
// its batch pool are no longer drawn. It fails for a nil p, an
// HTTPPublisher with an invalid field (the error names it), or a product
// not in the catalog.
func (s *Server) SetPublisher(ref int, p Publisher) error {
	if hp, ok := p.(*HTTPPublisher); p == nil || (ok && hp == nil) {
		return errors.New("nexwaytest: set publisher: nil publisher")
	}
	if c, ok := p.(interface{ check() error }); ok {
		if err := c.check(); err != nil {
			return fmt.Errorf("nexwaytest: set publisher: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prod := s.products[ref]
	if prod == nil {
		return fmt.Errorf("nexwaytest: set publisher: unknown product %d", ref)
	}
	prod.Fulfillment = FulfillRealTime
	s.publishers[ref] = p
	return nil
}

// issueKey calls a publisher, turning a panic or an empty key into an
// error: a storefront's test publisher must not take the fake down.
func issueKey(ctx context.Context, p Publisher, req LicenseRequest) (key string, err error) {
	if p == nil {
		return "", errors.New("no publisher configured for this real-time product")
	}
	defer func() {
		if r := recover(); r != nil {
			key, err = "", fmt.Errorf("publisher panicked: %v", r)
		}
	}()
	key, err = p.Issue(ctx, req)
	if err == nil && strings.TrimSpace(key) == "" {
		err = errors.New("publisher returned an empty key")
	}
	return key, err
}
