package nexwaytest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Limits of the fake, beyond which quantity is answered 221: one line item
// is built per unit, so an unbounded quantity would let one request eat the
// memory of the test process. Nexway's own limits are unknown.
const (
	maxLineQuantity  = 1000
	maxOrderQuantity = 1000
)

// createMessages are the meanings of create-order codes
// (https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/create-order;
// meanings from Nexway's SOAP API, whose codes the REST API keeps).
var createMessages = map[int]string{
	100:  "order missing",
	120:  "currency missing",
	121:  "currency invalid",
	130:  "partnerOrderNumber missing",
	140:  "orderDate missing",
	141:  "orderDate invalid",
	200:  "orderLines missing",
	210:  "productRef missing",
	211:  "productRef invalid",
	220:  "quantity missing",
	221:  "quantity invalid",
	231:  "vatRate invalid",
	241:  "amountDutyFree invalid",
	251:  "amountTotal invalid",
	320:  "customer email missing",
	321:  "customer email invalid",
	330:  "customer language missing",
	331:  "customer language invalid",
	341:  "ipV4 invalid",
	420:  "invoice location missing",
	500:  "location country missing",
	501:  "location country invalid",
	600:  "discount missing",
	610:  "discount foreignRef missing",
	611:  "discount foreignRef invalid",
	620:  "discount label missing",
	621:  "discount label invalid",
	630:  "discount priceDelta missing",
	631:  "discount priceDelta invalid",
	640:  "discount operation missing",
	641:  "discount operation invalid",
	650:  "discount operationValue missing",
	651:  "discount operationValue invalid",
	710:  "paymentMethod missing",
	750:  "metadata missing",
	751:  "metadata key missing",
	1010: "order already created",
	1020: "product reference does not exist",
	1021: "currency does not exist",
	1023: "country does not exist",
	1043: "reference link dependency: option ordered without its base product",
	1044: "out of stock",
	1046: "ipV4 or ipV6 required when payment is present",
	1048: "province required for this country",
	1049: "province not valid",
	1051: "licences currently not available",
	1053: "current configuration requires unit price excl. tax or total amount",
	1060: "order waiting for payment validation",
	1061: "order waiting for fraud-system validation",
	1062: "order cancelled, fraud suspicion",
	1064: "order cancelled, payment not validated",
}

// createInput is a create-order request that passed validation.
type createInput struct {
	pon      string
	currency string
	lines    []lineInput
	cust     customerInfo
}

type lineInput struct {
	ref, qty        int
	dutyFree, total *float64
}

// customerInfo is what an order keeps of its customer, for publishers.
type customerInfo struct {
	partnerID, email, language, country, firstName, lastName string
}

// invalid is a validation failure: a code and a detail for the message.
type invalid struct {
	code   int
	detail string
}

func fail(code int, format string, args ...any) *invalid {
	return &invalid{code: code, detail: fmt.Sprintf(format, args...)}
}

// message is the responseMessage of a create-order failure.
func (e *invalid) message() string {
	m := createMessages[e.code]
	if e.detail != "" {
		m += " (" + e.detail + ")"
	}
	return m
}

