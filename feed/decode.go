package feed

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/nexway-go/nexway/internal/redact"
	"github.com/nexway-go/nexway/internal/sniff"
)

// Errors of the product feed's decoder, matched with errors.Is on a
// *Error.
var (
	// ErrRow: one row (one product) could not be decoded fully: a
	// value of the wrong type, too few or too many fields, a stray quote.
	// Decoding goes on with the next row.
	ErrRow = errors.New("nexway: feed row not fully decoded")
	// ErrInvalidFeed: the feed cannot be read further: empty, an HTML
	// page, a header without "Product ID" or with a column twice, cut off
	// inside a row, a quoted field or an XML element, or a record larger
	// than Options.MaxRecordSize. It ends decoding.
	ErrInvalidFeed = errors.New("nexway: invalid feed")
)

// Error reports a problem at a line of the product feed. Errors of the
// reader under the feed (a connection lost, a context cancelled) come as a
// Error too, whose Unwrap returns them, so that errors.Is(err,
// context.Canceled) holds; like ErrInvalidFeed they end decoding.
type Error struct {
	// Line is the 1-based line where the row or element starts, 0 when the
	// problem is about the feed as a whole.
	Line int
	// Column is the CSV column (header name) or XML element at fault, or "".
	Column string
	// Err says what is wrong, or is the reader's error.
	Err error

	kind error // ErrRow, ErrInvalidFeed, or nil for the reader's errors
}

// maxColumnLen bounds a column name repeated in an error message: it comes
// from the feed.
const maxColumnLen = 64

// Error names the line and the column. It never repeats a value of the
// feed, only a header name, cut short and with control characters escaped.
func (e *Error) Error() string {
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
		b.WriteString(redact.Message(e.Err.Error(), nil))
	}
	return b.String()
}

// Is reports whether target is ErrRow or ErrInvalidFeed, as the error
// is.
func (e *Error) Is(target error) bool { return target != nil && target == e.kind }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }

func rowError(line int, column, msg string) *Error {
	return &Error{Line: line, Column: column, Err: errors.New(msg), kind: ErrRow}
}

func invalidFeed(line int, err error) *Error {
	return &Error{Line: line, Err: err, kind: ErrInvalidFeed}
}

// ioError wraps an error of the reader under the feed.
func ioError(line int, err error) *Error { return &Error{Line: line, Err: err} }

// Format is the file format of a product feed, chosen in Cocoon.
type Format int

// Feed formats.
const (
	// Auto tells CSV and XML apart by the first character: '<' is XML.
	Auto Format = iota
	CSV
	XML
)

// String returns "auto", "CSV" or "XML".
func (f Format) String() string {
	switch f {
	case Auto:
		return "auto"
	case CSV:
		return "CSV"
	case XML:
		return "XML"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// NoQuote is the Options.Quote of a CSV feed whose fields are never
// quoted.
const NoQuote rune = -1

// DefaultMaxRecordSize is the largest CSV record or XML product element
// read when Options.MaxRecordSize is 0.
const DefaultMaxRecordSize = 4 << 20

// Options tunes Decode. Cocoon lets the partner choose the
// format, charset, separator and quote ("delimiter") of a feed; the zero
// value detects the format and separator and reads UTF-8 with '"' quotes.
type Options struct {
	// Format is CSV, XML, or Auto to detect it.
	Format Format
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
func (o *Options) check() error {
	sep, quote := o.Separator, o.Quote
	switch {
	case o.Format < Auto || o.Format > XML:
		return invalid("Options.Format", "unknown format")
	case sep < 0 || sep >= 0x80 || sep == '\r' || sep == '\n':
		return invalid("Options.Separator", "must be an ASCII character other than a line break")
	case quote != NoQuote && (quote < 0 || quote >= 0x80 || quote == '\r' || quote == '\n'):
		return invalid("Options.Quote", "must be an ASCII character other than a line break, or NoQuote")
	case sep != 0 && (sep == quote || (quote == 0 && sep == '"')):
		return invalid("Options.Separator", "must differ from the quote character")
	case o.MaxRecordSize < 0:
		return invalid("Options.MaxRecordSize", "must not be negative")
	}
	return nil
}

// Decode decodes a product feed, CSV or XML, from r, one product at a
// time: memory stays bounded by Options.MaxRecordSize whatever the
// size of the feed. Use it on a feed downloaded otherwise, such as a file;
// Products downloads and decodes in one go. opts may be nil.
//
// An error about one row matches ErrRow: it comes with the product as
// far as it could be decoded (the text of a value that could not is in
// Extra), and the next product follows if the loop goes on. Any other
// error is the last value of the sequence. Products before an error are
// never lost. Invalid options give a *nexway.ArgumentError before r is read.
// The sequence reads r once: range over it once.
//
// A CSV feed cut off in the middle of its last row is refused as such, but
// one cut exactly at the end of a row looks complete; a download that the
// connection cuts short fails with the connection's error instead.
func Decode(r io.Reader, opts *Options) iter.Seq2[Product, error] {
	return func(yield func(Product, error) bool) {
		var o Options
		if opts != nil {
			o = *opts
		}
		if err := o.check(); err != nil {
			yield(Product{}, err)
			return
		}
		if o.MaxRecordSize == 0 {
			o.MaxRecordSize = DefaultMaxRecordSize
		}
		if o.Charset != nil {
			if r = o.Charset(r); r == nil {
				yield(Product{}, invalid("Options.Charset", "returned no reader"))
				return
			}
		}
		src := &countingReader{r: r}
		br := bufio.NewReaderSize(src, sniff.BufferSize)
		format, err := sniffFeed(br, o.Format)
		if err != nil {
			yield(Product{}, err)
			return
		}
		if format == XML {
			decodeXML(src, br, &o, yield)
		} else {
			decodeCSV(br, &o, yield)
		}
	}
}

var utf8BOM = []byte("\xef\xbb\xbf")

// sniffFeed drops a byte order mark and tells the format, refusing an
// empty feed and an HTML page (an error page served with status 200).
func sniffFeed(br *bufio.Reader, format Format) (Format, error) {
	head, _ := sniff.PeekSome(br)
	if len(head) < len(utf8BOM) && bytes.HasPrefix(utf8BOM, head) {
		head, _ = br.Peek(len(utf8BOM))
	}
	if bytes.HasPrefix(head, utf8BOM) {
		_, _ = br.Discard(len(utf8BOM))
	}
	head, err := sniff.PeekUntil(br, sniff.Enough)
	if err != nil && err != io.EOF && len(head) == 0 {
		return 0, ioError(0, err)
	}
	// A reader error after some bytes shows again, after the rows before it.
	content := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(content) == 0 && err == io.EOF:
		return 0, invalidFeed(0, errors.New("the feed is empty"))
	case sniff.IsHTML(head):
		return 0, invalidFeed(0, errors.New("an HTML page, not a feed"))
	case format != Auto:
		return format, nil
	case len(content) > 0 && content[0] == '<':
		return XML, nil
	}
	return CSV, nil
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

var errRecordTooLarge = errors.New("record larger than Options.MaxRecordSize")

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
