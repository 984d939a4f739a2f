package redislimit_test

import (
	"log"
	"os"

	"github.com/nexway-go/nexway"
	"github.com/nexway-go/nexway/redislimit"
	"github.com/redis/go-redis/v9"
)

// Eight replicas of a storefront share the account's limit through Redis;
// while Redis is unavailable each keeps an eighth of it.
func ExampleNew() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	realm := os.Getenv("NEXWAY_REALM")
	limiter, err := redislimit.New(rdb, realm, redislimit.WithFallback(8))
	if err != nil {
		log.Fatal(err)
	}
	c, err := nexway.NewClient(
		nexway.WithSecret(os.Getenv("NEXWAY_SECRET")),
		nexway.WithCredentials(realm, os.Getenv("NEXWAY_CLIENT_SECRET")),
		nexway.WithRateLimiter(limiter),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = c // every attempt of every call now waits for the shared limit
}
