//go:build race

package main

// raceOn: the race detector slows the explorer about tenfold; the
// heaviest searches of this package are left to the plain test run
// (make reduction-check), which runs them without it.
const raceOn = true
