package paxosexplore

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/cespare/xxhash/v2"
	"github.com/paxoscheck/paxoscheck/checker/explore"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// Fingerprints.
//
// A state's fingerprint is built from columns, one per acceptor, and a
// rest. Acceptor a's column holds everything that names a: its node and
// stored state, every message (Net and Sent) from or to a with a's id left
// out, each proposer's Promised bit for a and each learner's recorded vote
// of a. The rest holds the other nodes' states (without those bits and
// votes), the messages that name no acceptor and the counters. Inside a
// column and inside the rest the parts are 64-bit mixes added together
// (so a set or multiset of messages hashes the same in any order, and one
// part can be taken out and another put in by subtraction and addition);
// each column sum and the rest sum is mixed once more, and the fingerprint
// is
//
//	mix(rest) + Σ_a mix(column_a)         with acceptor symmetry,
//	mix(rest) + Σ_a mix(column_a ⊕ a)     without.
//
// With symmetry the sum over columns does not depend on their order, so a
// state and its image under any permutation of acceptors get one
// fingerprint; and two states with one fingerprint (barring a collision)
// have the same rest and the same columns up to some permutation, that is,
// one is the other's image: exactly one state per orbit is stored, with no
// permutation ever enumerated. The outer mix on each column keeps the parts
// of different columns from trading places.
//
// Nodes are hashed in their canonical state (canonical, hints.go), and
// dead messages (deadMsg) are left out: the dead-state reduction.
//
// The search expands a state (load computes and keeps its parts) into many
// successors, most of them already stored. An action changes one node, adds
// messages, maybe takes one out, and changes the counters, so child works
// out the successor's fingerprint from the kept parts and a world.Change
// without building the successor: the node's parts are swapped, the
// messages to that node are re-examined (whether one is left out depends
// on its addressee only), the new messages are added. A crash changes the fault budget, which every
// node's canonical form and every message's deadness read: that successor
// is built and hashed whole. A test checks child against the whole hash on
// every successor of the searches it runs.
//
// DESIGN.md has fingerprints hash a canonical byte string of the state.
// Here each node is still hashed from its canonical bytes (impl/paxos's
// encoding, as the frontier holds it), but the global state is
// the sum above rather than one string: that is what makes symmetry free
// and a successor's fingerprint cheap. It is as exact: equal sums mean
// equal parts, barring a 64-bit collision.

// maxCols is the most acceptors a configuration has.
const maxCols = paxos.MaxAcceptors

// parts are the sums a fingerprint is built from.
type parts struct {
	rest uint64
	col  [maxCols]uint64
}

func (p *parts) add(q *parts, n int) {
	p.rest += q.rest
	for i := 0; i < n; i++ {
		p.col[i] += q.col[i]
	}
}

func (p *parts) sub(q *parts, n int) {
	p.rest -= q.rest
	for i := 0; i < n; i++ {
		p.col[i] -= q.col[i]
	}
}

// put adds (sign 1) or takes out (sign -1) h in column col (-1: the rest).
func (p *parts) put(col int, h uint64, sign uint64) {
	if col < 0 {
		p.rest += sign * h
	} else {
		p.col[col] += sign * h
	}
}

// Salts keep parts of different kinds apart.
const (
	saltRest    = 0x9e3779b97f4a7c15
	saltCol     = 0xc2b2ae3d27d4eb4f
	saltPos     = 0x165667b19e3779f9
	saltNet     = 0x27d4eb2f165667c5
	saltSent    = 0x85ebca77c2b2ae63
	saltAcc     = 0xff51afd7ed558ccd
	saltNode    = 0xc4ceb9fe1a85ec53
	saltProm    = 0x94d049bb133111eb
	saltVote    = 0xbf58476d1ce4e5b9
	saltCounter = 0xd6e8feb86659fd93
	saltValue   = 0x9fb21c651e98df25
	saltStutter = 0x2545f4914f6cdd1d
)

// noAcc stands for the acceptor's id in a message hashed into its column.
const noAcc = 0xff

// msgPart is one Net message's part of the base state.
type msgPart struct {
	h    uint64
	col  int8
	live bool
}

