package paxos

import (
	"reflect"
	"testing"
)

func persisted(e Effects) Durable {
	if e.Persist == nil {
		return Durable{MaxVal: "<nil>"}
	}
	return *e.Persist
}

func TestAcceptorPrepare(t *testing.T) {
	c := testConfig(0)
	voted := Durable{MaxBal: bal(2, 0), MaxVBal: bal(2, 0), MaxVal: "x"}
	cases := []struct {
		name    string
		state   Durable
		in      Message
		want    Durable   // state afterwards
		send    []Message // messages sent
		persist bool
	}{
		{"fresh acceptor promises", Durable{}, msg1a(p0, a0, bal(1, 0)),
			Durable{MaxBal: bal(1, 0)}, []Message{msg1b(a0, p0, bal(1, 0), Ballot{}, None)}, true},
		{"promise reports the last vote", voted, msg1a(p1, a0, bal(3, 1)),
			Durable{MaxBal: bal(3, 1), MaxVBal: bal(2, 0), MaxVal: "x"}, []Message{msg1b(a0, p1, bal(3, 1), bal(2, 0), "x")}, true},
		{"same round higher proposer is higher", Durable{MaxBal: bal(1, 0)}, msg1a(p1, a0, bal(1, 1)),
			Durable{MaxBal: bal(1, 1)}, []Message{msg1b(a0, p1, bal(1, 1), Ballot{}, None)}, true},
		{"lower ballot is nacked with the promise", Durable{MaxBal: bal(2, 1)}, msg1a(p0, a0, bal(2, 0)),
			Durable{MaxBal: bal(2, 1)}, []Message{{Type: MsgNack, From: a0, To: p0, Bal: bal(2, 1)}}, false},
		{"duplicate 1a is ignored", Durable{MaxBal: bal(2, 0)}, msg1a(p0, a0, bal(2, 0)),
			Durable{MaxBal: bal(2, 0)}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := acceptorAt(t, c, a0, tc.state)
			m, e := step(t, c, n, deliver(tc.in))
			if m.Mem != tc.want {
				t.Errorf("state = %+v, want %+v", m.Mem, tc.want)
			}
			if !reflect.DeepEqual(e.Send, tc.send) {
				t.Errorf("sent %v, want %v", e.Send, tc.send)
			}
			if (e.Persist != nil) != tc.persist {
				t.Fatalf("Persist = %v, want persist=%v", e.Persist, tc.persist)
			}
			if tc.persist && *e.Persist != tc.want {
				t.Errorf("persisted %+v, want the new state %+v", *e.Persist, tc.want)
			}
		})
	}
}

func TestAcceptorAccept(t *testing.T) {
	c := testConfig(0)
	c2 := NewConfig(3, 2, 2) // two learners: 5 and 6
	cases := []struct {
		name  string
		cfg   *Config
		state Durable
		in    Message
		want  Durable
		send  []Message
	}{
		{"fresh acceptor votes", c, Durable{}, msg2a(p0, a1, bal(1, 0), "x"),
			Durable{MaxBal: bal(1, 0), MaxVBal: bal(1, 0), MaxVal: "x"}, []Message{msg2b(a1, l0, bal(1, 0), "x")}},
		{"votes at its promise", c, Durable{MaxBal: bal(2, 0)}, msg2a(p0, a1, bal(2, 0), "x"),
			Durable{MaxBal: bal(2, 0), MaxVBal: bal(2, 0), MaxVal: "x"}, []Message{msg2b(a1, l0, bal(2, 0), "x")}},
		{"votes above its promise and raises it", c, Durable{MaxBal: bal(1, 0), MaxVBal: bal(1, 0), MaxVal: "x"}, msg2a(p1, a1, bal(3, 1), "y"),
			Durable{MaxBal: bal(3, 1), MaxVBal: bal(3, 1), MaxVal: "y"}, []Message{msg2b(a1, l0, bal(3, 1), "y")}},
		{"2b goes to every learner", &c2, Durable{}, msg2a(p0, a1, bal(1, 0), "x"),
			Durable{MaxBal: bal(1, 0), MaxVBal: bal(1, 0), MaxVal: "x"}, []Message{msg2b(a1, 5, bal(1, 0), "x"), msg2b(a1, 6, bal(1, 0), "x")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := acceptorAt(t, tc.cfg, a1, tc.state)
			m, e := step(t, tc.cfg, n, deliver(tc.in))
			if m.Mem != tc.want || persisted(e) != tc.want {
				t.Errorf("state %+v, persisted %+v; want %+v", m.Mem, persisted(e), tc.want)
			}
			if !reflect.DeepEqual(e.Send, tc.send) {
				t.Errorf("sent %v, want %v", e.Send, tc.send)
			}
		})
	}
	t.Run("below promise is nacked", func(t *testing.T) {
		d := Durable{MaxBal: bal(2, 1), MaxVBal: bal(1, 0), MaxVal: "x"}
		n := acceptorAt(t, c, a1, d)
		m, e := step(t, c, n, deliver(msg2a(p0, a1, bal(2, 0), "z")))
		if m != n || e.Persist != nil {
			t.Errorf("state changed to %+v or persisted %v", m.Mem, e.Persist)
		}
		if want := []Message{{Type: MsgNack, From: a1, To: p0, Bal: bal(2, 1)}}; !reflect.DeepEqual(e.Send, want) {
			t.Errorf("sent %v, want %v", e.Send, want)
		}
	})
}

