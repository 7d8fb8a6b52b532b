package paxosexplore

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/checker/paxos/invariant"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// The certifier: the reductions proved against the code, in the same run.
//
// The reductions merge states and leave actions unexplored on the strength
// of hints (hints.go) about what impl/paxos reads, and on the acceptors
// being interchangeable. The certifier proves, while the search runs, that
// the code under test behaves as the hints say in every node state the
// full (unreduced) graph can hold; a hint it cannot prove is refuted, and
// the search starts again without it. No hint is ever believed.
//
// It works on single nodes. A node's local state is its state, its stable
// storage, whether its timer is armed and whether it may still crash (the
// fault budget and Setup.Crashable decide). Its class is the same with the node's canonical
// state (canonical, hints.go) in place of its state: states of one class
// are merged by the fingerprint. The certifier keeps, per class, the local
// states seen in it (its variants, the first one its reference) and the
// inputs (world actions on that node) that some explored state offered it,
// and closes these sets: every variant is stepped, through the real code
// (world.Setup.StepNode), with every input of its class, and what it
// steps to is a variant of its class in turn. For each such step it
// checks:
//
//   - merging: the step does what the reference's does (the same error,
//     durable write, messages, learned value and replies, and a state of
//     the same class), and a variant looks to the world and the
//     invariants as the reference does (Crashed, the timeout the world
//     allows by the round bound, which requests and which messages sent
//     to its node it takes, invariant.ViewOf);
//   - dead messages: every message sent in a certified step is an input
//     of each class of its addressee whose deadMsg calls it dead; there
//     its delivery must change nothing (no effect, the same class), and
//     every step out of that class, and the environment's (another node's
//     crash spending the budget), must lead to a class where it is dead
//     again (through a crash, the class its restart comes back in);
//   - crashes that are skipped (hintStutter): for every variant of a
//     class where the search skipped one, crash then restart gives back
//     exactly the variant, with the same invariant view while down;
//   - symmetry (hintSymmetry): the step of the permuted variant on the
//     permuted input is the permuted step, for every permutation of
//     acceptors; canonical, deadMsg and the world's view commute with the
//     permutations too.
//
// Why this covers the full graph. Call a full-graph state f and an
// explored state e related when some permutation π of acceptors maps f to
// a state with e's fingerprint, every node of f is π of a variant
// registered by the certifier, and their networks differ only in messages
// deadMsg calls dead. The initial state is related to itself. Let f be
// related to e and f --a--> f'. The node a acts on is π of a variant v of
// the class of the matching node of e (its class is e's, since the
// fingerprints agree); its input, unless it delivers a dead message, is
// offered at e too (e has f's live messages and the same counters, and
// the variants of a class are crashed alike, arm the same timers, pass
// the round bound alike and take the same requests and messages), so e
// recorded it for the
// class, and the step (v, input) is certified: by symmetry and merging, f'
// is related to e's successor on that input, whose state is a registered
// variant (the certifier stepped v). A delivery of a dead
// message, at any variant, is certified to change nothing but the network,
// and a dead message stays dead; a skipped crash maps to a pause (dead.go).
// A step of another node leaves this node's local state alone but may
// spend the crash budget: the variant with "may crash" cleared is
// registered too. By induction every reachable state of the full graph is
// related to an explored one, and related states have the same invariant
// verdicts (they agree on every node's view, on Sent and on the counters).
//
// The closure is computed at the end of every breadth-first level (and
// every few thousand states of a depth-first search), before a verdict is
// given: the inputs recorded up to depth d certify every full-graph path
// of length up to d+1. Its size is that of the nodes' local state spaces,
// a few thousand steps where the global graph has millions of states.

// local is one node's local state: the node, its stable storage, and
// whether it may still crash.
type local struct {
	n  paxos.Node
	d  paxos.Durable
	mc bool
	t  bool // its timer is armed (world.State.Timers)
}

// certRecord is what a worker hands the certifier: a local state of an
// explored state and an input offered to it there (or, with stutter, a
// skipped crash).
type certRecord struct {
	key     uint64
	vkey    uint64 // the local state's own key, for a deterministic order
	l       local
	a       world.Action
	stutter bool
}

// stepOut is the outcome of one certified step.
type stepOut struct {
	err  bool
	r    world.NodeStep
	next local // the local state stepped to (mc as the variant's)
}

