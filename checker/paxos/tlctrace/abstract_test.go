package tlctrace

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/tlc"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// crashState is state 8 of traces/tlc/MCBugAcceptNotPersisted.txt, with the
// acceptors listed out of order and a record-style function, to show the
// mapping does not depend on either.
const crashState = `Error: Invariant AccInv is violated.
State 1: <Crash(a1) line 83, col 3 to line 87, col 55 of module PaxosCrash>
/\ maxVal = (a3 :> None @@ a1 :> None @@ a2 :> None)
/\ maxVBal = [a1 |-> -1, a2 |-> -1, a3 |-> -1]
/\ dMaxBal = (a1 :> 0 @@ a2 :> 0 @@ a3 :> -1)
/\ learned = {}
/\ msgs = { [type |-> "1a", bal |-> 0],
  [val |-> v1, type |-> "2a", bal |-> 0],
  [val |-> v1, type |-> "2b", bal |-> 0, acc |-> a1],
  [type |-> "1b", bal |-> 0, acc |-> a1, mbal |-> -1, mval |-> None],
  [type |-> "1b", bal |-> 2, acc |-> a2, mbal |-> 0, mval |-> "x"] }
/\ dMaxVBal = (a1 :> -1 @@ a2 :> -1 @@ a3 :> -1)
/\ dMaxVal = (a1 :> None @@ a2 :> None @@ a3 :> None)
/\ proposed = {v2, v1}
/\ maxBal = (a1 :> 0 @@ a2 :> 2 @@ a3 :> -1)
`

func TestToAbstract(t *testing.T) {
	tr, err := tlc.ParseString(crashState)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ToAbstract(&tr.States[0])
	if err != nil {
		t.Fatal(err)
	}
	want := invariant.Abstract{
		NumAcceptors: 3,
		MaxBal:       []int{0, 2, -1},
		MaxVBal:      []int{-1, -1, -1},
		MaxVal:       []paxos.Value{paxos.None, paxos.None, paxos.None},
		Msgs: []invariant.Msg{
			{Type: "2a", Acc: -1, Bal: 0, MBal: -1, Val: "v1"},
			{Type: "2b", Acc: 0, Bal: 0, MBal: -1, Val: "v1"},
			{Type: "1b", Acc: 0, Bal: 0, MBal: -1},
			{Type: "1b", Acc: 1, Bal: 2, MBal: 0, MVal: "x"},
		},
		Proposed: []paxos.Value{"v1", "v2"},
	}
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("ToAbstract (-want +got):\n%s", d)
	}
	// The volatile maxVBal forgot the vote the 2b announced: AccInv, as TLC
	// said.
	if v := invariant.Check(&got, 8); v == nil || v.Invariant != "AccInv" {
		t.Fatalf("Check = %v, want an AccInv violation", v)
	}
}

func TestNaturalOrder(t *testing.T) {
	tr, err := tlc.ParseString("Error: Deadlock reached.\nState 1: <I>\n" +
		"/\\ maxBal = (a10 :> 10 @@ a2 :> 2 @@ a1 :> 1 @@ b :> 11 @@ a :> 0)\n" +
		"/\\ maxVBal = (a10 :> -1 @@ a2 :> -1 @@ a1 :> -1 @@ b :> -1 @@ a :> -1)\n" +
		"/\\ maxVal = (a10 :> None @@ a2 :> None @@ a1 :> None @@ b :> None @@ a :> None)\n" +
		"/\\ msgs = {}\n/\\ proposed = {}\n/\\ learned = {}\n")
	if err != nil {
		t.Fatal(err)
	}
	a, err := ToAbstract(&tr.States[0])
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]int{0, 1, 2, 10, 11}, a.MaxBal); d != "" {
		t.Fatalf("acceptor order by maxBal (-want +got):\n%s", d)
	}
}

