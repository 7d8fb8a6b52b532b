package main

import (
	"bytes"
	"os"
	"testing"
)

// TestWalkthroughUpToDate fails when docs/walkthrough.md differs from what
// the generator writes now: a change to a scenario, a renderer or the
// template must come with `go run ./docs/gen`.
func TestWalkthroughUpToDate(t *testing.T) {
	want, err := generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../walkthrough.md")
	if err != nil {
		t.Fatalf("%v (run go run ./docs/gen from the repository root)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("docs/walkthrough.md is stale: run `go run ./docs/gen` from the repository root and commit the result")
	}
}

// TestWalkthroughShowsRealOutput checks that the generated text carries
// the tool's verdicts, not prose about them.
func TestWalkthroughShowsRealOutput(t *testing.T) {
	b, err := generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"VIOLATION: Msg2aInv violated after step", "VIOLATION: Msg1bInv violated after step", "LEARNED x", "sequenceDiagram", "$ paxoscheck scenario --list", "CHOSEN s1 noop", "Linearizability violated after step 22"} {
		if !bytes.Contains(b, []byte(s)) {
			t.Errorf("walkthrough lacks %q", s)
		}
	}
}