type certClass struct {
	key    uint64
	node   int
	canon  paxos.Node
	d      paxos.Durable
	mc     bool
	vars   []local
	inputs []world.Action
	inSet  map[uint64]struct{}
	refOut []*stepOut // the reference's outcome per input (nil: not yet)
	done   map[uint64]struct{}
	// dead are the messages deadMsg calls dead here; succ the classes a
	// step out of this class (or the environment) leads to, through a
	// crash the class its restart comes back in.
	dead    []paxos.Message
	deadSet map[paxos.Message]struct{}
	succ    []*certClass
	succSet map[*certClass]struct{}
	stutter bool
}

type certTask struct {
	c    *certClass
	v, i int // a new variant (i < 0) or a new input (v < 0)
}

// certifier is the closure described above. It is single-threaded: the
// search feeds it at level ends.
type certifier struct {
	setup *world.Setup
	c     *codec
	h     hints
	perms []perm // the non-identity permutations, with hintSymmetry
	// classes by key; byNode lists each node's classes in creation order.
	classes map[uint64]*certClass
	byNode  [][]*certClass
	vars    map[uint64]struct{}
	// msgs are the messages sent to each node in certified steps.
	msgs    [][]paxos.Message
	msgSet  map[paxos.Message]struct{}
	tasks   []certTask
	steps   int64
	maxVars int
	// stop, when set, ends the closure early (the search was stopped:
	// a memory limit); its verdict is then no verdict.
	stop    *atomic.Bool
	stopped bool
	refuted *Refutation
	// mayFlip: some node can crash, so another node's "may crash" can
	// become false while it stands still.
	mayFlip bool
	buf     []byte
}

func newCertifier(s *world.Setup, c *codec, h hints) *certifier {
	ce := &certifier{setup: s, c: c, h: h, classes: map[uint64]*certClass{}, vars: map[uint64]struct{}{},
		msgSet: map[paxos.Message]struct{}{}}
	ce.byNode = make([][]*certClass, c.numNodes)
	ce.msgs = make([][]paxos.Message, c.numNodes)
	if h&hintSymmetry != 0 {
		ce.perms = allPerms(c.numAcc)[1:]
	}
	ce.mayFlip = s.Budget.Crashes > 0
	return ce
}

// add feeds the records of one level (in a deterministic order) and
// closes the sets; it returns the first refutation, or nil.
func (ce *certifier) add(recs []certRecord) *Refutation {
	for i := range recs {
		recs[i].vkey = ce.keyOf(&recs[i].l, false)
	}
	slices.SortFunc(recs, func(a, b certRecord) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.vkey, b.vkey)
	})
	for i := range recs {
		if ce.refuted != nil {
			break
		}
		r := &recs[i]
		c := ce.addVariant(r.l)
		if r.stutter {
			if !c.stutter {
				c.stutter = true
				for v := range c.vars {
					ce.checkStutter(c, v)
				}
			}
			continue
		}
		ce.addInput(c, r.a)
	}
	ce.run()
	if os.Getenv("PAXOSCHECK_CERT_STATS") != "" {
		fmt.Fprintf(os.Stderr, "certifier: %d classes, %d variants, max %d per class, %d steps\n", len(ce.classes), len(ce.vars), ce.maxVars, ce.steps)
	}
	return ce.refuted
}

func (ce *certifier) refute(h hints, format string, a ...any) {
	if ce.refuted == nil {
		ce.refuted = &Refutation{Hint: h.String(), Detail: fmt.Sprintf(format, a...), Mask: uint64(h)}
	}
}

// keyOf hashes a local state, or its class (canonical true).
func (ce *certifier) keyOf(l *local, canonical bool) uint64 {
	n := &l.n
	var cn paxos.Node
	if canonical {
		cn = canonicalOf(ce.h, l)
		n = &cn
	}
	b := n.AppendBinary(ce.buf[:0])
	b = l.d.AppendBinary(b)
	b = append(b, boolByte(l.mc)|boolByte(l.t)<<1)
	ce.buf = b
	return xxhash.Sum64(b)
}

func canonicalOf(h hints, l *local) paxos.Node { return canonical(h, &l.n, l.mc) }

