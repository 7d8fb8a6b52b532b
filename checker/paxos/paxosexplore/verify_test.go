package paxosexplore

import (
	"flag"
	"os"
	"testing"
)

// TestMain switches on, for every search the tests run, the check of each
// stored state's fingerprint as worked out from the change that led to it
// against the whole hash of the state (hash.go). Benchmarks run without
// it, and so does a run with PAXOSCHECK_NO_VERIFY set.
func TestMain(m *testing.M) {
	flag.Parse()
	bench := flag.Lookup("test.bench")
	verifyFingerprints = os.Getenv("PAXOSCHECK_NO_VERIFY") == "" && (bench == nil || bench.Value.String() == "")
	os.Exit(m.Run())
}
