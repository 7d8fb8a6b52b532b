//go:build !race

package tlcvalidate

// raceOn: see race_on_test.go.
const raceOn = false