// class returns the class of l, made if new.
func (ce *certifier) class(l *local) *certClass {
	k := ce.keyOf(l, true)
	if c, ok := ce.classes[k]; ok {
		return c
	}
	c := &certClass{key: k, node: int(ce.c.nodeIdx[l.n.ID]), canon: canonicalOf(ce.h, l), d: l.d, mc: l.mc,
		inSet: map[uint64]struct{}{}, done: map[uint64]struct{}{}, deadSet: map[paxos.Message]struct{}{},
		succSet: map[*certClass]struct{}{}}
	ce.classes[k] = c
	ce.byNode[c.node] = append(ce.byNode[c.node], c)
	for _, m := range ce.msgs[c.node] {
		ce.noteDead(c, m)
	}
	if !l.n.Crashed && l.mc {
		ce.addInput(c, world.Action{Kind: world.ActCrash, Node: l.n.ID})
	}
	if l.n.Crashed {
		ce.addInput(c, world.Action{Kind: world.ActRestart, Node: l.n.ID})
	}
	return c
}

// addVariant registers l and returns its class.
func (ce *certifier) addVariant(l local) *certClass {
	c := ce.class(&l)
	k := ce.keyOf(&l, false)
	if _, ok := ce.vars[k]; ok {
		return c
	}
	ce.vars[k] = struct{}{}
	if len(c.vars) >= maxVariants {
		// Certifying a class means stepping every variant of it: a class
		// that keeps growing cannot be certified, and the hints that
		// merge it are switched off (they are not refuted by the code,
		// only unproved; without them the states are told apart).
		ce.refute(ce.implicated(&l, &c.vars[0]), "%s is merged with %d other local states: too many to certify (at most %d)",
			ce.describe(&l), len(c.vars), maxVariants)
		return c
	}
	c.vars = append(c.vars, l)
	ce.maxVars = max(ce.maxVars, len(c.vars))
	v := len(c.vars) - 1
	if v > 0 {
		ce.checkLooks(c, v)
		for _, m := range ce.msgs[c.node] {
			ce.checkTakes(c, v, m)
		}
	}
	ce.tasks = append(ce.tasks, certTask{c: c, v: v, i: -1})
	if c.stutter {
		ce.checkStutter(c, v)
	}
	if ce.h&hintSymmetry != 0 {
		ce.checkCanonSymmetry(&l)
	}
	if l.mc && ce.mayFlip {
		// Another node's crash may spend the budget while l stands
		// still: l with "may crash" cleared is reachable too, and a
		// message dead here must stay dead there.
		t := l
		t.mc = false
		ce.addSucc(c, ce.addVariant(t))
	}
	return c
}

// addInput registers a as an input of c.
func (ce *certifier) addInput(c *certClass, a world.Action) {
	k := ce.c.actionKey(&a)
	if _, ok := c.inSet[k]; ok {
		return
	}
	c.inSet[k] = struct{}{}
	c.inputs = append(c.inputs, a)
	c.refOut = append(c.refOut, nil)
	ce.tasks = append(ce.tasks, certTask{c: c, v: -1, i: len(c.inputs) - 1})
}

// addMsg registers m, sent to node m.To, and its images under symmetry.
func (ce *certifier) addMsg(m paxos.Message) {
	if _, ok := ce.msgSet[m]; ok {
		return
	}
	j := int(ce.c.nodeIdx[m.To])
	if j < 0 {
		return
	}
	ce.msgSet[m] = struct{}{}
	ce.msgs[j] = append(ce.msgs[j], m)
	for _, c := range ce.byNode[j] {
		for v := 1; v < len(c.vars); v++ {
			ce.checkTakes(c, v, m)
		}
		ce.noteDead(c, m)
	}
	for i := range ce.perms {
		ce.addMsg(ce.c.permMsg(&ce.perms[i], m))
	}
}

// noteDead makes m an input of c if deadMsg calls it dead there, and
// checks that it is dead wherever c leads.
func (ce *certifier) noteDead(c *certClass, m paxos.Message) {
	if !deadMsg(ce.h, &c.canon, &m, c.mc, &ce.c.accIdx) {
		return
	}
	if _, ok := c.deadSet[m]; ok {
		return
	}
	c.deadSet[m] = struct{}{}
	c.dead = append(c.dead, m)
	ce.addInput(c, world.Action{Kind: world.ActDeliver, Node: m.To, Msg: m})
	for _, s := range c.succ {
		ce.checkStaysDead(c, s, m)
	}
}

