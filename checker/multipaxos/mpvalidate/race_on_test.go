//go:build race

package mpvalidate

// raceOn: the race detector slows the explorer about tenfold; the long
// conformance run is left to the plain test run (make validate).
const raceOn = true
