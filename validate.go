package nexway

import (
	"math"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxPartnerOrderNumber bounds the order id a storefront gives a new
// order. Nexway documents no limit; 64 bytes holds a UUID with a prefix.
// An existing order's number may be longer by a renewal's "-N" suffix
// (RenewalOrderNumber), which Nexway adds: up to maxOrderNumber.
const (
	maxPartnerOrderNumber = 64
	maxOrderNumber        = maxPartnerOrderNumber + len("-") + 19 // math.MaxInt64 has 19 digits
)

// checkPartnerOrderNumber validates the number of an existing order, a
// renewal's included; it goes into the URL path of some operations.
func checkPartnerOrderNumber(field, s string) error {
	if why := orderNumberProblem(s, maxOrderNumber); why != "" {
		return invalid(field, why)
	}
	return nil
}

// The ...Problem helpers return why a value is invalid, or "" when it is
// valid. Callers build the field's path only on failure, so that validating
// a valid request allocates nothing.

func orderNumberProblem(s string, limit int) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > limit:
		return "is longer than " + strconv.Itoa(limit) + " bytes"
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return "contains control characters or invalid UTF-8"
	case strings.TrimSpace(s) != s:
		return "has leading or trailing spaces"
	case s == "." || s == "..":
		return "is a dot segment"
	}
	return ""
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// textProblem refuses invalid UTF-8, which encoding/json would silently
// turn into U+FFFD: the customer's name or address would change on the way.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	return ""
}

// validHeaderName accepts an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !isLetter(b) && !isDigit(b) && strings.IndexByte("!#$%&'*+-.^_`|~", b) < 0 {
			return false
		}
	}
	return true
}

// validHeaderValue accepts UTF-8 text without control characters other
// than a tab, which net/http would refuse to send or which would split the
// header.
func validHeaderValue(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && isControl(r) })
}

func refProblem(r ProductRef) string {
	if r <= 0 {
		return "must be a positive product ID"
	}
	return ""
}

func quantityProblem(q int) string {
	if q < 1 {
		return "must be at least 1"
	}
	return ""
}

// amountProblem accepts an absent amount or a finite, non-negative one.
func amountProblem(v *float64) string {
	if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
		return "must be a finite, non-negative number"
	}
	return ""
}

func finiteProblem(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "must be a finite number"
	}
	return ""
}

const badEmail = "is not a valid e-mail address"

// emailProblem accepts a bare address as net/mail parses it, with no
// display name. The reason never repeats the address, which is personal
// data.
func emailProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > 254:
		return badEmail
	case plainEmail(s):
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return badEmail
	}
	return ""
}

// plainEmail accepts, without allocating, the common local@domain form
// whose parts are dot-separated atoms: a subset of what net/mail accepts.
func plainEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && dotAtoms(s[:at], isAtext) && dotAtoms(s[at+1:], isHostChar)
}

func dotAtoms(s string, ok func(byte) bool) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !ok(s[i]) {
			return false
		}
	}
	return true
}

func isHostChar(b byte) bool { return isLetter(b) || isDigit(b) || b == '-' }

func isAtext(b byte) bool {
	return isHostChar(b) || strings.IndexByte("!#$%&'*+/=?^_`{|}~", b) >= 0
}

// localeProblem accepts Nexway's customer language form ll_CC (en_GB,
// fr_CA, en_XE).
func localeProblem(s string) string {
	if len(s) != 5 || s[2] != '_' || !isLower(s[0]) || !isLower(s[1]) || !isUpper(s[3]) || !isUpper(s[4]) {
		return "must have the form ll_CC, e.g. en_GB"
	}
	return ""
}

func currencyProblem(s string) string {
	if len(s) != 3 || !isUpper(s[0]) || !isUpper(s[1]) || !isUpper(s[2]) {
		return "must be an ISO 4217 code of three upper-case letters"
	}
	return ""
}

func countryProblem(s string) string {
	if len(s) != 2 || !isUpper(s[0]) || !isUpper(s[1]) || !isoCountries[int(s[0]-'A')*26+int(s[1]-'A')] {
		return "must be an ISO 3166-1 alpha-2 country code"
	}
	return ""
}

// languagesProblem accepts a two-letter code or a comma list of them
// ("EN", "FR,EN"), the form of the cross-sell and catalog calls.
func languagesProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	for l := range strings.SplitSeq(s, ",") {
		if len(l) != 2 || !isLetter(l[0]) || !isLetter(l[1]) {
			return `must be two-letter codes separated by commas, e.g. "EN"`
		}
	}
	return ""
}

// indexed returns the path of element i of a list field.
func indexed(list string, i int) string { return list + "[" + strconv.Itoa(i) + "]" }

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6() && a.Zone() == ""
}

func isLower(b byte) bool  { return b >= 'a' && b <= 'z' }
func isUpper(b byte) bool  { return b >= 'A' && b <= 'Z' }
func isLetter(b byte) bool { return isLower(b) || isUpper(b) }
func isDigit(b byte) bool  { return b >= '0' && b <= '9' }

// requiresProvince lists the countries for which Nexway requires a province
// (create code 1048).
func requiresProvince(country string) bool {
	switch country {
	case "US", "CA", "BR", "AU":
		return true
	}
	return false
}

// isoCountries holds the ISO 3166-1 alpha-2 codes in use, plus XK (Kosovo),
// which payment providers use although ISO has not assigned it.
var isoCountries = func() (set [26 * 26]bool) {
	const codes = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
		"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
		"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
		"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW XK"
	for _, c := range strings.Fields(codes) {
		set[int(c[0]-'A')*26+int(c[1]-'A')] = true
	}
	return set
}()