func TestToAbstractMalformed(t *testing.T) {
	base := map[string]string{
		"maxBal":   "(a1 :> 0 @@ a2 :> -1)",
		"maxVBal":  "(a1 :> -1 @@ a2 :> -1)",
		"maxVal":   "(a1 :> None @@ a2 :> None)",
		"msgs":     "{}",
		"proposed": "{v1}",
		"learned":  "{}",
	}
	order := []string{"maxBal", "maxVBal", "maxVal", "msgs", "proposed", "learned"}
	state := func(edit map[string]string) string {
		var b strings.Builder
		b.WriteString("Error: Deadlock reached.\nState 1: <I>\n")
		for _, k := range order {
			v, ok := edit[k]
			if !ok {
				v = base[k]
			}
			if v != "" {
				b.WriteString("/\\ " + k + " = " + v + "\n")
			}
		}
		if extra, ok := edit["extra"]; ok {
			b.WriteString(extra + "\n")
		}
		return b.String()
	}
	tests := []struct {
		name string
		edit map[string]string
		want string
	}{
		{"missing variable", map[string]string{"learned": ""}, "state 1: learned: missing"},
		{"unknown variable", map[string]string{"extra": "/\\ chosen = {}"}, "chosen: not a variable of spec/Paxos.tla"},
		{"maxBal not a function", map[string]string{"maxBal": "{0, -1}"}, "maxBal: want a function of the acceptors, got a set"},
		{"acceptor not a model value", map[string]string{"maxBal": "(1 :> 0)"}, "acceptor 1 is not a model value"},
		{"domains differ", map[string]string{"maxVBal": "(a1 :> -1 @@ a3 :> -1)"}, "maxVBal: a3 is not an acceptor (acceptors: a1, a2)"},
		{"too few entries", map[string]string{"maxVal": "(a1 :> None)"}, "maxVal: has 1 entries for 2 acceptors"},
		{"ballot not an integer", map[string]string{"maxVBal": "(a1 :> None @@ a2 :> -1)"}, "maxVBal: ballot None is not an integer"},
		{"value an integer", map[string]string{"maxVal": "(a1 :> 3 @@ a2 :> None)"}, "maxVal: 3 is not a value"},
		{"value an empty string", map[string]string{"proposed": `{""}`}, `proposed: "" is not a value`},
		{"proposed not a set", map[string]string{"proposed": "v1"}, "proposed: want a set of values, got a model value"},
		{"msgs not a set", map[string]string{"msgs": "<<>>"}, "msgs: want a set of message records, got a tuple"},
		{"message not a record", map[string]string{"msgs": "{1}"}, "msgs: element 1 is not a record"},
		{"unknown message type", map[string]string{"msgs": `{[type |-> "3a", bal |-> 0]}`}, `type is not "1a", "1b", "2a" or "2b"`},
		{"type a model value", map[string]string{"msgs": `{[type |-> a1, bal |-> 0]}`}, `type is not "1a"`},
		{"missing field", map[string]string{"msgs": `{[type |-> "2b", bal |-> 0, acc |-> a1]}`}, "a 2b has exactly the fields type, bal, acc, val"},
		{"wrong field", map[string]string{"msgs": `{[type |-> "2a", bal |-> 0, acc |-> a1]}`}, "a 2a has exactly the fields type, bal, val"},
		{"extra field", map[string]string{"msgs": `{[type |-> "1a", bal |-> 0, val |-> v1]}`}, "a 1a has exactly the fields type, bal"},
		{"sender not an acceptor", map[string]string{"msgs": `{[type |-> "2b", bal |-> 0, acc |-> a9, val |-> v1]}`}, "msgs: a9 is not an acceptor"},
		{"message ballot a string", map[string]string{"msgs": `{[type |-> "2a", bal |-> "0", val |-> v1]}`}, `msgs: ballot "0" is not an integer`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := tlc.ParseString(state(tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			_, err = ToAbstract(&tr.States[0])
			if err == nil {
				t.Fatalf("ToAbstract = nil error, want %q", tc.want)
			}
			if !errors.Is(err, ErrShape) {
				t.Errorf("error %v does not wrap ErrShape", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
		})
	}
	// The base state itself converts: the cases above fail for their edit.
	tr, err := tlc.ParseString(state(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ToAbstract(&tr.States[0]); err != nil {
		t.Fatalf("base state: %v", err)
	}
}
