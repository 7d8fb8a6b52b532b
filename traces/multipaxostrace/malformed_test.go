package multipaxostrace

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/paxoscheck/paxoscheck/traces"
)

const header = `{"format":"paxoscheck-trace","version":1,"protocol":"multipaxos","protocol_version":3,"acceptors":[0,1,2],"proposers":[3,4],"pipeline":1,"ops":[{"id":0,"proposer":3,"cmd":{"op":"put","seq":1,"key":"k","val":"v"}}],"time_unit":"step"}`

const invoke = `{"step":1,"action":"Invoke","node":3,"op":0,"timer":"arm","time":1}`
const phase1a = `{"step":2,"action":"Phase1a","node":3,"sent":[{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0","slot":1}],"persist":{"round":1},"time":2}`

// TestMalformed: each hostile trace is refused with a ParseError naming
// its line and the problem, never read as a trace.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"valid", header + "\n" + invoke + "\n" + phase1a + "\n", ""},
		{"pipeline 0", strings.Replace(header, `"pipeline":1`, `"pipeline":0`, 1), "pipeline 0"},
		{"no ops key", strings.Replace(header, `"ops":[{"id":0,"proposer":3,"cmd":{"op":"put","seq":1,"key":"k","val":"v"}}],`, "", 1), "ops"},
		{"op at an acceptor", strings.Replace(header, `"proposer":3`, `"proposer":0`, 1), "not a proposer"},
		{"no-op as a client command", strings.Replace(header, `{"op":"put","seq":1,"key":"k","val":"v"}`, `{"op":"noop"}`, 1), "not a client's command"},
		{"unknown op", strings.Replace(header, `"op":"put"`, `"op":"delete"`, 1), "unknown operation"},
		{"unknown bug", strings.Replace(header, `"pipeline":1`, `"pipeline":1,"bugs":["skip-prepare"]`, 1), `unknown bug "skip-prepare"`},
		{"invoke of no op", header + "\n" + strings.Replace(invoke, `"op":0`, `"op":3`, 1), "op 3 is out of range"},
		{"invoke at the wrong node", header + "\n" + strings.Replace(invoke, `"node":3`, `"node":4`, 1), "sends it to node 3"},
		{"message to no node", header + "\n" + invoke + "\n" + strings.Replace(phase1a, `"to":0`, `"to":9`, 1), "to node 9"},
		{"1a without a slot", header + "\n" + invoke + "\n" + strings.Replace(phase1a, `,"slot":1`, "", 1), "needs a slot"},
		{"ballot of no proposer", header + "\n" + invoke + "\n" + strings.Replace(phase1a, `"bal":"1.0"`, `"bal":"1.7"`, 1), "proposer index 7"},
		{"unknown field", header + "\n" + strings.Replace(invoke, `"time":1`, `"time":1,"votes":[]`, 1), "votes"},
		{"deliver of a message never sent", header + "\n" + invoke + "\n" + `{"step":2,"action":"Phase1b","node":0,"msg":{"id":5,"type":"1a","from":3,"to":0,"bal":"1.0","slot":1},"time":2}`, "never sent"},
		{"wrong message for the action", header + "\n" + invoke + "\n" + phase1a + "\n" + `{"step":3,"action":"Phase2b","node":0,"msg":{"id":1,"type":"1a","from":3,"to":0,"bal":"1.0","slot":1},"time":3}`, "takes a 2a message"},
		{"reply to no command", header + "\n" + strings.Replace(invoke, `"timer":"arm"`, `"replies":[{"client":4,"seq":1,"op":"put"}]`, 1), "no operation of the header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.text))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var pe *traces.ParseError
			if !errors.As(err, &pe) || !errors.Is(err, traces.ErrMalformed) {
				t.Fatalf("error %v, want a ParseError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want one line naming %q", err, tc.want)
			}
		})
	}
}

// TestCounterexamplesRoundTrip: every checked-in Multi-Paxos
// counterexample reads, and writes back byte for byte.
func TestCounterexamplesRoundTrip(t *testing.T) {
	const dir = "../counterexamples/multipaxos/"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".jsonl") {
			continue
		}
		want, err := os.ReadFile(dir + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Read(strings.NewReader(string(want)))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		if b.String() != string(want) {
			t.Errorf("%s does not write back as it reads", e.Name())
		}
		n++
	}
	if n < 7 {
		t.Fatalf("%d counterexamples, want one per bug (7)", n)
	}
}