// addSucc records that c leads to s.
func (ce *certifier) addSucc(c, s *certClass) {
	if _, ok := c.succSet[s]; ok {
		return
	}
	c.succSet[s] = struct{}{}
	c.succ = append(c.succ, s)
	for _, m := range c.dead {
		ce.checkStaysDead(c, s, m)
	}
}

func (ce *certifier) checkStaysDead(c, s *certClass, m paxos.Message) {
	if !deadMsg(ce.h, &s.canon, &m, s.mc, &ce.c.accIdx) {
		ce.refute(msgHint(m.Type), "%s is dead at %s but not after a step to %s", describeMsg(&m), ce.describe(&c.vars[0]), ce.describe(&s.vars[0]))
	}
}

// maxVariants bounds the local states of one class.
const maxVariants = 4096

// run works through the tasks.
func (ce *certifier) run() {
	for n := 0; len(ce.tasks) > 0 && ce.refuted == nil; n++ {
		if n&1023 == 0 && ce.stop != nil && ce.stop.Load() {
			ce.stopped = true
			return
		}
		t := ce.tasks[0]
		ce.tasks = ce.tasks[1:]
		c := t.c
		if t.i < 0 {
			for i := 0; i < len(c.inputs) && ce.refuted == nil; i++ {
				ce.pair(c, t.v, i)
			}
		} else {
			for v := 0; v < len(c.vars) && ce.refuted == nil; v++ {
				ce.pair(c, v, t.i)
			}
		}
	}
	if ce.refuted != nil {
		ce.tasks = ce.tasks[:0]
	}
}

// step runs input a on local state l through the real code.
func (ce *certifier) step(l *local, a world.Action) *stepOut {
	ce.steps++
	o := &stepOut{}
	err := ce.setup.StepNode(&l.n, &l.d, a, &o.next.n, &o.r)
	o.err = err != nil
	if err == nil {
		o.next.d, o.next.mc, o.next.t = l.d, l.mc, l.t
		if o.r.Persist != nil {
			o.next.d = *o.r.Persist
		}
		switch {
		case a.Kind == world.ActCrash || a.Kind == world.ActCrashMidStep:
			o.next.t = false // timers are volatile (world.State.Timers)
		case o.r.Effects.Timer == paxos.TimerArm:
			o.next.t = true
		case o.r.Effects.Timer == paxos.TimerCancel:
			o.next.t = false
		}
	}
	return o
}

// pair certifies the step of variant v of c on input i.
func (ce *certifier) pair(c *certClass, v, i int) {
	k := uint64(v)<<32 | uint64(i)
	if _, ok := c.done[k]; ok {
		return
	}
	c.done[k] = struct{}{}
	l, a := &c.vars[v], c.inputs[i]
	if c.refOut[i] == nil {
		c.refOut[i] = ce.step(&c.vars[0], a)
	}
	ref := c.refOut[i]
	o := ref
	if v > 0 {
		o = ce.step(l, a)
		if why := ce.differ(o, ref); why != "" {
			ce.refute(ce.implicated(l, &c.vars[0]), "%s and %s are merged, but on %s %s", ce.describe(l), ce.describe(&c.vars[0]), a, why)
			return
		}
	}
	if ce.h&hintSymmetry != 0 {
		ce.checkSymmetry(l, a, o)
	}
	if o.err {
		return
	}
	dead := a.Kind == world.ActDeliver && c.deadSetHas(a.Msg)
	if dead && !ce.noEffect(o, c) {
		ce.refute(msgHint(a.Msg.Type), "%s is called dead at %s, but its delivery %s", describeMsg(&a.Msg), ce.describe(l), ce.effectOf(o))
		return
	}
	if !o.r.Lost {
		for _, m := range o.r.Send {
			ce.addMsg(m)
		}
	}
	// A step keeps "may crash" (addVariant adds the variant without it
	// as well, which covers a crash that spent the budget).
	s := ce.addVariant(o.next)
	if o.next.n.Crashed {
		// A dead message must be dead again in what the node comes
		// back with.
		if up := ce.step(&o.next, world.Action{Kind: world.ActRestart, Node: o.next.n.ID}); !up.err {
			s = ce.addVariant(up.next)
		}
	}
	ce.addSucc(c, s)
}

