package invariant

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/paxoscheck/paxoscheck/impl/paxos"
)

// All lists every invariant in the order they are checked: cheap structural
// ones first, so that the first one reported is the most specific. The
// order is that of the INVARIANT lines of spec/MCPaxos.cfg, so that Go and
// TLC name the same invariant first when a state breaks several.
var All = []Invariant{
	{"TypeOK", TypeOK},
	{"AccInv", AccInv},
	{"Msg1bInv", Msg1bInv},
	{"Msg2aInv", Msg2aInv},
	{"Msg2bInv", Msg2bInv},
	{"PromiseKept", PromiseKept},
	{"OneValuePerBallot", OneValuePerBallot},
	{"VotesSafe", VotesSafe},
	{"Agreement", Agreement},
	{"Validity", Validity},
	{"LearnedChosen", LearnedChosen},
}

// ErrMalformed is returned (wrapped) by the invariants other than TypeOK
// when the state is too malformed to evaluate them (a per-acceptor slice of
// the wrong length). TypeOK reports the same problem as a violation; Check
// runs TypeOK first, so through Check this error is never seen.
var ErrMalformed = errors.New("malformed abstract state")

// MaxAcceptors is the largest NumAcceptors the invariants evaluate: sets of
// acceptors are uint64 bitmasks.
const MaxAcceptors = 64

// Majority is the size of the smallest majority of n acceptors, ⌊n/2⌋+1.
// Chosen and SafeAt always count true majorities, whatever the bug
// configuration (spec/Paxos.tla Majorities): they say what is true of the
// system, not what a (possibly buggy) proposer or learner believes.
func Majority(n int) int { return n/2 + 1 }

// String renders m in the spec's terms, e.g. "2b(a=1 b=2 v=x)".
func (m Msg) String() string {
	switch m.Type {
	case "1b":
		return fmt.Sprintf("1b(a=%d b=%d mbal=%d mval=%s)", m.Acc, m.Bal, m.MBal, showVal(m.MVal))
	case "2a":
		return fmt.Sprintf("2a(b=%d v=%s)", m.Bal, showVal(m.Val))
	case "2b":
		return fmt.Sprintf("2b(a=%d b=%d v=%s)", m.Acc, m.Bal, showVal(m.Val))
	}
	return fmt.Sprintf("%s(a=%d b=%d mbal=%d mval=%s v=%s)", m.Type, m.Acc, m.Bal, m.MBal, showVal(m.MVal), showVal(m.Val))
}

func showVal(v paxos.Value) string {
	if v == paxos.None {
		return "None"
	}
	return string(v)
}

// showSet renders a bitmask of acceptors as "{0,2}".
func showSet(mask uint64) string {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	for mask != 0 {
		i := bits.TrailingZeros64(mask)
		mask &^= 1 << i
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Itoa(i))
	}
	b.WriteByte('}')
	return b.String()
}

// vote is one (ballot, value) pair voted for, with the set of acceptors
// that sent a 2b for it.
type vote struct {
	bal  int
	val  paxos.Value
	mask uint64
}

// inlineVotes is how many distinct votes the index holds on the stack; a
// state with more spills to the heap (correct, only slower).
const inlineVotes = 16

// view is the per-call index the invariants share: the distinct votes of
// msgs with their voter sets. It is built on the caller's stack so that
// checking a state does not allocate (the explorer checks millions).
type view struct {
	a     *Abstract
	n     int // number of acceptors
	maj   int // Majority(n)
	votes []vote
}

// shape checks what every invariant needs in order to index the acceptor
// slices without panicking.
func shape(a *Abstract) error {
	n := a.NumAcceptors
	switch {
	case n < 1 || n > MaxAcceptors:
		return fmt.Errorf("%d acceptors, want 1..%d", n, MaxAcceptors)
	case len(a.MaxBal) != n:
		return fmt.Errorf("maxBal has %d entries for %d acceptors", len(a.MaxBal), n)
	case len(a.MaxVBal) != n:
		return fmt.Errorf("maxVBal has %d entries for %d acceptors", len(a.MaxVBal), n)
	case len(a.MaxVal) != n:
		return fmt.Errorf("maxVal has %d entries for %d acceptors", len(a.MaxVal), n)
	}
	return nil
}

