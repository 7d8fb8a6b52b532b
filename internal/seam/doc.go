// Package seam holds the test that keeps the protocol seam: packages that
// are generic over the protocol (the runner, the stores, and the checkers
// as they become generic) import no protocol package, directly or
// through another package. It has no code of its own.
package seam
