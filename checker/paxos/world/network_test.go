package world

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/paxoscheck/paxoscheck/checker/graph"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

func setNetSetup() Setup {
	s := DefaultSetup()
	s.SetNetwork = true
	s.Budget = Budget{Crashes: 2}
	s.MaxRound = 2
	s.MidStepCrash = true
	return s
}

// TestSetNetworkActions checks the set network's graph: no drop or
// duplication is ever offered, a delivery leaves its message in the
// network, and Net holds no two equal messages.
func TestSetNetworkActions(t *testing.T) {
	s := setNetSetup()
	const seed = 7
	rng := rand.New(rand.NewPCG(seed, 0))
	redelivered := 0
	for run := 0; run < 100; run++ {
		st, err := Init(&s)
		if err != nil {
			t.Fatal(err)
		}
		delivered := map[paxos.Message]bool{}
		for step := 0; step < 60; step++ {
			acts := st.Actions(&s, nil)
			for _, a := range acts {
				if a.Kind == ActDrop || a.Kind == ActDuplicate {
					t.Fatalf("seed %d run %d step %d: %s offered by the set network", seed, run, step, a)
				}
			}
			if len(acts) == 0 {
				break
			}
			a := acts[rng.IntN(len(acts))]
			if _, err := st.Apply(&s, a); err != nil {
				t.Fatalf("seed %d run %d step %d: %s: %v", seed, run, step, a, err)
			}
			if a.Kind == ActDeliver {
				if !slices.Contains(st.Net, a.Msg) {
					t.Fatalf("seed %d run %d step %d: %s removed the message", seed, run, step, a)
				}
				if delivered[a.Msg] {
					redelivered++
				}
				delivered[a.Msg] = true
			}
			for i := 1; i < len(st.Net); i++ {
				if !st.Net[i-1].Less(st.Net[i]) {
					t.Fatalf("seed %d run %d step %d: Net not a sorted set at %d: %v", seed, run, step, i, st.Net)
				}
			}
		}
	}
	if redelivered == 0 {
		t.Fatalf("seed %d: no walk delivered a message twice: the test shows nothing", seed)
	}
}

// TestSetNetworkRejects: budgets the set network does not use are a setup
// error, and drops and duplications do not apply.
func TestSetNetworkRejects(t *testing.T) {
	for _, b := range []Budget{{Drops: 1}, {Dups: 1}} {
		s := setNetSetup()
		s.Budget = b
		if err := s.Validate(); !errors.Is(err, ErrSetup) {
			t.Errorf("budget %+v: Validate = %v, want ErrSetup", b, err)
		}
	}
	s := setNetSetup()
	st, err := Init(&s)
	if err != nil {
		t.Fatal(err)
	}
	for len(st.Net) == 0 {
		if _, err := st.Apply(&s, st.Actions(&s, nil)[0]); err != nil {
			t.Fatal(err)
		}
	}
	m := st.Net[0]
	for _, k := range []ActionKind{ActDrop, ActDuplicate} {
		if _, err := st.Apply(&s, Action{Kind: k, Node: m.To, Msg: m}); !errors.Is(err, graph.ErrInput) {
			t.Errorf("%s in the set network: %v, want ErrInput", k, err)
		}
	}
}

// TestToMultisetTable pins the conversion on small paths.
func TestToMultisetTable(t *testing.T) {
	m1 := paxos.Message{Type: paxos.Msg1a, From: 3, To: 0, Bal: paxos.Ballot{Round: 1}}
	m2 := paxos.Message{Type: paxos.Msg1a, From: 3, To: 1, Bal: paxos.Ballot{Round: 1}}
	to := Action{Kind: ActTimeout, Node: 3}
	d1 := Action{Kind: ActDeliver, Node: 0, Msg: m1}
	c1 := Action{Kind: ActCrashMidStep, Node: 0, Msg: m1}
	d2 := Action{Kind: ActDeliver, Node: 1, Msg: m2}
	dup1 := Action{Kind: ActDuplicate, Node: 0, Msg: m1}
	for _, tc := range []struct {
		name     string
		in, want []Action
	}{
		{"empty", nil, []Action{}},
		{"single deliveries", []Action{to, d1, d2}, []Action{to, d1, d2}},
		{"redelivery", []Action{to, d1, d2, d1}, []Action{to, dup1, d1, d2, d1}},
		{"three deliveries", []Action{to, d1, d1, d1}, []Action{to, dup1, d1, dup1, d1, d1}},
		{"mid-step crash consumes too", []Action{to, c1, d1}, []Action{to, dup1, c1, d1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.in)
			got := ToMultiset(tc.in)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ToMultiset (-want +got):\n%s", diff)
			}
			if !slices.Equal(in, tc.in) {
				t.Error("ToMultiset modified its input")
			}
		})
	}
}

// TestToMultisetReplays walks the set network at random, converts each
// path with ToMultiset and records it through the multiset world with the
// setup a trace replay uses (SetupFromHeader: unbounded): every step
// applies, the trace validates, and after each original step the node
// states, storage, Sent and client and learner masks equal the set
// world's. Without the conversion, some path does not replay: the check
// can fail.
func TestToMultisetReplays(t *testing.T) {
	s := setNetSetup()
	const seed = 11
	rng := rand.New(rand.NewPCG(seed, 0))
	unconverted := 0
	for run := 0; run < 100; run++ {
		st, err := Init(&s)
		if err != nil {
			t.Fatal(err)
		}
		var path []Action
		var states []State
		for step := 0; step < 50; step++ {
			acts := st.Actions(&s, nil)
			if len(acts) == 0 {
				break
			}
			a := acts[rng.IntN(len(acts))]
			if _, err := st.Apply(&s, a); err != nil {
				t.Fatalf("seed %d run %d step %d: %s: %v", seed, run, step, a, err)
			}
			path = append(path, a)
			states = append(states, st.Clone())
		}
		h := s.Header("test")
		ms, err := SetupFromHeader(&h)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := NewRecorder(&ms)
		if err != nil {
			t.Fatal(err)
		}
		k := 0
		for _, a := range ToMultiset(path) {
			if _, err := rec.Apply(a); err != nil {
				t.Fatalf("seed %d run %d: converted step %s: %v", seed, run, a, err)
			}
			if a.Kind == ActDuplicate {
				continue
			}
			want := &states[k]
			got := &rec.State
			if !reflect.DeepEqual(abstractOf(want), abstractOf(got)) {
				diff := cmp.Diff(abstractOf(want), abstractOf(got))
				t.Fatalf("seed %d run %d step %d (%s): states differ (-set +multiset):\n%s", seed, run, k+1, a, diff)
			}
			k++
		}
		tr := rec.Trace("test")
		if err := paxostrace.Validate(&tr); err != nil {
			t.Fatalf("seed %d run %d: %v", seed, run, err)
		}
		plain, err := Init(&ms)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range path {
			if _, err := plain.Apply(&ms, a); err != nil {
				unconverted++
				break
			}
		}
	}
	if unconverted == 0 {
		t.Fatalf("seed %d: every unconverted path replayed too: the test shows nothing", seed)
	}
}

// compared is what the set and multiset worlds must agree on: all but Net
// and Used.
type compared struct {
	Nodes             []paxos.Node
	Stored            []paxos.Durable
	Sent              []paxos.Message
	Invoked, Returned graph.Clients
	Learned           uint64
}

func abstractOf(st *State) compared {
	return compared{st.Nodes, st.Stored, st.Sent, st.Invoked, st.Returned, st.Learned}
}
