package paxos

import (
	"errors"
	"math/rand/v2"
	"testing"
)

// randomNode fills every field of a node, whatever its role, with small
// random values, many of them zero: the encoding must tell apart states
// the correct code never produces (a proposer with a vote, an acceptor
// with clients), since the code under test may produce them.
func randomNode(r *rand.Rand) Node {
	val := func() Value { return [...]Value{None, "x", "y", "a much longer value"}[r.IntN(4)] }
	bal := func() Ballot {
		if r.IntN(3) == 0 {
			return Ballot{}
		}
		return Ballot{Round: uint32(r.IntN(3)), Proposer: uint8(r.IntN(3))}
	}
	small := func() uint64 { return uint64(r.IntN(3)) * uint64(1+r.IntN(1<<20)) }
	n := Node{ID: NodeID(r.IntN(256)), Role: Role(r.IntN(3)), Index: uint8(r.IntN(16)), Crashed: r.IntN(2) == 0,
		Mem:   Durable{MaxBal: bal(), MaxVBal: bal(), MaxVal: val(), Round: uint32(small())},
		Phase: Phase(r.IntN(3)), Value: val(), Clients: small(), Promised: small(),
		HighVBal: bal(), HighVal: val(), LowVBal: bal(), LowVal: val(), Seen: bal(),
		Decided: val(), Proposal: val(), Learned: val()}
	for i := range n.Votes {
		if r.IntN(3) == 0 {
			n.Votes[i] = Vote{Bal: bal(), Val: val(), N: uint8(r.IntN(3))}
		}
	}
	return n
}

// TestEncodingRoundTrip: every node, durable state and message reads back
// as itself, all its bytes consumed; and distinct nodes encode apart.
func TestEncodingRoundTrip(t *testing.T) {
	const seed = 3
	r := rand.New(rand.NewPCG(seed, 0))
	seen := map[string]Node{}
	for i := 0; i < 20000; i++ {
		n := randomNode(r)
		b := n.AppendBinary(nil)
		d := Decoder{B: b, Intern: []Value{"x"}}
		got := d.Node()
		if d.Err != nil || len(d.B) != 0 || got != n {
			t.Fatalf("seed %d: %+v reads back as %+v (err %v, %d bytes left)", seed, n, got, d.Err, len(d.B))
		}
		if o, ok := seen[string(b)]; ok && o != n {
			t.Fatalf("seed %d: %+v and %+v encode alike", seed, o, n)
		}
		seen[string(b)] = n
		m := Message{Type: MsgType(r.IntN(6)), From: n.ID, To: NodeID(r.IntN(256)), Bal: n.Seen, VBal: n.HighVBal, Val: n.Value}
		d = Decoder{B: m.AppendBinary(n.Mem.AppendBinary(nil))}
		if dm, gm := d.Durable(), d.Message(); d.Err != nil || len(d.B) != 0 || dm != n.Mem || gm != m {
			t.Fatalf("seed %d: %+v, %+v read back as %+v, %+v (%v)", seed, n.Mem, m, dm, gm, d.Err)
		}
	}
}

// TestUnindexed: AppendUnindexed leaves out exactly what AcceptorIndexed
// names, and PermuteAcceptors moves exactly that.
func TestUnindexed(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 0))
	ids := []NodeID{10, 11, 12}
	fwd := []int{2, 0, 1}
	for i := 0; i < 2000; i++ {
		n := randomNode(r)
		n.Role = RoleLearner
		p := n
		p.PermuteAcceptors(fwd, ids)
		if string(p.AppendUnindexed(nil)) != string(n.AppendUnindexed(nil)) {
			t.Fatalf("a permutation changes the unindexed part of %+v", n)
		}
		prom, votes := n.AcceptorIndexed()
		pprom, pvotes := p.AcceptorIndexed()
		if prom>>uint(len(fwd)) != pprom>>uint(len(fwd)) {
			t.Fatalf("promise bits past the acceptors moved: %b -> %b", prom, pprom)
		}
		for a, f := range fwd {
			if (prom>>uint(a))&1 != (pprom>>uint(f))&1 || votes[a] != pvotes[f] {
				t.Fatalf("acceptor %d's entries did not move to %d: %+v -> %+v", a, f, n, p)
			}
		}
		q := n
		q.Promised, q.Votes = 0, [MaxAcceptors]Vote{}
		if string(q.AppendState(nil)) != string(n.AppendUnindexed(nil)) {
			t.Fatalf("AppendUnindexed of %+v is not AppendState without the indexed fields", n)
		}
	}
	a := Node{ID: 11, Role: RoleAcceptor, Index: 1}
	a.PermuteAcceptors(fwd, ids)
	if a.Index != 0 || a.ID != 10 {
		t.Fatalf("acceptor 1 under %v is index %d id %d, want 0 and 10", fwd, a.Index, a.ID)
	}
}

// TestDecoderErrors: bytes that no Append wrote are an error wrapping
// ErrDecode, never a panic or a silent zero.
func TestDecoderErrors(t *testing.T) {
	n := Node{ID: 3, Role: RoleProposer, Value: "x", Clients: 5, Votes: [MaxAcceptors]Vote{2: {Bal: Ballot{Round: 1}}}}
	good := n.AppendBinary(nil)
	for cut := 0; cut < len(good); cut++ {
		d := Decoder{B: good[:cut]}
		d.Node()
		if !errors.Is(d.Err, ErrDecode) {
			t.Fatalf("cut at %d of %d bytes: err %v", cut, len(good), d.Err)
		}
	}
	for name, b := range map[string][]byte{
		"unknown field":        {3, 1, 0, 0xff, 0xff, 0x7f},
		"votes past the array": append([]byte{3, 2, 0}, append(appendUvarint(fVotes), 0xff, 0xff, 0x7f)...),
		"round past 32 bits":   {0xff, 0xff, 0xff, 0xff, 0x7f, 0},
	} {
		d := Decoder{B: b}
		if name == "round past 32 bits" {
			d.Ballot()
		} else {
			d.Node()
		}
		if !errors.Is(d.Err, ErrDecode) {
			t.Errorf("%s: err %v", name, d.Err)
		}
	}
}

func appendUvarint(x uint64) []byte {
	var b []byte
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}
