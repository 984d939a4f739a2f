package nexway

import (
	"math"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxPartnerOrderNumber bounds the storefront's order id. Nexway documents
// no limit; 64 bytes holds a UUID with a prefix and the "-N" suffix of
// subscription renewals.
const maxPartnerOrderNumber = 64

// checkPartnerOrderNumber validates the storefront's order id, which is
// also a path segment of several calls.
func checkPartnerOrderNumber(field, s string) error {
	switch {
	case s == "":
		return invalid(field, "is empty")
	case len(s) > maxPartnerOrderNumber:
		return invalid(field, "is longer than "+strconv.Itoa(maxPartnerOrderNumber)+" bytes")
	case !utf8.ValidString(s) || strings.ContainsFunc(s, isControl):
		return invalid(field, "contains control characters or invalid UTF-8")
	case strings.TrimSpace(s) != s:
		return invalid(field, "has leading or trailing spaces")
	case s == "." || s == "..":
		return invalid(field, "is a dot segment")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func checkRef(field string, r ProductRef) error {
	if r <= 0 {
		return invalid(field, "must be a positive product ID")
	}
	return nil
}

func checkQuantity(field string, q int) error {
	if q < 1 {
		return invalid(field, "must be at least 1")
	}
	return nil
}

// checkAmount accepts an absent amount or a finite, non-negative one.
func checkAmount(field string, v *float64) error {
	if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0) || *v < 0) {
		return invalid(field, "must be a finite, non-negative number")
	}
	return nil
}

func checkFinite(field string, v float64) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return invalid(field, "must be a finite number")
	}
	return nil
}

// checkEmail accepts a bare address as net/mail parses it, with no display
// name. The reason never repeats the address, which is personal data.
func checkEmail(field, s string) error {
	if s == "" {
		return invalid(field, "is empty")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
		return invalid(field, "is not a valid e-mail address")
	}
	return nil
}

// checkLocale accepts Nexway's customer language form ll_CC (en_GB, fr_CA,
// en_XE).
func checkLocale(field, s string) error {
	if len(s) != 5 || s[2] != '_' || !isLower(s[0]) || !isLower(s[1]) || !isUpper(s[3]) || !isUpper(s[4]) {
		return invalid(field, "must have the form ll_CC, e.g. en_GB")
	}
	return nil
}

func checkCurrency(field, s string) error {
	if len(s) != 3 || !isUpper(s[0]) || !isUpper(s[1]) || !isUpper(s[2]) {
		return invalid(field, "must be an ISO 4217 code of three upper-case letters")
	}
	return nil
}

func checkCountry(field, s string) error {
	if len(s) != 2 || !isUpper(s[0]) || !isUpper(s[1]) || !isoCountries[int(s[0]-'A')*26+int(s[1]-'A')] {
		return invalid(field, "must be an ISO 3166-1 alpha-2 country code")
	}
	return nil
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

func isIPv6(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6() && !a.Is4In6() && a.Zone() == ""
}

func isLower(b byte) bool { return b >= 'a' && b <= 'z' }
func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

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
