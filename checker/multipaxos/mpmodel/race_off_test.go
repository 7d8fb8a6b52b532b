//go:build !race

package mpmodel

// raceOn: see race_on_test.go.
const raceOn = false