func TestProposerTimeout(t *testing.T) {
	c := testConfig(0)
	n := node(t, c, p1) // proposer index 1
	n, _ = step(t, c, n, request(0, "x"))
	n, e := step(t, c, n, timeout)
	if n.Phase != Phase1 || n.Ballot() != bal(1, 1) {
		t.Fatalf("after timeout: phase %s ballot %s, want phase1 1.1", n.Phase, n.Ballot())
	}
	if persisted(e) != (Durable{Round: 1}) {
		t.Errorf("persisted %+v, want round 1 (durable before the 1a leaves)", persisted(e))
	}
	want := []Message{msg1a(p1, a0, bal(1, 1)), msg1a(p1, a1, bal(1, 1)), msg1a(p1, a2, bal(1, 1))}
	if !reflect.DeepEqual(e.Send, want) {
		t.Errorf("sent %v, want %v", e.Send, want)
	}
	// A nack tells it of a higher ballot; the next timeout goes above it.
	n, e = step(t, c, n, deliver(Message{Type: MsgNack, From: a0, To: p1, Bal: bal(5, 0)}))
	if len(e.Send) != 0 || n.Seen != bal(5, 0) || n.Phase != Phase1 {
		t.Fatalf("nack: sent %v, seen %s, phase %s", e.Send, n.Seen, n.Phase)
	}
	n, _ = step(t, c, n, deliver(Message{Type: MsgNack, From: a1, To: p1, Bal: bal(3, 0)}))
	if n.Seen != bal(5, 0) {
		t.Fatalf("a lower nack lowered Seen to %s", n.Seen)
	}
	n, e = step(t, c, n, timeout)
	if n.Ballot() != bal(6, 1) || persisted(e).Round != 6 {
		t.Fatalf("retry ballot %s, persisted %+v; want 6.1", n.Ballot(), persisted(e))
	}
	// A timeout restarts phase 1: promises of the old ballot are gone.
	if n.Promised != 0 || n.HighVBal != (Ballot{}) || n.Proposal != None {
		t.Fatalf("retry kept old ballot state: %+v", n)
	}
}

func TestProposerRequests(t *testing.T) {
	c := testConfig(0)
	n := node(t, c, p0)
	n, e := step(t, c, n, request(1, "x"))
	n, e2 := step(t, c, n, request(0, "y"))
	if n.Value != "x" || n.Clients != 0b11 || len(e.Send)+len(e2.Send)+len(e.Replies)+len(e2.Replies) != 0 {
		t.Fatalf("after two requests: value %q clients %b", n.Value, n.Clients)
	}
	n, e = step(t, c, n, deliver(Message{Type: MsgDecided, From: l0, To: p0, Val: "y"}))
	if want := []Reply{{0, "y"}, {1, "y"}}; !reflect.DeepEqual(e.Replies, want) || n.Clients != 0 || n.Decided != "y" {
		t.Fatalf("decided: replies %v, clients %b", e.Replies, n.Clients)
	}
	// Once decided: a new request is answered at once, and the proposer
	// stops retrying.
	n, e = step(t, c, n, request(2, "z"))
	if want := []Reply{{2, "y"}}; !reflect.DeepEqual(e.Replies, want) {
		t.Fatalf("request after decided: replies %v", e.Replies)
	}
	if n.Enabled(c, timeout) {
		t.Fatal("timeout enabled after a decision")
	}
	// A second decided message does not change the decision.
	n, _ = step(t, c, n, deliver(Message{Type: MsgDecided, From: l0, To: p0, Val: "z"}))
	if n.Decided != "y" {
		t.Fatalf("Decided changed to %q", n.Decided)
	}
}