// validateCreateLocked checks a create-order body in the order of the
// code table (createMessages): format checks field by field, then the
// checks against the catalog. It does not look at existing orders or stock.
func (s *Server) validateCreateLocked(body []byte) (createInput, *invalid) {
	var in createInput
	var req createOrderRequest
	if len(strings.TrimSpace(string(body))) == 0 || isNull(body) || json.Unmarshal(body, &req) != nil {
		return in, fail(100, "body is not a JSON object")
	}
	if !req.PartnerOrderNumber.OK {
		return in, fail(130, "")
	}
	in.pon = req.PartnerOrderNumber.V

	if !req.OrderDate.Set || (req.OrderDate.OK && req.OrderDate.V == "") {
		return in, fail(140, "")
	}
	if !req.OrderDate.OK || !validOrderDate(req.OrderDate.V) {
		return in, fail(141, "want ISO 8601 with offset, e.g. 2024-05-01T10:15:00+02:00")
	}

	if !req.Currency.Set || (req.Currency.OK && req.Currency.V == "") {
		return in, fail(120, "")
	}
	if !req.Currency.OK || !isUpperLetters(req.Currency.V, 3) {
		return in, fail(121, "want ISO 4217, e.g. EUR")
	}
	if !s.sellsCurrencyLocked(req.Currency.V) {
		return in, fail(1021, "%s", req.Currency.V)
	}
	in.currency = req.Currency.V

	if !req.OrderLines.OK || len(req.OrderLines.V) == 0 {
		return in, fail(200, "")
	}
	units := 0
	for i, l := range req.OrderLines.V {
		at := fmt.Sprintf("orderLines[%d]", i)
		if !l.ProductRef.Set {
			return in, fail(210, "%s", at)
		}
		if !l.ProductRef.OK || l.ProductRef.V <= 0 {
			return in, fail(211, "%s", at)
		}
		if !l.Quantity.Set {
			return in, fail(220, "%s", at)
		}
		if !l.Quantity.OK || l.Quantity.V < 1 {
			return in, fail(221, "%s", at)
		}
		units += int(l.Quantity.V)
		if l.Quantity.V > maxLineQuantity || units > maxOrderQuantity {
			return in, fail(221, "%s: the fake accepts at most %d units per order", at, maxOrderQuantity)
		}
		if badAmount(l.VATRate) {
			return in, fail(231, "%s", at)
		}
		if badAmount(l.AmountDutyFree) {
			return in, fail(241, "%s", at)
		}
		if badAmount(l.AmountTotal) {
			return in, fail(251, "%s", at)
		}
		li := lineInput{ref: int(l.ProductRef.V), qty: int(l.Quantity.V)}
		if l.AmountDutyFree.Set {
			li.dutyFree = &l.AmountDutyFree.V
		}
		if l.AmountTotal.Set {
			li.total = &l.AmountTotal.V
		}
		in.lines = append(in.lines, li)
	}

	c := req.Customer.V
	if !req.Customer.OK || !c.Email.Set || (c.Email.OK && c.Email.V == "") {
		return in, fail(320, "")
	}
	if !c.Email.OK || !validEmail(c.Email.V) {
		return in, fail(321, "")
	}
	if !c.Language.Set || (c.Language.OK && c.Language.V == "") {
		return in, fail(330, "")
	}
	if !c.Language.OK || !validLocale(c.Language.V) {
		return in, fail(331, "want ll_CC, e.g. en_GB")
	}
	hasIP4 := c.IPv4.OK && c.IPv4.V != ""
	if c.IPv4.Set && (!c.IPv4.OK || (hasIP4 && !validIPv4(c.IPv4.V))) {
		return in, fail(341, "")
	}
	hasIP6 := c.IPv6.OK && c.IPv6.V != ""
	if !c.LocationInvoice.OK {
		return in, fail(420, "")
	}
	loc := c.LocationInvoice.V
	if !loc.Country.Set || (loc.Country.OK && loc.Country.V == "") {
		return in, fail(500, "locationInvoice")
	}
	if !loc.Country.OK || !isUpperLetters(loc.Country.V, 2) {
		return in, fail(501, "locationInvoice: want ISO 3166-1 alpha-2, e.g. FR")
	}
	country := loc.Country.V
	if !isoCountries[country] {
		return in, fail(1023, "%s", country)
	}
	switch p := loc.Province; {
	case p.Set && !p.OK:
		return in, fail(1049, "province must be a string")
	case p.OK && p.V != "":
		if !validProvince(country, p.V) {
			return in, fail(1049, "want ISO 3166-2 %s-XX", country)
		}
	case provinceRequired[country]:
		return in, fail(1048, "%s needs an ISO 3166-2 province, e.g. %s-NY", country, country)
	}

	if req.Discounts.Set && !req.Discounts.OK {
		return in, fail(600, "discounts must be an array")
	}
	for i, d := range req.Discounts.V {
		if e := checkDiscount(i, d); e != nil {
			return in, e
		}
	}

	if req.Metadata.Set && !req.Metadata.OK {
		return in, fail(750, "metadata must be an array")
	}
	for i, m := range req.Metadata.V {
		if !m.OK || !m.V.Key.OK {
			return in, fail(751, "metadata[%d]", i)
		}
	}

	if req.Payment.Set {
		pm := req.Payment.V.PaymentMethod
		if !req.Payment.OK || !pm.OK || pm.V == "" {
			return in, fail(710, "")
		}
	}

	// Checks against the catalog.
	for i, l := range in.lines {
		if s.products[l.ref] == nil {
			return in, fail(1020, "orderLines[%d]: %d", i, l.ref)
		}
	}
	inOrder := make(map[int]bool, len(in.lines))
	for _, l := range in.lines {
		inOrder[l.ref] = true
	}
	for i, l := range in.lines {
		if p := s.products[l.ref]; p.Option != OptionNone && !s.hasBaseLocked(l.ref, inOrder) {
			return in, fail(1043, "orderLines[%d]: %d", i, l.ref)
		}
	}
	if req.Payment.Set && !hasIP4 && !hasIP6 {
		return in, fail(1046, "")
	}
	if s.cfg.requirePrices {
		for i, l := range in.lines {
			if l.dutyFree == nil && l.total == nil {
				return in, fail(1053, "orderLines[%d]", i)
			}
		}
	}

	in.cust = customerInfo{
		email:    c.Email.V,
		language: c.Language.V,
		country:  country,
	}
	if c.PartnerID.OK {
		in.cust.partnerID = c.PartnerID.V
	}
	if loc.FirstName.OK {
		in.cust.firstName = loc.FirstName.V
	}
	if loc.LastName.OK {
		in.cust.lastName = loc.LastName.V
	}
	return in, nil
}

