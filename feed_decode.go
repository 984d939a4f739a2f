package nexway

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"net/http"
	"strconv"
	"strings"
)

// Errors of the product feed's decoder, matched with errors.Is on a
// *FeedError.
var (
	// ErrFeedRow: one row (one product) could not be decoded fully: a
	// value of the wrong type, too few or too many fields, a stray quote.
	// Decoding goes on with the next row.
	ErrFeedRow = errors.New("nexway: feed row not fully decoded")
	// ErrInvalidFeed: the feed cannot be read further: empty, an HTML
	// page, a header without "Product ID" or with a column twice, cut off
	// inside a row, a quoted field or an XML element, or a record larger
	// than FeedOptions.MaxRecordSize. It ends decoding.
	ErrInvalidFeed = errors.New("nexway: invalid feed")
)

// FeedError reports a problem at a line of the product feed. Errors of the
// reader under the feed (a connection lost, a context cancelled) come as a
// FeedError too, whose Unwrap returns them, so that errors.Is(err,
// context.Canceled) holds; like ErrInvalidFeed they end decoding.
type FeedError struct {
	// Line is the 1-based line where the row or element starts, 0 when the
	// problem is about the feed as a whole.
	Line int
	// Column is the CSV column (header name) or XML element at fault, or "".
	Column string
	// Err says what is wrong, or is the reader's error.
	Err error

	kind error // ErrFeedRow, ErrInvalidFeed, or nil for the reader's errors
}

// maxColumnLen bounds a column name repeated in an error message: it comes
// from the feed.
const maxColumnLen = 64

// Error names the line and the column. It never repeats a value of the
// feed, only a header name, cut short and with control characters escaped.
func (e *FeedError) Error() string {
	var b strings.Builder
	b.WriteString("nexway: feed")
	if e.Line > 0 {
		b.WriteString(" line ")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Column != "" {
		col := e.Column
		if len(col) > maxColumnLen {
			col = col[:maxColumnLen] + "…"
		}
		b.WriteString(", column ")
		b.WriteString(strconv.Quote(col))
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(scrubMessageText(e.Err.Error(), nil, nil))
	}
	return b.String()
}

// Is reports whether target is ErrFeedRow or ErrInvalidFeed, as the error
// is.
func (e *FeedError) Is(target error) bool { return target != nil && target == e.kind }

// Unwrap returns Err.
func (e *FeedError) Unwrap() error { return e.Err }

func rowError(line int, column, msg string) *FeedError {
	return &FeedError{Line: line, Column: column, Err: errors.New(msg), kind: ErrFeedRow}
}

func invalidFeed(line int, err error) *FeedError {
	return &FeedError{Line: line, Err: err, kind: ErrInvalidFeed}
}

// ioError wraps an error of the reader under the feed.
func ioError(line int, err error) *FeedError { return &FeedError{Line: line, Err: err} }

// FeedFormat is the file format of a product feed, chosen in Cocoon.
type FeedFormat int

// Feed formats.
const (
	// FeedAuto tells CSV and XML apart by the first character: '<' is XML.
	FeedAuto FeedFormat = iota
	FeedCSV
	FeedXML
)

// String returns "auto", "CSV" or "XML".
func (f FeedFormat) String() string {
	switch f {
	case FeedAuto:
		return "auto"
	case FeedCSV:
		return "CSV"
	case FeedXML:
		return "XML"
	}
	return "FeedFormat(" + strconv.Itoa(int(f)) + ")"
}

// NoQuote is the FeedOptions.Quote of a CSV feed whose fields are never
// quoted.
const NoQuote rune = -1

// DefaultMaxRecordSize is the largest CSV record or XML product element
// read when FeedOptions.MaxRecordSize is 0.
const DefaultMaxRecordSize = 4 << 20

// feedBufferSize is the read buffer: large reads make decoding faster, and
// the header line must fit in it for the separator to be detected.
const feedBufferSize = 64 << 10

// FeedOptions tunes DecodeFeed. Cocoon lets the partner choose the
// format, charset, separator and quote ("delimiter") of a feed; the zero
// value detects the format and separator and reads UTF-8 with '"' quotes.
type FeedOptions struct {
	// Format is FeedCSV, FeedXML, or FeedAuto to detect it.
	Format FeedFormat
	// Separator is the CSV field separator, an ASCII character; 0 detects
	// it on the header line among ',', ';', tab and '|'.
	Separator rune
	// Quote is the CSV quote character, an ASCII character; 0 means '"',
	// NoQuote that fields are never quoted.
	Quote rune
	// Charset converts the feed to UTF-8 when its charset is another, for
	// instance charmap.ISO8859_1.NewDecoder().Reader from
	// golang.org/x/text. Nil reads UTF-8; invalid bytes are kept as they
	// are in CSV, and refused by the XML parser.
	Charset func(io.Reader) io.Reader
	// MaxRecordSize bounds a CSV record or an XML product element, in
	// bytes; 0 means DefaultMaxRecordSize. A larger one ends decoding with
	// ErrInvalidFeed: it bounds memory whatever the input.
	MaxRecordSize int
}

// check refuses options that cannot work, naming the field.
func (o *FeedOptions) check() error {
	sep, quote := o.Separator, o.Quote
	switch {
	case o.Format < FeedAuto || o.Format > FeedXML:
		return invalid("FeedOptions.Format", "unknown format")
	case sep < 0 || sep >= 0x80 || sep == '\r' || sep == '\n':
		return invalid("FeedOptions.Separator", "must be an ASCII character other than a line break")
	case quote != NoQuote && (quote < 0 || quote >= 0x80 || quote == '\r' || quote == '\n'):
		return invalid("FeedOptions.Quote", "must be an ASCII character other than a line break, or NoQuote")
	case sep != 0 && (sep == quote || (quote == 0 && sep == '"')):
		return invalid("FeedOptions.Separator", "must differ from the quote character")
	case o.MaxRecordSize < 0:
		return invalid("FeedOptions.MaxRecordSize", "must not be negative")
	}
	return nil
}

// DecodeFeed decodes a product feed, CSV or XML, from r, one product at a
// time: memory stays bounded by FeedOptions.MaxRecordSize whatever the
// size of the feed. Use it on a feed downloaded otherwise, such as a file;
// FeedService.Products downloads and decodes in one go. opts may be nil.
//
// An error about one row matches ErrFeedRow: it comes with the product as
// far as it could be decoded (the text of a value that could not is in
// Extra), and the next product follows if the loop goes on. Any other
// error is the last value of the sequence. Products before an error are
// never lost. Invalid options give an *ArgumentError before r is read.
// The sequence reads r once: range over it once.
//
// A CSV feed cut off in the middle of its last row is refused as such, but
// one cut exactly at the end of a row looks complete; a download that the
// connection cuts short fails with the connection's error instead.
func DecodeFeed(r io.Reader, opts *FeedOptions) iter.Seq2[FeedProduct, error] {
	return func(yield func(FeedProduct, error) bool) {
		var o FeedOptions
		if opts != nil {
			o = *opts
		}
		if err := o.check(); err != nil {
			yield(FeedProduct{}, err)
			return
		}
		if o.MaxRecordSize == 0 {
			o.MaxRecordSize = DefaultMaxRecordSize
		}
		if o.Charset != nil {
			if r = o.Charset(r); r == nil {
				yield(FeedProduct{}, invalid("FeedOptions.Charset", "returned no reader"))
				return
			}
		}
		src := &countingReader{r: r}
		br := bufio.NewReaderSize(src, feedBufferSize)
		format, err := sniffFeed(br, o.Format)
		if err != nil {
			yield(FeedProduct{}, err)
			return
		}
		if format == FeedXML {
			decodeXML(src, br, &o, yield)
		} else {
			decodeCSV(br, &o, yield)
		}
	}
}

var utf8BOM = []byte("\xef\xbb\xbf")

// sniffFeed drops a byte order mark and tells the format, refusing an
// empty feed and an HTML page (an error page served with status 200).
func sniffFeed(br *bufio.Reader, format FeedFormat) (FeedFormat, error) {
	head, _ := peekSome(br)
	if len(head) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, head) {
		head, _ = br.Peek(len(utf8BOM))
	}
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	head, err := peekUntil(br, sniffable)
	if err != nil && err != io.EOF && len(head) == 0 {
		return 0, ioError(0, err)
	}
	// A reader error after some bytes shows again, after the rows before it.
	content := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(content) == 0 && err == io.EOF:
		return 0, invalidFeed(0, errors.New("the feed is empty"))
	case isHTML(head):
		return 0, invalidFeed(0, errors.New("an HTML page, not a feed"))
	case format != FeedAuto:
		return format, nil
	case len(content) > 0 && content[0] == '<':
		return FeedXML, nil
	}
	return FeedCSV, nil
}

