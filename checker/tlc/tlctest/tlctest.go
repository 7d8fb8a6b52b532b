// Package tlctest is the tests' way to TLC: the jar to run, or a loud skip
// where there is none (a failure where TLC is required).
package tlctest

import (
	"errors"
	"os"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/tlc"
)

// Jar is the jar to run (tlc.Find), or skips the test loudly when there is
// none, with a "TLC SKIPPED" line that make validate shows; where TLC is
// required (TLC_REQUIRED=1, as the GitHub workflow and .ci/run with a jar
// set it) it fails the test instead. Under the race detector it always
// skips (race_on.go): make validate runs these tests without it.
func Jar(t testing.TB) string {
	t.Helper()
	if raceOn {
		t.Skip("TLC runs under the race detector are left to make validate, which runs them without it")
	}
	jar, err := tlc.Find()
	if errors.Is(err, tlc.ErrNoTLC) && os.Getenv("TLC_REQUIRED") != "1" {
		t.Skipf("TLC SKIPPED: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return jar
}
