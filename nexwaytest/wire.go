package nexwaytest

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
)

// The fake keeps its own wire structs instead of importing the client's, so
// that a wrong JSON tag on either side shows up as a failing test rather than
// cancelling out.

// opt is a JSON field whose presence and type are checked by the validator
// instead of by encoding/json: a wrong-typed value gives the operation's
// "invalid" code instead of failing the whole decode. JSON null reads as
// absent.
type opt[T any] struct {
	Set bool // the key was present and not null
	OK  bool // the value had the expected JSON type
	V   T
}

// UnmarshalJSON records presence and type; it never fails.
func (o *opt[T]) UnmarshalJSON(b []byte) error {
	if isNull(b) {
		*o = opt[T]{}
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		*o = opt[T]{Set: true}
		return nil
	}
	*o = opt[T]{Set: true, OK: true, V: v}
	return nil
}

// flexInt is a whole number sent either as a JSON number or as a string of
// digits: Nexway documents productRef and quantity as int32, but production
// integrations send them as strings and Nexway accepts them.
// An empty string reads as absent; anything else that is not a whole number
// in int32 range is present but invalid.
type flexInt struct {
	Set bool
	OK  bool
	V   int64
}

// UnmarshalJSON records presence and validity; it never fails.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	*f = flexInt{}
	text, quoted, set, ok := readScalar(b)
	f.Set = set
	if !set || !ok {
		return nil
	}
	if quoted {
		// Strings must be plain digits with an optional sign; "1e3" or " 7"
		// are not what a storefront means by a product reference.
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
			return nil
		}
		f.OK, f.V = true, n
		return nil
	}
	if !startsNumber(text) {
		return nil // bool, object, array
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		if n >= math.MinInt32 && n <= math.MaxInt32 {
			f.OK, f.V = true, n
		}
		return nil
	}
	// 733551.0 or 7.33551e5: accept when it is a whole number in range.
	x, err := strconv.ParseFloat(text, 64)
	if err != nil || x != math.Trunc(x) || x < math.MinInt32 || x > math.MaxInt32 {
		return nil
	}
	f.OK, f.V = true, int64(x)
	return nil
}

// flexString is a string field that also accepts a JSON number (kept as its
// literal text): a storefront whose order ids are numeric may well send
// "partnerOrderNumber": 689. An empty string reads as absent.
type flexString struct {
	Set bool
	OK  bool
	V   string
}

// UnmarshalJSON records presence and validity; it never fails.
func (f *flexString) UnmarshalJSON(b []byte) error {
	*f = flexString{}
	text, quoted, set, ok := readScalar(b)
	f.Set = set
	if set && ok && (quoted || startsNumber(text)) {
		f.OK, f.V = true, text
	}
	return nil
}

// readScalar reads a JSON value that flexInt and flexString take either
// as a string or as a bare literal: the string's content (quoted), or the
// literal as it is. set is false for nothing, null or "" (all absent); ok
// is false for a string that does not decode.
func readScalar(b []byte) (text string, quoted, set, ok bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || isNull(b) {
		return "", false, false, false
	}
	if b[0] != '"' {
		return string(b), false, true, true
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", true, true, false
	}
	return s, true, s != "", true
}

// startsNumber reports whether a bare JSON literal is a number.
func startsNumber(lit string) bool {
	return lit[0] == '-' || (lit[0] >= '0' && lit[0] <= '9')
}

// isNull reports whether a raw JSON value is the literal null.
func isNull(b []byte) bool {
	return string(bytes.TrimSpace(b)) == "null"
}

// envelope is the responseCode/responseMessage pair every Connect response
// carries; 0 and "OK" mean success.
type envelope struct {
	ResponseCode    int    `json:"responseCode"`
	ResponseMessage string `json:"responseMessage"`
}

// --- stock: https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-stock-status ---

type stockRequest struct {
	ProductRefs opt[[]flexInt] `json:"productRefs"`
}

type stockResponse struct {
	envelope
	ProductStatus []stockItem `json:"productStatus"`
}

type stockItem struct {
	ProductRef int64 `json:"productRef"`
	Status     int   `json:"status"`
	envelope
}

// --- cross-/up-sell: https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell ---

type crossSellRequest struct {
	Language opt[string]               `json:"language"`
	Products opt[[]opt[crossSellItem]] `json:"products"`
}

type crossSellItem struct {
	ProductRef flexInt `json:"productRef"`
	Quantity   flexInt `json:"quantity"`
}

type crossSellResponse struct {
	ProductsReturn []offerWire `json:"productsReturn"`
	envelope
}

