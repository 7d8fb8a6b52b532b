// Package tlctrace reads the error traces TLC prints (the text that
// scripts/tlc.sh stores under traces/tlc/<Model>.txt) and turns each state
// into the invariant.Abstract the Go invariants evaluate.
//
// It exists for the third acceptance bullet of issue 3: the Go twins in
// checker/paxos/invariant must agree with the definitions in spec/Paxos.tla, and
// the sharpest evidence is to feed Go the very states TLC visits on its way
// to a violation and see Go break the same invariant at the same state.
//
// Three layers, each usable alone; the first two read any TLC output and
// live in checker/tlc, which knows no protocol:
//
//   - tlc.ParseValue reads one TLA+ value as TLC prints it (integers, strings,
//     model values, TRUE/FALSE, sets {..}, records [f |-> v], functions
//     (k :> v @@ ..), tuples <<..>>).
//   - tlc.Parse reads a whole error report: the violated invariant or property,
//     then "State N: <Action ...>" headers each followed by "/\ var = value"
//     conjuncts, ending possibly in "Stuttering" or "Back to state N" (a
//     liveness counterexample's lasso).
//   - ToAbstract maps one state's variables onto invariant.Abstract:
//     acceptor model values sorted to indices, values to paxos.Value, the
//     model value None to paxos.None, 1a messages dropped, the durable copies
//     of spec/PaxosCrash.tla ignored (the spec's invariants read the
//     volatile maxBal, maxVBal and maxVal).
//
// Every error is a one-line *tlc.SyntaxError or *ShapeError wrapping
// tlc.ErrSyntax or ErrShape; malformed input never panics.
package tlctrace
