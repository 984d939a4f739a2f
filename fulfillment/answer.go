package fulfillment

import "maps"

// Result is what the publisher delivers for a unit. Every field may be
// empty: a cancel is often acknowledged with nothing at all.
type Result struct {
	ActivationCode        string // the key, serial or activation code
	ActivationLink        string // an activation URL
	ActivationFileContent string // a file to deliver with the key, such as a certificate

	// Extra holds other fields for Nexway to keep as additional data on the
	// fulfillment (each one needs a response path configured at Nexway).
	// Values must encode as JSON; the standard names above win over an
	// Extra key of the same name.
	//
	// Text must be UTF-8, as JSON is: a Result (or a Refusal) holding other
	// bytes, which encoding/json would replace with U+FFFD and so deliver a
	// key other than the one issued, is not recorded but answered as a
	// transient failure. Encode binary content, such as a DER certificate,
	// in base64.
	Extra map[string]any
}

// Refusal is the error a Fulfiller returns for a business refusal: no
// license left, unknown product, a cancel for a key already revoked. The
// handler answers it as Nexway reads a failure (HTTP 200 with a non-empty
// errorCode and an errorMessage), records it, and replays it to retries
// without calling the Fulfiller again. Any other error is transient.
type Refusal struct {
	Code    string // such as LICENSE_POOL_EXHAUSTED; "REFUSED" when empty
	Message string // readable detail for Nexway's operations team
}

// Refuse returns a *Refusal with code and message.
func Refuse(code, message string) error { return &Refusal{Code: code, Message: message} }

// Error returns the code and the message.
func (r *Refusal) Error() string {
	if r == nil {
		return "fulfillment: nil *Refusal" // a Fulfiller's bug, answered as a transient failure
	}
	return "fulfillment: refused: " + r.code() + ": " + r.Message
}

// code never returns "": Nexway reads an empty errorCode as success.
func (r *Refusal) code() string {
	if r.Code == "" {
		return "REFUSED"
	}
	return r.Code
}

// message never returns "", so that Nexway's operators see something.
func (r *Refusal) message() string {
	if r.Message == "" {
		return r.code()
	}
	return r.Message
}

// An AnswerShape lays out the JSON body of a 200 answer. Nexway reads any
// shape, through response paths configured per integration, so the shape
// must match that configuration. The values returned are encoded with
// encoding/json.
type AnswerShape interface {
	Success(r *Result) any
	Refused(r *Refusal) any
}

// FlatAnswer is the default AnswerShape, the one Nexway's own plugin uses:
//
//	{"activationCode":"…","activationLink":"…","activationFileContent":"…", …Extra}
//	{"errorCode":"…","errorMessage":"…"}
//
// Empty fields are left out, and so are Extra's errorCode, errorMessage
// and successFlag: Nexway would read them as a failure of a key that is
// recorded as delivered. Response paths: $.activationCode,
// $.activationLink, $.activationFileContent, $.errorCode, $.errorMessage.
type FlatAnswer struct{}

// Success lays r out flat.
func (FlatAnswer) Success(r *Result) any {
	m := make(map[string]any, len(r.Extra)+3)
	maps.Copy(m, r.Extra)
	for _, k := range []string{"errorCode", "errorMessage", "successFlag"} {
		delete(m, k)
	}
	for k, v := range map[string]string{
		"activationCode":        r.ActivationCode,
		"activationLink":        r.ActivationLink,
		"activationFileContent": r.ActivationFileContent,
	} {
		if v != "" {
			m[k] = v
		} else {
			delete(m, k)
		}
	}
	return m
}

// Refused lays r out flat.
func (FlatAnswer) Refused(r *Refusal) any {
	return map[string]string{"errorCode": r.code(), "errorMessage": r.message()}
}

// LicensesAnswer is the shape of the sample answers in Nexway's docs:
//
//	{"licenses":[{"key":"…","activationLink":"…","activationFileContent":"…", …Extra}]}
//	{"error":{"code":"…","message":"…"}}
//
// Response paths: $.licenses[0].key for activationCode, and so on;
// $.error.code and $.error.message for the error.
type LicensesAnswer struct{}

// Success lays r out as one license.
func (LicensesAnswer) Success(r *Result) any {
	lic := FlatAnswer{}.Success(r).(map[string]any)
	if code, ok := lic["activationCode"]; ok {
		delete(lic, "activationCode")
		lic["key"] = code
	}
	return map[string]any{"licenses": []any{lic}}
}

// Refused lays r out as an error object.
func (LicensesAnswer) Refused(r *Refusal) any {
	return map[string]any{"error": map[string]string{"code": r.code(), "message": r.message()}}
}
