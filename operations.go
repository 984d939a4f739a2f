package nexway

import (
	"net/http"
)

// The operation table: per operation, its retry policy (whether a resend
// after an attempt that may have been processed is safe, whether it writes)
// and the meaning of its return codes. The codes come from Nexway's
// documentation where it gives them (cross-sell) and otherwise from the
// exception maps of Nexway's legacy SOAP client, whose REST API is a JSON
// port of the same services.

// operation describes one Nexway operation: how the pipeline may retry it and
// what its return codes mean. Codes are per operation because Nexway reuses
// numbers: 1010 is "already created" on create and "not found" on reads.
type operation struct {
	name string
	// route is the path's template when it has a parameter
	// ("/connect/order/{partnerOrderNumber}"); "" when the path is its own.
	route string
	// raw: an operation of Client.Do, whose path's template is unknown.
	raw bool
	// retryAmbiguous: a retry after an attempt that may have been processed
	// is safe, because the operation is idempotent or its service method
	// recognises the earlier attempt's effect (1010 on create, 1011 on
	// cancel). Requests that never left are retried for every operation.
	retryAmbiguous bool
	// mutates: the call changes state, so a failure whose outcome is unknown
	// is reported with ErrAmbiguous.
	mutates bool
	codes   map[int]code
}

type code struct {
	meaning string
	kind    error
}

// codes of every operation (70, 71: the secret) and the fallback for the
// internal error, which Nexway reports everywhere but documents per table.
var (
	globalCodes = map[int]code{
		70: {"secret missing", ErrInvalidSecret},
		71: {"secret not valid", ErrInvalidSecret},
	}
	internalError = code{"internal error", ErrUnavailable}
	// paymentInternalError is create's and get's 1065, an internal error
	// too (§3.4 of the reference: possibly transient, retry with backoff).
	paymentInternalError = code{"internal error on payment transaction", ErrUnavailable}
)

func validation(meaning string) code { return code{meaning, ErrValidation} }

// Stock status: https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-stock-status
var opStockStatus = &operation{name: "StockStatus", retryAmbiguous: true, codes: map[int]code{
	100:  validation("productRef missing"),
	101:  validation("productRef invalid"),
	1010: {"product reference does not exist", ErrNotFound},
}}

// Cross- and up-sell: https://api-doc.nexway.store/nexway-connect/reference/manage-your-products/get-cross-up-sell
// (its codes confirmed for REST by the GetCrossUpSellResponse page).
var opCrossSell = &operation{name: "CrossSell", retryAmbiguous: true, codes: map[int]code{
	100:  validation("product list missing"),
	110:  validation("productRef missing"),
	111:  validation("productRef invalid"),
	120:  validation("quantity missing"),
	121:  validation("quantity invalid"),
	130:  validation("language missing"),
	131:  validation("language invalid"),
	1000: internalError,
	1010: {"productRef not found", ErrNotFound},
}}

