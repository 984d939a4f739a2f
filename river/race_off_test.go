//go:build !race

package nexwayriver

const raceEnabled = false
