package paxosmodel

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/paxoscheck/paxoscheck/checker/linearize"
	"github.com/paxoscheck/paxoscheck/checker/paxos/world"
	"github.com/paxoscheck/paxoscheck/impl/paxos"
	"github.com/paxoscheck/paxoscheck/traces/paxostrace"
)

// inv is an Invoke step by client c of value v at time t (= step number).
func inv(t int, c paxos.ClientID, v paxos.Value) paxostrace.Step {
	return paxostrace.Step{Step: t, Time: int64(t), Action: paxostrace.EvInvoke, Client: &c, Value: v}
}

// ret is a step at time t that answers client c with v.
func ret(t int, c paxos.ClientID, v paxos.Value) paxostrace.Step {
	return paxostrace.Step{Step: t, Time: int64(t), Action: paxostrace.EvReturn, Replies: []paxos.Reply{{Client: c, Value: v}}}
}

func TestHandWrittenHistories(t *testing.T) {
	cases := []struct {
		name  string
		steps []paxostrace.Step
		want  linearize.Verdict
	}{
		{"one client told its value", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x")}, linearize.Ok},
		{"concurrent clients told the same value", []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 1, "y"), ret(4, 0, "y")}, linearize.Ok},
		{"later client told the earlier value", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x"), inv(3, 1, "y"), ret(4, 1, "x")}, linearize.Ok},
		{"pending proposal is the one chosen", []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 1, "x")}, linearize.Ok},
		{"pending proposal invoked after the choice", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x"), inv(3, 1, "y")}, linearize.Ok},
		{"every proposal pending", []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y")}, linearize.Ok},
		{"empty history", nil, linearize.Ok},
		{"reply in the invoke step", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x"), {Step: 3, Time: 3, Action: paxostrace.EvInvoke, Client: ptr(paxos.ClientID(1)), Value: "y", Replies: []paxos.Reply{{Client: 1, Value: "x"}}}}, linearize.Ok},

		{"two clients told different values", []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 0, "x"), ret(4, 1, "y")}, linearize.Illegal},
		{"a value nobody proposed", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "z")}, linearize.Illegal},
		{"a value returned before anyone invoked it", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "y"), inv(3, 1, "y"), ret(4, 1, "y")}, linearize.Illegal},
		{"a value proposed only by a pending client, invoked too late", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "y"), inv(3, 1, "y")}, linearize.Illegal},
		{"the value changes between sequential clients", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x"), inv(3, 1, "y"), ret(4, 1, "y")}, linearize.Illegal},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := FromSteps(tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			r := Linearizable(ops, 0)
			if r.Verdict != tc.want {
				t.Fatalf("verdict %s (%s), want %s; history %+v", r.Verdict, r.Detail, tc.want, ops)
			}
			if r.Verdict == linearize.Illegal && r.Detail == "" {
				t.Errorf("illegal verdict without a detail")
			}
		})
	}
}

func ptr[T any](x T) *T { return &x }

