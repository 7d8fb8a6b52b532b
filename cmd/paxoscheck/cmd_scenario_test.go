package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/checker/paxos/scenario"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// TestScenarioList: --list names every scenario.
func TestScenarioList(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"scenario", "--list"}, &out, &errb); code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, sc := range scenario.All {
		if !strings.Contains(out.String(), sc.Name+" ") {
			t.Errorf("--list lacks %s:\n%s", sc.Name, out.String())
		}
	}
}

// TestScenarioTracesCheck writes every scenario's trace with --format
// jsonl --out and runs `paxoscheck check` on it: every one passes but the
// unsafe one, which both commands report as a violation.
func TestScenarioTracesCheck(t *testing.T) {
	dir := t.TempDir()
	for _, sc := range scenario.All {
		t.Run(sc.Name, func(t *testing.T) {
			want := exitOK
			if sc.Unsafe {
				want = exitViolation
			}
			path := filepath.Join(dir, sc.Name+".jsonl")
			var out, errb bytes.Buffer
			if code := run([]string{"scenario", sc.Name, "--format", "jsonl", "--out", path}, &out, &errb); code != want {
				t.Fatalf("scenario exit %d, want %d: %s", code, want, errb.String())
			}
			if _, err := paxostrace.ReadFile(path); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			errb.Reset()
			if code := run([]string{"check", "--no-html", path}, &out, &errb); code != want {
				t.Fatalf("check exit %d, want %d:\n%s%s", code, want, out.String(), errb.String())
			}
		})
	}
}

// TestScenarioFormats renders one scenario in each format and checks that
// each is what it says.
func TestScenarioFormats(t *testing.T) {
	tests := []struct{ format, contains string }{
		{"text", "Phase1a"},
		{"mermaid", "sequenceDiagram"},
		{"html", `<button id="next"`},
		{"jsonl", `"format":"paxoscheck-trace"`},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"scenario", "--format", tc.format, "normal"}, &out, &errb); code != exitOK {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), tc.contains) {
				t.Errorf("%s output lacks %q", tc.format, tc.contains)
			}
		})
	}
}

// TestScenarioBadInput: one-line errors and exit 2, never a panic.
func TestScenarioBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"unknown scenario", []string{"scenario", "no-such"}, "unknown scenario"},
		{"no name", []string{"scenario"}, "no scenario named"},
		{"bad format", []string{"scenario", "normal", "--format", "pdf"}, "unknown --format"},
		{"extra args", []string{"scenario", "normal", "extra"}, "unexpected arguments"},
		{"bad out", []string{"scenario", "normal", "--out", filepath.Join(os.DevNull, "x")}, "paxoscheck scenario:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != exitBadInput {
				t.Fatalf("exit %d, want %d", code, exitBadInput)
			}
			if !strings.Contains(errb.String(), tc.msg) || strings.Count(errb.String(), "\n") != 1 {
				t.Errorf("stderr %q, want one line containing %q", errb.String(), tc.msg)
			}
		})
	}
}
