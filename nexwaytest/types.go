package nexwaytest

import "github.com/nexway-go/nexway/internal/fake"

// The fake's types, for the knobs of Server. Their documentation is on
// the aliased types.
type (
	// Product is a catalog entry of the fake.
	Product = fake.Product
	// File is a downloadable file of a product.
	File = fake.File
	// Category is a product category with subcategories.
	Category = fake.Category
	// OS is an operating system of the catalog.
	OS = fake.OS
	// DeliveryMode says what an order line delivers.
	DeliveryMode = fake.DeliveryMode
	// FulfillmentMode says where a product's keys come from.
	FulfillmentMode = fake.FulfillmentMode
	// OptionKind marks a product as an option of another.
	OptionKind = fake.OptionKind
	// Publisher issues license keys in real-time mode.
	Publisher = fake.Publisher
	// PublisherFunc is a Publisher written as a function.
	PublisherFunc = fake.PublisherFunc
	// HTTPPublisher asks a publisher's fulfillment endpoint for keys.
	HTTPPublisher = fake.HTTPPublisher
	// LicenseRequest is what the fake asks a publisher for.
	LicenseRequest = fake.LicenseRequest
	// Fault is a failure to inject.
	Fault = fake.Fault
	// FaultKind is a way a request can go wrong.
	FaultKind = fake.FaultKind
	// Route names an operation of the fake.
	Route = fake.Route
	// LoggedRequest is a request the fake received.
	LoggedRequest = fake.LoggedRequest
	// RouteCount is how many requests a route received and how many of them
	// an injected fault hit (Server.Counts).
	RouteCount = fake.RouteCount
	// OrderSnapshot is an order as the fake stores it.
	OrderSnapshot = fake.OrderSnapshot
	// LineSnapshot is an order line as the fake stores it.
	LineSnapshot = fake.LineSnapshot
)

// Delivery modes, fulfillment modes and option kinds.
const (
	DeliverySerial            = fake.DeliverySerial
	DeliveryDownload          = fake.DeliveryDownload
	DeliverySerialAndDownload = fake.DeliverySerialAndDownload
	DeliveryNone              = fake.DeliveryNone

	FulfillBatch    = fake.FulfillBatch
	FulfillRealTime = fake.FulfillRealTime

	OptionNone              = fake.OptionNone
	OptionDownloadExtension = fake.OptionDownloadExtension
	OptionBackupDVD         = fake.OptionBackupDVD
)

// Fault kinds.
const (
	FaultStatus       = fake.FaultStatus
	FaultRateLimit    = fake.FaultRateLimit
	FaultDrop         = fake.FaultDrop
	FaultLoseResponse = fake.FaultLoseResponse
	FaultLatency      = fake.FaultLatency
)

// Routes, for faults and the request log.
const (
	RouteAny                = fake.RouteAny
	RouteToken              = fake.RouteToken
	RouteStock              = fake.RouteStock
	RouteCrossSell          = fake.RouteCrossSell
	RouteCreateOrder        = fake.RouteCreateOrder
	RouteGetOrder           = fake.RouteGetOrder
	RouteCancelOrder        = fake.RouteCancelOrder
	RouteExtendDownload     = fake.RouteExtendDownload
	RouteDownloadInfo       = fake.RouteDownloadInfo
	RouteSubscriptionStatus = fake.RouteSubscriptionStatus
	RouteSubscriptionCancel = fake.RouteSubscriptionCancel
	RouteSubscriptionRenew  = fake.RouteSubscriptionRenew
	RouteCategories         = fake.RouteCategories
	RouteOSList             = fake.RouteOSList
)

// DefaultCatalog returns the products a new Server sells (unless
// WithoutCatalog): an antivirus (733551, batch keys, with an up-sell, a
// cross-sell and two options), a security suite (733552, real-time), a
// game (733558, few keys), a VPN subscription (733559, yearly), a download
// extension (733560), a backup DVD (733561), a game out of stock (733562)
// and a monthly backup subscription (733570).
func DefaultCatalog() []Product { return fake.DefaultCatalog() }

// GeneratedKeys returns a Publisher that makes up unique keys with prefix,
// for real-time products that need no publisher endpoint.
func GeneratedKeys(prefix string) Publisher { return fake.GeneratedKeys(prefix) }
