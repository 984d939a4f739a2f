package nexway

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// RawRequest is a call to a Connect operation or shape this package does
// not model, for Client.Do.
type RawRequest struct {
	// Name names the operation in errors and logs, e.g. "OrderHistory";
	// "Raw" when empty.
	Name string
	// Method is GET, POST, PUT, PATCH or DELETE.
	Method string
	// Path is relative to the base URL, e.g. "connect/order/history":
	// segments of letters, digits, "-._~" and %-escapes (url.PathEscape a
	// caller-supplied segment), separated by single slashes. So that the
	// path means the same to every gateway and server on the way, Do
	// refuses, with ErrInvalidArgument naming "path", a segment that is or
	// decodes to "." or ".." in any case of its escapes ("%2e%2E"), or only
	// dots (and spaces, "..%20", which Windows servers drop), or dots before
	// a ";" parameter; an escaped "/" or "\" (%2F, %5C:
	// a segment cannot hold them); an escaped "%" that starts another
	// escape ("%252e", read as "." by a server that decodes twice; "%25"
	// alone is allowed); and escapes that decode to invalid UTF-8 or
	// control characters.
	Path string
	// Query is added to the URL; nil adds none.
	Query url.Values
	// Body is sent as JSON; nil sends no body.
	Body any
	// Write says the operation changes state at Nexway: a failure after
	// an attempt that may have been processed is then ErrAmbiguous, as for
	// the package's own writes.
	Write bool
	// Resend says an attempt that may have been processed may be sent
	// again: true for a read (Nexway reads with POST too) or a write whose
	// repetition is harmless. Attempts that never left are resent anyway.
	Resend bool
}

// RawResponse is the answer to Client.Do. Its Envelope holds Nexway's
// responseCode and responseMessage, and Raw the whole JSON answer.
type RawResponse struct {
	Envelope
}

// Decode decodes the answer into v, a pointer, leniently as the package
// decodes its own results when v points to a struct (see Envelope): what
// encoding/json would decode is decoded as it would be (maps, interfaces,
// arrays, pointers, json.RawMessage, types with UnmarshalJSON or
// UnmarshalText, embedded structs, ",string" fields), and scalars of
// another type than their field's are converted when they can be and left
// as they are when not, without losing the rest. When a conversion is
// needed, the struct is decoded afresh: fields the answer does not set are
// zero. Decoding takes time and memory in proportion to Raw. It fails only
// when Raw is not JSON (or nests deeper than 100 levels).
func (r *RawResponse) Decode(v any) error {
	if v == nil {
		return invalid("v", "is nil")
	}
	_, err := decodeJSON(r.Raw, v)
	return err
}

var rawMethods = map[string]bool{http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true, http.MethodDelete: true}

// Do sends a call the package does not model, the way it sends its own:
// with the secret (or the per-call territory secret), the token, the rate
// limiter and the retry policy (r.Resend says whether an attempt that may
// have been processed may be sent again), and with the answer's HTTP status
// and responseCode mapped to the package's errors. Only the codes every
// operation shares have a sentinel (70 and 71 ErrInvalidSecret, 1000
// ErrUnavailable, a code below 1000 ErrValidation); another non-zero code
// is an *APIError matching no sentinel, with its ResponseCode. An answer
// that is not a JSON object fails with ErrInvalidResponse (ErrAmbiguous
// for a write). It fails with ErrInvalidArgument, before any I/O, on a
// method, path or query it cannot send.
func (c *Client) Do(ctx context.Context, r *RawRequest, opts ...CallOption) (*RawResponse, error) {
	if r == nil {
		return nil, invalid("request", "is nil")
	}
	name := r.Name
	if name == "" {
		name = "Raw"
	}
	switch {
	case !validHeaderName(name):
		return nil, invalid("name", "must be letters, digits and -._")
	case !rawMethods[r.Method]:
		return nil, invalid("method", "must be GET, POST, PUT, PATCH or DELETE")
	case rawPathProblem(r.Path) != "":
		return nil, invalid("path", rawPathProblem(r.Path))
	}
	path := r.Path
	if len(r.Query) > 0 {
		for k, vs := range r.Query {
			if !utf8.ValidString(k) || !utf8.ValidString(strings.Join(vs, "")) {
				return nil, invalid("query", "must be valid UTF-8")
			}
		}
		path += "?" + r.Query.Encode()
	}
	op := &operation{name: name, retryAmbiguous: r.Resend, mutates: r.Write, raw: true}
	var out RawResponse
	k := &call{op: op, method: r.Method, path: path, in: r.Body, out: &out, opts: opts}
	if err := c.do(ctx, k); err != nil {
		return nil, err
	}
	return &out, nil
}

// rawPathProblem accepts a relative path of segments of unreserved
// characters and %-escapes whose decoded form means one thing to every
// server on the way (RFC 3986 §3.3, §6.2.2): no segment that is, or
// decodes to, "." or ".." (nor only dots, nor dots before a ";" path
// parameter, nor fullwidth dots some servers normalise to "."); no
// encoded "/" or "\" (%2F, %5C), after which servers disagree on where a
// segment ends; no encoded "%" that starts another escape ("%252e"), which
// a server that decodes twice reads as another path; nothing that decodes
// to invalid UTF-8 (overlong forms of "." such as %C0%AE) or to a control
// character.
func rawPathProblem(path string) string {
	if path == "" || path[0] == '/' {
		return "must be a non-empty path relative to the base URL"
	}
	for seg := range strings.SplitSeq(path, "/") {
		if seg == "" {
			return "must not have empty segments"
		}
		escaped := false
		for i := 0; i < len(seg); i++ {
			b := seg[i]
			switch {
			case isLetter(b) || isDigit(b) || strings.IndexByte("-._~", b) >= 0:
			case b == '%' && i+2 < len(seg) && isHex(seg[i+1]) && isHex(seg[i+2]):
				i += 2
				escaped = true
			default:
				return "must be letters, digits, -._~ and %-escapes, separated by single slashes"
			}
		}
		dec := seg
		if escaped {
			dec, _ = url.PathUnescape(seg) // well-formed: checked above
		}
		if problem := segmentProblem(dec); problem != "" {
			return problem
		}
	}
	return ""
}

// segmentProblem judges a decoded path segment.
func segmentProblem(dec string) string {
	switch {
	case dotSegment(dec):
		return "must not have \".\" or \"..\" segments, plain or %-encoded"
	case strings.ContainsAny(dec, "/\\"):
		return "must not encode \"/\" or \"\\\" in a segment (%2F, %5C)"
	case hasEscape(dec):
		return "must not encode a \"%\" that starts another escape (%25 before two hex digits)"
	case !utf8.ValidString(dec) || strings.ContainsFunc(dec, unicode.IsControl):
		return "must decode to valid UTF-8 without control characters"
	}
	return ""
}

// dotSegment reports a segment that some server may take for "." or "..":
// only dots, before any ";" path parameter, fullwidth and one-dot-leader
// forms counted as dots, and spaces among them (Windows servers drop
// trailing dots and spaces: "..%20" is "..").
func dotSegment(dec string) bool {
	dec, _, _ = strings.Cut(dec, ";")
	dots := false
	for _, r := range dec {
		switch r {
		case '.', '\uFF0E', '\u2024', '\uFE52':
			dots = true
		case ' ':
		default:
			return false
		}
	}
	return dots
}

// hasEscape reports whether s holds a %-escape.
func hasEscape(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == '%' && isHex(s[i+1]) && isHex(s[i+2]) {
			return true
		}
	}
	return false
}

func isHex(b byte) bool { return isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F') }
