package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestBadFlagsOneLine: every subcommand answers every kind of bad flag
// with one line on stderr that names the subcommand and the flag and
// points to --help, nothing on stdout, and exit 2; --help alone prints
// the usage and exits 0.
func TestBadFlagsOneLine(t *testing.T) {
	kinds := []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "unknown flag --bogus"},
		{[]string{"-bogus=1"}, "unknown flag --bogus"},
	}
	typed := map[string][]struct {
		args []string
		want string
	}{
		"explore":  {{[]string{"--workers", "many"}, `--workers "many": want a whole number`}, {[]string{"--max-round", "-1"}, `--max-round "-1": want a whole number, 0 or more`}, {[]string{"--progress", "5"}, `--progress "5": want a duration such as 30s or 2m`}, {[]string{"--dfs=maybe"}, `--dfs "maybe": want true or false`}, {[]string{"--max-states"}, "--max-states needs a value"}},
		"simulate": {{[]string{"--runs", "x"}, `--runs "x": want a whole number`}, {[]string{"--seed", "18446744073709551616"}, `--seed "18446744073709551616": out of range`}},
		"check":    {{[]string{"--linearize-timeout", "5"}, `--linearize-timeout "5": want a duration`}},
		"show":     {{[]string{"--ascii=maybe", "x.jsonl"}, `--ascii "maybe": want true or false`}},
		"scenario": {{[]string{"--list=2"}, `--list "2": want true or false`}},
		"replay":   {{[]string{"--format", "x"}, "unknown flag --format"}},
	}
	for cmd, own := range typed {
		for _, k := range append(own, kinds...) {
			var out, errb bytes.Buffer
			code := run(append([]string{cmd}, k.args...), &out, &errb)
			line := errb.String()
			if code != exitBadInput || out.Len() != 0 || strings.Count(line, "\n") != 1 ||
				!strings.HasPrefix(line, "paxoscheck "+cmd+": ") || !strings.Contains(line, k.want) ||
				!strings.HasSuffix(line, "(see paxoscheck "+cmd+" --help)\n") {
				t.Errorf("%s %v: exit %d, stdout %q, stderr %q; want one line with %q", cmd, k.args, code, out.String(), line, k.want)
			}
		}
		var out, errb bytes.Buffer
		if code := run([]string{cmd, "--help"}, &out, &errb); code != exitOK || !strings.HasPrefix(errb.String(), "usage: paxoscheck "+cmd) {
			t.Errorf("%s --help: exit %d, stderr %q", cmd, code, errb.String())
		}
	}
}

// TestAbsurdValuesRefused: values that would run but mean nothing are
// refused in one line, exit 2, before any work.
func TestAbsurdValuesRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"explore", "--workers", "100000"}, "--workers 100000: at most 1024"},
		{[]string{"explore", "--dfs", "--workers", "4"}, "--dfs --workers 4: a depth-first search runs one worker"},
		{[]string{"simulate", "--workers", "5000"}, "--workers 5000: at most 1024"},
		{[]string{"simulate", "--seed", "18446744073709551615", "--runs", "2"}, "the last seed would pass 18446744073709551615"},
		{[]string{"simulate", "--linearize-timeout", "0s"}, "--linearize-timeout 0s: must be positive"},
		{[]string{"check", "--linearize-timeout", "0s", "x.jsonl"}, "--linearize-timeout 0s: must be positive"},
		{[]string{"check", "--linearize-timeout", "-1s", "x.jsonl"}, "--linearize-timeout -1s: must be positive"},
		{[]string{"scenario", "--list", "normal"}, `--list takes no scenario name (got "normal")`},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb)
		if code != exitBadInput || out.Len() != 0 || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %q", tc.args, code, out.String(), errb.String(), tc.want)
		}
	}
	// The largest seed is still a seed.
	var out, errb bytes.Buffer
	if code := run([]string{"simulate", "--seed", "18446744073709551615", "--runs", "1"}, &out, &errb); code != exitOK || !strings.Contains(out.String(), "summary: 1 run, ") {
		t.Errorf("the last seed: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
