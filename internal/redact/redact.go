// Package redact takes secrets, tokens and customer e-mail addresses out of
// text that leaves the SDK: error strings, wrapped transport errors, log
// attributes. The client package and package feed share it, so that what
// one hides the other hides alike. Text that holds nothing to hide costs
// no allocation.
package redact

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxMessageLen bounds a message from outside kept on an error: a hostile
// or broken server must not make error strings unbounded.
const MaxMessageLen = 256

// MaxScrubbedMessage is the longest message scrubbed and kept (cut to
// MaxMessageLen); a longer one is dropped whole: scrubbing it would cost
// time in proportion to a hostile size, and cutting it first could cut a
// secret in two and keep half of it.
const MaxScrubbedMessage = 4 * MaxMessageLen

// Redacted replaces a secret.
const Redacted = "[redacted]"

var (
	// emailPattern finds anything shaped like an e-mail address, plain,
	// URL-encoded (%40) or JSON-escaped (\u0040).
	emailPattern = regexp.MustCompile(`(?i)[^\s@<>()"',;:\[\]]+(@|%40|\\u0040)[^\s@<>()"',;:\[\]]+`)
	// jwtPattern finds anything shaped like a JWT, such as a bearer token a
	// server echoes back.
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
)

// Text returns text without the customer data in private, the secrets,
// anything shaped like an e-mail address or a JWT, or control characters.
func Text(text string, private []string, secrets ...[]string) string {
	if text == "" {
		return ""
	}
	for _, v := range private {
		text = replaceEncodings(text, v, "[email]")
	}
	for _, group := range secrets {
		for _, v := range group {
			text = replaceEncodings(text, v, Redacted)
		}
	}
	if strings.ContainsAny(text, "@%\\") {
		text = emailPattern.ReplaceAllString(text, "[email]")
	}
	if strings.Contains(text, "eyJ") {
		text = jwtPattern.ReplaceAllString(text, Redacted)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ' '
		}
		return r
	}, text)
}

// Message is Text for a message from outside the SDK, cut to
// MaxMessageLen, or dropped whole past MaxScrubbedMessage.
func Message(msg string, private []string, secrets ...[]string) string {
	if len(msg) > MaxScrubbedMessage {
		return "[message of " + strconv.Itoa(len(msg)) + " bytes dropped]"
	}
	msg = Text(msg, private, secrets...)
	if len(msg) > MaxMessageLen {
		cut := MaxMessageLen
		for cut > 0 && !utf8.RuneStart(msg[cut]) {
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return strings.TrimSpace(msg)
}

// Error returns err unchanged when its text holds nothing to scrub and
// force is false; otherwise an error with the scrubbed text that still
// matches context.Canceled, context.DeadlineExceeded and timeouts. The
// original is dropped: a caller could otherwise unwrap it and print what
// was scrubbed.
func Error(err error, force bool, private []string, secrets ...[]string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := Text(msg, private, secrets...)
	if clean == msg && !force {
		return err
	}
	var timeout interface{ Timeout() bool }
	return &scrubbedError{
		msg:      clean,
		canceled: errors.Is(err, context.Canceled),
		deadline: errors.Is(err, context.DeadlineExceeded),
		timeout:  errors.As(err, &timeout) && timeout.Timeout(),
	}
}

// replaceEncodings replaces v in text with repl, ignoring ASCII case, as it
// is and as URL, JSON and Go quoting encode it.
func replaceEncodings(text, v, repl string) string {
	if len(v) < minScrubbed {
		return text
	}
	// Every encoding keeps v's letters and digits: text without its
	// longest run of them cannot hold v, and costs nothing more.
	if probe := longestAlnumRun(v); probe != "" && !containsFold(text, probe) {
		return text
	}
	quoted := strconv.Quote(v)
	js, _ := json.Marshal(v)
	for _, form := range [...]string{v, url.QueryEscape(v), url.PathEscape(v), quoted[1 : len(quoted)-1], string(js[1 : len(js)-1])} {
		text = replaceFold(text, form, repl)
	}
	return text
}

// replaceFold replaces every occurrence of old in s with repl, ignoring
// ASCII case.
func replaceFold(s, old, repl string) string {
	if len(old) > len(s) {
		return s
	}
	lower, lowOld := asciiLower(s), asciiLower(old)
	if !strings.Contains(lower, lowOld) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lowOld)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// minScrubbed is the shortest value scrubbed: a shorter one cannot be told
// from ordinary text, and replacing it would garble every message. Nexway's
// secrets have 8 to 10 characters, its tokens hundreds.
const minScrubbed = 4

// longestAlnumRun returns the longest run of ASCII letters and digits in v.
func longestAlnumRun(v string) string {
	best, start := "", -1
	for i := 0; i <= len(v); i++ {
		if i < len(v) && isAlnum(v[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start > len(best) {
			best = v[start:i]
		}
		start = -1
	}
	return best
}

func isAlnum(b byte) bool {
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// containsFold reports whether s holds sub, ignoring ASCII case, without
// allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// asciiLower lowers ASCII letters only, so byte offsets stay the same.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// scrubbedError stands for an error whose text had to be scrubbed.
type scrubbedError struct {
	msg                         string
	canceled, deadline, timeout bool
}

func (e *scrubbedError) Error() string { return e.msg }

// Is matches the context errors the original matched.
func (e *scrubbedError) Is(target error) bool {
	return (target == context.Canceled && e.canceled) || (target == context.DeadlineExceeded && e.deadline)
}

// Timeout reports whether the original was a timeout.
func (e *scrubbedError) Timeout() bool { return e.timeout }
