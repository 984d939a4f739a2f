package nexwaytest

// DefaultCatalog returns the products a new Server sells (unless started
// WithoutCatalog), a fresh copy on each call. The refs are fixed, so tests
// and examples can name them:
//
//   - 733551 an antivirus, key and download, batch: 50 keys
//     NAP-XXXX-XXXX-XXXX, low stock at 5; up-sell 733552, cross-sell
//     733559, options 733560 and 733561;
//   - 733552 a security suite, key and download, real-time (keys
//     NTS-XXXX-XXXX-XXXX from GeneratedKeys);
//   - 733558 a game, key only, batch: 5 keys STD-XXXX-XXXX-XXXX, low stock
//     at 2;
//   - 733559 a VPN, a yearly subscription, real-time (VPN-...);
//   - 733560 a download extension of one year, an option;
//   - 733561 a backup DVD, an option, nothing digital;
//   - 733562 a game out of stock (a batch product with no keys);
//   - 733570 a monthly backup subscription, real-time (CBK-...).
//
// All are priced in EUR. The products on sale have what the product feed
// carries too (publisher, version, long description, public and retailer
// prices, categories of the tree below, operating systems), the options
// only their names and prices. A new Server also serves a small category
// tree (7466 security, with 7467 antivirus and 7468 VPN; 7470 games, with
// 7471 strategy and 7472 racing) and three operating systems (63, 64,
// 80). The keys and publishers are the Server's,
// not part of the products: AddProducts(DefaultCatalog()...) on a server
// started WithoutCatalog gives the products with empty pools.
func DefaultCatalog() []Product {
	img := func(name string) string { return "https://img.nexway.test/" + name + ".png" }
	const nexwayLabs, stellar = "Nexway Labs", "Stellar Forge"
	return []Product{
		{
			Ref: 733551, Name: "Nexway Antivirus Pro 2026", AmountDutyFree: 41.66, Currency: "EUR",
			ShortDescription: "Real-time protection against viruses, ransomware and phishing for one PC.",
			Language:         "EN", ImageSmall: img("733551"),
			Delivery: DeliverySerialAndDownload,
			Files: []File{
				{Label: "Setup", Type: "exe", URLPath: "NexwayAntivirusPro2026_Setup.exe", Group: "main", Size: 123456789},
				{Label: "User guide", Type: "pdf", URLPath: "NexwayAntivirusPro2026_UserGuide.pdf", Group: "docs", Size: 2048000},
			},
			Fulfillment: FulfillBatch, LowStockThreshold: 5,
			UpSells: []int{733552}, CrossSells: []int{733559}, Options: []int{733560, 733561},
			LongDescription: "<p>Scans every file as it opens, blocks ransomware before it encrypts, and warns of phishing sites. Updates itself every hour.</p>",
			PublisherID:     101, PublisherName: nexwayLabs, Version: "26.1", ReleaseDate: "2025-09-15",
			Categories: []int{7467}, OperatingSystems: []int{63, 64},
			PublicPrice: 49.99, RetailerPrice: 29.16, ImageMedium: img("733551-m"), ImageBig: img("733551-b"),
			Screenshots: []string{"screens/733551-1.png", "screens/733551-2.png"},
		},
		{
			Ref: 733552, Name: "Nexway Total Security 2026", AmountDutyFree: 66.66, Currency: "EUR",
			ShortDescription: "Antivirus, firewall, password manager and parental control for five devices.",
			Language:         "EN", ImageSmall: img("733552"),
			Delivery: DeliverySerialAndDownload,
			Files: []File{
				{Label: "Setup", Type: "exe", URLPath: "NexwayTotalSecurity2026_Setup.exe", Group: "main", Size: 187654321},
			},
			Fulfillment:     FulfillRealTime,
			LongDescription: "<p>Everything in Antivirus Pro, plus a firewall, a password manager and parental control, for five devices.</p>",
			PublisherID:     101, PublisherName: nexwayLabs, Version: "26.1", ReleaseDate: "2025-09-15",
			Categories: []int{7466, 7467}, OperatingSystems: []int{63, 64, 80},
			PublicPrice: 79.99, RetailerPrice: 46.66, ImageMedium: img("733552-m"), ImageBig: img("733552-b"),
		},
		{
			Ref: 733558, Name: "Space Trader Deluxe", AmountDutyFree: 24.99, Currency: "EUR",
			ShortDescription: "Trade, fight and explore across a hundred star systems.",
			Language:         "EN", ImageSmall: img("733558"),
			Delivery: DeliverySerial, Fulfillment: FulfillBatch, LowStockThreshold: 2,
			LongDescription: "<p>Buy low, sell high, and keep your freighter in one piece: a trading game of a hundred star systems, with pirates.</p>",
			PublisherID:     202, PublisherName: stellar, Version: "1.4", ReleaseDate: "2024-03-01",
			Categories: []int{7471}, OperatingSystems: []int{63, 64},
			PublicPrice: 29.99, RetailerPrice: 17.49, ImageMedium: img("733558-m"), ImageBig: img("733558-b"),
			DRM: "Steam",
		},
		{
			Ref: 733559, Name: "Nexway VPN", AmountDutyFree: 33.33, Currency: "EUR",
			ShortDescription: "Private browsing on up to ten devices, renewed every year.",
			Language:         "EN", ImageSmall: img("733559"),
			Delivery: DeliverySerial, Fulfillment: FulfillRealTime, SubscriptionPeriod: "P1Y",
			LongDescription: "<p>Encrypted connections through servers in forty countries, without logs, on up to ten devices.</p>",
			PublisherID:     101, PublisherName: nexwayLabs, Version: "3.2",
			Categories: []int{7468}, OperatingSystems: []int{63, 64, 80},
			PublicPrice: 39.99, RetailerPrice: 23.33,
		},
		{
			Ref: 733560, Name: "Download extension (1 year)", AmountDutyFree: 4.99, Currency: "EUR",
			ShortDescription: "Download your software again at any time for one more year.",
			Language:         "EN", ImageSmall: img("733560"),
			Delivery: DeliveryNone, Option: OptionDownloadExtension, ExtensionPeriod: "P1Y",
		},
		{
			Ref: 733561, Name: "Backup DVD", AmountDutyFree: 9.99, Currency: "EUR",
			ShortDescription: "A physical backup DVD of your software, shipped to your door.",
			Language:         "EN", ImageSmall: img("733561"),
			Delivery: DeliveryNone, Option: OptionBackupDVD,
		},
		{
			Ref: 733562, Name: "Retro Racer", AmountDutyFree: 9.99, Currency: "EUR",
			ShortDescription: "Arcade racing as it was in 1989. Currently out of stock.",
			Language:         "EN", ImageSmall: img("733562"),
			Delivery: DeliverySerial, Fulfillment: FulfillBatch,
			PublisherID: 202, PublisherName: stellar, Version: "2.0", ReleaseDate: "2019-06-20",
			Categories: []int{7472}, OperatingSystems: []int{63},
			PublicPrice: 9.99, RetailerPrice: 6.99,
		},
		{
			Ref: 733570, Name: "Cloud Backup Monthly", AmountDutyFree: 4.16, Currency: "EUR",
			ShortDescription: "100 GB of encrypted cloud backup, renewed every month.",
			Language:         "EN", ImageSmall: img("733570"),
			Delivery: DeliverySerial, Fulfillment: FulfillRealTime, SubscriptionPeriod: "P1M",
			PublisherID: 101, PublisherName: nexwayLabs, Version: "5.0",
			Categories: []int{7466}, OperatingSystems: []int{63, 64, 80},
			PublicPrice: 4.99, RetailerPrice: 2.91,
		},
	}
}

