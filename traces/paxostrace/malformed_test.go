package paxostrace_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// baseTrace is a valid trace (recorded by world.Recorder) that the
// malformed cases below break one fault at a time.
var baseTrace = []string{
	`{"format":"paxoscheck-trace","version":1,"protocol":"paxos","protocol_version":1,"acceptors":[0,1,2],"proposers":[3,4],"learners":[5],"clients":[{"id":0,"proposer":3,"value":"x"},{"id":1,"proposer":4,"value":"y"}],"source":"test","time_unit":"step"}`,
	`{"step":1,"action":"Invoke","node":3,"client":0,"value":"x","timer":"arm","time":1}`,
	`{"step":2,"action":"Phase1a","node":3,"sent":[{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0"},{"id":2,"type":"1a","from":3,"to":1,"bal":"1.0"},{"id":3,"type":"1a","from":3,"to":2,"bal":"1.0"}],"persist":{"round":1},"time":2}`,
	`{"step":3,"action":"Phase1b","node":0,"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0"},"sent":[{"id":4,"type":"1b","from":0,"to":3,"bal":"1.0"}],"persist":{"maxBal":"1.0"},"time":3}`,
	`{"step":4,"action":"Duplicate","node":1,"msg":{"id":2,"type":"1a","from":3,"to":1,"bal":"1.0"},"sent":[{"id":5,"type":"1a","from":3,"to":1,"bal":"1.0","dup_of":2}],"time":4}`,
	`{"step":5,"action":"Drop","node":2,"msg":{"id":3,"type":"1a","from":3,"to":2,"bal":"1.0"},"time":5}`,
	`{"step":6,"action":"Phase1b","node":1,"msg":{"id":2,"type":"1a","from":3,"to":1,"bal":"1.0"},"sent":[{"id":6,"type":"1b","from":1,"to":3,"bal":"1.0"}],"persist":{"maxBal":"1.0"},"time":6}`,
}

func baseText() string { return strings.Join(baseTrace, "\n") + "\n" }

// edit turns the base trace into a malformed one; ok=false means the edit
// did not apply (a broken test case, not a passing one).
type edit func(lines []string) (text string, ok bool)

// sub replaces old by new on 1-based line n.
func sub(n int, old, new string) edit {
	return func(lines []string) (string, bool) {
		if !strings.Contains(lines[n-1], old) {
			return "", false
		}
		lines[n-1] = strings.Replace(lines[n-1], old, new, 1)
		return strings.Join(lines, "\n") + "\n", true
	}
}

// text ignores the base and uses s.
func text(s string) edit { return func([]string) (string, bool) { return s, true } }

// insert puts s before 1-based line n (n = len+1 appends).
func insert(n int, s string) edit {
	return func(lines []string) (string, bool) {
		lines = append(lines[:n-1], append([]string{s}, lines[n-1:]...)...)
		return strings.Join(lines, "\n") + "\n", true
	}
}