// Create order: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/create-order
// A retried create is recognised by 1010 (OrdersService.Create).
var opCreateOrder = &operation{name: "CreateOrder", retryAmbiguous: true, mutates: true, codes: map[int]code{
	100:  validation("order missing"),
	120:  validation("currency missing"),
	121:  validation("currency invalid"),
	130:  validation("partnerOrderNumber missing"),
	140:  validation("orderDate missing"),
	141:  validation("orderDate invalid"),
	150:  validation("time value missing"),
	151:  validation("time value invalid"),
	200:  validation("orderLines missing"),
	210:  validation("productRef missing"),
	211:  validation("productRef invalid"),
	220:  validation("quantity missing"),
	221:  validation("quantity invalid"),
	230:  validation("vatRate missing"),
	231:  validation("vatRate invalid"),
	240:  validation("amountDutyFree missing"),
	241:  validation("amountDutyFree invalid"),
	250:  validation("amountTotal missing"),
	251:  validation("amountTotal invalid"),
	310:  validation("customer partnerId missing"),
	311:  validation("customer partnerId invalid"),
	320:  validation("customer email missing"),
	321:  validation("customer email invalid"),
	330:  validation("customer language missing"),
	331:  validation("customer language invalid"),
	340:  validation("customer ipV4 missing"),
	341:  validation("customer ipV4 invalid"),
	410:  validation("delivery location missing"),
	420:  validation("invoice location missing"),
	430:  validation("location title missing"),
	431:  validation("location title invalid"),
	440:  validation("location lastName missing"),
	441:  validation("location lastName invalid"),
	450:  validation("location firstName missing"),
	451:  validation("location firstName invalid"),
	460:  validation("location address1 missing"),
	461:  validation("location address1 invalid"),
	480:  validation("location zipCode missing"),
	481:  validation("location zipCode invalid"),
	490:  validation("location city missing"),
	491:  validation("location city invalid"),
	500:  validation("location country missing"),
	501:  validation("location country invalid"),
	530:  validation("location phone missing"),
	531:  validation("location phone invalid"),
	540:  validation("location fax missing"),
	541:  validation("location fax invalid"),
	550:  validation("location province missing"),
	551:  validation("location province invalid"),
	600:  validation("discount missing"),
	610:  validation("discount foreignRef missing"),
	611:  validation("discount foreignRef invalid"),
	620:  validation("discount label missing"),
	621:  validation("discount label invalid"),
	630:  validation("discount priceDelta missing"),
	631:  validation("discount priceDelta invalid"),
	640:  validation("discount operation missing"),
	641:  validation("discount operation invalid"),
	650:  validation("discount operationValue missing"),
	651:  validation("discount operationValue invalid"),
	700:  validation("payment missing"),
	710:  validation("paymentMethod missing"),
	711:  validation("paymentMethod invalid"),
	720:  validation("payment transactionId missing"),
	721:  validation("payment transactionId invalid"),
	750:  validation("metadata missing"),
	751:  validation("metadata key missing"),
	1000: internalError,
	1010: {"order already created", ErrDuplicateOrder},
	1020: validation("product reference does not exist"),
	1021: validation("currency does not exist"),
	1022: validation("language does not exist"),
	1023: validation("country does not exist"),
	1030: validation("XML document error"),
	1031: validation("missing or empty XML attributes"),
	1032: validation("empty XML elements"),
	1033: validation("missing XML element"),
	1034: validation("missing XML document"),
	1035: validation("affiliateId inactive or invalid"),
	1040: {"download link error", ErrUnavailable},
	1041: validation("cart size too big, backup failed"),
	1042: validation("product reference not compatible with the cart"),
	1043: validation("reference link dependency not met"),
	1044: {"out of stock", ErrOutOfStock},
	1045: validation("affiliateId inactive or invalid"),
	1046: validation("IPv4 or IPv6 required when payment is present"),
	1047: validation("payment transactionId required for this payment method"),
	1048: validation("province required for this country"),
	1049: validation("province not valid"),
	1050: validation("province not valid"),
	1051: {"licences currently not available", ErrOutOfStock},
	1052: internalError,
	1053: validation("configuration requires unit price excluding tax or total amount"),
	1060: {"order waiting for payment validation", ErrPending},
	1061: {"order waiting for fraud-system validation", ErrPending},
	1062: {"order cancelled, fraud suspicion", ErrOrderRejected},
	1063: validation("payment transaction not found"),
	1064: {"order cancelled, payment not validated", ErrOrderRejected},
	1065: paymentInternalError,
	3011: {"licence files missing on the test environment", ErrOutOfStock},
}}

// Get order: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order
var opGetOrder = &operation{name: "GetOrder", route: "/connect/order/{partnerOrderNumber}", retryAmbiguous: true, codes: map[int]code{
	100:  validation("partnerOrderNumber missing"),
	750:  validation("metadata missing"),
	760:  validation("metadata key missing"),
	1000: internalError,
	1010: {"order not found", ErrNotFound},
	1020: validation("product reference does not exist"),
	1030: validation("XML document error"),
	1031: validation("missing or empty XML attributes"),
	1032: validation("empty XML elements"),
	1033: validation("missing XML element"),
	1034: validation("missing XML document"),
	1040: {"download link error", ErrUnavailable},
	1051: {"licences currently not available", ErrOutOfStock},
	1052: internalError,
	1060: {"order waiting for payment validation", ErrPending},
	1061: {"order waiting for fraud-system validation", ErrPending},
	1062: {"order cancelled, fraud suspicion", ErrOrderRejected},
	1064: {"order cancelled, payment not validated", ErrOrderRejected},
	1065: paymentInternalError,
}}

// Cancel order: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/cancel-order
// A retried cancel is recognised by 1011 (OrdersService.Cancel).
var opCancelOrder = &operation{name: "CancelOrder", retryAmbiguous: true, mutates: true, codes: map[int]code{
	100:  validation("reasonCode missing"),
	101:  validation("reasonCode invalid"),
	110:  validation("partnerOrderNumber missing"),
	1000: internalError,
	1010: {"order not found", ErrNotFound},
	1011: {"order already cancelled", ErrAlreadyCancelled},
	1020: {"cancel period expired", ErrCancelNotAllowed},
	1030: {"cancel not authorized", ErrCancelNotAllowed},
}}