// fingerprinter hashes states. A worker owns one; the codec is shared,
// read-only.
type fingerprinter struct {
	c    *codec
	h    hints // the reduction hints in force (hints.go), symmetry included
	buf  []byte
	vbuf []byte // a vote's encoding (nodeParts)
	// cross is set when a message between two acceptors was hashed: the
	// acceptor symmetry cannot rename it (impl/paxos sends none).
	cross *paxos.Message

	// The base: the parts of the state being expanded (load).
	st    *world.State
	base  parts
	nodes []parts       // each node's parts
	canon []*paxos.Node // each node's canonical state (canonicalRef, hints.go)
	cbuf  []paxos.Node  // where canon's copies are kept
	ckBuf paxos.Node    // the stepped node's canonical copy (child)
	mc    []bool        // whether each node may still crash
	keys  []uint64      // each node's class key (certify.go)
	net   []msgPart     // each Net message's part
	byTo  [][]int32     // Net indices by addressee node index
	cnt   uint64        // the counters' part
	tmp   parts
	whole *fingerprinter // for fingerprint
}

func (f *fingerprinter) sym() bool { return f.h&hintSymmetry != 0 }

// fingerprint hashes st whole; the base is left alone (another
// fingerprinter, kept for the purpose, loads st).
func (f *fingerprinter) fingerprint(st *world.State) uint64 {
	if f.whole == nil {
		f.whole = &fingerprinter{c: f.c, h: f.h}
	}
	fp := f.whole.load(st)
	if f.whole.cross != nil {
		f.cross = f.whole.cross
	}
	return fp
}

// load makes st the base and returns its fingerprint (equal to
// fingerprint(st)).
func (f *fingerprinter) load(st *world.State) uint64 {
	f.st = st
	n := f.c.numAcc
	p := &f.base
	*p = parts{}
	k := len(st.Nodes)
	f.nodes = slices.Grow(f.nodes[:0], k)[:k]
	f.canon = slices.Grow(f.canon[:0], k)[:k]
	f.cbuf = slices.Grow(f.cbuf[:0], k)[:k]
	f.mc = slices.Grow(f.mc[:0], k)[:k]
	f.keys = slices.Grow(f.keys[:0], k)[:k]
	for i := range st.Nodes {
		f.mc[i] = canCrashAfter(f.c.setup, st.Used.Crashes, &st.Nodes[i])
		f.canon[i] = canonicalRef(f.h, &st.Nodes[i], f.mc[i], &f.cbuf[i])
		f.nodeParts(i, f.canon[i], &st.Stored[i], st.Timers&(1<<uint(i)) != 0, &f.nodes[i])
		f.keys[i] = partsKey(&f.nodes[i], n, f.mc[i])
		p.add(&f.nodes[i], n)
	}
	if len(f.byTo) < len(st.Nodes) {
		f.byTo = make([][]int32, len(st.Nodes))
	}
	for i := range f.byTo {
		f.byTo[i] = f.byTo[i][:0]
	}
	f.net = f.net[:0]
	for i := range st.Net {
		m := &st.Net[i]
		col, h := f.msgHash(m, saltNet)
		live := !f.dead(m, -1, nil)
		f.net = append(f.net, msgPart{h: h, col: int8(col), live: live})
		if live {
			p.put(col, h, 1)
		}
		if k := f.c.nodeIdx[m.To]; k >= 0 {
			f.byTo[k] = append(f.byTo[k], int32(i))
		}
	}
	f.addSent(p, st.Sent)
	f.cnt = counterHash(st.Invoked, st.Returned, st.Learned, st.Used)
	p.rest += f.cnt
	return f.final(p)
}