func (c *certClass) deadSetHas(m paxos.Message) bool {
	_, ok := c.deadSet[m]
	return ok
}

// differ says how outcome o differs from the reference's, or "".
func (ce *certifier) differ(o, ref *stepOut) string {
	switch {
	case o.err != ref.err:
		return "one of them refuses the input"
	case o.err:
		return ""
	case !samePersist(o.r.Persist, ref.r.Persist):
		return "they write different durable state"
	case !slices.Equal(o.r.Send, ref.r.Send) || o.r.Lost != ref.r.Lost:
		return "they send different messages"
	case o.r.Effects.Learned != ref.r.Effects.Learned || !slices.Equal(o.r.Effects.Replies, ref.r.Effects.Replies):
		return "they learn or answer differently"
	case o.r.Effects.Timer != ref.r.Effects.Timer:
		return "they arm or cancel their timers differently"
	case ce.keyOf(&o.next, true) != ce.keyOf(&ref.next, true):
		return fmt.Sprintf("they step to states that are not merged (%s, %s)", ce.describe(&o.next), ce.describe(&ref.next))
	}
	return ""
}

func samePersist(a, b *paxos.Durable) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// noEffect reports whether o changes nothing the fingerprint holds of a
// node of class c: no effect, and a state of class c.
func (ce *certifier) noEffect(o *stepOut, c *certClass) bool {
	e := &o.r.Effects
	return (o.r.Persist == nil || *o.r.Persist == c.d) && len(o.r.Send) == 0 && e.Learned == paxos.None &&
		len(e.Replies) == 0 && e.Timer == paxos.TimerKeep && ce.keyOf(&o.next, true) == c.key
}

func (ce *certifier) effectOf(o *stepOut) string {
	e := &o.r.Effects
	switch {
	case len(o.r.Send) > 0:
		return "sends " + describeMsg(&o.r.Send[0])
	case e.Learned != paxos.None:
		return "learns " + string(e.Learned)
	case len(e.Replies) > 0:
		return "answers a client"
	case o.r.Persist != nil:
		return "writes durable state"
	}
	return "changes it to " + ce.describe(&o.next)
}

// checkLooks checks that variant v of c looks to the world and to the
// invariants as the reference does.
func (ce *certifier) checkLooks(c *certClass, v int) {
	l, ref := &c.vars[v], &c.vars[0]
	if why := ce.looksDiffer(l, ref); why != "" {
		ce.refute(ce.implicated(l, ref), "%s and %s are merged, but %s", ce.describe(l), ce.describe(ref), why)
	}
}

// checkTakes checks that variant v of c takes a delivery of m exactly
// when the reference does (the world offers only what a node takes).
func (ce *certifier) checkTakes(c *certClass, v int, m paxos.Message) {
	in := paxos.Input{Kind: paxos.InDeliver, Msg: m}
	l, ref := &c.vars[v], &c.vars[0]
	if l.n.Enabled(&ce.setup.Config, in) != ref.n.Enabled(&ce.setup.Config, in) {
		ce.refute(ce.implicated(l, ref), "%s and %s are merged, but only one of them takes %s", ce.describe(l), ce.describe(ref), describeMsg(&m))
	}
}

func (ce *certifier) looksDiffer(l, ref *local) string {
	s := ce.setup
	for _, cl := range s.Clients {
		in := paxos.Input{Kind: paxos.InRequest, Client: cl.ID, Value: cl.Value}
		if l.n.Enabled(&s.Config, in) != ref.n.Enabled(&s.Config, in) {
			return fmt.Sprintf("only one of them takes client %d's request", cl.ID)
		}
	}
	switch {
	case l.n.Crashed != ref.n.Crashed:
		return "one of them is crashed"
	// The world offers a timeout when the timer is armed (alike in one
	// class: the key holds it), the node takes it and the round bound
	// allows it; a bound artefact is the same but for the bound. The
	// bound matters only where the node takes the timeout.
	case l.t && s.TakesTimeout(&l.n) != s.TakesTimeout(&ref.n):
		return "one of them takes its timer's timeout, the other refuses it"
	case l.t && s.TakesTimeout(&l.n) && s.InRoundBound(&l.n) != s.InRoundBound(&ref.n):
		return "the round bound allows a timeout of one of them only"
	case invariant.ViewOf(&l.n, &l.d) != invariant.ViewOf(&ref.n, &ref.d):
		return "the invariants see them differently"
	}
	return ""
}