type offerWire struct {
	Ref              int     `json:"ref"`
	Type             string  `json:"type"`
	Name             string  `json:"name"`
	AmountDutyFree   float64 `json:"amountDutyFree"`
	Currency         string  `json:"currency"`
	ShortDescription string  `json:"shortDescription"`
	Language         string  `json:"language"`
	ImageSmall       string  `json:"imageSmall"`
}

// --- create order: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/create-order ---

type createOrderRequest struct {
	PartnerOrderNumber flexString               `json:"partnerOrderNumber"`
	OrderDate          opt[string]              `json:"orderDate"`
	Currency           opt[string]              `json:"currency"`
	OrderLines         opt[[]orderLineRequest]  `json:"orderLines"`
	Customer           opt[customerRequest]     `json:"customer"`
	Payment            opt[paymentRequest]      `json:"payment"`
	Discounts          opt[[]opt[discountWire]] `json:"discounts"`
	Metadata           opt[[]opt[metadataWire]] `json:"metadata"`
}

type orderLineRequest struct {
	ProductRef     flexInt      `json:"productRef"`
	Quantity       flexInt      `json:"quantity"`
	VATRate        opt[float64] `json:"vatRate"`
	AmountDutyFree opt[float64] `json:"amountDutyFree"`
	AmountTotal    opt[float64] `json:"amountTotal"`
}

type customerRequest struct {
	PartnerID       flexString           `json:"partnerId"`
	Email           opt[string]          `json:"email"`
	Language        opt[string]          `json:"language"`
	IPv4            opt[string]          `json:"ipV4"`
	IPv6            opt[string]          `json:"ipV6"`
	LocationInvoice opt[locationRequest] `json:"locationInvoice"`
}

type locationRequest struct {
	FirstName opt[string] `json:"firstName"`
	LastName  opt[string] `json:"lastName"`
	Province  opt[string] `json:"province"`
	Country   opt[string] `json:"country"`
}

type paymentRequest struct {
	PaymentMethod opt[string] `json:"paymentMethod"`
}

type discountWire struct {
	ForeignRef     flexString   `json:"foreignRef"`
	Label          opt[string]  `json:"label"`
	PriceDelta     opt[float64] `json:"priceDelta"`
	Operation      opt[string]  `json:"operation"`
	OperationValue opt[float64] `json:"operationValue"`
}

type metadataWire struct {
	Key flexString `json:"key"`
}

// orderResponse is CreateOrderResponse
// (https://api-doc.nexway.store/nexway-connect/resources/createorderresponse?v=latest),
// also the get-order answer.
type orderResponse struct {
	PartnerOrderNumber string              `json:"partnerOrderNumber"`
	OrderNumber        int                 `json:"orderNumber"`
	DownloadManager    downloadManagerWire `json:"downloadManager"`
	OrderLines         []orderLineWire     `json:"orderLines"`
	envelope
}

// orderError is the answer to a create or get that produced no order.
type orderError struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	envelope
}

type downloadManagerWire struct {
	PC  string `json:"pc"`
	Mac string `json:"mac"`
}

type orderLineWire struct {
	ProductRef        int            `json:"productRef"`
	DateEndDownload   string         `json:"dateEndDownload"`
	DigitalLockerLink string         `json:"digitalLockerLink"`
	Remark            string         `json:"remark"`
	Files             []fileWire     `json:"files"`
	LineItems         []lineItemWire `json:"lineItems"`
	envelope
}

type fileWire struct {
	Label string  `json:"label"`
	Type  string  `json:"type"`
	URL   string  `json:"url"`
	Size  float64 `json:"size"`
	Group string  `json:"group"`
}

type lineItemWire struct {
	Serials        []serialWire `json:"serials"`
	SubscriptionID int          `json:"subscriptionId"`
	envelope
}

type serialWire struct {
	Data     string `json:"data"`
	Encoding string `json:"encoding"`
	Charset  string `json:"charset"`
	FileName string `json:"fileName"`
}

// --- cancel: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/cancel-order ---

type cancelRequest struct {
	PartnerOrderNumber flexString `json:"partnerOrderNumber"`
	ReasonCode         flexInt    `json:"reasonCode"`
}

type cancelResponse struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	OrderNumber        int    `json:"orderNumber"`
	envelope
}

// --- downloads: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/update-download-time
// and https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order-download-info ---

type extendRequest struct {
	PartnerOrderNumber flexString  `json:"partnerOrderNumber"`
	Value              opt[string] `json:"value"`
}