// peekSome returns what the reader has buffered, reading once if it has
// nothing: a stream that is slow to come must not be waited for.
func peekSome(br *bufio.Reader) ([]byte, error) {
	if _, err := br.Peek(1); err != nil {
		return nil, err
	}
	return br.Peek(br.Buffered())
}

// peekUntil returns the buffered bytes once enough says they are enough,
// the buffer is full, or the reader fails or ends.
func peekUntil(br *bufio.Reader, enough func([]byte) bool) ([]byte, error) {
	head, err := peekSome(br)
	for err == nil && !enough(head) && len(head) < br.Size() {
		if head, err = br.Peek(len(head) + 1); err == nil {
			head, err = br.Peek(br.Buffered())
		}
	}
	return head, err
}

func hasLineEnd(b []byte) bool { return bytes.ContainsAny(b, "\r\n") }

// sniffable says whether head shows enough to tell the format: a first
// line past leading blanks, or 512 bytes of it (what HTML sniffing reads).
func sniffable(head []byte) bool {
	content := bytes.TrimLeft(head, " \t\r\n")
	return len(content) >= 512 || hasLineEnd(content)
}

func isHTML(head []byte) bool {
	return strings.HasPrefix(http.DetectContentType(head), "text/html")
}

// countingReader counts the bytes read through it, and keeps returning
// the first error, so that an error a peek has seen comes back. When limit
// is set it fails once more than limit bytes were read past mark, which
// bounds what an XML element can make the parser hold.
type countingReader struct {
	r     io.Reader
	n     int64
	mark  int64
	limit int64 // 0: none
	err   error
}

var errRecordTooLarge = errors.New("record larger than FeedOptions.MaxRecordSize")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.limit > 0 && c.n-c.mark > c.limit {
		return 0, errRecordTooLarge
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
