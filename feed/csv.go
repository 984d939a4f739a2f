package feed

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
)

// csvScanner splits a CSV feed into records. It reads RFC 4180 with the
// tolerance a configurable export needs: any ASCII separator and quote (or
// none), LF, CRLF or CR line ends, blank lines skipped, a quote inside an
// unquoted field taken as a character. Values are kept byte for byte, line
// breaks inside quoted fields included. encoding/csv allows neither another
// quote character nor a bound on a record's size, hence this scanner.
type csvScanner struct {
	br    *bufio.Reader
	sep   byte
	quote byte // 0: fields are never quoted
	nl    byte // '\n', or '\r' for a feed with CR line ends
	max   int
	line  int    // lines read so far
	start int    // line where the last record starts
	long  []byte // a line longer than br's buffer
	rec   []byte // the record's values, end to end
	ends  []int  // where each value ends in rec
	// badField is the 1-based field of the last ErrRow, 0 for none.
	badField int
	// unterminated: the last record ended with the feed, without a line end.
	unterminated bool
}

// errQuoteEOF: a quoted field was still open at the end of the feed, which
// is how a feed cut off in the middle of a row usually looks.
var errQuoteEOF = fmt.Errorf("the feed ends inside a quoted field: %w", io.ErrUnexpectedEOF)

// csvRecord is a record: its values end to end in one string, so that
// they cost one allocation, and where each ends.
type csvRecord struct {
	all  string
	ends []int // reused by the scanner's next call
}

func (r csvRecord) len() int { return len(r.ends) }

// field returns value i; it may be kept.
func (r csvRecord) field(i int) string {
	start := 0
	if i > 0 {
		start = r.ends[i-1]
	}
	return r.all[start:r.ends[i]]
}

// next returns the next record. At the end of the feed it returns io.EOF;
// a *Error with ErrRow drops one record, any other error ends the
// feed.
func (s *csvScanner) next() (csvRecord, error) {
	var line []byte
	var err error
	for {
		if line, err = s.readLine(); err != nil {
			return csvRecord{}, err
		}
		if body, _ := s.splitEOL(line); len(body) > 0 {
			break
		}
	}
	s.start, s.badField = s.line, 0
	// Locals, stored back once: every store of a slice into the scanner
	// would cost a write barrier while the GC runs.
	rec, ends := s.rec[:0], s.ends[:0]
	defer func() { s.rec, s.ends = rec, ends }()
	body, eol := s.splitEOL(line)
	for {
		if s.quote == 0 || len(body) == 0 || body[0] != s.quote {
			i := bytes.IndexByte(body, s.sep)
			if i < 0 {
				rec = append(rec, body...)
				ends = append(ends, len(rec))
				s.unterminated = len(eol) == 0
				break
			}
			rec = append(rec, body[:i]...)
			ends = append(ends, len(rec))
			body = body[i+1:]
			continue
		}
		if rec, body, eol, err = s.quoted(rec, body[1:], eol); err != nil {
			return csvRecord{}, err
		}
		ends = append(ends, len(rec))
		if len(body) == 0 {
			s.unterminated = len(eol) == 0
			break
		}
		if body[0] != s.sep {
			// The rest of the line cannot be told apart into fields.
			s.badField = len(ends)
			return csvRecord{}, rowError(s.start, "", "text after the closing quote")
		}
		body = body[1:]
	}
	if len(rec) > s.max {
		return csvRecord{}, invalidFeed(s.start, errRecordTooLarge)
	}
	return csvRecord{string(rec), ends}, nil
}

// quoted appends to rec the value of a quoted field whose opening quote
// is just before body, reading more lines while the field goes on, and
// returns what follows the closing quote.
func (s *csvScanner) quoted(rec, body, eol []byte) (_, _, _ []byte, _ error) {
	for {
		i := bytes.IndexByte(body, s.quote)
		if i < 0 {
			// The field goes on past this line.
			rec = append(rec, body...)
			rec = append(rec, eol...)
			if len(rec) > s.max {
				return rec, nil, nil, invalidFeed(s.start, errRecordTooLarge)
			}
			line, err := s.readLine()
			if err == io.EOF {
				return rec, nil, nil, invalidFeed(s.start, errQuoteEOF)
			}
			if err != nil {
				return rec, nil, nil, err
			}
			body, eol = s.splitEOL(line)
			continue
		}
		rec = append(rec, body[:i]...)
		body = body[i+1:]
		if len(body) == 0 || body[0] != s.quote {
			return rec, body, eol, nil
		}
		rec = append(rec, s.quote) // a doubled quote stands for one
		body = body[1:]
	}
}

// readLine returns the next line with its line end, valid until the next
// call, or io.EOF at the end of the feed.
func (s *csvScanner) readLine() ([]byte, error) {
	line, err := s.br.ReadSlice(s.nl)
	if err == bufio.ErrBufferFull {
		s.long = append(s.long[:0], line...)
		for err == bufio.ErrBufferFull {
			if len(s.long) > s.max {
				return nil, invalidFeed(s.line+1, errRecordTooLarge)
			}
			line, err = s.br.ReadSlice(s.nl)
			s.long = append(s.long, line...)
		}
		line = s.long
	}
	if err != nil && err != io.EOF {
		return nil, ioError(s.line+1, err)
	}
	if len(line) == 0 {
		return nil, io.EOF
	}
	s.line++
	return line, nil
}

// splitEOL cuts the line end off line. At the end of a feed without a
// final line end, a lone '\r' is dropped as encoding/csv does.
func (s *csvScanner) splitEOL(line []byte) (body, eol []byte) {
	n := len(line)
	switch {
	case n >= 2 && line[n-1] == '\n' && line[n-2] == '\r':
		return line[:n-2], line[n-2:]
	case n >= 1 && (line[n-1] == s.nl || line[n-1] == '\r'):
		return line[:n-1], line[n-1:]
	}
	return line, nil
}

// sniffCSV finds the separator and the line end on the header line, the
// first non-blank line within the read buffer: the separator that occurs
// most often outside quotes among ',', ';', tab and '|' (',' when none
// does), and CR line ends when the line ends with a '\r' alone.
func sniffCSV(head []byte, quote byte) (sep, nl byte) {
	head = bytes.TrimLeft(head, "\r\n")
	nl = '\n'
	end := bytes.IndexByte(head, '\n')
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 && (end < 0 || cr < end-1) {
		nl, end = '\r', cr
	}
	if end >= 0 {
		head = head[:end]
	}
	candidates := [...]byte{',', ';', '\t', '|'}
	var counts [len(candidates)]int
	inQuotes := false
	for _, c := range head {
		if quote != 0 && c == quote {
			inQuotes = !inQuotes
			continue
		}
		if inQuotes {
			continue
		}
		for i, cand := range candidates {
			if c == cand {
				counts[i]++
			}
		}
	}
	best := 0
	for i := range counts {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return candidates[best], nl
}