// TestProposerPhase2: at a quorum of 1b the proposer sends 2a with the
// value of the highest-numbered reported vote, or its own if none (spec
// Phase2a, P2c), in either arrival order; not before the quorum.
func TestProposerPhase2(t *testing.T) {
	c := testConfig(0)
	b := bal(1, 0)
	cases := []struct {
		name string
		got  []Message
		want Value
	}{
		{"no votes: own value", []Message{msg1b(a0, p0, b, Ballot{}, ""), msg1b(a1, p0, b, Ballot{}, "")}, "mine"},
		{"one vote", []Message{msg1b(a0, p0, b, Ballot{}, ""), msg1b(a2, p0, b, bal(1, 1), "y")}, "y"},
		{"highest first", []Message{msg1b(a0, p0, b, bal(3, 1), "hi"), msg1b(a1, p0, b, bal(2, 0), "lo")}, "hi"},
		{"highest last", []Message{msg1b(a0, p0, b, bal(2, 0), "lo"), msg1b(a1, p0, b, bal(3, 1), "hi")}, "hi"},
		{"same round, higher proposer", []Message{msg1b(a0, p0, b, bal(2, 1), "hi"), msg1b(a1, p0, b, bal(2, 0), "lo")}, "hi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The proposer's ballot must be above every reported vote.
			n := proposerInPhase1(t, c, "mine")
			n.Mem.Round = 5
			bb := n.Ballot()
			var e Effects
			for i, m := range tc.got {
				m.Bal = bb
				n, e = step(t, c, n, deliver(m))
				if i < len(tc.got)-1 && len(e.Send) != 0 {
					t.Fatalf("sent %v before a quorum", e.Send)
				}
			}
			want := []Message{msg2a(p0, a0, bb, tc.want), msg2a(p0, a1, bb, tc.want), msg2a(p0, a2, bb, tc.want)}
			if !reflect.DeepEqual(e.Send, want) {
				t.Fatalf("sent %v, want %v", e.Send, want)
			}
			if n.Phase != Phase2 || n.Proposal != tc.want || e.Persist != nil {
				t.Fatalf("phase %s proposal %q persist %v", n.Phase, n.Proposal, e.Persist)
			}
			// A late third 1b changes nothing: phase 2 has started.
			m, e := step(t, c, n, deliver(msg1b(a2, p0, bb, bal(4, 1), "late")))
			if m != n || len(e.Send) != 0 {
				t.Fatalf("late 1b changed the proposer or sent %v", e.Send)
			}
		})
	}
}

func TestProposerIgnoresStaleAndDuplicate1b(t *testing.T) {
	c := testConfig(0)
	n := proposerInPhase1(t, c, "x")
	cases := []struct {
		name string
		m    Message
	}{
		{"other ballot", msg1b(a0, p0, bal(2, 0), Ballot{}, "")},
		{"another proposer's ballot", msg1b(a0, p0, bal(1, 1), Ballot{}, "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, e := step(t, c, n, deliver(tc.m))
			if m != n || !reflect.DeepEqual(e, Effects{}) {
				t.Fatalf("stale 1b changed state or had effects %+v", e)
			}
		})
	}
	t.Run("duplicate does not make a quorum", func(t *testing.T) {
		one := msg1b(a0, p0, bal(1, 0), Ballot{}, "")
		m, _ := step(t, c, n, deliver(one))
		m, e := step(t, c, m, deliver(one))
		if len(e.Send) != 0 || m.Phase != Phase1 {
			t.Fatalf("one acceptor's duplicated 1b reached a quorum: sent %v", e.Send)
		}
	})
	t.Run("1b from a non-acceptor is ignored", func(t *testing.T) {
		m, _ := step(t, c, n, deliver(msg1b(a0, p0, bal(1, 0), Ballot{}, "")))
		m2, e := step(t, c, m, deliver(msg1b(l0, p0, bal(1, 0), Ballot{}, "")))
		if m2 != m || len(e.Send) != 0 {
			t.Fatalf("a learner's 1b was counted")
		}
	})
}

