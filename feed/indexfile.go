package feed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"

	"github.com/nexway-go/nexway"
)

// The saved form of an Index, version 2, all integers little-endian:
//
//	"NXFIDX\x00\x02"  magic and version (8 bytes)
//	count              uint64, the number of products
//	count × (ref, hash) uint64 each, refs strictly ascending
//	CRC-32C            uint32, Castagnoli, of everything before it
//
// 16 bytes a product and 20 bytes in all besides. Version 1 had no
// checksum: such a file is refused like a damaged one.
const (
	indexMagic    = "NXFIDX\x00"
	indexVersion  = 2
	indexHeader   = len(indexMagic) + 1 + 8
	indexChecksum = 4
)

// IndexOverhead is the size of a saved Index besides its 16 bytes a
// product: the header and the checksum.
const IndexOverhead = 20

// The overhead is the header and the checksum; this fails to compile
// otherwise.
var _ [IndexOverhead - indexHeader - indexChecksum]struct{}
var _ [indexHeader + indexChecksum - IndexOverhead]struct{}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrInvalidIndex: ReadFrom was given something other than an Index that
// WriteTo saved whole: another file, a truncated, damaged or older one.
var ErrInvalidIndex = errors.New("feed: not a saved Index, or a damaged, truncated or older one")

// WriteTo writes the index in the compact, checksummed binary form that
// ReadFrom reads: IndexOverhead bytes plus 16 a product. It returns the
// bytes written and the writer's first error.
func (x *Index) WriteTo(w io.Writer) (int64, error) {
	if x == nil {
		x = new(Index)
	}
	x.seal()
	crc := crc32.New(castagnoli)
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(io.MultiWriter(cw, crc))
	var buf [16]byte
	_, _ = bw.WriteString(indexMagic)
	_ = bw.WriteByte(indexVersion)
	binary.LittleEndian.PutUint64(buf[:8], uint64(len(x.entries)))
	_, _ = bw.Write(buf[:8])
	for _, e := range x.entries {
		binary.LittleEndian.PutUint64(buf[:8], uint64(e.ref))
		binary.LittleEndian.PutUint64(buf[8:], e.hash)
		_, _ = bw.Write(buf[:])
	}
	// bufio keeps the first write error and returns it here.
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	binary.LittleEndian.PutUint32(buf[:4], crc.Sum32())
	_, err := cw.Write(buf[:4])
	return cw.n, err
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ReadFrom replaces the index with one written by WriteTo. Anything else
// (another file, a truncated, damaged or older one, bytes after its end)
// fails with ErrInvalidIndex, a reader's error with that error; either
// way the index is left empty, so that a damaged file reports no product
// withdrawn nor added by mistake but everything as added.
func (x *Index) ReadFrom(r io.Reader) (int64, error) {
	if x == nil {
		return 0, invalid("Index", "ReadFrom needs a non-nil *Index")
	}
	x.entries, x.sorted = nil, true
	crc := crc32.New(castagnoli)
	br := bufio.NewReader(r)
	tr := io.TeeReader(br, crc)
	var n int64
	var head [indexHeader]byte
	k, err := io.ReadFull(tr, head[:])
	n += int64(k)
	if err != nil || string(head[:len(indexMagic)]) != indexMagic || head[len(indexMagic)] != indexVersion {
		return n, readFailure(err)
	}
	count := binary.LittleEndian.Uint64(head[len(indexMagic)+1:])
	// The count is not trusted for the allocation: a damaged file must not
	// make it huge.
	entries := make([]entry, 0, min(count, 1<<16))
	var buf [16]byte
	for i := uint64(0); i < count; i++ {
		k, err = io.ReadFull(tr, buf[:])
		n += int64(k)
		if err != nil {
			return n, readFailure(err)
		}
		e := entry{nexway.ProductRef(binary.LittleEndian.Uint64(buf[:8])), binary.LittleEndian.Uint64(buf[8:])}
		if len(entries) > 0 && e.ref <= entries[len(entries)-1].ref {
			return n, ErrInvalidIndex
		}
		entries = append(entries, e)
	}
	sum := crc.Sum32()
	k, err = io.ReadFull(br, buf[:indexChecksum])
	n += int64(k)
	if err != nil {
		return n, readFailure(err)
	}
	if binary.LittleEndian.Uint32(buf[:indexChecksum]) != sum {
		return n, ErrInvalidIndex
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return n, readFailure(err)
	}
	x.entries = entries
	return n, nil
}

// readFailure keeps a reader's own error, and calls a short or foreign
// input ErrInvalidIndex.
func readFailure(err error) error {
	if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
		return ErrInvalidIndex
	}
	return err
}
