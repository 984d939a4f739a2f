package nexway

import "github.com/nexway-go/nexway/internal/redact"

// Everything that leaves the client (error text, wrapped transport errors,
// APIError and Response fields, log attributes) passes through the call's
// scrub: the secrets, every token the client holds or held lately, and the
// customer's e-mail address are replaced in every encoding a server or
// net/http may echo them in. Only failures and debug logs pay for it.

// maxMessageLen and maxScrubbedMessage bound a server message kept on
// an error (see package redact).
const (
	maxMessageLen      = redact.MaxMessageLen
	maxScrubbedMessage = redact.MaxScrubbedMessage
)

// redactor holds the client's own secrets: the secret header and the IAM
// client secret.
type redactor struct {
	secrets []string
}

func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	for _, s := range secrets {
		if s != "" {
			r.secrets = append(r.secrets, s)
		}
	}
	return r
}

// scrub returns text without anything sensitive to this call.
func (st *callState) scrub(text string) string {
	client, tokens, own := st.secrets()
	return scrubText(text, st.private(), client, tokens, own)
}

// scrubText returns text without the customer data in private, the
// secrets, anything shaped like an e-mail address or a JWT, or control
// characters.
func scrubText(text string, private []string, secrets ...[]string) string {
	return redact.Text(text, private, secrets...)
}

// scrubMessage scrubs a server message and cuts it to maxMessageLen.
func (st *callState) scrubMessage(msg string) string {
	client, tokens, own := st.secrets()
	return redact.Message(msg, st.private(), client, tokens, own)
}

// scrubErr returns err unchanged when its text holds nothing to scrub and
// it wraps none of the package's sentinels (an APIError matches only the
// sentinel its kind gives); otherwise an error with the scrubbed text that
// still matches context.Canceled, context.DeadlineExceeded and timeouts.
// The original is dropped: a caller could otherwise unwrap it and print
// what was scrubbed.
func (st *callState) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	client, tokens, own := st.secrets()
	return scrubError(err, st.private(), client, tokens, own)
}

// scrubError is scrubErr with the values to scrub given. An error that
// wraps one of the package's sentinels is always replaced.
func scrubError(err error, private []string, secrets ...[]string) error {
	return redact.Error(err, err != nil && isSentinel(err), private, secrets...)
}

// private lists the customer data of this call.
func (st *callState) private() []string {
	if st.email[0] == "" {
		return nil
	}
	return st.email[:]
}

// secrets gives the credentials this call must not let out, in groups,
// without copying them: the client's, the tokens it holds or held lately,
// the call's own (a territory secret, the feed's query).
func (st *callState) secrets() (client, tokens, own []string) {
	if st.client != nil {
		client = st.client.redact.secrets
		if st.client.tokens != nil {
			tokens = st.client.tokens.held()
		}
	}
	return client, tokens, st.hidden
}
