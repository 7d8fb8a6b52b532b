//go:build !race

package explore

// raceOn: see race_on_test.go.
const raceOn = false
