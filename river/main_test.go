package nexwayriver

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(workerEnv); cfg != "" {
		os.Exit(runWorkerProcess(cfg, os.Stdin))
	}
	os.Exit(m.Run())
}