// Update download time: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/update-download-time
// The SDK sends an absolute date whenever it can find the current last day,
// so a retry cannot extend twice (DownloadsService.Extend).
var opExtendDownload = &operation{name: "ExtendDownload", retryAmbiguous: true, mutates: true, codes: map[int]code{
	100:  validation("partnerOrderNumber missing"),
	110:  validation("time value missing"),
	111:  validation("time value invalid"),
	1000: internalError,
	1010: {"order not found", ErrNotFound},
	1011: {"order already cancelled", ErrAlreadyCancelled},
}}

// opExtendDownloadPeriod sends a period, which Nexway adds to the current
// window: a resend after an attempt that may have been processed could
// extend twice, so there is none (DownloadsService.Extend).
var opExtendDownloadPeriod = &operation{name: "ExtendDownload", mutates: true, codes: opExtendDownload.codes}

// Download info: https://api-doc.nexway.store/nexway-connect/reference/manage-your-orders/get-order-download-info
var opDownloadInfo = &operation{name: "DownloadInfo", route: "/connect/order/{partnerOrderNumber}/download", retryAmbiguous: true, codes: map[int]code{
	100:  validation("partnerOrderNumber missing"),
	1000: internalError,
	1010: {"order not found", ErrNotFound},
}}

// Subscription codes are documented nowhere, not even for the legacy API;
// these follow the
// order operations' conventions and are what the fake server answers.
var subscriptionCodes = map[int]code{
	100:  validation("partnerOrderNumber missing"),
	110:  validation("subscriptionId missing"),
	111:  validation("subscriptionId invalid"),
	1000: internalError,
	1010: {"subscription not found", ErrNotFound},
	1011: {"subscription already cancelled or expired", ErrAlreadyCancelled},
}

var (
	opSubscriptionStatus = &operation{name: "SubscriptionStatus", retryAmbiguous: true, codes: subscriptionCodes}
	// A retried cancel is recognised by 1011 (SubscriptionsService.Cancel).
	opCancelSubscription = &operation{name: "CancelSubscription", retryAmbiguous: true, mutates: true, codes: subscriptionCodes}
	// A renewal is not idempotent: never resent after an ambiguous failure.
	opRenewSubscription = &operation{name: "RenewSubscription", mutates: true, codes: subscriptionCodes}
	opCategories        = &operation{name: "Categories", route: "/connect/catalog/categories/{language}", retryAmbiguous: true}
	opOperatingSystems  = &operation{name: "OperatingSystems", retryAmbiguous: true}
)

// lookup returns the meaning and sentinel of a response code for op.
func (op *operation) lookup(rc int) code {
	if c, ok := op.codes[rc]; ok {
		return c
	}
	if c, ok := globalCodes[rc]; ok {
		return c
	}
	if rc == 1000 {
		return internalError
	}
	if rc > 0 && rc < 1000 {
		// Nexway's codes below 1000 all report a missing or invalid field.
		return code{"undocumented validation code", ErrValidation}
	}
	return code{"undocumented response code", nil}
}

// transient reports whether rc is one of Nexway's internal errors for op
// (1000, and 1052 and 1065 where op's table has them), which the reference
// calls possibly transient: a read meeting one is resent like a 5xx.
func (op *operation) transient(rc int) bool {
	c := op.lookup(rc)
	return c == internalError || c == paymentInternalError
}

// statusCode gives the meaning and sentinel of a non-2xx HTTP status.
func statusCode(status int) code {
	switch {
	case status == http.StatusBadRequest:
		return code{"bad request", ErrValidation}
	case status == http.StatusUnauthorized:
		return code{"token missing, expired or invalid", ErrUnauthorized}
	case status == http.StatusForbidden:
		return code{"credentials not allowed for this call", ErrForbidden}
	case status == http.StatusNotFound:
		return code{"not found", ErrNotFound}
	case status == http.StatusTooManyRequests:
		return code{"too many requests", ErrRateLimited}
	case status == http.StatusRequestTimeout || status >= 500:
		return code{"server error", ErrUnavailable}
	case status >= 300 && status < 400:
		return code{"unexpected redirect", ErrInvalidResponse}
	}
	return code{"unexpected HTTP status", nil}
}