// newView indexes a, using buf as the vote store (returned inside the
// view, not stored through a pointer, so that a caller's stack array stays
// on the stack). 2b messages whose sender is out of range are skipped
// (TypeOK reports them).
func newView(a *Abstract, buf []vote) (view, error) {
	if err := shape(a); err != nil {
		return view{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	n := a.NumAcceptors
	votes := buf[:0]
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type != "2b" || m.Acc < 0 || m.Acc >= n {
			continue
		}
		bit := uint64(1) << m.Acc
		found := false
		for j := range votes {
			if votes[j].bal == m.Bal && votes[j].val == m.Val {
				votes[j].mask |= bit
				found = true
				break
			}
		}
		if !found {
			votes = append(votes, vote{bal: m.Bal, val: m.Val, mask: bit})
		}
	}
	return view{a: a, n: n, maj: Majority(n), votes: votes}, nil
}

// votedFor is the set of acceptors that voted for val in ballot bal
// (spec VotedFor).
func (v *view) votedFor(bal int, val paxos.Value) uint64 {
	for i := range v.votes {
		if v.votes[i].bal == bal && v.votes[i].val == val {
			return v.votes[i].mask
		}
	}
	return 0
}

// safeAt evaluates spec SafeAt(b, val). When it does not hold it returns
// the first ballot c < b where no majority vouches for val, and the set of
// acceptors that do.
func (v *view) safeAt(b int, val paxos.Value) (ok bool, c int, support uint64) {
	for c := 0; c < b; c++ {
		var forV, any uint64
		for i := range v.votes {
			if v.votes[i].bal == c {
				any |= v.votes[i].mask
				if v.votes[i].val == val {
					forV |= v.votes[i].mask
				}
			}
		}
		var above uint64
		for a := 0; a < v.n; a++ {
			if v.a.MaxBal[a] > c {
				above |= 1 << a
			}
		}
		s := forV | (above &^ any)
		if bits.OnesCount64(s) < v.maj {
			return false, c, s
		}
	}
	return true, 0, 0
}

func (v *view) unsafeDetail(what string, b int, val paxos.Value, c int, support uint64) error {
	return fmt.Errorf("%s is not safe at b=%s: at ballot %s only acceptors %s voted %s or promised above %s without voting in %s (need %d of %d)",
		what, v.a.ballotSpec(b), v.a.bal(c), showSet(support), showVal(val), v.a.bal(c), v.a.bal(c), v.maj, v.n)
}

// isChosen reports whether vote i is backed by a majority (spec ChosenAt).
func (v *view) isChosen(i int) bool { return bits.OnesCount64(v.votes[i].mask) >= v.maj }

// chosenIndex returns the index of the first chosen vote for val, or -1.
func (v *view) chosenIndex(val paxos.Value) int {
	for i := range v.votes {
		if v.votes[i].val == val && v.isChosen(i) {
			return i
		}
	}
	return -1
}

// SafeAt reports whether spec SafeAt(b, v) holds in a: for every ballot c
// below b some majority Q has, for each a in Q, voted for v in c or promised
// a ballot above c (maxBal[a] > c) without voting in c (Lamport's Voting
// spec). A value safe at b is the only value
// that a vote in b can carry without risking two chosen values.
func SafeAt(a *Abstract, b int, v paxos.Value) bool {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return false
	}
	ok, _, _ := w.safeAt(b, v)
	return ok
}

// AnyChosen reports whether some value is chosen in a (spec Chosen # {}),
// without allocating: the explorer's "sometimes a value is chosen" property
// calls it in every state.
func AnyChosen(a *Abstract) bool {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return false
	}
	for i := range w.votes {
		if w.isChosen(i) {
			return true
		}
	}
	return false
}

// Chosen returns the chosen values of a (spec Chosen), sorted, without
// duplicates: v is chosen when a majority of acceptors voted for it in one
// ballot.
func Chosen(a *Abstract) []paxos.Value {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return nil
	}
	var out []paxos.Value
	for i := range w.votes {
		if w.isChosen(i) && !slices.Contains(out, w.votes[i].val) {
			out = append(out, w.votes[i].val)
		}
	}
	slices.Sort(out)
	return out
}

