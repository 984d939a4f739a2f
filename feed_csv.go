package nexway

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
	br     *bufio.Reader
	sep    byte
	quote  byte // 0: fields are never quoted
	nl     byte // '\n', or '\r' for a feed with CR line ends
	max    int
	line   int      // lines read so far
	start  int      // line where the last record starts
	long   []byte   // a line longer than br's buffer
	rec    []byte   // the record's values, end to end
	ends   []int    // where each value ends in rec
	fields []string // the last record, reused
	// badField is the 1-based field of the last ErrFeedRow, 0 for none.
	badField int
	// unterminated: the last record ended with the feed, without a line end.
	unterminated bool
}

// errQuoteEOF: a quoted field was still open at the end of the feed, which
// is how a feed cut off in the middle of a row usually looks.
var errQuoteEOF = fmt.Errorf("the feed ends inside a quoted field: %w", io.ErrUnexpectedEOF)

// next returns the next record. The slice is reused by the following call;
// the strings in it may be kept. At the end of the feed it returns io.EOF;
// a *FeedError with ErrFeedRow drops one record, any other error ends the
// feed.
func (s *csvScanner) next() ([]string, error) {
	var line []byte
	var err error
	for {
		if line, err = s.readLine(); err != nil {
			return nil, err
		}
		if body, _ := s.splitEOL(line); len(body) > 0 {
			break
		}
	}
	s.start, s.badField = s.line, 0
	s.rec, s.ends = s.rec[:0], s.ends[:0]
	body, eol := s.splitEOL(line)
	for {
		if s.quote == 0 || len(body) == 0 || body[0] != s.quote {
			i := bytes.IndexByte(body, s.sep)
			if i < 0 {
				s.rec = append(s.rec, body...)
				s.ends = append(s.ends, len(s.rec))
				s.unterminated = len(eol) == 0
				break
			}
			s.rec = append(s.rec, body[:i]...)
			s.ends = append(s.ends, len(s.rec))
			body = body[i+1:]
			continue
		}
		if body, eol, err = s.quoted(body[1:], eol); err != nil {
			return nil, err
		}
		s.ends = append(s.ends, len(s.rec))
		if len(body) == 0 {
			s.unterminated = len(eol) == 0
			break
		}
		if body[0] != s.sep {
			// The rest of the line cannot be told apart into fields.
			s.badField = len(s.ends)
			return nil, rowError(s.start, "", "text after the closing quote")
		}
		body = body[1:]
	}
	if len(s.rec) > s.max {
		return nil, invalidFeed(s.start, errRecordTooLarge)
	}
	all := string(s.rec)
	s.fields = s.fields[:0]
	prev := 0
	for _, end := range s.ends {
		s.fields = append(s.fields, all[prev:end])
		prev = end
	}
	return s.fields, nil
}

// quoted appends the value of a quoted field whose opening quote is just
// before body, reading more lines while the field goes on, and returns
// what follows the closing quote.
func (s *csvScanner) quoted(body, eol []byte) ([]byte, []byte, error) {
	for {
		i := bytes.IndexByte(body, s.quote)
		if i < 0 {
			// The field goes on past this line.
			s.rec = append(s.rec, body...)
			s.rec = append(s.rec, eol...)
			if len(s.rec) > s.max {
				return nil, nil, invalidFeed(s.start, errRecordTooLarge)
			}
			line, err := s.readLine()
			if err == io.EOF {
				return nil, nil, invalidFeed(s.start, errQuoteEOF)
			}
			if err != nil {
				return nil, nil, err
			}
			body, eol = s.splitEOL(line)
			continue
		}
		s.rec = append(s.rec, body[:i]...)
		body = body[i+1:]
		if len(body) == 0 || body[0] != s.quote {
			return body, eol, nil
		}
		s.rec = append(s.rec, s.quote) // a doubled quote stands for one
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
