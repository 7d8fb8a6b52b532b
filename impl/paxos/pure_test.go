package paxos

import (
	"errors"
	"reflect"
	"testing"

	"pgregory.net/rapid"
)

var typesFor = map[Role][]MsgType{
	RoleAcceptor: {Msg1a, Msg2a},
	RoleProposer: {Msg1b, MsgNack, MsgDecided},
	RoleLearner:  {Msg2b},
}

// genInput draws an input for node to, biased towards ones it can take,
// but including every kind of input it must reject.
func genInput(c *Config, to NodeID) *rapid.Generator[Input] {
	vals := []string{"", "x", "y"}
	return rapid.Custom(func(t *rapid.T) Input {
		in := Input{Kind: InputKind(rapid.IntRange(0, int(InRestart)+1).Draw(t, "kind"))}
		switch in.Kind {
		case InDeliver:
			dest := to
			if rapid.IntRange(0, 9).Draw(t, "misaddressed") == 0 {
				dest = rapid.SampledFrom(c.Nodes()).Draw(t, "to")
			}
			typ := MsgType(rapid.IntRange(0, int(MsgDecided)+1).Draw(t, "type"))
			if r, _, _ := c.RoleOf(to); rapid.IntRange(0, 4).Draw(t, "anytype") > 0 {
				typ = rapid.SampledFrom(typesFor[r]).Draw(t, "roletype")
			}
			in.Msg = Message{
				Type: typ,
				From: rapid.SampledFrom(c.Nodes()).Draw(t, "from"),
				To:   dest,
				Bal:  genBallot().Draw(t, "bal"),
				VBal: genBallot().Draw(t, "vbal"),
				Val:  Value(rapid.SampledFrom(vals).Draw(t, "val")),
			}
		case InRequest:
			in.Client = ClientID(rapid.IntRange(0, 65).Draw(t, "client"))
			in.Value = Value(rapid.SampledFrom(vals).Draw(t, "value"))
		case InRestart:
			in.Durable = Durable{
				MaxBal:  genBallot().Draw(t, "maxBal"),
				MaxVBal: genBallot().Draw(t, "maxVBal"),
				MaxVal:  Value(rapid.SampledFrom(vals).Draw(t, "maxVal")),
				Round:   rapid.Uint32Range(0, 6).Draw(t, "round"),
			}
		}
		return in
	})
}

// genNode draws a configuration and a node of it in a reachable-ish state:
// the result of a random sequence of inputs, rejected ones included.
func genNode(t *rapid.T) (*Config, Node) {
	c := NewConfig(rapid.IntRange(1, 4).Draw(t, "acceptors"), rapid.IntRange(1, 3).Draw(t, "proposers"), rapid.IntRange(1, 2).Draw(t, "learners"))
	c.Bugs = Bugs(rapid.Uint16Range(0, uint16(AllBugs)).Draw(t, "bugs"))
	if c.Validate() != nil {
		c.Bugs &^= Bugs(BugMinorityQuorum)
	}
	id := rapid.SampledFrom(c.Nodes()).Draw(t, "node")
	n, err := NewNode(&c, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range rapid.SliceOfN(genInput(&c, id), 0, 25).Draw(t, "history") {
		n, _, _ = n.Step(&c, in)
	}
	return &c, n
}

// TestStepIsPure: Step is a function of (config, node, input). Applying one
// input to copies of a node gives equal results, never modifies the node it
// is called on (nor the config), the effects of two calls share no memory,
// and it fails exactly when Enabled says no, then with ErrInput and the node
// unchanged.
func TestStepIsPure(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, n := genNode(t)
		in := genInput(c, n.ID).Draw(t, "input")
		before, cfgBefore := n, *c
		cfgBefore.Acceptors = append([]NodeID(nil), c.Acceptors...)
		cfgBefore.Proposers = append([]NodeID(nil), c.Proposers...)
		cfgBefore.Learners = append([]NodeID(nil), c.Learners...)
		enabled := n.Enabled(c, in)

		cp := n
		m1, e1, err1 := n.Step(c, in)
		m2, e2, err2 := cp.Step(c, in)
		if n != before || cp != before {
			t.Fatalf("Step modified its receiver")
		}
		if !reflect.DeepEqual(*c, cfgBefore) {
			t.Fatalf("Step modified the config")
		}
		if m1 != m2 || !reflect.DeepEqual(e1, e2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("two calls differ: %+v %+v vs %+v %+v", m1, e1, m2, e2)
		}
		if string(m1.AppendBinary(nil)) != string(m2.AppendBinary(nil)) {
			t.Fatalf("equal results encode differently")
		}
		if (err1 == nil) != enabled {
			t.Fatalf("Enabled = %v but Step error = %v", enabled, err1)
		}
		if err1 != nil {
			if !errors.Is(err1, ErrInput) || m1 != before || !reflect.DeepEqual(e1, Effects{}) {
				t.Fatalf("rejected input: err %v, state changed %v, effects %+v", err1, m1 != before, e1)
			}
			return
		}
		// The effects are the caller's: scribbling on one call's effects
		// changes neither the other call's nor any node.
		if e1.Persist != nil {
			if e1.Persist == e2.Persist {
				t.Fatalf("two calls share a Persist pointer")
			}
			saved := *e2.Persist
			e1.Persist.MaxVal = "scribbled"
			e1.Persist.Round++
			if *e2.Persist != saved || m1 != m2 {
				t.Fatalf("Persist aliases other state")
			}
		}
		if len(e1.Send) > 0 {
			saved := e2.Send[0]
			e1.Send[0].Val = "scribbled"
			if e2.Send[0] != saved {
				t.Fatalf("two calls share a Send slice")
			}
		}
	})
}