// TypeOK mirrors spec/Paxos.tla TypeOK.
//
// It states that every variable has its type: one maxBal, maxVBal and
// maxVal per acceptor, ballots at least -1, every message a well-formed 1a,
// 1b, 2a or 2b (sender in range, ballot a natural, 2a and 2b carrying a
// value, fields the type does not have left at -1/None), and proposed and
// learned values real values. Go adds one conjunct the spec gets from
// AccInv at sending time: a 1b reports "no vote" as mbal=-1 together with
// mval=None. It matters because every other invariant indexes by acceptor
// and compares ballots, and a malformed abstraction (a bug in FromWorld or
// in a trace) must be named as such rather than show up as a protocol
// violation.
func TypeOK(a *Abstract) error {
	if err := shape(a); err != nil {
		return err
	}
	for i := 0; i < a.NumAcceptors; i++ {
		if a.MaxBal[i] < -1 {
			return fmt.Errorf("acceptor %d has maxBal=%d, below -1", i, a.MaxBal[i])
		}
		if a.MaxVBal[i] < -1 {
			return fmt.Errorf("acceptor %d has maxVBal=%d, below -1", i, a.MaxVBal[i])
		}
	}
	for i := range a.Msgs {
		if err := msgTypeOK(&a.Msgs[i], a.NumAcceptors); err != nil {
			return fmt.Errorf("message %s: %v", a.Msgs[i], err)
		}
	}
	for _, v := range a.Proposed {
		if v == paxos.None {
			return errors.New("proposed holds the None value")
		}
	}
	for _, v := range a.Learned {
		if v == paxos.None {
			return errors.New("learned holds the None value")
		}
	}
	return nil
}

func msgTypeOK(m *Msg, n int) error {
	switch m.Type {
	case "1a", "2a":
		if m.Acc != -1 {
			return fmt.Errorf("a %s has no sender acceptor, got acc=%d", m.Type, m.Acc)
		}
	case "1b", "2b":
		if m.Acc < 0 || m.Acc >= n {
			return fmt.Errorf("sender acceptor %d is not in 0..%d", m.Acc, n-1)
		}
	default:
		return fmt.Errorf("unknown type %q", m.Type)
	}
	if m.Bal < 0 {
		return fmt.Errorf("ballot %d is not a natural", m.Bal)
	}
	switch m.Type {
	case "1b":
		if m.MBal < -1 {
			return fmt.Errorf("mbal=%d, below -1", m.MBal)
		}
		if (m.MBal == -1) != (m.MVal == paxos.None) {
			return fmt.Errorf("mbal=%d with mval=%s: no vote is mbal=-1 with mval=None", m.MBal, showVal(m.MVal))
		}
		if m.Val != paxos.None {
			return fmt.Errorf("a 1b has no val, got %s", m.Val)
		}
	case "1a", "2a", "2b":
		if m.MBal != -1 || m.MVal != paxos.None {
			return fmt.Errorf("a %s has no mbal/mval, got %d/%s", m.Type, m.MBal, showVal(m.MVal))
		}
		if m.Type == "1a" {
			if m.Val != paxos.None {
				return fmt.Errorf("a 1a has no val, got %s", m.Val)
			}
		} else if m.Val == paxos.None {
			return fmt.Errorf("a %s must carry a value", m.Type)
		}
	}
	return nil
}

// AccInv mirrors spec/Paxos.tla AccInv.
//
// For every acceptor a: maxVBal[a] =< maxBal[a] (a vote is also a
// promise); maxVBal[a] = -1 exactly when maxVal[a] = None; if a has voted,
// the 2b announcing its latest vote is in msgs; and a announced no vote of a
// ballot above maxVBal[a]. It matters because phase 1 trusts an acceptor's
// (maxVBal, maxVal) to be its latest vote: an acceptor that forgets a vote
// (accept-not-persisted plus a crash) breaks the last conjunct, and Paxos
// can then lose a chosen value.
func AccInv(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for i := 0; i < w.n; i++ {
		mb, vb, vv := a.MaxBal[i], a.MaxVBal[i], a.MaxVal[i]
		if vb > mb {
			return fmt.Errorf("acceptor %d has maxVBal=%s above maxBal=%s", i, a.bal(vb), a.bal(mb))
		}
		if (vb == -1) != (vv == paxos.None) {
			return fmt.Errorf("acceptor %d has maxVBal=%d with maxVal=%s: no vote is -1 with None", i, vb, showVal(vv))
		}
		if vb >= 0 && w.votedFor(vb, vv)&(1<<i) == 0 {
			return fmt.Errorf("acceptor %d holds vote b=%s v=%s but never sent 2b(a=%d b=%s v=%s)", i, a.bal(vb), showVal(vv), i, a.bal(vb), showVal(vv))
		}
	}
	for _, v := range w.votes {
		for m := v.mask; m != 0; m &= m - 1 {
			i := bits.TrailingZeros64(m)
			if v.bal > a.MaxVBal[i] {
				return fmt.Errorf("acceptor %d sent 2b b=%s v=%s but its maxVBal is %s: it forgot a vote", i, a.bal(v.bal), showVal(v.val), a.bal(a.MaxVBal[i]))
			}
		}
	}
	return nil
}

