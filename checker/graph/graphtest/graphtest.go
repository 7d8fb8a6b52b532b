// Package graphtest checks a protocol's graph.Protocol against the
// contract the state graph relies on, for the tests of every protocol
// adapter: a new protocol calls Conformance from its own tests.
package graphtest

import (
	"bytes"
	"reflect"
	"slices"

	"github.com/paxoscheck/paxoscheck/checker/graph"
)

// T is the part of testing.TB that Conformance uses.
type T interface {
	Helper()
	Fatalf(format string, args ...any)
}

// Conformance explores p's graph breadth-first, up to limit distinct
// states, and checks on every state and every action offered there:
//   - the action is taken (Actions offers only what Apply takes);
//   - Step leaves the node it steps unchanged, and two runs of one action
//     on one state give the same successor (the core is deterministic);
//   - the state encoding reads back as the state (AppendBinary,
//     DecodeBinary), and states that encode alike are alike;
//   - a restart of a live node is refused and changes nothing;
//   - graph.Offered agrees with Actions on every action of every kind
//     at every node, message and client.
//
// It returns the number of distinct states and transitions it checked.
func Conformance[I, K ~uint8, N any, M graph.Message[M], D, E any](t T, p graph.Protocol[I, K, N, M, D, E], limit int) (states, transitions int) {
	t.Helper()
	init, err := graph.Init(p)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	enc := func(st *graph.State[I, N, M, D]) []byte { return graph.AppendBinary(p, nil, st) }
	seen := map[string]bool{string(enc(&init)): true}
	queue := []graph.State[I, N, M, D]{init}
	var buf []graph.Action[I, K, M]
	for len(queue) > 0 && len(seen) < limit {
		st := queue[0]
		queue = queue[1:]
		before := enc(&st)
		buf = graph.Actions(p, &st, buf[:0])
		offeredAlike(t, p, &st, buf)
		for _, a := range buf {
			transitions++
			one, two := st.Clone(), st.Clone()
			if _, err := graph.Apply(p, &one, a); err != nil {
				t.Fatalf("%s is offered but refused: %v", a, err)
			}
			if !bytes.Equal(enc(&st), before) {
				t.Fatalf("%s changed the state it was applied to a copy of", a)
			}
			if _, err := graph.Apply(p, &two, a); err != nil {
				t.Fatalf("%s taken once, refused the second time: %v", a, err)
			}
			if i := stepped(p, &st, a); i >= 0 {
				n := st.Nodes[i]
				var next N
				var r graph.NodeStep[M, D, E]
				if err := graph.StepNode(p, &n, &st.Stored[i], a, &next, &r); err != nil {
					t.Fatalf("StepNode of %s: %v", a, err)
				}
				if !reflect.DeepEqual(n, st.Nodes[i]) {
					t.Fatalf("Step of %s changed the node it was given", a)
				}
			}
			b := enc(&one)
			if !bytes.Equal(b, enc(&two)) {
				t.Fatalf("%s gives two different successors of one state: the core is not deterministic", a)
			}
			var back graph.State[I, N, M, D]
			if err := graph.DecodeBinary(p, b, &init, &back); err != nil {
				t.Fatalf("the state after %s does not decode: %v", a, err)
			}
			if !Equal(back.Nodes, one.Nodes) || !Equal(back.Stored, one.Stored) ||
				!slices.Equal(back.Net, one.Net) || !slices.Equal(back.Sent, one.Sent) {
				t.Fatalf("the state after %s decodes to another state", a)
			}
			if !seen[string(b)] {
				seen[string(b)] = true
				queue = append(queue, one)
			}
		}
		// Inputs the state does not offer are refused without a change.
		for _, a := range refusable(p, &st, buf) {
			c := st.Clone()
			if _, err := graph.Apply(p, &c, a); err == nil {
				t.Fatalf("%s is not offered, but Apply takes it", a)
			}
			if !bytes.Equal(enc(&c), before) {
				t.Fatalf("the refused %s changed the state", a)
			}
		}
	}
	return len(seen), transitions
}

// refusable lists actions of st that Apply must refuse: a restart of every
// node that Actions offered none for. (Not a timeout: Apply takes one past
// the search bounds, which replay needs.)
func refusable[I, K ~uint8, N any, M graph.Message[M], D, E any](p graph.Protocol[I, K, N, M, D, E], st *graph.State[I, N, M, D], offered []graph.Action[I, K, M]) []graph.Action[I, K, M] {
	var out []graph.Action[I, K, M]
	for _, id := range st.IDs {
		if a := (graph.Action[I, K, M]{Kind: graph.ActRestart, Node: id}); !slices.Contains(offered, a) {
			out = append(out, a)
		}
	}
	return out
}

// stepped is the index of the node a steps, or -1 (a drop, a duplication).
func stepped[I, K ~uint8, N any, M graph.Message[M], D, E any](p graph.Protocol[I, K, N, M, D, E], st *graph.State[I, N, M, D], a graph.Action[I, K, M]) int {
	switch a.Kind {
	case graph.ActDrop, graph.ActDuplicate:
		return -1
	case graph.ActDeliver, graph.ActCrashMidStep:
		return st.NodeIndex(p.To(a.Msg))
	case graph.ActInvoke:
		return st.NodeIndex(p.ClientNode(a.Client))
	}
	return st.NodeIndex(a.Node)
}

// Equal reports whether a and b are deeply equal, as reflect.DeepEqual
// does, except that a nil slice equals an empty one: a protocol's layout
// need not tell them apart (nothing a core does can), and a decoder
// cannot know which one the state held.
func Equal[X any](a, b X) bool { return equal(reflect.ValueOf(a), reflect.ValueOf(b)) }

func equal(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Map, reflect.Interface, reflect.Func, reflect.Chan:
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return a.Equal(b)
}

// offeredAlike checks graph.Offered against the list Actions gave, for
// every action of every kind the state could name.
func offeredAlike[I, K ~uint8, N any, M graph.Message[M], D, E any](t T, p graph.Protocol[I, K, N, M, D, E], st *graph.State[I, N, M, D], offered []graph.Action[I, K, M]) {
	t.Helper()
	var all []graph.Action[I, K, M]
	for _, m := range st.Net {
		for _, k := range []graph.ActionKind{graph.ActDeliver, graph.ActDrop, graph.ActDuplicate, graph.ActCrashMidStep} {
			all = append(all, graph.Action[I, K, M]{Kind: k, Node: p.To(m), Msg: m})
		}
	}
	for _, id := range st.IDs {
		for _, k := range []graph.ActionKind{graph.ActTimeout, graph.ActCrash, graph.ActRestart} {
			all = append(all, graph.Action[I, K, M]{Kind: k, Node: id})
		}
	}
	for c := 0; c < p.NumClients(); c++ {
		all = append(all, graph.Action[I, K, M]{Kind: graph.ActInvoke, Node: p.ClientNode(K(c)), Client: K(c)})
	}
	for _, a := range all {
		if got, want := graph.Offered(p, st, a), slices.Contains(offered, a); got != want {
			t.Fatalf("Offered(%s) = %v, but Actions offers it: %v", a, got, want)
		}
	}
}
