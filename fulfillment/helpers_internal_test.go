package fulfillment

import "encoding/hex"

// hexMAC signs a canonical input directly.
func hexMAC(s *Signer, input string) string { return hex.EncodeToString(s.mac([]byte(input))) }