// Msg1bInv mirrors spec/Paxos.tla Msg1bInv.
//
// Every 1b message from acceptor a has a ballot at most maxBal[a], and the
// vote it reports (if mbal >= 0) is one a really cast: the 2b (a, mbal,
// mval) is in msgs. It matters because a proposer picks its value from the
// reported votes: a promise the acceptor no longer keeps
// (promise-not-persisted plus a crash) or a reported vote that never
// happened makes the proposer's choice unsafe.
func Msg1bInv(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type != "1b" || m.Acc < 0 || m.Acc >= w.n {
			continue
		}
		if m.Bal > a.MaxBal[m.Acc] {
			return fmt.Errorf("acceptor %d sent 1b b=%s but its maxBal is %s: it forgot a promise", m.Acc, a.bal(m.Bal), a.bal(a.MaxBal[m.Acc]))
		}
		if m.MBal >= 0 && w.votedFor(m.MBal, m.MVal)&(1<<m.Acc) == 0 {
			return fmt.Errorf("acceptor %d reported vote b=%s v=%s in its 1b b=%s but never sent 2b(a=%d b=%s v=%s)",
				m.Acc, a.bal(m.MBal), showVal(m.MVal), a.bal(m.Bal), m.Acc, a.bal(m.MBal), showVal(m.MVal))
		}
	}
	return nil
}

// Msg2aInv mirrors spec/Paxos.tla Msg2aInv.
//
// Every 2a message (b, v) asks for a value safe at b (SafeAt(b, v)). It is
// the heart of Paxos (P2c in "Paxos Made Simple"): a proposer that skips
// phase 1 or ignores (or misreads) the reported votes breaks it before any
// acceptor votes, so it names the proposer's mistake, not its consequence.
func Msg2aInv(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type != "2a" {
			continue
		}
		if ok, c, s := w.safeAt(m.Bal, m.Val); !ok {
			return w.unsafeDetail(fmt.Sprintf("2a b=%s v=%s", a.bal(m.Bal), showVal(m.Val)), m.Bal, m.Val, c, s)
		}
	}
	return nil
}

// Msg2bInv mirrors spec/Paxos.tla Msg2bInv.
//
// Every 2b (a, b, v) has b =< maxBal[a] (a vote is a promise too) and
// follows a 2a (b, v): acceptors vote only for what a proposer asked. It
// matters because it ties votes to the safe values of Msg2aInv; an acceptor
// that votes a value nobody proposed in that ballot, or whose promise falls
// back below its own vote, breaks it.
func Msg2bInv(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for _, v := range w.votes {
		for m := v.mask; m != 0; m &= m - 1 {
			i := bits.TrailingZeros64(m)
			if v.bal > a.MaxBal[i] {
				return fmt.Errorf("acceptor %d voted b=%s v=%s but its maxBal is %s", i, a.bal(v.bal), showVal(v.val), a.bal(a.MaxBal[i]))
			}
		}
		if !has2a(a, v.bal, v.val) {
			return fmt.Errorf("acceptors %s voted b=%s v=%s but no 2a(b=%s v=%s) was sent", showSet(v.mask), a.bal(v.bal), showVal(v.val), a.bal(v.bal), showVal(v.val))
		}
	}
	return nil
}

func has2a(a *Abstract, b int, v paxos.Value) bool {
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type == "2a" && m.Bal == b && m.Val == v {
			return true
		}
	}
	return false
}

// PromiseKept mirrors spec/Paxos.tla PromiseKept.
//
// For every 1b m from acceptor a and every vote (2b) of a at a ballot c
// below m.bal: c =< m.mbal, and if c = m.mbal the vote's value is m.mval.
// A 1b is a promise never to vote below its ballot again and a report of
// the latest vote; this says both held for good. accept-below-promise
// breaks it directly (a votes below a ballot it promised).
func PromiseKept(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type != "1b" || m.Acc < 0 || m.Acc >= w.n {
			continue
		}
		bit := uint64(1) << m.Acc
		for _, v := range w.votes {
			if v.mask&bit == 0 || v.bal >= m.Bal {
				continue
			}
			if v.bal > m.MBal {
				return fmt.Errorf("acceptor %d voted b=%s v=%s but promised b=%s in a 1b reporting its latest vote as b=%s",
					m.Acc, a.bal(v.bal), showVal(v.val), a.bal(m.Bal), a.bal(m.MBal))
			}
			if v.bal == m.MBal && v.val != m.MVal {
				return fmt.Errorf("acceptor %d voted b=%s v=%s but its 1b b=%s reported v=%s for that ballot",
					m.Acc, a.bal(v.bal), showVal(v.val), a.bal(m.Bal), showVal(m.MVal))
			}
		}
	}
	return nil
}