// child returns the fingerprint of the state that ch (worked out by Peek on
// the base) leads to. When it had to build that state to hash it, it
// leaves it in into and reports built.
func (f *fingerprinter) child(ch *world.Change, into *world.State) (fp uint64, built bool) {
	st := f.st
	if ch.Used.Crashes != st.Used.Crashes {
		// A crash changes which nodes may crash, which every node's
		// canonical state and every message's deadness read.
		explore.CopyState((*state)(into), (*state)(st))
		into.Commit(f.c.setup, ch)
		return f.fingerprint(into), true
	}
	n := f.c.numAcc
	p := f.base
	k := ch.Index
	var ck *paxos.Node // node k's new canonical state
	if k >= 0 {
		p.sub(&f.nodes[k], n)
		stored := &st.Stored[k]
		if ch.Persist != nil {
			stored = ch.Persist
		}
		ck = canonicalRef(f.h, &ch.Node, f.mc[k], &f.ckBuf)
		f.nodeParts(k, ck, stored, ch.Timers&(1<<uint(k)) != 0, &f.tmp)
		p.add(&f.tmp, n)
		if f.h&msgHints != 0 {
			for _, i := range f.byTo[k] {
				mp := &f.net[i]
				if live := !f.dead(&st.Net[i], k, ck); live != mp.live {
					sign := uint64(1)
					if mp.live {
						sign = ^uint64(0)
					}
					p.put(int(mp.col), mp.h, sign)
				}
			}
		}
	}
	if ch.Take >= 0 {
		// The message taken is addressed to node k (a delivery) or to a
		// node that did not step (a drop): its deadness was
		// re-examined above, or is as loaded.
		mp := &f.net[ch.Take]
		live := mp.live
		if k >= 0 && f.h&msgHints != 0 {
			live = !f.dead(&st.Net[ch.Take], k, ck)
		}
		if live {
			p.put(int(mp.col), mp.h, ^uint64(0))
		}
	}
	if ch.Copy && !f.dead(&ch.Action.Msg, -1, nil) {
		col, h := f.msgHash(&ch.Action.Msg, saltNet)
		p.put(col, h, 1)
	}
	set := f.c.setup.SetNetwork
	for j := range ch.Send {
		m := &ch.Send[j]
		if !ch.Lost && !(set && (has(st.Net, m) || slices.Contains(ch.Send[:j], *m))) && !f.dead(m, k, ck) {
			col, h := f.msgHash(m, saltNet)
			p.put(col, h, 1)
		}
		if s, ok := world.SentForm(*m); ok {
			if !has(st.Sent, &s) && !sentEarlier(ch.Send[:j], &s) {
				col, h := f.msgHash(&s, saltSent)
				p.put(col, h, 1)
			}
		}
	}
	p.rest += counterHash(ch.Invoked, ch.Returned, ch.Learned, ch.Used) - f.cnt
	return f.final(&p), false
}

// has reports whether the sorted list ms holds m.
func has(ms []paxos.Message, m *paxos.Message) bool {
	_, found := slices.BinarySearchFunc(ms, *m, paxos.Message.Compare)
	return found
}

// sentEarlier reports whether ms holds a message recorded in Sent as s
// (world.SentForm) before it, so that Sent gets it once.
func sentEarlier(ms []paxos.Message, s *paxos.Message) bool {
	for i := range ms {
		if f, ok := world.SentForm(ms[i]); ok && f == *s {
			return true
		}
	}
	return false
}

func (f *fingerprinter) addSent(p *parts, sent []paxos.Message) {
	for i := range sent {
		col, h := f.msgHash(&sent[i], saltSent)
		p.put(col, h, 1)
	}
}

// dead reports whether m is a dead message (hints.go, deadMsg) of the
// base, with node k in canonical state ck instead of its state in the base
// (k -1: the base as it is).
func (f *fingerprinter) dead(m *paxos.Message, k int, ck *paxos.Node) bool {
	if f.h&msgHints == 0 {
		return false
	}
	i := int(f.c.nodeIdx[m.To])
	if i < 0 {
		return false
	}
	cn := f.canon[i]
	if i == k {
		cn = ck
	}
	return deadMsg(f.h, cn, m, f.mc[i], &f.c.accIdx)
}

// final mixes the sums into the fingerprint.
func (f *fingerprinter) final(p *parts) uint64 {
	fp := mix64(p.rest ^ saltRest)
	for a := 0; a < f.c.numAcc; a++ {
		x := p.col[a] ^ saltCol
		if !f.sym() {
			x += uint64(a+1) * saltPos
		}
		fp += mix64(x)
	}
	return fp
}

// partsKey is a key of one node's parts, with whether it may crash: equal
// for two local states of a node exactly when they are merged (certify.go
// records inputs by it).
func partsKey(p *parts, n int, mc bool) uint64 {
	x := mix64(p.rest ^ saltNode)
	for a := 0; a < n; a++ {
		x += mix64(p.col[a] + uint64(a+1)*saltPos)
	}
	if mc {
		x = mix64(x ^ saltCounter)
	}
	return x
}

