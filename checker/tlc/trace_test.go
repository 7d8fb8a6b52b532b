package tlc

import (
	"errors"
	"strings"
	"testing"
)

// A small well-formed report in TLC's words, used as the base of the
// malformed cases.
const okHead = "Error: Invariant Msg2aInv is violated.\nError: The behavior up to this point is:\n"
const okState1 = "State 1: <Initial predicate>\n/\\ x = 0\n/\\ s = {}\n\n"
const okState2 = "State 2: <Next(a1) line 3, col 5 to line 4, col 9 of module M>\n/\\ x = 1\n/\\ s = { [type |-> \"1a\", bal |-> 0],\n  [type |-> \"1a\", bal |-> 1] }\n\n"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in   string
		verdict    Verdict
		invariant  string
		actions    []string
		stuttering bool
		loopTo     int
	}{
		{"invariant", okHead + okState1 + okState2, InvariantViolated, "Msg2aInv",
			[]string{"Initial predicate", "Next(a1)"}, false, 0},
		{"initial state", "Error: Invariant TypeOK is violated by the initial state:\n/\\ x = -1\n/\\ s = {}\n",
			InvariantViolated, "TypeOK", []string{"Initial predicate"}, false, 0},
		{"stuttering", "Error: Temporal property P was violated.\n\nError: The following behavior constitutes a counter-example:\n\n" +
			okState1 + "State 2: Stuttering\n", PropertyViolated, "P", []string{"Initial predicate"}, true, 0},
		{"back to state", "Error: Temporal property P was violated.\n" + okState1 + okState2 +
			"Back to state 1: <Next line 3, col 5 to line 4, col 9 of module M>\n", PropertyViolated, "P",
			[]string{"Initial predicate", "Next(a1)"}, false, 1},
		{"back to state, tool mode", "Error: Temporal properties were violated.\n" + okState1 + okState2 +
			"State 2: Back to state: <Next line 3, col 5 to line 4, col 9 of module M>\n", PropertyViolated, "",
			[]string{"Initial predicate", "Next(a1)"}, false, 2},
		{"deadlock", "Error: Deadlock reached.\n" + okState1, Deadlock, "", []string{"Initial predicate"}, false, 0},
		{"CRLF line ends", strings.ReplaceAll(okHead+okState1, "\n", "\r\n"), InvariantViolated, "Msg2aInv",
			[]string{"Initial predicate"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ParseString(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Verdict != tc.verdict || tr.Name != tc.invariant {
				t.Errorf("verdict %v %q, want %v %q", tr.Verdict, tr.Name, tc.verdict, tc.invariant)
			}
			var actions []string
			for i, s := range tr.States {
				actions = append(actions, s.Action)
				if s.Num != i+1 {
					t.Errorf("state %d numbered %d", i+1, s.Num)
				}
				if x, ok := s.Get("x"); !ok || x.Kind != Int {
					t.Errorf("state %d: x = %v, %v", s.Num, x, ok)
				}
			}
			if strings.Join(actions, "|") != strings.Join(tc.actions, "|") {
				t.Errorf("actions %q, want %q", actions, tc.actions)
			}
			if tr.Stuttering != tc.stuttering || tr.LoopTo != tc.loopTo {
				t.Errorf("stuttering %v loopTo %d, want %v %d", tr.Stuttering, tr.LoopTo, tc.stuttering, tc.loopTo)
			}
		})
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "line 1 col 1: no verdict"},
		{"no states", okHead, "no states in the trace"},
		{"state before verdict", okState1, "line 1 col 1: a state before TLC's verdict"},
		{"two verdicts", okHead + "Error: Invariant TypeOK is violated.\n" + okState1, "line 3 col 1: a second verdict"},
		{"verdict after states", okHead + okState1 + "Error: Deadlock reached.\n", "verdict after the states"},
		{"unknown line", okHead + "Progress(3) at ...\n" + okState1, `line 3 col 1: unexpected line "Progress(3) at ..."`},
		{"state out of sequence", okHead + strings.Replace(okState1, "State 1", "State 2", 1), "state 2 out of sequence: want 1"},
		{"state skipped", okHead + okState1 + strings.Replace(okState2, "State 2", "State 3", 1), "state 3 out of sequence: want 2"},
		{"label without brackets", okHead + "State 1: Initial predicate\n/\\ x = 0\n", "want <Action ...> after the colon"},
		{"empty action", okHead + "State 1: <>\n/\\ x = 0\n", "empty action name"},
		{"state without variables", okHead + "State 1: <Init>\n\n", "state 1 has no variables"},
		{"conjunct outside a state", okHead + "/\\ x = 0\n", `line 3 col 1: a conjunct outside any state`},
		{"missing /\\", okHead + "State 1: <Init>\n/\\ x = 0\n  y = 1\n", `line 5 col 3: want "/\\"`},
		{"missing =", okHead + "State 1: <Init>\n/\\ x 0\n", `line 4 col 6: want "="`},
		{"missing name", okHead + "State 1: <Init>\n/\\ = 0\n", "want a variable name"},
		{"bad value", okHead + "State 1: <Init>\n/\\ x = {1,\n  2\n", `line 5 col 4: want "," or "}"`},
		{"variable twice", okHead + "State 1: <Init>\n/\\ x = 0\n/\\ x = 1\n", "variable x given twice in state 1"},
		{"variable lost", okHead + okState1 + "State 2: <A>\n/\\ x = 1\n", "state 2 lacks variable s of state 1"},
		{"variable gained", okHead + okState1 + "State 2: <A>\n/\\ x = 1\n/\\ s = {}\n/\\ y = 2\n", "state 2 has variable y that state 1 lacks"},
		{"stuttering after an invariant", okHead + okState1 + "State 2: Stuttering\n", "a lasso (Stuttering, Back to state) ends only a temporal property's counterexample"},
		{"lasso before any state", "Error: Temporal property P was violated.\nBack to state 1\n", "a lasso before any state"},
		{"back to a state not seen", "Error: Temporal property P was violated.\n" + okState1 + "Back to state 4\n", "back to state 4, but the behaviour has states 1..1"},
		{"stuttering out of sequence", "Error: Temporal property P was violated.\n" + okState1 + "State 5: Stuttering\n", "state 5 out of sequence: want 2"},
		{"text after the lasso", "Error: Temporal property P was violated.\n" + okState1 + "State 2: Stuttering\n" + okState1, "text after the end of the behaviour"},
		{"huge state number", okHead + "State 99999999999999999999: <A>\n", "state number 99999999999999999999 out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := ParseString(tc.in)
			if err == nil {
				t.Fatalf("Parse = %+v, want error %q", tr, tc.want)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("error %v does not wrap ErrSyntax", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, tc.want)
			}
		})
	}
}