// TestLearner: a value is learned when a quorum of distinct acceptors voted
// for it in one ballot (Paxos Made Simple, 2.3), not before, and only once.
func TestLearner(t *testing.T) {
	c := testConfig(0)
	decided := func(v Value) []Message {
		return []Message{{Type: MsgDecided, From: l0, To: p0, Val: v}, {Type: MsgDecided, From: l0, To: p1, Val: v}}
	}
	cases := []struct {
		name    string
		in      []Message
		learned Value // after the last message; None = not learned
	}{
		{"one vote", []Message{msg2b(a0, l0, bal(1, 0), "x")}, None},
		{"quorum", []Message{msg2b(a0, l0, bal(1, 0), "x"), msg2b(a1, l0, bal(1, 0), "x")}, "x"},
		{"duplicate vote is one voter", []Message{msg2b(a0, l0, bal(1, 0), "x"), msg2b(a0, l0, bal(1, 0), "x")}, None},
		{"two ballots do not add up", []Message{msg2b(a0, l0, bal(1, 0), "x"), msg2b(a1, l0, bal(1, 1), "x")}, None},
		{"a newer vote replaces an older one", []Message{msg2b(a0, l0, bal(1, 0), "x"), msg2b(a0, l0, bal(2, 1), "y"), msg2b(a1, l0, bal(1, 0), "x")}, None},
		{"an older vote is ignored", []Message{msg2b(a0, l0, bal(2, 1), "y"), msg2b(a0, l0, bal(1, 0), "x"), msg2b(a1, l0, bal(2, 1), "y")}, "y"},
		{"a 2b from a non-acceptor is ignored", []Message{msg2b(a0, l0, bal(1, 0), "x"), msg2b(p0, l0, bal(1, 0), "x")}, None},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := node(t, c, l0)
			var e Effects
			for i, m := range tc.in {
				n, e = step(t, c, n, deliver(m))
				if i < len(tc.in)-1 && (e.Learned != None || n.Learned != None) {
					t.Fatalf("learned %q after %d of %d messages", n.Learned, i+1, len(tc.in))
				}
			}
			if n.Learned != tc.learned || e.Learned != tc.learned {
				t.Fatalf("learned %q (effect %q), want %q", n.Learned, e.Learned, tc.learned)
			}
			if tc.learned != None && !reflect.DeepEqual(e.Send, decided(tc.learned)) {
				t.Fatalf("sent %v, want %v", e.Send, decided(tc.learned))
			}
			if tc.learned == None && len(e.Send) != 0 {
				t.Fatalf("sent %v without learning", e.Send)
			}
			if tc.learned != None {
				// A third vote learns nothing new and sends nothing.
				_, e = step(t, c, n, deliver(msg2b(a2, l0, tc.in[len(tc.in)-1].Bal, tc.learned)))
				if e.Learned != None || len(e.Send) != 0 {
					t.Fatalf("learned again: %+v", e)
				}
			}
		})
	}
}

func TestCrashAndRestart(t *testing.T) {
	c := testConfig(0)
	t.Run("acceptor", func(t *testing.T) {
		d := Durable{MaxBal: bal(3, 1), MaxVBal: bal(2, 0), MaxVal: "x"}
		n := acceptorAt(t, c, a2, d)
		crashed, e := step(t, c, n, Input{Kind: InCrash})
		if !crashed.Crashed || crashed.Mem != (Durable{}) || !reflect.DeepEqual(e, Effects{}) {
			t.Fatalf("crash: %+v %+v", crashed, e)
		}
		// Restart restores exactly the acceptor's durable fields; a stray
		// Round is not an acceptor's.
		back, _ := step(t, c, crashed, Input{Kind: InRestart, Durable: Durable{MaxBal: d.MaxBal, MaxVBal: d.MaxVBal, MaxVal: d.MaxVal, Round: 9}})
		if back != n {
			t.Fatalf("restart = %+v, want %+v", back, n)
		}
	})
	t.Run("proposer", func(t *testing.T) {
		n := proposerInPhase1(t, c, "x")
		n, _ = step(t, c, n, request(3, "y"))
		n, _ = step(t, c, n, deliver(msg1b(a0, p0, bal(1, 0), bal(1, 1), "z")))
		n, _ = step(t, c, n, deliver(Message{Type: MsgNack, From: a1, To: p0, Bal: bal(4, 0)}))
		crashed, _ := step(t, c, n, Input{Kind: InCrash})
		want := Node{ID: p0, Role: RoleProposer, Index: 0, Crashed: true}
		if crashed != want {
			t.Fatalf("crash kept volatile state: %+v", crashed)
		}
		back, _ := step(t, c, crashed, Input{Kind: InRestart, Durable: Durable{Round: 1, MaxBal: bal(7, 0)}})
		want = Node{ID: p0, Role: RoleProposer, Index: 0, Mem: Durable{Round: 1}}
		if back != want {
			t.Fatalf("restart = %+v, want %+v", back, want)
		}
		// Its next ballot is above the one it used before the crash.
		back, _ = step(t, c, back, request(0, "x"))
		back, _ = step(t, c, back, timeout)
		if !bal(1, 0).Less(back.Ballot()) {
			t.Fatalf("ballot %s reused after restart", back.Ballot())
		}
	})
	t.Run("learner", func(t *testing.T) {
		n := node(t, c, l0)
		n, _ = step(t, c, n, deliver(msg2b(a0, l0, bal(1, 0), "x")))
		n, _ = step(t, c, n, Input{Kind: InCrash})
		n, _ = step(t, c, n, Input{Kind: InRestart, Durable: Durable{MaxVal: "junk", Round: 3}})
		if n != node(t, c, l0) {
			t.Fatalf("learner kept state across a crash: %+v", n)
		}
	})
}

