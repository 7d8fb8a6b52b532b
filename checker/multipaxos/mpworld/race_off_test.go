//go:build !race

package mpworld

// raceOn: see race_on_test.go.
const raceOn = false