func TestParseDump(t *testing.T) {
	dump := "State 1:\n/\\ maxBal = (a0 :> -1 @@ a1 :> -1)\n/\\ msgs = {}\n\nState 2:\n/\\ maxBal = (a0 :> 0 @@ a1 :> -1)\n/\\ msgs = { [type |-> \"1a\", bal |-> 0] }\n"
	states, err := ParseDump(strings.NewReader(dump))
	if err != nil || len(states) != 2 {
		t.Fatalf("%d states, %v", len(states), err)
	}
	if v, _ := states[1].Get("msgs"); v.Kind != Set || len(v.Elems) != 1 {
		t.Errorf("state 2 msgs = %v", v)
	}
	for _, bad := range []string{"", "/\\ x = 1\n", "State 1:\n/\\ x = 1\n\nState 2:\n/\\ y = 1\n", "State 1:\n/\\ x = {\n"} {
		if _, err := ParseDump(strings.NewReader(bad)); !errors.Is(err, ErrSyntax) {
			t.Errorf("ParseDump(%q) = %v, want a syntax error", bad, err)
		}
	}
}

func TestEachDumpStateStopsAtAnError(t *testing.T) {
	dump := "State 1:\n/\\ x = 1\n\nState 2:\n/\\ x = 2\n\nState 3:\n/\\ x = 3\n"
	stop := errors.New("stop")
	var seen []int
	err := EachDumpState(strings.NewReader(dump), func(s *State) error {
		seen = append(seen, s.Num)
		if s.Num == 2 {
			return stop
		}
		return nil
	})
	if err != stop || len(seen) != 2 {
		t.Fatalf("seen %v, err %v; want states 1 and 2, then the error", seen, err)
	}
}
