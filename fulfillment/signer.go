package fulfillment

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultSignatureHeader is the header in which Nexway sends the request
// signature unless the integration names another.
const DefaultSignatureHeader = "X-Nexway-Signature"

// ErrBadSignature reports a missing, malformed or wrong request signature.
var ErrBadSignature = errors.New("fulfillment: bad request signature")

// A Signer computes and checks Nexway's request signature, an HMAC-SHA256
// over chosen fields of the JSON body. The signed input is a compact JSON
// object mapping each field's JSONPath, in sorted order, to its value as a
// string (strings raw, numbers in plain decimal with no exponent or
// trailing zeros, booleans as true or false, null or missing as ""); the
// signature is the HMAC of that input keyed with the secret's UTF-8 bytes,
// in lowercase hex. The scheme is described at
// https://apidoc.nexway.store/docs/guides/fulfillment-templating.
//
// A Signer is safe for concurrent use. It signs bodies for tests and for a
// fake Nexway, and verifies them in a Handler (see WithSignature).
type Signer struct {
	key   []byte
	paths []path // sorted by text and de-duplicated, as Nexway stores them
}

// NewSigner returns a Signer for the integration's secret and signed
// fields (JSONPaths such as "$.checkout.orderId"). It fails when the secret
// is empty, no field is given, or a field is not a path of the form
// $.name, $['name'] or $.list[0].
func NewSigner(secret string, fields ...string) (*Signer, error) {
	if secret == "" {
		return nil, errors.New("fulfillment: signer: empty secret")
	}
	if len(fields) == 0 {
		return nil, errors.New("fulfillment: signer: no signed field")
	}
	texts := slices.Clone(fields)
	slices.Sort(texts)
	texts = slices.Compact(texts)
	s := &Signer{key: []byte(secret)}
	for _, t := range texts {
		p, err := parsePath(t)
		if err != nil {
			return nil, err
		}
		s.paths = append(s.paths, p)
	}
	return s, nil
}

// Fields returns the signed fields in the order they are signed.
func (s *Signer) Fields() []string {
	out := make([]string, len(s.paths))
	for i, p := range s.paths {
		out[i] = p.text
	}
	return out
}

// Canonical returns the input that Sign hashes for body: what Nexway's
// signing-key self-test calls canonicalInput. It fails when body is not
// JSON or a signed field holds an object or an array.
func (s *Signer) Canonical(body []byte) ([]byte, error) {
	doc, err := decodeDoc(body)
	if err != nil {
		return nil, fmt.Errorf("fulfillment: signer: body is not JSON: %w", err)
	}
	return canonicalInput(doc, s.paths, false)
}

// Sign returns the signature of body, as 64 lowercase hex digits: the
// value of the signature header. It fails as Canonical does.
func (s *Signer) Sign(body []byte) (string, error) {
	in, err := s.Canonical(body)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(s.mac(in)), nil
}

// Verify checks signature (hex, either case) against body. It returns an
// error matching ErrBadSignature when they do not match, and a plain error
// when body cannot be signed at all.
func (s *Signer) Verify(body []byte, signature string) error {
	doc, err := decodeDoc(body)
	if err != nil {
		return fmt.Errorf("fulfillment: body is not JSON: %w", err)
	}
	return s.verifyDoc(doc, signature)
}

// verifyDoc checks signature against a decoded body. Nexway's docs do not
// say whether its JSON encoder escapes <, > and & in the signed input (Go's
// json.Marshal does by default), so when a value holds one of them both
// spellings are accepted. The comparison takes constant time.
func (s *Signer) verifyDoc(doc any, signature string) error {
	got, err := hex.DecodeString(strings.TrimSpace(signature))
	if err != nil || len(got) != sha256.Size {
		return ErrBadSignature
	}
	in, err := canonicalInput(doc, s.paths, false)
	if err != nil {
		return err
	}
	if hmac.Equal(got, s.mac(in)) {
		return nil
	}
	if bytes.ContainsAny(in, "<>&") {
		escaped, _ := canonicalInput(doc, s.paths, true)
		if hmac.Equal(got, s.mac(escaped)) {
			return nil
		}
	}
	return ErrBadSignature
}

func (s *Signer) mac(in []byte) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write(in)
	return m.Sum(nil)
}
