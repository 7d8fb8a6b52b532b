package mpmodel

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/paxoscheck/paxoscheck/checker/linearize"
	mp "github.com/paxoscheck/paxoscheck/impl/multipaxos"
)

func op(client int, c mp.Command, call, ret int64, r mp.Reply) porcupine.Operation {
	c.Client, c.Seq = mp.ClientID(client), uint32(call)
	r.Client, r.Seq, r.Op = c.Client, c.Seq, c.Op
	return porcupine.Operation{ClientId: client, Input: c, Call: call, Output: Output{Reply: r}, Return: ret}
}

func pending(client int, c mp.Command, call int64) porcupine.Operation {
	o := op(client, c, call, 0, mp.Reply{})
	o.Output, o.Return = Output{Pending: true}, linearize.Return
	return o
}

var (
	putX1 = mp.Command{Op: mp.OpPut, Key: "x", Val: "1"}
	putX2 = mp.Command{Op: mp.OpPut, Key: "x", Val: "2"}
	getX  = mp.Command{Op: mp.OpGet, Key: "x"}
	putY1 = mp.Command{Op: mp.OpPut, Key: "y", Val: "1"}
	getY  = mp.Command{Op: mp.OpGet, Key: "y"}
	casX  = mp.Command{Op: mp.OpCAS, Key: "x", Old: "1", Val: "3"}
)

func saw(v string) mp.Reply { return mp.Reply{Value: v, Found: v != ""} }

// TestKV: the key-value model accepts what a linearizable store may
// answer and refuses what it may not, per key, with pending operations
// free to have taken effect or not.
func TestKV(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    []porcupine.Operation
		ok   bool
	}{
		{"read your write", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(1, getX, 3, 4, saw("1"))}, true},
		{"stale read", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(0, putX2, 3, 4, mp.Reply{OK: true}), op(1, getX, 5, 6, saw("1"))}, false},
		{"read of the absent key", []porcupine.Operation{op(1, getX, 1, 2, saw(""))}, true},
		{"read of a value never written", []porcupine.Operation{op(1, getX, 1, 2, saw("9"))}, false},
		{"concurrent write, either value", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(0, putX2, 3, 6, mp.Reply{OK: true}), op(1, getX, 4, 5, saw("1"))}, true},
		{"pending write may have happened", []porcupine.Operation{pending(0, putX1, 1), op(1, getX, 2, 3, saw("1"))}, true},
		{"pending write may not have happened", []porcupine.Operation{pending(0, putX1, 1), op(1, getX, 2, 3, saw(""))}, true},
		{"cas succeeds on its old value", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(1, casX, 3, 4, mp.Reply{OK: true}), op(0, getX, 5, 6, saw("3"))}, true},
		{"cas that fails on its old value", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(1, casX, 3, 4, mp.Reply{OK: false})}, false},
		{"cas that succeeds on another value", []porcupine.Operation{op(0, putX2, 1, 2, mp.Reply{OK: true}), op(1, casX, 3, 4, mp.Reply{OK: true})}, false},
		{"keys are independent", []porcupine.Operation{op(0, putX1, 1, 2, mp.Reply{OK: true}), op(1, putY1, 1, 2, mp.Reply{OK: true}), op(0, getY, 3, 4, saw("1")), op(1, getX, 3, 4, saw("1"))}, true},
		{"a stale read on one key fails the history", []porcupine.Operation{op(0, putY1, 1, 2, mp.Reply{OK: true}), op(0, putX1, 1, 2, mp.Reply{OK: true}), op(1, getX, 3, 4, saw(""))}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := linearize.CheckOps(&KV, tc.h, time.Second)
			if tc.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tc.ok && !errors.Is(err, linearize.ErrNotLinearizable) {
				t.Fatalf("accepted (%v)", err)
			}
		})
	}
}

// history returns a linearizable history of n operations by clients
// clients on keys keys: each operation takes effect at a random point of
// its interval, and its reply is what KV.Apply gives in that order.
func history(seed uint64, n, clients, keys int) []porcupine.Operation {
	rng := rand.New(rand.NewPCG(seed, 0))
	type pt struct {
		at int64
		i  int
	}
	ops := make([]porcupine.Operation, n)
	var pts []pt
	free := make([]int64, clients)
	for i := range ops {
		c := rng.IntN(clients)
		call := free[c] + 1 + rng.Int64N(5)
		ret := call + 1 + rng.Int64N(20)
		free[c] = ret
		key := "k" + string(rune('a'+rng.IntN(keys)))
		var cmd mp.Command
		switch rng.IntN(3) {
		case 0:
			cmd = mp.Command{Op: mp.OpPut, Key: key, Val: string(rune('a' + rng.IntN(4)))}
		case 1:
			cmd = mp.Command{Op: mp.OpGet, Key: key}
		default:
			cmd = mp.Command{Op: mp.OpCAS, Key: key, Old: string(rune('a' + rng.IntN(4))), Val: string(rune('a' + rng.IntN(4)))}
		}
		cmd.Client, cmd.Seq = mp.ClientID(c), uint32(i+1)
		ops[i] = porcupine.Operation{ClientId: c, Input: cmd, Call: call, Return: ret}
		pts = append(pts, pt{at: call + rng.Int64N(ret-call+1), i: i})
	}
	slices.SortFunc(pts, func(a, b pt) int { return int(a.at - b.at) })
	var kv mp.KV
	for _, p := range pts {
		var r mp.Reply
		kv, r, _ = kv.Apply(ops[p.i].Input.(mp.Command), true)
		ops[p.i].Output = Output{Reply: r}
	}
	return ops
}

// TestKVHistory: a generated linearizable history passes, and changing
// one read's answer to a value its key never held fails it.
func TestKVHistory(t *testing.T) {
	h := history(1, 2000, 8, 4)
	if err := linearize.CheckOps(&KV, h, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	for i := range h {
		if c := h[i].Input.(mp.Command); c.Op == mp.OpGet {
			o := h[i].Output.(Output)
			o.Reply.Value, o.Reply.Found = "never", true
			h[i].Output = o
			break
		}
	}
	if err := linearize.CheckOps(&KV, h, 10*time.Second); !errors.Is(err, linearize.ErrNotLinearizable) {
		t.Fatalf("an impossible read passed: %v", err)
	}
}

// BenchmarkKV10000 checks a 10,000-operation history of 16 clients on 8
// keys (issue 13's target: under 1 s).
func BenchmarkKV10000(b *testing.B) {
	h := history(1, 10000, 16, 8)
	for b.Loop() {
		if err := linearize.CheckOps(&KV, h, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}
