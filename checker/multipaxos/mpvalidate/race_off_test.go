//go:build !race

package mpvalidate

// raceOn: see race_on_test.go.
const raceOn = false