// hasBaseLocked reports whether the order holds a product that lists option
// among its Options.
func (s *Server) hasBaseLocked(option int, inOrder map[int]bool) bool {
	for ref := range inOrder {
		if p := s.products[ref]; p != nil && slices.Contains(p.Options, option) {
			return true
		}
	}
	return false
}

// checkDiscount validates one order-level discount (codes 600–651).
func checkDiscount(i int, d opt[discountWire]) *invalid {
	at := fmt.Sprintf("discounts[%d]", i)
	if !d.OK {
		return fail(600, "%s", at)
	}
	v := d.V
	switch {
	case !v.ForeignRef.Set:
		return fail(610, "%s", at)
	case !v.ForeignRef.OK:
		return fail(611, "%s", at)
	case !v.Label.Set || v.Label.OK && v.Label.V == "":
		return fail(620, "%s", at)
	case !v.Label.OK:
		return fail(621, "%s", at)
	case !v.PriceDelta.Set:
		return fail(630, "%s", at)
	case !v.PriceDelta.OK:
		return fail(631, "%s", at)
	case !v.Operation.Set || v.Operation.OK && v.Operation.V == "":
		return fail(640, "%s", at)
	case !v.Operation.OK || v.Operation.V != "Percents" && v.Operation.V != "Amount":
		return fail(641, "%s: want Percents or Amount", at)
	case !v.OperationValue.Set:
		return fail(650, "%s", at)
	case !v.OperationValue.OK || v.OperationValue.V < 0 ||
		v.Operation.V == "Percents" && v.OperationValue.V > 100:
		return fail(651, "%s", at)
	}
	return nil
}

// badAmount reports a present price or rate that is not a non-negative number.
func badAmount(a opt[float64]) bool {
	return a.Set && (!a.OK || a.V < 0 || math.IsInf(a.V, 0))
}

// validOrderDate accepts RFC 3339 (ISO 8601 with a Z or ±hh:mm offset);
// a date without an offset is refused, as Nexway does.
func validOrderDate(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// validEmail accepts a bare address with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// validLocale accepts ll_CC: two lower-case letters, "_", two upper-case
// letters (en_GB, fr_CA, and Nexway's pseudo-country en_XE).
func validLocale(s string) bool {
	if len(s) != 5 || s[2] != '_' {
		return false
	}
	return isLowerLetters(s[:2]) && isUpperLetters(s[3:], 2)
}

// validLanguageList accepts "EN" or a comma list "FR,EN,ES" (cross-sell).
func validLanguageList(s string) bool {
	for _, part := range strings.Split(s, ",") {
		if !isUpperLetters(strings.TrimSpace(part), 2) {
			return false
		}
	}
	return true
}

func isLowerLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return s != ""
}

// validIPv4 accepts a dotted-quad IPv4 address.
func validIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// validProvince accepts ISO 3166-2 "<country>-<1 to 3 letters or digits>".
func validProvince(country, p string) bool {
	if len(p) < 4 || len(p) > 6 || p[:2] != country || p[2] != '-' {
		return false
	}
	for i := 3; i < len(p); i++ {
		c := p[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// provinceRequired lists the countries whose invoices need a province
// (create code 1048), as Nexway documents for the invoice location.
var provinceRequired = map[string]bool{"US": true, "CA": true, "BR": true, "AU": true}

// isoCountries is the ISO 3166-1 alpha-2 list (249 officially assigned
// codes). Nexway's pseudo-country XE is valid in a customer language
// (en_XE) but not as an address country.
var isoCountries = func() map[string]bool {
	const list = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
		"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
		"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
		"HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
		"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
		"NA NC NE NF NG NI NL NO NP NR NU NZ OM " +
		"PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
		"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
		"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ " +
		"VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
	m := map[string]bool{}
	for _, c := range strings.Fields(list) {
		m[c] = true
	}
	return m
}()
