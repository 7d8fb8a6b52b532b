package paxostrace_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// TestFormatDocExample: the example in FORMAT.md is a valid trace, every
// action and header field the reader knows is documented there, and the
// diagram shown under the example is what RenderText draws (-update
// rewrites it).
func TestFormatDocExample(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "FORMAT.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	const open, marker = "```json\n", "`paxoscheck show` draws it:\n\n```\n"
	i := strings.Index(s, open)
	j := strings.Index(s[i+len(open):], "```")
	if i < 0 || j < 0 {
		t.Fatal("FORMAT.md has no ```json example")
	}
	example := s[i+len(open) : i+len(open)+j]
	tr, err := paxostrace.Read(strings.NewReader(example))
	if err != nil {
		t.Fatalf("FORMAT.md example: %v", err)
	}
	var b bytes.Buffer
	if err := paxostrace.RenderText(&b, &tr, paxostrace.TextOptions{}); err != nil {
		t.Fatal(err)
	}
	k := strings.Index(s, marker)
	if k < 0 {
		t.Fatalf("FORMAT.md lacks %q", marker)
	}
	start := k + len(marker)
	end := strings.Index(s[start:], "```")
	if end < 0 {
		t.Fatal("unclosed diagram block")
	}
	if got := s[start : start+end]; got != b.String() {
		if *update {
			s = s[:start] + b.String() + s[start+end:]
			if err := os.WriteFile("FORMAT.md", []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Errorf("FORMAT.md diagram is stale (go test ./traces/paxostrace -run TestFormatDocExample -update):\n%s", b.String())
		}
	}
	for _, a := range paxostrace.Actions {
		if !strings.Contains(s, "| `"+a+"` |") {
			t.Errorf("FORMAT.md has no row for action %s", a)
		}
	}
	for _, f := range []string{"format", "version", "acceptors", "proposers", "learners", "bugs", "clients", "source", "seed", "time_unit", "violation",
		"step", "action", "node", "msg", "sent", "persist", "learned", "client", "value", "replies", "time",
		"id", "type", "bal", "vbal", "val", "dup_of"} {
		if !strings.Contains(s, "`"+f+"`") {
			t.Errorf("FORMAT.md does not document field %s", f)
		}
	}
}