// implicated returns the canonical hints that merge l and ref: those
// without which their canonical states differ.
func (ce *certifier) implicated(l, ref *local) hints {
	var out hints
	for _, g := range []hints{hintTallies, hintSeen, hintVotes} {
		if ce.h&g == 0 {
			continue
		}
		h := ce.h &^ g
		if canonical(h, &l.n, l.mc) != canonical(h, &ref.n, ref.mc) {
			out |= g
		}
	}
	if out == 0 {
		out = ce.h & canonHints
	}
	return out
}

// stutters reports whether crashing l and restarting it from its storage
// gives back exactly l (its timer disarmed, as a crash leaves it), and the
// invariants see it alike while it is down:
// the crash need not be explored (dead.go).
func stutters(s *world.Setup, l *local) bool {
	if l.n.Crashed || l.t {
		return false // a crash would disarm the timer: not a pause
	}
	var down, up paxos.Node
	var r world.NodeStep
	// Neither step may write, send, learn, answer or arm a timer: the
	// pair must give back exactly l, timer disarmed as it is.
	quiet := func() bool {
		return r.Persist == nil && len(r.Send) == 0 && r.Learned == 0 && r.Returned.Empty() && r.Timer != graph.TimerArm
	}
	err := s.StepNode(&l.n, &l.d, world.Action{Kind: world.ActCrash, Node: l.n.ID}, &down, &r)
	if err != nil || !quiet() || invariant.ViewOf(&down, &l.d) != invariant.ViewOf(&l.n, &l.d) {
		return false
	}
	err = s.StepNode(&down, &l.d, world.Action{Kind: world.ActRestart, Node: l.n.ID}, &up, &r)
	return err == nil && quiet() && up == l.n
}

func (ce *certifier) checkStutter(c *certClass, v int) {
	if l := &c.vars[v]; !stutters(ce.setup, l) {
		ce.refute(hintStutter, "a crash of %s is skipped, but crash and restart do not give it back", ce.describe(l))
	}
}

// checkSymmetry checks that the step of l on a, o, commutes with every
// permutation of acceptors.
func (ce *certifier) checkSymmetry(l *local, a world.Action, o *stepOut) {
	c := ce.c
	for i := range ce.perms {
		p := &ce.perms[i]
		pl := local{n: c.permNode(p, l.n), d: l.d, mc: l.mc, t: l.t}
		pa := c.permAction(p, a)
		po := ce.step(&pl, pa)
		why := ""
		switch {
		case po.err != o.err:
			why = "one of them refuses the input"
		case o.err:
		case !samePersist(po.r.Persist, o.r.Persist) || po.r.Lost != o.r.Lost || po.r.Effects.Timer != o.r.Effects.Timer ||
			po.r.Effects.Learned != o.r.Effects.Learned || !slices.Equal(po.r.Effects.Replies, o.r.Effects.Replies):
			why = "the effects differ"
		case !sameSends(c, p, po.r.Send, o.r.Send):
			why = "the messages sent are not the permuted ones"
		case canonical(ce.h, &po.next.n, l.mc) != c.permNode(p, canonical(ce.h, &o.next.n, l.mc)):
			why = "the states stepped to are not each other's images"
		case a.Kind == world.ActDeliver && deadMsg(ce.h, ptr(canonical(ce.h, &pl.n, pl.mc)), &pa.Msg, pl.mc, &c.accIdx) !=
			deadMsg(ce.h, ptr(canonical(ce.h, &l.n, l.mc)), &a.Msg, l.mc, &c.accIdx):
			why = "deadMsg is not symmetric"
		}
		if why != "" {
			ce.refute(hintSymmetry, "acceptors are not interchangeable: %s on %s and its image under %v on %s: %s",
				ce.describe(l), a, p.fwd, pa, why)
			return
		}
	}
}

