//go:build race

package nexwayriver

// raceEnabled: the race detector slows the sweep test's reads several times.
const raceEnabled = true
