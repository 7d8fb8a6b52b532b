package linearize

import (
	"errors"
	"strings"
	"testing"

	"github.com/anishathalye/porcupine"
)

// counter is a toy protocol's client view, to show the checker generic: an
// increment returns the counter's new value; an output of -1 is pending.
var counter = Model{
	Model: porcupine.Model{
		Init: func() any { return 0 },
		Step: func(st, _, out any) (bool, any) {
			n := st.(int) + 1
			return out.(int) == -1 || out.(int) == n, n
		},
	},
	Pending: func(op porcupine.Operation) bool { return op.Output.(int) == -1 },
	Explain: func(h []porcupine.Operation) string { return "two increments saw one value" },
}

func incr(client int, call, ret int64, out int) porcupine.Operation {
	return porcupine.Operation{ClientId: client, Call: call, Return: ret, Input: nil, Output: out}
}

// TestGenericCheck: the verdicts, the pending count and the explanation
// come from the protocol's Model.
func TestGenericCheck(t *testing.T) {
	ok := []porcupine.Operation{incr(0, 1, 2, 1), incr(1, 3, 4, 2), incr(2, 5, Return, -1)}
	r := Check(&counter, ok, 0)
	if r.Verdict != Ok || r.Ops != 3 || r.PendingOps != 1 {
		t.Fatalf("legal history: %+v", r)
	}
	if err := CheckOps(&counter, ok, 0); err != nil {
		t.Fatal(err)
	}
	bad := []porcupine.Operation{incr(0, 1, 2, 1), incr(1, 3, 4, 1)}
	r = Check(&counter, bad, 0)
	if r.Verdict != Illegal || r.Detail != "two increments saw one value" {
		t.Fatalf("illegal history: %+v", r)
	}
	if err := CheckOps(&counter, bad, 0); !errors.Is(err, ErrNotLinearizable) || !strings.Contains(err.Error(), "two increments") {
		t.Fatalf("CheckOps of an illegal history: %v", err)
	}
}
