//go:build race

package mpmodel

// raceOn: the race detector slows the searches ~10x; the heaviest are
// left to the plain test run (make reduction-check).
const raceOn = true