// checkCanonSymmetry checks that canonical and the world's and invariants'
// view of l commute with the permutations.
func (ce *certifier) checkCanonSymmetry(l *local) {
	c := ce.c
	if l.n.Role == paxos.RoleAcceptor {
		// The fingerprint hashes an acceptor whole in its own column: what
		// it holds of other acceptors (AcceptorIndexed) does not move with
		// them, so two states that are not images of each other could be
		// merged. Only code unlike the correct acceptor holds such state.
		if prom, votes := l.n.AcceptorIndexed(); prom != 0 || *votes != ([paxos.MaxAcceptors]paxos.Vote{}) {
			ce.refute(hintSymmetry, "acceptor %s holds state indexed by acceptor, which the symmetric fingerprint cannot permute", ce.describe(l))
			return
		}
	}
	cn := canonical(ce.h, &l.n, l.mc)
	for i := range ce.perms {
		p := &ce.perms[i]
		pl := local{n: c.permNode(p, l.n), d: l.d, mc: l.mc, t: l.t}
		if canonical(ce.h, &pl.n, pl.mc) != c.permNode(p, cn) || ce.looksDiffer(&pl, l) != "" {
			ce.refute(hintSymmetry, "acceptors are not interchangeable: %s and its image under %v look different", ce.describe(l), p.fwd)
			return
		}
	}
}

func ptr[T any](x T) *T { return &x }

// sameSends reports whether got is want permuted by p, as multisets.
func sameSends(c *codec, p *perm, got, want []paxos.Message) bool {
	if len(got) != len(want) {
		return false
	}
	w := make([]paxos.Message, len(want))
	for i, m := range want {
		w[i] = c.permMsg(p, m)
	}
	g := slices.Clone(got)
	slices.SortFunc(w, paxos.Message.Compare)
	slices.SortFunc(g, paxos.Message.Compare)
	return slices.Equal(g, w)
}

// actionKey hashes an action as an input of a node (values by their
// number, codec.valueNumber).
func (c *codec) actionKey(a *world.Action) uint64 {
	m := &a.Msg
	x := uint64(a.Kind) | uint64(a.Client)<<8 | uint64(m.Type)<<16 | uint64(m.From)<<24 | uint64(m.To)<<32 |
		uint64(m.Bal.Proposer)<<40 | uint64(m.VBal.Proposer)<<48
	y := uint64(m.Bal.Round) | uint64(m.VBal.Round)<<32
	extra := uint64(0)
	if m.Val != paxos.None {
		n := c.valueNumber(m.Val)
		x ^= n << 56
		y ^= n << 20
		extra = valueExtra(m.Val, n)
	}
	return mix64(x ^ mix64(y^extra))
}

// describe renders a local state for a refutation.
func (ce *certifier) describe(l *local) string {
	n := &l.n
	var b strings.Builder
	fmt.Fprintf(&b, "%s %d", n.Role, n.ID)
	if n.Crashed {
		b.WriteString(" (crashed)")
	}
	switch n.Role {
	case paxos.RoleAcceptor:
		fmt.Fprintf(&b, " {maxBal %s, vote %s %q}", n.Mem.MaxBal, n.Mem.MaxVBal, n.Mem.MaxVal)
	case paxos.RoleProposer:
		fmt.Fprintf(&b, " {round %d, %s, value %q, clients %b, promised %b, high %s %q, seen %s, decided %q, proposal %q}",
			n.Mem.Round, n.Phase, n.Value, n.Clients, n.Promised, n.HighVBal, n.HighVal, n.Seen, n.Decided, n.Proposal)
	case paxos.RoleLearner:
		b.WriteString(" {votes")
		for i := 0; i < ce.c.numAcc; i++ {
			v := &n.Votes[i]
			fmt.Fprintf(&b, " %s:%q", v.Bal, v.Val)
			if v.N != 0 {
				fmt.Fprintf(&b, "x%d", v.N)
			}
		}
		fmt.Fprintf(&b, ", learned %q}", n.Learned)
	}
	if l.d != (paxos.Durable{}) {
		fmt.Fprintf(&b, " stored %+v", l.d)
	}
	if l.mc {
		b.WriteString(" (may crash)")
	}
	return b.String()
}

func describeMsg(m *paxos.Message) string {
	return fmt.Sprintf("%s %d->%d", m, m.From, m.To)
}
