//go:build race

package tlctest

// raceOn: under the race detector, Jar skips: TLC's runs are Java's time,
// which the detector cannot look into, and make validate runs every test
// that runs TLC without it.
const raceOn = true
