package explore

import (
	"sync/atomic"

	"github.com/cespare/xxhash/v2"
	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// A Reduction is how a protocol makes the search store fewer states: a
// fingerprint that merges states (symmetric images, states that differ only
// in what no later step reads) and actions left unexplored. A checker
// doubts the code, so a reduction may rest on no rule of the correct
// protocol: each is a set of hypotheses about what the code under test
// does, which the reduction proves against that code while the search
// runs (Certify), or refutes; the search then starts again without the
// refuted hypothesis (Without). checker/paxos/paxosexplore's is the example, with
// the argument that a certified reduction keeps every verdict.
//
// The search calls Start once per search, NewHasher once per worker,
// Certify at the end of every breadth-first level (and every
// certifyEvery pending records of a depth-first search) before it gives
// any verdict, and Without after a refutation.
type Reduction[I, K ~uint8, N any, M graph.Message[M], D, E any] interface {
	// Start begins a search from init. The proof obeys stop (a memory
	// limit): once it is set, Certify returns early, stopped.
	Start(init *graph.State[I, N, M, D], stop *atomic.Bool) error
	// NewHasher returns one worker's hasher; a worker uses its own only.
	NewHasher() Hasher[I, K, N, M, D, E]
	// Certify proves what the hashers recorded since the last call (they
	// are idle meanwhile). It returns the hypothesis the code refuted, or
	// nil; stopped says that stop cut the proof short (no verdict).
	Certify(hs []Hasher[I, K, N, M, D, E]) (ref *Refutation, stopped bool)
	// Without returns the reduction less the hypotheses r refuted; what
	// it describes must change (else Run stops with an error rather than
	// restart for ever).
	Without(r *Refutation) Reduction[I, K, N, M, D, E]
	// Describe says what is in force; Certified counts the node steps the
	// proof has run.
	Describe() Reduced
	Certified() int64
}

// A Hasher fingerprints states for one worker. Equal fingerprints must mean
// states that the reduction proves alike (barring a 64-bit collision).
type Hasher[I, K ~uint8, N any, M graph.Message[M], D, E any] interface {
	// Load makes st (a state being expanded) the base and returns its
	// fingerprint; Child and Skip refer to it.
	Load(st *graph.State[I, N, M, D]) uint64
	// Fingerprint hashes st whole and leaves the base alone.
	Fingerprint(st *graph.State[I, N, M, D]) uint64
	// Child returns the fingerprint of the successor that ch (Peek on the
	// base) leads to. When it built that state to hash it, it leaves it
	// in into and reports built.
	Child(ch *graph.Change[I, K, N, M, D, E], into *graph.State[I, N, M, D]) (fp uint64, built bool)
	// Skip reports whether action a of the base is left unexplored; it
	// records what Certify must prove of a.
	Skip(a *graph.Action[I, K, M]) bool
	// Expanded is called after the base's successors; an error ends the
	// search (the reduction cannot be used with this code or setup).
	Expanded() error
	// Pending counts the records waiting for Certify.
	Pending() int
}

// Reduced describes a reduction in force: whether it merges symmetric
// states, whether it merges dead states (or leaves actions out), and its
// hypotheses by name.
type Reduced struct {
	Symmetry, Dead bool
	Hints          []string
}

// A Refutation is a hypothesis of a reduction that the code under test
// did not bear out: which (Hint), the node step that refuted it (Detail),
// and the reduction's own record of it (Mask, for Without).
type Refutation struct {
	Hint   string
	Detail string
	Mask   uint64
}

// Exact is the reduction of none: every state hashed whole, from its
// canonical encoding (graph.AppendBinary), every action explored. It is
// what a protocol without a reduction of its own gets.
func Exact[I, K ~uint8, N any, M graph.Message[M], D, E any](p graph.Protocol[I, K, N, M, D, E]) Reduction[I, K, N, M, D, E] {
	return exact[I, K, N, M, D, E]{p}
}

type exact[I, K ~uint8, N any, M graph.Message[M], D, E any] struct {
	p graph.Protocol[I, K, N, M, D, E]
}

func (x exact[I, K, N, M, D, E]) Start(*graph.State[I, N, M, D], *atomic.Bool) error { return nil }
func (x exact[I, K, N, M, D, E]) NewHasher() Hasher[I, K, N, M, D, E] {
	return &wholeHasher[I, K, N, M, D, E]{p: x.p}
}
func (x exact[I, K, N, M, D, E]) Certify([]Hasher[I, K, N, M, D, E]) (*Refutation, bool) {
	return nil, false
}
func (x exact[I, K, N, M, D, E]) Without(*Refutation) Reduction[I, K, N, M, D, E] { return x }
func (x exact[I, K, N, M, D, E]) Describe() Reduced                               { return Reduced{} }
func (x exact[I, K, N, M, D, E]) Certified() int64                                { return 0 }

// wholeHasher hashes the canonical encoding of a state; Child builds the
// successor.
type wholeHasher[I, K ~uint8, N any, M graph.Message[M], D, E any] struct {
	p    graph.Protocol[I, K, N, M, D, E]
	base *graph.State[I, N, M, D]
	buf  []byte
}

func (h *wholeHasher[I, K, N, M, D, E]) Load(st *graph.State[I, N, M, D]) uint64 {
	h.base = st
	return h.Fingerprint(st)
}

func (h *wholeHasher[I, K, N, M, D, E]) Fingerprint(st *graph.State[I, N, M, D]) uint64 {
	h.buf = graph.AppendBinary(h.p, h.buf[:0], st)
	return xxhash.Sum64(h.buf)
}

func (h *wholeHasher[I, K, N, M, D, E]) Child(ch *graph.Change[I, K, N, M, D, E], into *graph.State[I, N, M, D]) (uint64, bool) {
	CopyState(into, h.base)
	graph.Commit(h.p, into, ch)
	return h.Fingerprint(into), true
}

func (h *wholeHasher[I, K, N, M, D, E]) Skip(*graph.Action[I, K, M]) bool { return false }
func (h *wholeHasher[I, K, N, M, D, E]) Expanded() error                  { return nil }
func (h *wholeHasher[I, K, N, M, D, E]) Pending() int                     { return 0 }

// KeySet is a set of 64-bit keys for one goroutine (a reduction's hasher
// remembers what it has recorded with one): the visited set's table,
// without its lock.
type KeySet struct{ sh fpShard }

// Insert adds x and reports whether it was new.
func (k *KeySet) Insert(x uint64) bool { return k.sh.insert(norm(x)) }
