// Package sniff looks at the start of a product feed without consuming it:
// the download refuses an HTML page before handing the body out, and the
// decoder tells CSV from XML, with the same rules.
package sniff

import (
	"bufio"
	"bytes"
	"net/http"
	"strings"
)

// BufferSize is the read buffer of a feed: large reads make decoding
// faster, and the header line must fit in it for the separator to be
// detected.
const BufferSize = 64 << 10

// PeekSome returns what the reader has buffered, reading once if it has
// nothing: a stream that is slow to come must not be waited for.
func PeekSome(br *bufio.Reader) ([]byte, error) {
	if _, err := br.Peek(1); err != nil {
		return nil, err
	}
	return br.Peek(br.Buffered())
}

// PeekUntil returns the buffered bytes once enough says they are enough,
// the buffer is full, or the reader fails or ends.
func PeekUntil(br *bufio.Reader, enough func([]byte) bool) ([]byte, error) {
	head, err := PeekSome(br)
	for err == nil && !enough(head) && len(head) < br.Size() {
		if head, err = br.Peek(len(head) + 1); err == nil {
			head, err = br.Peek(br.Buffered())
		}
	}
	return head, err
}

// HasLineEnd reports whether b holds a line end.
func HasLineEnd(b []byte) bool { return bytes.ContainsAny(b, "\r\n") }

// Enough says whether head shows enough to tell the format: a first line
// past leading blanks, or 512 bytes of it (what HTML sniffing reads).
func Enough(head []byte) bool {
	content := bytes.TrimLeft(head, " \t\r\n")
	return len(content) >= 512 || HasLineEnd(content)
}

// IsHTML reports whether head starts an HTML page, as net/http sniffs it.
func IsHTML(head []byte) bool {
	return strings.HasPrefix(http.DetectContentType(head), "text/html")
}
