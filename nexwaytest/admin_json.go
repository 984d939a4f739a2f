package nexwaytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"time"
	"unicode/utf8"
)

// The JSON forms of the types the admin API carries, in camelCase, with
// enums by name and durations as Go duration strings ("250ms", "2s"), so
// that a test in any language can write and read them.

// MarshalJSON writes the kind's name ("lose-response"); it fails for a
// value that has none.
func (k FaultKind) MarshalJSON() ([]byte, error) { return enumMarshal(faultNames, int(k)) }

// UnmarshalJSON reads the kind's name (in any case) or its number; it
// fails for anything else.
func (k *FaultKind) UnmarshalJSON(b []byte) error {
	return enumUnmarshal(faultNames, "fault kind", b, (*int)(k))
}

// faultJSON is the JSON form of a Fault. It nests itself rather than Fault,
// so a chain of Then is decoded in one pass, not once per level; durations
// are strings parsed after decoding, so that an error can name its field.
type faultJSON struct {
	Kind       FaultKind  `json:"kind"`
	Status     int        `json:"status,omitzero"`
	RetryAfter string     `json:"retryAfter,omitzero"`
	Latency    string     `json:"latency,omitzero"`
	Code       int        `json:"code,omitzero"`
	Times      int        `json:"times,omitzero"`
	Then       *faultJSON `json:"then,omitempty"`
}

func (f *Fault) toJSON() *faultJSON {
	if f == nil {
		return nil
	}
	return &faultJSON{Kind: f.Kind, Status: f.Status, RetryAfter: durationText(f.RetryAfter),
		Latency: durationText(f.Latency), Code: f.Code, Times: f.Times, Then: f.Then.toJSON()}
}

// fault converts a decoded chain back; where names the field in errors.
func (j *faultJSON) fault(where string) (*Fault, error) {
	head := new(Fault)
	for at, src := head, j; ; src, where = src.Then, where+"then." {
		ra, err := parseDuration(where+"retryAfter", src.RetryAfter)
		if err != nil {
			return nil, err
		}
		lat, err := parseDuration(where+"latency", src.Latency)
		if err != nil {
			return nil, err
		}
		*at = Fault{Kind: src.Kind, Status: src.Status, RetryAfter: ra, Latency: lat, Code: src.Code, Times: src.Times}
		if src.Then == nil {
			return head, nil
		}
		at.Then = new(Fault)
		at = at.Then
	}
}

// MarshalJSON writes the fault as
// {"kind":"rate-limit","retryAfter":"2s","then":{...}}: the kind by name,
// durations as Go duration strings, zero fields left out. It fails for a
// kind that has no name.
func (f Fault) MarshalJSON() ([]byte, error) { return json.Marshal(f.toJSON()) }

// UnmarshalJSON reads the form MarshalJSON writes. A missing kind is
// "status". Unknown fields, an unknown kind, and durations that are not Go
// duration strings are errors naming the field.
func (f *Fault) UnmarshalJSON(b []byte) error {
	var j faultJSON
	if err := decodeStrict(b, &j); err != nil {
		return fmt.Errorf("nexwaytest: fault: %w", err)
	}
	g, err := j.fault("")
	if err != nil {
		return fmt.Errorf("nexwaytest: fault: %w", err)
	}
	*f = *g
	return nil
}

// durationText writes d as a Go duration string, "" for 0.
func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// parseDuration reads a Go duration string, "" as 0.
func parseDuration(field, s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s %q is not a duration such as \"250ms\" or \"2s\"", field, s)
	}
	return d, nil
}

// loggedRequestJSON is the JSON form of a LoggedRequest.
type loggedRequestJSON struct {
	Time       time.Time   `json:"time"`
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Route      Route       `json:"route"`
	Header     http.Header `json:"header"`
	Body       string      `json:"body,omitempty"`
	BodyBase64 []byte      `json:"bodyBase64,omitempty"`
	Status     int         `json:"status"`
	Fault      string      `json:"fault,omitempty"`
}

// MarshalJSON writes the request with camelCase keys, its body as text
// under "body" when it is valid UTF-8 (as Nexway's JSON is), else in
// base64 under "bodyBase64"; neither key for an empty body.
func (r LoggedRequest) MarshalJSON() ([]byte, error) {
	j := loggedRequestJSON{Time: r.Time, Method: r.Method, Path: r.Path, Route: r.Route,
		Header: r.Header, Status: r.Status, Fault: r.Fault}
	if utf8.Valid(r.Body) {
		j.Body = string(r.Body)
	} else {
		j.BodyBase64 = r.Body
	}
	return json.Marshal(j)
}

// MarshalJSON writes the line with camelCase keys, and empty lists as []
// rather than null.
func (l LineSnapshot) MarshalJSON() ([]byte, error) {
	type plain LineSnapshot // without this method
	p := plain(l)
	if p.Keys == nil {
		p.Keys = []string{}
	}
	if p.SubscriptionIDs == nil {
		p.SubscriptionIDs = []int{}
	}
	return json.Marshal(p)
}

// decodeStrict decodes one JSON value into v, refusing unknown fields and
// anything after the value. Errors name the field where encoding/json
// knows it.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonError says what was wrong with a JSON document in the terms of the
// document: the field and the JSON type it should have had.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("no JSON value")
	case errors.As(err, &te) && te.Field != "":
		return fmt.Errorf("%s: want %s, got JSON %s", te.Field, jsonKind(te.Type), te.Value)
	case errors.As(err, &te):
		return fmt.Errorf("want %s, got JSON %s", jsonKind(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	}
	return err
}

// jsonKind names the JSON type that decodes into t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	}
	return "an object"
}
