package nexway

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxMessageLen bounds a server message kept on an error: a hostile or
// broken server must not make error strings unbounded.
const maxMessageLen = 256

// emailPattern finds anything shaped like an e-mail address; server messages
// may echo the customer's address, which must not reach logs.
var emailPattern = regexp.MustCompile(`[^\s@<>()"',;:\[\]]+@[^\s@<>()"',;:\[\]]+`)

// jwtPattern finds anything shaped like a JWT, such as a bearer token a
// server echoes back.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// redactor scrubs the client's own secrets and any e-mail address from text
// that came from the server before it is put on an error.
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

// scrub returns msg without secrets, extra (per-call secrets, the current
// token), e-mail addresses or control characters, cut to maxMessageLen.
func (r *redactor) scrub(msg string, extra ...string) string {
	if msg == "" {
		return ""
	}
	for _, list := range [][]string{r.secrets, extra} {
		for _, s := range list {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "[redacted]")
			}
		}
	}
	if strings.IndexByte(msg, '@') >= 0 {
		msg = emailPattern.ReplaceAllString(msg, "[email]")
	}
	if strings.Contains(msg, "eyJ") {
		msg = jwtPattern.ReplaceAllString(msg, "[redacted]")
	}
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, msg)
	if len(msg) > maxMessageLen {
		cut := maxMessageLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return strings.TrimSpace(msg)
}