func TestExplain(t *testing.T) {
	cases := []struct {
		name  string
		steps []paxostrace.Step
		want  string
	}{
		{"different values", []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 0, "x"), ret(4, 1, "y")},
			`clients were told different values: "x" to clients [0], "y" to clients [1]`},
		{"unproposed", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "z")}, `client 0 was told "z", which no client proposed`},
		{"too early", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "y"), inv(3, 1, "y")},
			`client 0 was told "y" at time 2, before any client proposed it (time 3)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := FromSteps(tc.steps)
			if err != nil {
				t.Fatal(err)
			}
			if got := Linearizable(ops, 0).Detail; got != tc.want {
				t.Fatalf("detail %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFromSteps(t *testing.T) {
	ops, err := FromSteps([]paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(5, 1, "x")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 2 {
		t.Fatalf("%d operations, want 2 (a pending one is kept)", len(ops))
	}
	if o := ops[0]; o.Return != linearize.Return || !o.Output.(Output).Pending || o.Call != 1 {
		t.Errorf("pending op %+v: want call 1, return MaxInt64, unknown output", o)
	}
	if o := ops[1]; o.Return != 5 || o.Output.(Output) != (Output{Value: "x"}) || o.Metadata.(Span) != (Span{2, 5}) {
		t.Errorf("answered op %+v", o)
	}

	bad := []struct {
		name  string
		steps []paxostrace.Step
	}{
		{"reply without an invoke", []paxostrace.Step{ret(1, 0, "x")}},
		{"two replies to one invoke", []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x"), ret(3, 0, "x")}},
		{"time going backwards", []paxostrace.Step{inv(2, 0, "x"), ret(1, 0, "x")}},
		{"invoke without a client", []paxostrace.Step{{Step: 1, Action: paxostrace.EvInvoke, Value: "x"}}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := FromSteps(tc.steps); !errors.Is(err, linearize.ErrHistory) {
				t.Fatalf("err = %v, want ErrHistory", err)
			}
		})
	}
}

func TestTimeoutIsUnknown(t *testing.T) {
	// A nanosecond is too short for Porcupine to start its search on a
	// history that needs backtracking; the verdict must then be linearize.Unknown,
	// not Ok. The history is large enough that finishing first is not an
	// option.
	ops := bigHistory(2000, 7)
	r := Linearizable(ops, 1)
	if r.Verdict != linearize.Unknown {
		t.Skipf("Porcupine finished within 1ns (verdict %s); nothing to test on this machine", r.Verdict)
	}
	if r.Detail == "" {
		t.Error("unknown verdict without a detail")
	}
}

// walk performs a random walk of up to n steps from the initial state of s
// and returns its trace.
func walk(t testing.TB, s *world.Setup, rng *rand.Rand, n int) paxostrace.Trace {
	r, err := world.NewRecorder(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Walk(n, rng.IntN, nil); err != nil {
		t.Fatal(err)
	}
	return r.Trace("test")
}

// TestSimulatedRunsLinearizable checks thousands of random runs of the
// correct implementation, with drops, duplicates and crashes: every one is
// linearizable. The same walks with the skip-prepare bug and two learners
// must produce a non-linearizable run, so the check is not vacuous.
func TestSimulatedRunsLinearizable(t *testing.T) {
	const seed = 20240605
	runs := 2000
	if testing.Short() {
		runs = 300
	}
	mk := func(bugs paxos.Bugs) world.Setup {
		s := world.NewSetup(3, 2, 2, 3)
		s.Config.Bugs = bugs
		s.Budget = world.Budget{Drops: 2, Dups: 2, Crashes: 2}
		s.MaxRound = 3
		s.MidStepCrash = true
		return s
	}
	correct := mk(0)
	rng := rand.New(rand.NewPCG(seed, 1))
	var answered, pending int
	for run := 0; run < runs; run++ {
		tr := walk(t, &correct, rng, 80)
		ops, err := FromTrace(&tr)
		if err != nil {
			t.Fatalf("seed %d run %d: %v", seed, run, err)
		}
		r := Linearizable(ops, 0)
		if r.Verdict != linearize.Ok {
			t.Fatalf("seed %d run %d: verdict %s: %s", seed, run, r.Verdict, r.Detail)
		}
		answered += r.Ops - r.PendingOps
		pending += r.PendingOps
	}
	if answered == 0 || pending == 0 {
		t.Fatalf("seed %d: vacuous walks: %d answered, %d pending operations", seed, answered, pending)
	}
	t.Logf("seed %d: %d runs, %d answered and %d pending operations, all linearizable", seed, runs, answered, pending)

	buggy := mk(paxos.Bugs(paxos.BugSkipPrepare))
	for run := 0; ; run++ {
		if run == 20000 {
			t.Fatalf("seed %d: no non-linearizable run found with skip-prepare in %d runs", seed, run)
		}
		tr := walk(t, &buggy, rng, 80)
		ops, err := FromTrace(&tr)
		if err != nil {
			t.Fatalf("seed %d run %d: %v", seed, run, err)
		}
		if r := Linearizable(ops, 0); r.Verdict == linearize.Illegal {
			t.Logf("seed %d: skip-prepare run %d not linearizable: %s", seed, run, r.Detail)
			break
		}
	}
}

func TestWriteHTML(t *testing.T) {
	ops, err := FromSteps([]paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 0, "x"), ret(4, 1, "y"), inv(5, 2, "z")})
	if err != nil {
		t.Fatal(err)
	}
	r := Linearizable(ops, 0)
	path := t.TempDir() + "/h.html"
	if err := r.WriteHTML(path); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(t.TempDir() + "/no/such/dir/h.html"); err == nil {
		t.Fatal("writing into a missing directory succeeded")
	}
}

// bigHistory is n proposals in rounds of 4 overlapping clients, each told
// the value of the first client; among the last 60 every tenth is never
// answered (earlier, a client id is reused every 64 operations, so a
// pending operation would take the reply of its client's next one). It is
// linearizable, and makes Porcupine consider many orders.
func bigHistory(n int, seed uint64) []porcupine.Operation {
	rng := rand.New(rand.NewPCG(seed, 2))
	var steps []paxostrace.Step
	tm := 0
	next := func() int { tm++; return tm }
	first := paxos.Value("v0")
	for i := 0; i < n; i += 4 {
		var cs []paxos.ClientID
		for j := 0; j < 4 && i+j < n; j++ {
			c := paxos.ClientID((i + j) % 64)
			steps = append(steps, inv(next(), c, world.ClientValue(rng.IntN(8))))
			if i == 0 && j == 0 {
				steps[0].Value = first
			}
			cs = append(cs, c)
		}
		for j, c := range cs {
			if i+j >= n-60 && (i+j)%10 == 9 {
				continue
			}
			steps = append(steps, ret(next(), c, first))
		}
	}
	ops, err := FromSteps(steps)
	if err != nil {
		panic(err)
	}
	return ops
}

// BenchmarkCheck1000 checks a 1,000-operation history (issue 5: "well
// under a second").
func BenchmarkCheck1000(b *testing.B) {
	ops := bigHistory(1000, 1)
	for b.Loop() {
		if r := Linearizable(ops, 0); r.Verdict != linearize.Ok {
			b.Fatalf("verdict %s: %s", r.Verdict, r.Detail)
		}
	}
}

// TestCheckTrace checks the error form the simulator's trace-check hook
// uses: nil for a linearizable history, linearize.ErrNotLinearizable for one that is
// not.
func TestCheckTrace(t *testing.T) {
	good := paxostrace.Trace{Steps: []paxostrace.Step{inv(1, 0, "x"), ret(2, 0, "x")}}
	if err := CheckTrace(&good, time.Second); err != nil {
		t.Fatalf("linearizable history: %v", err)
	}
	bad := paxostrace.Trace{Steps: []paxostrace.Step{inv(1, 0, "x"), inv(2, 1, "y"), ret(3, 0, "x"), ret(4, 1, "y")}}
	if err := CheckTrace(&bad, time.Second); !errors.Is(err, linearize.ErrNotLinearizable) {
		t.Fatalf("two clients told different values: got %v, want ErrNotLinearizable", err)
	}
}
