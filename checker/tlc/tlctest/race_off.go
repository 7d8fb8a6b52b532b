//go:build !race

package tlctest

// raceOn: see race_on.go.
const raceOn = false
