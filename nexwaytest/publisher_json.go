package nexwaytest

import (
	"encoding/json"
	"fmt"
)

// httpPublisherJSON is the JSON form of an HTTPPublisher, for the admin
// API: camelCase keys, durations as Go duration strings ("250ms").
type httpPublisherJSON struct {
	BaseURL         string   `json:"baseURL"`
	Username        string   `json:"username,omitzero"`
	Password        string   `json:"password,omitzero"`
	SigningSecret   string   `json:"signingSecret,omitzero"`
	SignedFields    []string `json:"signedFields,omitempty"`
	SignatureHeader string   `json:"signatureHeader,omitzero"`
	Retries         int      `json:"retries,omitzero"`
	Backoff         string   `json:"backoff,omitzero"`
	MaxBackoff      string   `json:"maxBackoff,omitzero"`
}

// MarshalJSON writes the publisher as
// {"baseURL":"…","username":"…","signedFields":[…],"backoff":"10ms",…}:
// zero fields left out, and so are Client, Password and SigningSecret, so
// that a publisher written to a log shows no secret.
func (p HTTPPublisher) MarshalJSON() ([]byte, error) {
	return json.Marshal(httpPublisherJSON{BaseURL: p.BaseURL, Username: p.Username,
		SignedFields: p.SignedFields, SignatureHeader: p.SignatureHeader, Retries: p.Retries,
		Backoff: durationText(p.Backoff), MaxBackoff: durationText(p.MaxBackoff)})
}

// UnmarshalJSON reads the form MarshalJSON writes, password and
// signingSecret included. Unknown fields, and durations that are not Go
// duration strings, are errors naming the field. Client is left nil.
func (p *HTTPPublisher) UnmarshalJSON(b []byte) error {
	var j httpPublisherJSON
	if err := decodeStrict(b, &j); err != nil {
		return fmt.Errorf("nexwaytest: HTTP publisher: %w", err)
	}
	backoff, err := parseDuration("backoff", j.Backoff)
	if err != nil {
		return fmt.Errorf("nexwaytest: HTTP publisher: %w", err)
	}
	most, err := parseDuration("maxBackoff", j.MaxBackoff)
	if err != nil {
		return fmt.Errorf("nexwaytest: HTTP publisher: %w", err)
	}
	*p = HTTPPublisher{BaseURL: j.BaseURL, Username: j.Username, Password: j.Password,
		SigningSecret: j.SigningSecret, SignedFields: j.SignedFields, SignatureHeader: j.SignatureHeader,
		Retries: j.Retries, Backoff: backoff, MaxBackoff: most}
	return nil
}
