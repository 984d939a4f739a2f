package nexway

import "bytes"

// bom is the byte order mark some Windows-hosted gateways and .NET
// serializers put before a JSON body. RFC 8259 lets a parser ignore it;
// encoding/json does not.
var bom = []byte{0xEF, 0xBB, 0xBF}

// skipBOM returns data without one leading UTF-8 byte order mark. Every
// JSON the client reads passes through it (decodeJSON, isJSONObject and
// the answer kept in Raw).
func skipBOM(data []byte) []byte { return bytes.TrimPrefix(data, bom) }