// OneValuePerBallot mirrors spec/Paxos.tla OneValuePerBallot.
//
// No two 2a messages, and no two 2b messages, of one ballot carry different
// values. Ballots are owned by one proposer, which proposes once per
// ballot; without this, one ballot could get two values chosen and the
// "highest reported vote" rule of phase 2 would be ambiguous.
func OneValuePerBallot(a *Abstract) error {
	for i := range a.Msgs {
		m := &a.Msgs[i]
		if m.Type != "2a" && m.Type != "2b" {
			continue
		}
		for j := i + 1; j < len(a.Msgs); j++ {
			o := &a.Msgs[j]
			if o.Type == m.Type && o.Bal == m.Bal && o.Val != m.Val {
				if m.Type == "2a" {
					return fmt.Errorf("two 2a of ballot %s: v=%s and v=%s", a.bal(m.Bal), showVal(m.Val), showVal(o.Val))
				}
				return fmt.Errorf("two votes in ballot %s: acceptor %d voted v=%s, acceptor %d voted v=%s",
					a.bal(m.Bal), m.Acc, showVal(m.Val), o.Acc, showVal(o.Val))
			}
		}
	}
	return nil
}

// VotesSafe mirrors spec/Paxos.tla VotesSafe.
//
// Every vote (2b (a, b, v)) is for a value safe at b (SafeAt(b, v)). With
// OneValuePerBallot it implies Agreement (Lamport's Voting): a vote is the
// point where an unsafe value could become chosen, whoever caused it (a
// proposer bug, an acceptor bug or forgotten durable state).
func VotesSafe(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for _, v := range w.votes {
		if ok, c, s := w.safeAt(v.bal, v.val); !ok {
			return w.unsafeDetail(fmt.Sprintf("the vote of acceptors %s for b=%s v=%s", showSet(v.mask), a.bal(v.bal), showVal(v.val)), v.bal, v.val, c, s)
		}
	}
	return nil
}

// Agreement mirrors spec/Paxos.tla Agreement.
//
// At most one value is chosen, where v is chosen when a majority
// (⌊n/2⌋+1, always a true majority, whatever the bug configuration) voted
// for v in one ballot. It is the safety property of consensus itself.
func Agreement(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	first := -1
	for i := range w.votes {
		if !w.isChosen(i) {
			continue
		}
		if first < 0 {
			first = i
			continue
		}
		f, v := w.votes[first], w.votes[i]
		if v.val != f.val {
			return fmt.Errorf("two values chosen: %s at b=%s by acceptors %s, %s at b=%s by acceptors %s",
				showVal(f.val), a.bal(f.bal), showSet(f.mask), showVal(v.val), a.bal(v.bal), showSet(v.mask))
		}
	}
	return nil
}

// Validity mirrors spec/Paxos.tla Validity.
//
// Every chosen value is in proposed: the system decides only what some
// client asked for (nontriviality of consensus).
func Validity(a *Abstract) error {
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for i, v := range w.votes {
		if w.isChosen(i) && !slices.Contains(a.Proposed, v.val) {
			return fmt.Errorf("%s chosen at b=%s by acceptors %s but never proposed (proposed: %v)",
				showVal(v.val), a.bal(v.bal), showSet(v.mask), a.Proposed)
		}
	}
	return nil
}

// LearnedChosen mirrors spec/Paxos.tla LearnedChosen.
//
// Every learned value is chosen. It is what a client sees: a learner that
// counts a minority (minority-quorum) or a duplicated 2b twice
// (learner-counts-duplicates) reports a value no majority voted for.
func LearnedChosen(a *Abstract) error {
	if len(a.Learned) == 0 {
		return nil
	}
	var buf [inlineVotes]vote
	w, err := newView(a, buf[:])
	if err != nil {
		return err
	}
	for _, l := range a.Learned {
		if w.chosenIndex(l) >= 0 {
			continue
		}
		best, bal := 0, -1
		for _, v := range w.votes {
			if c := bits.OnesCount64(v.mask); v.val == l && c > best {
				best, bal = c, v.bal
			}
		}
		if bal < 0 {
			return fmt.Errorf("learned %s but no acceptor voted for it", showVal(l))
		}
		return fmt.Errorf("learned %s but it is not chosen: at most %d of %d acceptors voted for it (at b=%s), %d needed",
			showVal(l), best, w.n, a.bal(bal), w.maj)
	}
	return nil
}
