//go:build !race

package paxosexplore

// raceOn: see race_on_test.go.
const raceOn = false