// defaultCategories is the sample category tree a new Server serves.
func defaultCategories() []Category {
	return []Category{
		{ID: 7466, Label: "Anti-Virus & Security", Subcategories: []Category{
			{ID: 7467, Label: "Antivirus"},
			{ID: 7468, Label: "VPN"},
		}},
		{ID: 7470, Label: "Games", Subcategories: []Category{
			{ID: 7471, Label: "Strategy"},
			{ID: 7472, Label: "Racing"},
		}},
	}
}

// defaultOperatingSystems is the sample OS list a new Server serves.
func defaultOperatingSystems() []OS {
	return []OS{
		{ID: 63, Label: "Win 10 32/64 bits"},
		{ID: 64, Label: "Win 11"},
		{ID: 80, Label: "macOS 14"},
	}
}

// Pool sizes seedDefaults loads.
const (
	defaultAntivirusKeys   = 50
	defaultSpaceTraderKeys = 5
)

// seedDefaults loads the default catalog, categories and OS list, installs
// generated-key publishers for the real-time products (733552 "NTS",
// 733559 "VPN", 733570 "CBK"), and fills the batch pools: 50 keys
// NAP-XXXX-XXXX-XXXX for 733551 and 5 keys STD-XXXX-XXXX-XXXX for 733558,
// drawn from the seeded source. 733562 stays out of stock. It fails if any
// default ref is already in the catalog.
func (s *Server) seedDefaults() error {
	if err := s.AddProducts(DefaultCatalog()...); err != nil {
		return err
	}
	s.SetCategories(defaultCategories())
	s.SetOperatingSystems(defaultOperatingSystems())
	for ref, prefix := range map[int]string{733552: "NTS", 733559: "VPN", 733570: "CBK"} {
		if err := s.SetPublisher(ref, GeneratedKeys(prefix)); err != nil {
			return err
		}
	}
	if err := s.AddKeys(733551, s.randomKeys("NAP", defaultAntivirusKeys)...); err != nil {
		return err
	}
	return s.AddKeys(733558, s.randomKeys("STD", defaultSpaceTraderKeys)...)
}

// randomKeys draws n distinct keys PREFIX-XXXX-XXXX-XXXX from the seeded
// source, none already loaded.
func (s *Server) randomKeys(prefix string, n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, n)
	seen := map[string]bool{}
	for len(keys) < n {
		var b [12]byte
		for i := range b {
			b[i] = byte(s.rng.Uint32())
		}
		k := formatKey(prefix, b[:])
		if seen[k] || s.keyOwner[k] != 0 {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
	}
	return keys
}