// nodeParts computes node i's parts (its canonical state cn, stored state
// d, whether its timer is armed) into out. The bytes hashed are impl/paxos's
// encoding (paxos/encode.go); which fields belong to acceptors' columns is
// paxos.Node.AcceptorIndexed's to say.
func (f *fingerprinter) nodeParts(i int, cn *paxos.Node, d *paxos.Durable, timer bool, out *parts) {
	c := f.c
	*out = parts{}
	b := append(f.buf[:0], boolByte(timer))
	if i < c.numAcc {
		// An acceptor's part is the same at any index (its column is
		// where it is). Its state is hashed whole; what it might hold of
		// other acceptors (AcceptorIndexed) would then not move with them
		// under the symmetry, so the certifier refutes the symmetry hint
		// for any acceptor that holds such state (checkCanonSymmetry).
		b = cn.AppendState(b)
		b = d.AppendBinary(b)
		f.buf = b
		out.col[i] = mix64(xxhash.Sum64(b) ^ saltAcc)
		return
	}
	// The other nodes' parts name their index; what they hold of acceptor
	// a goes to column a, so that it moves with a under the symmetry.
	b = append(b, byte(i))
	b = cn.AppendUnindexed(b)
	b = d.AppendBinary(b)
	promised, votes := cn.AcceptorIndexed()
	for a, m := 0, promised; m != 0; a, m = a+1, m>>1 {
		if m&1 != 0 && a < c.numAcc {
			out.col[a] += mix64(uint64(i)<<8 ^ saltProm)
		}
	}
	for a := range votes {
		v := &votes[a]
		if v.IsZero() {
			continue
		}
		vb := v.AppendBinary(f.vbuf[:0])
		f.vbuf = vb
		if a < c.numAcc {
			out.col[a] += mix64(mix64(xxhash.Sum64(vb)^saltVote) + uint64(i))
		} else {
			// No acceptor a: the code under test wrote past them. Keep
			// it, in the node's own part.
			b = append(append(b, byte(a)), vb...)
		}
	}
	if extra := promised >> uint(c.numAcc); extra != 0 {
		b = binary.AppendUvarint(b, extra)
	}
	f.buf = b
	out.rest = mix64(xxhash.Sum64(b) ^ saltNode)
}

// msgHash returns the column of m (the acceptor it names, or -1) and its
// hash there, salted by where it is (Net or Sent).
func (f *fingerprinter) msgHash(m *paxos.Message, salt uint64) (int, uint64) {
	c := f.c
	from, to := uint64(m.From), uint64(m.To)
	col := -1
	if a := c.accIdx[m.From]; a >= 0 {
		col, from = int(a), noAcc
	}
	if a := c.accIdx[m.To]; a >= 0 && salt == saltNet {
		if col < 0 {
			col, to = int(a), noAcc
		} else {
			// From's column, To's id as it is: exact without symmetry,
			// which is off or refused (crossErr) for such a message.
			f.cross = m
		}
	}
	val, extra := uint64(0), uint64(0)
	if m.Val != paxos.None {
		val = c.valueNumber(m.Val)
		extra = valueExtra(m.Val, val)
	}
	x := uint64(m.Type) | from<<8 | to<<16 | uint64(m.Bal.Proposer)<<24 |
		uint64(m.VBal.Proposer)<<32 | val<<40
	y := uint64(m.Bal.Round) | uint64(m.VBal.Round)<<32
	return col, mix64(x ^ mix64(y^salt^extra))
}

// counterHash is the counters' part. (The armed timers are not among
// them: each node's timer is part of that node's parts, so that under the
// acceptor symmetry it moves with its node.)
func counterHash(invoked, returned graph.Clients, learned uint64, used world.Budget) uint64 {
	u := uint64(used.Drops) | uint64(used.Dups)<<21 | uint64(used.Crashes)<<42
	return mix64(foldClients(invoked) ^ mix64(foldClients(returned)^mix64(learned^mix64(u^saltCounter))))
}

// foldClients is a set of clients as one word: the first 64 as they are
// (so that a graph of at most 64 clients hashes as it always has), the
// others mixed in.
func foldClients(c graph.Clients) uint64 {
	h := c[0]
	for i, w := range c[1:] {
		if w != 0 {
			h ^= mix64(w ^ uint64(i+1)*saltCounter)
		}
	}
	return h
}

// valueNumber is a small number for a value: its client's index + 1, or
// otherValue for a value no client proposed (which only code under test
// that makes values up can hold). Such a value is hashed whole as well
// (valueExtra), so that two of them are never taken for one.
func (c *codec) valueNumber(v paxos.Value) uint64 {
	for i, x := range c.values {
		if x == v {
			return uint64(i + 1)
		}
	}
	return otherValue
}

// otherValue is valueNumber's number for the values of no client.
const otherValue = 1<<16 - 1

// valueExtra is what a hash adds for value v beyond its valueNumber n: 0
// for a client's value, else a hash of all of v.
func valueExtra(v paxos.Value, n uint64) uint64 {
	if n != otherValue {
		return 0
	}
	return mix64(xxhash.Sum64String(string(v)) ^ saltValue)
}

func mix64(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// crossErr is the error for a message symmetry cannot rename.
func crossErr(m *paxos.Message) error {
	return fmt.Errorf("%w: message %s from acceptor %d to acceptor %d: the acceptor symmetry cannot rename it; run without symmetry", ErrOptions, m, m.From, m.To)
}
