package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

const divergedTrace = "testdata/replay/diverged.jsonl"

// TestGenerateDiverged writes (with -update) or checks a copy of the
// normal trace in which the first Phase1b step claims a promise of another
// ballot than the 1a asked for.
func TestGenerateDiverged(t *testing.T) {
	tr, err := paxostrace.ReadFile(normalTrace)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tr.Steps {
		s := &tr.Steps[i]
		if s.Action == paxostrace.EvPhase1b && len(s.Sent) > 0 {
			s.Sent[0].Bal.Round = 2
			s.Persist.MaxBal.Round = 2
			break
		}
	}
	// Later steps that consume that 1b carry its contents.
	if updating() {
		fixConsumers(&tr)
		if err := paxostrace.WriteFile(divergedTrace, tr); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := paxostrace.ReadFile(divergedTrace); err != nil {
		t.Fatal(err)
	}
}

// fixConsumers makes every consumed message match what its id was sent
// as, so that an edited trace stays well-formed.
func fixConsumers(tr *paxostrace.Trace) {
	sent := map[int]paxostrace.Msg{}
	for i := range tr.Steps {
		s := &tr.Steps[i]
		if s.Msg != nil {
			if m, ok := sent[s.Msg.ID]; ok {
				s.Msg.Message = m.Message
			}
		}
		for _, m := range s.Sent {
			sent[m.ID] = m
		}
	}
}

// TestReplayGolden replays each testdata trace and compares the output with
// its golden file (rewritten by -update), and checks that two replays print
// the same bytes (the golden comparison across runs is what shows the
// output is deterministic).
func TestReplayGolden(t *testing.T) {
	cases := []struct {
		trace, golden string
		code          int
	}{
		{normalTrace, "testdata/replay/normal.golden", exitOK},
		{buggyTrace, "testdata/replay/skip-prepare.golden", exitViolation},
		{divergedTrace, "testdata/replay/diverged.golden", exitViolation},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.trace), func(t *testing.T) {
			code, out, errOut := runCLI("replay", tc.trace)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if _, again, _ := runCLI("replay", tc.trace); again != out {
				t.Fatal("two replays of one trace print different output")
			}
			if updating() {
				if err := os.WriteFile(tc.golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if out != string(want) {
				t.Fatalf("output differs from %s (rerun with -update if intended):\n%s", tc.golden, out)
			}
		})
	}
}

func TestReplayBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte("{\"format\": 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
	}{
		{"no trace", nil},
		{"two traces", []string{normalTrace, normalTrace}},
		{"missing file", []string{filepath.Join(t.TempDir(), "missing.jsonl")}},
		{"malformed", []string{bad}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(append([]string{"replay"}, tc.args...)...)
			if code != exitBadInput || errOut == "" {
				t.Fatalf("exit %d, stderr %q; want 2 and a reason", code, errOut)
			}
		})
	}
	if _, _, errOut := runCLI("replay", bad); !strings.Contains(errOut, bad+":1:") {
		t.Errorf("stderr %q does not name line 1", errOut)
	}
}