// malformedCases break the base trace one fault at a time; each names the
// line and a substring of the reason Read must give. They also seed
// FuzzRead as near-misses.
var malformedCases = []struct {
	name   string
	edit   edit
	line   int
	reason string
}{
	{"empty file", text(""), 1, "empty file"},
	{"blank header line", text("\n" + baseText()), 1, "empty line"},
	{"header not JSON", sub(1, `{"format"`, `{format`), 1, "bad JSON"},
	{"header is an array", text("[1,2]\n"), 1, "bad JSON"},
	{"header is null", text("null\n"), 1, "null"},
	{"wrong format name", sub(1, `"paxoscheck-trace"`, `"raft-trace"`), 1, `header format is "raft-trace"`},
	{"no format", sub(1, `"format":"paxoscheck-trace",`, ``), 1, "header format is missing"},
	{"unsupported version", sub(1, `"version":1`, `"version":2`), 1, "unsupported version 2"},
	{"version is a string", sub(1, `"version":1`, `"version":"1"`), 1, `header field "version" is the string "1": want the number 1`},
	{"byte order mark", sub(1, `{"format"`, "\xef\xbb\xbf"+`{"format"`), 1, "the file starts with a UTF-8 byte order mark"},
	{"ballot is a number", sub(3, `"bal":"1.0"`, `"bal":5`), 3, `step 2: bad step: field "sent.bal": got a number, want a string`},
	{"step is a string", sub(2, `"step":1`, `"step":"1"`), 2, `bad step: field "step": got a string, want a whole number`},
	{"missing time_unit", sub(1, `,"time_unit":"step"`, ``), 1, `header has no "time_unit" field`},
	{"missing clients", sub(1, `"clients":[{"id":0,"proposer":3,"value":"x"},{"id":1,"proposer":4,"value":"y"}],`, ``), 1, `header has no "clients" field`},
	{"unknown header field", sub(1, `"source":"test"`, `"source":"test","colour":"red"`), 1, `unknown field "colour"`},
	{"node list as base64", sub(1, `"acceptors":[0,1,2]`, `"acceptors":"AAEC"`), 1, "bad header"},
	{"bad config: no acceptors", sub(1, `"acceptors":[0,1,2]`, `"acceptors":[]`), 1, "bad config: invalid configuration: need at least one acceptor"},
	{"bad config: id used twice", sub(1, `"learners":[5]`, `"learners":[2]`), 1, "used twice"},
	{"bad config: unknown bug", sub(1, `"source"`, `"bugs":["no-such-bug"],"source"`), 1, "bad config"},
	{"client at a non-proposer", sub(1, `"proposer":4`, `"proposer":5`), 1, "client 1 sends to node 5, which is not a proposer"},
	{"client ids out of order", sub(1, `"id":1,`, `"id":0,`), 1, "want ids 0..n-1"},
	{"bad time unit", sub(1, `"time_unit":"step"`, `"time_unit":"ms"`), 1, `time_unit is "ms"`},
	{"violation without invariant", sub(1, `"source"`, `"violation":{"invariant":"","step":1},"source"`), 1, "names no invariant"},
	{"violation step out of range", sub(1, `"source"`, `"violation":{"invariant":"Agreement","step":7},"source"`), 1, "violation.step 7 is out of range: the trace has 6 steps"},
	{"step not JSON", sub(4, `"action":`, `"action"`), 4, "bad JSON"},
	{"trailing garbage on a line", sub(2, `"time":1}`, `"time":1} xyz`), 2, "bad JSON"},
	{"trailing garbage line", insert(8, `garbage`), 8, "bad JSON"},
	{"blank line between steps", insert(3, ``), 3, "empty line"},
	{"step is null", insert(3, `null`), 3, "null"},
	{"unknown step field", sub(3, `"time":2`, `"time":2,"colour":"red"`), 3, `step 2: bad step: unknown field "colour"`},
	{"missing time", sub(3, `,"time":2`, ``), 3, `step 2: step has no "time" field`},
	{"unknown action", sub(3, `"Phase1a"`, `"Phase3"`), 3, `unknown action "Phase3"`},
	{"unknown message type", sub(3, `"type":"1a"`, `"type":"3c"`), 3, `unknown message type "3c"`},
	{"bad ballot text", sub(3, `"bal":"1.0"`, `"bal":"0.1"`), 3, "bad ballot"},
	{"another protocol", sub(1, `"protocol":"paxos"`, `"protocol":"multipaxos"`), 1, `a trace of protocol "multipaxos": this reader reads "paxos" traces`},
	{"another protocol version", sub(1, `"protocol_version":1`, `"protocol_version":2`), 1, "a trace of paxos version 2: this reader reads version 1"},
	{"no protocol (a trace of before the field)", sub(1, `"protocol":"paxos","protocol_version":1,`, ``), 1, "the header names no protocol (a trace of before protocol versions): this reader reads \"paxos\" version 1"},
	{"protocol without its version", sub(1, `,"protocol_version":1`, ``), 1, `header has no "protocol_version" field`},
	{"bad timer operation", sub(2, `"timer":"arm"`, `"timer":"fire"`), 2, `timer "fire": want "arm" or "cancel"`},
	{"timer on a network step", sub(6, `"time":5}`, `"timer":"cancel","time":5}`), 6, "Drop is the network's: it arms or cancels no timer"},
	{"ballot of a proposer that does not exist", sub(3, `"bal":"1.0"`, `"bal":"1.5"`), 3, "bad ballot 1.5: proposer index 5"},
	{"1a without a ballot", sub(3, `,"bal":"1.0"`, ``), 3, "a 1a message needs bal"},
	{"step numbers skip", sub(4, `"step":3`, `"step":4`), 4, "step number 4, want 3"},
	{"step numbers repeat", sub(4, `"step":3`, `"step":2`), 4, "step number 2, want 3"},
	{"decreasing time", sub(4, `"time":3`, `"time":1`), 4, "time 1 is before the previous step's 2"},
	{"negative time", sub(2, `"time":1`, `"time":-1`), 2, "negative time"},
	{"unknown node", sub(3, `"node":3`, `"node":9`), 3, "node 9 is not in the configuration"},
	{"Phase1b needs a msg", sub(4, `"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0"},`, ``), 4, "step 3: Phase1b needs a msg"},
	{"Phase1a takes no msg", sub(3, `"node":3,`, `"node":3,"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0"},`), 3, "Phase1a takes no msg"},
	{"action handles the wrong type", sub(4, `"Phase1b"`, `"Phase2b"`), 4, "Phase2b handles a 2a message, not 1a"},
	{"node is not the addressee", sub(4, `"node":0`, `"node":1`), 4, "node 1 is not the addressee 0 of msg 1"},
	{"message id reused", sub(4, `"id":4`, `"id":3`), 4, "message id 3 is reused"},
	{"message id zero", sub(4, `"id":4`, `"id":0`), 4, "ids start at 1"},
	{"consumed msg never sent", sub(4, `"id":1,`, `"id":99,`), 4, "msg 99 was never sent"},
	{"consumed msg already consumed", sub(7, `"id":2,"type":"1a","from":3,"to":1`, `"id":1,"type":"1a","from":3,"to":1`), 7, "msg 1 was already consumed"},
	{"dropped msg consumed again", sub(7, `"id":2,`, `"id":3,`), 7, "msg 3 was already consumed"},
	{"consumed msg differs from the one sent", sub(4, `"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0"}`, `"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"2.0"}`), 4, "but was sent as 1a b=1.0"},
	{"dup_of not in flight", sub(5, `"dup_of":2`, `"dup_of":7`), 5, "dup_of 7 is not in flight"},
	{"dup_of outside a Duplicate", sub(4, `"bal":"1.0"}],`, `"bal":"1.0","dup_of":1}],`), 4, "dup_of belongs to Duplicate steps only"},
	{"Duplicate without a copy", sub(5, `,"sent":[{"id":5,"type":"1a","from":3,"to":1,"bal":"1.0","dup_of":2}]`, ``), 5, "Duplicate sends exactly one copy, not 0"},
	{"Drop that sends", sub(6, `"time":5`, `"sent":[{"id":9,"type":"1a","from":3,"to":2,"bal":"1.0"}],"time":5`), 6, "Drop sends nothing"},
	{"sent from another node", sub(4, `"id":4,"type":"1b","from":0`, `"id":4,"type":"1b","from":1`), 4, "sent msg 4 is from node 1, but the step is node 0's"},
	{"client id out of range", sub(2, `"client":0`, `"client":5`), 2, "client 5 is out of range: the header has 2 clients"},
	{"Invoke without client", sub(2, `"client":0,`, ``), 2, "step 1: Invoke needs a client"},
	{"Invoke value differs from the header", sub(2, `"value":"x"`, `"value":"z"`), 2, `value "z", but the header says node 3, value "x"`},
	{"client on a non-Invoke step", sub(3, `"node":3,`, `"node":3,"client":0,`), 3, "client and value belong to Invoke steps only"},
	{"learned outside Learn", sub(4, `"time":3`, `"learned":"x","time":3`), 4, "learned belongs to Learn steps only"},
	{"reply to an unknown client", sub(4, `"time":3`, `"replies":[{"client":7,"value":"x"}],"time":3`), 4, "reply to client 7"},
	{"node id out of byte range", sub(3, `"node":3`, `"node":300`), 3, "bad step"},
}