// TestStepRejectsDisabledInputs: an input for which Enabled is false is an
// ErrInput error, with the node returned unchanged and no effects.
func TestStepRejectsDisabledInputs(t *testing.T) {
	c := testConfig(0)
	acc := node(t, c, a0)
	prop := node(t, c, p0)
	idle := prop
	prop, _ = step(t, c, prop, request(0, "x"))
	learner := node(t, c, l0)
	crashed, _ := step(t, c, acc, Input{Kind: InCrash})
	decided, _ := step(t, c, prop, deliver(Message{Type: MsgDecided, From: l0, To: p0, Val: "x"}))
	cases := []struct {
		name string
		n    Node
		in   Input
	}{
		{"message for another node", acc, deliver(msg1a(p0, a1, bal(1, 0)))},
		{"1b at an acceptor", acc, deliver(msg1b(a1, a0, bal(1, 0), Ballot{}, ""))},
		{"2b at an acceptor", acc, deliver(msg2b(a1, a0, bal(1, 0), "x"))},
		{"1a at a proposer", prop, deliver(msg1a(p1, p0, bal(1, 0)))},
		{"2b at a proposer", prop, deliver(msg2b(a0, p0, bal(1, 0), "x"))},
		{"1a at a learner", learner, deliver(msg1a(p0, l0, bal(1, 0)))},
		{"decided at a learner", learner, deliver(Message{Type: MsgDecided, To: l0, Val: "x"})},
		{"unknown message type", acc, deliver(Message{Type: 0, To: a0})},
		// Malformed messages: no role sends them, and taking them is unsafe.
		{"1a without a ballot", acc, deliver(msg1a(p0, a0, Ballot{}))},
		{"2a without a ballot", acc, deliver(msg2a(p0, a0, Ballot{}, "x"))},
		{"2a without a value", acc, deliver(msg2a(p0, a0, bal(1, 0), None))},
		{"1b without a ballot", prop, deliver(msg1b(a0, p0, Ballot{}, Ballot{}, None))},
		{"nack without a ballot", prop, deliver(Message{Type: MsgNack, From: a0, To: p0})},
		{"decided without a value", prop, deliver(Message{Type: MsgDecided, From: l0, To: p0})},
		{"2b without a ballot", learner, deliver(msg2b(a0, l0, Ballot{}, "x"))},
		{"2b without a value", learner, deliver(msg2b(a0, l0, bal(1, 0), None))},
		{"timeout at an acceptor", acc, timeout},
		{"timeout at a learner", learner, timeout},
		{"timeout without a value", idle, timeout},
		{"timeout after a decision", decided, timeout},
		{"request at an acceptor", acc, request(0, "x")},
		{"request with no value", prop, request(1, None)},
		{"request from client 64", prop, request(64, "x")},
		{"second request from one client", prop, request(0, "y")},
		{"deliver to a crashed node", crashed, deliver(msg1a(p0, a0, bal(1, 0)))},
		{"request at a crashed node", crashed, request(0, "x")},
		{"crash a crashed node", crashed, Input{Kind: InCrash}},
		{"restart a live node", acc, Input{Kind: InRestart}},
		{"unknown input kind", acc, Input{Kind: 0}},
		{"input kind out of range", acc, Input{Kind: InRestart + 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.n.Enabled(c, tc.in) {
				t.Fatalf("Enabled = true")
			}
			before := tc.n
			m, e, err := tc.n.Step(c, tc.in)
			if !isInputErr(err) {
				t.Fatalf("Step error = %v, want ErrInput", err)
			}
			if m != before || tc.n != before || !reflect.DeepEqual(e, Effects{}) {
				t.Fatalf("rejected input changed state or had effects %+v", e)
			}
		})
	}
}
