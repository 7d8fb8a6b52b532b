package multipaxos

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// cluster drives nodes by hand: a FIFO network, every message delivered
// in order, durable state kept as a runner would keep it.
type cluster struct {
	t       *testing.T
	c       Config
	nodes   map[NodeID]*Node
	stored  map[NodeID]Durable
	net     []Message
	replies []Reply
}

func newCluster(t *testing.T, c Config) *cluster {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	cl := &cluster{t: t, c: c, nodes: map[NodeID]*Node{}, stored: map[NodeID]Durable{}}
	for _, id := range c.Nodes() {
		n, err := NewNode(&c, id)
		if err != nil {
			t.Fatal(err)
		}
		cl.nodes[id] = &n
	}
	return cl
}

func (cl *cluster) step(id NodeID, in Input) Effects {
	cl.t.Helper()
	n := cl.nodes[id]
	before := *n
	e, err := n.StepTo(&cl.c, in, n)
	if err != nil {
		cl.t.Fatalf("%s at %d: %v (state %+v)", in.Kind, id, err, before)
	}
	if e.Persist != nil {
		cl.stored[id] = *e.Persist
	}
	cl.net = append(cl.net, e.Send...)
	cl.replies = append(cl.replies, e.Replies...)
	return e
}

// run delivers every message in flight, in order, until none is left,
// and returns how many it delivered.
func (cl *cluster) run() int {
	k := 0
	for len(cl.net) > 0 {
		m := cl.net[0]
		cl.net = cl.net[1:]
		cl.step(m.To, Input{Kind: InDeliver, Msg: m})
		k++
	}
	return k
}

func put(client ClientID, seq uint32, k, v string) Command {
	return Command{Op: OpPut, Client: client, Seq: seq, Key: k, Val: v}
}

func get(client ClientID, seq uint32, k string) Command {
	return Command{Op: OpGet, Client: client, Seq: seq, Key: k}
}

// TestSteadyState: a leader's first command takes both phases; once it
// leads, the next command goes straight to phase 2 (no 1a), and each
// client is answered from the applied log.
func TestSteadyState(t *testing.T) {
	cl := newCluster(t, NewConfig(3, 1, 2))
	p := NodeID(3)
	if e := cl.step(p, Input{Kind: InRequest, Cmd: put(0, 1, "x", "1")}); e.Timer != TimerArm || len(e.Send) != 0 {
		t.Fatalf("a request at an idle proposer: %+v, want the timer armed and nothing sent", e)
	}
	cl.step(p, Input{Kind: InTimeout})
	if cl.nodes[p].Phase != Phase1 || len(cl.net) != 3 || cl.net[0].Type != Msg1a || cl.net[0].Slot != 1 {
		t.Fatalf("timeout: phase %s, sent %v", cl.nodes[p].Phase, cl.net)
	}
	cl.run()
	if len(cl.replies) != 1 || !cl.replies[0].OK || cl.nodes[p].Phase != Phase2 {
		t.Fatalf("after the first command: replies %+v, phase %s", cl.replies, cl.nodes[p].Phase)
	}
	e := cl.step(p, Input{Kind: InRequest, Cmd: get(1, 1, "x")})
	for _, m := range e.Send {
		if m.Type != Msg2a || m.Slot != 2 {
			t.Fatalf("a leader's second command sent %s, want 2a in slot 2 only", m)
		}
	}
	cl.run()
	if len(cl.replies) != 2 || cl.replies[1].Value != "1" || !cl.replies[1].Found {
		t.Fatalf("get after put: %+v", cl.replies)
	}
	r := cl.nodes[p].Rep
	if r.Next != 3 || len(r.Applied) != 2 || len(r.Known) != 0 {
		t.Fatalf("replica %+v, want slots 1 and 2 applied", r)
	}
	for a := NodeID(0); a < 3; a++ {
		if d := cl.stored[a]; len(d.Votes) != 2 || d.MaxBal != cl.nodes[p].Ballot() {
			t.Fatalf("acceptor %d stored %+v", a, d)
		}
	}
}

