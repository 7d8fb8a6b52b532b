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
		"check":    {{[]string{"--timeout", "5"}, `--timeout "5": want a duration`}},
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