type extendResponse struct {
	PartnerOrderNumber string `json:"partnerOrderNumber"`
	NewDownloadEndDate string `json:"newDownloadEndDate"`
	envelope
}

type downloadInfoResponse struct {
	PartnerOrderNumber string             `json:"partnerOrderNumber"`
	DownloadEndDate    string             `json:"downloadEndDate"`
	OrderLines         []downloadLineWire `json:"orderLines"`
	envelope
}

type downloadLineWire struct {
	ProductRef int                `json:"productRef"`
	Files      []downloadFileWire `json:"files"`
}

type downloadFileWire struct {
	fileWire
	DateFirstDownload     string `json:"dateFirstDownload"`
	DateLastDownload      string `json:"dateLastDownload"`
	CountStartDownload    int    `json:"countStartDownload"`
	CountCompleteDownload int    `json:"countCompleteDownload"`
}

// --- subscriptions: https://api-doc.nexway.store/nexway-connect/reference/manage-your-subscription/get-subscription-status
// (Nexway shows no fields; these are the ones agreed with the client) ---

type subscriptionRequest struct {
	PartnerOrderNumber flexString `json:"partnerOrderNumber"`
	SubscriptionID     flexInt    `json:"subscriptionId"`
}

type subscriptionResponse struct {
	PartnerOrderNumber        string `json:"partnerOrderNumber"`
	SubscriptionID            int    `json:"subscriptionId"`
	ProductRef                int    `json:"productRef"`
	Status                    string `json:"status"`
	ExpirationDate            string `json:"expirationDate"`
	Generation                int    `json:"generation"`
	CurrentPartnerOrderNumber string `json:"currentPartnerOrderNumber"`
	envelope
}

// --- catalog: https://api-doc.nexway.store/nexway-connect/reference/get-information-on-catalog/get-categories
// and https://api-doc.nexway.store/nexway-connect/reference/get-information-on-catalog/get-operating-systems ---

type categoriesResponse struct {
	CategoryList []categoryWire `json:"categoryList"`
	envelope
}

// categoryWire keeps the key "Subcategory list", space included, of the
// sample in https://apidoc.nexway.store/connect/api/index.html.
type categoryWire struct {
	ID            int               `json:"id"`
	Label         string            `json:"label"`
	Subcategories []subcategoryWire `json:"Subcategory list"`
}

// subcategoryWire is a leaf {id, label} as in the sample; a deeper level,
// which Nexway's sample does not show, nests under the same key.
type subcategoryWire struct {
	ID            int               `json:"id"`
	Label         string            `json:"label"`
	Subcategories []subcategoryWire `json:"Subcategory list,omitempty"`
}

type osListResponse struct {
	OSList []osWire `json:"osList"`
	envelope
}

type osWire struct {
	ID    int    `json:"id"`
	Label string `json:"label"`
}

// --- IAM: https://api-doc.nexway.store/nexway-connect/reference/jwt-authentication/get-user-token ---

type tokenRequest struct {
	RealmName    opt[string] `json:"realmName"`
	GrantType    opt[string] `json:"grantType"`
	ClientSecret opt[string] `json:"clientSecret"`
	RefreshToken opt[string] `json:"refreshToken"`
}

type tokenResponse struct {
	AccessToken      string `json:"access_token"`
	ExpiresIn        int64  `json:"expires_in"`
	RefreshExpiresIn int64  `json:"refresh_expires_in"`
	RefreshToken     string `json:"refresh_token"`
	TokenType        string `json:"token_type"`
	NotBeforePolicy  int    `json:"not-before-policy"`
	SessionState     string `json:"session_state"`
}

// oauthError is the body of an IAM or bearer failure (HTTP 401).
type oauthError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// message is the responseMessage of code: "OK" for 0, else the text of
// the operation's table.
func message(table map[int]string, code int) string {
	if code == 0 {
		return "OK"
	}
	return table[code]
}

// writeJSON writes v with the given HTTP status. Marshalling only fails on
// values the fake never builds (NaN prices are refused when products are
// added); if it happens anyway the answer is Connect's internal error 1000,
// never an HTTP 500.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "Anti-Virus & Security", as in the official sample
	if err := enc.Encode(v); err != nil {
		status = http.StatusOK
		buf.Reset()
		buf.WriteString(`{"responseCode":1000,"responseMessage":"internal error"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// writeEnvelope writes a bare envelope (HTTP 200).
func writeEnvelope(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, envelope{ResponseCode: code, ResponseMessage: msg})
}