// TestNewLeaderAdoptsAndFillsHoles: a second proposer's phase 1 reports
// the first leader's votes; it adopts them in their slots, fills the hole
// below the highest with a no-op, and its own command goes after.
func TestNewLeaderAdoptsAndFillsHoles(t *testing.T) {
	cl := newCluster(t, NewConfig(3, 2, 3))
	p, q := NodeID(3), NodeID(4)
	for i, c := range []Command{put(0, 1, "a", "1"), put(1, 1, "b", "2"), put(2, 1, "c", "3")} {
		if i == 0 {
			cl.step(p, Input{Kind: InRequest, Cmd: c})
			cl.step(p, Input{Kind: InTimeout})
			cl.run()
			continue
		}
		cl.step(p, Input{Kind: InRequest, Cmd: c})
	}
	// Slots 2 and 3 are in flight; only slot 3's 2a reaches acceptor 0.
	var keep []Message
	for _, m := range cl.net {
		if m.Type == Msg2a && m.Slot == 3 && m.To == 0 {
			keep = append(keep, m)
		}
	}
	cl.net = keep
	cl.run()
	cl.net = nil // the 2b is lost
	cl.step(q, Input{Kind: InRequest, Cmd: put(3, 1, "d", "4")})
	cl.step(q, Input{Kind: InTimeout})
	cl.run()
	applied := cl.nodes[q].Rep.Applied
	want := []Command{put(0, 1, "a", "1"), put(2, 1, "c", "3"), put(3, 1, "d", "4")}
	if !slices.Equal(applied, want) {
		t.Fatalf("the new leader applied %v, want %v (slot 2 a no-op)", applied, want)
	}
	if cl.nodes[q].Rep.Next != 5 {
		t.Fatalf("next slot %d, want 5", cl.nodes[q].Rep.Next)
	}
}

// TestStepDown: a nack of a higher ballot deposes a leader.
func TestStepDown(t *testing.T) {
	c := NewConfig(3, 2, 1)
	cl := newCluster(t, c)
	p := NodeID(3)
	cl.step(p, Input{Kind: InRequest, Cmd: put(0, 1, "a", "1")})
	cl.step(p, Input{Kind: InTimeout})
	cl.run()
	cl.step(p, Input{Kind: InDeliver, Msg: Message{Type: MsgNack, From: 0, To: p, Bal: Ballot{Round: 5, Proposer: 1}}})
	if n := cl.nodes[p]; n.Phase != PhaseIdle || n.Seen.Round != 5 {
		t.Fatalf("after a nack of 5.1: phase %s, seen %s", n.Phase, n.Seen)
	}
	cl.step(p, Input{Kind: InRequest, Cmd: put(1, 1, "b", "2")})
	cl.step(p, Input{Kind: InTimeout})
	if b := cl.nodes[p].Ballot(); b.Round != 6 {
		t.Fatalf("next ballot %s, want round 6", b)
	}
}

// TestRetryAppliedOnce: a command chosen in two slots (its leader
// re-proposed it at a new ballot) takes effect once, and its client gets
// the first answer; under no-dedup it takes effect twice.
func TestRetryAppliedOnce(t *testing.T) {
	for _, bug := range []Bugs{0, Bugs(BugNoDedup)} {
		var kv KV
		c := Command{Op: OpCAS, Client: 1, Seq: 1, Key: "k", Old: "", Val: "v"}
		kv, r1, took1 := kv.Apply(c, !bug.Has(BugNoDedup))
		kv, r2, took2 := kv.Apply(c, !bug.Has(BugNoDedup))
		if !took1 || !r1.OK {
			t.Fatalf("first CAS: %+v, %v", r1, took1)
		}
		if bug == 0 && (took2 || r2 != r1) {
			t.Fatalf("a retry took effect (%v) or got %+v, want %+v", took2, r2, r1)
		}
		if bug != 0 && (!took2 || r2.OK) {
			t.Fatalf("under no-dedup the retry should take effect and fail its CAS: %+v, %v", r2, took2)
		}
		if v, _ := kv.Get("k"); v != "v" {
			t.Fatalf("k = %q", v)
		}
	}
}