func TestReadMalformed(t *testing.T) {
	for _, c := range malformedCases {
		t.Run(c.name, func(t *testing.T) {
			in, ok := c.edit(slicesClone(baseTrace))
			if !ok {
				t.Fatal("the edit does not apply to the base trace")
			}
			_, err := paxostrace.Read(strings.NewReader(in))
			if err == nil {
				t.Fatalf("Read accepted:\n%s", in)
			}
			var pe *paxostrace.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, paxostrace.ErrMalformed) {
				t.Fatalf("error %v (%T) is not a *ParseError matching ErrMalformed", err, err)
			}
			t.Log(err)
			if pe.Line != c.line || !strings.Contains(err.Error(), c.reason) {
				t.Errorf("got %q (line %d), want line %d and %q", err, pe.Line, c.line, c.reason)
			}
		})
	}
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

// TestReadBase shows that the base trace of TestReadMalformed is valid, so
// that each case fails for its own edit only.
func TestReadBase(t *testing.T) {
	tr, err := paxostrace.Read(strings.NewReader(baseText()))
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Steps) != 6 {
		t.Fatalf("read %d steps, want 6", len(tr.Steps))
	}
	// No trailing newline, CRLF line ends: still fine.
	if _, err := paxostrace.Read(strings.NewReader(strings.TrimSuffix(baseText(), "\n"))); err != nil {
		t.Errorf("no final newline: %v", err)
	}
	if _, err := paxostrace.Read(strings.NewReader(strings.Join(baseTrace, "\r\n"))); err != nil {
		t.Errorf("CRLF: %v", err)
	}
}

