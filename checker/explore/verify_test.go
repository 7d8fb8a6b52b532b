package explore

import (
	"os"
	"testing"
)

// TestMain switches on, for every search the tests run, the check of each
// stored state's fingerprint as worked out from the change that led to it
// against the whole hash of the state (hash.go).
func TestMain(m *testing.M) {
	verifyFingerprints = os.Getenv("PAXOSCHECK_NO_VERIFY") == ""
	os.Exit(m.Run())
}