// TestKVDoesNotWriteInPlace: Apply leaves the state it was given alone.
func TestKVDoesNotWriteInPlace(t *testing.T) {
	var kv KV
	kv, _, _ = kv.Apply(put(0, 1, "b", "1"), true)
	kv, _, _ = kv.Apply(put(1, 1, "a", "1"), true)
	before := KV{Pairs: slices.Clone(kv.Pairs), Sessions: slices.Clone(kv.Sessions)}
	kv.Apply(put(0, 2, "a", "2"), true)
	kv.Apply(put(2, 1, "c", "3"), true)
	if !slices.Equal(kv.Pairs, before.Pairs) || !slices.Equal(kv.Sessions, before.Sessions) {
		t.Fatalf("Apply wrote into its receiver: %+v, was %+v", kv, before)
	}
}

func TestConfigErrors(t *testing.T) {
	ok := NewConfig(3, 2, 1)
	cases := []struct {
		name string
		edit func(c *Config)
	}{
		{"no acceptors", func(c *Config) { c.Acceptors = nil }},
		{"no proposers", func(c *Config) { c.Proposers = nil }},
		{"pipeline 0", func(c *Config) { c.Pipeline = 0 }},
		{"pipeline negative", func(c *Config) { c.Pipeline = -3 }},
		{"duplicate id", func(c *Config) { c.Proposers = []NodeID{0} }},
		{"unknown bug", func(c *Config) { c.Bugs = 1 << 14 }},
		{"too many acceptors", func(c *Config) {
			c.Acceptors = nil
			for i := 0; i <= MaxAcceptors; i++ {
				c.Acceptors = append(c.Acceptors, NodeID(100+i))
			}
		}},
	}
	for _, tc := range cases {
		c := ok
		c.Acceptors, c.Proposers = slices.Clone(ok.Acceptors), slices.Clone(ok.Proposers)
		tc.edit(&c)
		if err := c.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: Validate = %v, want ErrConfig", tc.name, err)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := NewNode(&ok, 99); !errors.Is(err, ErrConfig) {
		t.Errorf("NewNode of an unknown id: %v", err)
	}
	for _, b := range Catalogue() {
		if got, err := ParseBug(b.String()); err != nil || got != b || b.Doc() == "" {
			t.Errorf("bug %s: ParseBug = %v, %v; doc %q", b, got, err, b.Doc())
		}
	}
	if _, err := ParseBug("nope"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseBug(nope) = %v", err)
	}
}

// TestMalformedRefused: messages no node sends are not taken.
func TestMalformedRefused(t *testing.T) {
	c := NewConfig(3, 1, 1)
	acc, _ := NewNode(&c, 0)
	prop, _ := NewNode(&c, 3)
	b := Ballot{Round: 1}
	bad := []struct {
		n *Node
		m Message
	}{
		{&acc, Message{Type: Msg1a, From: 3, To: 0, Slot: 1}},                                                                                     // no ballot
		{&acc, Message{Type: Msg1a, From: 3, To: 0, Bal: b}},                                                                                      // no slot
		{&acc, Message{Type: Msg2a, From: 3, To: 0, Bal: b, Slot: 1}},                                                                             // no command
		{&acc, Message{Type: Msg2a, From: 1, To: 0, Bal: b, Slot: 1, Cmd: Noop}},                                                                  // from an acceptor
		{&acc, Message{Type: Msg2a, From: 3, To: 0, Bal: b, Slot: 1, Cmd: Command{Op: OpGet}}},                                                    // no key, no seq
		{&prop, Message{Type: Msg1b, From: 0, To: 3, Bal: b, Slot: 1, Votes: "\x05"}},                                                             // votes do not parse
		{&prop, Message{Type: Msg2b, From: 3, To: 3, Bal: b, Slot: 1, Cmd: Noop}},                                                                 // from a proposer
		{&prop, Message{Type: MsgDecided, From: 0, To: 3, Slot: 1, Cmd: Noop}},                                                                    // from an acceptor
		{&prop, Message{Type: Msg1b, From: 0, To: 3, Bal: b, Slot: 2, Votes: MakeVoteList([]SlotVote{{Slot: 1, Vote: Vote{Bal: b, Cmd: Noop}}})}}, // vote below the slot
	}
	for i, tc := range bad {
		if tc.n.Enabled(&c, Input{Kind: InDeliver, Msg: tc.m}) {
			t.Errorf("case %d: %s %s accepted", i, tc.m, tc.m.Route())
		}
		if _, _, err := tc.n.Step(&c, Input{Kind: InDeliver, Msg: tc.m}); !errors.Is(err, ErrInput) {
			t.Errorf("case %d: Step = %v, want ErrInput", i, err)
		}
	}
	if prop.Enabled(&c, Input{Kind: InRequest, Cmd: Noop}) {
		t.Error("a client's no-op was taken")
	}
}

