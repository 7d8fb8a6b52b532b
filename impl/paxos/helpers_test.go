package paxos

import (
	"errors"
	"testing"
)

// The default test cluster: acceptors 0,1,2; proposers 3,4; learner 5.
const (
	a0, a1, a2 NodeID = 0, 1, 2
	p0, p1     NodeID = 3, 4
	l0         NodeID = 5
)

func testConfig(bugs Bugs) *Config {
	c := NewConfig(3, 2, 1)
	c.Bugs = bugs
	return &c
}

func node(t *testing.T, c *Config, id NodeID) Node {
	t.Helper()
	n, err := NewNode(c, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// step applies in and fails the test on error.
func step(t *testing.T, c *Config, n Node, in Input) (Node, Effects) {
	t.Helper()
	m, e, err := n.Step(c, in)
	if err != nil {
		t.Fatalf("Step(%s): %v", describeInput(in), err)
	}
	return m, e
}

func deliver(m Message) Input            { return Input{Kind: InDeliver, Msg: m} }
func request(cl ClientID, v Value) Input { return Input{Kind: InRequest, Client: cl, Value: v} }

var timeout = Input{Kind: InTimeout}

func bal(round uint32, proposer uint8) Ballot { return Ballot{Round: round, Proposer: proposer} }

func msg1a(from, to NodeID, b Ballot) Message {
	return Message{Type: Msg1a, From: from, To: to, Bal: b}
}
func msg1b(from, to NodeID, b, vb Ballot, v Value) Message {
	return Message{Type: Msg1b, From: from, To: to, Bal: b, VBal: vb, Val: v}
}
func msg2a(from, to NodeID, b Ballot, v Value) Message {
	return Message{Type: Msg2a, From: from, To: to, Bal: b, Val: v}
}
func msg2b(from, to NodeID, b Ballot, v Value) Message {
	return Message{Type: Msg2b, From: from, To: to, Bal: b, Val: v}
}

// proposerInPhase1 returns proposer p0 after a request for v and one
// timeout: it has sent 1a at ballot 1.0.
func proposerInPhase1(t *testing.T, c *Config, v Value) Node {
	t.Helper()
	n := node(t, c, p0)
	n, _ = step(t, c, n, request(0, v))
	n, _ = step(t, c, n, timeout)
	return n
}

// acceptorAt returns acceptor id holding durable state d.
func acceptorAt(t *testing.T, c *Config, id NodeID, d Durable) Node {
	t.Helper()
	n := node(t, c, id)
	n.Mem = d
	return n
}

func isInputErr(err error) bool { return errors.Is(err, ErrInput) }
