package nexway

import (
	"encoding/base64"
	"strings"
)

// Order is an order as Nexway returns it on creation and on reading: the
// Nexway order number, and per line the license keys and downloads the
// shopper must receive. It is decoded leniently (see Envelope): refs,
// numbers, subscription ids, sizes and codes from numbers or strings, keys
// and other text from strings or numbers, dates in any form Date reads. An
// answer with neither partnerOrderNumber nor orderNumber fails with
// ErrInvalidResponse, as does one whose order number, product refs,
// subscription ids, line and item codes or serials are present but cannot
// be represented (see Envelope).
type Order struct {
	Envelope
	PartnerOrderNumber string `json:"partnerOrderNumber" essential:"text"`
	// OrderNumber is Nexway's number; show it to the shopper, who needs it
	// to reach Nexway's support.
	OrderNumber     OrderNumber     `json:"orderNumber" essential:"id"`
	DownloadManager DownloadManager `json:"downloadManager"`
	Lines           []OrderLine     `json:"orderLines"`
}

// DownloadManager links to download-manager installers pre-configured for
// the order, when Nexway provides them.
type DownloadManager struct {
	PC  string `json:"pc"`
	Mac string `json:"mac"`
}

// OrderLine is the delivery of one ordered product. A non-zero ResponseCode
// reports a problem with this line only; the order itself exists.
type OrderLine struct {
	ProductRef ProductRef `json:"productRef" essential:"id"`
	// DateEndDownload is the last day the files can be downloaded (21 days
	// after purchase unless extended).
	DateEndDownload   Date   `json:"dateEndDownload"`
	DigitalLockerLink string `json:"digitalLockerLink"`
	// Remark holds instructions the shopper must be shown, such as how to
	// activate a Ubisoft product.
	Remark          string     `json:"remark"`
	Files           []File     `json:"files"`
	Items           []LineItem `json:"lineItems"`
	ResponseCode    int        `json:"responseCode" essential:"int"`
	ResponseMessage string     `json:"responseMessage"`
}

// File is a downloadable file of an order line. Size is read from a number
// or a decimal string.
type File struct {
	Label string  `json:"label"`
	Type  string  `json:"type"`
	URL   string  `json:"url"`
	Size  float64 `json:"size"` // bytes
	Group string  `json:"group"`
}

// LineItem is one delivered unit of a line, with its license keys. An item
// whose key could not be obtained yet has no serial and a non-zero
// ResponseCode (1051); Nexway keeps trying, so read the order again later.
type LineItem struct {
	Serials []Serial `json:"serials"`
	// SubscriptionID is set for subscription products; the subscription
	// calls need it.
	SubscriptionID  SubscriptionID `json:"subscriptionId" essential:"id"`
	ResponseCode    int            `json:"responseCode" essential:"int"`
	ResponseMessage string         `json:"responseMessage"`
}

// Serial is a license key, or a license file when FileName is set. A key
// sent as a number is kept as its digits.
type Serial struct {
	Data     string `json:"data" essential:"text"`
	Encoding string `json:"encoding" essential:"text"`
	Charset  string `json:"charset"`
	FileName string `json:"fileName" essential:"text"`
}

// Bytes returns the serial's content, decoded when Encoding is base64. It
// fails on base64 that does not decode. Nexway does not document the
// encodings it uses; other values are returned as they are.
func (s Serial) Bytes() ([]byte, error) {
	if strings.EqualFold(s.Encoding, "base64") {
		return base64.StdEncoding.DecodeString(s.Data)
	}
	return []byte(s.Data), nil
}

// Delivered reports whether every line and item of the order was
// fulfilled; false means some license keys are still to come.
func (o *Order) Delivered() bool {
	for _, l := range o.Lines {
		if l.ResponseCode != 0 {
			return false
		}
		for _, it := range l.Items {
			if it.ResponseCode != 0 {
				return false
			}
		}
	}
	return true
}

// SubscriptionIDs returns the subscription ids of the order's items, in
// line order.
func (o *Order) SubscriptionIDs() []SubscriptionID {
	var ids []SubscriptionID
	for _, l := range o.Lines {
		for _, it := range l.Items {
			if it.SubscriptionID != 0 {
				ids = append(ids, it.SubscriptionID)
			}
		}
	}
	return ids
}

func (o *Order) validResponse() bool { return o.PartnerOrderNumber != "" || o.OrderNumber != 0 }

// Matches reports whether o is the order r asks for, as far as Nexway's
// answer shows: the same partnerOrderNumber (when the answer carries one),
// the same products line for line, and, for every line that lists its
// units (one line item per unit, as Nexway's samples show), the same
// quantity. Nexway does not return the customer, the order date, the
// currency or the amounts, so they are not compared; a line without line
// items is compared by product only. OrdersService.Create adopts an
// existing order after an ambiguous attempt only when it matches.
func (o *Order) Matches(r *CreateOrderRequest) bool {
	if r == nil || (o.PartnerOrderNumber != "" && o.PartnerOrderNumber != r.PartnerOrderNumber) || len(o.Lines) != len(r.Lines) {
		return false
	}
	type line struct {
		ref ProductRef
		qty int
	}
	want := make(map[line]int, len(r.Lines))
	refs := make(map[ProductRef]int, len(r.Lines))
	for _, l := range r.Lines {
		want[line{l.ProductRef, l.Quantity}]++
		refs[l.ProductRef]++
	}
	for _, l := range o.Lines {
		if refs[l.ProductRef] == 0 {
			return false
		}
		refs[l.ProductRef]--
		if len(l.Items) == 0 {
			continue // units not shown: compared by product only
		}
		k := line{l.ProductRef, len(l.Items)}
		if want[k] == 0 {
			return false
		}
		want[k]--
	}
	return true
}