// TestEncodeRoundTrip: every field of a busy node survives the layout,
// and cut-short bytes are refused.
func TestEncodeRoundTrip(t *testing.T) {
	cl := newCluster(t, NewConfig(3, 2, 2))
	cl.step(3, Input{Kind: InRequest, Cmd: put(0, 1, "a", "1")})
	cl.step(3, Input{Kind: InTimeout})
	cl.run()
	cl.step(3, Input{Kind: InRequest, Cmd: Command{Op: OpCAS, Client: 1, Seq: 1, Key: "a", Old: "1", Val: "2"}})
	cl.step(4, Input{Kind: InRequest, Cmd: get(2, 1, "a")})
	cl.step(4, Input{Kind: InTimeout})
	for _, id := range []NodeID{0, 3, 4} {
		n := cl.nodes[id]
		enc := n.AppendState(nil)
		back := Node{ID: n.ID, Role: n.Role, Index: n.Index}
		d := Decoder{B: enc}
		d.State(&back)
		if d.Err != nil || len(d.B) != 0 {
			t.Fatalf("node %d: decode: %v, %d bytes left", id, d.Err, len(d.B))
		}
		if string(back.AppendState(nil)) != string(enc) {
			t.Fatalf("node %d: decoded state encodes differently", id)
		}
		for cut := 0; cut < len(enc); cut++ {
			x := Node{ID: n.ID}
			d := Decoder{B: enc[:cut]}
			d.State(&x)
			if d.Err == nil {
				t.Fatalf("node %d: %d of %d bytes decoded without error", id, cut, len(enc))
			}
		}
	}
	for _, m := range cl.net {
		d := Decoder{B: m.AppendBinary(nil)}
		if got := d.Message(); d.Err != nil || got != m {
			t.Fatalf("message %s: got %s, %v", m, got, d.Err)
		}
	}
	dur := cl.stored[0]
	if back, err := DecodeDurable(EncodeDurable(dur, nil)); err != nil || !slices.Equal(back.Votes, dur.Votes) || back.MaxBal != dur.MaxBal {
		t.Fatalf("durable round trip: %+v, %v; want %+v", back, err, dur)
	}
}

// TestCommandEncoding: AppendBinary's one-byte fast path writes what the
// varint layout writes, and long strings and sequence numbers (the varint
// path) decode back.
func TestCommandEncoding(t *testing.T) {
	long := strings.Repeat("k", 200)
	for _, c := range []Command{
		{Op: OpNoop},
		put(0, 1, "a", "1"),
		{Op: OpCAS, Client: 3, Seq: 127, Key: "a", Old: "1", Val: strings.Repeat("v", 127)},
		{Op: OpPut, Client: 1, Seq: 128, Key: "a", Val: "1"},
		{Op: OpCAS, Client: 2, Seq: 1, Key: long, Old: "x", Val: long + long},
	} {
		enc := c.AppendBinary([]byte{9})
		if want := c.appendVarints([]byte{9}); string(enc) != string(want) {
			t.Fatalf("%s: AppendBinary % x, varint layout % x", c, enc, want)
		}
		d := Decoder{B: enc[1:]}
		if got := d.Command(); d.Err != nil || len(d.B) != 0 || got != c {
			t.Fatalf("%s: decoded %s, %v, %d bytes left", c, got, d.Err, len(d.B))
		}
	}
}