// TestReadFileErrorNamesFile: errors read like compiler messages.
func TestReadFileErrorNamesFile(t *testing.T) {
	_, err := paxostrace.ReadFile("testdata/bad/phase2b-needs-msg.jsonl")
	want := "testdata/bad/phase2b-needs-msg.jsonl:"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "Phase2b needs a msg") {
		t.Fatalf("got %v, want an error starting %q naming the problem", err, want)
	}
}

// TestLongLines: a long valid line is read; one beyond MaxLineBytes is a
// line-numbered error, not a crash or a silent truncation.
func TestLongLines(t *testing.T) {
	// Longer than bufio.Scanner's default 64 KiB token and our 64 KiB buffer.
	long := strings.Repeat("v", 200<<10)
	in := strings.ReplaceAll(baseText(), `"x"`, `"`+long+`"`)
	tr, err := paxostrace.Read(strings.NewReader(in))
	if err != nil {
		t.Fatalf("200 KiB value: %v", err)
	}
	if string(tr.Steps[0].Value) != long {
		t.Fatal("long value mangled")
	}
	// Line 3 made longer than the header with blanks (valid JSON): a
	// limit the header fits is an error on line 3.
	lines := slicesClone(baseTrace)
	lines[2] = strings.TrimSuffix(lines[2], "}") + strings.Repeat(" ", len(lines[0])) + "}"
	padded := strings.Join(lines, "\n") + "\n"
	if _, err := paxostrace.Read(strings.NewReader(padded)); err != nil {
		t.Fatalf("padded line 3: %v", err)
	}
	old := traces.MaxLineBytes
	traces.MaxLineBytes = len(baseTrace[0]) + 1
	defer func() { traces.MaxLineBytes = old }()
	_, err = paxostrace.Read(strings.NewReader(padded))
	var pe *paxostrace.ParseError
	if !errors.As(err, &pe) || pe.Line != 3 || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("got %v, want line 3 too long", err)
	}
}
