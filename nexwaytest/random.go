package nexwaytest

import "encoding/binary"

// randLocked fills b, whose length is a multiple of 8, from the seeded
// source.
func (s *Server) randLocked(b []byte) {
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], s.rng.Uint64())
	}
}

// uuidLocked draws a version-4 UUID from the seeded source.
func (s *Server) uuidLocked() string {
	var b [16]byte
	s.randLocked(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&0x0f])
	}
	return string(out)
}
