//go:build race

package paxosexplore

// raceOn: the race detector slows the search ~10x; the heaviest searches
// are left to the plain test run.
const raceOn = true
